/**
 * Each segment of a model monitored as its own model (issue 12, item 5): the DriftMonitor construct writes one
 * configuration per segment (`segment` in the contract), the REAL handler reads only that segment's capture records
 * (`variant=<segment>/` prefixes, the CaptureRecord `variant` the sidecar writes for a segment's pods), against the
 * segment's own baseline, and publishes metrics with the dimensions ModelName=<model>, Segment=<segment> that the
 * segment's own alarms (`<alarmPrefix>-<model>-<segment>-drift`) watch. The SDK clients talk to a loopback server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { rng } from '../../bin/simulate/drift';
import { parseModelConfig } from '../../lib/contracts/drift-monitor-config';
import { DriftFeatureType, DriftMonitor, ModelProblemType } from '../../lib/monitoring/drift-monitor';
import { BaselineBuilder } from '../../lib/monitoring/engine';
import { MonitorDeps, runMonitor, shardOf } from '../../lib/runtime/drift-monitor/handler';
import { Loopback } from '../fakes/aws-loopback';
import { testApp } from '../util/synth';

const BUCKET = 'mlops-data';
const NAMESPACE = 'Test/Segments';
const EVENT_TIME = '2026-11-27T10:20:00Z'; // window: hour 09

function normal(r: () => number, mean: number, sd: number): number {
  return mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function record(id: string, variant: string, request: unknown): string {
  return JSON.stringify({
    inferenceId: id, timestamp: '2026-11-27T09:10:00Z', modelName: 'shop', modelVersion: '1', variant,
    request, response: { prediction: 0.5 }, latencyMs: 5, status: 200, truncated: false,
  });
}

function monitorStack() {
  const stack = new Stack(testApp(), 'Segments');
  const bucket = s3.Bucket.fromBucketName(stack, 'B', BUCKET);
  const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: bucket, alarmPrefix: 'test', namespace: NAMESPACE, configPath: '/cfg/' });
  const features = [{ name: 'basket', type: DriftFeatureType.NUMERIC }];
  const whole = monitor.addModel({ modelName: 'shop', baselineKey: 'baselines/shop.json', minSamples: 50, features });
  const eu = monitor.addModel({
    modelName: 'shop', segment: 'eu', variants: ['eu', 'eu-canary'], baselineKey: 'baselines/shop-eu.json', minSamples: 50, features,
    quality: { problemType: ModelProblemType.BINARY, minAuc: 0.8 },
  });
  const us = monitor.addModel({ modelName: 'shop', segment: 'us', baselineKey: 'baselines/shop-us.json', minSamples: 50, features });
  return { stack, monitor, whole, eu, us };
}

describe('the construct: a segment is its own monitored model', () => {
  const { stack, monitor, whole, eu, us } = monitorStack();
  const template = Template.fromStack(stack);
  const params = Object.fromEntries(Object.values(template.findResources('AWS::SSM::Parameter')).map((r) => [r.Properties.Name, r.Properties.Value]));

  test('one configuration parameter per segment, <model>-<segment>, reading the segment\'s variants of the model\'s capture', () => {
    expect(Object.keys(params).sort()).toEqual(['/cfg/shop', '/cfg/shop-eu', '/cfg/shop-us']);
    const cfg = parseModelConfig(params['/cfg/shop-eu']);
    expect(cfg).toMatchObject({ model: 'shop', segment: 'eu', variants: ['eu', 'eu-canary'], baseline: { key: 'baselines/shop-eu.json' } });
    // Labels are the model's (joined by inferenceId, so only the segment's inferences match).
    expect(cfg.quality).toMatchObject({ prefix: 'labels/model=shop/' });
    // A segment reads only its own variant by default.
    expect(parseModelConfig(params['/cfg/shop-us'])).toMatchObject({ model: 'shop', segment: 'us', variants: ['us'] });
    expect(parseModelConfig(params['/cfg/shop']).segment).toBeUndefined();
    expect(monitor.modelNames).toEqual(['shop', 'shop-eu', 'shop-us']);
    expect(monitor.findModel('shop', 'eu')).toBe(eu);
    expect(monitor.findModel('shop')).toBe(whole);
    expect(monitor.findModel('shop', 'apac')).toBeUndefined();
    expect([eu.modelName, eu.captureModelName, eu.segment]).toEqual(['shop-eu', 'shop', 'eu']);
  });

  test('its own alarms, <alarmPrefix>-<model>-<segment>-drift|quality, on metrics dimensioned ModelName and Segment', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const byName = (n: string) => alarms.find((a) => a.AlarmName === n);
    expect(byName('test-shop-eu-drift')).toMatchObject({
      MetricName: 'DriftedFeatureCount', Namespace: NAMESPACE,
      Dimensions: [{ Name: 'ModelName', Value: 'shop' }, { Name: 'Segment', Value: 'eu' }],
    });
    expect(byName('test-shop-eu-quality')).toMatchObject({ MetricName: 'QualityBreachCount', Dimensions: [{ Name: 'ModelName', Value: 'shop' }, { Name: 'Segment', Value: 'eu' }] });
    expect(byName('test-shop-us-drift').Dimensions).toEqual([{ Name: 'ModelName', Value: 'shop' }, { Name: 'Segment', Value: 'us' }]);
    expect(byName('test-shop-drift').Dimensions).toEqual([{ Name: 'ModelName', Value: 'shop' }]);
    expect(byName('test-shop-eu-drift').AlarmDescription).toMatch(/^Drift of segment eu of model shop:/);
    // The metric helpers carry the segment too.
    expect(us.metricFeatureDrift('basket', 'psi' as any).dimensions).toEqual({ ModelName: 'shop', Segment: 'us', Variant: 'us', Feature: 'basket', Statistic: 'psi' });
    expect(eu.metricSampleCount().dimensions).toEqual({ ModelName: 'shop', Segment: 'eu' });
  });

  test.each([
    ['a segment monitored twice', (m: DriftMonitor) => m.addModel({ modelName: 'shop', segment: 'eu', baselineKey: 'baselines/x.json' }),
      /segment.*eu.*must be monitored once: the monitor already monitors "shop-eu"/],
    ['a model named like a monitored segment', (m: DriftMonitor) => m.addModel({ modelName: 'shop-us', baselineKey: 'baselines/x.json' }),
      /modelName.*shop-us.*must be monitored once/],
    ['a segment name that is not a DNS label', (m: DriftMonitor) => m.addModel({ modelName: 'shop', segment: 'EU_1', baselineKey: 'baselines/x.json' }),
      /segment.*EU_1.*must be a segment name of the model/],
  ])('%s is a validation error', (_what, act, error) => {
    expect(() => act(monitorStack().monitor)).toThrow(error);
  });
});

describe('the handler reads only the segment\'s records (loopback S3, CloudWatch, SSM)', () => {
  let root: string;
  let server: Loopback;
  const deps = (): MonitorDeps => ({
    configPath: '/cfg/', namespace: NAMESPACE, monitorName: 'test', concurrency: 2,
    s3: new S3Client({ forcePathStyle: true }), cloudwatch: new CloudWatchClient({ maxAttempts: 1 }), ssm: new SSMClient({}),
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
  });
  type Datum = Loopback['datums'][number];
  const dims = (d: Datum) => Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value]));
  const value = (datums: Datum[], name: string, want: Record<string, string>) => {
    const found = datums.filter((d) => d.MetricName === name && JSON.stringify(dims(d)) === JSON.stringify(want));
    if (found.length > 1) throw new Error(`${found.length} datums for ${name} ${JSON.stringify(want)}`);
    return found[0]?.Value;
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-'));
    server = new Loopback(root);
    await server.start();
    Object.assign(process.env, server.clientEnv());
    const r = rng(7);
    // Three baselines: the default route's baskets around 100, the EU segment's around 60, the US segment's around 150.
    for (const [key, mean] of [['baselines/shop.json', 100], ['baselines/shop-eu.json', 60], ['baselines/shop-us.json', 150]] as const) {
      const b = new BaselineBuilder();
      for (let i = 0; i < 2000; i++) b.add({ basket: normal(r, mean, 10) });
      server.putObject(BUCKET, key, JSON.stringify(b.finish()));
    }
    const hour = (variant: string) => `capture/model=shop/variant=${variant}/dt=2026-11-27/hour=09/part-1.jsonl`;
    const rows = (variant: string, n: number, mean: number) => Array.from({ length: n }, (_, i) => record(`${variant}-${i}`, variant, { basket: normal(r, mean, 10) })).join('\n');
    server.putObject(BUCKET, hour('primary'), rows('primary', 300, 100));
    // The EU segment drifted (its baskets doubled); its canary serves like the EU baseline.
    server.putObject(BUCKET, hour('eu'), rows('eu', 250, 120));
    server.putObject(BUCKET, hour('eu-canary'), rows('eu-canary', 80, 60));
    server.putObject(BUCKET, hour('us'), rows('us', 200, 150));
    const { stack } = monitorStack();
    for (const res of Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))) server.parameters.set(res.Properties.Name, res.Properties.Value);
  });

  afterAll(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the EU segment drifts, the US segment and the default route do not; no segment\'s records enter another\'s counts', async () => {
    server.puts.length = 0;
    const summary = await runMonitor({ time: EVENT_TIME }, deps());
    expect(summary.failed).toEqual([]);
    expect(summary.models.map((m) => [m.model, m.samples, m.drifted])).toEqual([
      ['shop', 300, []],
      ['shop-eu', 330, ['basket']],
      ['shop-us', 200, []],
    ]);
    const datums = server.datums;
    expect(value(datums, 'DriftedFeatureCount', { ModelName: 'shop', Segment: 'eu' })).toBe(1);
    expect(value(datums, 'DriftedFeatureCount', { ModelName: 'shop', Segment: 'eu', Variant: 'eu' })).toBe(1);
    expect(value(datums, 'DriftedFeatureCount', { ModelName: 'shop', Segment: 'eu', Variant: 'eu-canary' })).toBe(0);
    expect(value(datums, 'DriftedFeatureCount', { ModelName: 'shop', Segment: 'us' })).toBe(0);
    expect(value(datums, 'DriftedFeatureCount', { ModelName: 'shop' })).toBe(0);
    // The model-wide counts hold the default route only.
    expect(value(datums, 'SampleCount', { ModelName: 'shop' })).toBe(300);
    expect(value(datums, 'SampleCount', { ModelName: 'shop', Segment: 'eu', Variant: 'eu' })).toBe(250);
    expect(value(datums, 'SampleCount', { ModelName: 'shop', Segment: 'us' })).toBe(200);
    expect(datums.filter((d) => dims(d).Segment === 'eu' && dims(d).Variant !== undefined).every((d) => ['eu', 'eu-canary'].includes(dims(d).Variant!))).toBe(true);
    // The EU drift alarm watches exactly the datum the handler published for the segment.
    const alarm = Object.values(Template.fromStack(monitorStack().stack).findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties).find((a) => a.AlarmName === 'test-shop-eu-drift');
    const watched = Object.fromEntries(alarm.Dimensions.map((d: any) => [d.Name, d.Value]));
    expect(value(datums, alarm.MetricName, watched)).toBeGreaterThanOrEqual(alarm.Threshold);
  });

  test('a manual run of one segment (models: ["shop-eu"]) and sharding use the monitored name <model>-<segment>', async () => {
    const summary = await runMonitor({ time: EVENT_TIME, models: ['shop-eu'] }, deps());
    expect(summary.models.map((m) => m.model)).toEqual(['shop-eu']);
    const shards = 7;
    const perShard = await Promise.all(Array.from({ length: shards }, (_, shard) => runMonitor({ time: EVENT_TIME, shard, shards }, deps())));
    perShard.forEach((s, shard) => {
      for (const m of s.models) expect(shardOf(m.model, shards)).toBe(shard);
    });
    expect(perShard.flatMap((s) => s.models.map((m) => m.model)).sort()).toEqual(['shop', 'shop-eu', 'shop-us']);
  });
});
