/**
 * Request metrics for ModelEndpoint.metricRequests/metricErrors/metricLatency:
 * `Requests` (Count), `Errors` (5xx, Count) and `LatencyMs` (a histogram as
 * Values/Counts, so CloudWatch can compute percentiles), published with
 * PutMetricData every METRICS_PUBLISH_INTERVAL_MS under the dimension sets
 * {ModelName} and {ModelName, Variant}. Best effort: a failed publish is logged
 * and its interval is not retried (capture records, not metrics, are the data
 * that must not be lost).
 *
 * Plus the autoscaling signal (lib/contracts/autoscaling-signal.ts): the
 * in-flight request count, sampled every IN_FLIGHT_SAMPLE_MS and published
 * every IN_FLIGHT_PUBLISH_INTERVAL_MS as a high-resolution statistic set under
 * {ModelName, Variant}, which the variant's KEDA ScaledObject reads back.
 */
import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { IN_FLIGHT_DIMENSIONS, IN_FLIGHT_METRIC_NAME } from '../../contracts/autoscaling-signal';
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
  private sampler?: NodeJS.Timeout;
  private inFlightTimer?: NodeJS.Timeout;
  private readonly client?: CloudWatchClient;
  /** Successful PutMetricData calls (for logs and tests). */
  public published = 0;
  /** Requests received and not yet over (health checks excluded). */
  public inFlight = 0;
  private samples = { count: 0, sum: 0, min: Infinity, max: -Infinity };

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
    this.sampler = setInterval(() => this.sample(), this.cfg.inFlightSampleMs);
    this.sampler.unref();
    this.inFlightTimer = setInterval(() => void this.publishInFlight(), this.cfg.inFlightPublishIntervalMs);
    this.inFlightTimer.unref();
  }

  /** A request reached the proxy (health checks excluded). */
  public begin(): void {
    this.inFlight++;
  }

  /** A begun request ended without a complete response. */
  public end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Takes one sample of the in-flight count. */
  public sample(): void {
    const v = this.inFlight;
    const s = this.samples;
    s.count++;
    s.sum += v;
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
  }

  /** Publishes the statistic set of the in-flight samples taken since the last publish (at least one sample). */
  public async publishInFlight(): Promise<void> {
    if (!this.client) return;
    if (this.samples.count === 0) this.sample();
    const s = this.samples;
    this.samples = { count: 0, sum: 0, min: Infinity, max: -Infinity };
    const datum: MetricDatum = {
      MetricName: IN_FLIGHT_METRIC_NAME,
      Dimensions: IN_FLIGHT_DIMENSIONS.map((Name) => ({ Name, Value: Name === 'ModelName' ? this.cfg.modelName : this.cfg.variant })),
      Timestamp: new Date(),
      StatisticValues: { SampleCount: s.count, Sum: s.sum, Minimum: s.min, Maximum: s.max },
      StorageResolution: 1,
      Unit: StandardUnit.Count,
    };
    try {
      await this.client.send(new PutMetricDataCommand({ Namespace: this.cfg.metricsNamespace, MetricData: [datum] }));
    } catch (err) {
      log('warn', 'PutMetricData failed; this interval\'s in-flight samples are skipped', { error: errorText(err), samples: s.count });
    }
  }

  /** One served request (health checks excluded). */
  public observe(status: number, latencyMs: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
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
    if (this.sampler) clearInterval(this.sampler);
    if (this.inFlightTimer) clearInterval(this.inFlightTimer);
  }
}
