import * as crypto from 'node:crypto';
import { Annotations, ArnFormat, Duration, Lazy, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IDependable } from 'constructs';
import { DriftMonitor, MonitoredModel } from '../monitoring/drift-monitor';
import { ModelEndpoint } from '../inference/model-endpoint';
import { acknowledgeWildcards } from '../core/nag';
import { ApprovalPolicy, TrainingPipeline } from '../training/training-pipeline';
import { retrainDefinition } from './private/definition';
import { checkDnsLabel, checkInt, checkOneOf, checkPattern, invalid, isToken } from '../core/validation';
import { createDeadLetterQueue, createLogsKey } from '../core/encryption';
import { createHandlerFunction } from '../core/handler-function';
import { ENDPOINT_SERVICE_PORT, ENDPOINT_WEIGHTED_ACTION } from '../contracts/endpoint-wiring';

/** Source of manual retrain requests (EventBridge `source`). */
const MANUAL_SOURCE = 'cdk-mlops.retrain';
const MANUAL_DETAIL_TYPE = 'Retrain Requested';
const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const BUDGET_PERIODS = ['day', 'week', 'month'];

/** Anything that names alarms `<alarmPrefix>-<model>-<kind>` (a {@link DriftMonitor} does). */
export interface IRetrainAlarmSource {
  /** The stable alarm name prefix. */
  readonly alarmPrefix: string;
}

/** Properties of a {@link RetrainTrigger}. */
export interface RetrainTriggerProps {
  /**
   * The TrainingPipeline that trains candidates (its state machine is started with
   * `states:startExecution.sync:2`). Give this or `trainingStateMachine`.
   * @default - `trainingStateMachine`
   */
  readonly trainingPipeline?: TrainingPipeline;
  /**
   * A state machine with the TrainingPipeline's contract, when not a {@link TrainingPipeline}: its input
   * is the model's `trainingInput` (with `modelName`, the model's name unless it sets one) merged with
   * `{_champion, _trigger, _retrainExecutionId}`;
   * its output carries `verdict` (`passed` to go on), `modelPackageArn`, `modelArtifactUri`,
   * `baselineUri` and `metrics`.
   * @default - `trainingPipeline.stateMachine`
   */
  readonly trainingStateMachine?: sfn.IStateMachine;
  /**
   * The DriftMonitor whose model alarms (`<alarmPrefix>-<model>-drift|-quality`) start retrains.
   * @default - `alarmPrefix` must be given
   */
  readonly driftMonitor?: DriftMonitor;
  /**
   * Alarm name prefix (without the trailing `-`) of the alarms that start retrains, when no `driftMonitor` is given.
   * @default - `driftMonitor.alarmPrefix`
   */
  readonly alarmPrefix?: string;
  /**
   * Any source of alarms named `<alarmPrefix>-<model>-<kind>`.
   * @deprecated use `driftMonitor` (or `alarmPrefix`)
   * @default - `driftMonitor` or `alarmPrefix`
   */
  readonly alarmSource?: IRetrainAlarmSource;
  /**
   * Alarm name suffixes that mean "retrain this model".
   * @default ['-drift', '-quality']
   */
  readonly alarmSuffixes?: string[];
  /**
   * Also retrain every registered model on a schedule (e.g. monthly).
   * @default - no schedule
   */
  readonly schedule?: events.Schedule;
  /**
   * How long an approval request waits (heartbeat; the hard limit is twice this, for approvers who send heartbeats).
   * @default Duration.hours(24)
   */
  readonly approvalTimeout?: Duration;
  /**
   * Upper bound of one TrainingPipeline execution (the Train step's timeout; the state machine's timeout and the
   * default lock TTL are derived from it).
   * @default - the `trainingPipeline`'s `timeout`; 24 hours with a `trainingStateMachine`
   */
  readonly trainingTimeout?: Duration;
  /**
   * Key for the table, topic, log groups and dead-letter queue.
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * CloudWatch namespace of the `RetrainOutcome` metric.
   * @default 'CdkMlops/Retrain'
   */
  readonly metricNamespace?: string;
  /**
   * SSM path of the per-model records, starting and ending with `/`.
   * @default `/cdk-mlops/retrain/<alarmPrefix>/`
   */
  readonly configPath?: string;
  /**
   * Canary alarms whose (literal) names start with this prefix are covered by ONE
   * `cloudwatch:DescribeAlarms` grant on `alarm:<prefix>*` instead of one alarm ARN
   * per alarm in the state machine's policy (which grows with every model).
   * @default - every canary alarm's ARN is listed
   */
  readonly canaryAlarmNamePrefix?: string;
  /**
   * Model package groups whose names start with this prefix are covered by ONE
   * `sagemaker:UpdateModelPackage` grant on `model-package/<prefix>*\/*` instead of one per group
   * (e.g. a TrainingPipeline's `modelPackageGroupPrefix`).
   * @default - every registered model's group is listed
   */
  readonly modelPackageGroupPrefix?: string;
  /**
   * Retention of the state machine and starter logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** One S3 object: the DriftMonitor baseline a promotion replaces with the new champion's. */
export interface MonitorBaselineLocation {
  /** The bucket (its KMS key, if any, gets `kms:GenerateDataKey` through S3 for the copy). */
  readonly bucket: s3.IBucket;
  /** The object key (e.g. a MonitoredModel's `baselineKey`). */
  readonly key: string;
}

/** Where the training state machine writes the candidates' baselines (the copy may read exactly this prefix). */
export interface BaselineSourceLocation {
  /** The bucket (its KMS key, if any, gets `kms:Decrypt` through S3 for the copy). */
  readonly bucket: s3.IBucket;
  /** Key prefix of the model's candidates, ending in `/` (e.g. `training/models/fraud/`). */
  readonly prefix: string;
}

/** How a model is retrained and canaried (shared by {@link RetrainModelOptions} and {@link RetrainEndpointOptions}). */
export interface RetrainPolicyOptions {
  /** Alarms watched while the canary bakes (error rate, latency, quality); 1-100. */
  readonly canaryAlarms: cloudwatch.IAlarm[];
  /**
   * Model package of the model served before any retrain (the first champion).
   * @default 'none'
   */
  readonly initialModelPackageArn?: string;
  /**
   * Model package group of the model (the TrainingPipeline's), for `UpdateModelPackage` rights.
   * @default - the model name
   */
  readonly modelPackageGroupName?: string;
  /**
   * Per-model input of the training state machine (merged with the retrain context). Its `modelName`
   * (the model's own name unless given here) is the model the training state machine trains.
   * @default { modelName: <modelName> }
   */
  readonly trainingInput?: { [key: string]: any };
  /**
   * Share of traffic (percent) sent to the canary while it bakes.
   * @default 10
   */
  readonly canaryWeight?: number;
  /**
   * How long the canary bakes.
   * @default Duration.minutes(30)
   */
  readonly bakeTime?: Duration;
  /**
   * How many times the canary alarms are checked during the bake (evenly spaced, last at the end).
   * @default 3
   */
  readonly bakeChecks?: number;
  /**
   * How long to wait for a Deployment to roll out before giving up.
   * @default Duration.minutes(15)
   */
  readonly rolloutTimeout?: Duration;
  /**
   * Minimum time between the starts of two retrains of the model.
   * @default Duration.hours(6)
   */
  readonly cooldown?: Duration;
  /**
   * At most this many retrains of the model per budget period.
   * @default 4
   */
  readonly maxRetrainsPerPeriod?: number;
  /**
   * Budget period: `day`, `week` or `month`.
   * @default 'month'
   */
  readonly budgetPeriod?: string;
  /**
   * Ask a human (SNS + task token) before training.
   * @default false
   */
  readonly requireApproval?: boolean;
  /**
   * How long the model's lock lasts if an execution dies without releasing it (a backstop; a finished
   * execution always releases it). At least the state machine's timeout, so a running retrain never loses its lock.
   * @default - the state machine's timeout plus one hour
   */
  readonly maxRunTime?: Duration;
  /**
   * Constructs that must exist before the RBAC objects are applied (e.g. the ModelEndpoint creating the namespace).
   * @default - none
   */
  readonly dependsOn?: IDependable[];
  /**
   * The DriftMonitor model whose baseline follows the champion: on promotion the new champion's baseline
   * (the training output's `baselineLocation`) is copied over its `baselineBucket`/`baselineKey`; a rollback
   * or a rejected candidate leaves it untouched.
   * @default - the `driftMonitor`'s model of the same name when the trigger has a `driftMonitor` and it has one
   */
  readonly monitoredModel?: MonitoredModel;
  /**
   * Where a promotion copies the new champion's baseline, when not (or not only) from a `monitoredModel`.
   * @default - the `monitoredModel`'s baseline; none (not copied) without one
   */
  readonly monitorBaseline?: MonitorBaselineLocation;
  /**
   * Where the training state machine writes this model's candidates (the baseline copy reads exactly this prefix).
   * @default - with a `trainingPipeline`: its output bucket, prefix `<modelOutputPrefix><trainingInput.modelName or modelName>/`
   */
  readonly baselineSource?: BaselineSourceLocation;
}

/** How one model is retrained and rolled out; registered with {@link RetrainTrigger.addModel}. */
export interface RetrainModelOptions extends RetrainPolicyOptions {
  /** The model name (DNS-1123 label, as in the ModelEndpoint and the DriftMonitor). */
  readonly modelName: string;
  /** The EKS cluster serving the model (Step Functions `eks:call` needs its public endpoint). */
  readonly cluster: eks.ICluster;
  /** Kubernetes namespace of the model's objects. */
  readonly namespace: string;
  /** Deployment of the primary variant. */
  readonly primaryDeployment: string;
  /** Deployment of the canary variant. */
  readonly canaryDeployment: string;
  /** Service of the primary variant (an ALB target group). */
  readonly primaryService: string;
  /** Service of the canary variant. */
  readonly canaryService: string;
  /** Service port (number) both Services expose. */
  readonly servicePort: number;
  /** The ALB Ingress carrying the weighted forward action. */
  readonly ingressName: string;
  /** Name of the weighted action (`alb.ingress.kubernetes.io/actions.<name>`). */
  readonly ingressActionName: string;
  /** S3 URI of the model served before any retrain (the first champion). */
  readonly initialModelArtifactUri: string;
  /** Version label of that model. */
  readonly initialModelVersion: string;
}

/** Options of {@link RetrainTrigger.addModelEndpoint}: the coordinates come from the ModelEndpoint. */
export interface RetrainEndpointOptions extends RetrainPolicyOptions {
  /**
   * The variant serving production traffic.
   * @default 'primary'
   */
  readonly primaryVariant?: string;
  /**
   * The variant the candidate is canaried on (its weight is 0 outside a retrain).
   * @default 'canary'
   */
  readonly canaryVariant?: string;
}

/**
 * A model registered with {@link RetrainTrigger.renderModel}: what `addModel` would create, as data,
 * for a caller that stores the record and applies the RBAC objects itself.
 */
export interface RetrainModelRendering {
  /** The model's record: JSON the state machine reads from the SSM parameter `parameterName` (may hold tokens). */
  readonly record: { [key: string]: any };
  /** Name of the SSM parameter the record must be stored in (`<configPath><modelName>`). */
  readonly parameterName: string;
  /**
   * The Kubernetes Role and RoleBinding (namespaced) that let the state machine get/patch the model's
   * Deployments and Ingress; apply them with the model's own objects.
   */
  readonly kubernetesObjects: any[];
}

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
  /** Namespace of the `RetrainOutcome` metric. */
  public readonly metricNamespace: string;
  /** EventBridge `source` of manual requests. */
  public readonly manualSource: string = MANUAL_SOURCE;
  /** EventBridge `detail-type` of manual requests. */
  public readonly manualDetailType: string = MANUAL_DETAIL_TYPE;

  private readonly models = new Map<string, ssm.StringParameter | undefined>();
  private readonly canaryAlarmNamePrefix?: string;
  private readonly modelPackageGroupPrefix?: string;
  private readonly clusterGroups = new Map<string, string>();
  private readonly rbacNamespaces = new Set<string>();
  private readonly packageGroups = new Set<string>();
  private readonly alarmArns = new Set<string>();
  private readonly baselineReads = new Set<string>();
  private readonly baselineWrites = new Set<string>();
  private readonly baselineDecryptKeys = new Set<string>();
  private readonly baselineEncryptKeys = new Set<string>();
  private readonly baselineSourcePrefixes = new Set<string>();
  private readonly baselineStatements = new Set<string>();
  private readonly driftMonitor?: DriftMonitor;
  private readonly trainingPipeline?: TrainingPipeline;
  private readonly stateMachineRole: iam.Role;
  private readonly executionTimeoutSeconds: number;

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
    this.canaryAlarmNamePrefix = props.canaryAlarmNamePrefix;
    if (props.canaryAlarmNamePrefix !== undefined) checkPattern(this, 'canaryAlarmNamePrefix', props.canaryAlarmNamePrefix, /^[A-Za-z0-9._-]{1,200}$/, 'must be 1-200 letters, digits, ".", "_" and "-"');
    this.modelPackageGroupPrefix = props.modelPackageGroupPrefix;
    if (props.modelPackageGroupPrefix !== undefined) checkPattern(this, 'modelPackageGroupPrefix', props.modelPackageGroupPrefix, /^[a-zA-Z0-9](-*[a-zA-Z0-9])*-?$/, 'must be the start of a SageMaker model package group name (letters, digits and -)');
    this.grantStateMachine(training);

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

    this.rule = new events.Rule(this, 'AlarmRule', {
      description: `cdk-mlops RetrainTrigger ${this.node.path}: model alarms ${this.alarmPrefix}-* to ALARM, and manual requests`,
      eventPattern: { source: ['aws.cloudwatch'] },
    });
    // `$or` (not expressible with the L2 EventPattern): alarm changes OR manual requests, one rule.
    (this.rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern', {
      $or: [
        {
          'source': ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          'detail': { alarmName: [{ prefix: `${this.alarmPrefix}-` }], state: { value: ['ALARM'] } },
        },
        { 'source': [MANUAL_SOURCE], 'detail-type': [MANUAL_DETAIL_TYPE] },
      ],
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

    this.acknowledgeNag(starterRole);
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
    for (const [prop, value] of [['namespace', options.namespace], ['primaryDeployment', options.primaryDeployment], ['canaryDeployment', options.canaryDeployment],
      ['primaryService', options.primaryService], ['canaryService', options.canaryService], ['ingressName', options.ingressName]] as const) {
      checkDnsLabel(this, prop, value);
    }
    if (!isToken(options.primaryDeployment) && options.primaryDeployment === options.canaryDeployment) {
      invalid(this, 'canaryDeployment', options.canaryDeployment, 'must differ from primaryDeployment');
    }
    checkPattern(this, 'ingressActionName', options.ingressActionName, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (the ALB action name)');
    checkInt(this, 'servicePort', options.servicePort, 1, 65535);
    if (options.canaryAlarms.length < 1 || options.canaryAlarms.length > 100) {
      invalid(this, 'canaryAlarms', options.canaryAlarms.length, 'must hold between 1 and 100 alarms (DescribeAlarms with no names would return every alarm)');
    }
    checkPattern(this, 'initialModelArtifactUri', options.initialModelArtifactUri, /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/, 'must be an s3://bucket/key URI');
    checkPattern(this, 'initialModelVersion', options.initialModelVersion, /^[A-Za-z0-9._:+-]{1,128}$/, 'must be 1-128 letters, digits and . _ : + -');
    const canaryWeight = options.canaryWeight ?? 10;
    checkInt(this, 'canaryWeight', canaryWeight, 1, 50);
    const bakeSeconds = (options.bakeTime ?? Duration.minutes(30)).toSeconds();
    const bakeChecks = options.bakeChecks ?? 3;
    checkInt(this, 'bakeChecks', bakeChecks, 1, 6);
    if (bakeSeconds < 60 || bakeSeconds > 7 * 86400) invalid(this, 'bakeTime', `${bakeSeconds} seconds`, 'must be between 1 minute and 7 days');
    const rolloutSeconds = (options.rolloutTimeout ?? Duration.minutes(15)).toSeconds();
    if (rolloutSeconds < 60 || rolloutSeconds > 6 * 3600) invalid(this, 'rolloutTimeout', `${rolloutSeconds} seconds`, 'must be between 1 minute and 6 hours');
    const cooldownSeconds = (options.cooldown ?? Duration.hours(6)).toSeconds();
    if (cooldownSeconds < 0 || cooldownSeconds > 90 * 86400) invalid(this, 'cooldown', `${cooldownSeconds} seconds`, 'must be between 0 and 90 days');
    const maxRetrains = options.maxRetrainsPerPeriod ?? 4;
    checkInt(this, 'maxRetrainsPerPeriod', maxRetrains, 1, 1000);
    const budgetPeriod = options.budgetPeriod ?? 'month';
    checkOneOf(this, 'budgetPeriod', budgetPeriod, BUDGET_PERIODS);
    const maxRunSeconds = options.maxRunTime?.toSeconds() ?? this.executionTimeoutSeconds + 3600;
    if (maxRunSeconds < this.executionTimeoutSeconds || maxRunSeconds > 60 * 86400) {
      invalid(this, 'maxRunTime', `${maxRunSeconds} seconds`, `must be between the state machine timeout (${this.executionTimeoutSeconds} seconds) and 60 days, so a running retrain never loses its lock`);
    }
    // Rollout polls wait base, 2 x base, 3 x base...: n polls cover base * n(n+1)/2 seconds; at most 8 polls.
    const pollSeconds = Math.max(60, Math.ceil(rolloutSeconds / 36));
    let rolloutPolls = 1;
    while (pollSeconds * rolloutPolls * (rolloutPolls + 1) / 2 < rolloutSeconds) rolloutPolls++;
    const packageGroup = options.modelPackageGroupName ?? name;
    checkPattern(this, 'modelPackageGroupName', packageGroup, /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker model package group name (1-63 letters, digits and -)');

    const weights = (canary: number) => ({
      metadata: {
        annotations: {
          [`alb.ingress.kubernetes.io/actions.${options.ingressActionName}`]: JSON.stringify({
            type: 'forward',
            forwardConfig: {
              targetGroups: [
                { serviceName: options.primaryService, servicePort: String(options.servicePort), weight: 100 - canary },
                { serviceName: options.canaryService, servicePort: String(options.servicePort), weight: canary },
              ],
            },
          }),
        },
      },
    });
    // The training state machine's modelName: the model's unless its trainingInput names another one (the
    // candidate prefix the baseline copy reads is derived from the same value).
    if (options.trainingInput?.modelName !== undefined && typeof options.trainingInput.modelName !== 'string') {
      invalid(this, 'trainingInput.modelName', options.trainingInput.modelName, 'must be a string (the TrainingPipeline model name)');
    }
    const trainingInput: { [key: string]: any } = { modelName: name, ...(options.trainingInput ?? {}) };
    const monitorBaseline = this.monitorBaselineOf(options, trainingInput.modelName);
    const record = {
      schemaVersion: 1,
      modelName: name,
      approvalRequired: options.requireApproval ?? false,
      cooldownSeconds,
      lockTtlSeconds: maxRunSeconds,
      maxRetrainsPerPeriod: maxRetrains,
      budgetPeriod,
      bakeIntervalSeconds: Math.max(1, Math.round(bakeSeconds / bakeChecks)),
      bakeChecks,
      rolloutPollSeconds: pollSeconds,
      rolloutMaxPolls: rolloutPolls,
      canaryWeight,
      canaryAlarmNames: options.canaryAlarms.map((a) => a.alarmName),
      trainingInput,
      ...(monitorBaseline ? { monitorBaseline } : {}),
      initialChampion: {
        modelPackageArn: options.initialModelPackageArn ?? 'none',
        modelArtifactUri: options.initialModelArtifactUri,
        modelVersion: options.initialModelVersion,
      },
      eks: {
        clusterName: options.cluster.clusterName,
        endpoint: options.cluster.clusterEndpoint,
        certificateAuthority: options.cluster.clusterCertificateAuthorityData,
        namespace: options.namespace,
        primaryDeployment: options.primaryDeployment,
        canaryDeployment: options.canaryDeployment,
        ingressName: options.ingressName,
        ingressCanaryPatch: weights(canaryWeight),
        ingressStablePatch: weights(0),
      },
    };
    for (const alarm of options.canaryAlarms) {
      const literal = !Token.isUnresolved(alarm.alarmName) ? alarm.alarmName : undefined;
      if (this.canaryAlarmNamePrefix === undefined || literal === undefined || !literal.startsWith(this.canaryAlarmNamePrefix)) this.alarmArns.add(alarm.alarmArn);
    }
    if (this.modelPackageGroupPrefix === undefined || isToken(packageGroup) || !packageGroup.startsWith(this.modelPackageGroupPrefix)) this.packageGroups.add(packageGroup);
    const group = this.clusterGroup(options.cluster);
    const roleName = `cdk-mlops-retrain-${options.modelName}`.slice(0, 63).replace(/-$/, '');
    const kubernetesObjects = [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: roleName, namespace: options.namespace },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], resourceNames: [options.primaryDeployment, options.canaryDeployment], verbs: ['get', 'patch'] },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], resourceNames: [options.ingressName], verbs: ['get', 'patch'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: roleName, namespace: options.namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
      },
    ];
    return { record, parameterName: `${this.configPath}${name}`, kubernetesObjects };
  }

  /**
   * Registers the model of a {@link ModelEndpoint}: the namespace, Deployments, Services, Ingress
   * and the first champion (the primary variant's artifact) come from the endpoint.
   */
  public addModelEndpoint(endpoint: ModelEndpoint, options: RetrainEndpointOptions): ssm.StringParameter {
    const primaryName = options.primaryVariant ?? 'primary';
    const canaryName = options.canaryVariant ?? 'canary';
    const variants = endpoint.chart.variants;
    const primary = variants.find((v) => v.name === primaryName);
    const canary = variants.find((v) => v.name === canaryName);
    const names = variants.map((v) => v.name).join(', ');
    if (!primary) invalid(this, 'primaryVariant', primaryName, `must name a variant of ${endpoint.node.path} (${names})`);
    if (!canary) invalid(this, 'canaryVariant', canaryName, `must name a variant of ${endpoint.node.path} (${names})`);
    if (primaryName === canaryName) invalid(this, 'canaryVariant', canaryName, 'must differ from primaryVariant');
    return this.addModel({
      ...options,
      modelName: endpoint.modelName,
      cluster: endpoint.cluster,
      namespace: endpoint.namespace,
      primaryDeployment: endpoint.serviceNameForVariant(primaryName),
      canaryDeployment: endpoint.serviceNameForVariant(canaryName),
      primaryService: endpoint.serviceNameForVariant(primaryName),
      canaryService: endpoint.serviceNameForVariant(canaryName),
      servicePort: ENDPOINT_SERVICE_PORT,
      ingressName: endpoint.ingressName,
      ingressActionName: ENDPOINT_WEIGHTED_ACTION,
      // The URI the endpoint renders into the variant's model-artifact-uri annotation.
      initialModelArtifactUri: endpoint.chart.artifactUriForVariant(primaryName),
      initialModelVersion: primary.modelVersion,
      dependsOn: [endpoint, ...(options.dependsOn ?? [])],
    });
  }

  /**
   * The DriftMonitor baseline a promotion of this model replaces (record field `monitorBaseline`), and the
   * state machine's rights for that copy: `s3:GetObject` on exactly the model's candidate prefix,
   * `s3:PutObject` on exactly the baseline key, KMS through S3 on the two buckets' keys.
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
    // Reads: the candidates' baselines, the monitor's baseline and its kept copy (<key>.previous, restored by the cleanup).
    // Writes: the monitor's baseline and the kept copy.
    this.baselineReads.add(source.bucket.arnForObjects(`${source.prefix}*`));
    this.baselineSourcePrefixes.add(source.prefix);
    for (const key of [destination.key, `${destination.key}.previous`]) {
      this.baselineReads.add(destination.bucket.arnForObjects(key));
      this.baselineWrites.add(destination.bucket.arnForObjects(key));
    }
    if (source.bucket.encryptionKey) this.baselineDecryptKeys.add(source.bucket.encryptionKey.keyArn);
    if (destination.bucket.encryptionKey) {
      this.baselineDecryptKeys.add(destination.bucket.encryptionKey.keyArn);
      this.baselineEncryptKeys.add(destination.bucket.encryptionKey.keyArn);
    }
    this.addBaselineGrants();
    return { bucket: destination.bucket.bucketName, key: destination.key };
  }

  /** One statement per kind of baseline right, created on first use; its resources grow with each model (deduplicated). */
  private addBaselineGrants(): void {
    const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } };
    const statements: [string, string, Set<string>, boolean][] = [
      ['ReadCandidateBaselines', 's3:GetObject', this.baselineReads, false],
      ['WriteMonitorBaselines', 's3:PutObject', this.baselineWrites, false],
      ['DecryptCandidateBaselines', 'kms:Decrypt', this.baselineDecryptKeys, true],
      ['EncryptMonitorBaselines', 'kms:GenerateDataKey', this.baselineEncryptKeys, true],
    ];
    for (const [sid, action, resources, kms] of statements) {
      if (resources.size === 0 || this.baselineStatements.has(sid)) continue;
      this.baselineStatements.add(sid);
      this.stateMachineRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid,
        actions: [action],
        resources: Lazy.list({ produce: () => [...resources] }),
        ...(kms ? { conditions: viaS3 } : {}),
      }));
    }
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

  /** Count of retrains that ended with the given outcome (e.g. `promoted`, `rolled-back`, `failed`). */
  public metricOutcome(outcome: string, modelName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricNamespace,
      metricName: 'RetrainOutcome',
      dimensionsMap: { ModelName: modelName, Outcome: outcome },
      statistic: 'Sum',
      period: Duration.days(1),
      ...props,
    });
  }

  private grantStateMachine(training: sfn.IStateMachine): void {
    const stack = Stack.of(this);
    const role = this.stateMachineRole;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelRecords',
      actions: ['ssm:GetParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${this.configPath.slice(1)}*` })],
    }));
    this.table.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.topic.grantPublish(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'StartTraining',
      actions: ['states:StartExecution'],
      resources: [training.stateMachineArn],
    }));
    const trainingName = stack.splitArn(training.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '*';
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FollowTraining',
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${trainingName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SyncRule',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WatchCanaryAlarms',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: Lazy.list({
        produce: () => [
          ...(this.canaryAlarmNamePrefix !== undefined ? [stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${this.canaryAlarmNamePrefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] : []),
          ...this.alarmArns,
        ],
      }),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'OutcomeMetric',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': this.metricNamespace } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ApproveOrRejectCandidates',
      actions: ['sagemaker:UpdateModelPackage'],
      resources: Lazy.list({
        produce: () => [...(this.modelPackageGroupPrefix !== undefined ? [`${this.modelPackageGroupPrefix}*`] : []), ...this.packageGroups]
          .map((g) => stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${g}/*` })),
      }),
    }));
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
        principalArn: this.stateMachineRole.roleArn,
        type: 'STANDARD',
        kubernetesGroups: [group],
      });
    }
    return group;
  }

  private applyRbac(options: RetrainModelOptions, objects: any[]): void {
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
          if (f === 'Resource::*') return 'cloudwatch:PutMetricData has no resource-level permissions (conditioned on the cloudwatch:namespace of the outcome metric); the X-Ray and log-delivery actions CDK adds for tracing and logging have none either.';
          if (/:model-package\/[A-Za-z0-9-]+\/\*$/.test(f)) return 'Candidate model package versions are created by each training run, so UpdateModelPackage is scoped to the versions of the registered models\' package groups.';
          if (this.modelPackageGroupPrefix !== undefined && f.endsWith(`:model-package/${this.modelPackageGroupPrefix}*/*`)) return 'Every model package group of the fleet starts with this prefix (one group per model): UpdateModelPackage approves or rejects the candidates of those groups only.';
          if (this.canaryAlarmNamePrefix !== undefined && f.endsWith(`:alarm:${this.canaryAlarmNamePrefix}*`)) return 'The canary alarms of every registered model are named with this prefix; DescribeAlarms reads their state during the bake (one ARN pattern instead of one ARN per model).';
          if ([...this.baselineSourcePrefixes].some((prefix) => f.startsWith('Resource::') && f.endsWith(`/${prefix}*`))) {
            return 'The promotion copies the new champion\'s drift baseline from its training output (<prefix><job>/output/baseline.json, the job named per run): GetObject under this model\'s candidate prefix only.';
          }
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
