// ModelEndpoint podRole: several endpoints sharing one role (what ModelFactory does per shard stack).
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { GpuCluster, ModelEndpoint } from '../../lib';
import { testApp } from '../util/synth';

const stack = new Stack(testApp(), 'Shared');
const gpu = new GpuCluster(stack, 'Gpu');
const bucket = s3.Bucket.fromBucketName(stack, 'Artifacts', 'fleet-artifacts');
const role = new iam.Role(stack, 'ModelPods', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('models/${aws:PrincipalTag/kubernetes-namespace}/*')] }));
const endpoints = ['churn', 'ltv', 'eta'].map((m) => new ModelEndpoint(stack, m, {
  cluster: gpu.cluster,
  modelName: m,
  image: `example/${m}:1.0.0`,
  modelArtifact: { bucket, prefix: `models/${m}/` },
  variants: [{ name: 'primary', modelVersion: 'v1', weight: 100 }],
  podRole: role,
}));
const template = Template.fromStack(stack);

test('every endpoint runs with the given role and creates none of its own', () => {
  for (const e of endpoints) expect(e.podRole).toBe(role);
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  // (GpuCluster's own associations are the KEDA operator's, in namespace keda, and the CloudWatch agent's, held by its add-on.)
  const associations = Object.values<any>(template.findResources('AWS::EKS::PodIdentityAssociation')).filter((a) => a.Properties.Namespace !== 'keda');
  expect(associations.map((a) => a.Properties.Namespace).sort()).toEqual(['churn', 'eta', 'ltv']);
  for (const a of associations) expect(a.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  const podRoles = Object.values<any>(template.findResources('AWS::IAM::Role'))
    .filter((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('pods.eks.amazonaws.com'))
    .filter((r) => !/^(KEDA operator|CloudWatch agent)/.test(r.Properties.Description ?? ''));
  expect(podRoles).toHaveLength(1);
});

test('no per-model artifact grant; the capture grants appear once', () => {
  const policy = Object.entries<any>(template.findResources('AWS::IAM::Policy'))
    .find(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === stack.getLogicalId(role.node.defaultChild as iam.CfnRole)))![1];
  const statements = policy.Properties.PolicyDocument.Statement;
  const text = JSON.stringify(statements);
  for (const m of ['churn', 'ltv', 'eta']) expect(text).not.toContain(`models/${m}/`);
  expect(statements.filter((s: any) => JSON.stringify(s.Action).includes('firehose:PutRecordBatch'))).toHaveLength(1);
  expect(statements.filter((s: any) => JSON.stringify(s.Action).includes('cloudwatch:PutMetricData'))).toHaveLength(1);
});
