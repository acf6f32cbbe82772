// What a GpuCluster tells the ModelEndpoints on it (a cluster passed in as eks.ICluster carries no such facts):
// whether nodes come from EKS Auto Mode (which runs the Pod Identity Agent and the NVIDIA device plugin itself),
// the GPU node pool's labels and taints (what GPU pods must select and tolerate) and its GPU limit.
import { IConstruct } from 'constructs';

/** A node pool as the scheduler sees it: the labels its nodes carry and the taints they have. */
export interface NodePoolShape {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly taints: ReadonlyArray<{ key: string; value?: string; effect: string }>;
}

/** The facts GpuCluster records about its cluster. */
export interface ClusterCapabilities {
  readonly autoMode: boolean;
  readonly gpuNodePool?: NodePoolShape;
  /** The most GPUs the GPU node pool may hold (its `limits`). */
  readonly maxGpus?: number;
  /** The most GPUs one node of the pool's instance families has (a pod cannot span nodes). */
  readonly maxGpusPerNode?: number;
  /** Seconds from a pending GPU pod to a Ready GPU node (instance launch, boot, drivers). */
  readonly gpuNodeStartupSeconds?: number;
  /** KEDA as installed on the cluster (its Helm chart: manifests with ScaledObjects depend on it, for the CRDs). */
  readonly keda?: { readonly chart: IConstruct };
}

const registry = new WeakMap<IConstruct, ClusterCapabilities>();

/** Records the capabilities of a cluster (GpuCluster calls it). */
export function registerClusterCapabilities(cluster: IConstruct, c: ClusterCapabilities): void {
  registry.set(cluster, c);
}

/** The capabilities of a cluster, if GpuCluster created it. */
export function clusterCapabilities(cluster: IConstruct): ClusterCapabilities | undefined {
  return registry.get(cluster);
}

/**
 * GPUs of the largest size of each NVIDIA instance family (EC2 accelerated computing instance types:
 * g4dn.metal 8, g5.48xlarge 8, g5g.16xlarge 2, g6.48xlarge 8, g6e.48xlarge 8, gr6.8xlarge 1,
 * p3.16xlarge 8, p3dn.24xlarge 8, p4d/p4de.24xlarge 8, p5/p5e/p5en.48xlarge 8).
 */
const MAX_GPUS_PER_INSTANCE: Record<string, number> = {
  g4dn: 8, g5: 8, g5g: 2, g6: 8, g6e: 8, gr6: 1, p3: 8, p3dn: 8, p4d: 8, p4de: 8, p5: 8, p5e: 8, p5en: 8,
};

/** The most GPUs one node of these families has; undefined when a family is not in the table. */
export function maxGpusPerNode(families: readonly string[]): number | undefined {
  const counts = families.map((f) => MAX_GPUS_PER_INSTANCE[f]);
  return counts.every((c) => c !== undefined) ? Math.max(...(counts as number[])) : undefined;
}
