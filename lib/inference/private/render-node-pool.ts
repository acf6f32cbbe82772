// The GPU NodePool of a GpuCluster (karpenter.sh/v1 on EKS Auto Mode, node class eks.amazonaws.com/v1 "default").
// Labels and requirement keys are the ones Auto Mode documents for its NodePools.
import { DEFAULT_GPU_NODE_SELECTOR } from './inference-options';

/** The GPU NodePool's name (GpuCluster.GPU_NODE_POOL_NAME). */
export const GPU_NODE_POOL_NAME = 'cdk-mlops-gpu';
/** The taint of GPU nodes (only pods that tolerate it land there). */
export const GPU_NODE_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };

/** What the GPU NodePool is built from. */
export interface GpuNodePoolOptions {
  readonly families: string[];
  readonly capacityTypes: string[];
  readonly maxGpus: number;
  readonly consolidateAfterSeconds: number;
  readonly budgetPercent: number;
}

/** The NodePool object. */
export function renderGpuNodePool(o: GpuNodePoolOptions): Record<string, any> {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: GPU_NODE_POOL_NAME, labels: { 'app.kubernetes.io/part-of': 'cdk-mlops' } },
    spec: {
      template: {
        metadata: { labels: { ...DEFAULT_GPU_NODE_SELECTOR } },
        spec: {
          nodeClassRef: { group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' },
          requirements: [
            { key: 'eks.amazonaws.com/instance-family', operator: 'In', values: [...o.families] },
            { key: 'eks.amazonaws.com/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: [...o.capacityTypes] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
          ],
          taints: [{ ...GPU_NODE_TAINT }],
          // Nodes are replaced after two weeks (patched AMIs), within the disruption budget.
          expireAfter: '336h',
        },
      },
      // The cost ceiling: provisioning stops when the pool holds this many GPUs.
      limits: { 'nvidia.com/gpu': o.maxGpus },
      disruption: {
        // Empty nodes and nodes whose pods fit elsewhere are removed; evictions go through the
        // Eviction API, so every model's PodDisruptionBudget (never the last ready replica) holds.
        consolidationPolicy: 'WhenEmptyOrUnderutilized',
        consolidateAfter: `${o.consolidateAfterSeconds}s`,
        budgets: [{ nodes: `${o.budgetPercent}%` }],
      },
    },
  };
}
