// What the Amazon CloudWatch Observability EKS add-on (installed by GpuCluster) publishes and the ModelDashboard
// reads: Container Insights with enhanced observability, namespace `ContainerInsights`, NVIDIA GPU metrics
// `pod_gpu_utilization` / `node_gpu_utilization` with the dimensions ClusterName, Namespace, PodName, ...
// (Amazon CloudWatch User Guide, "Amazon EKS and Kubernetes Container Insights with enhanced observability metrics").
// Pure TypeScript: the construct installing the add-on and the dashboard reading its metrics use the same names.

/** The EKS add-on that installs the CloudWatch agent with Container Insights (enhanced observability). */
export const CLOUDWATCH_OBSERVABILITY_ADDON = 'amazon-cloudwatch-observability';
/** Namespace of the agent's service account (the add-on creates it). */
export const CLOUDWATCH_AGENT_NAMESPACE = 'amazon-cloudwatch';
/** The agent's service account: the one the add-on's Pod Identity association names (add-on 3.1.0 or later). */
export const CLOUDWATCH_AGENT_SERVICE_ACCOUNT = 'cloudwatch-agent';
/** CloudWatch namespace of Container Insights metrics. */
export const CONTAINER_INSIGHTS_NAMESPACE = 'ContainerInsights';
/** GPU utilisation (%) of the GPUs allocated to a pod (NVIDIA, enhanced observability). */
export const POD_GPU_UTILIZATION = 'pod_gpu_utilization';
/** GPU utilisation (%) of a node's GPUs. */
export const NODE_GPU_UTILIZATION = 'node_gpu_utilization';
