// About 650 lines on purpose: the construct wires the loop's ~30 resources (key, table, topic, logs, state machine, starter,
// rules, problem alarms, operations record) and its public model-registration API (models, endpoints, segments); its types,
// record rendering, roles, RBAC, baseline-copy grants, wiring checks and operations record live in retrain-trigger-options.ts
// and private/.
import * as crypto from 'node:crypto';
import { Annotations, Duration, Lazy, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { segmentModelName } from '../contracts/drift-monitor-config';
import { championParameterName } from '../contracts/retrain-record';
import { createDeadLetterQueue, createLogsKey } from '../core/encryption';
import { createHandlerFunction } from '../core/handler-function';
import { acknowledgeWildcards } from '../core/nag';
import { checkDnsLabel, checkPattern, invalid, isToken } from '../core/validation';
import { ModelEndpoint } from '../inference/model-endpoint';
import { DriftMonitor, MonitoredModel } from '../monitoring/drift-monitor';
import { ModelDashboard } from '../operations/model-dashboard';
import { validateTrainingInput } from '../training/private/training-input';
import { ApprovalPolicy, TrainingPipeline } from '../training/training-pipeline';
import { BaselineGrants } from './private/baseline-grants';
import { ClusterReach, clusterReach } from './private/cluster-reach';
import { allowEventBridgeDeadLetters } from './private/dead-letters';
import { retrainDefinition } from './private/definition';
import { endpointCoordinates, segmentCoordinates } from './private/endpoint-coordinates';
import { MANUAL_DETAIL_TYPE, MANUAL_SOURCE, retrainEventPattern } from './private/event-pattern';
import { createKubeCaller, KubeCaller } from './private/kube-caller';
import { renderOperationsRecord } from './private/operations-record';
import { renderRbacObjects, renderRetrainRecord } from './private/render-model';
import { grantRetrainStateMachine, watchCanaryAlarms } from './private/roles';
import { INCONSISTENT_STATE_METRIC, LOCK_RELEASE_FAILURES_METRIC, NOTIFICATION_FAILURES_METRIC } from './private/steps/finalize';
import { checkEndpointAgainstPipeline } from './private/wiring-checks';
import {
  BaselinePrefix, RetrainEndpointOptions, RetrainModelOptions, RetrainModelRendering, RetrainOutcome, RetrainRbacObject, RetrainTriggerProps,
} from './retrain-trigger-options';

export * from './retrain-trigger-options';

const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Closes the MLOps loop: a DriftMonitor alarm (or a schedule, or a manual
 * request) starts ONE shared retraining state machine for the model, which
 * guards (lock, cooldown, dedupe, budget), optionally asks a human, runs the
 * TrainingPipeline, gates on its verdict, canaries the candidate on the
 * ModelEndpoint while watching alarms, then promotes or rolls back, and
 * notifies. The production model is never replaced by an unverified or worse
 * one, and every path releases the lock.
 *
 * Per model it adds one SSM parameter (its record) and, per namespace, two
 * RBAC objects; everything else is shared by every model of the stack.
 */
export class RetrainTrigger extends Construct {
  /** The retraining state machine (Standard). */
  public readonly stateMachine: sfn.StateMachine;
  /** Lambda turning EventBridge events into executions with deterministic names. */
  public readonly starter: lambda.Function;
  /** The rule matching the model alarms (prefix) and manual requests. */
  public readonly rule: events.Rule;
  /** The schedule rule, when a schedule was given. */
  public readonly scheduleRule?: events.Rule;
  /** Locks, budgets, champion records and skip records (TTL attribute `expiresAt`). */
  public readonly table: dynamodb.Table;
  /** Approval requests and outcome notifications (KMS-encrypted); filter on the `kind` attribute. */
  public readonly topic: sns.Topic;
  /** Encryption key of the table, topic, logs and dead-letter queue. */
  public readonly encryptionKey: kms.IKey;
  /** Log group of the state machine. */
  public readonly logGroup: logs.LogGroup;
  /** Events the starter could not handle. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Alarm name prefix (without the trailing `-`). */
  public readonly alarmPrefix: string;
  /** SSM path of the per-model records. */
  public readonly configPath: string;
  /** The SSM parameter the `cdk-mlops` operator commands find this loop by (`/cdk-mlops/operations/<alarmPrefix>`). */
  public readonly operationsRecord: ssm.StringParameter;
  /** Namespace of the `RetrainOutcome` metric. */
  public readonly metricNamespace: string;
  /** EventBridge `source` of manual requests. */
  public readonly manualSource: string = MANUAL_SOURCE;
  /** EventBridge `detail-type` of manual requests. */
  public readonly manualDetailType: string = MANUAL_DETAIL_TYPE;
  /** In ALARM when an execution could not release its model's lock (metric `LockReleaseFailures`; the model stays locked until the lock TTL). */
  public readonly lockReleaseFailureAlarm: cloudwatch.Alarm;
  /**
   * In ALARM when an execution ended with the registry, the model's Deployments, its traffic or its monitor baseline
   * disagreeing with the champion (metric `InconsistentState`; the execution's output and notification say what).
   */
  public readonly inconsistentStateAlarm: cloudwatch.Alarm;
  /** In ALARM when an outcome notification could not be published (metric `NotificationFailures`; the outcome stands). */
  public readonly notificationFailureAlarm: cloudwatch.Alarm;

  private readonly models = new Map<string, ssm.StringParameter | undefined>();
  private readonly canaryAlarmNamePrefix?: string;
  private readonly modelPackageGroupPrefix?: string;
  private readonly candidateBaselinePrefix?: BaselinePrefix;
  private readonly monitorBaselinePrefix?: BaselinePrefix;
  private readonly clusterGroups = new Map<string, string>();
  private readonly rbacNamespaces = new Set<string>();
  private readonly packageGroups = new Set<string>();
  private readonly alarmArns = new Set<string>();
  /** Whether a registered model's canary is judged by metrics (the state machine then reads them with GetMetricData). */
  private canaryMetricsGranted = false;
  /** Whether the WatchCanaryAlarms statement exists (added with the prefix, or at the first alarm outside it). */
  private alarmsWatched = false;
  private readonly baselineGrants: BaselineGrants;
  private readonly driftMonitor?: DriftMonitor;
  private readonly trainingPipeline?: TrainingPipeline;
  private readonly stateMachineRole: iam.Role;
  private readonly executionTimeoutSeconds: number;
  private readonly logRetention: logs.RetentionDays;
  private readonly clusters: eks.ICluster[] = [];
  private kubeCaller?: KubeCaller;

  constructor(scope: Construct, id: string, props: RetrainTriggerProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const source = props.driftMonitor ?? props.alarmSource;
    this.driftMonitor = props.driftMonitor;
    this.trainingPipeline = props.trainingPipeline;
    const prefix = props.alarmPrefix ?? source?.alarmPrefix;
    if (prefix === undefined) invalid(this, 'alarmPrefix', prefix, 'give alarmPrefix or driftMonitor');
    if (props.alarmPrefix !== undefined && source !== undefined && props.alarmPrefix !== source.alarmPrefix) {
      invalid(this, 'alarmPrefix', props.alarmPrefix, `must equal driftMonitor.alarmPrefix (${JSON.stringify(source.alarmPrefix)}) or be left out`);
    }
    if ((props.trainingPipeline === undefined) === (props.trainingStateMachine === undefined)) {
      invalid(this, 'trainingStateMachine', props.trainingStateMachine?.stateMachineArn, 'give exactly one of trainingPipeline and trainingStateMachine');
    }
    if (props.trainingPipeline?.approval === ApprovalPolicy.AUTO) {
      Annotations.of(this).addWarningV2('cdk-mlops:auto-approval',
        `trainingPipeline ${props.trainingPipeline.node.path} registers candidates as Approved (approval: ApprovalPolicy.AUTO) before this trigger's canary; give it approval: ApprovalPolicy.MANUAL so only the trigger promotes a candidate`);
    }
    const training: sfn.IStateMachine = props.trainingPipeline?.stateMachine ?? props.trainingStateMachine!;
    if (Token.isUnresolved(prefix)) invalid(this, 'alarmPrefix', prefix, 'must be a literal string (alarm names are matched by prefix)');
    checkPattern(this, 'alarmPrefix', prefix, PREFIX_RE, 'must be 1-100 characters of letters, digits, ".", "_" and "-", starting with a letter or digit');
    this.alarmPrefix = prefix;

    const suffixes = props.alarmSuffixes ?? ['-drift', '-quality'];
    if (suffixes.length === 0) invalid(this, 'alarmSuffixes', suffixes, 'must name at least one suffix');
    for (const s of suffixes) checkPattern(this, 'alarmSuffixes', s, /^[-._][A-Za-z0-9._-]{1,30}$/, 'each suffix must start with "-", "." or "_" followed by 1-30 letters, digits, ".", "_" or "-"');

    const approvalTimeout = props.approvalTimeout ?? Duration.hours(24);
    const approvalSeconds = approvalTimeout.toSeconds();
    if (approvalSeconds < 60 || approvalSeconds > 7 * 86400) invalid(this, 'approvalTimeout', approvalTimeout.toHumanString(), 'must be between 1 minute and 7 days');
    // A full-length pipeline execution (maxRuntime plus provisioning, Lambdas, capacity attempts) must fit.
    const trainingTimeout = props.trainingTimeout ?? props.trainingPipeline?.timeout ?? Duration.hours(24);
    const trainingSeconds = trainingTimeout.toSeconds();
    if (trainingSeconds < 300 || trainingSeconds > 30 * 86400) invalid(this, 'trainingTimeout', trainingTimeout.toHumanString(), 'must be between 5 minutes and 30 days');

    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.metricNamespace = props.metricNamespace ?? 'CdkMlops/Retrain';
    checkPattern(this, 'metricNamespace', this.metricNamespace, /^[A-Za-z0-9._/#:-][A-Za-z0-9 ._/#:-]{0,254}$/, 'must be 1-255 characters of letters, digits, spaces and . _ / # : -');
    if (!isToken(this.metricNamespace) && this.metricNamespace.startsWith('AWS/')) invalid(this, 'metricNamespace', this.metricNamespace, 'must not start with "AWS/"');

    this.configPath = props.configPath ?? `/cdk-mlops/retrain/${this.alarmPrefix}/`;
    checkPattern(this, 'configPath', this.configPath, /^\/([A-Za-z0-9_.-]+\/){1,10}$/, 'must start and end with "/" and hold only letters, digits, "_", "." and "-" in at most 10 levels');

    // ---- encryption, storage, notifications ---------------------------------------
    this.encryptionKey = props.encryptionKey
      ?? createLogsKey(this, 'Key', `cdk-mlops RetrainTrigger ${this.node.path}: state, notifications, logs`);

    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.topic = new sns.Topic(this, 'Notifications', {
      displayName: 'cdk-mlops retraining',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- the state machine ----------------------------------------------------------
    // Training, the approval's hard limit, and 6 h for everything else (rollouts, bake, API calls).
    this.executionTimeoutSeconds = trainingSeconds + 2 * approvalSeconds + 6 * 3600;
    this.stateMachineRole = new iam.Role(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `cdk-mlops RetrainTrigger ${this.node.path}: retraining state machine`,
    });
    const definition = retrainDefinition({
      configParameterPrefix: this.configPath,
      tableName: this.table.tableName,
      topicArn: this.topic.topicArn,
      trainingStateMachineArn: training.stateMachineArn,
      metricNamespace: this.metricNamespace,
      approvalTimeoutSeconds: approvalSeconds,
      trainingTimeoutSeconds: trainingSeconds,
      executionTimeoutSeconds: this.executionTimeoutSeconds,
      partition: stack.partition,
      // eks:call, unless a model's cluster has a private endpoint: then the in-VPC caller (see `reachCluster`).
      kubeApiResource: Lazy.string({ produce: () => this.kubeCaller?.fn.functionArn ?? `arn:${stack.partition}:states:::eks:call` }),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      role: this.stateMachineRole,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      timeout: Duration.seconds(this.executionTimeoutSeconds),
      comment: 'cdk-mlops retraining (one state machine for every model; see docs/retrain-trigger.md)',
    });
    const problemAlarm = (id: string, metricName: string, what: string) => new cloudwatch.Alarm(this, id, {
      metric: this.metricProblem(metricName),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `cdk-mlops RetrainTrigger ${this.node.path}: ${what}`,
    });
    this.lockReleaseFailureAlarm = problemAlarm('LockReleaseFailureAlarm', LOCK_RELEASE_FAILURES_METRIC,
      'a retraining execution could not release its model\'s lock; the model stays locked until the lock TTL (see the execution output\'s problems.lock, docs/retrain-trigger.md)');
    this.inconsistentStateAlarm = problemAlarm('InconsistentStateAlarm', INCONSISTENT_STATE_METRIC,
      'a retraining execution left the registry, the Deployments, the traffic or the monitor baseline disagreeing with the champion (see the execution output\'s problems)');
    this.notificationFailureAlarm = problemAlarm('NotificationFailureAlarm', NOTIFICATION_FAILURES_METRIC,
      'a retraining outcome notification could not be published (the outcome stands; see the execution output\'s notifyError)');
    this.canaryAlarmNamePrefix = props.canaryAlarmNamePrefix;
    if (props.canaryAlarmNamePrefix !== undefined) checkPattern(this, 'canaryAlarmNamePrefix', props.canaryAlarmNamePrefix, /^[A-Za-z0-9._-]{1,200}$/, 'must be 1-200 letters, digits, ".", "_" and "-"');
    this.modelPackageGroupPrefix = props.modelPackageGroupPrefix;
    this.candidateBaselinePrefix = BaselineGrants.checkPrefix(this, 'candidateBaselinePrefix', props.candidateBaselinePrefix);
    this.monitorBaselinePrefix = BaselineGrants.checkPrefix(this, 'monitorBaselinePrefix', props.monitorBaselinePrefix);
    this.baselineGrants = new BaselineGrants(this.stateMachineRole, this.candidateBaselinePrefix, this.monitorBaselinePrefix);
    if (props.modelPackageGroupPrefix !== undefined) checkPattern(this, 'modelPackageGroupPrefix', props.modelPackageGroupPrefix, /^[a-zA-Z0-9](-*[a-zA-Z0-9])*-?$/, 'must be the start of a SageMaker model package group name (letters, digits and -)');
    grantRetrainStateMachine(this.stateMachineRole, training, {
      configPath: this.configPath,
      table: this.table,
      topic: this.topic,
      metricNamespace: this.metricNamespace,
      canaryAlarmNamePrefix: this.canaryAlarmNamePrefix,
      alarmArns: this.alarmArns,
      modelPackageGroupPrefix: this.modelPackageGroupPrefix,
      packageGroups: this.packageGroups,
    });

    // ---- the starter and the rules ------------------------------------------------------
    this.deadLetterQueue = createDeadLetterQueue(this, 'FailedEvents', this.encryptionKey);
    const starter = createHandlerFunction(this, {
      asset: 'retrain-starter',
      ids: { function: 'Starter', role: 'StarterRole', logs: 'StarterLogs' },
      description: 'cdk-mlops RetrainTrigger: starts the retraining state machine with a deterministic execution name',
      roleDescription: `cdk-mlops RetrainTrigger ${this.node.path}: starter`,
      encryptionKey: this.encryptionKey,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: {
        STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
        ALARM_PREFIX: this.alarmPrefix,
        ALARM_SUFFIXES: suffixes.join(','),
        MANUAL_SOURCE,
        CONFIG_PREFIX: this.configPath,
      },
    });
    this.starter = starter.fn;
    const starterRole = starter.role;
    starterRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListModels',
      actions: ['ssm:GetParametersByPath'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.configPath.slice(1, -1) })],
    }));
    this.stateMachine.grantStartExecution(starterRole);

    // Alarm changes OR manual requests, one rule. `$or` sits at the top level with no sibling field:
    // EventBridge ANDs every `$or` branch with the pattern's other fields, so a sibling `source` would
    // keep the manual requests out. The L2 EventPattern has no `$or` member; it renders unknown keys as given.
    this.rule = new events.Rule(this, 'AlarmRule', {
      description: `cdk-mlops RetrainTrigger ${this.node.path}: model alarms ${this.alarmPrefix}-* to ALARM, and manual requests`,
      eventPattern: retrainEventPattern(this.alarmPrefix),
    });
    const targetOptions = { retryAttempts: 8, maxEventAge: Duration.hours(2), deadLetterQueue: this.deadLetterQueue };
    this.rule.addTarget(new targets.LambdaFunction(this.starter, targetOptions));
    if (props.schedule) {
      this.scheduleRule = new events.Rule(this, 'ScheduleRule', {
        description: `cdk-mlops RetrainTrigger ${this.node.path}: scheduled retraining of every model`,
        schedule: props.schedule,
      });
      this.scheduleRule.addTarget(new targets.LambdaFunction(this.starter, targetOptions));
    }

    allowEventBridgeDeadLetters(this, this.encryptionKey, this.deadLetterQueue);
    this.acknowledgeNag(starterRole);

    this.operationsRecord = renderOperationsRecord(this, {
      alarmPrefix: this.alarmPrefix,
      stateMachineArn: this.stateMachine.stateMachineArn,
      retrainConfigPath: this.configPath,
      monitorConfigPath: props.driftMonitor?.configPath,
      modelPackageGroupPrefix: this.modelPackageGroupPrefix ?? '',
      retrainMetricNamespace: this.metricNamespace,
      driftMetricNamespace: props.driftMonitor?.namespace,
      stateTableName: this.table.tableName,
      topicArn: this.topic.topicArn,
    });
  }

  /** Registers a model: its record (an SSM parameter) and the cluster RBAC the canary needs. */
  public addModel(options: RetrainModelOptions): ssm.StringParameter {
    const rendering = this.register(options);
    const name = options.modelName;
    const parameter = new ssm.StringParameter(this, `Model-${name}`, {
      parameterName: rendering.parameterName,
      description: `cdk-mlops retraining record of model ${name}`,
      stringValue: Stack.of(this).toJsonString(rendering.record),
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
    });
    this.models.set(name, parameter);
    this.applyRbac(options, rendering.kubernetesObjects);
    return parameter;
  }

  /**
   * Registers a model without creating anything for it: returns its record, the SSM
   * parameter name to store it under and its Kubernetes RBAC objects, for a caller
   * that keeps them elsewhere (e.g. the record merged into another SSM parameter of
   * a stack holding many models, the RBAC objects rendered into the model's own
   * chart). The state machine's grants (canary alarms, model package group) and the
   * cluster's access entry are added as for `addModel`.
   */
  public renderModel(options: RetrainModelOptions): RetrainModelRendering {
    const rendering = this.register(options);
    this.models.set(options.modelName, undefined);
    return rendering;
  }

  private register(options: RetrainModelOptions): RetrainModelRendering {
    const name = options.modelName;
    checkDnsLabel(this, 'modelName', name);
    if (this.models.has(name)) invalid(this, 'modelName', name, 'is already registered with this RetrainTrigger');
    const { record, packageGroup } = renderRetrainRecord(this, options, this.executionTimeoutSeconds,
      (trainingModel) => this.monitorBaselineOf(options, trainingModel));
    // The per-model training settings, checked now with the code the pipeline's handler runs on them.
    if (this.trainingPipeline) validateTrainingInput(this.trainingPipeline, this, `models[${name}].trainingInput`, options.trainingInput);
    for (const alarm of options.canaryAlarms) {
      const literal = !Token.isUnresolved(alarm.alarmName) ? alarm.alarmName : undefined;
      const covered = this.canaryAlarmNamePrefix !== undefined && literal !== undefined && literal.startsWith(this.canaryAlarmNamePrefix);
      if (!covered) this.alarmArns.add(alarm.alarmArn);
    }
    if (this.canaryAlarmNamePrefix === undefined && this.alarmArns.size > 0 && !this.alarmsWatched) {
      this.alarmsWatched = true;
      watchCanaryAlarms(this.stateMachineRole, { canaryAlarmNamePrefix: undefined, alarmArns: this.alarmArns });
    }
    if (record.canaryMetricQueries !== undefined && !this.canaryMetricsGranted) this.grantCanaryMetrics();
    const prefixed = this.modelPackageGroupPrefix !== undefined && !isToken(packageGroup) && packageGroup.startsWith(this.modelPackageGroupPrefix);
    if (!prefixed) this.packageGroups.add(packageGroup);
    this.reachCluster(options.cluster);
    const kubernetesObjects = renderRbacObjects(options, this.clusterGroup(options.cluster));
    return { record, parameterName: `${this.configPath}${name}`, kubernetesObjects };
  }

  /**
   * The bake checks of models with `canaryMetrics` read them with GetMetricData, which has no resource-level
   * permissions (Service Authorization Reference, Amazon CloudWatch: GetMetricData lists no resource type): one
   * statement on `*`, added once whatever the number of such models. Its AwsSolutions-IAM5 acknowledgement is the
   * `Resource::*` reason of acknowledgeNag, which names GetMetricData only when this grant exists.
   */
  private grantCanaryMetrics(): void {
    this.canaryMetricsGranted = true;
    this.stateMachineRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadCanaryMetrics',
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
    }));
  }

  /**
   * Registers the model of a {@link ModelEndpoint}: the namespace, Deployments, Services, Ingress
   * and the first champion (the primary variant's artifact) come from the endpoint.
   */
  public addModelEndpoint(endpoint: ModelEndpoint, options: RetrainEndpointOptions): ssm.StringParameter {
    if (options.segment !== undefined) return this.addSegmentEndpoint(endpoint, options.segment, options);
    if (this.trainingPipeline) checkEndpointAgainstPipeline(this, this.trainingPipeline, endpoint, options);
    const primary = options.primaryVariant ?? 'primary';
    const canary = options.canaryVariant ?? 'canary';
    const coordinates = endpointCoordinates(this, endpoint, primary, canary);
    const parameter = this.addModel({
      ...options,
      ...coordinates,
      cluster: endpoint.cluster,
      dependsOn: [endpoint, ...(options.dependsOn ?? [])],
    });
    if (options.dashboard ?? true) {
      const existing = endpoint.node.tryFindChild('Dashboard');
      if (existing instanceof ModelDashboard) {
        existing.addRetrainOutcomes(this); // built by a segment registered first
      } else {
        const fromMonitor = this.driftMonitor?.node.tryFindChild(`Model-${endpoint.modelName}`);
        const monitoredModel = options.monitoredModel ?? (fromMonitor instanceof MonitoredModel ? fromMonitor : undefined);
        new ModelDashboard(endpoint, 'Dashboard', { endpoint, monitoredModel, retrainOutcomes: this });
      }
    }
    // Pods of the two variants the loop patches load the champion when they start, so a redeploy
    // (which puts back the rendered annotations) keeps every promotion.
    endpoint.readChampionFrom(this.championParameterName(endpoint.modelName), [primary, canary]);
    return parameter;
  }

  /** One segment of an endpoint retrained as its own model `<model>-<segment>` (see RetrainEndpointOptions.segment). */
  private addSegmentEndpoint(endpoint: ModelEndpoint, segment: string, options: RetrainEndpointOptions): ssm.StringParameter {
    for (const prop of ['primaryVariant', 'canaryVariant'] as const) {
      if (options[prop] !== undefined) invalid(this, prop, options[prop], `must be left out with segment (the segment "${segment}" is promoted to and canaried on its own variants)`);
    }
    const name = segmentModelName(endpoint.modelName, segment);
    if (this.models.has(name)) {
      invalid(this, 'segment', segment, `is already registered with this RetrainTrigger as "${name}" (a segment is retrained by one loop, and no model may be named like it)`);
    }
    const coordinates = segmentCoordinates(this, endpoint, segment);
    const trainingInput = { modelName: name, ...(options.trainingInput ?? {}) };
    if (this.trainingPipeline) checkEndpointAgainstPipeline(this, this.trainingPipeline, endpoint, { trainingInput });
    const monitored = options.monitoredModel ?? this.driftMonitor?.findModel(endpoint.modelName, segment);
    const parameter = this.addModel({
      ...options,
      ...coordinates,
      trainingInput,
      monitoredModel: monitored,
      cluster: endpoint.cluster,
      dependsOn: [endpoint, ...(options.dependsOn ?? [])],
    });
    if (options.dashboard ?? true) {
      // The segment's rows go on the model's dashboard (one resource per model, however many segments).
      const existing = endpoint.node.tryFindChild('Dashboard');
      const fromMonitor = this.driftMonitor?.node.tryFindChild(`Model-${endpoint.modelName}`);
      const dashboard = existing instanceof ModelDashboard ? existing : new ModelDashboard(endpoint, 'Dashboard', {
        endpoint, monitoredModel: fromMonitor instanceof MonitoredModel ? fromMonitor : undefined,
      });
      dashboard.addSegment({ segment, monitoredModel: monitored, retrainOutcomes: this });
    }
    // The segment's pods and its canary's load the segment's champion when they start (a redeploy keeps promotions).
    endpoint.readChampionFrom(this.championParameterName(name), [segment, endpoint.chart.segmentCanaryName(segment)]);
    return parameter;
  }

  /**
   * The SSM parameter the state machine writes the champion of a model to on promotion
   * (`<configPath>champions/<model>`, JSON with `modelArtifactUri`, `modelVersion` and `modelPackageArn`).
   * No template declares it, so a redeploy keeps it; model pods read it when they start (see
   * `ModelEndpoint.readChampionFrom`). It does not exist before the first promotion.
   */
  public championParameterName(modelName: string): string {
    return championParameterName(this.configPath, modelName);
  }

  /**
   * The DriftMonitor baseline a promotion of this model replaces (record field `monitorBaseline`), and the
   * state machine's rights for that copy: `s3:GetObject` on exactly the model's candidate prefix,
   * `s3:PutObject` on exactly the baseline key (or, when the props' `candidateBaselinePrefix` / `monitorBaselinePrefix`
   * cover them, on those prefixes: a policy that does not grow with the models), KMS through S3 on the two buckets' keys.
   */
  private monitorBaselineOf(options: RetrainModelOptions, trainingModel: string): { bucket: string; key: string } | undefined {
    const name = options.modelName;
    const fromMonitor = this.driftMonitor?.node.tryFindChild(`Model-${name}`);
    const model = options.monitoredModel ?? (fromMonitor instanceof MonitoredModel ? fromMonitor : undefined);
    const destination = options.monitorBaseline ?? (model ? { bucket: model.baselineBucket, key: model.baselineKey } : undefined);
    if (!destination) return undefined;
    if (!isToken(destination.key) && (destination.key === '' || destination.key.startsWith('/') || destination.key.endsWith('/'))) {
      invalid(this, 'monitorBaseline.key', destination.key, 'must be an S3 object key (not empty, not starting or ending with "/")');
    }
    const source = options.baselineSource ?? (this.trainingPipeline
      ? { bucket: this.trainingPipeline.outputBucket, prefix: `${this.trainingPipeline.modelOutputPrefix}${trainingModel}/` }
      : undefined);
    if (!source) {
      invalid(this, 'baselineSource', undefined, 'is required to copy the champion\'s baseline when the trigger has a trainingStateMachine instead of a trainingPipeline (the bucket and prefix its candidates are written under)');
    }
    if (!isToken(source.prefix) && (source.prefix.startsWith('/') || source.prefix.includes('*') || (source.prefix !== '' && !source.prefix.endsWith('/')))) {
      invalid(this, 'baselineSource.prefix', source.prefix, 'must be an S3 key prefix ending in "/" without a leading "/" or wildcards');
    }
    this.baselineGrants.add(source, destination);
    return { bucket: destination.bucket.bucketName, key: destination.key };
  }

  /** The registered model names. */
  public get modelNames(): string[] {
    return [...this.models.keys()];
  }

  /** Grants publishing manual retrain requests (EventBridge `PutEvents` on the default bus). */
  public grantManualStart(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      conditions: { StringEquals: { 'events:source': MANUAL_SOURCE } },
    });
  }

  /** Grants answering approval requests (`SendTaskSuccess/Failure/Heartbeat`). */
  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantTaskResponse(grantee);
  }

  /**
   * A metric of this trigger's namespace (`RetrainOutcome` is the one the state machine publishes).
   * @default - Sum over one day
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricNamespace,
      metricName,
      statistic: 'Sum',
      period: Duration.days(1),
      ...props,
    });
  }

  /**
   * A problem count of the state machine (`LockReleaseFailures`, `InconsistentState`, `NotificationFailures`): Sum over
   * five minutes of the `StateMachine` dimension (each execution also counts it per `ModelName`).
   */
  private metricProblem(metricName: string): cloudwatch.Metric {
    return this.metric(metricName, { period: Duration.minutes(5), dimensionsMap: { StateMachine: this.stateMachine.stateMachineName } });
  }

  /** Count of retrains of a model that ended with the given outcome (Sum over one day unless `props` says otherwise). */
  public metricOutcome(outcome: RetrainOutcome, modelName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('RetrainOutcome', { ...props, dimensionsMap: { ModelName: modelName, Outcome: outcome, ...props?.dimensionsMap } });
  }



  /**
   * `eks:call` authenticates as the state machine role: one EKS access entry per
   * cluster maps it to a Kubernetes group (returned), and per namespace a Role allows
   * only get/patch of the model's two Deployments and its Ingress (see `applyRbac`).
   */
  private clusterGroup(cluster: eks.ICluster): string {
    const clusterKey = Names.nodeUniqueId(cluster.node);
    let group = this.clusterGroups.get(clusterKey);
    if (!group) {
      group = `cdk-mlops-retrain-${crypto.createHash('sha256').update(this.node.path).digest('hex').slice(0, 10)}`;
      this.clusterGroups.set(clusterKey, group);
      new eks.CfnAccessEntry(this, `EksAccess${this.clusterGroups.size}`, {
        clusterName: cluster.clusterName,
        // Whoever calls the Kubernetes API: the state machine (eks:call) or the in-VPC caller.
        principalArn: Lazy.string({ produce: () => (this.kubeCaller ?? { role: this.stateMachineRole }).role.roleArn }),
        type: 'STANDARD',
        kubernetesGroups: [group],
      });
    }
    return group;
  }

  /**
   * How the state machine reaches the cluster's Kubernetes API: `eks:call` needs a public endpoint open to
   * every address (Step Functions developer guide, "Call Amazon EKS"). A private-endpoint cluster gets ONE
   * function in its VPC (lib/runtime/kube-call) that takes eks:call's parameters; every model of the trigger
   * then goes through it, so all their clusters must be in that VPC.
   */
  private reachCluster(cluster: eks.ICluster): void {
    const reach = clusterReach(cluster);
    if (reach === ClusterReach.UNREACHABLE) {
      invalid(this, 'cluster', cluster.node.path, 'has a public endpoint restricted to publicAccessCidrs and no private endpoint: neither Step Functions eks:call nor a function in its VPC can reach its Kubernetes API; give it EndpointAccess.PRIVATE (the GpuCluster default) or PUBLIC_AND_PRIVATE');
    }
    this.clusters.push(cluster);
    if (reach === ClusterReach.IN_VPC && !this.kubeCaller) {
      this.kubeCaller = createKubeCaller(this, cluster, {
        encryptionKey: this.encryptionKey, logRetention: this.logRetention, stateMachineRole: this.stateMachineRole,
      });
    }
    if (this.kubeCaller) {
      const callerVpc = this.kubeCaller.vpc;
      for (const c of this.clusters) {
        if (c.vpc !== callerVpc && c.vpc.vpcId !== callerVpc.vpcId) {
          invalid(this, 'cluster', c.node.path, `is not in the VPC of ${this.kubeCaller.cluster.node.path}, whose private endpoint makes this trigger call the Kubernetes API from a function in that VPC: register models of clusters in other VPCs with another RetrainTrigger`);
        }
        if (!this.kubeCaller.allowed.has(c)) {
          this.kubeCaller.allowed.add(c);
          c.connections.allowFrom(this.kubeCaller.securityGroup, ec2.Port.tcp(443), 'cdk-mlops retraining: the in-VPC Kubernetes API caller');
        }
      }
    }
  }

  private applyRbac(options: RetrainModelOptions, objects: RetrainRbacObject[]): void {
    const cluster = options.cluster;
    const rbacKey = `${Names.nodeUniqueId(cluster.node)}/${options.namespace}/${options.modelName}`;
    if (this.rbacNamespaces.has(rbacKey)) return;
    this.rbacNamespaces.add(rbacKey);
    if (!cluster.kubectlProvider) {
      Annotations.of(this).addWarningV2('cdk-mlops:retrain-no-kubectl',
        `cluster of model ${options.modelName} has no kubectl provider: bind Kubernetes group "${this.clusterGroup(cluster)}" to get/patch of deployments ${options.primaryDeployment}, ${options.canaryDeployment} and ingress ${options.ingressName} in namespace ${options.namespace} yourself`);
      return;
    }
    const manifest = new eks.KubernetesManifest(this, `Rbac-${options.modelName}`, {
      cluster,
      overwrite: true,
      manifest: objects,
    });
    for (const d of options.dependsOn ?? []) manifest.node.addDependency(d);
  }

  private acknowledgeNag(starterRole: iam.Role): void {
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the EventBridge targets (events the starter could not take); it needs no DLQ of its own.' },
    );
    // IAM5 findings are granular and embed rendered ARNs: acknowledge each once every grant ran.
    this.node.addValidation({
      validate: () => {
        const configArn = `parameter${this.configPath}*`;
        acknowledgeWildcards(this.stateMachineRole, (f) => {
          if (f === 'Resource::*') {
            return 'cloudwatch:PutMetricData (conditioned on the cloudwatch:namespace of the outcome metric) and sagemaker:ListModelPackages (the newest Approved package of a model\'s group, reconciled with the champion) have no resource-level permissions; the X-Ray and log-delivery actions CDK adds for tracing and logging have none either.'
              + (this.canaryMetricsGranted ? ' Nor has cloudwatch:GetMetricData (statement ReadCanaryMetrics): the bake checks read the canary metrics of the models registered with canaryMetrics, each model\'s own dimensions from its record.' : '');
          }
          if (/:model-package\/[A-Za-z0-9-]+\/\*$/.test(f)) return 'Candidate model package versions are created by each training run, so UpdateModelPackage is scoped to the versions of the registered models\' package groups.';
          if (this.modelPackageGroupPrefix !== undefined && f.endsWith(`:model-package/${this.modelPackageGroupPrefix}*/*`)) return 'Every model package group of the fleet starts with this prefix (one group per model): UpdateModelPackage approves or rejects the candidates of those groups only.';
          if (this.canaryAlarmNamePrefix !== undefined && f.endsWith(`:alarm:${this.canaryAlarmNamePrefix}*`)) return 'The canary alarms of every registered model are named with this prefix; DescribeAlarms and DescribeAlarmHistory read their state and state changes during the bake (one ARN pattern instead of one ARN per model).';
          if ([...this.baselineGrants.sourcePrefixes].some((prefix) => f.startsWith('Resource::') && f.endsWith(`/${prefix}*`))) {
            return 'The promotion copies the new champion\'s drift baseline from its training output (<prefix><job>/output/baseline.json, the job named per run): GetObject under the candidate prefix of a model, or of every model (candidateBaselinePrefix).';
          }
          if (this.monitorBaselinePrefix !== undefined && f.startsWith('Resource::') && f.endsWith(`/${this.monitorBaselinePrefix.prefix}*`)) {
            return 'Every registered model\'s DriftMonitor baseline (<prefix><model>/baseline.json and its .previous copy) lies under this prefix: one grant for the promotion\'s copy instead of two object ARNs per model.';
          }
          if (f.endsWith(`parameter${championParameterName(this.configPath, '')}*`)) return 'PutParameter of the champion parameters the promotion writes (<configPath>champions/<model>, one per registered model; created by the state machine, never by the template).';
          if (f.endsWith(configArn)) return 'GetParameter on this trigger\'s per-model records only (the record path of the model named in the execution input).';
          if (/:execution:.*:\*$/.test(f)) return 'startExecution.sync describes and stops the child executions of the training state machine; their names derive from each retraining execution.';
          if (f === 'Action::kms:GenerateDataKey*' || f === 'Action::kms:ReEncrypt*') return 'CDK KMS grant for the encrypted state table and notification topic; limited to this trigger\'s key.';
          return undefined;
        });
        acknowledgeWildcards(starterRole, (f) => (f === 'Action::kms:GenerateDataKey*' || f === 'Action::kms:ReEncrypt*'
          ? 'CDK KMS grant for the encrypted dead-letter queue; limited to this trigger\'s key.' : undefined));
        return [];
      },
    });
  }

}

