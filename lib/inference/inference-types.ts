// The shapes an inference service is configured with: resources, variants, autoscaling, windows, proxy.

/** CPU, memory and GPU for the model container. */
export interface InferenceResources {
  /**
   * CPU request (Kubernetes quantity). No CPU limit is set, so a busy model is never throttled.
   * @default "1"
   */
  readonly cpu?: string;
  /**
   * Memory request and limit (Kubernetes quantity).
   * @default "2Gi"
   */
  readonly memory?: string;
  /**
   * NVIDIA GPUs per pod (`nvidia.com/gpu` request and limit). When > 0 the pods
   * tolerate the `nvidia.com/gpu` taint and select the GPU node pool.
   * @default 0 - a CPU-only model
   */
  readonly gpuCount?: number;
}

/** One variant of the model: its own version, replica bounds and traffic weight. */
export interface InferenceVariant {
  /** Variant name, e.g. `primary`, `canary` or a customer segment (1-20 characters, DNS label). */
  readonly name: string;
  /**
   * The model version this variant serves (a Kubernetes label value, e.g. `v7` or `2026-11-20.1`): the initial
   * value of the pod-template annotation `cdk-mlops.io/model-version`, which the model and proxy containers
   * receive as `MODEL_VERSION` (downward API).
   */
  readonly modelVersion: string;
  /** Share of the load balancer's traffic, an integer 0-100; the weights of all variants sum to 100. */
  readonly weight: number;
  /**
   * Minimum replicas (HPA floor outside scheduled scaling windows).
   * @default - autoscaling.minReplicas
   */
  readonly minReplicas?: number;
  /**
   * Maximum replicas.
   * @default - autoscaling.maxReplicas
   */
  readonly maxReplicas?: number;
  /**
   * Serving image for this variant (e.g. a canary of a new server build).
   * @default - the service's image
   */
  readonly image?: string;
  /**
   * S3 key (an object, or a prefix ending in `/`) of this variant's artifact.
   * It must lie under the service's artifact prefix (the pod role can read nothing else).
   * It is the initial value of the pod-template annotation `cdk-mlops.io/model-artifact-uri`, which the
   * init container reads: a prefix is copied recursively, a `.tar.gz`/`.tgz`/`.tar` object is extracted,
   * any other object is copied as is.
   * @default - `<artifactPrefix><modelVersion>/`
   */
  readonly artifactKey?: string;
}

/** A per-pod custom metric target for the HPA (served by a custom metrics adapter, e.g. requests per second). */
export interface CustomMetricTarget {
  /** Metric name in the custom metrics API (`pods` metric), e.g. `http_requests_per_second`. */
  readonly metricName: string;
  /** Target average value per pod (Kubernetes quantity), e.g. `"20"`. */
  readonly targetAverageValue: string;
}

/**
 * Pod autoscaling settings. By default a ModelEndpoint on a GpuCluster scales each variant on its in-flight requests
 * per replica (measured by the capture sidecar, read by KEDA, which GpuCluster installs); setting
 * `targetCpuUtilization`, `targetMemoryUtilization` or `customMetric` selects a plain autoscaling/v2 HPA on those
 * resource metrics instead.
 */
export interface InferenceAutoscaling {
  /**
   * Default minimum replicas of each variant.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * Default maximum replicas of each variant.
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * Target in-flight requests per replica (requests forwarded to the model and not yet answered, averaged over the
   * variant's pods): the request-driven signal. It tracks inference load directly, unlike a GPU model's CPU.
   * Size it as what one replica serves concurrently within its latency target, e.g. its batch size.
   * @default 4 - when request-driven scaling applies (see InferenceAutoscaling)
   */
  readonly targetInFlightRequests?: number;
  /**
   * Target average CPU utilisation (% of the request). Setting it selects a CPU-based HPA instead of the
   * request-driven default.
   * @default - 70 when the HPA is CPU-based (request-driven scaling unavailable, or targetMemoryUtilization / customMetric set)
   */
  readonly targetCpuUtilization?: number;
  /**
   * Target average memory utilisation (% of the request).
   * @default - memory is not a scaling signal
   */
  readonly targetMemoryUtilization?: number;
  /**
   * An additional per-pod custom metric (e.g. requests per second) on a CPU-based HPA. It needs a custom metrics
   * adapter serving it, which cdk-mlops does not install: prefer the request-driven default.
   * @default - none
   */
  readonly customMetric?: CustomMetricTarget;
  /**
   * Scale-down stabilisation window in seconds, at least 300 so a dip between bursts does not drop warm
   * GPU replicas (scale-up has no stabilisation window).
   * @default 300
   */
  readonly scaleDownStabilizationSeconds?: number;
}

/**
 * A known peak (e.g. Black Friday): between `start` and `end` (local times in
 * `timeZone`) the HPA floor is raised to `minReplicas` (split across the
 * variants by weight), and restored afterwards. Cron has no year field, so a
 * window recurs every year on the same dates.
 */
export interface ScheduledScalingWindow {
  /** Window name (1-30 characters, DNS label), e.g. `black-friday`. */
  readonly name: string;
  /** Local start "YYYY-MM-DDTHH:mm": when capacity must be Ready (the floor is raised `leadTimeMinutes` earlier). */
  readonly start: string;
  /** Local end "YYYY-MM-DDTHH:mm", after start, at most 31 days later. */
  readonly end: string;
  /** IANA time zone of start and end, e.g. `America/New_York`. */
  readonly timeZone: string;
  /** Replica floor for the whole model during the window (split by variant weight, never below a variant's own minimum). */
  readonly minReplicas: number;
  /**
   * Replica ceiling for the whole model during the window (split by weight, never below a variant's own maximum).
   * @default - the variants' maxReplicas are kept
   */
  readonly maxReplicas?: number;
  /**
   * How many minutes before `start` the floor is raised, so the nodes are provisioned and the model is loaded
   * (Ready) when the window opens. The pods created early stay Pending until their node is up, which is what
   * makes the node autoscaler (EKS Auto Mode) provision the nodes.
   * @default - node start-up (a GpuCluster's gpuNodeStartup, else 5 minutes for GPU models and 2 for CPU models)
   *   plus startupTimeoutSeconds (the longest the model may take to load), rounded up to whole minutes
   */
  readonly leadTimeMinutes?: number;
  /**
   * Pre-scale one segment (a `segments` name) instead of the default route: the window raises that segment's own
   * floor to `minReplicas` (and its ceiling to `maxReplicas`, when set), with no split. Windows of the same target
   * (the default route, or one segment) must not overlap; windows of different targets may.
   * @default - the default route's variants (the window's totals split by weight)
   */
  readonly segment?: string;
}

/** Requests and memory limit of the proxy sidecar. */
export interface ProxyResources {
  /**
   * CPU request.
   * @default "250m"
   */
  readonly cpu?: string;
  /**
   * Memory request and limit.
   * @default "256Mi"
   */
  readonly memory?: string;
}

/** A writable emptyDir for the proxy (e.g. a spill buffer). */
export interface ProxySpillVolume {
  /** Where the proxy sees it, e.g. `/var/spool/capture`. */
  readonly mountPath: string;
  /** emptyDir size limit, e.g. `1Gi`. */
  readonly sizeLimit: string;
}

/**
 * A proxy sidecar in front of the model (the hook the capture sidecar uses).
 * When set, the Service, the load balancer and the probes target the proxy's
 * port; the model container is told to listen on 127.0.0.1:<port> (`HOST`,
 * `PORT`) and its port is not declared. The proxy receives `LISTEN_PORT`,
 * `UPSTREAM_URL`, `MODEL_NAME`, `MODEL_VERSION`, `VARIANT`, `NAMESPACE`,
 * `SPILL_DIR` (when a spill volume is set) plus `env`.
 */
export interface InferenceProxyOptions {
  /** Pinned proxy image (tag or digest). */
  readonly image: string;
  /** Port the proxy listens on (must differ from the model port). */
  readonly containerPort: number;
  /**
   * Container name.
   * @default "proxy"
   */
  readonly name?: string;
  /**
   * Extra environment variables.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Requests and memory limit.
   * @default - 250m CPU, 256Mi memory
   */
  readonly resources?: ProxyResources;
  /**
   * A writable emptyDir mounted into the proxy.
   * @default - none (the proxy only gets its own /tmp)
   */
  readonly spillVolume?: ProxySpillVolume;
}

/**
 * What routes a request to a segment: an HTTP header or a query-string parameter, and the values that match
 * (ALB listener-rule conditions; header names match case-insensitively, values case-insensitively with `*` and `?`
 * wildcards, as the ALB documents).
 */
export interface SegmentMatch {
  /**
   * HTTP header to match, e.g. `X-Market`.
   * @default - match on queryParameter instead (exactly one of header and queryParameter is set)
   */
  readonly header?: string;
  /**
   * Query-string parameter to match, e.g. `market`.
   * @default - match on header instead
   */
  readonly queryParameter?: string;
  /** The values that route to the segment (1-5, ALB limits a condition to 5 values). */
  readonly values: string[];
}

/**
 * A customer segment served by its own model: requests that match go to the segment's own Service, Deployment
 * and HPA (ALB conditions); everything else takes the default route (the weighted variants).
 */
export interface InferenceSegment {
  /** Segment name (1-20 characters, DNS-1035 label, distinct from the variant names), e.g. `eu`. */
  readonly name: string;
  /** What routes a request here. */
  readonly match: SegmentMatch;
  /** The model version the segment serves (a Kubernetes label value). */
  readonly modelVersion: string;
  /**
   * Minimum replicas.
   * @default - autoscaling.minReplicas
   */
  readonly minReplicas?: number;
  /**
   * Maximum replicas.
   * @default - autoscaling.maxReplicas
   */
  readonly maxReplicas?: number;
  /**
   * Serving image.
   * @default - the service's image
   */
  readonly image?: string;
  /**
   * S3 key of the segment's artifact (under the artifact prefix).
   * @default - `<artifactPrefix><modelVersion>/`
   */
  readonly artifactKey?: string;
}

/** The canary of a segment (see `ModelEndpoint.addSegmentCanary`): a variant of the segment that gets no traffic outside a retrain. */
export interface SegmentCanaryOptions {
  /**
   * Minimum replicas.
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Maximum replicas.
   * @default - the segment's maxReplicas (else autoscaling.maxReplicas)
   */
  readonly maxReplicas?: number;
}
