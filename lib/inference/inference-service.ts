import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DEFAULTS, checkOptions, checkProxy, checkVariant, checkWindow, checkWindowsDisjoint, variantBounds, variantSetErrors, yearlyCron,
} from './private/inference-options';
import {
  intOrString, k8s, lateBoundObject, quantity, restrictedContainerSecurityContext, restrictedPodSecurityContext,
} from './private/k8s';
import { invalid } from '../core/validation';
import {
  ENDPOINT_SERVICE_PORT, ENDPOINT_WEIGHTED_ACTION, MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION, VARIANT_LABEL,
} from '../contracts/endpoint-wiring';

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

/** Horizontal Pod Autoscaler settings (autoscaling/v2). */
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
   * Target average CPU utilisation (% of the request).
   * @default 70
   */
  readonly targetCpuUtilization?: number;
  /**
   * Target average memory utilisation (% of the request).
   * @default - memory is not a scaling signal
   */
  readonly targetMemoryUtilization?: number;
  /**
   * An additional per-pod custom metric (e.g. requests per second).
   * @default - none
   */
  readonly customMetric?: CustomMetricTarget;
  /**
   * Scale-down stabilisation window in seconds (scale-up is immediate).
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
  /** Local start "YYYY-MM-DDTHH:mm"; schedule it ahead of the peak so capacity is warm. */
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
}

const GPU_RESOURCE = 'nvidia.com/gpu';
const MODEL_DIR = '/models';
const annotationRef = (key: string): k8s.EnvVarSource => ({ fieldRef: { fieldPath: `metadata.annotations['${key}']` } });

/**
 * The init container's script: copies `$MODEL_ARTIFACT_URI` (the pod annotation, read through the
 * downward API) into the model emptyDir. A prefix (`.../`) is copied recursively; a `.tar.gz`/`.tgz`/`.tar`
 * object (SageMaker's `model.tar.gz`) is streamed from S3 and extracted (Python's tarfile when the image
 * has Python, else tar), any other object is copied as is. Writes only to the emptyDirs (/models, /tmp).
 */
const FETCH_SCRIPT = [
  'set -eu',
  'u="${MODEL_ARTIFACT_URI:-}"; d="$MODEL_DIR"',
  `case "$u" in s3://?*/?*) ;; *) echo "fetch-model: annotation ${MODEL_URI_ANNOTATION} must be s3://<bucket>/<key>, got '$u'" >&2; exit 64;; esac`,
  'echo "fetch-model: $u -> $d/"',
  'case "$u" in */) exec aws s3 cp --recursive --only-show-errors "$u" "$d/";; *.tar) z=;; *.tar.gz|*.tgz) z=z;; *) exec aws s3 cp --only-show-errors "$u" "$d/";; esac',
  'x() { if command -v python3 >/dev/null; then python3 -c "$EXTRACT_PY" "$d"; elif command -v python >/dev/null; then python -c "$EXTRACT_PY" "$d"; else tar -x${z}f - --no-same-owner -C "$d"; fi; }',
  'f="${TMPDIR:-/tmp}/fetch-failed"; rm -f "$f"',
  '{ aws s3 cp --only-show-errors "$u" - || touch "$f"; } | x',
  'if [ -e "$f" ]; then echo "fetch-model: download of $u failed" >&2; exit 1; fi',
].join('\n');

/** Python 2/3 tar extraction (streamed, any compression); refuses members outside the target, skips links. */
const EXTRACT_PY = [
  'import os,sys,tarfile',
  "t=tarfile.open(fileobj=getattr(sys.stdin,'buffer',sys.stdin),mode='r|*')",
  'for m in t:',
  ' p=os.path.normpath(m.name)',
  " if os.path.isabs(p) or p.split(os.sep)[0]=='..':sys.exit('fetch-model: unsafe archive member '+m.name)",
  ' if m.isfile() or m.isdir():t.extract(m,sys.argv[1])',
].join('\n');

/**
 * The Kubernetes side of a model endpoint, as a cdk8s chart usable on its own
 * (GitOps: `new InferenceService(new cdk8s.App(), 'fraud', {...})` then `app.synth()`).
 *
 * Renders: a namespace labelled Pod Security "restricted"; per variant a
 * Deployment (init container copying the artifact from S3, GPU scheduling,
 * probes, graceful shutdown, zone spread), a Service, an HPA (autoscaling/v2)
 * and a PodDisruptionBudget; a default-deny NetworkPolicy plus one admitting
 * the load balancer and named namespaces; an ALB Ingress with weighted target
 * groups; and for scheduled scaling, CronJobs patching the HPAs under a Role
 * limited to those HPAs. Mutators (`addVariant`, `addScheduledScaling`,
 * `useProxy`) work after construction: the objects that depend on them are
 * rendered at synth time.
 */
export class InferenceService extends Chart {
  /** The model name. */
  public readonly modelName: string;
  /** The namespace everything lives in. */
  public readonly namespaceName: string;
  /** The Service selecting every variant's pods (in-cluster clients; traffic splits by pod count). */
  public readonly serviceName: string;
  /** The ALB Ingress name. */
  public readonly ingressName: string;
  /** The model pods' ServiceAccount. */
  public readonly serviceAccountName: string;
  /** The model server port. */
  public readonly port: number;

  private readonly props: InferenceServiceProps;
  private readonly _variants: InferenceVariant[] = [];
  private readonly _windows: ScheduledScalingWindow[] = [];
  private _proxy?: InferenceProxyOptions;
  private scalerCreated = false;

  constructor(scope: Construct, id: string, props: InferenceServiceProps) {
    super(scope, id, { disableResourceNameHashes: true });
    checkOptions(this, props);
    if (props.artifactBucketName === undefined || props.artifactBucketName === '') {
      invalid(this, 'artifactBucketName', props.artifactBucketName, 'must name the S3 bucket holding the model artifacts');
    }
    if (props.artifactPrefix === undefined || props.artifactPrefix.startsWith('/')) {
      invalid(this, 'artifactPrefix', props.artifactPrefix, 'must be an S3 key prefix without a leading "/" (e.g. "models/fraud/")');
    }
    this.props = props;
    this.modelName = props.modelName;
    this.namespaceName = props.namespace ?? props.modelName;
    this.serviceName = props.modelName;
    this.ingressName = props.modelName;
    this.serviceAccountName = props.modelName;
    this.port = props.port ?? DEFAULTS.port;
    this._proxy = props.proxy;

    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: this.namespaceName,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          'app.kubernetes.io/part-of': 'cdk-mlops',
        },
      },
    });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...this.meta(this.serviceAccountName), annotations: props.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });

    new k8s.KubeService(this, 'Service', {
      metadata: this.meta(this.serviceName),
      spec: {
        type: 'ClusterIP',
        selector: { 'app.kubernetes.io/name': this.modelName },
        ports: [{ name: 'http', port: ENDPOINT_SERVICE_PORT, targetPort: intOrString('http'), protocol: 'TCP' }],
      },
    });

    this.renderNetworkPolicies();
    this.renderIngress();

    for (const v of props.variants ?? []) this.createVariant(v);
    for (const w of props.scheduledScaling ?? []) this.createWindow(w);

    this.node.addValidation({ validate: () => variantSetErrors(this.node.path, this._variants) });
  }

  /** The variants, in the order they were added. */
  public get variants(): InferenceVariant[] {
    return [...this._variants];
  }

  /** The scheduled scaling windows. */
  public get scheduledScalingWindows(): ScheduledScalingWindow[] {
    return [...this._windows];
  }

  /** The proxy sidecar, if any. */
  public get proxy(): InferenceProxyOptions | undefined {
    return this._proxy;
  }

  /** The port the Service, the ALB and the probes target: the proxy's when there is one. */
  public get servingPort(): number {
    return this._proxy?.containerPort ?? this.port;
  }

  /** Name of the Service (and Deployment, HPA, PDB) of a variant. */
  public serviceNameForVariant(variant: string): string {
    return `${this.modelName}-${variant}`;
  }

  /** Adds a variant. Weights are checked (sum 100) when the chart is validated/synthesized. */
  public addVariant(variant: InferenceVariant): void {
    checkVariant(this, `variants["${variant.name}"]`, variant, this.props);
    if (this._variants.some((v) => v.name === variant.name)) {
      invalid(this, `variants["${variant.name}"].name`, variant.name, `must be unique among the variants (existing: ${this._variants.map((v) => v.name).join(', ')})`);
    }
    this.createVariant(variant);
  }

  /** Adds a scheduled pre-scaling window (it must not overlap the others). */
  public addScheduledScaling(window: ScheduledScalingWindow): void {
    checkWindow(this, `scheduledScaling["${window.name}"]`, window);
    checkWindowsDisjoint(this, 'scheduledScaling', [...this._windows, window]);
    this.createWindow(window);
  }

  /** Puts a proxy sidecar in front of the model in every pod (see InferenceProxyOptions). Only one proxy is allowed. */
  public useProxy(proxy: InferenceProxyOptions): void {
    if (this._proxy) invalid(this, 'proxy', proxy.image, `a proxy is already set (${this._proxy.image}); only one proxy sidecar is supported`);
    checkProxy(this, 'proxy', proxy, this.port);
    this._proxy = proxy;
  }

  private meta(name: string, labels: Record<string, string> = {}) {
    return {
      name,
      namespace: this.namespaceName,
      labels: { 'app.kubernetes.io/name': this.modelName, 'app.kubernetes.io/part-of': 'cdk-mlops', ...labels },
    };
  }

  private selector(variant: string): Record<string, string> {
    return { 'app.kubernetes.io/name': this.modelName, [VARIANT_LABEL]: variant };
  }

  private createVariant(v: InferenceVariant): void {
    this._variants.push(v);
    const name = this.serviceNameForVariant(v.name);
    const labels = { [VARIANT_LABEL]: v.name };
    const { min, max } = variantBounds(v, this.props);
    const scope = new Construct(this, `Variant-${v.name}`);

    lateBoundObject(scope, 'Deployment', k8s.KubeDeployment, { ...this.meta(name, labels), annotations: { [MODEL_VERSION_ANNOTATION]: v.modelVersion } }, ['spec'],
      () => ({ spec: this.renderDeploymentSpec(v) }));

    new k8s.KubeService(scope, 'Service', {
      metadata: this.meta(name, labels),
      spec: {
        type: 'ClusterIP',
        selector: this.selector(v.name),
        ports: [{ name: 'http', port: ENDPOINT_SERVICE_PORT, targetPort: intOrString('http'), protocol: 'TCP' }],
      },
    });

    const a = this.props.autoscaling ?? {};
    const metrics: k8s.MetricSpecV2[] = [{
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetCpuUtilization ?? DEFAULTS.targetCpuUtilization } },
    }];
    if (a.targetMemoryUtilization !== undefined) {
      metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.targetMemoryUtilization } } });
    }
    if (a.customMetric) {
      metrics.push({
        type: 'Pods',
        pods: { metric: { name: a.customMetric.metricName }, target: { type: 'AverageValue', averageValue: quantity(a.customMetric.targetAverageValue) } },
      });
    }
    new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Hpa', {
      metadata: this.meta(name, labels),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: min,
        maxReplicas: max,
        metrics,
        behavior: {
          // Fast up: double or add 4 pods every 15 s, whichever is more.
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
          },
          // Stabilised down: at most 10% per minute after the window.
          scaleDown: {
            stabilizationWindowSeconds: a.scaleDownStabilizationSeconds ?? DEFAULTS.scaleDownStabilizationSeconds,
            selectPolicy: 'Min',
            policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
          },
        },
      },
    });

    new k8s.KubePodDisruptionBudget(scope, 'Pdb', {
      metadata: this.meta(name, labels),
      spec: { maxUnavailable: intOrString(1), selector: { matchLabels: this.selector(v.name) } },
    });
  }

  /** S3 URI of a variant's artifact as rendered (before any retraining patch). */
  public artifactUriForVariant(variant: string): string {
    const v = this._variants.find((x) => x.name === variant);
    if (!v) invalid(this, 'variant', variant, `must name a variant (${this._variants.map((x) => x.name).join(', ')})`);
    const p = this.props;
    const key = v.artifactKey ?? `${p.artifactPrefix}${p.artifactPrefix === '' || p.artifactPrefix.endsWith('/') ? '' : '/'}${v.modelVersion}/`;
    return `s3://${p.artifactBucketName}/${key}`;
  }

  private modelAnnotations(v: InferenceVariant): Record<string, string> {
    return { [MODEL_URI_ANNOTATION]: this.artifactUriForVariant(v.name), [MODEL_VERSION_ANNOTATION]: v.modelVersion };
  }

  private renderDeploymentSpec(v: InferenceVariant): k8s.DeploymentSpec {
    const p = this.props;
    const user = p.runAsUser ?? DEFAULTS.runAsUser;
    const sc = restrictedContainerSecurityContext(user);
    const gpus = p.resources?.gpuCount ?? DEFAULTS.gpuCount;
    const cpu = p.resources?.cpu ?? DEFAULTS.cpu;
    const memory = p.resources?.memory ?? DEFAULTS.memory;
    const proxy = this._proxy;
    const probePort = intOrString(this.servingPort);
    const livenessPath = p.livenessPath ?? DEFAULTS.livenessPath;
    const startupTimeout = p.startupTimeoutSeconds ?? DEFAULTS.startupTimeoutSeconds;
    const preStop = p.preStopSleepSeconds ?? DEFAULTS.preStopSleepSeconds;
    const preStopHook = preStop > 0 ? { preStop: { exec: { command: ['sleep', String(preStop)] } } } : undefined;

    // MODEL_VERSION comes from the pod annotation the retraining loop patches, so the model and the
    // capture records name the version the pod actually loaded.
    const env = (vars: Record<string, string>): k8s.EnvVar[] => Object.entries(vars).map(([name, value]) => (name === 'MODEL_VERSION'
      ? { name, valueFrom: annotationRef(MODEL_VERSION_ANNOTATION) }
      : { name, value }));

    const requests: Record<string, k8s.Quantity> = { cpu: quantity(cpu), memory: quantity(memory) };
    const limits: Record<string, k8s.Quantity> = { memory: quantity(memory) };
    if (gpus > 0) {
      requests[GPU_RESOURCE] = quantity(gpus);
      limits[GPU_RESOURCE] = quantity(gpus);
    }

    const fetch: k8s.Container = {
      name: 'fetch-model',
      image: p.artifactCopyImage ?? InferenceService.DEFAULT_ARTIFACT_COPY_IMAGE,
      command: ['/bin/sh', '-c', FETCH_SCRIPT],
      env: [
        { name: 'MODEL_ARTIFACT_URI', valueFrom: annotationRef(MODEL_URI_ANNOTATION) },
        ...env({
          MODEL_DIR, EXTRACT_PY, HOME: '/tmp', AWS_MAX_ATTEMPTS: '10', AWS_RETRY_MODE: 'adaptive', ...(p.region ? { AWS_REGION: p.region } : {}),
        }),
      ],
      resources: { requests: { cpu: quantity('250m'), memory: quantity('256Mi') }, limits: { memory: quantity('512Mi') } },
      securityContext: sc,
      volumeMounts: [{ name: 'model', mountPath: MODEL_DIR }, { name: 'tmp', mountPath: '/tmp' }],
    };

    const model: k8s.Container = {
      name: 'model',
      image: v.image ?? p.image,
      ports: proxy ? undefined : [{ name: 'http', containerPort: this.port, protocol: 'TCP' }],
      env: env({
        ...p.env,
        MODEL_NAME: this.modelName,
        MODEL_VERSION: v.modelVersion,
        VARIANT: v.name,
        MODEL_DIR,
        HOST: proxy ? '127.0.0.1' : '0.0.0.0',
        PORT: String(this.port),
      }),
      resources: { requests, limits },
      readinessProbe: {
        httpGet: { path: p.readinessPath ?? DEFAULTS.readinessPath, port: probePort },
        periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3,
      },
      livenessProbe: {
        httpGet: { path: livenessPath, port: probePort },
        periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6,
      },
      startupProbe: {
        httpGet: { path: livenessPath, port: probePort },
        periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(startupTimeout / 10),
      },
      lifecycle: preStopHook,
      securityContext: sc,
      volumeMounts: [{ name: 'model', mountPath: MODEL_DIR, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
    };

    const containers = [model];
    const volumes: k8s.Volume[] = [
      { name: 'model', emptyDir: { sizeLimit: quantity(p.modelVolumeSizeLimit ?? DEFAULTS.modelVolumeSizeLimit) } },
      { name: 'tmp', emptyDir: { sizeLimit: quantity('1Gi') } },
    ];
    if (proxy) {
      const mounts: k8s.VolumeMount[] = [{ name: 'proxy-tmp', mountPath: '/tmp' }];
      volumes.push({ name: 'proxy-tmp', emptyDir: { sizeLimit: quantity('256Mi') } });
      if (proxy.spillVolume) {
        mounts.push({ name: 'proxy-spill', mountPath: proxy.spillVolume.mountPath });
        volumes.push({ name: 'proxy-spill', emptyDir: { sizeLimit: quantity(proxy.spillVolume.sizeLimit) } });
      }
      const proxyMemory = proxy.resources?.memory ?? DEFAULTS.proxyMemory;
      containers.push({
        name: proxy.name ?? 'proxy',
        image: proxy.image,
        ports: [{ name: 'http', containerPort: proxy.containerPort, protocol: 'TCP' }],
        env: env({
          ...proxy.env,
          LISTEN_PORT: String(proxy.containerPort),
          UPSTREAM_URL: `http://127.0.0.1:${this.port}`,
          MODEL_NAME: this.modelName,
          MODEL_VERSION: v.modelVersion,
          VARIANT: v.name,
          NAMESPACE: this.namespaceName,
          ...(proxy.spillVolume ? { SPILL_DIR: proxy.spillVolume.mountPath } : {}),
        }),
        resources: {
          requests: { cpu: quantity(proxy.resources?.cpu ?? DEFAULTS.proxyCpu), memory: quantity(proxyMemory) },
          limits: { memory: quantity(proxyMemory) },
        },
        livenessProbe: { tcpSocket: { port: intOrString(proxy.containerPort) }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
        lifecycle: preStopHook,
        securityContext: sc,
        volumeMounts: mounts,
      });
    }

    const selector = this.selector(v.name);
    const spread = (topologyKey: string, strict: boolean): k8s.TopologySpreadConstraint => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable: strict ? 'DoNotSchedule' : 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
    });

    return {
      // replicas stays unset: the HPA owns it.
      selector: { matchLabels: selector },
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: Math.max(600, startupTimeout + 120),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: intOrString(0), maxSurge: intOrString(1) } },
      template: {
        metadata: {
          labels: {
            ...selector,
            'app.kubernetes.io/component': 'inference',
            'app.kubernetes.io/part-of': 'cdk-mlops',
          },
          // What the pods load: the init container and MODEL_VERSION read these (downward API); the
          // retraining loop's canary/promote/rollback patches change them, which rolls the pods.
          annotations: this.modelAnnotations(v),
        },
        spec: {
          serviceAccountName: this.serviceAccountName,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext(user),
          terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds,
          initContainers: [fetch],
          containers,
          volumes,
          nodeSelector: gpus > 0 ? (p.gpuNodeSelector ?? InferenceService.DEFAULT_GPU_NODE_SELECTOR) : undefined,
          tolerations: gpus > 0 ? [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }] : undefined,
          topologySpreadConstraints: [
            spread('topology.kubernetes.io/zone', p.strictZoneSpread ?? false),
            spread('kubernetes.io/hostname', false),
          ],
        },
      },
    };
  }

  private renderNetworkPolicies(): void {
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: this.meta('default-deny-ingress'),
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    const cidrs = this.props.loadBalancerSourceCidrs ?? ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
    const from: k8s.NetworkPolicyPeer[] = [
      ...cidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ...(this.props.allowedNamespaces ?? []).map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } })),
    ];
    new k8s.KubeNetworkPolicy(this, 'AllowServing', {
      metadata: this.meta(`${this.modelName}-allow-serving`),
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': this.modelName, 'app.kubernetes.io/component': 'inference' } },
        policyTypes: ['Ingress'],
        // The named port resolves to the proxy's port when there is one, else the model's.
        ingress: [{ from, ports: [{ port: intOrString('http'), protocol: 'TCP' }] }],
      },
    });
  }

  private renderIngress(): void {
    const p = this.props;
    const grace = p.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
    const annotations: Record<string, string> = {
      'alb.ingress.kubernetes.io/scheme': p.internetFacing ? 'internet-facing' : 'internal',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': p.readinessPath ?? DEFAULTS.readinessPath,
      'alb.ingress.kubernetes.io/success-codes': '200',
      'alb.ingress.kubernetes.io/load-balancer-attributes': 'routing.http.drop_invalid_header_fields.enabled=true',
      'alb.ingress.kubernetes.io/target-group-attributes': `deregistration_delay.timeout_seconds=${Math.min(30, grace)}`,
      // Weighted target groups across the variants, rendered at synth so addVariant() is reflected.
      [`alb.ingress.kubernetes.io/actions.${ENDPOINT_WEIGHTED_ACTION}`]: Lazy.any({
        produce: () => JSON.stringify({
          type: 'forward',
          forwardConfig: {
            targetGroups: this._variants.map((v) => ({ serviceName: this.serviceNameForVariant(v.name), servicePort: String(ENDPOINT_SERVICE_PORT), weight: v.weight })),
            targetGroupStickinessConfig: { enabled: false },
          },
        }),
      }),
    };
    if (p.certificateArn) {
      annotations['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP":80},{"HTTPS":443}]';
      annotations['alb.ingress.kubernetes.io/certificate-arn'] = p.certificateArn;
      annotations['alb.ingress.kubernetes.io/ssl-policy'] = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
      annotations['alb.ingress.kubernetes.io/ssl-redirect'] = '443';
    } else {
      annotations['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP":80}]';
    }
    new k8s.KubeIngress(this, 'Ingress', {
      metadata: { ...this.meta(this.ingressName), annotations },
      spec: {
        ingressClassName: 'alb',
        rules: [{
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: ENDPOINT_WEIGHTED_ACTION, port: { name: 'use-annotation' } } } }],
          },
        }],
      },
    });
  }

  private createWindow(w: ScheduledScalingWindow): void {
    this._windows.push(w);
    this.ensureScalerRbac();
    const scope = new Construct(this, `Window-${w.name}`);
    this.scalingCronJob(scope, 'Start', w, w.start, 'start');
    this.scalingCronJob(scope, 'End', w, w.end, 'end');
  }

  private get scalerName(): string {
    return `${this.modelName}-prescaler`;
  }

  private ensureScalerRbac(): void {
    if (this.scalerCreated) return;
    this.scalerCreated = true;
    const scope = new Construct(this, 'PreScaler');
    new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
      metadata: this.meta(this.scalerName),
      // The CronJob pods call the Kubernetes API, so they need a token; the Role limits it.
      automountServiceAccountToken: true,
    });
    lateBoundObject(scope, 'Role', k8s.KubeRole, this.meta(this.scalerName), ['rules'], () => ({
      rules: [{
        apiGroups: ['autoscaling'],
        resources: ['horizontalpodautoscalers'],
        resourceNames: this._variants.map((v) => this.serviceNameForVariant(v.name)),
        verbs: ['get', 'patch'],
      }],
    }));
    new k8s.KubeRoleBinding(scope, 'RoleBinding', {
      metadata: this.meta(this.scalerName),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.scalerName },
      subjects: [{ kind: 'ServiceAccount', name: this.scalerName, namespace: this.namespaceName }],
    });
  }

  /** Replica bounds of each variant inside a window: the window's totals split by weight, never below the variant's own. */
  public windowBounds(window: ScheduledScalingWindow): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const v of this._variants) {
      const { min, max } = variantBounds(v, this.props);
      const share = (total: number) => Math.ceil((total * v.weight) / 100);
      const winMax = window.maxReplicas !== undefined ? Math.max(max, share(window.maxReplicas)) : max;
      const winMin = Math.min(winMax, Math.max(min, share(window.minReplicas)));
      out[v.name] = [winMin, winMax];
    }
    return out;
  }

  private scalingCronJob(scope: Construct, id: string, w: ScheduledScalingWindow, at: string, edge: 'start' | 'end'): ApiObject {
    const name = `prescale-${w.name}-${edge}`;
    const user = this.props.runAsUser ?? DEFAULTS.runAsUser;
    return lateBoundObject(scope, id, k8s.KubeCronJob, this.meta(name, { 'cdk-mlops.io/window': w.name }), ['spec'], () => {
      const bounds = this.windowBounds(w);
      const containers: k8s.Container[] = this._variants.map((v) => {
        const { min, max } = variantBounds(v, this.props);
        const [minReplicas, maxReplicas] = edge === 'start' ? bounds[v.name] : [min, max];
        return {
          name: `patch-${v.name}`,
          image: this.props.scalerImage ?? InferenceService.DEFAULT_SCALER_IMAGE,
          command: ['kubectl'],
          args: ['patch', 'horizontalpodautoscaler', this.serviceNameForVariant(v.name), '--namespace', this.namespaceName,
            '--type=merge', '--patch', JSON.stringify({ spec: { minReplicas, maxReplicas } })],
          env: [{ name: 'HOME', value: '/tmp' }],
          resources: { requests: { cpu: quantity('50m'), memory: quantity('64Mi') }, limits: { memory: quantity('128Mi') } },
          securityContext: restrictedContainerSecurityContext(user),
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        };
      });
      return {
        spec: {
          schedule: yearlyCron(at),
          timeZone: w.timeZone,
          concurrencyPolicy: 'Forbid',
          // If the controller was down at the exact minute, still apply within an hour.
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 4,
              activeDeadlineSeconds: 600,
              ttlSecondsAfterFinished: 86400,
              template: {
                metadata: { labels: { 'app.kubernetes.io/name': this.modelName, 'app.kubernetes.io/component': 'prescaler' } },
                spec: {
                  serviceAccountName: this.scalerName,
                  automountServiceAccountToken: true,
                  restartPolicy: 'OnFailure',
                  securityContext: restrictedPodSecurityContext(user),
                  containers,
                  volumes: [{ name: 'tmp', emptyDir: { sizeLimit: quantity('64Mi') } }],
                },
              },
            },
          },
        },
      };
    });
  }

  /** Default image of the artifact-copy init container. */
  public static readonly DEFAULT_ARTIFACT_COPY_IMAGE = 'amazon/aws-cli:2.22.35';
  /** Default image of the pre-scaling CronJobs. */
  public static readonly DEFAULT_SCALER_IMAGE = 'rancher/kubectl:v1.35.0';
  /** Default node selector of GPU pods (the label GpuCluster puts on its GPU nodes). */
  public static readonly DEFAULT_GPU_NODE_SELECTOR: Record<string, string> = { 'cdk-mlops.io/node-pool': 'gpu' };
}
