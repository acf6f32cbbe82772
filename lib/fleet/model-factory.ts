// Over 500 lines: the constructor wires the shared platform (about 160 lines) and addModelToShard each model (about 100);
// the public types are in model-factory-props.ts and the helpers in private/.
import { CfnResource, Duration, Stack, Stage } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../core/nag';
import { createArtifactReaderRole } from '../core/pod-role';
import { checkDnsLabel, checkInt, checkPattern, invalid } from '../core/validation';
import { CaptureStream } from '../inference/capture-stream';
import { ModelEndpoint } from '../inference/model-endpoint';
import { DriftMonitor, MonitoredModel } from '../monitoring/drift-monitor';
import { ShardDashboard } from '../operations/model-dashboard';
import { endpointCoordinates } from '../retraining/private/endpoint-coordinates';
import { RetrainTrigger } from '../retraining/retrain-trigger';
import { validateTrainingInput } from '../training/private/training-input';
import { ApprovalPolicy, TrainingPipeline } from '../training/training-pipeline';
import { FactoryModelSpec, ModelFactoryProps } from './model-factory-props';
import { canaryErrors } from './private/canary-errors';
import { assignLocalValue, isCrossStackReference } from './private/local-reference';
import { AdoptedStackSynthesizer, defaultCommand, defaultConcurrency, GroupRunner, processRole, ProcessRole, skipSynthesis } from './private/process-groups';
import { checkSegmentNames, MODEL_UNITS, retrainPolicy, SEGMENT_UNITS, shardLimitUnits, shardWeight, wireSegments } from './private/segments';
import { assignShards } from './private/sharding';
import { StackLimits } from './stack-limits';

/** Prefix of the fleet's model package groups (`mlops-<model>`). */
const MODEL_PACKAGE_GROUP_PREFIX = 'mlops-';
/** Models per shard by default. */
const DEFAULT_MODELS_PER_SHARD = 20;
/** The guard's resource limit divided by this is the most models a shard can take. */
const RESOURCES_PER_MODEL_MAX = 7;
/** Shard stacks per process by default (synthesisProcesses). */
const DEFAULT_SHARDS_PER_PROCESS = 25;

/**
 * A fleet of models on shared infrastructure, spread over as many stacks as
 * CloudFormation's limits need.
 *
 * The platform stack (the factory's own stack) holds what every model shares:
 * the cluster and its kubectl provider (yours), ONE capture stream, ONE
 * TrainingPipeline (per-model settings in the execution input), ONE
 * DriftMonitor handler, ONE RetrainTrigger (one rule, one state machine) and
 * the values shard stacks need, as SSM parameters. Each shard stack holds the
 * per-model resources of its models and reads the platform values once, as
 * SSM-typed stack parameters: no CloudFormation export per model or per
 * shard, so the platform stack can change without "export in use" errors.
 *
 * Models are assigned to shards by the sticky-fill rule (a recorded model
 * never moves; new ones fill the lowest shard with room) and every stack is
 * checked by {@link StackLimits} at synth.
 */
export class ModelFactory extends Construct {
  /** The platform stack (the factory's stack). */
  public readonly platformStack: Stack;
  /** The shard stacks, by index (an index emptied by removals keeps an empty stack). */
  public readonly shardStacks: Stack[];
  /** The full assignment (model -> shard index): commit it and pass it back as `shardAssignments`. */
  public readonly shardAssignments: { [modelName: string]: number };
  /** The shared capture stream. */
  public readonly capture: CaptureStream;
  /** The shared training pipeline. */
  public readonly pipeline: TrainingPipeline;
  /** The shared drift monitor. */
  public readonly monitor: DriftMonitor;
  /** The shared retrain trigger (one rule, one retraining state machine). */
  public readonly trigger: RetrainTrigger;
  /**
   * A fleet-wide signal: fires when the canary variant of any model answers errors. Not watched by the
   * bakes: each model's canary is judged by its own canary's `Errors` metric (GetMetricData during the bake,
   * no alarm resource per model) and its quality alarm when it has labels.
   */
  public readonly canaryErrorsAlarm: cloudwatch.Alarm;

  private readonly props: ModelFactoryProps;
  private readonly endpoints = new Map<string, ModelEndpoint>();
  private readonly monitored = new Map<string, MonitoredModel>();
  private readonly platformParams = new Map<string, string>();
  private readonly paramRoot: string;
  private readonly role: ProcessRole;
  private readonly shardGroup: (shard: number) => number;

  constructor(scope: Construct, id: string, props: ModelFactoryProps) {
    super(scope, id);
    this.props = props;
    this.platformStack = Stack.of(this);
    const platform = this.platformStack;

    if (!props.models || props.models.length === 0) invalid(this, 'models', props.models, 'must list at least one model');
    const seen = new Set<string>();
    props.models.forEach((m, i) => {
      checkDnsLabel(this, `models[${i}].modelName`, m.modelName, 40);
      if (seen.has(m.modelName)) invalid(this, `models[${i}].modelName`, m.modelName, 'must be unique in the fleet');
      seen.add(m.modelName);
    });
    checkSegmentNames(this, props.models);
    const capacity = props.modelsPerShard ?? DEFAULT_MODELS_PER_SHARD;
    checkInt(this, 'modelsPerShard', capacity, 1, Math.floor((props.stackLimits?.maxResources ?? StackLimits.DEFAULT_MAX_RESOURCES) / RESOURCES_PER_MODEL_MAX));
    if (!props.cluster.kubectlProvider) invalid(this, 'cluster', props.cluster.node.path, 'must have a kubectl provider (kubectlProviderOptions)');
    const outputPrefix = props.outputPrefix ?? 'training/';
    const datasetPrefix = props.datasetPrefix ?? 'datasets/';
    for (const [prop, value] of [['outputPrefix', outputPrefix], ['datasetPrefix', datasetPrefix]] as const) {
      checkPattern(this, prop, value, /^([A-Za-z0-9_.-]+\/)+$/, 'must be a relative S3 prefix ending in "/"');
    }
    this.paramRoot = `/cdk-mlops/factory/${platform.stackName}/${this.node.id}/`;

    // ---- shared infrastructure (platform stack) --------------------------------
    this.capture = CaptureStream.of(platform);
    this.pipeline = new TrainingPipeline(this, 'Training', {
      modelName: props.models[0].modelName,
      trainingImage: props.trainingImage,
      datasetBucket: props.datasetBucket,
      datasetPrefix,
      outputBucket: props.artifactBucket,
      outputPrefix,
      instanceType: props.trainingInstanceType,
      metricDefinitions: props.metricDefinitions,
      evaluation: props.evaluation,
      modelPackageGroupPrefix: MODEL_PACKAGE_GROUP_PREFIX,
      createModelPackageGroupsAtRunTime: true,
      // The RetrainTrigger canaries a candidate before promoting it: the registry must not approve it first.
      approval: ApprovalPolicy.MANUAL,
    });
    this.monitor = new DriftMonitor(this, 'Drift', {
      captureBucket: this.capture.bucket,
      capturePrefix: this.capture.prefix,
      baselineBucket: props.artifactBucket,
      baselinePrefix: `${outputPrefix}models/`,
      alarmPrefix: props.alarmPrefix,
    });
    // ONE record per model: the trigger reads the monitor's path, where each model's
    // parameter holds both records (their keys are disjoint).
    this.trigger = new RetrainTrigger(this, 'Retrain', {
      trainingPipeline: this.pipeline,
      driftMonitor: this.monitor,
      configPath: this.monitor.configPath,
      canaryAlarmNamePrefix: `${this.monitor.alarmPrefix}-`,
      modelPackageGroupPrefix: MODEL_PACKAGE_GROUP_PREFIX,
      // Every model's candidates and monitor baseline lie under these prefixes: the promotions' baseline
      // copies are granted once, whatever the number of models.
      candidateBaselinePrefix: { bucket: props.artifactBucket, prefix: this.pipeline.modelOutputPrefix },
      monitorBaselinePrefix: { bucket: props.artifactBucket, prefix: `${outputPrefix}models/` },
    });
    // A fleet-wide view (Metrics Insights over every canary), for dashboards and paging; the bakes
    // judge each model's own canary metric (addModelToShard).
    this.canaryErrorsAlarm = new cloudwatch.Alarm(this, 'CanaryErrors', {
      alarmName: `${this.monitor.alarmPrefix}-fleet-canary-errors`,
      alarmDescription: 'cdk-mlops ModelFactory: 5xx answers of the canary variant of any model of the fleet (capture sidecar metrics); each bake judges its own model\'s canary only.',
      metric: new cloudwatch.MathExpression({
        expression: `SELECT SUM(Errors) FROM SCHEMA("${CaptureStream.METRICS_NAMESPACE}", ModelName, Variant) WHERE Variant = 'canary'`,
        period: Duration.minutes(1),
        label: 'canary errors (fleet)',
      }),
      threshold: 5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // The shared pipeline acknowledges its own inherent wildcards (lib/training/private/nag.ts).

    // The values every shard reads, published once (here, in every process, so the platform
    // template does not depend on which shards a process builds).
    this.createPlatformParameters();

    // ---- shards ------------------------------------------------------------------
    const processes = props.synthesisProcesses;
    const shardsPerProcess = processes?.shardsPerProcess ?? DEFAULT_SHARDS_PER_PROCESS;
    if (processes) {
      checkInt(this, 'synthesisProcesses.shardsPerProcess', shardsPerProcess, 1);
      checkInt(this, 'synthesisProcesses.concurrency', processes.concurrency, 1);
      if (processes.command !== undefined && (processes.command.length === 0 || processes.command.some((c) => typeof c !== 'string' || c === ''))) {
        invalid(this, 'synthesisProcesses.command', processes.command, 'must be a non-empty list of non-empty strings (program, then arguments)');
      }
    }
    this.role = processRole(this.node.path, processes !== undefined);
    this.shardGroup = (shard) => (processes ? Math.floor(shard / shardsPerProcess) : 0);
    // A model weighs 1 slot of modelsPerShard plus ~0.78 per segment (its measured share of the template; segments.ts).
    const weights = new Map(props.models.map((m) => [m.modelName, shardWeight(m)]));
    const limit = Math.max(capacity * MODEL_UNITS, shardLimitUnits(
      props.stackLimits?.maxTemplateBytes ?? StackLimits.DEFAULT_MAX_TEMPLATE_BYTES,
      props.stackLimits?.maxResources ?? StackLimits.DEFAULT_MAX_RESOURCES));
    let plan: ReturnType<typeof assignShards>;
    try {
      plan = assignShards(props.models.map((m) => m.modelName), capacity * MODEL_UNITS, props.shardAssignments ?? {}, { weights, limit });
    } catch (e) {
      invalid(this, 'shardAssignments', props.shardAssignments, (e as Error).message);
    }
    this.checkShardLimits(plan, limit);
    this.shardAssignments = Object.fromEntries(plan.assignments);
    const stage = Stage.of(platform);
    const parent: Construct = stage ?? platform.node.root;
    const prefix = props.shardStackPrefix ?? `${platform.stackName}-models-`;
    this.shardStacks = [];
    // Shards another process builds are empty placeholders here (their templates come from that process).
    const groups = this.shardGroup(Math.max(plan.shardCount - 1, 0)) + 1;
    const placeholders = Array.from({ length: plan.shardCount }, (_, i) => i).filter((i) => !this.isLocalShard(i)).length;
    const runner = this.role.kind === 'parent' && groups > 1
      ? new GroupRunner({
        factoryPath: this.node.path,
        groups,
        concurrency: processes?.concurrency ?? defaultConcurrency(),
        command: processes?.command ?? defaultCommand(),
      }, placeholders)
      : undefined;
    for (let i = 0; i < plan.shardCount; i++) {
      const local = this.isLocalShard(i);
      const shard = new Stack(parent, `${prefix}${i}`, {
        env: { account: platform.account, region: platform.region },
        description: `cdk-mlops ModelFactory ${this.node.path}: models of shard ${i}`,
        ...(local ? {} : { synthesizer: new AdoptedStackSynthesizer(runner, this.shardGroup(i)) }),
      });
      // (A child process does not write the platform stack: the parent adds this dependency when it adopts the shard.)
      if (this.role.kind !== 'child') shard.addStackDependency(platform, 'reads the platform values (SSM parameters) and the kubectl provider');
      this.shardStacks.push(shard);
    }
    if (this.role.kind === 'child' || this.role.kind === 'bystander') {
      // A child writes its group's shards only: the parent writes the platform stack.
      skipSynthesis(platform);
    }
    StackLimits.guard(platform, props.stackLimits);
    this.shardStacks.forEach((s, i) => { if (this.isLocalShard(i)) StackLimits.guard(s, props.stackLimits); });

    // Per-model registration: everything a model adds lives in addModelToShard, in its shard stack.
    const specs = new Map(props.models.map((m) => [m.modelName, m]));
    for (const [name, index] of plan.assignments) {
      if (this.isLocalShard(index)) this.addModelToShard(this.shardStacks[index], specs.get(name)!, outputPrefix);
    }
    // One dashboard per shard (a model picker over alike models): one resource per shard, not per model.
    this.shardStacks.forEach((shard, index) => {
      const names = [...plan.assignments].filter(([, i]) => i === index).map(([n]) => n);
      if (names.length === 0 || !this.isLocalShard(index)) return;
      const segmentsOf = (n: string) => (specs.get(n)!.segments ?? []).map((x) => x.name).join(',');
      new ShardDashboard(shard, 'Dashboard', {
        // A model selector needs alike models: a shard whose models have different segments gets rows per model.
        modelSelector: names.every((n) => segmentsOf(n) === segmentsOf(names[0])),
        models: names.map((n) => ({ endpoint: this.endpoints.get(n)!, monitoredModel: this.monitored.get(n)!, retrainOutcomes: this.trigger })),
      });
    });
  }

  /**
   * The endpoint of a model. With `synthesisProcesses`, only the models of the shards this process
   * builds have one here (`isModelBuiltHere`).
   */
  public endpoint(modelName: string): ModelEndpoint {
    const e = this.endpoints.get(modelName);
    if (!e) this.notHere(modelName);
    return e;
  }

  /** The drift registration (alarms, metrics) of a model (see `endpoint` for `synthesisProcesses`). */
  public monitoredModel(modelName: string): MonitoredModel {
    const m = this.monitored.get(modelName);
    if (!m) this.notHere(modelName);
    return m;
  }

  /** Whether this process builds the model's constructs (always, without `synthesisProcesses`). */
  public isModelBuiltHere(modelName: string): boolean {
    return this.endpoints.has(modelName);
  }

  private notHere(modelName: string): never {
    const shard = this.shardAssignments[modelName];
    if (shard === undefined) invalid(this, 'modelName', modelName, 'is not a model of this factory');
    invalid(this, 'modelName', modelName, `is built by the process of group ${this.shardGroup(shard)} (synthesisProcesses), not by this one: check isModelBuiltHere first`);
  }

  /**
   * A shard over what its template can hold: a recorded model gained segments (it never moves by itself), or a new
   * model has so many segments that it outweighs an empty shard.
   */
  private checkShardLimits(plan: ReturnType<typeof assignShards>, limit: number): void {
    const slots = (units: number) => (units / MODEL_UNITS).toFixed(2);
    for (const over of plan.overLimit) {
      const indexOf = (n: string) => this.props.models.findIndex((m) => m.modelName === n);
      const segmented = over.models.filter((n) => (this.props.models[indexOf(n)].segments?.length ?? 0) > 0);
      const heaviest = (segmented.length > 0 ? segmented : over.models)
        .reduce((a, b) => (shardWeight(this.props.models[indexOf(b)]) > shardWeight(this.props.models[indexOf(a)]) ? b : a));
      const spec = this.props.models[indexOf(heaviest)];
      const k = spec.segments?.length ?? 0;
      const recorded = this.props.shardAssignments?.[heaviest] !== undefined;
      const others = segmented.filter((n) => n !== heaviest);
      invalid(this, `models[${indexOf(heaviest)}].segments`, k,
        `make model "${heaviest}" weigh ${slots(shardWeight(spec))} model slots (1 + ${SEGMENT_UNITS / MODEL_UNITS} per segment), and its shard ${over.shard} ` +
        `${recorded ? '(where shardAssignments keeps it) ' : ''}now holds ${slots(over.load)}, over the ${slots(limit)} a shard's template holds within the ` +
        `StackLimits guard${others.length > 0 ? ` (other models with segments there: ${others.join(', ')})` : ''}. ` +
        (recorded
          ? 'Add the segments to fewer models of that shard, or move the model in two deployments: remove it from models (its namespace, ' +
            `alarms and records are deleted), then add it back with no shardAssignments entry (it is re-created in a shard with room; one ` +
            'deployment would create the copy before deleting the original and fail on the names they share)'
          : 'give the model fewer segments (split it into several models)'));
    }
  }

  private isLocalShard(index: number): boolean {
    switch (this.role.kind) {
      case 'single': return true;
      case 'parent': return this.shardGroup(index) === 0;
      case 'child': return this.shardGroup(index) === this.role.group;
      default: return false;
    }
  }

  private addModelToShard(shard: Stack, spec: FactoryModelSpec, outputPrefix: string): void {
    const ctx = this.shardContext(shard);
    const name = spec.modelName;
    const scope = new Construct(shard, name);
    const port = spec.port ?? 8080;
    const endpoint = new ModelEndpoint(scope, 'Endpoint', {
      cluster: ctx.cluster,
      modelName: name,
      image: spec.image,
      port,
      modelArtifact: { bucket: ctx.artifactBucket, prefix: `${outputPrefix}models/${name}/` },
      resources: spec.resources,
      autoscaling: spec.autoscaling,
      loadBalancerSourceCidrs: [ctx.vpcCidr],
      podRole: ctx.podRole,
      capture: { stream: this.capture },
      variants: [
        { name: 'primary', modelVersion: spec.modelVersion, weight: 100 },
        { name: 'canary', modelVersion: spec.modelVersion, weight: 0, minReplicas: 1, maxReplicas: 2 },
      ],
      segments: spec.segments,
    });
    this.endpoints.set(name, endpoint);

    // Retraining: the trigger renders the model's record (stored below in the model's one SSM
    // parameter) and its RBAC objects (rendered into the model's own chart): no resource of its own.
    const prefix = this.monitor.alarmPrefix;
    // The model's OWN canary signal, judged without an alarm resource: the bake reads the 5xx answers of its canary
    // variant only (GetMetricData on its ModelName/Variant dimensions, precomputed in its record), so one model's
    // failing canary never rolls back another's. Its quality alarm, when it has labels, is watched as an alarm.
    const canaryMetrics = [canaryErrors(name, 'canary')];
    const canaryAlarms: cloudwatch.IAlarm[] = [];
    if (spec.quality) canaryAlarms.push(cloudwatch.Alarm.fromAlarmName(scope, 'QualityAlarmRef', `${prefix}-${name}-quality`));
    const r = spec.retrain ?? {};
    const trainingInput = {
      modelName: name,
      ...(spec.training?.instanceType ? { instanceType: spec.training.instanceType } : {}),
      ...(spec.training?.instanceCount ? { instanceCount: spec.training.instanceCount } : {}),
      ...(spec.training?.hyperparameters ? { hyperparameters: spec.training.hyperparameters } : {}),
    };
    // The spec's training settings, checked now with the code the pipeline's handler runs on them.
    validateTrainingInput(this.pipeline, this, `models[${name}].training`, trainingInput);
    // The drift baseline the monitor compares against: a promotion copies the new champion's over it.
    const baselineKey = `${outputPrefix}models/${name}/baseline.json`;
    const retrain = this.trigger.renderModel({
      ...endpointCoordinates(this, endpoint, 'primary', 'canary'),
      // The platform's cluster: its name, endpoint and CA resolve in the shard to the shard's SSM-typed parameters.
      cluster: this.props.cluster,
      canaryAlarms,
      canaryMetrics,
      modelPackageGroupName: `${MODEL_PACKAGE_GROUP_PREFIX}${name}`,
      trainingInput,
      ...retrainPolicy(r),
      monitorBaseline: { bucket: this.props.artifactBucket, key: baselineKey },
    });
    retrain.kubernetesObjects.forEach((o, i) => new ApiObject(endpoint.chart, `Retrain${i}`, o));
    // A redeploy keeps every promotion: the pods load the champion parameter (the shared pod role reads it by namespace tag).
    endpoint.readChampionFrom(this.trigger.championParameterName(name), ['primary', 'canary'], { grantRead: false });

    const monitored = new MonitoredModel(scope, 'Drift', {
      monitor: this.monitor,
      modelName: name,
      variants: ['primary', 'canary'],
      baselineKey,
      features: spec.features,
      thresholds: spec.thresholds,
      quality: spec.quality,
      additionalConfig: retrain.record,
      configParameterTier: ssm.ParameterTier.INTELLIGENT_TIERING,
    });
    this.monitored.set(name, monitored);
    wireSegments(this, scope, {
      spec, endpoint, cluster: this.props.cluster, podRole: ctx.podRole, artifactBucket: ctx.artifactBucket, outputPrefix,
      packageGroupPrefix: MODEL_PACKAGE_GROUP_PREFIX,
    });
  }

  /**
   * ONE role for the pods of every model of a shard. Attribute-based: EKS Pod Identity tags the
   * session with the pod's namespace (`kubernetes-namespace`), which is the model name, so a pod
   * reads `<outputPrefix>models/<its model>/*` and nothing else, with one policy for all models.
   */
  private sharedPodRole(shard: Stack, artifactBucket: s3.IBucket): iam.Role {
    const prefix = `${this.props.outputPrefix ?? 'training/'}models/\${aws:PrincipalTag/kubernetes-namespace}/`;
    const role = createArtifactReaderRole(shard, 'ModelPodRole', {
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com'),
      description: `Pods of the models of ${shard.stackName}: each reads its own model's artifacts (ABAC on the pod-identity namespace tag)`,
      bucket: artifactBucket,
      prefix,
      podIdentity: true,
      sids: { read: 'ReadOwnModelArtifacts', list: 'ListOwnModelArtifacts' },
    });
    // The champion parameter of the pod's own model (<configPath>champions/<model>), by the same namespace tag.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadOwnModelChampion',
      actions: ['ssm:GetParameter'],
      resources: [shard.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.trigger.championParameterName('${aws:PrincipalTag/kubernetes-namespace}').slice(1) })],
    }));
    shard.node.addValidation({
      validate: () => {
        // cdk-nag renders `${x}` as `<x>` in finding ids.
        const rendered = prefix.replace(/\$\{/g, '<').replace(/\}/g, '>');
        acknowledgeWildcards(role, (f) => (f.startsWith('Resource::') && f.endsWith(`/${rendered}*`)
          ? 'Attribute-based: the namespace session tag EKS Pod Identity sets is the model name, so each pod reads only its own model\'s artifacts under this prefix.'
          : undefined));
        return [];
      },
    });
    return role;
  }

  /** Values a shard reads from the platform, once per shard (SSM-typed stack parameters). */
  private shardContext(shard: Stack): ShardContext {
    const existing = shardContexts.get(shard);
    if (existing) return existing;
    const read = (key: string, value: string) => ssm.StringParameter.valueForStringParameter(shard, this.platformParameter(key, value));
    const provider = eks.KubectlProvider.fromKubectlProviderAttributes(shard, 'KubectlProvider', {
      serviceToken: read('kubectl-service-token', this.props.cluster.kubectlProvider!.serviceToken),
    });
    const cluster = eks.Cluster.fromClusterAttributes(shard, 'Cluster', {
      clusterName: read('cluster-name', this.props.cluster.clusterName),
      kubectlProvider: provider,
    });
    const key = this.props.artifactBucket.encryptionKey;
    const artifactBucket = s3.Bucket.fromBucketAttributes(shard, 'Artifacts', {
      bucketName: read('artifact-bucket', this.props.artifactBucket.bucketName),
      encryptionKey: key ? kms.Key.fromKeyArn(shard, 'ArtifactsKey', read('artifact-key', key.keyArn)) : undefined,
    });
    // Platform resources the shared constructs refer to from a shard (the capture stream
    // in the sidecar's environment and the pod role's grant, the buckets in the drift
    // records): their references resolve in this shard to its SSM-typed parameters
    // instead of a CloudFormation export each.
    for (const { cfn, attribute, key } of this.localReferences()) {
      assignLocalValue(cfn, attribute, shard, (token) => read(key, token));
    }
    const ctx: ShardContext = {
      cluster,
      artifactBucket,
      podRole: this.sharedPodRole(shard, artifactBucket),
      vpcCidr: read('vpc-cidr', this.props.cluster.vpc.vpcCidrBlock),
    };
    shardContexts.set(shard, ctx);
    return ctx;
  }

  /** The platform attributes shards refer to, each read through an SSM parameter instead of an export. */
  private localReferences(): Array<{ cfn: CfnResource; attribute: string; key: string }> {
    const out: Array<{ cfn: CfnResource; attribute: string; key: string }> = [];
    const add = (resource: Construct | undefined, attributes: string[]) => {
      const cfn = resource?.node.defaultChild ?? resource;
      if (!CfnResource.isCfnResource(cfn) || Stack.of(cfn) !== this.platformStack) return;
      for (const attribute of attributes) {
        if (isCrossStackReference(cfn, attribute)) out.push({ cfn, attribute, key: `${cfn.node.path}/${attribute}`.replace(/[^A-Za-z0-9_.-]/g, '-') });
      }
    };
    add(this.props.artifactBucket as unknown as Construct, ['Ref']);
    add(this.capture.bucket as unknown as Construct, ['Ref']);
    add(this.capture.deliveryStream, ['Ref', 'Arn']);
    add(this.props.cluster, ['Ref', 'Endpoint', 'CertificateAuthorityData']);
    return out;
  }

  /**
   * Every platform parameter the shards read, in the order a shard first reads them, whatever
   * shards this process builds (so the platform template is the same in every process).
   */
  private createPlatformParameters(): void {
    this.platformParameter('kubectl-service-token', this.props.cluster.kubectlProvider!.serviceToken);
    this.platformParameter('cluster-name', this.props.cluster.clusterName);
    this.platformParameter('artifact-bucket', this.props.artifactBucket.bucketName);
    const key = this.props.artifactBucket.encryptionKey;
    if (key) this.platformParameter('artifact-key', key.keyArn);
    for (const { cfn, attribute, key: name } of this.localReferences()) {
      this.platformParameter(name, attribute === 'Ref' ? cfn.ref : cfn.getAtt(attribute).toString());
    }
    this.platformParameter('vpc-cidr', this.props.cluster.vpc.vpcCidrBlock);
  }

  /** The SSM parameter (in the platform stack) publishing a platform value; created once per key. */
  private platformParameter(key: string, value: string): string {
    const existing = this.platformParams.get(key);
    if (existing) return existing;
    const name = `${this.paramRoot}${key}`;
    new ssm.StringParameter(this, `Param-${key}`, { parameterName: name, stringValue: value, description: `cdk-mlops ModelFactory: ${key} for the shard stacks` });
    this.platformParams.set(key, name);
    return name;
  }
}

interface ShardContext {
  readonly cluster: eks.ICluster;
  readonly podRole: iam.Role;
  readonly artifactBucket: s3.IBucket;
  readonly vpcCidr: string;
}

const shardContexts = new WeakMap<Stack, ShardContext>();
