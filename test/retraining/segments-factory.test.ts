// ModelFactory specs with segments (issue 12, item 5): each segment of a spec is monitored and retrained as
// `<model>-<segment>` with the factory's footprint (one SSM parameter holding both records, RBAC in the model's chart,
// the segment canary's own 5xx alarm). The fleet's state machines run locally (bin/simulate) on the segment's record.
import '../../bin/simulate/polyfill';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mergeStacks } from '../../bin/simulate/assembly';
import { Template as CfnTemplate } from '../../bin/simulate/cfn';
import { extract, LoadedStack, runScenario } from '../../bin/simulate/run';
import { fleetSpecs, ModelFactoryStack } from '../../examples/model-factory';
import { CaptureStream, FactoryModelSpec } from '../../lib';
import { podSpecs, restrictedViolations, validateK8s } from '../inference/k8s-checks';
import { synthWithNag } from '../util/nag';

function fleet(models: FactoryModelSpec[]) {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true }, builtinCloudFormationValidation: false });
  const stack = new ModelFactoryStack(app, 'Fleet', { models });
  return { app, stack };
}

const specs = fleetSpecs(3);
const shop: FactoryModelSpec = {
  ...specs[1],
  segments: [
    { name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v1-eu', retrain: { maxRetrainsPerPeriod: 6 } },
    { name: 'us', match: { header: 'X-Market', values: ['us'] }, modelVersion: 'v1-us' },
  ],
};
const name = shop.modelName;

let loaded: LoadedStack;
let shard: Template;
beforeAll(() => {
  const { app, stack } = fleet([specs[0], shop, specs[2]]);
  const assembly = app.synth();
  const stacks = [stack, ...stack.factory.shardStacks]
    .map((s) => ({ stackName: s.stackName, template: assembly.getStackByName(s.stackName).template as CfnTemplate }));
  loaded = extract(mergeStacks(stacks), stack.stackName);
  shard = Template.fromJSON(assembly.getStackByName(stack.factory.shardStacks[0].stackName).template);
});

describe('a factory model with segments', () => {
  test('one record per segment (in its drift configuration), its own alarms, package group and training', () => {
    expect([...loaded.records.keys()].filter((k) => k.startsWith(name)).sort()).toEqual([name, `${name}-eu`, `${name}-us`]);
    const eu = loaded.records.get(`${name}-eu`);
    // One parameter holds both records: the drift monitor's (model, segment) and the retraining record.
    expect(eu).toMatchObject({ model: name, segment: 'eu', variants: ['eu', 'eu-canary'], modelName: `${name}-eu`, maxRetrainsPerPeriod: 6 });
    expect(eu.baseline.key).toBe(`training/models/${name}-eu/baseline.json`);
    expect(eu.trainingInput).toMatchObject({ modelName: `${name}-eu`, instanceType: shop.training!.instanceType });
    expect(eu.eks).toMatchObject({ primaryDeployment: `${name}-eu`, canaryDeployment: `${name}-eu-canary` });
    // The segment canary's own 5xx metric, judged by the bake (no canary-errors alarm): ModelName + its canary variant.
    const quality = eu.canaryAlarmNames;
    expect(quality.every((n: string) => n.endsWith(`-${name}-eu-quality`))).toBe(true);
    const metrics = eu.canaryMetricQueries.filter((q: any) => q.MetricStat).map((q: any) => q.MetricStat);
    expect(metrics).toEqual([{
      Metric: { Namespace: CaptureStream.METRICS_NAMESPACE, MetricName: 'Errors', Dimensions: [{ Name: 'ModelName', Value: name }, { Name: 'Variant', Value: 'eu-canary' }] },
      Period: 60,
      Stat: 'Sum',
    }]);
    const alarms = Object.values(shard.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const drift = alarms.find((a) => String(a.AlarmName).endsWith(`-${name}-eu-drift`));
    expect(drift.Dimensions).toEqual([{ Name: 'ModelName', Value: name }, { Name: 'Segment', Value: 'eu' }]);
    expect(alarms.filter((a) => String(a.AlarmName).includes('canary-errors'))).toEqual([]);
  });

  test('the shard\'s pod role lets only this model\'s pods read its segments\' candidates and champions', () => {
    const statements = Object.values(shard.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const own = statements.filter((s: any) => s.Condition?.StringEquals?.['aws:PrincipalTag/kubernetes-namespace'] === name);
    expect(own.map((s: any) => s.Action).sort()).toEqual(['s3:GetObject', 'ssm:GetParameter']);
    expect(JSON.stringify(own)).toMatch(new RegExp(`training/models/${name}-eu/\\*`));
    expect(JSON.stringify(own)).toMatch(new RegExp(`champions/${name}-us`));
  });

  test('the segments\' Deployments and canaries render and validate (kubernetes-models, Pod Security "restricted")', () => {
    const objects = loaded.k8sObjects.filter((o) => o?.metadata?.namespace === name);
    for (const n of [`${name}-eu`, `${name}-eu-canary`, `${name}-us`, `${name}-us-canary`]) {
      expect(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === n)).toBeDefined();
    }
    for (const o of objects) validateK8s(o);
    for (const p of objects.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test('executed locally: the EU segment\'s drift alarm retrains and promotes the EU segment', async () => {
    const result = await runScenario(loaded, { name: 'factory-eu', model: `${name}-eu` });
    expect(result.outcome).toBe('promoted');
    expect(result.championAfter.modelArtifactUri).toMatch(new RegExp(`/training/models/${name}-eu/.+/output/model\\.tar\\.gz$`));
    expect(result.invariants).toEqual(Object.fromEntries(Object.keys(result.invariants).map((k) => [k, true])));
  }, 120_000);

  test('no unacknowledged cdk-nag finding (AwsSolutions): the segments\' read grants are exact or acknowledged with a reason', () => {
    const { app } = fleet([specs[0], shop, specs[2]]);
    const nag = synthWithNag(app);
    expect((nag.synthError as Error | undefined)?.message).toBeUndefined();
    expect(nag.findings).toEqual([]);
  }, 120_000);

  test('a segment named so that it collides with another model is a validation error', () => {
    expect(() => fleet([{ ...specs[0], modelName: `${name}-eu` }, shop])).toThrow(/models\[1\]\.segments\[0\]\.name.*"eu".*the name of another model of the fleet/);
  });
});
