import { CfnResource, Duration, Names, RemovalPolicy, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { INFERENCE_METRICS_NAMESPACE } from '../contracts/autoscaling-signal';
import { assetPath } from '../core/assets';
import { checkInt, checkNumber, checkPattern, invalid } from '../core/validation';
import {
  CaptureSidecarEnvironmentOptions, CaptureSidecarProxyOptions, CaptureStreamProps,
} from './capture-stream-props';
import type { InferenceProxyOptions } from './inference-types';

export * from './capture-stream-props';

/**
 * Inference data capture for a stack: one Kinesis Data Firehose delivery stream
 * (KMS-encrypted) into an S3 bucket (KMS-encrypted, versioned, TLS only, no
 * public access), partitioned by model / variant / date / hour from the fields
 * of each capture record, plus the capture sidecar image every inference pod runs.
 *
 * Shared by every ModelEndpoint of the stack, so a thousand models do not mean
 * a thousand streams: use `CaptureStream.of(this)`.
 *
 * @example
 * const capture = CaptureStream.of(this);
 * capture.grantPutRecords(podRole);
 */
export class CaptureStream extends Construct {
  /**
   * The default sampling percentage (justified in the README: drift statistics need ~1,000 records per
   * hourly window; cost and the stream's throughput quota scale with the rate).
   */
  public static readonly DEFAULT_SAMPLING_PERCENT = 10;

  /** Where the sidecar spills records during a Firehose outage (mount an emptyDir there). */
  public static readonly SPILL_DIR = '/var/spool/capture';

  /** The sidecar's default admin port (`GET /metrics` in the Prometheus text format). */
  public static readonly ADMIN_PORT = 9901;

  /** The CloudWatch namespace of the sidecar's request metrics (read by ModelEndpoint's metric helpers). */
  public static readonly METRICS_NAMESPACE = INFERENCE_METRICS_NAMESPACE;

  /**
   * Lets `grantee` (an inference pod role) publish the sidecar's request metrics:
   * `cloudwatch:PutMetricData` conditioned on the namespace `CdkMlops/Inference`
   * (PutMetricData has no resource-level permissions).
   */
  public static grantPutRequestMetrics(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudwatch:PutMetricData'],
      resourceArns: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': CaptureStream.METRICS_NAMESPACE } },
    });
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      Validations.of(grantee.grantPrincipal).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'cloudwatch:PutMetricData has no resource-level permissions; the statement is conditioned on cloudwatch:namespace CdkMlops/Inference (the capture sidecar\'s request metrics).',
      });
    }
    return grant;
  }

  /**
   * The stack's capture stream, created with default props on first use.
   * @param scope any construct in the stack
   */
  public static of(scope: Construct): CaptureStream {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    if (existing instanceof CaptureStream) return existing;
    if (existing) invalid(stack, 'id', SINGLETON_ID, 'is reserved for the stack\'s CaptureStream');
    return new CaptureStream(stack, SINGLETON_ID);
  }

  /** The bucket holding the capture records. */
  public readonly bucket: s3.IBucket;
  /** The KMS key encrypting the stream and the capture objects. */
  public readonly encryptionKey: kms.IKey;
  /** The Firehose delivery stream the sidecars write to. */
  public readonly deliveryStream: firehose.DeliveryStream;
  /** The root prefix of the capture records (see `CapturePrefix`). */
  public readonly prefix: string;
  /** The prefix of records Firehose could not deliver. */
  public readonly errorPrefix: string;
  /** The capture sidecar image (built from assets/capture-sidecar at deploy time). */
  public readonly sidecarImage: ecrAssets.DockerImageAsset;
  /** The sampling percentage endpoints use unless they set their own. */
  public readonly defaultSamplingPercent: number;

  constructor(scope: Construct, id: string, props: CaptureStreamProps = {}) {
    super(scope, id);
    this.prefix = props.prefix ?? 'capture/';
    this.errorPrefix = props.errorPrefix ?? 'capture-errors/';
    this.defaultSamplingPercent = props.defaultSamplingPercent ?? CaptureStream.DEFAULT_SAMPLING_PERCENT;
    checkNumber(this, 'defaultSamplingPercent', this.defaultSamplingPercent, 0, 100);
    checkPattern(this, 'prefix', this.prefix, PREFIX_PATTERN, 'must be empty or a relative S3 prefix ending in "/" (letters, digits, "-", "_", ".", "/")');
    checkPattern(this, 'errorPrefix', this.errorPrefix, /^([A-Za-z0-9_.-]+\/)+$/, 'must be a relative S3 prefix ending in "/" (letters, digits, "-", "_", ".", "/")');
    if (this.prefix !== '' && (this.errorPrefix.startsWith(this.prefix) || this.prefix.startsWith(this.errorPrefix))) {
      invalid(this, 'errorPrefix', this.errorPrefix, `must not overlap prefix "${this.prefix}" (readers list the capture prefix)`);
    }
    checkInt(this, 'noncurrentVersionExpirationDays', props.noncurrentVersionExpirationDays, 1);
    const interval = props.bufferingInterval ?? Duration.minutes(5);
    checkInt(this, 'bufferingInterval', interval.toSeconds(), 60, 900);
    const size = props.bufferingSize ?? Size.mebibytes(64);
    checkInt(this, 'bufferingSize', size.toMebibytes(), 64, 128);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `cdk-mlops inference capture (${this.node.path})`,
      enableKeyRotation: true,
      removalPolicy,
    });

    if (props.bucket) {
      this.bucket = props.bucket;
    } else {
      this.bucket = new s3.Bucket(this, 'Bucket', {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.encryptionKey,
        bucketKeyEnabled: true,
        versioned: true,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: props.accessLogsBucket,
        serverAccessLogsPrefix: props.accessLogsBucket ? `${Names.uniqueResourceName(this, { maxLength: 60 })}/` : undefined,
        lifecycleRules: [{
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        }],
        removalPolicy,
      });
      if (!props.accessLogsBucket) {
        Validations.of(this.bucket).acknowledge({
          id: 'AwsSolutions-S1',
          reason: 'Capture objects are written only by this stack\'s Firehose role and read by the drift monitor; object-level audit is CloudTrail data events\' job. Pass accessLogsBucket to enable server access logs.',
        });
      }
    }

    const partition = (key: string) => `!{partitionKeyFromQuery:${key}}`;
    this.deliveryStream = new firehose.DeliveryStream(this, 'DeliveryStream', {
      encryption: firehose.StreamEncryption.customerManagedKey(this.encryptionKey),
      destination: new firehose.S3Bucket(this.bucket, {
        dataOutputPrefix: `${this.prefix}model=${partition('model')}/variant=${partition('variant')}/dt=${partition('dt')}/hour=${partition('hour')}/`,
        errorOutputPrefix: `${this.errorPrefix}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/`,
        dynamicPartitioning: { enabled: true, retryDuration: Duration.minutes(5) },
        // partition keys from the record itself, so late (replayed) records land in the hour they were served
        processors: [firehose.MetadataExtractionProcessor.jq16({
          model: '.modelName',
          variant: '.variant',
          dt: '.timestamp[0:10]',
          hour: '.timestamp[11:13]',
        })],
        bufferingInterval: interval,
        bufferingSize: size,
        compression: firehose.Compression.UNCOMPRESSED,
        fileExtension: '.jsonl',
        encryptionKey: this.encryptionKey,
      }),
    });

    this.acknowledgeFirehoseRoles();

    this.sidecarImage = new ecrAssets.DockerImageAsset(this, 'SidecarImage', {
      directory: assetPath('capture-sidecar'),
      platform: props.sidecarPlatform ?? ecrAssets.Platform.LINUX_AMD64,
      displayName: 'cdk-mlops capture sidecar',
    });
  }

  /**
   * The proxy sidecar (ModelEndpoint/InferenceService `useProxy`) that runs the
   * capture sidecar in front of a model and writes to this stream. The hook
   * injects LISTEN_PORT, UPSTREAM_URL, MODEL_NAME, MODEL_VERSION, VARIANT and
   * SPILL_DIR; this adds the rest of the sidecar's configuration. The pod role
   * still needs `grantPutRecords` (and `grantPutRequestMetrics`).
   */
  public sidecarProxy(options: CaptureSidecarProxyOptions): InferenceProxyOptions {
    return this._sidecarProxy(this, options);
  }

  /**
   * `sidecarProxy` with the `capture.*` options validated against `scope`
   * (ModelEndpoint passes itself, so errors name the endpoint and its prop).
   * @internal
   */
  public _sidecarProxy(scope: IConstruct, options: CaptureSidecarProxyOptions): InferenceProxyOptions {
    const c = options.capture;
    const sampling = c.samplingPercent ?? this.defaultSamplingPercent;
    checkNumber(scope, 'capture.samplingPercent', sampling, 0, 100);
    const port = c.port ?? (options.modelPort === 8081 ? 8082 : 8081);
    checkInt(scope, 'capture.port', port, 1, 65535);
    if (port === options.modelPort) invalid(scope, 'capture.port', port, `must differ from the model port (${options.modelPort})`);
    checkPattern(scope, 'capture.cpu', c.cpu, CPU_QUANTITY, 'must be a CPU quantity such as "250m"');
    const memoryMiB = c.memoryMiB ?? 256;
    checkInt(scope, 'capture.memoryMiB', memoryMiB, 128, 65536);
    const spillMiB = (c.spillSize ?? Size.gibibytes(1)).toMebibytes();
    checkInt(scope, 'capture.spillSize', spillMiB, 16);
    const timeoutMs = (c.upstreamTimeout ?? Duration.seconds(60)).toMilliseconds();
    checkInt(scope, 'capture.upstreamTimeout', timeoutMs, 1);
    const adminPorts = [CaptureStream.ADMIN_PORT, CaptureStream.ADMIN_PORT + 1, CaptureStream.ADMIN_PORT + 2];
    const adminPort = adminPorts.find((p) => p !== port && p !== options.modelPort)!;
    return {
      image: this.sidecarImage.imageUri,
      containerPort: port,
      name: 'capture',
      resources: { cpu: c.cpu ?? '250m', memory: `${memoryMiB}Mi` },
      spillVolume: { mountPath: CaptureStream.SPILL_DIR, sizeLimit: `${spillMiB}Mi` },
      env: this.sharedEnv({
        sampling, adminPort, timeoutMs,
        // 90% of the volume: the rest is headroom for the file being written
        spillMaxBytes: Math.floor(spillMiB * 1024 * 1024 * 0.9),
        shutdownGraceMs: (options.shutdownGrace ?? Duration.seconds(25)).toMilliseconds(),
      }, {
        // a quarter of the memory for queued records, the heap capped below the limit
        QUEUE_MAX_BYTES: String(Math.max(FIREHOSE_RECORD_BYTES, Math.floor(memoryMiB * 1024 * 1024 / 4))),
        NODE_OPTIONS: `--max-old-space-size=${Math.floor(memoryMiB * 0.75)}`,
        HEALTH_PATHS: [...new Set(options.healthPaths)].join(','),
      }, c.requestMetrics === false ? {} : { METRICS_NAMESPACE: CaptureStream.METRICS_NAMESPACE }),
    };
  }

  /** cdk-nag findings on the roles the Firehose L2 creates, acknowledged with the reason next to the resource. */
  private acknowledgeFirehoseRoles(): void {
    const kmsReason = 'The Firehose L2 grants its roles kms:GenerateDataKey*/ReEncrypt* on this construct\'s own key only (stream encryption and S3 object encryption); the wildcard is in the action names, not the resource.';
    const s3Reason = 'The Firehose L2 grants its S3 destination role read/write on this construct\'s capture bucket only (Firehose writes objects under partition prefixes that are only known at run time, and lists/aborts multipart uploads); no other bucket.';
    const findings: [string, string][] = [
      ['Action::kms:ReEncrypt*', kmsReason],
      ['Action::kms:GenerateDataKey*', kmsReason],
      ['Action::s3:GetObject*', s3Reason],
      ['Action::s3:GetBucket*', s3Reason],
      ['Action::s3:List*', s3Reason],
      ['Action::s3:DeleteObject*', s3Reason],
      ['Action::s3:Abort*', s3Reason],
    ];
    const bucketResource = this.bucket.node.defaultChild;
    if (bucketResource instanceof CfnResource) {
      findings.push([`Resource::<${Stack.of(this).getLogicalId(bucketResource)}.Arn>/*`, s3Reason]);
    } else if (!Token.isUnresolved(this.bucket.bucketArn)) {
      findings.push([`Resource::${this.bucket.bucketArn}/*`, s3Reason]);
    }
    for (const [finding, reason] of findings) {
      Validations.of(this.deliveryStream).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }

  /** The name of the delivery stream (the sidecar's `CAPTURE_STREAM_NAME`). */
  public get deliveryStreamName(): string {
    return this.deliveryStream.deliveryStreamName;
  }

  /**
   * Lets `grantee` (an inference pod role) put records into this stream, and nothing else:
   * `firehose:PutRecord` and `firehose:PutRecordBatch` on this delivery stream only.
   */
  public grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      resourceArns: [this.deliveryStream.deliveryStreamArn],
    });
  }

  /**
   * Lets `grantee` (e.g. the drift monitor) list and read the capture records:
   * `s3:GetObject` under the capture prefix, `s3:ListBucket` conditioned on it, and `kms:Decrypt` with the key.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${this.prefix}*`)],
    });
    grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.prefix}*`] } },
    }));
    grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
    }));
    const bucketResource = this.bucket.node.defaultChild;
    if (bucketResource instanceof CfnResource && Construct.isConstruct(grantee.grantPrincipal)) {
      Validations.of(grantee.grantPrincipal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucketResource)}.Arn>/${this.prefix}*]`,
        reason: 'Read access to the capture records: s3:GetObject on every object under the capture prefix (partitions are created at run time), s3:ListBucket conditioned on that prefix; nothing else in the bucket.',
      });
    }
    return grant;
  }

  /**
   * The environment variables of the capture sidecar for one variant of a model
   * (the sidecar's configuration contract, documented in docs/capture.md).
   */
  public sidecarEnvironment(options: CaptureSidecarEnvironmentOptions): { [name: string]: string } {
    const sampling = options.samplingPercent ?? this.defaultSamplingPercent;
    checkNumber(this, 'samplingPercent', sampling, 0, 100);
    checkInt(this, 'listenPort', options.listenPort, 1, 65535);
    checkInt(this, 'upstreamPort', options.upstreamPort, 1, 65535);
    if (options.listenPort === options.upstreamPort) invalid(this, 'upstreamPort', options.upstreamPort, 'must differ from listenPort (the sidecar and the model share the pod\'s network namespace)');
    const adminPort = options.adminPort ?? CaptureStream.ADMIN_PORT;
    checkInt(this, 'adminPort', adminPort, 1, 65535);
    if (adminPort === options.listenPort || adminPort === options.upstreamPort) {
      invalid(this, 'adminPort', adminPort, `must differ from listenPort (${options.listenPort}) and upstreamPort (${options.upstreamPort}): the sidecar would exit with EADDRINUSE`);
    }
    return this.sharedEnv({
      sampling, adminPort,
      timeoutMs: options.upstreamTimeoutMs ?? 60_000,
      shutdownGraceMs: options.shutdownGraceMs ?? 25_000,
      spillMaxBytes: options.spillMaxBytes ?? 256 * 1024 * 1024,
    }, {
      LISTEN_PORT: String(options.listenPort),
      UPSTREAM_URL: `http://127.0.0.1:${options.upstreamPort}`,
      MODEL_NAME: options.modelName,
      MODEL_VERSION: options.modelVersion,
      VARIANT: options.variant,
      SPILL_DIR: options.spillDir ?? CaptureStream.SPILL_DIR,
    }, {});
  }

  /**
   * The sidecar variables both `sidecarProxy` and `sidecarEnvironment` set (one
   * place, so the two stop drifting), with each method's own ones in between.
   */
  private sharedEnv(
    o: { sampling: number; adminPort: number; spillMaxBytes: number; timeoutMs: number; shutdownGraceMs: number },
    own: { [name: string]: string },
    beforeRegion: { [name: string]: string },
  ): { [name: string]: string } {
    return {
      CAPTURE_STREAM_NAME: this.deliveryStreamName,
      CAPTURE_SAMPLING_PERCENT: String(o.sampling),
      ADMIN_PORT: String(o.adminPort),
      SPILL_MAX_BYTES: String(o.spillMaxBytes),
      ...own,
      UPSTREAM_TIMEOUT_MS: String(o.timeoutMs),
      SHUTDOWN_GRACE_MS: String(o.shutdownGraceMs),
      ...beforeRegion,
      AWS_REGION: Stack.of(this).region,
    };
  }
}

const SINGLETON_ID = 'CdkMlopsCaptureStream';
const FIREHOSE_RECORD_BYTES = 1000 * 1024;
/** A Kubernetes CPU quantity ("250m", "1", "0.5"), as the proxy check in private/inference-options accepts. */
const CPU_QUANTITY = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const PREFIX_PATTERN = /^(([A-Za-z0-9_.-]+\/)+)?$/;
