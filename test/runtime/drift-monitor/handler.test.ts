/**
 * The DriftMonitor handler against the REAL @aws-sdk/client-s3,
 * client-cloudwatch and client-ssm, pointed at a loopback server
 * (test/drift-monitor/loopback.ts) through the standard endpoint-override
 * environment variables. The per-model configurations are the SSM parameter
 * values synthesized by the DriftMonitor construct, so the test also checks
 * the construct -> handler contract.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { rng } from '../../../bin/simulate/drift';
import { DriftFeatureType, DriftMonitor, ModelProblemType } from '../../../lib/monitoring/drift-monitor';
import { BaselineBuilder } from '../../../lib/monitoring/engine';
import { MonitorDeps, handler, runMonitor, shardOf } from '../../../lib/runtime/drift-monitor/handler';
import { backoffDelay, isRetryable } from '../../../lib/runtime/drift-monitor/metrics';
import { Loopback } from '../../fakes/aws-loopback';
import { testApp } from '../../util/synth';

const BUCKET = 'mlops-data';
const NAMESPACE = 'Test/Drift';
const EVENT_TIME = '2026-11-27T10:20:00Z'; // window: hour 09; quality (2 h late labels): hour 07

/** A normal sampler over the simulator's deterministic PRNG (`rng`, mulberry32). */
function normal(r: () => number, mean: number, sd: number): number {
  return mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function record(id: string, ts: string, variant: string, request: unknown, response: unknown = { prediction: 0.5 }): string {
  return JSON.stringify({
    inferenceId: id, timestamp: ts, modelName: 'fraud', modelVersion: '1', variant,
    request, response, latencyMs: 5, status: 200, truncated: false,
  });
}

let root: string;
let server: Loopback;
let paramsByModel: Record<string, string>;
/** The quality fixture: (score, label) of the 40 joined inferences. */
const qualityPairs: Array<[number, 0 | 1]> = [];

function configsFromConstruct(): Record<string, string> {
  const stack = new Stack(testApp(), 'Configs');
  const bucket = s3.Bucket.fromBucketName(stack, 'B', BUCKET);
  const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: bucket, alarmPrefix: 'test', namespace: NAMESPACE, configPath: '/cfg/' });
  monitor.addModel({
    modelName: 'fraud', variants: ['primary', 'canary'], baselineKey: 'baselines/fraud.json', minSamples: 50,
    features: [{ name: 'amount', type: DriftFeatureType.NUMERIC }, { name: 'country', type: DriftFeatureType.CATEGORICAL, psi: 0.25 }],
    quality: { problemType: ModelProblemType.BINARY, labelDelayHours: 2, minSamples: 10, minAuc: 0.99, minAccuracy: 0.5 },
  });
  monitor.addModel({ modelName: 'churn', baselineKey: 'baselines/fraud.json', minSamples: 50 });
  monitor.addModel({ modelName: 'wide', baselineKey: 'baselines/wide.json', minSamples: 50 });
  const out: Record<string, string> = {};
  for (const r of Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))) {
    out[r.Properties.Name] = r.Properties.Value;
  }
  return out;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-monitor-'));
  server = new Loopback(root);
  await server.start();
  Object.assign(process.env, {
    ...server.clientEnv(),
    CONFIG_PATH: '/cfg/', NAMESPACE, MONITOR_NAME: 'test', MODEL_CONCURRENCY: '2',
  });

  const r = rng(42);
  // Baselines (built by the real drift engine).
  const fraudBase = new BaselineBuilder();
  for (let i = 0; i < 2000; i++) fraudBase.add({ amount: normal(r, 100, 10), country: ['de', 'fr', 'us'][i % 3] });
  server.putObject(BUCKET, 'baselines/fraud.json', JSON.stringify(fraudBase.finish()));
  const wideBase = new BaselineBuilder();
  const wideRow = () => Object.fromEntries(Array.from({ length: 250 }, (_, f) => [`f${f}`, normal(r, f, 1)]));
  for (let i = 0; i < 300; i++) wideBase.add(wideRow());
  server.putObject(BUCKET, 'baselines/wide.json', JSON.stringify(wideBase.finish()));

  // fraud/primary, hour 09: 300 drifted records in two objects (one gzipped) + malformed lines.
  const h09 = 'capture/model=fraud/variant=primary/dt=2026-11-27/hour=09/';
  const drifted = Array.from({ length: 300 }, (_, i) =>
    record(`p-${i}`, '2026-11-27T09:10:00Z', 'primary', { amount: normal(r, 130, 10), country: i % 2 ? 'us' : 'br' }));
  server.putObject(BUCKET, `${h09}part-1.jsonl`, [...drifted.slice(0, 150), 'not json {', '', '[1,2,3]'].join('\n') + '\n');
  server.putObject(BUCKET, `${h09}part-2.jsonl.gz`, gzipSync([...drifted.slice(150), '{"inferenceId":"x","response":1}'].join('\n')));
  // fraud/canary, hour 09: 200 records like the reference.
  server.putObject(BUCKET, 'capture/model=fraud/variant=canary/dt=2026-11-27/hour=09/part-1.jsonl',
    Array.from({ length: 200 }, (_, i) => record(`c-${i}`, '2026-11-27T09:20:00Z', 'canary', { amount: normal(r, 100, 10), country: ['de', 'fr', 'us'][i % 3] })).join('\n'));
  // fraud/primary, hour 08: outside both windows (must not be read as drift data).
  server.putObject(BUCKET, 'capture/model=fraud/variant=primary/dt=2026-11-27/hour=08/part-1.jsonl',
    Array.from({ length: 100 }, (_, i) => record(`o-${i}`, '2026-11-27T08:10:00Z', 'primary', { amount: 1e6, country: 'zz' })).join('\n'));
  // fraud/primary, hour 07: the quality window. 45 inferences; labels for q-0..q-39 arrive late
  // (hours 08 and 09), those of q-40..q-44 after the window (hour 10) and must not be joined.
  const q07: string[] = [];
  const labels08: string[] = [];
  const labels09: string[] = [];
  const labels10: string[] = [];
  for (let i = 0; i < 45; i++) {
    const label: 0 | 1 = i % 3 === 0 ? 1 : 0;
    const score = Math.round((label ? 0.55 + 0.4 * r() : 0.65 * r()) * 20) / 20; // overlapping, with ties
    q07.push(record(`q-${i}`, '2026-11-27T07:30:00Z', 'primary', { amount: 100, country: 'de' }, { prediction: score }));
    const line = JSON.stringify({ inferenceId: `q-${i}`, label });
    if (i < 20) labels08.push(line);
    else if (i < 40) labels09.push(line);
    else labels10.push(JSON.stringify({ inferenceId: `q-${i}`, label: 1 - label }));
    if (i < 40) qualityPairs.push([score, label]);
  }
  server.putObject(BUCKET, 'capture/model=fraud/variant=primary/dt=2026-11-27/hour=07/part-1.jsonl', q07.join('\n'));
  server.putObject(BUCKET, 'labels/model=fraud/dt=2026-11-27/hour=08/a.jsonl', labels08.join('\n'));
  server.putObject(BUCKET, 'labels/model=fraud/dt=2026-11-27/hour=09/b.jsonl',
    [...labels09, '{"inferenceId":"unknown-id","label":1}', '{"broken', '{"inferenceId":"q-1","label":"maybe"}'].join('\n'));
  server.putObject(BUCKET, 'labels/model=fraud/dt=2026-11-27/hour=10/c.jsonl', labels10.join('\n'));
  // wide/primary, hour 09: 120 records x 250 numeric features -> 1,500 FeatureDrift metrics.
  server.putObject(BUCKET, 'capture/model=wide/variant=primary/dt=2026-11-27/hour=09/part-1.jsonl',
    Array.from({ length: 120 }, (_, i) => record(`w-${i}`, '2026-11-27T09:00:00Z', 'primary', wideRow())).join('\n'));
  // churn: no capture at all (an empty window).

  paramsByModel = configsFromConstruct();
  for (const [name, value] of Object.entries(paramsByModel)) server.parameters.set(name, value);
});

afterAll(async () => {
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

type Datum = Loopback['datums'][number];
const dims = (d: Datum) => Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value]));
function find(datums: Datum[], name: string, want: Record<string, string>): Datum[] {
  return datums.filter((d) => {
    const ds = dims(d);
    return d.MetricName === name && Object.keys(ds).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => ds[k] === v);
  });
}
function value(datums: Datum[], name: string, want: Record<string, string>): number | undefined {
  const found = find(datums, name, want);
  if (found.length > 1) throw new Error(`${found.length} datums for ${name} ${JSON.stringify(want)}`);
  return found[0]?.Value;
}

describe('a scheduled run through handler() (configuration from the environment)', () => {
  let summary: Awaited<ReturnType<typeof handler>>;
  let datums: Datum[];

  beforeAll(async () => {
    summary = await handler({ time: EVENT_TIME, shard: 0, shards: 1 });
    datums = server.datums;
  });

  test('the construct wrote one configuration per model, read through paginated GetParametersByPath', () => {
    expect(Object.keys(paramsByModel).sort()).toEqual(['/cfg/churn', '/cfg/fraud', '/cfg/wide']);
    expect(server.requests.filter((r) => r.target === 'AmazonSSM.GetParametersByPath').length).toBe(2); // page size 2
    // The requested path is exactly the IAM resource granted (parameter/<path>, no trailing slash).
    expect([...new Set(server.ssmPaths)]).toEqual(['/cfg']);
    expect(summary.models.map((m) => m.model)).toEqual(['churn', 'fraud', 'wide']);
    expect(summary.failed).toEqual([]);
    expect(summary.windowEnd).toBe('2026-11-27T10:00:00.000Z');
  });

  test('PutMetricData went over the JSON protocol to the namespace, split at 1,000 metrics per call', () => {
    expect(server.puts.length).toBeGreaterThanOrEqual(2);
    for (const p of server.puts) {
      expect(p.target).toBe('GraniteServiceVersion20100801.PutMetricData');
      expect(p.namespace).toBe(NAMESPACE);
      expect(p.metricData.length).toBeLessThanOrEqual(1000);
      expect(p.bodyBytes).toBeLessThan(1_000_000);
    }
    const total = datums.length;
    expect(total).toBeGreaterThan(1500);
    expect(server.puts.length).toBe(Math.ceil(total / 1000));
    expect(server.puts.slice(0, -1).every((p) => p.metricData.length === 1000)).toBe(true);
    expect(summary.metricsSent).toBe(total);
    expect(summary.metricCalls).toBe(server.puts.length);
    // No datum sent twice.
    const keys = datums.map((d) => `${d.MetricName}|${JSON.stringify(d.Dimensions)}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every datum carries the run's (scheduled) time as its timestamp.
    expect(new Set(datums.map((d) => Number(d.Timestamp)))).toEqual(new Set([Date.parse(EVENT_TIME) / 1000]));
  });

  test('1,500 per-feature metrics of one model (250 features x 6 numeric statistics)', () => {
    const wide = datums.filter((d) => d.MetricName === 'FeatureDrift' && dims(d).ModelName === 'wide');
    expect(wide.length).toBe(1500);
    expect(new Set(wide.map((d) => dims(d).Statistic))).toEqual(
      new Set(['psi', 'jensenShannon', 'ksStatistic', 'ksPValue', 'wassersteinNormed', 'missingRateDelta']));
    expect(value(datums, 'SampleCount', { ModelName: 'wide' })).toBe(120);
  });

  test('malformed lines are counted and skipped; records outside the window are not read', () => {
    // 300 good records; "not json {", "[1,2,3]" and a record without a request are malformed; the blank line is ignored.
    expect(value(datums, 'SampleCount', { ModelName: 'fraud', Variant: 'primary' })).toBe(300);
    expect(value(datums, 'MalformedRecords', { ModelName: 'fraud', Variant: 'primary' })).toBe(3);
    expect(value(datums, 'SampleCount', { ModelName: 'fraud', Variant: 'canary' })).toBe(200);
    expect(value(datums, 'MalformedRecords', { ModelName: 'fraud', Variant: 'canary' })).toBe(0);
    expect(value(datums, 'SampleCount', { ModelName: 'fraud' })).toBe(500);
    expect(value(datums, 'MalformedRecords', { ModelName: 'fraud' })).toBe(3);
  });

  test('drift: per-feature statistics per variant and the per-model DriftedFeatureCount', () => {
    const psiPrimary = value(datums, 'FeatureDrift', { ModelName: 'fraud', Variant: 'primary', Feature: 'amount', Statistic: 'psi' })!;
    expect(psiPrimary).toBeGreaterThan(1);
    const unseen = value(datums, 'FeatureDrift', { ModelName: 'fraud', Variant: 'primary', Feature: 'country', Statistic: 'unseenRate' });
    expect(unseen).toBeCloseTo(0.5, 12);
    expect(value(datums, 'FeatureDrift', { ModelName: 'fraud', Variant: 'canary', Feature: 'amount', Statistic: 'psi' })).toBeLessThan(0.2);
    expect(value(datums, 'DriftedFeatureCount', { ModelName: 'fraud', Variant: 'primary' })).toBe(2);
    expect(value(datums, 'DriftedFeatureCount', { ModelName: 'fraud' })).toBe(2);
    expect(summary.models.find((m) => m.model === 'fraud')!.drifted).toEqual(['amount', 'country']);
  });

  test('an empty window publishes SampleCount 0 and no drift values', () => {
    expect(value(datums, 'SampleCount', { ModelName: 'churn', Variant: 'primary' })).toBe(0);
    expect(value(datums, 'SampleCount', { ModelName: 'churn' })).toBe(0);
    expect(find(datums, 'DriftedFeatureCount', { ModelName: 'churn' })).toEqual([]);
    expect(datums.filter((d) => dims(d).ModelName === 'churn' && d.MetricName === 'FeatureDrift')).toEqual([]);
    // The fleet signal: one model without drift values this run.
    expect(value(datums, 'UnmonitoredModels', { Monitor: 'test' })).toBe(1);
    expect(value(datums, 'MonitoredModels', { Monitor: 'test' })).toBe(3);
  });

  test('late labels are joined by inference id; labels after the window and malformed ones are not', () => {
    expect(value(datums, 'LabeledSampleCount', { ModelName: 'fraud' })).toBe(40);
    expect(value(datums, 'LabeledSampleCount', { ModelName: 'fraud', Variant: 'primary' })).toBe(40);
    expect(value(datums, 'LabeledSampleCount', { ModelName: 'fraud', Variant: 'canary' })).toBe(0);
    expect(value(datums, 'MalformedLabels', { ModelName: 'fraud' })).toBe(2); // '{"broken' and label "maybe"
    // Expected quality, computed here by brute force from the fixture pairs.
    let tp = 0; let fp = 0; let fn = 0; let tn = 0; let wins = 0; let pairs = 0;
    for (const [s, l] of qualityPairs) {
      if (s >= 0.5 && l) tp++; else if (s >= 0.5) fp++; else if (l) fn++; else tn++;
    }
    for (const [sp, lp] of qualityPairs) {
      for (const [sn, ln] of qualityPairs) {
        if (lp === 1 && ln === 0) { pairs++; wins += sp > sn ? 1 : sp === sn ? 0.5 : 0; }
      }
    }
    const q = (statistic: string) => value(datums, 'ModelQuality', { ModelName: 'fraud', Statistic: statistic });
    expect(q('accuracy')).toBeCloseTo((tp + tn) / 40, 12);
    expect(q('precision')).toBeCloseTo(tp / (tp + fp), 12);
    expect(q('recall')).toBeCloseTo(tp / (tp + fn), 12);
    expect(q('auc')).toBeCloseTo(wins / pairs, 12);
    expect(q('auc')).toBeLessThan(0.99);
    expect(value(datums, 'ModelQuality', { ModelName: 'fraud', Variant: 'primary', Statistic: 'auc' })).toBeCloseTo(wins / pairs, 12);
    // minAuc 0.99 breached, minAccuracy 0.5 not.
    expect(value(datums, 'QualityBreachCount', { ModelName: 'fraud' })).toBe(1);
    expect(find(datums, 'QualityBreachCount', { ModelName: 'wide' })).toEqual([]);
  });
});

describe('runMonitor with injected real clients', () => {
  const deps = (): MonitorDeps => ({
    configPath: '/cfg/', namespace: NAMESPACE, monitorName: 'test', concurrency: 1,
    s3: new S3Client({}), cloudwatch: new CloudWatchClient({ maxAttempts: 1 }), ssm: new SSMClient({}),
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
  });

  test('throttling and 5xx are retried with backoff; the data is sent once', async () => {
    server.puts.length = 0;
    server.putFailures.push({ status: 503, type: 'ServiceUnavailable' }, { status: 400, type: 'Throttling' });
    const summary = await runMonitor({ time: EVENT_TIME, models: ['churn'] }, deps());
    expect(summary.metricRetries).toBe(2);
    expect(summary.failed).toEqual([]);
    expect(server.puts.length).toBe(1);
    expect(value(server.datums, 'SampleCount', { ModelName: 'churn' })).toBe(0);
  });

  test('a validation error is not retried and fails the run', async () => {
    server.puts.length = 0;
    server.putFailures.push({ status: 400, type: 'InvalidParameterValue' });
    const summary = await runMonitor({ time: EVENT_TIME, models: ['churn'] }, deps());
    expect(summary.metricRetries).toBe(0);
    expect(summary.failed).toEqual([expect.objectContaining({ model: '(metrics)', error: expect.stringMatching(/InvalidParameterValue/) })]);
    expect(server.puts.length).toBe(0);
  });

  test('a broken configuration or a missing baseline fails that model only', async () => {
    server.puts.length = 0;
    server.parameters.set('/cfg/broken', '{"v":1,"model":"broken"}');
    server.parameters.set('/cfg/nobase', paramsByModel['/cfg/churn'].replace('"model":"churn"', '"model":"nobase"').replace('baselines/fraud.json', 'baselines/missing.json'));
    try {
      const summary = await runMonitor({ time: EVENT_TIME }, deps());
      expect(summary.failed.map((f) => f.model).sort()).toEqual(['/cfg/broken', 'nobase']);
      expect(summary.failed.find((f) => f.model === '/cfg/broken')!.error).toMatch(/"capture" must be an object/);
      expect(summary.failed.find((f) => f.model === 'nobase')!.error).toMatch(/baseline s3:\/\/mlops-data\/baselines\/missing.json: NoSuchKey/);
      expect(summary.models.map((m) => m.model)).toEqual(['churn', 'fraud', 'wide']);
      expect(value(server.datums, 'UnmonitoredModels', { Monitor: 'test' })).toBe(3); // churn (empty) + 2 failures
      await expect(handler({ time: EVENT_TIME })).rejects.toThrow(/2 model\(s\) failed: .*broken/);
    } finally {
      server.parameters.delete('/cfg/broken');
      server.parameters.delete('/cfg/nobase');
    }
  });

  test('a corrupt .gz object is counted as one malformed record and logged; the model\'s other objects are still read', async () => {
    server.puts.length = 0;
    // churn, hour 12 (a window no other test reads): a gzip header followed by garbage, listed
    // before an intact gzipped object and a plain one.
    const hour = 'capture/model=churn/variant=primary/dt=2026-11-27/hour=12/';
    const rows = (from: number, count: number) => Array.from({ length: count }, (_, i) =>
      record(`k-${from + i}`, '2026-11-27T12:05:00Z', 'primary', { amount: 100 + ((from + i) % 7), country: 'de' })).join('\n');
    server.putObject(BUCKET, `${hour}part-0.jsonl.gz`, Buffer.concat([gzipSync(rows(0, 10)).subarray(0, 10), Buffer.from('this is not deflate data')]));
    server.putObject(BUCKET, `${hour}part-1.jsonl.gz`, gzipSync(rows(10, 40)));
    server.putObject(BUCKET, `${hour}part-2.jsonl`, rows(50, 30));
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
    let summary: Awaited<ReturnType<typeof runMonitor>>;
    try {
      summary = await runMonitor({ time: '2026-11-27T13:20:00Z', models: ['churn'] }, deps());
      expect(logged.mock.calls.map((c) => JSON.parse(c[0]))).toEqual([
        expect.objectContaining({ model: 'churn', variant: 'primary', unreadableObject: `s3://${BUCKET}/${hour}part-0.jsonl.gz` }),
      ]);
    } finally {
      logged.mockRestore();
    }
    expect(summary.failed).toEqual([]);
    expect(summary.models).toEqual([expect.objectContaining({ model: 'churn', samples: 70, malformed: 1 })]);
    expect(value(server.datums, 'SampleCount', { ModelName: 'churn', Variant: 'primary' })).toBe(70);
    expect(value(server.datums, 'MalformedRecords', { ModelName: 'churn', Variant: 'primary' })).toBe(1);
    expect(value(server.datums, 'MalformedRecords', { ModelName: 'churn' })).toBe(1);
    expect(value(server.datums, 'DriftedFeatureCount', { ModelName: 'churn' })).toBeDefined(); // 70 >= minSamples 50
  });

  test('an invalid shard is rejected', async () => {
    await expect(runMonitor({ time: EVENT_TIME, shard: 3, shards: 3 }, deps())).rejects.toThrow(/invalid shard 3 of 3/);
  });

  test('shards partition the models', async () => {
    const all = ['churn', 'fraud', 'wide'];
    const seen: string[] = [];
    for (let shard = 0; shard < 3; shard++) {
      const summary = await runMonitor({ time: EVENT_TIME, shard, shards: 3 }, deps());
      expect(summary.models.every((m) => shardOf(m.model, 3) === shard)).toBe(true);
      seen.push(...summary.models.map((m) => m.model));
    }
    expect(seen.sort()).toEqual(all);
  });

  test('the bundled asset (assets/drift-monitor/index.js) runs against the same endpoints', async () => {
    server.puts.length = 0;
    const bundled = require(path.join(__dirname, '..', '..', '..', 'assets', 'drift-monitor', 'index.js'));
    const summary = await bundled.handler({ time: EVENT_TIME, models: ['churn'] });
    expect(summary.models).toEqual([expect.objectContaining({ model: 'churn', samples: 0 })]);
    expect(value(server.datums, 'SampleCount', { ModelName: 'churn', Variant: 'primary' })).toBe(0);
  });
});

describe('retry policy', () => {
  test('retryable: throttling, 429 and 5xx; not retryable: validation errors', () => {
    expect(isRetryable({ name: 'Throttling', $metadata: { httpStatusCode: 400 } })).toBe(true);
    expect(isRetryable({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryable({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isRetryable({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryable({ code: 'ECONNRESET' })).toBe(true);
  });

  test('full jitter: the delay is below min(cap, base * 2^retry)', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, p, () => 0.999)).toBe(99);
    expect(backoffDelay(3, p, () => 0.999)).toBe(799);
    expect(backoffDelay(8, p, () => 0.999)).toBe(999);
    expect(backoffDelay(8, p, () => 0)).toBe(0);
  });
});

describe('MetricPublisher at the 1 MB payload limit', () => {
  test('large datums are split by size before 1,000 metrics', async () => {
    server.puts.length = 0;
    const { MetricPublisher, MAX_PAYLOAD_BYTES, datumSize } = await import('../../../lib/runtime/drift-monitor/metrics');
    const publisher = new MetricPublisher(new CloudWatchClient({ maxAttempts: 1 }), NAMESPACE);
    const long = 'x'.repeat(1000);
    const data = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: 'FeatureDrift', Timestamp: new Date('2026-11-27T10:00:00Z'), Value: i, Unit: 'None' as const,
      Dimensions: [{ Name: 'ModelName', Value: 'm' }, { Name: 'Feature', Value: `${long}${i}` }, { Name: 'Statistic', Value: 'psi' }],
    }));
    publisher.add(...data);
    await publisher.flush();
    expect(server.puts.length).toBe(2);
    for (const p of server.puts) {
      const bytes = p.metricData.reduce((a, d) => a + datumSize({ ...d, Timestamp: new Date(d.Timestamp! * 1000) } as any), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    expect(server.datums.map((d) => d.Value)).toEqual(data.map((d) => d.Value));
    // NaN and infinities are dropped (CloudWatch rejects them).
    server.puts.length = 0;
    publisher.add({ MetricName: 'X', Value: NaN }, { MetricName: 'Y', Value: Infinity }, { MetricName: 'Z', Value: 1 });
    // Magnitudes CloudWatch rejects (outside 2^-360 .. 2^360) are brought into range.
    publisher.add({ MetricName: 'Tiny', Value: 1e-300 }, { MetricName: 'Huge', Value: -1e200 }, { MetricName: 'Small', Value: 1e-100 });
    await publisher.flush();
    expect(server.datums.map((d) => [d.MetricName, d.Value])).toEqual([['Z', 1], ['Tiny', 0], ['Huge', -(2 ** 360)], ['Small', 1e-100]]);
  });
});
