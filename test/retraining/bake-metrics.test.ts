// Issue 16: a ModelFactory model's canary is judged by its OWN canary metric, read with CloudWatch GetMetricData over
// the bake (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html), instead of one
// canary-errors alarm per model. The REAL definitions of examples/model-factory.ts and examples/closed-loop.ts run under
// aws-local-stepfunctions against the simulated CloudWatch of bin/simulate/world.ts, which keeps metric datapoints and
// answers GetMetricData as the API reference documents it (tested at the end of this file).
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { StateMachine } from 'aws-local-stepfunctions';
import { loadClosedLoop, loadModelFactory, LoadedStack, runScenario } from '../../bin/simulate/run';
import { World } from '../../bin/simulate/world';
import { CaptureStream, RetrainModelOptions, RetrainTrigger } from '../../lib';
import { CANARY_METRIC_RESULT_ID, canaryMetricQueries } from '../../lib/contracts/retrain-record';
import { CANARY_METRIC_REASON, CANARY_METRIC_UNREADABLE_REASON } from '../../lib/retraining/private/steps/canary';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';

let factory: LoadedStack;
let closedLoop: LoadedStack;
beforeAll(() => {
  factory = loadModelFactory(3);
  closedLoop = loadClosedLoop();
});

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0) / 1000;
const errorsOf = (model: string, variant: string) => [{ Name: 'ModelName', Value: model }, { Name: 'Variant', Value: variant }];
/** A model of the factory example with no canary alarm (no quality labels): judged by its canary metric alone. */
const metricOnlyModel = (): string => [...factory.records.entries()].find(([, r]) => r.canaryAlarmNames.length === 0 && r.canaryMetricQueries)![0];

/** The rollback reason the execution recorded (its outcome notification carries the execution state). */
function reasonOf(world: World): string | undefined {
  const exec = world.executions.find((e) => e.stateMachine === 'retrain');
  const entered = exec?.events.filter((e: any) => e.type === 'StateExited' && /^CanaryMetric(OverThreshold|Unreadable)$/.test(e.state?.name));
  return entered?.length ? JSON.parse(JSON.stringify(entered[0].state.output)).rollbackReason : undefined;
}

describe('a factory model\'s bake judges its own canary Errors metric (GetMetricData), not an alarm', () => {
  test('canary Errors at or above 5 a minute during the bake: rolled back with the metric reason, champion kept', async () => {
    const model = metricOnlyModel();
    let world: World | undefined;
    const r = await runScenario(factory, { name: 'errors', model, canary: { alarmAtCheck: 2 } }, (w) => { world = w; });
    expect(r.outcome).toBe('rolled-back');
    expect(r.championAfter).toEqual(r.championBefore);
    expect(r.states).toContain('CanaryMetricOverThreshold');
    expect(reasonOf(world!)).toBe(CANARY_METRIC_REASON);
    // No canary alarm to read: DescribeAlarms (which would list EVERY alarm without names) is never called.
    expect(r.states).not.toContain('CheckCanaryAlarms');
    expect(r.invariants.trafficBackOnPrimary).toBe(true);
    const calls = r.timeline.filter((l) => l.includes('GetMetricData'));
    expect(calls).toHaveLength(2);
    expect(calls[0]).toContain(`Errors{${model},canary}`);
  });

  test('errors of ANOTHER model\'s canary, and of this model\'s primary, during the whole bake: the model promotes', async () => {
    const model = metricOnlyModel();
    const other = [...factory.records.keys()].find((m) => m !== model)!;
    const r = await runScenario(factory, { name: 'others-fail', model }, (world, t0) => {
      for (let minute = 0; minute < 6 * 60; minute++) {
        world.putDatapoint(CaptureStream.METRICS_NAMESPACE, 'Errors', errorsOf(other, 'canary'), (t0 + minute * 60) * 1000, 50);
        world.putDatapoint(CaptureStream.METRICS_NAMESPACE, 'Errors', errorsOf(model, 'primary'), (t0 + minute * 60) * 1000, 50);
      }
    });
    expect(r.outcome).toBe('promoted');
    expect(r.states.filter((s) => s === 'CheckCanaryMetrics')).toHaveLength(3);
    expect(r.states).not.toContain('CanaryMetricOverThreshold');
  });

  test('no datapoints at all (missing data): every check is clean, the model promotes', async () => {
    const r = await runScenario(factory, { name: 'quiet', model: metricOnlyModel() });
    expect(r.outcome).toBe('promoted');
    expect(r.states.filter((s) => s === 'CanaryMetricsHealthy')).toHaveLength(3);
    // Every check reads from the same bake start to its own time.
    const since = new Set(r.timeline.filter((l) => l.includes('GetMetricData')).map((l) => /since (\S+)/.exec(l)![1]));
    expect(since.size).toBe(1);
  });

  test('a burst of errors between two checks is still in the window at the next check (the whole bake is read)', async () => {
    const r = await runScenario(factory, { name: 'burst', model: metricOnlyModel(), canary: { flapBeforeCheck: 3 } });
    expect(r.outcome).toBe('rolled-back');
    expect(r.states.filter((s) => s === 'CheckCanaryMetrics')).toHaveLength(3);
  });

  test('a model with a quality alarm: its alarm is checked first, then its metric', async () => {
    const model = [...factory.records.entries()].find(([, r]) => r.canaryAlarmNames.length > 0)![0];
    const r = await runScenario(factory, { name: 'both', model, canary: { alarmAtCheck: 1 } });
    expect(r.outcome).toBe('rolled-back');
    const i = r.states.indexOf('CheckCanaryAlarms');
    expect(i).toBeGreaterThan(-1);
    expect(r.states.indexOf('CheckCanaryMetrics')).toBeGreaterThan(i);
    expect(r.states).toContain('CanaryMetricOverThreshold');
  });
});

describe('a model without canary metrics executes as before: alarms only, no GetMetricData', () => {
  test('closed-loop example: clean bake promotes, canary alarm rolls back; no GetMetricData call in either', async () => {
    expect(closedLoop.records.get('fraud-scoring').canaryMetricQueries).toBeUndefined();
    const clean = await runScenario(closedLoop, { name: 'clean' });
    expect(clean.outcome).toBe('promoted');
    const alarm = await runScenario(closedLoop, { name: 'alarm', canary: { alarmAtCheck: 2 } });
    expect(alarm.outcome).toBe('rolled-back');
    expect(alarm.states).toContain('CanaryAlarm');
    for (const r of [clean, alarm]) {
      expect(r.timeline.join('\n')).not.toContain('getMetricData');
      expect(r.states).not.toContain('CheckCanaryMetrics');
      // Each check: the alarms, their histories, then straight on (CanaryMetricsToCheck -> CountBake).
      const at = r.states.indexOf('CanaryMetricsToCheck');
      if (at >= 0) expect(r.states[at + 1]).toBe('CountBake');
    }
    expect(clean.states.filter((s) => s === 'CheckCanaryAlarms')).toHaveLength(3);
  });
});

describe('the ResultSelector and Choice, run by the interpreter on GetMetricData results', () => {
  const S = () => factory.retrain.definition.States;
  /** The definition's three Choices after CheckCanaryMetrics, their exits renamed, run on `result` through the ResultSelector. */
  const judge = async (result: any): Promise<string> => {
    const exits: Record<string, string> = { CanaryMetricOverThreshold: 'Over', CanaryMetricUnreadable: 'Unreadable', CountBake: 'Clean' };
    const renamed = (name: string) => {
      const st = S()[name];
      return { ...st, Choices: st.Choices.map((ch: any) => ({ ...ch, Next: exits[ch.Next] ?? ch.Next })), Default: exits[st.Default] ?? st.Default };
    };
    const machine = new StateMachine({
      StartAt: 'Select',
      States: {
        Select: { Type: 'Pass', Parameters: S().CheckCanaryMetrics.ResultSelector, ResultPath: '$.metricCheck', Next: 'CanaryMetricsHealthy' },
        CanaryMetricsHealthy: renamed('CanaryMetricsHealthy'),
        CanaryMetricCount: renamed('CanaryMetricCount'),
        CanaryMetricsComplete: renamed('CanaryMetricsComplete'),
        Over: { Type: 'Pass', Result: 'over', End: true },
        Unreadable: { Type: 'Pass', Result: 'unreadable', End: true },
        Clean: { Type: 'Pass', Result: 'clean', End: true },
      },
    } as any);
    return (await machine.run(result).result) as string;
  };
  /** A GetMetricData answer: the running counts newest first (ScanBy TimestampDescending). */
  const series = (values: number[], status = 'Complete') => ({
    MetricDataResults: [{ Id: CANARY_METRIC_RESULT_ID, Label: 'x', Timestamps: values.map((_, i) => new Date((T0 - i * 60) * 1000).toISOString()), Values: values, StatusCode: status }],
    Messages: [],
  });

  test('a running count above 0 is over (compared as a number: 1.0 from the SDK is 1); 0 or no values are clean; an incomplete read fails the canary too', async () => {
    expect(await judge(series([]))).toBe('clean');
    expect(await judge(series([0, 0, 0]))).toBe('clean');
    expect(await judge(series([1, 1, 0]))).toBe('over');
    expect(await judge(series([1.0]))).toBe('over');
    expect(await judge(series([0.5]))).toBe('over');
    expect(await judge(series([0], 'PartialData'))).toBe('unreadable');
    expect(await judge(series([], 'InternalError'))).toBe('unreadable');
    // no value to compare: the count is never read from an empty series
    expect(S().CanaryMetricsHealthy.Choices[0]).toEqual({ Variable: '$.metricCheck.counts[0]', IsPresent: true, Next: 'CanaryMetricCount' });
  });

  test('the Task: GetMetricData over [bake start, now], the record\'s queries, one page, Retry and Catch like its neighbours', () => {
    const t = S().CheckCanaryMetrics;
    expect(t.Resource).toMatch(/:states:::aws-sdk:cloudwatch:getMetricData$/);
    expect(t.Parameters).toEqual({
      'MetricDataQueries.$': '$.config.canaryMetricQueries',
      'StartTime.$': '$.bake.startedAt',
      'EndTime.$': '$$.State.EnteredTime',
      'ScanBy': 'TimestampDescending',
      'MaxDatapoints': 1500,
    });
    expect(t.Retry[0].ErrorEquals).toEqual(S().CheckCanaryAlarms.Retry[0].ErrorEquals);
    expect(t.Catch).toEqual(S().CheckCanaryAlarms.Catch);
    expect(S().CanaryMetricUnreadable.Result).toBe(CANARY_METRIC_UNREADABLE_REASON);
    // One definition for every model: the per-model data is in the record only.
    expect(closedLoop.retrain.definition.States.CheckCanaryMetrics).toEqual(t);
  });
});

describe('IAM and cdk-nag: GetMetricData on * only when a model uses canary metrics', () => {
  // The retraining state machine role's policy (other roles, e.g. the autoscaler's, read metrics for their own reasons).
  const statementsOf = (template: any) => Object.entries<any>(Template.fromJSON(template).findResources('AWS::IAM::Policy'))
    .filter(([id]) => /Retrain.*StateMachineRole/.test(id)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

  test('the factory\'s state machine role has ONE ReadCanaryMetrics statement (cloudwatch:GetMetricData on *); the closed loop has none', () => {
    const reads = statementsOf(factory.template).filter((s) => [s.Action].flat().includes('cloudwatch:GetMetricData'));
    expect(reads).toEqual([{ Sid: 'ReadCanaryMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' }]);
    expect(statementsOf(closedLoop.template).length).toBeGreaterThan(0);
    expect(statementsOf(closedLoop.template).filter((s) => [s.Action].flat().includes('cloudwatch:GetMetricData'))).toEqual([]);
  });

  test('the Resource::* acknowledgement names GetMetricData only when it is granted; no IAM5 finding is left', () => {
    for (const metrics of [true, false]) {
      const { app, trigger } = fleet(2, metrics);
      const nag = synthWithNag(app);
      expect(nag.findings.filter((f) => f.startsWith('AwsSolutions-IAM5'))).toEqual([]);
      const acks = trigger.node.findAll().flatMap((c) => c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>)));
      const star = acks.filter(([id]) => id.endsWith('AwsSolutions-IAM5[Resource::*]')).map(([, reason]) => reason);
      expect(star.length).toBeGreaterThan(0);
      for (const reason of star) expect(reason.includes('cloudwatch:GetMetricData (statement ReadCanaryMetrics)')).toBe(metrics);
    }
  });

  test('the state machine policy is the same for 2 and 20 models with canary metrics', () => {
    const policy = (models: number) => JSON.stringify(Object.entries<any>(fleet(models, true).template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.includes('StateMachineRole')).map(([, p]) => p.Properties.PolicyDocument));
    expect(policy(20)).toBe(policy(2));
    expect(policy(2)).toContain('cloudwatch:GetMetricData');
  });

  test('without an alarm name prefix, models judged by metrics only get no WatchCanaryAlarms statement (IAM refuses one without resources); the first alarm adds it', () => {
    /** The state machine role's statements of a trigger without canaryAlarmNamePrefix and these models (name, judged by metrics). */
    const statements = (models: [string, boolean][]) => {
      const app = testApp();
      const stack = new Stack(app, 'NoPrefix');
      const training = sfn.StateMachine.fromStateMachineName(stack, 'Training', 'fleet-training');
      const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
        clusterName: 'gpu', clusterEndpoint: 'https://example.eks.amazonaws.com', clusterCertificateAuthorityData: 'Q0E=',
      });
      const trigger = new RetrainTrigger(stack, 'Retrain', { trainingStateMachine: training, alarmPrefix: 'np-mlops', modelPackageGroupPrefix: 'mlops-' });
      for (const [name, metrics] of models) trigger.renderModel(modelOptions(stack, cluster, name, metrics));
      return Object.entries<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
        .filter(([id]) => id.includes('StateMachineRole')).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    };
    const metricsOnly = statements([['a', true], ['b', true]]);
    expect(metricsOnly.map((st) => st.Sid)).not.toContain('WatchCanaryAlarms');
    expect(metricsOnly.map((st) => st.Sid)).toContain('ReadCanaryMetrics');
    for (const st of metricsOnly) expect([st.Resource].flat().length).toBeGreaterThan(0);

    const watch = statements([['a', true], ['b', true], ['c', false]]).filter((st) => st.Sid === 'WatchCanaryAlarms');
    expect(watch).toHaveLength(1);
    expect(JSON.stringify(watch[0].Resource)).toContain('alarm:fleet-mlops-c-canary-errors');
  });
});

/** A RetrainTrigger with `models` renderModel'd models, judged by their canary Errors metric (or by an alarm each). */
function fleet(models: number, metrics: boolean) {
  const app = testApp();
  const stack = new Stack(app, 'Fleet');
  const training = sfn.StateMachine.fromStateMachineName(stack, 'Training', 'fleet-training');
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'gpu', clusterEndpoint: 'https://example.eks.amazonaws.com', clusterCertificateAuthorityData: 'Q0E=',
  });
  const trigger = new RetrainTrigger(stack, 'Retrain', {
    trainingStateMachine: training, alarmPrefix: 'fleet-mlops', canaryAlarmNamePrefix: 'fleet-mlops-', modelPackageGroupPrefix: 'mlops-',
  });
  for (let i = 0; i < models; i++) trigger.renderModel(modelOptions(stack, cluster, `m${i}`, metrics));
  return { app, stack, trigger, cluster, template: Template.fromStack(stack) };
}

function modelOptions(
  stack: Stack, cluster: eks.ICluster, name: string, metrics: boolean, extra: Partial<RetrainModelOptions> = {},
): RetrainModelOptions {
  return {
    modelName: name, cluster, namespace: name,
    primaryDeployment: `${name}-primary`, canaryDeployment: `${name}-canary`,
    primaryService: `${name}-primary`, canaryService: `${name}-canary`, servicePort: 80,
    ingressName: name, ingressActionName: 'weighted-routing',
    canaryAlarms: metrics ? [] : [cloudwatch.Alarm.fromAlarmName(stack, `${name}-errors`, `fleet-mlops-${name}-canary-errors`)],
    ...(metrics ? { canaryMetrics: [{ metric: errorsMetric(name), threshold: 5 }] } : {}),
    initialModelArtifactUri: `s3://fleet-models/training/models/${name}/v1/`, initialModelVersion: 'v1',
    modelPackageGroupName: `mlops-${name}`,
    ...extra,
  };
}

function errorsMetric(name: string, period = Duration.minutes(1)): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: CaptureStream.METRICS_NAMESPACE, metricName: 'Errors', dimensionsMap: { ModelName: name, Variant: 'canary' }, statistic: 'Sum', period,
  });
}

describe('RetrainTrigger canaryMetrics: the record and the validation', () => {
  test('the record carries the queries of the metric (dimensions, Sum per minute, threshold); without metrics none', () => {
    const { stack, trigger, cluster } = fleet(0, true);
    const withMetrics = trigger.renderModel(modelOptions(stack, cluster, 'a', true)).record;
    expect(withMetrics.canaryAlarmNames).toEqual([]);
    expect(withMetrics.canaryMetricQueries).toEqual(canaryMetricQueries([{
      namespace: CaptureStream.METRICS_NAMESPACE, metricName: 'Errors', dimensions: errorsOf('a', 'canary'), stat: 'Sum', period: 60, threshold: 5,
    }]));
    expect(trigger.renderModel(modelOptions(stack, cluster, 'b', false)).record.canaryMetricQueries).toBeUndefined();
  });

  test('bad canaryMetrics, and an empty canaryAlarms without them, fail at synth with the validation error', () => {
    const { stack, trigger, cluster } = fleet(0, true);
    const render = (name: string, metrics: boolean, extra: Partial<RetrainModelOptions>) =>
      () => trigger.renderModel(modelOptions(stack, cluster, name, metrics, extra));
    expect(render('c', false, { canaryAlarms: [] })).toThrow(/canaryAlarms.*give canaryMetrics/);
    expect(render('d', true, { canaryMetrics: [] })).toThrow(/canaryMetrics.*between 1 and 10/);
    expect(render('e', true, { canaryMetrics: [{ metric: errorsMetric('e', Duration.seconds(30)), threshold: 5 }] })).toThrow(/canaryMetrics\[0\]\.metric\.period.*multiple of 60/);
    // 2 days of bake at one minute: 2,880 periods, over the 1,440 one GetMetricData page holds.
    expect(render('f', true, { bakeTime: Duration.days(2) })).toThrow(/at most 1440 periods/);
    expect(render('g', true, { canaryMetrics: [{ metric: errorsMetric('g'), threshold: Number.NaN }] })).toThrow(/threshold.*finite/);
    const noDimensions = new cloudwatch.Metric({ namespace: 'N', metricName: 'Errors', period: Duration.minutes(1) });
    expect(render('h', true, { canaryMetrics: [{ metric: noDimensions, threshold: 1 }] })).toThrow(/dimensions.*must name the canary/);
  });
});

describe('simulated CloudWatch: GetMetricData as the API reference documents it', () => {
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html (StartTime rounding,
  // EndTime exclusive, ScanBy, MaxDatapoints, NextToken), API_MetricDataQuery.html (Id, ReturnData),
  // API_MetricStat.html (Period: a multiple of 60 for standard-resolution metrics).
  const world = new World({ scenario: { name: 'w' }, records: new Map(), configPrefix: '/x/', objectiveMetric: 'm', t0Epoch: T0 }, 't');
  const at = (min: number, sec = 0) => (T0 + min * 60 + sec) * 1000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const dims = errorsOf('a', 'canary');
  world.putDatapoint('NS', 'Errors', dims, at(1, 10), 3);
  world.putDatapoint('NS', 'Errors', dims, at(1, 50), 4);
  world.putDatapoint('NS', 'Errors', dims, at(3, 0), 2);
  world.putDatapoint('NS', 'Errors', errorsOf('b', 'canary'), at(2, 0), 100);
  const read = (extra: any = {}, queries: any[] = [{ Id: 'm0', MetricStat: { Metric: { Namespace: 'NS', MetricName: 'Errors', Dimensions: dims }, Period: 60, Stat: 'Sum' } }]) =>
    world.getMetricData({ MetricDataQueries: queries, StartTime: iso(at(0, 30)), EndTime: iso(at(10)), ...extra }, at(10));

  test('Sum per period from StartTime rounded down to the minute; periods without data have no value; newest first', () => {
    const r = read().MetricDataResults[0];
    expect(r.Timestamps).toEqual([iso(at(3)), iso(at(1))]);
    expect(r.Values).toEqual([2, 7]);
    expect(r.StatusCode).toBe('Complete');
    expect(read({ ScanBy: 'TimestampAscending' }).MetricDataResults[0].Values).toEqual([7, 2]);
  });

  test('EndTime is exclusive; StartTime equal to EndTime is a ValidationError', () => {
    // Minute 3 holds a datapoint at 00:03:00: an EndTime of 00:03:00 leaves it out.
    expect(read({ StartTime: iso(at(0)), EndTime: iso(at(3)) }).MetricDataResults[0].Values).toEqual([7]);
    expect(() => read({ StartTime: iso(at(5)), EndTime: iso(at(5)) })).toThrow(/StartTime must not equal parameter EndTime/);
  });

  test('a Period that is not a multiple of 60 is a ValidationError (standard-resolution metrics)', () => {
    for (const period of [30, 90, 0]) {
      let error: any;
      try {
        read({}, [{ Id: 'm0', MetricStat: { Metric: { Namespace: 'NS', MetricName: 'Errors', Dimensions: dims }, Period: period, Stat: 'Sum' } }]);
      } catch (e) {
        error = e;
      }
      expect(error?.name).toBe('CloudWatch.ValidationError');
      expect(error?.message).toMatch(/Period must be a multiple of 60/);
    }
  });

  test('ReturnData false hides a query; the library\'s IF/MAX/RUNNING_SUM expressions; other dimensions are another metric', () => {
    const queries = canaryMetricQueries([{ namespace: 'NS', metricName: 'Errors', dimensions: dims, stat: 'Sum', period: 60, threshold: 5 }]);
    const out = read({}, queries);
    expect(out.MetricDataResults.map((x: any) => x.Id)).toEqual([CANARY_METRIC_RESULT_ID]);
    // minute 1: 7 errors (breach), minute 3: 2 (b's 100 is not a's): running counts 1 then 1, newest first
    expect(out.MetricDataResults[0].Values).toEqual([1, 1]);
    const two = canaryMetricQueries([
      { namespace: 'NS', metricName: 'Errors', dimensions: dims, stat: 'Sum', period: 60, threshold: 50 },
      { namespace: 'NS', metricName: 'Errors', dimensions: errorsOf('b', 'canary'), stat: 'Sum', period: 60, threshold: 50 },
    ]);
    // minutes 1, 2, 3: only b's 100 at minute 2 reaches 50
    expect(read({ ScanBy: 'TimestampAscending' }, two).MetricDataResults[0].Values).toEqual([0, 1, 1]);
    expect(() => read({}, [{ Id: 'e1', Expression: 'SUM(METRICS())' }])).toThrow(/not simulated/);
    expect(() => read({}, [{ Id: 'M0', Expression: 'IF(m0 >= 1, 1, 0)' }])).toThrow(/lowercase letter/);
  });

  test('MaxDatapoints pages the datapoints: PartialData and a NextToken, then the rest', () => {
    const first = read({ MaxDatapoints: 1 });
    expect(first.MetricDataResults[0]).toMatchObject({ Values: [2], StatusCode: 'PartialData' });
    const rest = read({ MaxDatapoints: 1, NextToken: first.NextToken });
    expect(rest.MetricDataResults[0]).toMatchObject({ Values: [7], StatusCode: 'Complete' });
    expect(rest.NextToken).toBeUndefined();
  });
});
