/**
 * DriftMonitor Lambda handler: one shared function per stack monitors every
 * registered model on a schedule.
 *
 * Configuration: one SSM parameter per model under CONFIG_PATH (written by
 * the construct's `addModel`), listed with GetParametersByPath. Metrics go to
 * NAMESPACE. Endpoints: the AWS SDK v3 clients honour AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL_CLOUDWATCH and AWS_ENDPOINT_URL_SSM (and AWS_ENDPOINT_URL),
 * which is how the tests point them at a loopback server.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import { ModelMonitorConfig, monitoredName, parseModelConfig } from '../../contracts/drift-monitor-config';
import { DEFAULT_RETRY, MetricPublisher, RetryPolicy } from './metrics';
import { METRIC, ModelOutcome, monitorModel } from './monitor';
import { floorHour } from './window';

/** The scheduled event (the rule's target input) or a manual invocation. */
export interface MonitorEvent {
  /** Invocation time, ISO-8601: the window ends at the start of its hour; datapoints carry this time. @default now */
  readonly time?: string;
  /** This invocation's shard (0-based) and the shard count. @default 0 of 1 */
  readonly shard?: number;
  readonly shards?: number;
  /** Only these models (manual runs). @default every registered model of the shard */
  readonly models?: string[];
}

/** What a run did (also logged as one JSON line). */
export interface MonitorRunSummary {
  readonly windowEnd: string;
  readonly models: ModelOutcome[];
  readonly failed: Array<{ model: string; error: string }>;
  readonly metricCalls: number;
  readonly metricsSent: number;
  readonly metricRetries: number;
}

/** Environment and clients; injectable for tests of the real clients against loopback. */
export interface MonitorDeps {
  readonly configPath: string;
  readonly namespace: string;
  readonly monitorName: string;
  readonly concurrency: number;
  readonly s3: S3Client;
  readonly cloudwatch: CloudWatchClient;
  readonly ssm: SSMClient;
  readonly retry?: RetryPolicy;
}

function depsFromEnv(): MonitorDeps {
  const env = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`environment variable ${name} is required`);
    return v;
  };
  return {
    configPath: env('CONFIG_PATH'),
    namespace: env('NAMESPACE'),
    monitorName: env('MONITOR_NAME'),
    concurrency: Math.max(1, Number(process.env.MODEL_CONCURRENCY ?? '4') || 4),
    s3: new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }),
    // Our own retry loop (backoff + full jitter) wraps PutMetricData.
    cloudwatch: new CloudWatchClient({ maxAttempts: 1 }),
    ssm: new SSMClient({}),
  };
}

let cachedDeps: MonitorDeps | undefined;

/** Lambda entry point. Throws after publishing when any model failed, so the failure reaches the on-failure destination. */
export async function handler(event: MonitorEvent = {}): Promise<MonitorRunSummary> {
  cachedDeps ??= depsFromEnv();
  const summary = await runMonitor(event, cachedDeps);
  console.log(JSON.stringify({ summary: { ...summary, models: summary.models.length } }));
  if (summary.failed.length > 0) {
    throw new Error(`drift monitor: ${summary.failed.length} model(s) failed: ${summary.failed.map((f) => `${f.model}: ${f.error}`).join('; ').slice(0, 2000)}`);
  }
  return summary;
}

/** One monitoring run over every model of the shard. */
export async function runMonitor(event: MonitorEvent, deps: MonitorDeps): Promise<MonitorRunSummary> {
  const now = event.time ? new Date(event.time) : new Date();
  if (Number.isNaN(now.getTime())) throw new Error(`invalid event time ${JSON.stringify(event.time)}`);
  const windowEnd = floorHour(now);
  const shards = Math.max(1, Math.floor(event.shards ?? 1));
  const shard = Math.floor(event.shard ?? 0);
  if (!(shard >= 0 && shard < shards)) throw new Error(`invalid shard ${event.shard} of ${event.shards}`);
  const publisher = new MetricPublisher(deps.cloudwatch, deps.namespace, deps.retry ?? DEFAULT_RETRY);
  const failed: Array<{ model: string; error: string }> = [];
  const outcomes: ModelOutcome[] = [];

  const configs: ModelMonitorConfig[] = [];
  let badConfigs = 0;
  // GetParametersByPath is authorised against the path as requested: ask for exactly the path the
  // role is granted (`parameter/<path>` without the trailing slash).
  const ssmPath = deps.configPath.replace(/\/+$/, '') || '/';
  for await (const page of paginateGetParametersByPath({ client: deps.ssm }, { Path: ssmPath, Recursive: false, MaxResults: 10 })) {
    for (const p of page.Parameters ?? []) {
      const name = p.Name ?? '?';
      try {
        const cfg = parseModelConfig(p.Value ?? '');
        // A segment is sharded and selected by its monitored name, `<model>-<segment>`.
        if (shardOf(monitoredName(cfg), shards) !== shard) continue;
        if (event.models && !event.models.includes(monitoredName(cfg))) continue;
        configs.push(cfg);
      } catch (e) {
        // A config of another shard cannot be attributed; count it on shard 0 only.
        if (shard === 0) {
          badConfigs++;
          failed.push({ model: name, error: (e as Error).message });
        }
      }
    }
  }

  let unmonitored = 0;
  let next = 0;
  const worker = async () => {
    while (next < configs.length) {
      const cfg = configs[next++];
      try {
        const outcome = await monitorModel(deps.s3, cfg, windowEnd, publisher, now);
        outcomes.push(outcome);
        if (outcome.drifted === undefined) unmonitored++;
        await publisher.flush(false); // send full batches as they fill
      } catch (e) {
        unmonitored++;
        failed.push({ model: monitoredName(cfg), error: (e as Error).message });
        console.error(JSON.stringify({ model: monitoredName(cfg), error: (e as Error).message }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, Math.max(1, configs.length)) }, worker));

  // Fleet health: models of this shard with no drift values this run (empty or
  // too-small window, or a failure). Summed over shards by the health alarm.
  const fleet = [{ Name: 'Monitor', Value: deps.monitorName }];
  publisher.add(
    { MetricName: METRIC.unmonitoredModels, Dimensions: fleet, Timestamp: now, Value: unmonitored + badConfigs, Unit: 'Count' },
    { MetricName: METRIC.monitoredModels, Dimensions: fleet, Timestamp: now, Value: configs.length, Unit: 'Count' },
  );
  try {
    await publisher.flush(true);
  } catch (e) {
    failed.push({ model: '(metrics)', error: (e as Error).message });
  }
  outcomes.sort((a, b) => a.model.localeCompare(b.model));
  return {
    windowEnd: windowEnd.toISOString(),
    models: outcomes,
    failed,
    metricCalls: publisher.calls,
    metricsSent: publisher.sent,
    metricRetries: publisher.retries,
  };
}

/** The shard of a model: FNV-1a of its name modulo the shard count (stable across runs). */
export function shardOf(model: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < model.length; i++) {
    h ^= model.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}
