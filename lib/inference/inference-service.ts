import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ENDPOINT_SERVICE_PORT, segmentCanaryVariant } from '../contracts/endpoint-wiring';
import { checkPattern, invalid } from '../core/validation';
import type { InferenceServiceProps } from './inference-service-props';
import type { InferenceProxyOptions, InferenceSegment, InferenceVariant, ScheduledScalingWindow, SegmentCanaryOptions } from './inference-types';
import {
  DEFAULTS, DEFAULT_ARTIFACT_COPY_IMAGE, DEFAULT_GPU_NODE_SELECTOR, DEFAULT_SCALER_IMAGE,
  checkOptions, checkProxy, checkVariant, checkWindow, checkWindowsDisjoint, segmentVariant, variantSetErrors,
} from './private/inference-options';
import { intOrString, k8s } from './private/k8s';
import { SEGMENT_LABEL, ServiceView, objectMeta } from './private/render-context';
import { renderIngress, renderNetworkPolicies } from './private/render-ingress';
import { renderScalerRbac, renderScalingCronJob, windowBounds } from './private/render-prescaler';
import { renderTriggerAuthentication, scalesOnInFlight } from './private/render-scaler';
import { renderVariant } from './private/render-variant';

export * from './inference-types';
export * from './inference-service-props';

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

  /** Default image of the artifact-copy init container. */
  public static readonly DEFAULT_ARTIFACT_COPY_IMAGE = DEFAULT_ARTIFACT_COPY_IMAGE;
  /** Default image of the pre-scaling CronJobs. */
  public static readonly DEFAULT_SCALER_IMAGE = DEFAULT_SCALER_IMAGE;
  /** Default node selector of GPU pods (the label GpuCluster puts on its GPU nodes). */
  public static readonly DEFAULT_GPU_NODE_SELECTOR: Record<string, string> = DEFAULT_GPU_NODE_SELECTOR;

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
  private readonly _segmentVariants: InferenceVariant[] = [];
  private readonly _segmentCanaries = new Map<string, InferenceVariant>();
  private _proxy?: InferenceProxyOptions;
  private readonly _champions = new Map<string, string>();
  private scalerCreated = false;
  private readonly view: ServiceView;

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
    const servingPort = () => this.servingPort;
    const proxy = () => this._proxy;
    this.view = {
      props,
      modelName: this.modelName,
      namespaceName: this.namespaceName,
      serviceAccountName: this.serviceAccountName,
      port: this.port,
      get servingPort() { return servingPort(); },
      get proxy() { return proxy(); },
      variants: this._variants,
      segments: props.segments ?? [],
      segmentCanaries: this._segmentCanaries,
      windows: this._windows,
      serviceNameForVariant: (v) => this.serviceNameForVariant(v),
      artifactUriForVariant: (v) => this.artifactUriForVariant(v),
      championParameterFor: (v) => this._champions.get(v),
    };

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
      metadata: { ...objectMeta(this.view, this.serviceAccountName), annotations: props.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });

    new k8s.KubeService(this, 'Service', {
      metadata: objectMeta(this.view, this.serviceName),
      spec: {
        type: 'ClusterIP',
        // With segments, only the default route's pods: callers never get a mix of segment models.
        selector: { 'app.kubernetes.io/name': this.modelName, ...(props.segments?.length ? { [SEGMENT_LABEL]: 'default' } : {}) },
        ports: [{ name: 'http', port: ENDPOINT_SERVICE_PORT, targetPort: intOrString('http'), protocol: 'TCP' }],
      },
    });

    renderNetworkPolicies(this, this.view);
    renderIngress(this, this.view, this.ingressName);
    if (scalesOnInFlight(this.view)) {
      if (props.region === undefined) invalid(this, 'region', props.region, 'is required to scale on in-flight requests (the KEDA aws-cloudwatch trigger\'s awsRegion)');
      renderTriggerAuthentication(this, this.view);
    }

    for (const v of props.variants ?? []) this.createVariant(v);
    for (const seg of props.segments ?? []) {
      const v = segmentVariant(seg);
      this._segmentVariants.push(v);
      renderVariant(this, this.view, v);
    }
    for (const w of props.scheduledScaling ?? []) this.createWindow(w);

    this.node.addValidation({ validate: () => variantSetErrors(this.node.path, this._variants) });
  }

  /** The variants, in the order they were added. */
  public get variants(): InferenceVariant[] {
    return [...this._variants];
  }

  /** The per-segment models (each with its own Service, Deployment, HPA and PDB named `serviceNameForVariant(segment)`). */
  public get segments(): InferenceSegment[] {
    return [...(this.props.segments ?? [])];
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
    if (this.allVariants.some((v) => v.name === variant.name)) {
      invalid(this, `variants["${variant.name}"].name`, variant.name, `must be unique among the variants (existing: ${this._variants.map((v) => v.name).join(', ')})`);
    }
    this.createVariant(variant);
  }

  /** Adds a scheduled pre-scaling window (it must not overlap the others). */
  public addScheduledScaling(window: ScheduledScalingWindow): void {
    checkWindow(this, `scheduledScaling["${window.name}"]`, window, this.segments);
    checkWindowsDisjoint(this, 'scheduledScaling', [...this._windows, window]);
    this.createWindow(window);
  }

  /** Puts a proxy sidecar in front of the model in every pod (see InferenceProxyOptions). Only one proxy is allowed. */
  public useProxy(proxy: InferenceProxyOptions): void {
    if (this._proxy) invalid(this, 'proxy', proxy.image, `a proxy is already set (${this._proxy.image}); only one proxy sidecar is supported`);
    checkProxy(this, 'proxy', proxy, this.port);
    this._proxy = proxy;
  }

  /**
   * The pods of these variants load the champion named by an SSM parameter (JSON with `modelArtifactUri`,
   * written by a retraining loop) when their annotation still names the rendered artifact, i.e. after a
   * redeploy put the rendered annotations back; without the parameter (no promotion yet) they load the
   * rendered artifact. A patched annotation (a canary candidate, a rollback) is loaded as it is.
   * The pods' role needs `ssm:GetParameter` on the parameter.
   */
  public readChampionFrom(parameterName: string, variants: string[]): void {
    checkPattern(this, 'championParameterName', parameterName, /^\/[A-Za-z0-9_./-]{1,1010}$/, 'must be a fully qualified SSM parameter name (starting with "/")');
    const all = this.allVariants;
    for (const variant of variants) {
      if (!all.some((v) => v.name === variant)) {
        invalid(this, 'variants', variant, `must name a variant or segment (${all.map((v) => v.name).join(', ')})`);
      }
      const existing = this._champions.get(variant);
      if (existing !== undefined && existing !== parameterName) invalid(this, 'championParameterName', parameterName, `variant ${variant} already reads its champion from ${existing}`);
      this._champions.set(variant, parameterName);
    }
  }

  /**
   * Renders the canary of a segment: a variant named `<segment>-canary` (`segmentCanaryName`) serving the segment's
   * model version, with its own Deployment, Service, autoscaler and PDB, pods labelled `cdk-mlops.io/segment=<segment>`,
   * and a 0-weight target group in the segment's forward action, so a retraining loop can canary a candidate of the
   * segment (RetrainTrigger.addModelEndpoint with `segment` calls this when the canary is missing).
   */
  public addSegmentCanary(segment: string, options: SegmentCanaryOptions = {}): InferenceVariant {
    const seg = this.segments.find((x) => x.name === segment);
    if (!seg) {
      invalid(this, 'segment', segment, this.segments.length === 0 ? 'must name a segment, and the model has none' : `must name a segment (${this.segments.map((x) => x.name).join(', ')})`);
    }
    if (this._segmentCanaries.has(segment)) invalid(this, 'segment', segment, 'already has a canary');
    const name = this.segmentCanaryName(segment);
    if (this.allVariants.some((v) => v.name === name)) invalid(this, 'segment', segment, `cannot get a canary: a variant is already named ${name}`);
    if (this.serviceNameForVariant(name).length > 63) {
      invalid(this, 'segment', segment, `cannot get a canary: its Service name ${this.serviceNameForVariant(name)} would exceed 63 characters (shorten the model or segment name)`);
    }
    const base = segmentVariant(seg);
    const canary: InferenceVariant = {
      ...base,
      name,
      minReplicas: options.minReplicas ?? 1,
      maxReplicas: options.maxReplicas ?? base.maxReplicas,
    };
    checkVariant(this, `segments["${segment}"].canary`, { ...canary, name: segment }, this.props);
    this._segmentCanaries.set(segment, canary);
    renderVariant(this, this.view, canary);
    return canary;
  }

  /** The variant name of a segment's canary, `<segment>-canary` (rendered once `addSegmentCanary` ran). */
  public segmentCanaryName(segment: string): string {
    return segmentCanaryVariant(segment);
  }

  /** Whether the segment has a canary (see `addSegmentCanary`). */
  public hasSegmentCanary(segment: string): boolean {
    return this._segmentCanaries.has(segment);
  }

  /** S3 URI of a variant's artifact as rendered (before any retraining patch). */
  public artifactUriForVariant(variant: string): string {
    const all = this.allVariants;
    const v = all.find((x) => x.name === variant);
    if (!v) invalid(this, 'variant', variant, `must name a variant or segment (${all.map((x) => x.name).join(', ')})`);
    const p = this.props;
    const key = v.artifactKey ?? `${p.artifactPrefix}${p.artifactPrefix === '' || p.artifactPrefix.endsWith('/') ? '' : '/'}${v.modelVersion}/`;
    return `s3://${p.artifactBucketName}/${key}`;
  }

  /** Replica bounds of each variant inside a window: the window's totals split by weight, never below the variant's own. */
  public windowBounds(window: ScheduledScalingWindow): Record<string, number[]> {
    return windowBounds(this.view, window);
  }

  /** The weighted variants, the segments and the segments' canaries. */
  private get allVariants(): InferenceVariant[] {
    return [...this._variants, ...this._segmentVariants, ...this._segmentCanaries.values()];
  }

  private createVariant(v: InferenceVariant): void {
    this._variants.push(v);
    renderVariant(this, this.view, v);
  }

  private createWindow(w: ScheduledScalingWindow): void {
    this._windows.push(w);
    if (!this.scalerCreated) {
      this.scalerCreated = true;
      renderScalerRbac(this, this.view);
    }
    const scope = new Construct(this, `Window-${w.name}`);
    renderScalingCronJob(scope, 'Start', this.view, w, 'start');
    renderScalingCronJob(scope, 'End', this.view, w, 'end');
  }
}
