/**
 * Request-driven pod autoscaling (issue 12 item 3): GpuCluster installs KEDA, each variant of a ModelEndpoint gets a
 * KEDA ScaledObject on the in-flight requests its capture sidecar publishes (lib/contracts/autoscaling-signal.ts);
 * CPU stays an option (a plain HPA), and no endpoint scales on a metric nothing serves.
 *
 * References (read for this file):
 * - KEDA chart values at the pinned tag: kedacore/charts v2.20.2 keda/values.yaml (crds.install true,
 *   serviceAccount.operator.name "keda-operator", podIdentity.aws.irsa off) and the CRDs under keda/templates/crds/.
 * - aws-cloudwatch scaler: https://keda.sh/docs/scalers/aws-cloudwatch (namespace, dimensionName/dimensionValue with
 *   ";" separators, metricName, metricStat, metricStatPeriod, metricCollectionTime, targetMetricValue, minMetricValue,
 *   awsRegion; the trigger's identityOwner is deprecated since 2.13 in favour of a TriggerAuthentication).
 * - AWS pod identity provider: https://keda.sh/docs/2.14/authentication-providers/aws (provider "aws", identityOwner
 *   "keda" = the operator's own role; roleArn and identityOwner are mutually exclusive).
 * - HPA behavior (stabilizationWindowSeconds, policies):
 *   https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
 * - EKS Pod Identity trust policy (sts:AssumeRole + sts:TagSession for pods.eks.amazonaws.com):
 *   https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
 */
import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { App as Cdk8sApp } from 'cdk8s';
import { readAppSettings } from '../../bin/capacity/app';
import {
  IN_FLIGHT_DIMENSIONS, IN_FLIGHT_METRIC_NAME, IN_FLIGHT_QUERY, INFERENCE_METRICS_NAMESPACE,
} from '../../lib/contracts/autoscaling-signal';
import { GpuCluster } from '../../lib/inference/gpu-cluster';
import { InferenceService } from '../../lib/inference/inference-service';
import { ModelEndpoint } from '../../lib/inference/model-endpoint';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';
import { endpointObjects, kedaViolations, podSpecs, restrictedViolations, validateK8s } from './k8s-checks';

const app = testApp();
const stack = new Stack(app, 'Keda');
const gpu = new GpuCluster(stack, 'Gpu');
const bucket = new s3.Bucket(stack, 'Artifacts', { enforceSSL: true, encryption: s3.BucketEncryption.S3_MANAGED });
Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'test bucket for model artifacts; access logs are not what this test is about' });
const common = { cluster: gpu.cluster, image: 'example/server:1.0.0', modelArtifact: { bucket, prefix: 'models/' } };

// The default: capture on, no CPU target -> request-driven, with a pre-scaling window and a segment.
const fraud = new ModelEndpoint(stack, 'Fraud', {
  ...common,
  modelName: 'fraud',
  resources: { gpuCount: 1 },
  autoscaling: { minReplicas: 2, maxReplicas: 12, scaleDownStabilizationSeconds: 600 },
  variants: [{ name: 'primary', modelVersion: 'v7', weight: 90 }, { name: 'canary', modelVersion: 'v8', weight: 10, minReplicas: 1, maxReplicas: 3 }],
  segments: [{ name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu', maxReplicas: 5 }],
  scheduledScaling: [{ name: 'black-friday', start: '2026-11-26T18:00', end: '2026-12-01T06:00', timeZone: 'America/New_York', minReplicas: 20 }],
});
// An explicit target.
const eta = new ModelEndpoint(stack, 'Eta', {
  ...common,
  modelName: 'eta',
  autoscaling: { targetInFlightRequests: 16 },
  variants: [{ name: 'primary', modelVersion: '1', weight: 100 }],
});
// The CPU option: a plain HPA, and its pre-scaler patches the HPA.
const churn = new ModelEndpoint(stack, 'Churn', {
  ...common,
  modelName: 'churn',
  autoscaling: { targetCpuUtilization: 60 },
  variants: [{ name: 'primary', modelVersion: '3', weight: 100 }],
  scheduledScaling: [{ name: 'month-end', start: '2026-11-30T00:00', end: '2026-11-30T23:00', timeZone: 'Europe/Berlin', minReplicas: 4 }],
});
// Without the sidecar's metrics nothing publishes the signal: CPU.
const plain = new ModelEndpoint(stack, 'Plain', {
  ...common,
  modelName: 'plain',
  capture: { requestMetrics: false },
  variants: [{ name: 'primary', modelVersion: '1', weight: 100 }],
});

const nag = synthWithNag(app);
const template = Template.fromStack(stack);
const json = template.toJSON();
const objects = endpointObjects(json);
const find = (e: ModelEndpoint, kind: string, name: string) => {
  const o = objects(e).find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o;
};
const kinds = (e: ModelEndpoint, kind: string) => objects(e).filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
const envOf = (c: any) => Object.fromEntries(c.env.map((x: any) => [x.name, x.value]));

describe('GpuCluster installs KEDA', () => {
  test('the keda chart at the pinned version, in its own namespace, after the operator\'s Pod Identity association', () => {
    expect(GpuCluster.KEDA_CHART_VERSION).toBe('2.20.2');
    const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'keda' } });
    expect(Object.keys(charts)).toHaveLength(1);
    const [id, chart] = Object.entries<any>(charts)[0];
    expect(chart.Properties).toMatchObject({
      Release: 'keda', Version: '2.20.2', Namespace: 'keda', CreateNamespace: true, Wait: true,
      Repository: 'https://kedacore.github.io/charts',
    });
    expect(JSON.parse(chart.Properties.Values)).toEqual({ serviceAccount: { operator: { create: true, name: 'keda-operator' } } });
    const association = Object.entries<any>(template.findResources('AWS::EKS::PodIdentityAssociation'))
      .find(([, a]) => a.Properties.Namespace === 'keda')!;
    expect(association[1].Properties).toMatchObject({
      ServiceAccount: 'keda-operator',
      RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(gpu.kedaOperatorRole.node.defaultChild as CfnResource), 'Arn'] },
    });
    expect(chart.DependsOn).toContain(association[0]);
    // Every manifest with ScaledObjects waits for the chart (its CRDs and admission webhook).
    expect(json.Resources[stack.getLogicalId(fraud.manifest.node.defaultChild as CfnResource)].DependsOn).toContain(id);
    expect(json.Resources[stack.getLogicalId(churn.manifest.node.defaultChild as CfnResource)].DependsOn ?? []).not.toContain(id);
  });

  test('the operator role: assumed by EKS Pod Identity, allowed cloudwatch:GetMetricData and nothing else', () => {
    const roleId = stack.getLogicalId(gpu.kedaOperatorRole.node.defaultChild as CfnResource);
    const role = json.Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' } },
      { Action: 'sts:TagSession', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' } },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      { Sid: 'ReadScalingMetrics', Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' },
    ]);
  });

  test('cdk-nag (AwsSolutions) is clean: the GetMetricData wildcard is acknowledged with its reason', () => {
    expect(nag.synthError).toBeUndefined();
    expect(nag.findings).toEqual([]);
  });
});

describe('ModelEndpoint scales on in-flight requests by default', () => {
  test('each variant and segment gets a ScaledObject and no HPA; the namespace one TriggerAuthentication', () => {
    expect(kinds(fraud, 'ScaledObject')).toEqual(['fraud-canary', 'fraud-eu', 'fraud-primary']);
    expect(kinds(fraud, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(kinds(fraud, 'TriggerAuthentication')).toEqual(['cdk-mlops-keda-aws']);
    expect(find(fraud, 'TriggerAuthentication', 'cdk-mlops-keda-aws').spec).toEqual({ podIdentity: { provider: 'aws', identityOwner: 'keda' } });
    expect(kinds(churn, 'ScaledObject')).toEqual([]);
    expect(kinds(churn, 'TriggerAuthentication')).toEqual([]);
    expect(kinds(churn, 'HorizontalPodAutoscaler')).toEqual(['churn-primary']);
    expect(kinds(plain, 'HorizontalPodAutoscaler')).toEqual(['plain-primary']);
  });

  test('the trigger reads exactly the metric the variant\'s own sidecar publishes (contract on both sides)', () => {
    for (const [name, variant] of [['fraud-primary', 'primary'], ['fraud-canary', 'canary'], ['fraud-eu', 'eu']]) {
      const so = find(fraud, 'ScaledObject', name);
      const sidecar = find(fraud, 'Deployment', name).spec.template.spec.containers.find((c: any) => c.name === 'capture');
      const env = envOf(sidecar);
      expect(env.METRICS_NAMESPACE).toBe(INFERENCE_METRICS_NAMESPACE);
      const [trigger] = so.spec.triggers;
      expect(so.spec.triggers).toHaveLength(1);
      expect(trigger).toMatchObject({
        type: 'aws-cloudwatch', metricType: 'Value', authenticationRef: { name: 'cdk-mlops-keda-aws', kind: 'TriggerAuthentication' },
      });
      expect(trigger.metadata).toEqual({
        namespace: env.METRICS_NAMESPACE,
        metricName: IN_FLIGHT_METRIC_NAME,
        dimensionName: IN_FLIGHT_DIMENSIONS.join(';'),
        // what the sidecar puts in the datum's dimensions: MODEL_NAME and VARIANT
        dimensionValue: `${env.MODEL_NAME};${env.VARIANT}`,
        metricStat: 'Average',
        metricStatPeriod: String(IN_FLIGHT_QUERY.periodSeconds),
        metricCollectionTime: String(IN_FLIGHT_QUERY.collectionSeconds),
        targetMetricValue: '4',
        minMetricValue: '0',
        awsRegion: 'CFN-TOKEN', // the stack's region
      });
      expect(env.VARIANT).toBe(variant);
      expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(so.spec.advanced.horizontalPodAutoscalerConfig.name).toBe(name);
    }
    expect(find(eta, 'ScaledObject', 'eta-primary').spec.triggers[0].metadata.targetMetricValue).toBe('16');
    // A high-resolution metric can be queried in 30-second periods; the collection time spans several.
    expect([1, 5, 10, 30].includes(IN_FLIGHT_QUERY.periodSeconds) || IN_FLIGHT_QUERY.periodSeconds % 60 === 0).toBe(true);
    expect(IN_FLIGHT_QUERY.collectionSeconds).toBeGreaterThan(IN_FLIGHT_QUERY.periodSeconds);
  });

  test('bounds per variant and the behavior: no stabilization up, >= 300 s down', () => {
    const primary = find(fraud, 'ScaledObject', 'fraud-primary').spec;
    const canary = find(fraud, 'ScaledObject', 'fraud-canary').spec;
    const eu = find(fraud, 'ScaledObject', 'fraud-eu').spec;
    expect([primary.minReplicaCount, primary.maxReplicaCount]).toEqual([2, 12]);
    expect([canary.minReplicaCount, canary.maxReplicaCount]).toEqual([1, 3]);
    expect([eu.minReplicaCount, eu.maxReplicaCount]).toEqual([2, 5]);
    for (const e of [fraud, eta]) {
      for (const so of objects(e).filter((o) => o.kind === 'ScaledObject')) {
        const b = so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
        expect(b.scaleUp.stabilizationWindowSeconds).toBe(0);
        expect(b.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
      }
    }
    expect(primary.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
    expect(find(eta, 'ScaledObject', 'eta-primary').spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    // The CPU HPA has the same behavior.
    const hpa = find(churn, 'HorizontalPodAutoscaler', 'churn-primary').spec;
    expect(hpa.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    expect(hpa.behavior).toEqual(find(eta, 'ScaledObject', 'eta-primary').spec.advanced.horizontalPodAutoscalerConfig.behavior);
  });

  test('pre-scaling patches the ScaledObjects (KEDA owns the HPA) under a Role limited to them', () => {
    const start = find(fraud, 'CronJob', 'prescale-black-friday-start');
    const patches = Object.fromEntries(start.spec.jobTemplate.spec.template.spec.containers.map((c: any) => [`${c.args[1]}/${c.args[2]}`, JSON.parse(c.args[7])]));
    expect(patches).toEqual({
      // 20 split 90/10 (ceil), capped by each variant's maxReplicas (the window sets none); segments are not pre-scaled
      'scaledobject/fraud-primary': { spec: { minReplicaCount: 12, maxReplicaCount: 12 } },
      'scaledobject/fraud-canary': { spec: { minReplicaCount: 2, maxReplicaCount: 3 } },
    });
    const end = find(fraud, 'CronJob', 'prescale-black-friday-end');
    expect(JSON.parse(end.spec.jobTemplate.spec.template.spec.containers[0].args[7])).toEqual({ spec: { minReplicaCount: 2, maxReplicaCount: 12 } });
    expect(find(fraud, 'Role', 'fraud-prescaler').rules).toEqual([{
      apiGroups: ['keda.sh'], resources: ['scaledobjects'], resourceNames: ['fraud-primary', 'fraud-canary'], verbs: ['get', 'patch'],
    }]);
    // The CPU option keeps patching its HPA.
    expect(find(churn, 'Role', 'churn-prescaler').rules[0]).toMatchObject({ apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'] });
    const churnStart = find(churn, 'CronJob', 'prescale-month-end-start').spec.jobTemplate.spec.template.spec.containers[0].args;
    expect([churnStart[1], JSON.parse(churnStart[7])]).toEqual(['horizontalpodautoscaler', { spec: { minReplicas: 4, maxReplicas: 10 } }]);
  });

  test('the capacity planner\'s --app reader takes bounds, behavior and pre-scaling windows from the ScaledObjects', () => {
    const s = readAppSettings(app.synth().directory, 'fraud', { stack: 'Keda' });
    const primary = s.targets.find((t) => t.name === 'fraud-primary')!;
    expect([primary.minReplicas, primary.maxReplicas]).toEqual([2, 12]);
    expect(primary.scaleDown?.stabilizationWindowSeconds).toBe(600);
    expect(primary.scaleUp?.stabilizationWindowSeconds).toBe(0);
    expect(primary.windows).toEqual([expect.objectContaining({ name: 'black-friday', minReplicas: 12, maxReplicas: 12 })]);
  });

  test('every rendered object validates (KEDA kinds against the pinned CRDs) and every pod passes PSS restricted', () => {
    const all = [fraud, eta, churn, plain].flatMap(objects);
    expect(all.filter((o) => o.apiVersion === 'keda.sh/v1alpha1').length).toBe(6);
    for (const o of all) expect(() => validateK8s(o)).not.toThrow();
    for (const p of all.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test('the KEDA checker catches what the CRDs reject (so the test above means something)', () => {
    const so = JSON.parse(JSON.stringify(find(fraud, 'ScaledObject', 'fraud-primary')));
    so.spec.minReplicaCount = 20;
    so.spec.maxReplicaCount = 0;
    so.spec.triggers[0].metadata.targetMetricValue = 4;
    so.spec.triggers[0].authenticationRef.kind = 'Secret';
    so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies[0].type = undefined;
    so.spec.advanced.horizontalPodAutoscalerConfig.stabilization = 0;
    so.spec.minReplicas = 1;
    const v = kedaViolations(so).join('\n');
    for (const m of ['spec.maxReplicaCount must be an integer >= 1', 'minReplicaCount must be less than or equal to maxReplicaCount',
      'metadata.targetMetricValue must be a string', 'authenticationRef.kind Secret', 'behavior:', 'horizontalPodAutoscalerConfig.stabilization is not a field',
      'spec.minReplicas is not a field']) expect(v).toContain(m);
    const auth = { apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: { name: 'a', namespace: 'n' }, spec: { podIdentity: { provider: 'aws-iam', identityOwner: 'keda', roleArn: 'arn' } } };
    expect(kedaViolations(auth)).toEqual(['spec.podIdentity.provider aws-iam not in the enum', 'spec.podIdentity.identityOwner and roleArn are mutually exclusive']);
  });
});

describe('no metric that nothing serves', () => {
  const others = () => {
    const s = new Stack(testApp(), 'Other');
    const vpc = new ec2.Vpc(s, 'Vpc');
    const cluster = new eks.Cluster(s, 'Cluster', { version: eks.KubernetesVersion.V1_35, vpc, kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(s, 'Layer') } });
    const b = new s3.Bucket(s, 'B');
    return { s, cluster, b };
  };

  test('on a cluster without KEDA (not a GpuCluster) the default is a CPU HPA', () => {
    const { s, cluster, b } = others();
    const e = new ModelEndpoint(s, 'E', { cluster, modelName: 'm', image: 'x/y:1', modelArtifact: { bucket: b, prefix: 'm/' }, variants: [{ name: 'primary', modelVersion: '1', weight: 100 }] });
    const objs = endpointObjects(Template.fromStack(s).toJSON())(e);
    expect(objs.filter((o) => o.kind === 'ScaledObject')).toEqual([]);
    expect(objs.find((o) => o.kind === 'HorizontalPodAutoscaler').spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
  });

  test('asking for in-flight scaling where it cannot work is a validation error naming the reason', () => {
    const { s, cluster, b } = others();
    const base = { image: 'x/y:1', modelArtifact: { bucket: b, prefix: 'm/' }, variants: [{ name: 'primary', modelVersion: '1', weight: 100 }] };
    expect(() => new ModelEndpoint(s, 'NoKeda', { ...base, cluster, modelName: 'a', autoscaling: { targetInFlightRequests: 8 } }))
      .toThrow(/autoscaling.targetInFlightRequests.*8.*needs KEDA in the cluster: use a GpuCluster/);
    const gs = new Stack(testApp(), 'G');
    const g = new GpuCluster(gs, 'Gpu');
    const gb = new s3.Bucket(gs, 'B');
    const gbase = { ...base, cluster: g.cluster, modelArtifact: { bucket: gb, prefix: 'm/' } };
    expect(() => new ModelEndpoint(gs, 'NoCapture', { ...gbase, modelName: 'b', capture: { enabled: false }, autoscaling: { targetInFlightRequests: 8 } }))
      .toThrow(/needs the capture sidecar's request metrics/);
    expect(() => new ModelEndpoint(gs, 'Both', { ...gbase, modelName: 'c', autoscaling: { targetInFlightRequests: 8, targetCpuUtilization: 50 } }))
      .toThrow(/targetInFlightRequests.*must not be combined with targetCpuUtilization/);
    expect(() => new ModelEndpoint(gs, 'Zero', { ...gbase, modelName: 'd', autoscaling: { targetInFlightRequests: 0 } }))
      .toThrow(/targetInFlightRequests/);
    expect(() => new GpuCluster(new Stack(testApp(), 'V'), 'Gpu', { kedaVersion: 'latest' })).toThrow(/kedaVersion.*latest/);
  });

  test('the standalone InferenceService chart: request-driven only when asked, and then it needs the region', () => {
    const props = { modelName: 'm', image: 'x/y:1', artifactBucketName: 'b', artifactPrefix: 'm/', variants: [{ name: 'primary', modelVersion: '1', weight: 100 }] };
    expect(new InferenceService(new Cdk8sApp(), 'a', props).toJson().map((o: any) => o.kind)).toContain('HorizontalPodAutoscaler');
    const keda = new InferenceService(new Cdk8sApp(), 'b', { ...props, scaleOnInFlightRequests: true, region: 'eu-west-1' }).toJson();
    expect(keda.map((o: any) => o.kind)).toEqual(expect.arrayContaining(['ScaledObject', 'TriggerAuthentication']));
    expect(keda.map((o: any) => o.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(() => new InferenceService(new Cdk8sApp(), 'c', { ...props, scaleOnInFlightRequests: true })).toThrow(/region.*awsRegion/);
  });
});
