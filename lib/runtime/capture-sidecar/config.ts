/**
 * Configuration of the capture sidecar, read from environment variables.
 * Every variable is documented in docs/capture.md.
 */

import { IN_FLIGHT_PUBLISH_SECONDS, IN_FLIGHT_SAMPLE_MS } from '../../contracts/autoscaling-signal';

/** Firehose limit: one record at most 1,000 KiB. */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;
/** Firehose limit: at most 500 records per PutRecordBatch call. */
export const FIREHOSE_MAX_BATCH_RECORDS = 500;
/** Firehose limit: at most 4 MiB of data per PutRecordBatch call (kept below both 4 MB and 4 MiB). */
export const FIREHOSE_MAX_BATCH_BYTES = 4_000_000;

export interface SidecarConfig {
  readonly listenPort: number;
  readonly listenHost: string;
  readonly upstream: URL;
  readonly adminPort: number;
  readonly streamName: string;
  readonly samplingPercent: number;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly variant: string;
  readonly spillDir: string;
  readonly spillMaxBytes: number;
  readonly queueMaxRecords: number;
  readonly queueMaxBytes: number;
  readonly healthPaths: ReadonlySet<string>;
  readonly flushIntervalMs: number;
  readonly region: string;
  readonly firehoseEndpoint?: string;
  readonly upstreamTimeoutMs: number;
  readonly upstreamKeepAliveMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly metricsLogIntervalMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxRecordBytes: number;
  readonly maxInFlightBatches: number;
  /** Records per PutRecordBatch call (<= 500). */
  readonly batchRecords: number;
  readonly firehoseTimeoutMs: number;
  readonly metricsNamespace: string;
  readonly metricsPublishIntervalMs: number;
  readonly cloudwatchEndpoint?: string;
  /** How often the in-flight request count is sampled (ms). */
  readonly inFlightSampleMs: number;
  /** How often the in-flight statistic set is published (ms). */
  readonly inFlightPublishIntervalMs: number;
}

/** The default sampling percentage (also the CDK default; justified in docs/capture.md). */
export const DEFAULT_SAMPLING_PERCENT = 10;

export const DEFAULT_HEALTH_PATHS = '/healthz,/readyz,/livez,/health,/ping';

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SidecarConfig {
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return def;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)}: must be an integer between ${min} and ${max}`);
    }
    return v;
  };
  const str = (name: string, def: string): string => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? def : raw.trim();
  };

  const samplingRaw = str('CAPTURE_SAMPLING_PERCENT', String(DEFAULT_SAMPLING_PERCENT));
  const samplingPercent = Number(samplingRaw);
  if (!Number.isFinite(samplingPercent) || samplingPercent < 0 || samplingPercent > 100) {
    throw new ConfigError(`CAPTURE_SAMPLING_PERCENT=${JSON.stringify(samplingRaw)}: must be a number between 0 and 100`);
  }

  const upstreamRaw = str('UPSTREAM_URL', 'http://127.0.0.1:8081');
  let upstream: URL;
  try {
    upstream = new URL(upstreamRaw);
  } catch {
    throw new ConfigError(`UPSTREAM_URL=${JSON.stringify(upstreamRaw)}: must be a URL such as http://127.0.0.1:8081`);
  }
  if (upstream.protocol !== 'http:') {
    throw new ConfigError(`UPSTREAM_URL=${JSON.stringify(upstreamRaw)}: only http:// is supported (the model runs in the same pod)`);
  }

  const streamName = str('CAPTURE_STREAM_NAME', '');
  const healthPaths = new Set(str('HEALTH_PATHS', DEFAULT_HEALTH_PATHS).split(',').map((p) => p.trim()).filter((p) => p.length > 0));

  return {
    listenPort: int('LISTEN_PORT', 8080, 0, 65535),
    listenHost: str('LISTEN_HOST', '0.0.0.0'),
    upstream,
    adminPort: int('ADMIN_PORT', 9901, 0, 65535),
    streamName,
    // without a stream there is nothing to write to: proxy only
    samplingPercent: streamName === '' ? 0 : samplingPercent,
    modelName: str('MODEL_NAME', 'unknown'),
    modelVersion: str('MODEL_VERSION', 'unknown'),
    variant: str('VARIANT', 'primary'),
    spillDir: str('SPILL_DIR', '/var/spool/capture'),
    spillMaxBytes: int('SPILL_MAX_BYTES', 256 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    queueMaxRecords: int('QUEUE_MAX_RECORDS', 10_000, 1, 10_000_000),
    queueMaxBytes: int('QUEUE_MAX_BYTES', 32 * 1024 * 1024, FIREHOSE_MAX_RECORD_BYTES, Number.MAX_SAFE_INTEGER),
    healthPaths,
    flushIntervalMs: int('FLUSH_INTERVAL_MS', 1000, 10, 3_600_000),
    region: str('AWS_REGION', str('AWS_DEFAULT_REGION', 'us-east-1')),
    firehoseEndpoint: env.FIREHOSE_ENDPOINT && env.FIREHOSE_ENDPOINT.trim() !== '' ? env.FIREHOSE_ENDPOINT.trim() : undefined,
    upstreamTimeoutMs: int('UPSTREAM_TIMEOUT_MS', 60_000, 1, 3_600_000),
    upstreamKeepAliveMs: int('UPSTREAM_KEEPALIVE_MS', 1_500, 100, 3_600_000),
    keepAliveTimeoutMs: int('KEEPALIVE_TIMEOUT_MS', 65_000, 100, 3_600_000),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 25_000, 0, 3_600_000),
    metricsLogIntervalMs: int('METRICS_LOG_INTERVAL_MS', 60_000, 0, 86_400_000),
    retryBaseMs: int('RETRY_BASE_MS', 100, 1, 600_000),
    retryMaxMs: int('RETRY_MAX_MS', 20_000, 1, 3_600_000),
    maxRecordBytes: int('CAPTURE_MAX_RECORD_BYTES', FIREHOSE_MAX_RECORD_BYTES, 4096, FIREHOSE_MAX_RECORD_BYTES),
    maxInFlightBatches: int('FIREHOSE_MAX_IN_FLIGHT', 4, 1, 64),
    batchRecords: int('FIREHOSE_BATCH_RECORDS', FIREHOSE_MAX_BATCH_RECORDS, 1, FIREHOSE_MAX_BATCH_RECORDS),
    firehoseTimeoutMs: int('FIREHOSE_TIMEOUT_MS', 10_000, 100, 600_000),
    metricsNamespace: str('METRICS_NAMESPACE', ''),
    metricsPublishIntervalMs: int('METRICS_PUBLISH_INTERVAL_MS', 60_000, 100, 3_600_000),
    cloudwatchEndpoint: env.CLOUDWATCH_ENDPOINT && env.CLOUDWATCH_ENDPOINT.trim() !== '' ? env.CLOUDWATCH_ENDPOINT.trim() : undefined,
    inFlightSampleMs: int('IN_FLIGHT_SAMPLE_MS', IN_FLIGHT_SAMPLE_MS, 10, 60_000),
    inFlightPublishIntervalMs: int('IN_FLIGHT_PUBLISH_INTERVAL_MS', IN_FLIGHT_PUBLISH_SECONDS * 1000, 100, 300_000),
  };
}
