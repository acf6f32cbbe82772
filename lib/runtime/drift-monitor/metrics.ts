import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';

/** PutMetricData accepts at most 1,000 metrics per call. */
export const MAX_METRICS_PER_CALL = 1000;
/**
 * PutMetricData accepts at most 1 MB per request. We budget on the
 * uncompressed JSON size of the data (the SDK may gzip the body, which only
 * makes it smaller), leaving room for the envelope.
 */
export const MAX_PAYLOAD_BYTES = 1_000_000 - 16_384;

/** Retry policy: exponential backoff with full jitter. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 10_000 };

const RETRYABLE_CODES = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException', 'ServiceUnavailable',
  'InternalFailure', 'InternalServiceFault', 'InternalServiceError', 'RequestTimeout', 'RequestTimeoutException',
]);

/** True for throttling, 5xx and network errors (worth retrying); false for 4xx validation errors. */
export function isRetryable(err: any): boolean {
  const status: number | undefined = err?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (RETRYABLE_CODES.has(err?.name) || RETRYABLE_CODES.has(err?.Code) || RETRYABLE_CODES.has(err?.code)) return true;
  if (err?.$retryable) return true;
  // Network-level failures have no HTTP status.
  return status === undefined && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError'].some(
    (c) => err?.code === c || err?.name === c);
}

/** Full-jitter backoff delay for a (0-based) retry number. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry));
}

/** CloudWatch rejects magnitudes outside [2^-360, 2^360]. */
export const MIN_MAGNITUDE = 2 ** -360;
export const MAX_MAGNITUDE = 2 ** 360;

/**
 * Brings a value into CloudWatch's accepted range: a magnitude below 2^-360
 * (e.g. a KS p-value of 1e-300) becomes 0, one above 2^360 is capped, so one
 * extreme statistic cannot make the whole PutMetricData call fail.
 */
export function clampValue(v: number): number {
  const a = Math.abs(v);
  if (a < MIN_MAGNITUDE) return 0;
  if (a > MAX_MAGNITUDE) return Math.sign(v) * MAX_MAGNITUDE;
  return v;
}

/** Approximate serialized size of one datum (JSON, as the client sends it). */
export function datumSize(d: MetricDatum): number {
  return JSON.stringify({ ...d, Timestamp: d.Timestamp ? Math.floor(d.Timestamp.getTime() / 1000) : undefined }).length + 1;
}

/**
 * Buffers datums and sends them with PutMetricData in calls of at most
 * 1,000 metrics and {@link MAX_PAYLOAD_BYTES}, retrying throttling and 5xx
 * with backoff and jitter.
 */
export class MetricPublisher {
  private buffer: MetricDatum[] = [];
  private bufferBytes = 0;
  private readonly batches: MetricDatum[][] = [];
  /** Number of PutMetricData calls that succeeded. */
  public calls = 0;
  /** Number of datums sent. */
  public sent = 0;
  /** Number of retries performed. */
  public retries = 0;

  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Queues datums; full batches are cut immediately and sent by {@link flush}. */
  public add(...datums: MetricDatum[]): void {
    for (const raw of datums) {
      if (raw.Value !== undefined && !Number.isFinite(raw.Value)) continue; // CloudWatch rejects NaN/Infinity
      const d = raw.Value === undefined ? raw : { ...raw, Value: clampValue(raw.Value) };
      const size = datumSize(d);
      if (this.buffer.length >= MAX_METRICS_PER_CALL || this.bufferBytes + size > MAX_PAYLOAD_BYTES) this.cut();
      this.buffer.push(d);
      this.bufferBytes += size;
    }
  }

  /** Sends every full batch; with `all`, the partial one too. */
  public async flush(all = true): Promise<void> {
    if (all) this.cut();
    while (this.batches.length > 0) {
      const batch = this.batches.shift()!;
      await this.send(batch);
    }
  }

  private cut(): void {
    if (this.buffer.length === 0) return;
    this.batches.push(this.buffer);
    this.buffer = [];
    this.bufferBytes = 0;
  }

  private async send(batch: MetricDatum[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch }));
        this.calls++;
        this.sent += batch.length;
        return;
      } catch (err) {
        if (attempt + 1 >= this.retry.attempts || !isRetryable(err)) throw err;
        this.retries++;
        await this.sleep(backoffDelay(attempt, this.retry));
      }
    }
  }
}
