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

test('50 models: one platform stack and shard stacks of 22, 22 and 6, none near a limit', () => {
  expect(assembly!.stacks.map((s) => s.stackName).sort()).toEqual(['ModelFactory', 'ModelFactory-models-0', 'ModelFactory-models-1', 'ModelFactory-models-2']);
  for (const [name, n] of [['ModelFactory-models-0', 22], ['ModelFactory-models-1', 22], ['ModelFactory-models-2', 6]] as const) {
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
