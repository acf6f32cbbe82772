import { Annotations, CfnJson, CfnResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct } from 'constructs';
import { INFERENCE_METRICS_NAMESPACE } from '../contracts/autoscaling-signal';
import { acknowledgeWildcards } from '../core/nag';
import { createArtifactReaderRole } from '../core/pod-role';
import { invalid, isToken } from '../core/validation';
import { CaptureStream, EndpointCaptureOptions } from './capture-stream';
import {
  InferenceProxyOptions, InferenceSegment, InferenceService, InferenceServiceOptions, InferenceVariant, ScheduledScalingWindow, SegmentCanaryOptions,
} from './inference-service';
import { clusterCapabilities } from './private/cluster-capabilities';
import {
  DEFAULTS, checkOptions, checkProxy, checkVariant, checkWindow, checkWindowsDisjoint, resourceScaling, segmentVariant, variantBounds,
  variantSetErrors,
} from './private/inference-options';

/** Where the model artifacts live in S3. */
export interface ModelArtifactLocation {
  /** The bucket. If it is encrypted with a customer managed KMS key, the pod role also gets kms:Decrypt on it. */
  readonly bucket: s3.IBucket;
  /**
   * Key prefix of the model's artifacts, ending in `/` (e.g. `models/fraud-scoring/`); each variant reads
   * `<prefix><modelVersion>/` unless it sets `artifactKey`. The pod role can read exactly this prefix.
   */
  readonly prefix: string;
}

/** How the model pods get AWS credentials. */
export enum PodCredentials {
  /** EKS Pod Identity (needs the eks-pod-identity-agent add-on; GpuCluster installs it). */
  POD_IDENTITY = 'POD_IDENTITY',
  /** IAM Roles for Service Accounts (the cluster's OIDC provider). */
  IRSA = 'IRSA',
}

/** Props of ModelEndpoint. */
export interface ModelEndpointProps extends InferenceServiceOptions {
  /** An `aws-eks-v2` cluster created with a kubectl provider (`kubectlProviderOptions`). */
  readonly cluster: eks.ICluster;
  /** The model artifact location. */
  readonly modelArtifact: ModelArtifactLocation;
  /**
   * How pods get credentials.
   * @default PodCredentials.POD_IDENTITY
   */
  readonly podCredentials?: PodCredentials;
  /**
   * CIDRs load balancer traffic comes from (admitted by the NetworkPolicy).
   * @default - the cluster VPC's CIDR
   */
  readonly loadBalancerSourceCidrs?: string[];
  /**
   * Inference data capture: a capture sidecar in every pod forwards requests to
   * the model unchanged and ships sampled request/response records to the
   * stack's CaptureStream (Firehose -> S3); the pod role may put records into
   * that stream only. Turn it off (`enabled: false`) to use your own proxy.
   * @default - on: `CaptureStream.of(this)`, 10% sampling
   */
  readonly capture?: EndpointCaptureOptions;
  /**
   * An existing role for the pods instead of a new role per endpoint, e.g. ONE role shared by the
   * models of a stack that reads the artifacts by ABAC on the EKS Pod Identity session tags
   * (`arn:aws:s3:::<bucket>/models/${aws:PrincipalTag/kubernetes-namespace}/*`). The endpoint
   * still creates the pod identity association and the capture grants (identical statements are
   * merged), but grants no artifact read: the role must already allow it. With IRSA its trust
   * policy must admit the model's service account.
   * @default - a new role that can read exactly the artifact prefix (plus kms:Decrypt with a bucket key)
   */
  readonly podRole?: iam.Role;
}

/** Options of the metric helpers. */
export interface EndpointMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Restrict the metric to one variant.
   * @default - the whole model
   */
  readonly variant?: string;
  /**
   * The CloudWatch namespace: `CdkMlops/Inference` (the capture sidecar's request metrics) or
   * `ContainerInsights`; it decides the dimensions (see `ModelEndpoint.metric`).
   * @default "CdkMlops/Inference"
   */
  readonly namespace?: string;
}

/** Namespaces rendered per cluster (see ModelEndpoint.claimNamespace). */
const NAMESPACES_IN_USE = new WeakMap<eks.ICluster, Map<string, string>>();

/** Options of {@link ModelEndpoint.readChampionFrom}. */
export interface ChampionParameterOptions {
  /**
   * Grant the pod role `ssm:GetParameter` on the parameter (false when the role already has it, e.g. a
   * role shared by many models granted by prefix).
   * @default true
   */
  readonly grantRead?: boolean;
}

/**
 * An autoscaled (GPU) inference service on an existing EKS cluster.
 *
 * Renders an {@link InferenceService} chart (namespace, per-variant
 * Deployment/Service/HPA/PDB, NetworkPolicies, a weighted ALB Ingress,
 * pre-scaling CronJobs) and applies it with `cluster.addCdk8sChart`-style
 * manifest, late-bound so `addVariant()` and `addScheduledScaling()` work after
 * construction. Creates the pod role (EKS Pod Identity by default, or IRSA)
 * that can read exactly the artifact prefix (plus kms:Decrypt when the bucket
 * has a key).
 */
export class ModelEndpoint extends Construct {
  /** The CloudWatch namespace of the request metrics the capture sidecar publishes. */
  public static readonly METRICS_NAMESPACE = INFERENCE_METRICS_NAMESPACE;

  /** The cluster. */
  public readonly cluster: eks.ICluster;
  /** The model name. */
  public readonly modelName: string;
  /** The Kubernetes namespace of the model. */
  public readonly namespace: string;
  /** The in-cluster Service selecting every variant (`<serviceName>.<namespace>.svc`). */
  public readonly serviceName: string;
  /** The ALB Ingress name. */
  public readonly ingressName: string;
  /** The cdk8s chart (escape hatch: add or patch Kubernetes objects). */
  public readonly chart: InferenceService;
  /** The KubernetesManifest applying the chart. */
  public readonly manifest: eks.KubernetesManifest;
  /** The role the model pods (and a proxy sidecar) run with. */
  public readonly podRole: iam.Role;
  /** The artifact location. */
  public readonly modelArtifact: ModelArtifactLocation;

  /** The capture stream the pods write to (undefined when capture is off). */
  public readonly captureStream?: CaptureStream;

  private readonly props: ModelEndpointProps;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    checkOptions(this, props);
    if (!props.cluster) invalid(this, 'cluster', props.cluster, 'must be an aws-eks-v2 cluster with a kubectl provider');
    if (!props.modelArtifact?.bucket) invalid(this, 'modelArtifact.bucket', undefined, 'must be an S3 bucket');
    const prefix = props.modelArtifact.prefix;
    if (typeof prefix !== 'string' || (!isToken(prefix) && (prefix.startsWith('/') || prefix.includes('*') || (prefix !== '' && !prefix.endsWith('/'))))) {
      invalid(this, 'modelArtifact.prefix', prefix, 'must be an S3 key prefix ending in "/" without a leading "/" or wildcards (e.g. "models/fraud-scoring/")');
    }
    (props.variants ?? []).forEach((v, i) => this.checkArtifactKey(`variants[${i}].artifactKey`, v, prefix));
    (props.segments ?? []).forEach((v, i) => this.checkArtifactKey(`segments[${i}].artifactKey`, { ...v, weight: 0 }, prefix));
    this.checkGpuLimit(props);
    this.props = props;
    this.cluster = props.cluster;
    this.modelName = props.modelName;
    this.modelArtifact = props.modelArtifact;

    const credentials = props.podCredentials ?? PodCredentials.POD_IDENTITY;
    const namespace = props.namespace ?? props.modelName;
    this.claimNamespace(props.cluster, namespace, props.namespace !== undefined ? 'namespace' : 'modelName');
    this.podRole = props.podRole ?? this.createPodRole(credentials, namespace);

    const scaleOnInFlight = this.requestDrivenScaling(props);
    this.chart = new InferenceService(new Cdk8sApp(), props.modelName, {
      ...props,
      scaleOnInFlightRequests: scaleOnInFlight,
      artifactBucketName: props.modelArtifact.bucket.bucketName,
      artifactPrefix: prefix,
      region: Stack.of(this).region,
      loadBalancerSourceCidrs: props.loadBalancerSourceCidrs ?? [props.cluster.vpc.vpcCidrBlock],
      nodeStartupSeconds: (props.resources?.gpuCount ?? 0) > 0 ? clusterCapabilities(props.cluster)?.gpuNodeStartupSeconds : undefined,
      serviceAccountAnnotations: credentials === PodCredentials.IRSA ? { 'eks.amazonaws.com/role-arn': this.podRole.roleArn } : undefined,
    });
    this.namespace = this.chart.namespaceName;
    this.serviceName = this.chart.serviceName;
    this.ingressName = this.chart.ingressName;
    if (props.capture?.enabled !== false) this.captureStream = this.enableCapture(props.capture ?? {});

    // Late-bound manifest: the chart is rendered at synth, after every mutator ran.
    // (addCdk8sChart would render it now.) Prune labels are injected the same way eks-v2 does.
    this.manifest = new eks.KubernetesManifest(this, 'Manifest', {
      cluster: props.cluster,
      manifest: Lazy.any({ produce: () => this.renderManifest() }) as any,
      prune: false,
    });
    (this.manifest.node.defaultChild as CfnResource).addPropertyOverride('PruneLabel', this.pruneLabel);

    if (credentials === PodCredentials.POD_IDENTITY) {
      const association = new eks.CfnPodIdentityAssociation(this, 'PodIdentity', {
        clusterName: props.cluster.clusterName,
        namespace,
        serviceAccount: this.chart.serviceAccountName,
        roleArn: this.podRole.roleArn,
      });
      // EKS Auto Mode runs the Pod Identity Agent on its nodes; other clusters get the add-on.
      const agent = clusterCapabilities(props.cluster)?.autoMode ? undefined : props.cluster.eksPodIdentityAgent;
      if (agent) association.node.addDependency(agent);
      // Pods get their credentials when they start: the association must exist first.
      this.manifest.node.addDependency(association);
    }
    // The Ingress and the pods pass the load balancer controller's webhooks, so it must be running.
    const alb = (props.cluster as { albController?: Construct }).albController;
    if (alb) this.manifest.node.addDependency(alb);
    // ScaledObjects and TriggerAuthentications need KEDA's CRDs (and its admission webhook) first.
    const keda = clusterCapabilities(props.cluster)?.keda;
    if (scaleOnInFlight && keda) this.manifest.node.addDependency(keda.chart);

    this.node.addValidation({ validate: () => this.validateTree() });
  }

  /**
   * The per-segment models. Each has its own Service, Deployment, HPA and PDB named
   * `serviceNameForVariant(segment.name)`, its pods labelled `cdk-mlops.io/variant=<segment>` and
   * `cdk-mlops.io/segment=<segment>`, and capture records with `variant` = the segment name (so drift and
   * retraining can be wired per segment).
   */
  public get segments(): InferenceSegment[] {
    return this.chart.segments;
  }

  /** Adds a variant after construction (its weight counts towards the 100 checked at synth). */
  public addVariant(variant: InferenceVariant): void {
    checkVariant(this, `variants["${variant.name}"]`, variant, this.props);
    this.checkArtifactKey(`variants["${variant.name}"].artifactKey`, variant, this.modelArtifact.prefix);
    if (this.chart.variants.some((v) => v.name === variant.name)) {
      invalid(this, `variants["${variant.name}"].name`, variant.name, `must be unique among the variants (existing: ${this.chart.variants.map((v) => v.name).join(', ')})`);
    }
    this.chart.addVariant(variant);
  }

  /**
   * Renders the canary of a segment (`<segment>-canary`): its own Deployment, Service, autoscaler and PDB serving the
   * segment's model version, and a 0-weight target group in the segment's ALB forward action, so the segment's
   * retraining can canary a candidate on it. `RetrainTrigger.addModelEndpoint(endpoint, { segment })` calls it when the
   * segment has no canary yet; call it yourself to size the canary. A segment has at most one canary.
   */
  public addSegmentCanary(segment: string, options?: SegmentCanaryOptions): InferenceVariant {
    return this.chart.addSegmentCanary(segment, options);
  }

  /** Adds a scheduled pre-scaling window (must not overlap the existing ones of the same target: the model, or its `segment`). */
  public addScheduledScaling(window: ScheduledScalingWindow): void {
    checkWindow(this, `scheduledScaling["${window.name}"]`, window, this.segments);
    checkWindowsDisjoint(this, 'scheduledScaling', [...this.chart.scheduledScalingWindows, window]);
    this.chart.addScheduledScaling(window);
  }

  /**
   * The pods of `variants` load the champion named by an SSM parameter that a retraining loop writes
   * (JSON with `modelArtifactUri`; `RetrainTrigger.addModelEndpoint` calls this with its
   * `championParameterName`) whenever their annotation names the rendered artifact, so a redeploy,
   * which puts the rendered annotations back, keeps every promotion. Before the first promotion (no
   * parameter) they load the rendered artifact. Grants `podRole` `ssm:GetParameter` on exactly that
   * parameter unless `options.grantRead` is false.
   */
  public readChampionFrom(parameterName: string, variants: string[], options: ChampionParameterOptions = {}): void {
    this.chart.readChampionFrom(parameterName, variants);
    if (options.grantRead === false) return;
    if (!isToken(parameterName) && !parameterName.startsWith('/')) invalid(this, 'championParameterName', parameterName, 'must be a fully qualified SSM parameter name (starting with "/")');
    this.podRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameterName.slice(1) })],
    }));
  }

  /**
   * Puts a proxy sidecar in front of the model in every pod; the Service, the
   * ALB and the probes then target the proxy's port. It runs with `podRole`.
   */
  public useProxy(proxy: InferenceProxyOptions): void {
    if (this.captureStream) invalid(this, 'proxy', proxy.image, 'the capture sidecar is this endpoint\'s proxy; set capture: { enabled: false } to use your own');
    if (this.chart.proxy) invalid(this, 'proxy', proxy.image, `a proxy is already set (${this.chart.proxy.image}); only one proxy sidecar is supported`);
    checkProxy(this, 'proxy', proxy, this.chart.port);
    this.chart.useProxy(proxy);
  }

  /** The Service (and Deployment, HPA, PDB) name of a variant. */
  public serviceNameForVariant(variant: string): string {
    return this.chart.serviceNameForVariant(variant);
  }

  /**
   * A metric of this endpoint. Its dimensions follow the namespace:
   * - `CdkMlops/Inference` (the default; published by the capture sidecar): `ModelName`, plus `Variant` when `variant` is set;
   * - `ContainerInsights` (the CloudWatch Observability add-on): `ClusterName`, `Namespace` and `Service`
   *   (the model Service, or the variant's Service when `variant` is set).
   * `dimensionsMap` in `props` adds to (or overrides) these. Period: one minute unless `props` says otherwise.
   */
  public metric(metricName: string, props?: EndpointMetricOptions): cloudwatch.Metric {
    const { variant, ...rest } = props ?? {};
    const namespace = rest.namespace ?? ModelEndpoint.METRICS_NAMESPACE;
    const dimensions: Record<string, string> = namespace === 'ContainerInsights'
      ? {
        ClusterName: this.cluster.clusterName,
        Namespace: this.namespace,
        Service: variant ? this.serviceNameForVariant(variant) : this.serviceName,
      }
      : { ModelName: this.modelName, ...(variant ? { Variant: variant } : {}) };
    return new cloudwatch.Metric({
      namespace,
      metricName,
      period: Duration.minutes(1),
      ...rest,
      dimensionsMap: { ...dimensions, ...rest.dimensionsMap },
    });
  }

  /**
   * Request latency in milliseconds (p99 by default), namespace `CdkMlops/Inference`,
   * metric `LatencyMs`, dimensions `ModelName` (+ `Variant`). Published by the proxy
   * sidecar (the capture sidecar); not available without one.
   */
  public metricLatency(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('LatencyMs', { statistic: 'p99', ...props });
  }

  /** Responses with HTTP status >= 500 (Sum), `CdkMlops/Inference` `Errors`; published by the proxy sidecar. */
  public metricErrors(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Errors', { statistic: 'Sum', ...props });
  }

  /** Requests served (Sum), `CdkMlops/Inference` `Requests`; published by the proxy sidecar. */
  public metricRequests(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Requests', { statistic: 'Sum', ...props });
  }

  /**
   * Running pods (Average) from Container Insights: `ContainerInsights`
   * `service_number_of_running_pods`, dimensions ClusterName, Namespace, Service
   * (the model Service, or the variant's Service when `variant` is set).
   * Needs the CloudWatch Observability add-on (Container Insights) on the cluster.
   */
  public metricReplicas(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('service_number_of_running_pods', { statistic: 'Average', ...props, namespace: 'ContainerInsights' });
  }

  /** Pod CPU utilisation (Average, %) from Container Insights `pod_cpu_utilization` (ClusterName, Namespace, Service). */
  public metricCpuUtilization(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('pod_cpu_utilization', { statistic: 'Average', ...props, namespace: 'ContainerInsights' });
  }

  /** Container restarts (Sum) from Container Insights `pod_number_of_container_restarts` (ClusterName, Namespace, Service). */
  public metricRestarts(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('pod_number_of_container_restarts', { statistic: 'Sum', ...props, namespace: 'ContainerInsights' });
  }

  /**
   * Lets `grantee` read this model's artifacts (what the pods load): `s3:GetObject` under the artifact
   * prefix, `s3:ListBucket` conditioned on it, and `kms:Decrypt` when the bucket has a customer managed key.
   */
  public grantReadArtifacts(grantee: iam.IGrantable): iam.Grant {
    const { bucket, prefix } = this.modelArtifact;
    const grant = bucket.grantRead(grantee, `${prefix}*`);
    return grant;
  }

  private get pruneLabel(): string {
    return `aws.cdk.eks/prune-${this.manifest.node.addr}`;
  }

  private renderManifest(): any[] {
    const label = this.pruneLabel;
    return this.chart.toJson().map((obj: any) => ({
      ...obj,
      metadata: { ...obj.metadata, labels: { [label]: '', ...obj.metadata?.labels } },
    }));
  }

  /**
   * Whether the variants scale on in-flight requests (a KEDA ScaledObject): the default when the capture sidecar
   * publishes request metrics and the cluster runs KEDA (a GpuCluster), unless a CPU/memory/custom HPA target is set.
   * Otherwise the HPA scales on CPU: no metric that nothing in the cluster serves.
   */
  private requestDrivenScaling(props: ModelEndpointProps): boolean {
    const sidecarMetrics = props.capture?.enabled !== false && props.capture?.requestMetrics !== false;
    const keda = clusterCapabilities(props.cluster)?.keda !== undefined;
    const target = props.autoscaling?.targetInFlightRequests;
    if (target !== undefined && !(sidecarMetrics && keda)) {
      invalid(this, 'autoscaling.targetInFlightRequests', target, !keda
        ? 'needs KEDA in the cluster: use a GpuCluster (it installs KEDA), or set targetCpuUtilization instead'
        : 'needs the capture sidecar\'s request metrics (capture.enabled and capture.requestMetrics not false), or set targetCpuUtilization instead');
    }
    return sidecarMetrics && keda && !resourceScaling(props);
  }

  /** A GpuCluster's GPU limit must hold at least one replica (else its pods stay Pending forever). */
  private checkGpuLimit(props: ModelEndpointProps): void {
    const caps = clusterCapabilities(props.cluster);
    const gpus = props.resources?.gpuCount ?? 0;
    if (caps?.maxGpus !== undefined && gpus > caps.maxGpus) {
      invalid(this, 'resources.gpuCount', gpus, `must be <= the cluster's GPU limit (GpuCluster maxGpus = ${caps.maxGpus}): one replica would never fit`);
    }
    if (caps?.maxGpusPerNode !== undefined && gpus > caps.maxGpusPerNode) {
      invalid(this, 'resources.gpuCount', gpus,
        `must be <= ${caps.maxGpusPerNode}, the most GPUs one node of the GPU pool's instance families has (a pod cannot span nodes): `
        + 'use fewer GPUs per replica, or add a family with larger instances (GpuCluster gpuInstanceFamilies)');
    }
  }

  private checkArtifactKey(prop: string, v: InferenceVariant, p: string): void {
    if (v.artifactKey !== undefined && !isToken(v.artifactKey) && !isToken(p) && !v.artifactKey.startsWith(p)) {
      invalid(this, prop, v.artifactKey, `must lie under modelArtifact.prefix ("${p}"): the pod role can read nothing else`);
    }
  }

  private createPodRole(credentials: PodCredentials, namespace: string): iam.Role {
    const { bucket, prefix } = this.props.modelArtifact;
    let principal: iam.IPrincipal;
    if (credentials === PodCredentials.IRSA) {
      const provider = this.props.cluster.openIdConnectProvider;
      const issuer = provider.openIdConnectProviderIssuer;
      const conditions = new CfnJson(this, 'IrsaConditions', {
        value: {
          [`${issuer}:aud`]: 'sts.amazonaws.com',
          [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${this.props.modelName}`,
        },
      });
      principal = new iam.OpenIdConnectPrincipal(provider, { StringEquals: conditions });
    } else {
      principal = new iam.ServicePrincipal('pods.eks.amazonaws.com');
    }
    const role = createArtifactReaderRole(this, 'PodRole', {
      assumedBy: principal,
      description: `Pods of model ${this.props.modelName}: read its artifacts`,
      bucket,
      prefix,
      podIdentity: credentials === PodCredentials.POD_IDENTITY,
      sids: { read: 'ReadModelArtifacts', list: 'ListModelArtifacts' },
    });
    return role;
  }

  private enableCapture(capture: EndpointCaptureOptions): CaptureStream {
    const p = this.props;
    if (p.proxy) invalid(this, 'proxy', p.proxy.image, 'the capture sidecar is this endpoint\'s proxy; set capture: { enabled: false } to use your own');
    const stream = capture.stream ?? CaptureStream.of(this);
    const graceSeconds = (p.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds)
      - (p.preStopSleepSeconds ?? DEFAULTS.preStopSleepSeconds);
    this.chart.useProxy(stream._sidecarProxy(this, {
      capture,
      modelPort: this.chart.port,
      healthPaths: [p.readinessPath ?? DEFAULTS.readinessPath, p.livenessPath ?? DEFAULTS.livenessPath],
      shutdownGrace: Duration.seconds(Math.max(1, graceSeconds - 5)),
    }));
    stream.grantPutRecords(this.podRole);
    if (capture.requestMetrics !== false) CaptureStream.grantPutRequestMetrics(this.podRole);
    return stream;
  }

  /**
   * One model per namespace per cluster: two endpoints rendering into one namespace would apply
   * each other's objects (and prune them) on every deploy.
   */
  private claimNamespace(cluster: eks.ICluster, namespace: string, prop: string): void {
    if (isToken(namespace)) return;
    let claimed = NAMESPACES_IN_USE.get(cluster);
    if (!claimed) {
      claimed = new Map();
      NAMESPACES_IN_USE.set(cluster, claimed);
    }
    const other = claimed.get(namespace);
    if (other !== undefined) {
      invalid(this, prop, namespace, `must be unique per cluster: ModelEndpoint ${other} already renders namespace "${namespace}" on this cluster (set a different modelName or namespace)`);
    }
    claimed.set(namespace, this.node.path);
  }

  private validateTree(): string[] {
    // Only the artifact-prefix wildcard is inherent; anything else added to the role stays a finding.
    acknowledgeWildcards(this.podRole, (f) => (f.startsWith('Resource::') && f.endsWith(`/${this.modelArtifact.prefix}*`)
      ? 'The wildcard is the object suffix under this model\'s own artifact prefix (s3:GetObject): the pods read every artifact version of this model and nothing else.'
      : undefined));
    const errors = variantSetErrors(this.node.path, this.chart.variants);
    if (errors.length === 0) {
      for (const w of this.chart.scheduledScalingWindows) {
        const bounds = this.chart.windowBounds(w);
        const totalMin = Object.values(bounds).reduce((s, [min]) => s + min, 0);
        if (totalMin < w.minReplicas) {
          const targets = w.segment === undefined ? this.chart.variants : this.chart.segments.filter((x) => x.name === w.segment).map(segmentVariant);
          const caps = targets.map((v) => `${v.name}<=${variantBounds(v, this.props).max}`).join(', ');
          Annotations.of(this).addWarningV2('cdk-mlops:prescaling-capped',
            `scheduled scaling window "${w.name}" asks for ${w.minReplicas} replicas but the variants' maxReplicas (${caps}) cap the floor at ${totalMin}; raise maxReplicas or set the window's maxReplicas`);
        }
      }
    }
    return errors;
  }
}
