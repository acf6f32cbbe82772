// The props and options of CaptureStream and of a ModelEndpoint's `capture` prop.
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { CaptureStream } from './capture-stream';

/** Properties of a {@link CaptureStream}. */
export interface CaptureStreamProps {
  /**
   * The bucket the capture records are written to.
   * @default - a new KMS-encrypted, versioned bucket that enforces TLS and blocks public access (retained on stack deletion)
   */
  readonly bucket?: s3.IBucket;

  /**
   * The KMS key that encrypts the stream (server-side encryption) and the objects Firehose writes.
   * @default - a new customer-managed key with rotation enabled (also the new bucket's default key)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The root prefix of the capture records in the bucket (ends with `/`).
   * Records land under `<prefix>model=<model>/variant=<variant>/dt=<YYYY-MM-DD>/hour=<HH>/`.
   * @default 'capture/'
   */
  readonly prefix?: string;

  /**
   * The prefix Firehose writes records it could not partition or deliver to (ends with `/`).
   * @default 'capture-errors/'
   */
  readonly errorPrefix?: string;

  /**
   * The percentage (0-100) of inferences endpoints sample when they do not set their own rate.
   * @default 10
   */
  readonly defaultSamplingPercent?: number;

  /**
   * How long Firehose buffers a partition before writing an object (60-900 seconds).
   * @default Duration.minutes(5)
   */
  readonly bufferingInterval?: Duration;

  /**
   * The size at which Firehose writes a partition's buffer (64-128 MiB with dynamic partitioning).
   * @default Size.mebibytes(64)
   */
  readonly bufferingSize?: Size;

  /**
   * Where the new bucket writes its S3 server access logs.
   * @default - no server access logs (object writes come only from the Firehose role; use CloudTrail data events for object-level audit)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Days after which noncurrent versions of capture objects expire in the new bucket.
   * @default 30
   */
  readonly noncurrentVersionExpirationDays?: number;

  /**
   * The platform the sidecar image is built for (the inference nodes' architecture).
   * @default ecrAssets.Platform.LINUX_AMD64
   */
  readonly sidecarPlatform?: ecrAssets.Platform;

  /**
   * What happens to a bucket and key this construct creates when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Options for {@link CaptureStream.sidecarEnvironment}: one variant of one model. */
export interface CaptureSidecarEnvironmentOptions {
  /** The model name (partition key `model=`). */
  readonly modelName: string;
  /** The model version served by the variant. */
  readonly modelVersion: string;
  /** The variant name (partition key `variant=`). */
  readonly variant: string;
  /**
   * The percentage (0-100) of inferences to capture.
   * @default - the stream's defaultSamplingPercent
   */
  readonly samplingPercent?: number;
  /** The port the sidecar listens on (the pod's serving port). */
  readonly listenPort: number;
  /** The port of the model server on localhost. */
  readonly upstreamPort: number;
  /**
   * The sidecar's admin port (`GET /metrics`, `/healthz`, `/readyz`).
   * @default 9901
   */
  readonly adminPort?: number;
  /**
   * The spill directory (mount an emptyDir there).
   * @default CaptureStream.SPILL_DIR
   */
  readonly spillDir?: string;
  /**
   * The most bytes the sidecar spills (keep it below the emptyDir's sizeLimit).
   * @default 256 MiB
   */
  readonly spillMaxBytes?: number;
  /**
   * How long the model may take to answer before the sidecar answers 504, in milliseconds.
   * @default 60000
   */
  readonly upstreamTimeoutMs?: number;
  /**
   * How long the sidecar flushes queued records after SIGTERM, in milliseconds
   * (keep it below the pod's terminationGracePeriodSeconds).
   * @default 25000
   */
  readonly shutdownGraceMs?: number;
}

/** Inference data capture of a ModelEndpoint (its `capture` prop). */
export interface EndpointCaptureOptions {
  /**
   * Whether the capture sidecar runs in front of the model. Turn it off to run
   * without capture or to use your own proxy (`useProxy`).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The capture stream the records go to.
   * @default - the stack's stream, `CaptureStream.of(endpoint)`
   */
  readonly stream?: CaptureStream;
  /**
   * The percentage (0-100) of inferences captured.
   * @default - the stream's defaultSamplingPercent (10)
   */
  readonly samplingPercent?: number;
  /**
   * The port the capture sidecar listens on (the pod's serving port; must differ from the model port).
   * @default 8081, or 8082 when the model listens on 8081
   */
  readonly port?: number;
  /**
   * CPU request of the sidecar.
   * @default "250m"
   */
  readonly cpu?: string;
  /**
   * Memory request and limit of the sidecar, in MiB.
   * @default 256
   */
  readonly memoryMiB?: number;
  /**
   * Size of the spill volume (an emptyDir) that holds records during a Firehose outage.
   * @default Size.gibibytes(1)
   */
  readonly spillSize?: Size;
  /**
   * How long the model may take to answer before the sidecar answers 504.
   * @default Duration.seconds(60)
   */
  readonly upstreamTimeout?: Duration;
  /**
   * Whether the sidecar publishes `Requests`, `Errors` and `LatencyMs` to CloudWatch
   * (what ModelEndpoint.metricRequests/metricErrors/metricLatency read).
   * @default true
   */
  readonly requestMetrics?: boolean;
}

/** What {@link CaptureStream.sidecarProxy} needs to know about the endpoint. */
export interface CaptureSidecarProxyOptions {
  /** The capture options of the endpoint. */
  readonly capture: EndpointCaptureOptions;
  /** The port the model server listens on (localhost). */
  readonly modelPort: number;
  /** Paths forwarded but never captured or counted (the model's probe paths). */
  readonly healthPaths: string[];
  /**
   * How long the sidecar may flush after SIGTERM.
   * @default Duration.seconds(25)
   */
  readonly shutdownGrace?: Duration;
}
