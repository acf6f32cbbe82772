// renderModel and the prefix grants: one RetrainTrigger for a fleet whose records and RBAC live in
// other stacks (what ModelFactory does), with a state machine policy whose size does not grow per model.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RetrainModelOptions, RetrainTrigger } from '../../lib';
import { testApp } from '../util/synth';

function build(
  models: number, prefixes: boolean, render: boolean, extra?: (t: RetrainTrigger, s: Stack, o: (name: string) => RetrainModelOptions) => void,
) {
  const stack = new Stack(testApp(), 'Fleet');
  const training = sfn.StateMachine.fromStateMachineName(stack, 'Training', 'fleet-training');
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'gpu', clusterEndpoint: 'https://example.eks.amazonaws.com', clusterCertificateAuthorityData: 'Q0E=',
  });
  const trigger = new RetrainTrigger(stack, 'Retrain', {
    trainingStateMachine: training,
    alarmPrefix: 'fleet-mlops',
    ...(prefixes ? { canaryAlarmNamePrefix: 'fleet-mlops-', modelPackageGroupPrefix: 'mlops-' } : {}),
  });
  const options = (name: string): RetrainModelOptions => ({
    modelName: name, cluster, namespace: name,
    primaryDeployment: `${name}-primary`, canaryDeployment: `${name}-canary`,
    primaryService: `${name}-primary`, canaryService: `${name}-canary`, servicePort: 80,
    ingressName: name, ingressActionName: 'weighted-routing',
    canaryAlarms: [cloudwatch.Alarm.fromAlarmName(stack, `${name}-quality`, `fleet-mlops-${name}-quality`)],
    initialModelArtifactUri: `s3://fleet-models/training/models/${name}/v1/`, initialModelVersion: 'v1',
    modelPackageGroupName: `mlops-${name}`,
  });
  const renderings = Array.from({ length: models }, (_, i) => `m${i}`).map((m) => (render ? trigger.renderModel(options(m)) : (trigger.addModel(options(m)), undefined)));
  extra?.(trigger, stack, options);
  return { stack, trigger, renderings, template: Template.fromStack(stack), options };
}

function stateMachinePolicy(t: Template): string {
  const policies = Object.entries<any>(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('StateMachineRole'));
  return JSON.stringify(policies.map(([, p]) => p.Properties.PolicyDocument));
}

test('renderModel adds no resource per model', () => {
  const one = build(1, true, true);
  const many = build(30, true, true);
  const count = (t: Template) => Object.keys(t.toJSON().Resources).length;
  expect(count(many.template)).toBe(count(one.template));
  many.template.resourceCountIs('AWS::SSM::Parameter', 1); // the trigger's operations record, not a record per model
  many.template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 0);
  many.template.resourceCountIs('AWS::EKS::AccessEntry', 1);
  expect(many.trigger.modelNames).toHaveLength(30);
});

test('the rendering is what addModel stores: the record under <configPath><model>, and the RBAC objects', () => {
  const rendered = build(1, false, true);
  const added = build(1, false, false);
  const r = rendered.renderings[0]!;
  expect(r.parameterName).toBe('/cdk-mlops/retrain/fleet-mlops/m0');
  const param = Object.values<any>(added.template.findResources('AWS::SSM::Parameter')).find((p) => p.Properties.Name === r.parameterName);
  expect(param.Properties.Name).toBe(r.parameterName);
  expect(JSON.parse(param.Properties.Value)).toEqual(rendered.stack.resolve(r.record));
  // (This imported cluster has no kubectl provider, so addModel leaves the RBAC objects to the user.)
  expect(r.kubernetesObjects[1].subjects?.[0].name).toMatch(/^cdk-mlops-retrain-[0-9a-f]{10}$/);
  expect(r.kubernetesObjects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['Role/m0/cdk-mlops-retrain-m0', 'RoleBinding/m0/cdk-mlops-retrain-m0']);
});

test('with the prefixes, the state machine policy does not grow with the models', () => {
  const few = stateMachinePolicy(build(2, true, true).template);
  const many = stateMachinePolicy(build(40, true, true).template);
  expect(many.length).toBe(few.length);
  expect(many).toContain(':alarm:fleet-mlops-*');
  expect(many).toContain(':model-package/mlops-*/*');
  expect(many).not.toContain('m39');
});

test('without the prefixes every alarm and group is listed (unchanged behaviour)', () => {
  const policy = stateMachinePolicy(build(3, false, false).template);
  for (const m of ['m0', 'm1', 'm2']) {
    expect(policy).toContain(`fleet-mlops-${m}-quality`);
    expect(policy).toContain(`model-package/mlops-${m}/*`);
  }
});

test('alarms outside the prefix are still listed one by one', () => {
  const f = build(0, true, true, (t, stack, options) => {
    t.renderModel({ ...options('x'), canaryAlarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Other', 'team-x-latency')] });
  });
  expect(stateMachinePolicy(f.template)).toContain('team-x-latency');
  void iam;
});

test('invalid prefixes are validation errors', () => {
  const stack = new Stack(testApp(), 'Bad');
  const training = sfn.StateMachine.fromStateMachineName(stack, 'Training', 't');
  expect(() => new RetrainTrigger(stack, 'A', { trainingStateMachine: training, alarmPrefix: 'p', canaryAlarmNamePrefix: 'a b' }))
    .toThrow(/invalid prop "canaryAlarmNamePrefix" \("a b"\)/);
  expect(() => new RetrainTrigger(stack, 'B', { trainingStateMachine: training, alarmPrefix: 'p', modelPackageGroupPrefix: '-x' }))
    .toThrow(/invalid prop "modelPackageGroupPrefix" \("-x"\)/);
});
