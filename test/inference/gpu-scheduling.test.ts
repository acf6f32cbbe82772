import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { GpuCapacityType, GpuCluster, ModelEndpoint } from '../../lib';
import { testApp } from '../util/synth';
import { endpointObjects, manifestObjects } from './k8s-checks';

// Schedulability of GPU pods, checked on the rendered objects with the scheduler's documented rules:
// - nodeSelector: every key/value must be a label of the node
//   (https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodeselector);
// - taints and tolerations: a NoSchedule taint repels every pod without a matching toleration; a toleration
//   matches when the keys are equal (or the key is empty with Exists), the effects are equal (or the toleration's
//   is empty), and the operator is Exists or Equal with the same value
//   (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/).
const app = testApp();
const stack = new Stack(app, 'Gpu');
const gpu = new GpuCluster(stack, 'Cluster', {
  gpuInstanceFamilies: ['g6', 'g6e', 'p5'], gpuCapacityTypes: [GpuCapacityType.SPOT, GpuCapacityType.ON_DEMAND], maxGpus: 24,
});
const bucket = new s3.Bucket(stack, 'Artifacts', { enforceSSL: true });
const llm = new ModelEndpoint(stack, 'Llm', {
  cluster: gpu.cluster, modelName: 'llm', image: 'example/llm:1.0.0',
  modelArtifact: { bucket, prefix: 'models/llm/' }, resources: { gpuCount: 4, memory: '64Gi', cpu: '8' },
  variants: [{ name: 'primary', modelVersion: 'v1', weight: 100, minReplicas: 1, maxReplicas: 6 }],
});
const json = Template.fromStack(stack).toJSON();
const manifests = manifestObjects(json);
const all = Object.values(manifests).flat();
const nodePools = all.filter((o) => o.kind === 'NodePool');
const gpuDeployments = endpointObjects(json)(llm)
  .filter((o) => o.kind === 'Deployment' && o.spec.template.spec.containers.some((c: any) => c.resources?.limits?.['nvidia.com/gpu']));

function tolerates(tolerations: any[], taint: any): boolean {
  return tolerations.some((t) => (t.key === taint.key || (!t.key && t.operator === 'Exists'))
    && (!t.effect || t.effect === taint.effect)
    && (t.operator === 'Exists' || ((t.operator ?? 'Equal') === 'Equal' && t.value === taint.value)));
}
function schedulableOn(pod: any, pool: any): boolean {
  const labels = pool.spec.template.metadata?.labels ?? {};
  const selectorOk = Object.entries(pod.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const taintsOk = (pool.spec.template.spec.taints ?? []).filter((t: any) => t.effect !== 'PreferNoSchedule')
    .every((t: any) => tolerates(pod.tolerations ?? [], t));
  return selectorOk && taintsOk;
}

describe('GPU pods schedule on the Auto Mode GPU NodePool', () => {
  test('the cluster runs EKS Auto Mode with its system and general-purpose pools', () => {
    const cluster = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::EKS::Cluster');
    expect(cluster.Properties.ComputeConfig).toMatchObject({ Enabled: true, NodePools: ['system', 'general-purpose'] });
    expect(Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::EKS::Nodegroup')).toEqual([]);
  });

  test('every GPU Deployment matches at least one node pool\'s labels and taints', () => {
    expect(gpuDeployments.length).toBe(1);
    for (const d of gpuDeployments) {
      expect(nodePools.filter((p) => schedulableOn(d.spec.template.spec, p)).map((p) => p.metadata.name)).toEqual(['cdk-mlops-gpu']);
    }
  });

  test('no device-plugin chart is installed (Auto Mode serves nvidia.com/gpu itself), so no plugin affinity can miss the nodes', () => {
    const charts = Object.values<any>(json.Resources).filter((r) => r.Type === 'Custom::AWSCDK-EKS-HelmChart');
    expect(charts.map((c) => c.Properties.Chart)).not.toContain('nvidia-device-plugin');
    expect(() => new GpuCluster(new Stack(testApp(), 'P'), 'C', { installNvidiaDevicePlugin: true })).toThrow(/installNvidiaDevicePlugin/);
  });

  test('the GPU NodePool takes families, capacity types and the GPU limit from the props, and consolidates within a budget', () => {
    const [pool] = nodePools;
    expect(pool.apiVersion).toBe('karpenter.sh/v1');
    expect(pool.spec.template.spec.nodeClassRef).toEqual({ group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' });
    const req = Object.fromEntries(pool.spec.template.spec.requirements.map((r: any) => [r.key, r.values]));
    expect(req['eks.amazonaws.com/instance-family']).toEqual(['g6', 'g6e', 'p5']);
    expect(req['karpenter.sh/capacity-type']).toEqual(['spot', 'on-demand']);
    expect(pool.spec.limits).toEqual({ 'nvidia.com/gpu': 24 });
    expect(pool.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '600s', budgets: [{ nodes: '10%' }] });
  });

  test('the last ready replica is never evicted: a single-replica floor gets minAvailable 1', () => {
    const pdb = all.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'llm-primary');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'llm', 'cdk-mlops.io/variant': 'primary' } } });
  });

  test('a GPU limit below one replica\'s need is a validation error', () => {
    const s = new Stack(testApp(), 'Small');
    const small = new GpuCluster(s, 'C', { maxGpus: 2 });
    expect(() => new ModelEndpoint(s, 'Big', {
      cluster: small.cluster, modelName: 'big', image: 'example/big:1.0.0', resources: { gpuCount: 4 },
      modelArtifact: { bucket: new s3.Bucket(s, 'B'), prefix: 'm/' },
    })).toThrow('[cdk-mlops] Small/Big: invalid prop "resources.gpuCount" (4): must be <= the cluster\'s GPU limit (GpuCluster maxGpus = 2): one replica would never fit');
  });
});
