/**
 * Request metrics for ModelEndpoint.metricRequests/metricErrors/metricLatency:
 * `Requests` (Count), `Errors` (5xx, Count) and `LatencyMs` (a histogram as
 * Values/Counts, so CloudWatch can compute percentiles), published with
 * PutMetricData every METRICS_PUBLISH_INTERVAL_MS under the dimension sets
 * {ModelName} and {ModelName, Variant}. Best effort: a failed publish is logged
 * and its interval is not retried (capture records, not metrics, are the data
 * that must not be lost).
 */
import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { SidecarConfig } from './config';
import { errorText, log } from './log';

/** Latency buckets grow by 5% (relative error <= 2.5%); below 1 ms, 0.05 ms steps. */
const LOG_STEP = Math.log(1.05);
/** CloudWatch accepts at most 150 distinct values per datum. */
const MAX_VALUES = 150;

export function latencyBucket(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms < 1) return Math.max(0.05, Math.round(ms * 20) / 20);
  return Math.round(Math.exp(Math.round(Math.log(ms) / LOG_STEP) * LOG_STEP) * 1000) / 1000;
}

export class InferenceMetrics {
  private requests = 0;
  private errors = 0;
  private latency = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private readonly client?: CloudWatchClient;
  /** Successful PutMetricData calls (for logs and tests). */
  public published = 0;

  constructor(private readonly cfg: SidecarConfig) {
    if (cfg.metricsNamespace !== '') {
      this.client = new CloudWatchClient({
        region: cfg.region,
        endpoint: cfg.cloudwatchEndpoint,
        maxAttempts: 3,
        requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } as any,
      });
    }
  }

  public get enabled(): boolean {
    return this.client !== undefined;
  }

  public start(): void {
    if (!this.client) return;
    this.timer = setInterval(() => void this.publish(), this.cfg.metricsPublishIntervalMs);
    this.timer.unref();
  }

  /** One served request (health checks excluded). */
  public observe(status: number, latencyMs: number): void {
    if (!this.client) return;
    this.requests++;
    if (status >= 500) this.errors++;
    const b = latencyBucket(latencyMs);
    this.latency.set(b, (this.latency.get(b) ?? 0) + 1);
  }

  /** Publishes what was observed since the last publish (also called on shutdown). */
  public async publish(): Promise<void> {
    if (!this.client) return;
    const requests = this.requests;
    const errors = this.errors;
    const latency = this.latency;
    this.requests = 0;
    this.errors = 0;
    this.latency = new Map();
    const timestamp = new Date();
    const dimensionSets = [
      [{ Name: 'ModelName', Value: this.cfg.modelName }],
      [{ Name: 'ModelName', Value: this.cfg.modelName }, { Name: 'Variant', Value: this.cfg.variant }],
    ];
    const data: MetricDatum[] = [];
    const entries = [...latency.entries()].sort((a, b) => a[0] - b[0]);
    for (const Dimensions of dimensionSets) {
      data.push({ MetricName: 'Requests', Dimensions, Timestamp: timestamp, Value: requests, Unit: StandardUnit.Count });
      data.push({ MetricName: 'Errors', Dimensions, Timestamp: timestamp, Value: errors, Unit: StandardUnit.Count });
      for (let i = 0; i < entries.length; i += MAX_VALUES) {
        const chunk = entries.slice(i, i + MAX_VALUES);
        data.push({
          MetricName: 'LatencyMs',
          Dimensions,
          Timestamp: timestamp,
          Values: chunk.map(([v]) => v),
          Counts: chunk.map(([, c]) => c),
          Unit: StandardUnit.Milliseconds,
        });
      }
    }
    try {
      for (let i = 0; i < data.length; i += 1000) {
        await this.client.send(new PutMetricDataCommand({ Namespace: this.cfg.metricsNamespace, MetricData: data.slice(i, i + 1000) }));
      }
      this.published++;
    } catch (err) {
      log('warn', 'PutMetricData failed; this interval\'s request metrics are skipped', { error: errorText(err), requests, errors });
    }
  }

  public stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
