import type {
  InferenceAutoscaling, InferenceProxyOptions, InferenceResources, InferenceSegment, InferenceVariant, ScheduledScalingWindow,
} from './inference-types';

/** What InferenceService and ModelEndpoint share. */
export interface InferenceServiceOptions {
  /** Model name: 1-40 characters, lower-case DNS label starting with a letter. Names the Services and Deployments. */
  readonly modelName: string;
  /**
   * Namespace of the model (created, labelled Pod Security "restricted").
   * @default - the model name
   */
  readonly namespace?: string;
  /** Serving image pinned by tag (not `latest`) or digest. */
  readonly image: string;
  /**
   * Port the model server listens on (it also receives it as `PORT`).
   * @default 8080
   */
  readonly port?: number;
  /**
   * Resources of the model container.
   * @default - 1 CPU, 2Gi memory, no GPU
   */
  readonly resources?: InferenceResources;
  /**
   * The variants. More can be added with `addVariant()`; at synth the weights must sum to 100.
   * @default - none; add them with addVariant()
   */
  readonly variants?: InferenceVariant[];
  /**
   * Per-segment models: requests matching a segment's header or query parameter go to its own Service,
   * Deployment and HPA (ALB conditions); the others to the weighted variants (the default route), and the
   * model-wide Service then selects only the default route's pods.
   * @default - none
   */
  readonly segments?: InferenceSegment[];
  /**
   * Autoscaling.
   * @default - 2-10 replicas per variant at 70% CPU
   */
  readonly autoscaling?: InferenceAutoscaling;
  /**
   * Scheduled pre-scaling windows (more with `addScheduledScaling()`).
   * @default - none
   */
  readonly scheduledScaling?: ScheduledScalingWindow[];
  /**
   * Whether the ALB is internet-facing.
   * @default false - an internal ALB
   */
  readonly internetFacing?: boolean;
  /**
   * ACM certificate for an HTTPS listener (HTTP then redirects to HTTPS).
   * @default - HTTP on port 80 only
   */
  readonly certificateArn?: string;
  /**
   * Namespaces (besides the load balancer) whose pods may call the model.
   * @default - none
   */
  readonly allowedNamespaces?: string[];
  /**
   * Readiness probe path (also the ALB health check).
   * @default "/ready"
   */
  readonly readinessPath?: string;
  /**
   * Liveness and startup probe path.
   * @default "/live"
   */
  readonly livenessPath?: string;
  /**
   * How long the model may take to load before the startup probe gives up, in seconds.
   * @default 600
   */
  readonly startupTimeoutSeconds?: number;
  /**
   * Seconds the preStop hook sleeps (`sleep` must exist in the image) so the ALB deregisters the pod first.
   * @default 15
   */
  readonly preStopSleepSeconds?: number;
  /**
   * Termination grace period in seconds.
   * @default 60
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * UID/GID of every container (non-root).
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * Node selector for GPU pods.
   * @default { "cdk-mlops.io/node-pool": "gpu" } (set by GpuCluster)
   */
  readonly gpuNodeSelector?: Record<string, string>;
  /**
   * Size limit of the emptyDir holding the model artifact.
   * @default "20Gi"
   */
  readonly modelVolumeSizeLimit?: string;
  /**
   * Extra environment variables for the model container.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * A proxy sidecar in every pod (see InferenceProxyOptions). Can also be set later with `useProxy()`.
   * @default - none
   */
  readonly proxy?: InferenceProxyOptions;
  /**
   * Image of the init container that copies the artifact from S3: it needs `/bin/sh`, the `aws` CLI and, for a
   * `.tar.gz`/`.tar` artifact (SageMaker's `model.tar.gz`), Python (2 or 3) or `tar`.
   * @default "amazon/aws-cli:2.22.35"
   */
  readonly artifactCopyImage?: string;
  /**
   * Image of the pre-scaling CronJobs (needs `kubectl`).
   * @default "rancher/kubectl:v1.35.0"
   */
  readonly scalerImage?: string;
  /**
   * Spread pods across zones strictly (DoNotSchedule) instead of best effort (ScheduleAnyway).
   * @default false - GPU capacity is scarce, so an unbalanced pod beats a pending one
   */
  readonly strictZoneSpread?: boolean;
}

/** Props of the standalone cdk8s InferenceService chart. */
export interface InferenceServiceProps extends InferenceServiceOptions {
  /** Bucket holding the model artifacts. */
  readonly artifactBucketName: string;
  /** Key prefix of the artifacts (ending in `/`), or one object key. */
  readonly artifactPrefix: string;
  /**
   * AWS region of the bucket (passed to the init container as AWS_REGION).
   * @default - the SDK's default resolution
   */
  readonly region?: string;
  /**
   * CIDRs the load balancer's traffic comes from (the VPC CIDR), admitted by the NetworkPolicy.
   * @default ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
   */
  readonly loadBalancerSourceCidrs?: string[];
  /**
   * Annotations of the model's ServiceAccount (e.g. `eks.amazonaws.com/role-arn` for IRSA).
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * Seconds from a pending pod to a Ready node on this cluster (part of a window's default lead time).
   * @default - 300 for GPU models, 120 for CPU models
   */
  readonly nodeStartupSeconds?: number;
  /**
   * Scale each variant on its in-flight requests per replica: a KEDA ScaledObject (`aws-cloudwatch` trigger on the
   * capture sidecar's `InFlightRequests` metric, authenticated as the KEDA operator) instead of a CPU HPA. Needs KEDA
   * in the cluster with CloudWatch read access (GpuCluster installs it) and the capture sidecar publishing request
   * metrics in every pod, and `region`. Ignored when autoscaling selects CPU (targetCpuUtilization and co.).
   * @default false - a CPU-based HPA (ModelEndpoint turns it on when both are present)
   */
  readonly scaleOnInFlightRequests?: boolean;
}
