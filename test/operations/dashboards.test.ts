import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ModelFactoryStack, fleetSpecs } from '../../examples/model-factory';
import {
  DriftFeatureType, DriftMonitor, FleetDashboard, GpuCluster, IRetrainOutcomeSource, ModelDashboard, ModelEndpoint, ModelProblemType, ShardDashboard,
} from '../../lib';
import { METRIC } from '../../lib/contracts/drift-monitor-config';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';
import { tokenText } from '../util/token-text';

function bodies(template: Template): Record<string, { name: string; widgets: any[] }> {
  const out: Record<string, { name: string; widgets: any[] }> = {};
  for (const [id, r] of Object.entries<any>(template.findResources('AWS::CloudWatch::Dashboard'))) {
    out[id] = { name: r.Properties.DashboardName, widgets: JSON.parse(tokenText(r.Properties.DashboardBody)).widgets };
  }
  return out;
}
/** Every metric array of a widget as [namespace, name, ...dimension pairs] (CloudWatch's "." repeats resolved). */
function metricsOf(w: any): string[][] {
  const rows: any[][] = w.properties?.metrics ?? [];
  const out: string[][] = [];
  let prev: string[] = [];
  for (const row of rows) {
    const parts = row.filter((x: any) => typeof x === 'string');
    const full = parts.map((p: string, i: number) => (p === '.' ? prev[i] : p));
    out.push(full);
    prev = full;
  }
  return out;
}
const titled = (widgets: any[], re: RegExp) => widgets.filter((w) => re.test(w.properties?.title ?? ''));

// The retraining outcomes as RetrainTrigger.metricOutcome publishes them (namespace CdkMlops/Retrain, RetrainOutcome{ModelName, Outcome}).
const outcomes: IRetrainOutcomeSource = {
  metricOutcome: (outcome, modelName, props) => new cloudwatch.Metric({
    namespace: 'CdkMlops/Retrain', metricName: 'RetrainOutcome', dimensionsMap: { ModelName: modelName, Outcome: outcome }, statistic: 'Sum', ...props,
  }),
};

describe('ModelDashboard and FleetDashboard', () => {
  const app = testApp();
  const stack = new Stack(app, 'Ops');
  const gpu = new GpuCluster(stack, 'Gpu');
  const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true, serverAccessLogsPrefix: 'access-logs/', encryption: s3.BucketEncryption.KMS });
  const endpoint = new ModelEndpoint(stack, 'Fraud', {
    cluster: gpu.cluster,
    modelName: 'fraud',
    image: 'example/fraud:1.0.0',
    modelArtifact: { bucket, prefix: 'models/fraud/' },
    resources: { cpu: '2', memory: '8Gi', gpuCount: 1 },
    variants: [{ name: 'primary', modelVersion: 'v1', weight: 90 }, { name: 'canary', modelVersion: 'v2', weight: 10 }],
    segments: [{ name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v1-eu' }],
  });
  const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: bucket, alarmPrefix: 'ops', namespace: 'Acme/Drift' });
  const monitored = monitor.addModel({
    modelName: 'fraud', variants: ['primary', 'canary'], baselineKey: 'baselines/fraud.json',
    features: [{ name: 'amount', type: DriftFeatureType.NUMERIC, psi: 0.3 }, { name: 'country', type: DriftFeatureType.CATEGORICAL }],
    thresholds: { jensenShannon: 0.15 },
    quality: { problemType: ModelProblemType.BINARY, minAuc: 0.8 },
  });
  monitor.addModel({ modelName: 'churn', baselineKey: 'baselines/churn.json' });
  new ModelDashboard(stack, 'FraudDashboard', { endpoint, monitoredModel: monitored, retrainOutcomes: outcomes });
  const nag = synthWithNag(app);
  const template = Template.fromStack(stack);
  const all = bodies(template);
  const model = Object.values(all).find((b) => b.name === 'Ops-fraud')!;
  const fleet = Object.values(all).find((b) => b.name === 'ops-fleet')!;

  test('cdk-nag (AwsSolutions) reports nothing unacknowledged', () => {
    expect(nag.synthError).toBeUndefined();
    expect(nag.findings).toEqual([]);
  });

  test('the DriftMonitor creates the fleet dashboard by default; the model dashboard is one more resource', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 2);
    expect(monitor.dashboard).toBeInstanceOf(FleetDashboard);
    expect(model).toBeDefined();
    expect(fleet).toBeDefined();
  });

  test('traffic, latency p50/p99 and errors per variant and segment, in the namespace the capture sidecar publishes', () => {
    for (const [re, name, stats] of [[/requests/, 'Requests', ['Sum']], [/latency/, 'LatencyMs', ['p50', 'p99']], [/5xx/, 'Errors', ['Sum']]] as const) {
      const [w] = titled(model.widgets, re);
      const series = metricsOf(w);
      expect(series.every((m) => m[0] === ModelEndpoint.METRICS_NAMESPACE && m[1] === name)).toBe(true);
      const variants = series.map((m) => m[m.indexOf('Variant') + 1]);
      expect([...new Set(variants)].sort()).toEqual(['canary', 'eu', 'primary']);
      expect(series.every((m) => m.includes('ModelName') && m[m.indexOf('ModelName') + 1] === 'fraud')).toBe(true);
      expect(series.length).toBe(3 * stats.length);
      const statsSeen = w.properties.metrics.map((row: any[]) => row[row.length - 1].stat ?? w.properties.stat);
      for (const s of stats) expect(statsSeen).toContain(s);
    }
  });

  test('replicas per variant Service from Container Insights; GPU utilisation labelled with the add-on it needs', () => {
    const [replicas] = titled(model.widgets, /replicas/);
    const series = metricsOf(replicas);
    expect(series.every((m) => m[0] === 'ContainerInsights' && m[1] === 'service_number_of_running_pods')).toBe(true);
    expect(series.map((m) => m[m.indexOf('Service') + 1]).sort()).toEqual(['fraud-canary', 'fraud-eu', 'fraud-primary'].map((n) => endpoint.serviceNameForVariant(n.replace('fraud-', ''))).sort());
    const [gpuW] = titled(model.widgets, /GPU utilisation/);
    expect(gpuW.properties.title).toMatch(/CloudWatch Observability add-on/);
    const expr = gpuW.properties.metrics[0][0].expression;
    expect(expr).toMatch(/^SELECT AVG\(pod_gpu_utilization\) FROM "ContainerInsights" WHERE ClusterName = '\$\{Ref:Gpu[A-Za-z0-9]+\}' AND Namespace = 'fraud'$/);
  });

  test('drift per feature against its floors (horizontal annotations), in the monitor\'s namespace and metric names', () => {
    const [amount] = titled(model.widgets, /drift of amount/);
    const series = metricsOf(amount);
    expect(series.every((m) => m[0] === 'Acme/Drift' && m[1] === METRIC.featureDrift)).toBe(true);
    const stats = series.map((m) => `${m[m.indexOf('Variant') + 1]} ${m[m.indexOf('Statistic') + 1]}`).sort();
    expect(stats).toEqual(['canary jensenShannon', 'canary ksStatistic', 'canary psi', 'canary wassersteinNormed',
      'primary jensenShannon', 'primary ksStatistic', 'primary psi', 'primary wassersteinNormed']);
    // amount: its own PSI floor 0.3, the model-wide JS 0.15, defaults KS and Wasserstein 0.1 (one line).
    expect(amount.properties.annotations.horizontal.map((a: any) => [a.value, a.label])).toEqual([
      [0.3, 'floor 0.3: psi'], [0.15, 'floor 0.15: jensenShannon'], [0.1, 'floor 0.1: ksStatistic, wassersteinNormed'],
    ]);
    // country is categorical: no numeric-only statistics; default PSI floor 0.2.
    const [country] = titled(model.widgets, /drift of country/);
    expect(metricsOf(country).map((m) => m[m.indexOf('Statistic') + 1]).sort()).toEqual(['jensenShannon', 'jensenShannon', 'psi', 'psi']);
    expect(country.properties.annotations.horizontal.map((a: any) => a.value)).toEqual([0.2, 0.15]);
  });

  test('drifted features against the drift alarm, quality against its threshold, retraining outcomes per day, the model alarms', () => {
    const [drifted] = titled(model.widgets, /drifted features/);
    expect(metricsOf(drifted)[0].slice(0, 4)).toEqual(['Acme/Drift', METRIC.driftedFeatureCount, 'ModelName', 'fraud']);
    expect(drifted.properties.annotations.horizontal[0].value).toBe(1);
    const [quality] = titled(model.widgets, /quality/);
    expect(metricsOf(quality)[0]).toEqual(['Acme/Drift', METRIC.modelQuality, 'ModelName', 'fraud', 'Statistic', 'auc']);
    expect(quality.properties.annotations.horizontal[0]).toMatchObject({ value: 0.8, fill: 'below' });
    const [retrain] = titled(model.widgets, /retraining outcomes/);
    expect(retrain.properties.period).toBeUndefined();
    const outcomesSeen = metricsOf(retrain).map((m) => m[m.indexOf('Outcome') + 1]);
    expect(outcomesSeen).toEqual(expect.arrayContaining(['promoted', 'rolled-back', 'failed']));
    expect(retrain.properties.metrics.every((row: any[]) => row[row.length - 1].period === 86400)).toBe(true);
    const [alarms] = model.widgets.filter((w) => w.type === 'alarm');
    expect(alarms.properties.alarms).toHaveLength(2);
  });

  test('fleet: most drifted models (Metrics Insights), retrains per day, every model alarm by name', () => {
    const exprs = fleet.widgets.flatMap((w) => (w.properties?.metrics ?? []).map((row: any[]) => row[0]?.expression)).filter(Boolean);
    expect(exprs).toContain(`SELECT MAX(${METRIC.driftedFeatureCount}) FROM SCHEMA("Acme/Drift", ModelName) GROUP BY ModelName ORDER BY MAX() DESC LIMIT 10`);
    expect(exprs).toContain('SELECT SUM(RetrainOutcome) FROM SCHEMA("CdkMlops/Retrain", ModelName, Outcome) GROUP BY Outcome');
    const alarmArns = fleet.widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms);
    expect(alarmArns.map((a: string) => a.split(':alarm:')[1]).sort()).toEqual(
      ['ops-churn-drift', 'ops-fraud-drift', 'ops-fraud-quality', 'ops.unmonitored-models'].sort());
  });
});

describe('dashboard limits', () => {
  test('alarm status widgets hold at most 100 alarms each (CloudWatch alarm widget limit)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Many');
    const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true });
    const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: bucket, alarmPrefix: 'many' });
    for (let i = 0; i < 120; i++) monitor.addModel({ modelName: `m${i}`, baselineKey: `baselines/m${i}.json` });
    const fleet = Object.values(bodies(Template.fromStack(stack)))[0];
    const alarmWidgets = fleet.widgets.filter((w) => w.type === 'alarm');
    expect(alarmWidgets.map((w) => w.properties.alarms.length)).toEqual([100, 21]);
    expect(alarmWidgets[1].y).toBe(alarmWidgets[0].y + alarmWidgets[0].height);
  });

  test('dashboard: false creates none', () => {
    const stack = new Stack(testApp(), 'None');
    new DriftMonitor(stack, 'Drift', { captureBucket: new s3.Bucket(stack, 'Data', { enforceSSL: true }), dashboard: false });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('ShardDashboard groups models on dashboards of at most 500 widgets (CloudWatch "Dashboard Body Structure": 0-500 widgets)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Shard');
    const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true });
    const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: bucket, alarmPrefix: 'shard', dashboard: false });
    const models = Array.from({ length: 60 }, (_, i) => ({
      monitoredModel: monitor.addModel({ modelName: `m${i}`, baselineKey: `baselines/m${i}.json`, features: Array.from({ length: 30 }, (__, f) => ({ name: `f${f}` })) }),
      retrainOutcomes: outcomes,
    }));
    const shard = new ShardDashboard(stack, 'Models', { models });
    const more = new ShardDashboard(stack, 'More', { models: [...models, ...models.map((m) => ({ ...m, modelName: `copy-${m.monitoredModel.modelName}` }))], dashboardName: 'more' });
    const all = Object.values(bodies(Template.fromStack(stack))).filter((b) => !b.name.startsWith('more'));
    // Per model (no endpoint): drifted features, quality, retraining, 2 graphs of the 4 floored statistics
    // = 5 widgets however many features: 60 models = 300 widgets plus one alarm status widget of their 60 alarms.
    expect(shard.dashboards).toHaveLength(1);
    expect(all[0].widgets).toHaveLength(301);
    expect(all[0].widgets.filter((w) => w.type === 'alarm').map((w) => w.properties.alarms.length)).toEqual([60]);
    expect(all[0].name).toBe('Shard-models');
    expect(more.dashboards).toHaveLength(2);
    const split = Object.values(bodies(Template.fromStack(stack))).filter((b) => b.name.startsWith('more'));
    expect(split.map((b) => [b.name, b.widgets.length])).toEqual([['more', 496], ['more-2', 106]]);
    for (const b of split) expect(b.widgets.length).toBeLessThanOrEqual(500);
  });
});

describe('ModelFactory: one ShardDashboard per shard stack', () => {
  // The composition the ModelFactory makes (see docs/operations.md): the models of each shard on one
  // ShardDashboard with a model selector in that shard's stack, the fleet dashboard in the platform stack.
  const app = testApp();
  const platform = new ModelFactoryStack(app, 'Fleet', { models: fleetSpecs(50) });
  const factory = platform.factory;
  const nag = synthWithNag(app);
  const assembly = app.synth();

  test('cdk-nag (AwsSolutions) stays clean and every stack is within the StackLimits guard', () => {
    expect(nag.synthError).toBeUndefined();
    expect(nag.findings).toEqual([]);
  });

  test('a shard adds one dashboard (one resource) of constant size: one set of widgets and a model selector', () => {
    for (const [index, shard] of factory.shardStacks.entries()) {
      const template = assembly.getStackByName(shard.stackName).template;
      const names = Object.entries(factory.shardAssignments).filter(([, i]) => i === index).map(([n]) => n);
      const dashboards = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      const body = JSON.parse(tokenText(dashboards[0].Properties.DashboardBody));
      // 8 metric widgets (serving 3, drifted features, quality, retraining, floored statistics 2) for any
      // number of models, plus the alarm status widgets of every model's alarms (<= 100 each).
      expect(body.widgets.filter((w: any) => w.type === 'metric')).toHaveLength(8);
      const alarms = body.widgets.filter((w: any) => w.type === 'alarm');
      const qualityAlarms = names.filter((n) => factory.monitoredModel(n).qualityAlarm).length;
      expect(alarms.flatMap((w: any) => w.properties.alarms).length).toBe(names.length + qualityAlarms);
      expect(alarms.every((w: any) => w.properties.alarms.length <= 100)).toBe(true);
      const [variable] = body.variables;
      expect(variable).toMatchObject({ type: 'pattern', inputType: 'select', id: 'model' });
      expect(variable.values.map((v: any) => v.value).sort()).toEqual([...names].sort());
      // The widgets are drawn for the pattern's model: the only model name in them.
      const text = JSON.stringify(body.widgets.filter((w: any) => w.type === 'metric'));
      expect(names.filter((n) => text.includes(`'${n}'`))).toEqual([variable.pattern]);
      // About 12 KB plus ~250 bytes per model (its alarm ARNs and selector value), instead of ~5.7 KB per model
      // with rows per model: a 22-model shard's template stays far from CloudFormation's limits.
      expect(JSON.stringify(dashboards[0]).length - names.length * 250).toBeLessThan(12000);
    }
    const fleetTemplate = assembly.getStackByName(platform.stackName).template;
    const fleetDashboards = Object.values<any>(fleetTemplate.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(fleetDashboards).toHaveLength(1);
    expect(JSON.stringify(fleetDashboards[0])).not.toContain(Object.keys(factory.shardAssignments)[0]);
  });

  test('models that are not alike are refused for a model selector', () => {
    const other = new Stack(testApp(), 'Mixed');
    const bucket = new s3.Bucket(other, 'Data', { enforceSSL: true });
    const monitor = new DriftMonitor(other, 'Drift', { captureBucket: bucket, dashboard: false });
    const a = monitor.addModel({ modelName: 'a', baselineKey: 'baselines/a.json' });
    const b = monitor.addModel({ modelName: 'b', baselineKey: 'baselines/b.json', variants: ['primary', 'canary'] });
    expect(() => new ShardDashboard(other, 'Sel', { models: [{ monitoredModel: a }, { monitoredModel: b }], modelSelector: true }))
      .toThrow(/models\[\d\].*must be alike/);
  });
});

test('the outcome graphs draw every RetrainOutcome the state machine records (reverted included)', () => {
  // The per-metric outcome graphs enumerate the outcomes; one missing would never be drawn.
  const { RETRAIN_OUTCOMES } = require('../../lib/operations/private/widgets');
  const { RetrainOutcome } = require('../../lib/retraining/retrain-trigger-options');
  expect([...RETRAIN_OUTCOMES].sort()).toEqual(Object.values(RetrainOutcome).sort());
});

test('every state of the retraining definition, the operator rollback\'s included, has a phase (status, timeline picture)', () => {
  const { phaseOf } = require('../../bin/report/phases');
  const { retrainDefinition } = require('../../lib/retraining/private/definition');
  const d = retrainDefinition({
    configParameterPrefix: '/p/', tableName: 't', topicArn: 'arn:aws:sns:us-east-1:123456789012:t', trainingStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:t',
    metricNamespace: 'n', approvalTimeoutSeconds: 60, trainingTimeoutSeconds: 60, partition: 'aws',
  });
  const guard = ['LockForRequest', 'AcquireRollbackLock', 'RetrainOrRollback', 'CheckRollbackTarget', 'RollbackTargetMissing', 'RollbackTargetIsChampion',
    'RollbackTargetHasBaseline', 'RollbackCandidate', 'RollbackCandidateWithBaseline', 'RollbackBaselineSource'];
  const promoting = ['ApproveUnlessRollback', 'PromotedOrReverted', 'ReinstatePackage', 'DemotedPackageKnown', 'RejectDemotedPackage', 'Reverted'];
  // Every one of them is a state of the definition, in the phase it belongs to.
  expect(Object.keys(d.States)).toEqual(expect.arrayContaining([...guard, ...promoting]));
  expect(guard.map((s) => phaseOf(s))).toEqual(guard.map(() => 'guard'));
  expect(promoting.map((s) => phaseOf(s))).toEqual(promoting.map(() => 'promoting'));
});
