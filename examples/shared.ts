// Building blocks shared by the example stacks.
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Options of {@link exampleBuckets}. */
export interface ExampleBucketsOptions {
  /**
   * Why the access-log bucket has no server access logging of its own: the
   * reason of its AwsSolutions-S1 acknowledgement, specific to the example.
   */
  readonly accessLogsReason: string;
  /**
   * Construct id of the KMS key.
   * @default 'DataKey'
   */
  readonly keyId?: string;
  /**
   * S3 Bucket Keys on the KMS-encrypted buckets.
   * @default - not set (the S3 default)
   */
  readonly bucketKeyEnabled?: boolean;
}

/** What {@link exampleBuckets} creates. */
export interface ExampleBuckets<N extends string> {
  /** The KMS key (rotation on, retained) that encrypts the named buckets. */
  readonly key: kms.Key;
  /** The server access log destination of the named buckets (SSE-S3). */
  readonly accessLogs: s3.Bucket;
  /** The named buckets, by construct id. */
  readonly buckets: Record<N, s3.Bucket>;
}

/**
 * The secure bucket setup of the examples, in `scope`: a KMS key, an access-log
 * bucket (its AwsSolutions-S1 finding acknowledged with `accessLogsReason`) and
 * one bucket per name: KMS-encrypted, versioned (dataset snapshots record object
 * version ids), TLS only, no public access, retained, access-logged under
 * `<name in lower case>/`. Construct ids are `keyId`, `AccessLogs` and the names,
 * created in that order.
 */
export function exampleBuckets<N extends string>(scope: Construct, names: readonly N[], options: ExampleBucketsOptions): ExampleBuckets<N> {
  const key = new kms.Key(scope, options.keyId ?? 'DataKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const accessLogs = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(accessLogs).acknowledge({ id: 'AwsSolutions-S1', reason: options.accessLogsReason });
  const buckets = {} as Record<N, s3.Bucket>;
  for (const name of names) {
    buckets[name] = new s3.Bucket(scope, name, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: options.bucketKeyEnabled,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: `${name.toLowerCase()}/`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
  return { key, accessLogs, buckets };
}
