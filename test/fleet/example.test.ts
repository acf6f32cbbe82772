import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { modelFactory } from '../../examples/model-factory';
import { CaptureStream } from '../../lib';
import { testApp } from '../util/synth';

// The 50-model example as bin/examples.ts builds it: cdk-nag (AwsSolutions) as a policy-validation plugin.
const app = testApp();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
modelFactory(app);
let error: Error | undefined;
let assembly: ReturnType<typeof app.synth> | undefined;
try {
  assembly = app.synth();
} catch (e) {
  error = e as Error;
}

test('the 50-model example synthesizes with no unacknowledged cdk-nag finding', () => {
  expect(error?.message).toBeUndefined();
});

test('50 models: one platform stack and shard stacks of 20, 20 and 10, none near a limit', () => {
  expect(assembly!.stacks.map((s) => s.stackName).sort()).toEqual(['ModelFactory', 'ModelFactory-models-0', 'ModelFactory-models-1', 'ModelFactory-models-2']);
  for (const [name, n] of [['ModelFactory-models-0', 20], ['ModelFactory-models-1', 20], ['ModelFactory-models-2', 10]] as const) {
    const t = assembly!.getStackByName(name).template;
    const manifests = Object.values<any>(t.Resources).filter((r) => r.Type === 'Custom::AWSCDK-EKS-KubernetesResource');
    expect(manifests).toHaveLength(n);
    const warnings = assembly!.getStackByName(name).messages.filter((m) => String(m.entry.data).includes('cdk-mlops:stack-limits'));
    expect(warnings).toEqual([]);
  }
});

test('the shared TrainingPipeline registers candidates PendingManualApproval: the RetrainTrigger canaries before promoting', () => {
  const platform = assembly!.getStackByName('ModelFactory');
  const definitions = Object.values<any>(platform.template.Resources)
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map((r) => JSON.stringify(r.Properties.DefinitionString));
  expect(definitions.filter((d) => d.includes('approval'))).not.toHaveLength(0);
  expect(definitions.some((d) => d.includes('\\"approval\\":\\"manual\\"'))).toBe(true);
  expect(definitions.some((d) => d.includes('\\"approval\\":\\"auto\\"'))).toBe(false);
  expect(platform.messages.filter((m) => String(m.entry.data).includes('cdk-mlops:auto-approval'))).toEqual([]);
});

// Issue 11: each model's canary is judged only by its own signals, and the default (private) cluster is reachable.
test('fleet isolation: every model\'s record judges only its own canary metric and alarms (never the fleet\'s, never another model\'s)', () => {
  // Issue 16: no canary-errors alarm per model; the bake reads the model's own canary Errors (GetMetricData, the
  // record's canaryMetricQueries), so one model's failing canary still never rolls back another's (issue 11).
  let checked = 0;
  const seen = new Set<string>();
  for (const name of ['ModelFactory-models-0', 'ModelFactory-models-1', 'ModelFactory-models-2']) {
    const t = assembly!.getStackByName(name).template;
    expect(Object.values<any>(t.Resources).filter((a) => a.Type === 'AWS::CloudWatch::Alarm' && JSON.stringify(a.Properties.AlarmName).includes('canary-errors'))).toEqual([]);
    for (const r of Object.values<any>(t.Resources).filter((x) => x.Type === 'AWS::SSM::Parameter')) {
      const record = parameterJson(r.Properties.Value);
      if (record?.canaryAlarmNames === undefined) continue;
      const model: string = record.modelName;
      seen.add(model);
      // Alarms: the model's own quality alarm only (when it has labels).
      for (const n of record.canaryAlarmNames) expect(n).toMatch(new RegExp(`-${model}-quality$`));
      // Metrics: exactly one read, the capture sidecar's Errors of THIS model's canary variant, Sum per minute.
      const reads = record.canaryMetricQueries.filter((q: any) => q.MetricStat);
      expect(reads).toEqual([{
        Id: 'm0',
        MetricStat: {
          Metric: { Namespace: CaptureStream.METRICS_NAMESPACE, MetricName: 'Errors', Dimensions: [{ Name: 'ModelName', Value: model }, { Name: 'Variant', Value: 'canary' }] },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      }]);
      // its threshold (5 errors a minute) on that read, and the running count of breaching minutes returned
      expect(record.canaryMetricQueries.filter((q: any) => q.Expression).map((q: any) => [q.Id, q.Expression, q.ReturnData]))
        .toEqual([['b0', 'IF(m0 >= 5, 1, 0)', false], ['breach', 'RUNNING_SUM(b0)', true]]);
      // No other model's name anywhere in what the bake reads.
      const values = [...JSON.stringify(record.canaryMetricQueries).matchAll(/"Value":"([^"]*)"/g)].map((m) => m[1]);
      expect(values).toEqual([model, 'canary']);
      checked++;
    }
  }
  expect(checked).toBe(50);
  expect(seen.size).toBe(50);
});

/** The JSON of an SSM parameter's Value (a string, or an Fn::Join of literal parts and tokens, stubbed). */
function parameterJson(value: any): any {
  const text = typeof value === 'string' ? value : (value?.['Fn::Join']?.[1] ?? []).map((p: any) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

test('the fleet keeps the GpuCluster default (private endpoint): its Kubernetes calls go through the in-VPC caller', () => {
  const platform = assembly!.getStackByName('ModelFactory').template;
  const cluster = Object.values<any>(platform.Resources).find((r) => r.Type === 'AWS::EKS::Cluster');
  expect(cluster.Properties.ResourcesVpcConfig.EndpointPublicAccess).toBe(false);
  const retrain = Object.entries<any>(platform.Resources).find(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.includes('Retrain'))![1];
  const text = JSON.stringify(retrain.Properties.DefinitionString);
  expect(text).not.toContain(':states:::eks:call');
  expect(text).toContain('KubeCaller');
});
