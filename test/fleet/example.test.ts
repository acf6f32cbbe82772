import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { modelFactory } from '../../examples/model-factory';
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
test('fleet isolation: every model\'s record watches only its own canary alarms (never the fleet alarm, never another model\'s)', () => {
  let checked = 0;
  for (const name of ['ModelFactory-models-0', 'ModelFactory-models-1', 'ModelFactory-models-2']) {
    const t = assembly!.getStackByName(name).template;
    for (const r of Object.values<any>(t.Resources).filter((x) => x.Type === 'AWS::SSM::Parameter')) {
      const text = JSON.stringify(r.Properties.Value);
      const m = /\\"canaryAlarmNames\\":\[([^\]]*)\]/.exec(text);
      if (!m) continue;
      const model = /\\"modelName\\":\\"([a-z0-9-]+)\\"/.exec(text.slice(text.indexOf('schemaVersion')))![1];
      const names = m[1].split(',').map((s) => s.replace(/\\"/g, ''));
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) expect(n).toMatch(new RegExp(`-${model}-(canary-errors|quality)$`));
      expect(names.some((n) => n.endsWith(`-${model}-canary-errors`))).toBe(true);
      // The alarm exists, in the model's shard, on the model's canary variant only.
      const alarm = Object.values<any>(t.Resources).find((a) => a.Type === 'AWS::CloudWatch::Alarm' && JSON.stringify(a.Properties.AlarmName).includes(`-${model}-canary-errors`));
      expect(alarm.Properties.Dimensions).toEqual(expect.arrayContaining([{ Name: 'ModelName', Value: model }, { Name: 'Variant', Value: 'canary' }]));
      checked++;
    }
  }
  expect(checked).toBe(50);
});

test('the fleet keeps the GpuCluster default (private endpoint): its Kubernetes calls go through the in-VPC caller', () => {
  const platform = assembly!.getStackByName('ModelFactory').template;
  const cluster = Object.values<any>(platform.Resources).find((r) => r.Type === 'AWS::EKS::Cluster');
  expect(cluster.Properties.ResourcesVpcConfig.EndpointPublicAccess).toBe(false);
  const retrain = Object.entries<any>(platform.Resources).find(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.includes('Retrain'))![1];
  const text = JSON.stringify(retrain.Properties.DefinitionString);
  expect(text).not.toContain(':states:::eks:call');
  expect(text).toContain('KubeCaller');
});
