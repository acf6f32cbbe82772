// GpuCluster installs the Amazon CloudWatch Observability EKS add-on so the ModelDashboard's GPU widget has data.
// Docs: Amazon CloudWatch User Guide, "Quick start with the Amazon CloudWatch Observability EKS add-on" (add-on
// `amazon-cloudwatch-observability`; from version 3.1.0 EKS Pod Identity for the `cloudwatch-agent` service account
// with `CloudWatchAgentServerPolicy`) and "Amazon EKS and Kubernetes Container Insights with enhanced observability
// metrics" (namespace `ContainerInsights`, NVIDIA GPU metrics `pod_gpu_utilization`, `node_gpu_utilization`;
// dimensions ClusterName, Namespace, ...). Auto Mode clusters take the add-on like any EKS cluster (aws-samples
// "sample-aws-eks-auto-mode", Observability with CloudWatch Container Insights); Auto Mode runs the Pod Identity Agent.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { GpuCluster, ModelDashboard, ModelEndpoint } from '../../lib';
import {
  CLOUDWATCH_AGENT_SERVICE_ACCOUNT, CLOUDWATCH_OBSERVABILITY_ADDON, CONTAINER_INSIGHTS_NAMESPACE, POD_GPU_UTILIZATION,
} from '../../lib/contracts/container-insights';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';

function build(app: App, props: { containerInsights?: boolean } = {}) {
  const stack = new Stack(app, `Gpu${props.containerInsights === false ? 'Off' : 'On'}`, { env: { account: '123456789012', region: 'us-east-1' } });
  const gpu = new GpuCluster(stack, 'Gpu', props);
  const bucket = new s3.Bucket(stack, 'Artifacts', { enforceSSL: true, serverAccessLogsPrefix: 'access/' });
  const endpoint = new ModelEndpoint(stack, 'Fraud', {
    cluster: gpu.cluster, modelName: 'fraud', image: 'public.ecr.aws/acme/serve@sha256:' + 'ab'.repeat(32),
    modelArtifact: { bucket, prefix: 'models/fraud/' }, resources: { cpu: '2', memory: '8Gi', gpuCount: 1 },
    variants: [{ name: 'primary', modelVersion: 'v1', weight: 100 }],
  });
  new ModelDashboard(stack, 'Dashboard', { endpoint });
  return { stack, gpu };
}

describe('GpuCluster: the CloudWatch Observability add-on (on by default)', () => {
  const app = testApp();
  const { stack, gpu } = build(app);
  const nag = synthWithNag(app);
  const t = Template.fromStack(stack);

  test('the add-on, with a Pod Identity association for the agent\'s service account', () => {
    t.resourceCountIs('AWS::EKS::Addon', 1);
    t.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'amazon-cloudwatch-observability',
      ClusterName: { Ref: Match.stringLikeRegexp('Cluster') },
      PodIdentityAssociations: [{ ServiceAccount: 'cloudwatch-agent', RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(gpu.cloudWatchAgentRole!.node.defaultChild as any), 'Arn'] } }],
      ResolveConflicts: 'OVERWRITE',
    });
    expect(CLOUDWATCH_OBSERVABILITY_ADDON).toBe('amazon-cloudwatch-observability');
    expect(CLOUDWATCH_AGENT_SERVICE_ACCOUNT).toBe('cloudwatch-agent');
    expect(gpu.observabilityAddon).toBeDefined();
  });

  test('the agent\'s role: trusted by EKS Pod Identity (sts:AssumeRole and sts:TagSession), CloudWatchAgentServerPolicy', () => {
    const role = t.toJSON().Resources[stack.getLogicalId(gpu.cloudWatchAgentRole!.node.defaultChild as any)];
    const statements = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(statements.flatMap((s: any) => [s.Action].flat())).toEqual(expect.arrayContaining(['sts:AssumeRole', 'sts:TagSession']));
    expect(statements.every((s: any) => s.Principal.Service === 'pods.eks.amazonaws.com')).toBe(true);
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(':iam::aws:policy/CloudWatchAgentServerPolicy');
  });

  test('cdk-nag: clean, the managed policy acknowledged with a reason', () => {
    expect(nag.synthError).toBeUndefined();
    expect(nag.findings).toEqual([]);
  });

  test('the dashboard\'s GPU widget reads what the add-on publishes, on this cluster', () => {
    const dashboards = t.findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards).map((d: any) => d.Properties.DashboardBody));
    expect(body).toContain(`SELECT AVG(${POD_GPU_UTILIZATION}) FROM \\\\\\"${CONTAINER_INSIGHTS_NAMESPACE}\\\\\\" WHERE ClusterName = `);
    expect(POD_GPU_UTILIZATION).toBe('pod_gpu_utilization');
    expect(CONTAINER_INSIGHTS_NAMESPACE).toBe('ContainerInsights');
  });
});

test('containerInsights: false installs no add-on and no agent role', () => {
  const app = testApp();
  const { stack, gpu } = build(app, { containerInsights: false });
  const t = Template.fromStack(stack);
  t.resourceCountIs('AWS::EKS::Addon', 0);
  expect(gpu.observabilityAddon).toBeUndefined();
  expect(gpu.cloudWatchAgentRole).toBeUndefined();
  expect(JSON.stringify(t.toJSON())).not.toContain('CloudWatchAgentServerPolicy');
});
