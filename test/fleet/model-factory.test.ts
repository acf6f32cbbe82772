import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ModelFactoryStack, fleetSpecs } from '../../examples/model-factory';
import { testApp } from '../util/synth';

/** A small fleet, constructed (not synthesized): where did each model land? */
function placement(models: string[], shardAssignments?: Record<string, number>) {
  const app = testApp();
  const all = new Map(fleetSpecs(120).map((s) => [s.modelName, s]));
  const platform = new ModelFactoryStack(app, 'Fleet', {
    models: models.map((m) => all.get(m) ?? { ...fleetSpecs(1)[0], modelName: m }),
    factory: { modelsPerShard: 10, shardAssignments },
  });
  const stackOf = new Map(models.map((m) => [m, Stack.of(platform.factory.endpoint(m)).stackName]));
  return { factory: platform.factory, stackOf };
}

describe('ModelFactory sharding', () => {
  const fleet = fleetSpecs(45).map((s) => s.modelName);
  const before = placement(fleet);

  test('fills shard stacks of modelsPerShard models in list order', () => {
    expect(before.factory.shardStacks.map((s) => s.stackName)).toEqual(['Fleet-models-0', 'Fleet-models-1', 'Fleet-models-2', 'Fleet-models-3', 'Fleet-models-4']);
    expect(before.stackOf.get(fleet[0])).toBe('Fleet-models-0');
    expect(before.stackOf.get(fleet[44])).toBe('Fleet-models-4');
    expect(Object.keys(before.factory.shardAssignments)).toEqual(fleet);
  });

  test('adding a model moves no other model', () => {
    const after = placement([...fleet.slice(0, 20), 'added-model', ...fleet.slice(20)], before.factory.shardAssignments);
    for (const m of fleet) expect(after.stackOf.get(m)).toBe(before.stackOf.get(m));
    expect(after.stackOf.get('added-model')).toBe('Fleet-models-4'); // the only shard with room
  });

  test('removing a model moves no other model', () => {
    const removed = fleet[3];
    const rest = fleet.filter((m) => m !== removed);
    const after = placement(rest, before.factory.shardAssignments);
    for (const m of rest) expect(after.stackOf.get(m)).toBe(before.stackOf.get(m));
    expect(after.factory.shardAssignments[removed]).toBeUndefined();
  });
});

describe('ModelFactory with 1,000 models', () => {
  // One app, synthesized once (asset staging off): the limits, not the time.
  const app = testApp();
  const platform = new ModelFactoryStack(app, 'Fleet', { models: fleetSpecs(1000) });
  // aws-cdk-lib's built-in template linter (half of this synth's time) is not what this test checks.
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  const assembly = app.synth();
  if (validation === undefined) delete process.env.CDK_VALIDATION;
  else process.env.CDK_VALIDATION = validation;
  const stacks = assembly.stacks;

  test('every stack is within the limits the guard enforces', () => {
    expect(stacks.length).toBe(platform.factory.shardStacks.length + 1);
    for (const s of stacks) {
      const template = s.template;
      const bytes = Buffer.byteLength(JSON.stringify(template, undefined, 1));
      expect({ stack: s.stackName, ok: Object.keys(template.Resources ?? {}).length <= 450 }).toEqual({ stack: s.stackName, ok: true });
      expect({ stack: s.stackName, ok: bytes <= 900 * 1024 }).toEqual({ stack: s.stackName, ok: true });
      expect({ stack: s.stackName, ok: Object.keys(template.Outputs ?? {}).length <= 180 }).toEqual({ stack: s.stackName, ok: true });
      // ...and none near them (the guard warns at 80%).
      expect(s.messages.filter((m) => String(m.entry.data).includes('cdk-mlops:stack-limits')).map((m) => m.entry.data)).toEqual([]);
    }
  });

  test('each model is in exactly one shard, with its own manifest, pod identity, config and alarms', () => {
    const manifests = new Map<string, number>();
    for (const s of stacks.filter((x) => x.stackName !== 'Fleet')) {
      const t = Template.fromJSON(s.template);
      for (const [, r] of Object.entries(t.findResources('Custom::AWSCDK-EKS-KubernetesResource'))) {
        const text = JSON.stringify(r.Properties.Manifest);
        const ns = /\\"kind\\":\\"Namespace\\",\\"metadata\\":\{[^}]*\}[^}]*?\\"name\\":\\"([a-z0-9-]+)\\"/.exec(text)?.[1];
        manifests.set(ns!, (manifests.get(ns!) ?? 0) + 1);
      }
    }
    expect(manifests.size).toBe(1000);
    expect([...manifests.values()].every((c) => c === 1)).toBe(true);
    const count = (type: string) => stacks.filter((x) => x.stackName !== 'Fleet')
      .reduce((n, x) => n + Object.values<any>(x.template.Resources).filter((r) => r.Type === type).length, 0);
    expect(count('AWS::EKS::PodIdentityAssociation')).toBe(1000);
    expect(count('AWS::SSM::Parameter')).toBe(1000);
    const withLabels = fleetSpecs(1000).filter((m) => m.quality).length;
    // Per model: the drift alarm and the quality alarm with labels. Its canary is judged by its own Errors metric
    // (issue 16: GetMetricData during the bake, no canary-errors alarm per model; issue 11's isolation kept).
    expect(count('AWS::CloudWatch::Alarm')).toBe(1000 + withLabels);
    // Nothing per model in the platform stack: no model package group, no trace of the last model.
    const platformTemplate = stacks.find((x) => x.stackName === 'Fleet')!.template;
    expect(Object.values<any>(platformTemplate.Resources).filter((r) => r.Type === 'AWS::SageMaker::ModelPackageGroup')).toEqual([]);
    expect(JSON.stringify(platformTemplate)).not.toContain('risk-0999');
  });

  test('at most 6 resources per model, shard overhead included; shared infrastructure once in the platform', () => {
    const shardResources = stacks.filter((x) => x.stackName !== 'Fleet').reduce((n, x) => n + Object.keys(x.template.Resources).length, 0);
    expect(shardResources / 1000).toBeLessThanOrEqual(6);
    const platformTypes = Object.values<any>(stacks.find((x) => x.stackName === 'Fleet')!.template.Resources).map((r) => r.Type);
    const count = (t: string) => platformTypes.filter((x) => x === t).length;
    expect(count('AWS::StepFunctions::StateMachine')).toBe(2); // training + retraining
    expect(count('AWS::Events::Rule')).toBe(2); // the retrain rule (alarms + manual) + the drift schedule
    expect(count('AWS::KinesisFirehose::DeliveryStream')).toBe(1);
  });

  test('one record per model holds the drift and the retraining keys; the RBAC the canary needs is in the model\'s chart', () => {
    const shard = stacks.find((x) => x.stackName === 'Fleet-models-0')!.template;
    const param = Object.values<any>(shard.Resources).find((r) => r.Type === 'AWS::SSM::Parameter')!;
    const text = JSON.stringify(param.Properties.Value);
    for (const key of ['\\"v\\":1', '\\"capture\\"', '\\"schemaVersion\\":1', '\\"canaryAlarmNames\\"', '\\"trainingInput\\"', '\\"eks\\"']) expect(text).toContain(key);
    expect(param.Properties.Tier).toBe('Intelligent-Tiering');
    const manifest = Object.values<any>(shard.Resources).find((r) => r.Type === 'Custom::AWSCDK-EKS-KubernetesResource')!;
    expect(JSON.stringify(manifest.Properties.Manifest)).toMatch(/\\"kind\\":\\"RoleBinding\\"/);
  });

  test('shard stacks take platform values once per stack (the same few SSM-typed parameters, whatever they hold), never through CloudFormation exports', () => {
    const platformTemplate = stacks.find((s) => s.stackName === 'Fleet')!.template;
    expect(Object.keys(platformTemplate.Outputs ?? {})).toEqual([]);
    const counts = new Set<number>();
    for (const s of stacks.filter((x) => x.stackName !== 'Fleet')) {
      expect(JSON.stringify(s.template)).not.toContain('Fn::ImportValue');
      const ssmParams = Object.values(s.template.Parameters ?? {}).filter((p: any) => String(p.Type).startsWith('AWS::SSM::Parameter::Value'));
      expect(ssmParams.length).toBeLessThanOrEqual(16);
      counts.add(ssmParams.length);
    }
    expect(counts.size).toBe(1);
  });
});

describe('ModelFactory props', () => {
  const attempt = (models: ReturnType<typeof fleetSpecs>, factory: Record<string, unknown> = {}) => () => {
    new ModelFactoryStack(testApp(), 'Fleet', { models, factory });
  };

  test.each([
    ['an empty fleet', [], {}, /invalid prop "models" \(\[\]\): must list at least one model/],
    ['a duplicate model', [...fleetSpecs(2), fleetSpecs(1)[0]], {}, /invalid prop "models\[2\]\.modelName" \("fraud-0000"\): must be unique in the fleet/],
    ['a model name that is not a DNS label', [{ ...fleetSpecs(1)[0], modelName: 'Fraud_EU' }], {}, /invalid prop "models\[0\]\.modelName" \("Fraud_EU"\): must be a DNS-1123 label of 1-40 characters/],
    ['a model name over 40 characters', [{ ...fleetSpecs(1)[0], modelName: 'm'.repeat(41) }], {}, /invalid prop "models\[0\]\.modelName".*1-40 characters/],
    ['modelsPerShard 0', fleetSpecs(2), { modelsPerShard: 0 }, /invalid prop "modelsPerShard" \(0\): must be an integer between 1 and 64/],
    ['more models per shard than the resource limit allows', fleetSpecs(2), { modelsPerShard: 65 }, /invalid prop "modelsPerShard" \(65\)/],
    ['an absolute dataset prefix', fleetSpecs(2), { datasetPrefix: '/datasets/' }, /invalid prop "datasetPrefix" \("\/datasets\/"\): must be a relative S3 prefix ending in "\/"/],
    ['an output prefix without the trailing slash', fleetSpecs(2), { outputPrefix: 'training' }, /invalid prop "outputPrefix"/],
    ['a negative recorded shard', fleetSpecs(2), { shardAssignments: { 'fraud-0000': -1 } }, /invalid prop "shardAssignments" \({"fraud-0000":-1}\): recorded shard of model "fraud-0000" must be an integer >= 0/],
  ])('rejects %s', (_what, models, factory, message) => {
    expect(attempt(models as ReturnType<typeof fleetSpecs>, factory)).toThrow(message);
  });

  test('the error names the construct path', () => {
    expect(attempt([], {})).toThrow(/\[cdk-mlops\] Fleet\/Fleet: invalid prop "models"/);
  });
});
