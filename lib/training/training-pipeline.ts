import { Arn, ArnFormat, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PipelineFrame } from '../contracts/training-settings';
import { createLogsKey } from '../core/encryption';
import { createHandlerFunction } from '../core/handler-function';
import { checkDnsLabel, invalid, isToken } from '../core/validation';
import { NOTIFICATION_FAILURES_METRIC, renderDefinition } from './private/definition';
import { acknowledgeExecutionGrant, acknowledgePipelineFindings } from './private/nag';
import {
  imageRepositories, renderGroupCreationGrant, renderHandlerPolicy, renderRegistryGrant, renderStateMachineRole,
  renderTrainingRole, renderTrainingVpc, RoleContext,
} from './private/roles';
import { renderSettings } from './private/settings';
import { registerPipelineSettings } from './private/training-input';
import { TrainingPipelineProps } from './training-pipeline-props';
import { ApprovalPolicy } from './types';

export * from './types';
export * from './training-image';
export * from './training-pipeline-props';

/**
 * GPU training on SageMaker with dataset versioning, a drift baseline, an
 * evaluation gate and a model registry with lineage, as one Step Functions
 * (Standard) state machine. Per-model settings travel in the execution input,
 * so one pipeline can train many models. The input/output contract is in
 * docs/training-pipeline.md.
 */
export class TrainingPipeline extends Construct {
  /** The CloudWatch namespace of every pipeline's own metrics. */
  public static readonly NAMESPACE = 'CdkMlops/TrainingPipeline';

  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** Model package group of `modelName`. */
  public readonly modelPackageGroupName: string;
  /** The role SageMaker training jobs run with. */
  public readonly trainingRole: iam.Role;
  /** The Lambda function of the prepare/baseline/evaluate steps. */
  public readonly handler: lambda.Function;
  /** Topic notified of failures and outcomes. */
  public readonly notificationTopic: sns.ITopic;
  /** Key for logs, topic and (by default) volumes and outputs. */
  public readonly encryptionKey: kms.IKey;
  /** The state machine's log group. */
  public readonly logGroup: logs.LogGroup;
  /** Bucket the model artifacts and baselines are written to. */
  public readonly outputBucket: s3.IBucket;
  /** Key prefix of every model's candidates: `<modelOutputPrefix><modelName>/<job>/output/{model.tar.gz,baseline.json}`. */
  public readonly modelOutputPrefix: string;
  /** What the registry does with a candidate that passes the evaluation gate (the `approval` prop, defaulted). */
  public readonly approval: ApprovalPolicy;
  /** Upper bound of one execution (the state machine's timeout; the `timeout` prop, defaulted). */
  public readonly timeout: Duration;
  /** CloudWatch namespace of the pipeline's own metrics (`metric()`), dimension `StateMachine`. */
  public readonly namespace: string = TrainingPipeline.NAMESPACE;
  /**
   * In alarm when a notification (outcome or failure) could not be published after its retries.
   * Notifications are best-effort: a registered candidate is never discarded for one. Add an action
   * that does not depend on the notification topic (e.g. another topic) to hear about it.
   */
  public readonly notificationFailureAlarm: cloudwatch.Alarm;
  /** The pipeline's fixed frame (internal). */
  private readonly frame: PipelineFrame;
  private readonly outputKey: kms.IKey;
  private readonly stateMachineRole: iam.Role;
  private readonly groupPrefix: string;
  private readonly groupsAtRunTime: boolean;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const outputPrefix = props.outputPrefix ?? 'training/';
    this.outputBucket = props.outputBucket;
    this.modelOutputPrefix = `${outputPrefix}models/`;
    const checkpointPrefix = props.checkpointPrefix ?? '';
    this.groupPrefix = props.modelPackageGroupPrefix ?? '';
    if (props.modelPackageGroupPrefix !== undefined && !/^[a-z0-9](-*[a-z0-9])*-?$/.test(props.modelPackageGroupPrefix)) {
      invalid(this, 'modelPackageGroupPrefix', props.modelPackageGroupPrefix, 'must be lower-case letters, digits and "-" (SageMaker lower-cases ARNs, IAM matches them)');
    }
    this.groupsAtRunTime = props.createModelPackageGroupsAtRunTime ?? false;
    if (this.groupsAtRunTime && !this.groupPrefix) {
      invalid(this, 'createModelPackageGroupsAtRunTime', true, 'needs a modelPackageGroupPrefix: the IAM policy that lets the pipeline create groups covers that prefix');
    }
    const timeout = props.timeout ?? Duration.days(14);
    this.timeout = timeout;
    this.approval = props.approval ?? ApprovalPolicy.AUTO;

    // Keys.
    this.encryptionKey = props.encryptionKey
      ?? createLogsKey(this, 'Key', `cdk-mlops TrainingPipeline ${this.node.path}: logs, notifications, training volumes and outputs`);
    const volumeKey = props.volumeEncryptionKey ?? this.encryptionKey;
    const outputKey = props.outputEncryptionKey ?? this.encryptionKey;
    this.outputKey = outputKey;

    // The fixed frame and the default per-model settings.
    const { frame, settings, defaults } = renderSettings(this, props, {
      approval: this.approval, outputPrefix, checkpointPrefix, groupPrefix: this.groupPrefix, volumeKey, timeout,
    });
    this.frame = frame;
    registerPipelineSettings(this, frame, settings);

    // Roles.
    const roles: RoleContext = {
      datasetBucket: props.datasetBucket, datasetPrefix: props.datasetPrefix, outputBucket: props.outputBucket,
      outputPrefix, checkpointPrefix, volumeKey, outputKey,
      repositories: imageRepositories(stack, props.trainingImage, props.additionalRepositories ?? []),
      metricNamespace: this.namespace,
    };
    this.trainingRole = renderTrainingRole(this, roles);
    const vpcConfig = props.vpc ? renderTrainingVpc(this, this.trainingRole, props.vpc, props.vpcSubnets, props.securityGroups) : undefined;

    // Notifications and logs.
    this.notificationTopic = props.notificationTopic ?? new sns.Topic(this, 'Notifications', {
      masterKey: this.encryptionKey, enforceSSL: true, displayName: `cdk-mlops training ${props.modelName}`,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: this.encryptionKey, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN,
    });

    // Lambda (prepare / baseline / evaluate).
    const fn = createHandlerFunction(this, {
      asset: 'training-pipeline',
      ids: { function: 'Handler', role: 'HandlerRole', logs: 'HandlerLogs' },
      description: 'cdk-mlops TrainingPipeline: dataset snapshot, drift baseline, evaluation gate',
      roleDescription: `prepare/baseline/evaluate steps of ${this.node.path}`,
      encryptionKey: this.encryptionKey,
      logRetention: logs.RetentionDays.ONE_YEAR,
      timeout: Duration.minutes(15),
      memorySize: 2048,
      tracing: true,
    });
    this.handler = fn.fn;
    renderHandlerPolicy(fn.role, roles);

    // State machine role.
    this.stateMachineRole = renderStateMachineRole(this, roles, this.trainingRole);
    this.notificationTopic.grantPublish(this.stateMachineRole);
    if (!props.notificationTopic) this.encryptionKey.grant(this.stateMachineRole, 'kms:GenerateDataKey*', 'kms:Decrypt');
    this.handler.grantInvoke(this.stateMachineRole);

    // Registry.
    this.modelPackageGroupName = this.addModel(props.modelName);
    if (this.groupPrefix) renderRegistryGrant(this.stateMachineRole, `${this.groupPrefix}*`);
    if (this.groupsAtRunTime) renderGroupCreationGrant(this.stateMachineRole, this.groupPrefix);

    // Definition.
    const definition = renderDefinition({
      scope: this,
      handler: this.handler,
      topic: this.notificationTopic,
      trainingRole: this.trainingRole,
      datasetBucket: props.datasetBucket,
      outputBucket: props.outputBucket,
      outputPrefix,
      outputKey,
      frame: this.frame,
      defaults,
      vpcConfig,
      checkpoints: checkpointPrefix !== '',
      enableNetworkIsolation: props.enableNetworkIsolation ?? true,
      encryptInterContainerTraffic: props.encryptInterContainerTraffic ?? true,
      groupsAtRunTime: this.groupsAtRunTime,
      metricNamespace: this.namespace,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      role: this.stateMachineRole,
      timeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: `cdk-mlops TrainingPipeline (${props.modelName}): snapshot dataset -> train -> baseline -> evaluate -> register`,
    });
    acknowledgePipelineFindings(this, { datasetPrefix: props.datasetPrefix, outputPrefix, checkpointPrefix, groupPrefix: this.groupPrefix });
    this.notificationFailureAlarm = new cloudwatch.Alarm(this, 'NotificationFailureAlarm', {
      metric: this.metricNotificationFailures(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `cdk-mlops TrainingPipeline ${this.node.path}: a notification could not be published (the execution went on; see its output's notificationFailure)`,
    });
  }

  /**
   * Creates the model package group of another model trained by this pipeline
   * (executions with `"modelName": "<name>"`) and returns its name.
   */
  public addModel(modelName: string): string {
    if (isToken(modelName)) invalid(this, 'modelName', modelName, 'must be a literal string, not a token: it names the model package group and its construct at synth');
    checkDnsLabel(this, 'modelName', modelName, 40);
    const name = `${this.groupPrefix}${modelName}`;
    if (this.groupsAtRunTime) return name;
    const group = new sagemaker.CfnModelPackageGroup(this, `ModelPackageGroup-${modelName}`, {
      modelPackageGroupName: name,
      modelPackageGroupDescription: `cdk-mlops: every candidate of model ${modelName} (approved, pending and rejected) with lineage`,
    });
    group.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (!this.groupPrefix) renderRegistryGrant(this.stateMachineRole, name);
    return name;
  }

  /**
   * Grants permission to start executions (and, for callers using
   * `startExecution.sync`, to describe and stop them).
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stateMachine.grantStartExecution(grantee);
    if (Construct.isConstruct(grantee)) {
      const sm = this.stateMachine.node.defaultChild as CfnResource;
      acknowledgeExecutionGrant(grantee, Stack.of(sm).getLogicalId(sm), this.node.path);
    }
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resourceArns: [Arn.format({
        service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: `${Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
      }, Stack.of(this))],
    });
    return grant;
  }

  /**
   * Grants read access to every model's candidates (`<modelOutputPrefix>*`: model artifacts and drift
   * baselines), including decryption with the key SageMaker encrypted the artifacts with.
   */
  public grantReadOutputs(grantee: iam.IGrantable): iam.Grant {
    return this.outputBucket.grantRead(grantee, `${this.modelOutputPrefix}*`).combine(this.outputKey.grantDecrypt(grantee));
  }

  /**
   * A metric of the pipeline's own namespace (`CdkMlops/TrainingPipeline`), dimension `StateMachine`.
   * @param metricName e.g. `NotificationFailures`
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { StateMachine: this.stateMachine.stateMachineName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Notifications (outcome or failure) that could not be published after their retries (sum). */
  public metricNotificationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(NOTIFICATION_FAILURES_METRIC, props);
  }

  /** Executions that succeeded (a rejected candidate is a successful execution with verdict "rejected"). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /** Executions that failed (training failure, invalid input, service errors after retries). */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /** Execution duration (ms). */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime(props);
  }
}
