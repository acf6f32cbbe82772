// Canary, promote and rollback on a private-endpoint cluster: Step Functions' eks:call supports only clusters with a
// public endpoint (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eks.html), so the RetrainTrigger calls
// the Kubernetes API from a function in the cluster's VPC, mapped by an EKS access entry to the model namespaces' RBAC.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RetrainModelOptions, RetrainTrigger } from '../../lib';
import { testApp } from '../util/synth';

function setup(
  access: eks.EndpointAccess,
  more?: (stack: Stack, trigger: RetrainTrigger, options: (c: eks.ICluster, m: string) => RetrainModelOptions) => void,
  pre?: (c: eks.Cluster) => void,
) {
  const stack = new Stack(testApp(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new eks.Cluster(stack, 'Cluster', { version: eks.KubernetesVersion.V1_35, vpc, endpointAccess: access, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 });
  pre?.(cluster);
  const trigger = new RetrainTrigger(stack, 'T', { trainingStateMachine: sfn.StateMachine.fromStateMachineName(stack, 'Training', 'training'), alarmPrefix: 'p' });
  const options = (c: eks.ICluster, m: string): RetrainModelOptions => ({
    modelName: m, cluster: c, namespace: m, primaryDeployment: `${m}-primary`, canaryDeployment: `${m}-canary`,
    primaryService: `${m}-primary`, canaryService: `${m}-canary`, servicePort: 80, ingressName: m, ingressActionName: 'weighted-routing',
    canaryAlarms: [cloudwatch.Alarm.fromAlarmName(stack, `A-${m}`, `p-${m}-canary-errors`)],
    initialModelArtifactUri: `s3://models-bucket/${m}/v1/`, initialModelVersion: 'v1',
  });
  trigger.renderModel(options(cluster, 'fraud'));
  more?.(stack, trigger, options);
  return { stack, trigger, cluster, vpc, options };
}

function kubeResources(template: any): string[] {
  const sm = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const text = JSON.stringify(sm.Properties.DefinitionString);
  return ['PatchCanary', 'GetCanary', 'ShiftTraffic', 'PatchPrimary', 'RestoreTrafficOnRollback', 'CleanupRestorePrimary'].map((state) => {
    const i = text.indexOf(`\\"${state}\\":`);
    return text.slice(i, i + 400).includes('states:::eks:call') ? 'eks:call' : text.slice(i, i + 400).includes('KubeCaller') ? 'in-vpc' : 'other';
  });
}

test('a private-endpoint cluster: every Kubernetes call goes to the in-VPC caller, which the access entry maps', () => {
  const { stack } = setup(eks.EndpointAccess.PRIVATE);
  const t = Template.fromStack(stack);
  const json = t.toJSON();
  expect(new Set(kubeResources(json))).toEqual(new Set(['in-vpc']));
  const fn = Object.entries<any>(json.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('KubeCaller'))!;
  expect(fn[1].Properties.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
  const entry = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::EKS::AccessEntry');
  expect(JSON.stringify(entry.Properties.PrincipalArn)).toContain('KubeCallerRole');
  // The cluster's security group admits the caller on 443; the state machine may invoke exactly the caller.
  const ingress = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.FromPort === 443);
  expect(ingress.some((r) => JSON.stringify(r.Properties.SourceSecurityGroupId).includes('KubeCallerSecurityGroup'))).toBe(true);
  const policies = JSON.stringify(Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').map((r) => r.Properties));
  expect(policies).toContain('"Sid":"CallKubernetesApi"');
});

test('a public endpoint: eks:call, no caller, the state machine role in the access entry', () => {
  const { stack } = setup(eks.EndpointAccess.PUBLIC_AND_PRIVATE);
  const json = Template.fromStack(stack).toJSON();
  expect(new Set(kubeResources(json))).toEqual(new Set(['eks:call']));
  expect(Object.keys(json.Resources).some((id) => id.includes('KubeCaller'))).toBe(false);
  const entry = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::EKS::AccessEntry');
  expect(JSON.stringify(entry.Properties.PrincipalArn)).toContain('StateMachineRole');
});

test('a public endpoint restricted by CIDR (Step Functions\' addresses not admitted): the in-VPC caller through the private endpoint', () => {
  const { stack } = setup(eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom('203.0.113.0/24'));
  expect(new Set(kubeResources(Template.fromStack(stack).toJSON()))).toEqual(new Set(['in-vpc']));
});

test('a public endpoint restricted by CIDR with no private endpoint is unreachable: MlopsValidationError says what to change', () => {
  const restrict = (c: eks.Cluster) => {
    (c.node.defaultChild as eks.CfnCluster).resourcesVpcConfig = { subnetIds: ['subnet-1'], endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['203.0.113.0/24'] };
  };
  expect(() => setup(eks.EndpointAccess.PUBLIC, undefined, restrict)).toThrow(
    /invalid prop "cluster" \("S\/Cluster"\): has a public endpoint restricted to publicAccessCidrs and no private endpoint: .*give it EndpointAccess.PRIVATE \(the GpuCluster default\) or PUBLIC_AND_PRIVATE/);
});

test('a private cluster in another VPC than the caller\'s: MlopsValidationError', () => {
  expect(() => setup(eks.EndpointAccess.PRIVATE, (stack, trigger, options) => {
    const other = new eks.Cluster(stack, 'Other', { version: eks.KubernetesVersion.V1_35, vpc: new ec2.Vpc(stack, 'OtherVpc', { maxAzs: 2, natGateways: 1 }), endpointAccess: eks.EndpointAccess.PRIVATE, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 });
    trigger.renderModel(options(other, 'churn'));
  })).toThrow(/invalid prop "cluster" \("S\/Other"\): is not in the VPC of S\/Cluster.*register models of clusters in other VPCs with another RetrainTrigger/);
});
