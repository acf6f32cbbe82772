// The one way a role for model pods is built: it reads (and lists) one artifact prefix of one
// bucket, decrypts through S3 only, and, for EKS Pod Identity, lets the agent tag the session.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ArtifactReaderRoleOptions {
  readonly assumedBy: iam.IPrincipal;
  readonly description: string;
  readonly bucket: s3.IBucket;
  /** The key prefix the pods may read (may hold `${aws:PrincipalTag/...}` policy variables). */
  readonly prefix: string;
  /** EKS Pod Identity: the trust policy also allows `sts:TagSession` (the agent tags sessions). */
  readonly podIdentity: boolean;
  /** Statement ids of the read and list statements. */
  readonly sids: { readonly read: string; readonly list: string };
}

/** Creates the role model pods assume to pull their artifacts. */
export function createArtifactReaderRole(scope: Construct, id: string, o: ArtifactReaderRoleOptions): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: o.assumedBy, description: o.description });
  if (o.podIdentity) {
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      actions: ['sts:TagSession'],
      principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')],
    }));
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: o.sids.read,
    actions: ['s3:GetObject'],
    resources: [o.bucket.arnForObjects(`${o.prefix}*`)],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: o.sids.list,
    actions: ['s3:ListBucket'],
    resources: [o.bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${o.prefix}*`] } },
  }));
  if (o.bucket.encryptionKey) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptModelArtifacts',
      actions: ['kms:Decrypt'],
      resources: [o.bucket.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(scope).region}.amazonaws.com` } },
    }));
  }
  return role;
}
