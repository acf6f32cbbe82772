// The bearer token EKS accepts for an IAM principal: a pre-signed STS GetCallerIdentity URL
// (Signature Version 4, query-string signing, the `x-k8s-aws-id` header naming the cluster
// signed with it), base64url-encoded behind `k8s-aws-v1.`. The API server replays the URL to STS
// to learn who is calling, then maps that principal through the cluster's access entries.
// https://docs.aws.amazon.com/eks/latest/userguide/cluster-auth.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
import { createHash, createHmac } from 'node:crypto';

/** Credentials of the Lambda's role (its environment carries them). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();
/** RFC 3986 encoding, as SigV4 requires (encodeURIComponent leaves !'()* alone). */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The pre-signed GetCallerIdentity URL for `clusterName`, valid `expiresSeconds` from `now`. */
export function presignedCallerIdentityUrl(clusterName: string, region: string, credentials: Credentials, now: Date, expiresSeconds = 60): string {
  const host = `sts.${region}.amazonaws.com`;
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/sts/aws4_request`;
  const query: Record<string, string> = {
    'Action': 'GetCallerIdentity',
    'Version': '2011-06-15',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(expiresSeconds),
    'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
  };
  const canonicalQuery = Object.keys(query).sort().map((k) => `${encode(k)}=${encode(query[k])}`).join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}`, `x-k8s-aws-id:${clusterName}`, '', 'host;x-k8s-aws-id', sha256('')].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 'sts'), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return `https://${host}/?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/** The EKS bearer token. */
export function eksToken(clusterName: string, region: string, credentials: Credentials, now: Date): string {
  const url = presignedCallerIdentityUrl(clusterName, region, credentials, now);
  return `k8s-aws-v1.${Buffer.from(url, 'utf8').toString('base64url')}`;
}
