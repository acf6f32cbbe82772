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
