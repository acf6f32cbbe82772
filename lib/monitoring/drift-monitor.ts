import { CfnResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, segmentModelName } from '../contracts/drift-monitor-config';
import { createDeadLetterQueue, createLogsKey } from '../core/encryption';
import { createHandlerFunction } from '../core/handler-function';
import { flattenIntrinsic } from '../core/intrinsics';
import { checkInt, checkPattern, invalid, isToken } from '../core/validation';
import { FleetDashboard } from '../operations/fleet-dashboard';
import { DriftMonitorProps, MonitoredModelOptions } from './drift-monitor-props';
import { MonitoredModel } from './monitored-model';
import { checkAlarmWindow, checkS3Prefix, HOURS_DIVIDING_DAY, NAMESPACE_RE, PREFIX_RE } from './private/checks';

export * from './drift-monitor-props';
export * from '../contracts/drift-thresholds';
export * from './monitored-model';

const MAX_STACK_RESOURCES = 500;

/**
 * Drift and model-quality monitoring for many models with one shared,
 * scheduled Lambda handler.
 *
 * Each model registered with {@link addModel} costs one SSM parameter (its
 * configuration, read by the handler) and one or two single-metric alarms —
 * no per-model Lambda, rule, policy statement or environment variable.
 * The handler reads each model's capture window from S3, compares it with the
 * model's baseline, joins late ground-truth labels, publishes CloudWatch
 * metrics and, per model, the number of drifted features and of quality
 * breaches, on which the alarms fire.
 */
export class DriftMonitor extends Construct {
  /** The shared handler. */
  public readonly handler: lambda.Function;
  /** The handler's role. */
  public readonly role: iam.Role;
  /** The schedule rules (one per shard). */
  public readonly rules: events.Rule[];
  /** Receives failed runs (a run fails when any model failed, after every other model's metrics were published); not retried. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The handler's (encrypted) log group. */
  public readonly logGroup: logs.LogGroup;
  /** The key encrypting logs and the failure queue. */
  public readonly encryptionKey: kms.IKey;
  /** The CloudWatch namespace of every metric. */
  public readonly namespace: string;
  /**
   * Alarm name prefix: every model alarm is named `<alarmPrefix>-<model>-drift|quality` (one EventBridge
   * rule with prefix `<alarmPrefix>-` matches them all).
   */
  public readonly alarmPrefix: string;
  /** SSM path (starts and ends with `/`) holding one configuration parameter per model. */
  public readonly configPath: string;
  /** The run interval, also the alarm period. */
  public readonly schedule: Duration;
  /**
   * Fires when any model had no drift values in a run (empty or too small window, failure) or the handler
   * did not run. Its name, `<alarmPrefix>.unmonitored-models`, is outside the model alarm prefix.
   */
  public readonly healthAlarm: cloudwatch.Alarm;
  /** Default evaluation periods of the model alarms. */
  public readonly evaluationPeriods: number;
  /** Default datapoints to alarm of the model alarms. */
  public readonly datapointsToAlarm: number;
  /** The fleet dashboard (most drifted models, alarm states, retrains per day); undefined with `dashboard: false`. */
  public readonly dashboard?: FleetDashboard;

  /** @internal */
  public readonly _captureBucket: s3.IBucket;
  /** @internal */
  public readonly _capturePrefix: string;
  /** @internal */
  public readonly _baselineBucket: s3.IBucket;
  /** @internal */
  public readonly _baselinePrefix: string;
  /** @internal */
  public readonly _labelsBucket: s3.IBucket;
  /** @internal */
  public readonly _labelsPrefix: string;

  private readonly models = new Map<string, MonitoredModel>();
  private readonly grantedPrefixes = new Map<string, string[]>();
  private readonly readGrants: Array<{ bucket: s3.IBucket; prefix: string }> = [];

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.namespace = props.namespace ?? 'CdkMlops/DriftMonitor';
    checkPattern(this, 'namespace', this.namespace, NAMESPACE_RE, 'must be 1-255 characters of letters, digits, spaces and . _ / # : - (not starting with a space)');
    if (!isToken(this.namespace) && this.namespace.startsWith('AWS/')) invalid(this, 'namespace', this.namespace, 'must not start with "AWS/" (reserved for AWS services)');
    this.alarmPrefix = props.alarmPrefix ?? `${stack.stackName}-mlops`;
    if (Token.isUnresolved(this.alarmPrefix)) invalid(this, 'alarmPrefix', this.alarmPrefix, 'must be a literal string (alarm names are matched by prefix)');
    checkPattern(this, 'alarmPrefix', this.alarmPrefix, PREFIX_RE, 'must be 1-100 characters of letters, digits, ".", "_" and "-", starting with a letter or digit');

    this.schedule = props.schedule ?? Duration.hours(1);
    const scheduleHours = this.schedule.toSeconds() / 3600;
    if (!HOURS_DIVIDING_DAY.includes(scheduleHours)) {
      invalid(this, 'schedule', this.schedule.toHumanString(), `must be a whole number of hours dividing 24: ${HOURS_DIVIDING_DAY.join(', ')} hours (windows are built from hourly capture partitions)`);
    }
    const scheduleMinute = props.scheduleMinute ?? 20;
    checkInt(this, 'scheduleMinute', scheduleMinute, 0, 59);
    const shards = props.shards ?? 1;
    checkInt(this, 'shards', shards, 1, 20);
    const modelConcurrency = props.modelConcurrency ?? 4;
    checkInt(this, 'modelConcurrency', modelConcurrency, 1, 64);
    const memorySize = props.memorySize ?? 1024;
    checkInt(this, 'memorySize', memorySize, 256, 10240);
    const timeout = props.timeout ?? Duration.minutes(10);
    if (timeout.toSeconds() < 60 || timeout.toSeconds() > 900) invalid(this, 'timeout', timeout.toHumanString(), 'must be between 1 and 15 minutes');
    this.evaluationPeriods = props.evaluationPeriods ?? 3;
    this.datapointsToAlarm = props.datapointsToAlarm ?? 2;
    checkAlarmWindow(this, '', this.evaluationPeriods, this.datapointsToAlarm, this.schedule);

    const capturePrefix = props.capturePrefix ?? 'capture/';
    checkS3Prefix(this, 'capturePrefix', capturePrefix);
    const baselinePrefix = props.baselinePrefix ?? 'baselines/';
    checkS3Prefix(this, 'baselinePrefix', baselinePrefix);
    const labelsPrefix = props.labelsPrefix ?? 'labels/';
    checkS3Prefix(this, 'labelsPrefix', labelsPrefix);
    this._captureBucket = props.captureBucket;
    this._capturePrefix = capturePrefix;
    this._baselineBucket = props.baselineBucket ?? props.captureBucket;
    this._baselinePrefix = baselinePrefix;
    this._labelsBucket = props.labelsBucket ?? props.captureBucket;
    this._labelsPrefix = labelsPrefix;

    this.configPath = props.configPath ?? `/cdk-mlops/drift-monitor/${this.alarmPrefix}/`;
    checkPattern(this, 'configPath', this.configPath, /^\/([A-Za-z0-9_.-]+\/){1,10}$/, 'must start and end with "/" and hold only letters, digits, "_", "." and "-" in at most 10 levels');

    // Encryption of logs and the failure queue.
    this.encryptionKey = props.encryptionKey
      ?? createLogsKey(this, 'Key', `cdk-mlops DriftMonitor ${this.node.path}: handler logs and failure queue`);
    this.deadLetterQueue = createDeadLetterQueue(this, 'FailedRuns', this.encryptionKey);

    const handler = createHandlerFunction(this, {
      asset: 'drift-monitor',
      description: 'cdk-mlops DriftMonitor: drift and model-quality metrics for every registered model',
      roleDescription: `cdk-mlops DriftMonitor ${this.node.path}`,
      encryptionKey: this.encryptionKey,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      memorySize,
      timeout,
      reservedConcurrentExecutions: shards,
      // A failed run goes to the queue at once; the next scheduled run is the retry (re-running
      // would publish every healthy model's datapoints twice).
      async: { retryAttempts: 0, maxEventAge: Duration.hours(1), onFailure: this.deadLetterQueue },
      statements: [
        new iam.PolicyStatement({
          sid: 'PutMetricDataInNamespace',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'], // PutMetricData supports no resource-level permissions; scoped by namespace below.
          conditions: { StringEquals: { 'cloudwatch:namespace': this.namespace } },
        }),
        new iam.PolicyStatement({
          sid: 'ReadModelConfigs',
          actions: ['ssm:GetParametersByPath'],
          resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.configPath.slice(1, -1) })],
        }),
      ],
      environment: {
        CONFIG_PATH: this.configPath,
        NAMESPACE: this.namespace,
        MONITOR_NAME: this.alarmPrefix,
        MODEL_CONCURRENCY: String(modelConcurrency),
      },
    });
    this.handler = handler.fn;
    this.role = handler.role;
    this.logGroup = handler.logGroup;


    this.rules = [];
    for (let shard = 0; shard < shards; shard++) {
      const rule = new events.Rule(this, shards === 1 ? 'Schedule' : `Schedule${shard}`, {
        description: `cdk-mlops DriftMonitor ${this.node.path}: every ${scheduleHours} h${shards > 1 ? ` (shard ${shard + 1}/${shards})` : ''}`,
        schedule: events.Schedule.cron({ minute: String(scheduleMinute), hour: scheduleHours === 1 ? '*' : `0/${scheduleHours}` }),
      });
      rule.addTarget(new targets.LambdaFunction(this.handler, {
        event: events.RuleTargetInput.fromObject({ time: events.EventField.time, shard, shards }),
      }));
      this.rules.push(rule);
    }

    // Read access to the shared roots: constant IAM size however many models.
    this.grantReadPrefix(this._captureBucket, capturePrefix);
    this.grantReadPrefix(this._baselineBucket, baselinePrefix);
    this.healthAlarm = new cloudwatch.Alarm(this, 'UnmonitoredAlarm', {
      alarmName: `${this.alarmPrefix}.unmonitored-models`,
      alarmDescription: `Models without drift values in the last run of ${this.node.path} (empty or too-small capture window, or a failure); breaching when the monitor did not run.`,
      metric: this.metricUnmonitoredModels(),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    if (props.dashboard ?? true) this.dashboard = new FleetDashboard(this, 'FleetDashboard', { monitor: this });

    this.acknowledgeNag();

    // CloudFormation's 500-resource limit, checked per stack holding models of
    // this monitor (each costs 2-3 resources), with the way out.
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const stacks = new Map<Stack, number>();
        for (const m of this.models.values()) stacks.set(Stack.of(m), (stacks.get(Stack.of(m)) ?? 0) + 1);
        for (const [s, count] of stacks) {
          const resources = s.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length;
          if (resources > MAX_STACK_RESOURCES) {
            errors.push(`[cdk-mlops] ${this.node.path}: stack ${s.stackName} has ${resources} resources, over CloudFormation's limit of ${MAX_STACK_RESOURCES}; it holds ${count} monitored models (2-3 resources each). Register some in another stack with \`new MonitoredModel(otherStack, id, { monitor, ... })\` — the shared handler needs no cross-stack reference.`);
          }
        }
        return errors;
      },
    });
  }

  /**
   * Registers a model, or one segment of a model (`segment`): returns its alarms and metrics.
   * A segment is monitored as `<modelName>-<segment>` (its parameter, alarms and `modelNames` entry).
   */
  public addModel(options: MonitoredModelOptions): MonitoredModel {
    const name = options.segment === undefined || options.modelName === undefined
      ? options.modelName : segmentModelName(options.modelName, options.segment);
    if (this.models.has(name)) {
      invalid(this, options.segment === undefined ? 'modelName' : 'segment', options.segment ?? name,
        `must be monitored once: the monitor already monitors "${name}"${options.segment === undefined ? '' : ` (a model of that name, or segment ${options.segment} of ${options.modelName})`}`);
    }
    return new MonitoredModel(this, `Model-${name}`, { ...options, monitor: this });
  }

  /**
   * The registration of a model, or of one of its segments (`findModel('fraud', 'eu')`); undefined when
   * it is not monitored here.
   */
  public findModel(modelName: string, segment?: string): MonitoredModel | undefined {
    return this.models.get(segment === undefined ? modelName : segmentModelName(modelName, segment));
  }

  /** The registered models, by name. */
  public get modelNames(): string[] {
    return [...this.models.keys()];
  }

  /**
   * A metric of the monitor, aggregated with `Maximum` over the schedule unless `props` says otherwise.
   * Without a `ModelName` in `props.dimensionsMap` it is a fleet metric (dimension `Monitor`):
   * `UnmonitoredModels`, `MonitoredModels`. Per-model metrics: see {@link MonitoredModel.metric}.
   */
  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const dimensionsMap: Record<string, string> = { ...props.dimensionsMap };
    if (dimensionsMap.ModelName === undefined) dimensionsMap.Monitor = this.alarmPrefix;
    return new cloudwatch.Metric({
      ...props,
      namespace: this.namespace,
      metricName,
      dimensionsMap,
      statistic: props.statistic ?? 'Maximum',
      period: props.period ?? this.schedule,
    });
  }

  /** Models without drift values in a run (`UnmonitoredModels{Monitor}`, summed by default), the health alarm's metric. */
  public metricUnmonitoredModels(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.unmonitoredModels, { statistic: 'Sum', ...props });
  }

  /** Models monitored in a run (`MonitoredModels{Monitor}`). */
  public metricMonitoredModels(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.monitoredModels, props);
  }

  /** Grants reading the model configurations (SSM path) to another principal, e.g. a CLI role. */
  public grantReadConfig(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParametersByPath', 'ssm:GetParameter'],
      resourceArns: [
        Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.configPath.slice(1, -1) }),
        Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${this.configPath.slice(1)}*` }),
      ],
    });
  }

  /**
   * Grants the handler read access to a bucket prefix (ListBucket conditioned on the prefix, GetObject on it,
   * KMS decrypt when the bucket has a key). Deduplicated: a prefix already covered adds nothing.
   * @internal
   */
  public _grantHandlerRead(bucket: s3.IBucket, prefix: string): void {
    this.grantReadPrefix(bucket, prefix);
  }

  /** @internal */
  public _register(model: MonitoredModel): void {
    if (this.models.has(model.modelName)) {
      invalid(model, 'modelName', model.modelName, `must be unique: the monitor ${this.node.path} already monitors it`);
    }
    this.models.set(model.modelName, model);
    this.dashboard?.addModel(model);
  }

  private grantReadPrefix(bucket: s3.IBucket, prefix: string): void {
    const key = bucket.node.addr;
    const granted = this.grantedPrefixes.get(key) ?? [];
    if (granted.some((p) => prefix.startsWith(p))) return;
    granted.push(prefix);
    this.grantedPrefixes.set(key, granted);
    this.readGrants.push({ bucket, prefix });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      ...(prefix === '' ? {} : { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${prefix}*`)],
    }));
    bucket.encryptionKey?.grantDecrypt(this.role);
  }

  private acknowledgeNag(): void {
    Validations.of(this.role).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'cloudwatch:PutMetricData has no resource-level permissions; the statement is conditioned on the cloudwatch:namespace of the monitor.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'Sending to the KMS-encrypted failure queue (SqsDestination grant) needs data keys of that queue\'s key only.' },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'Part of the SqsDestination grant on the KMS-encrypted failure queue; limited to that queue\'s key.' },
    );
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'This queue is the handler\'s on-failure destination, i.e. it is the dead-letter queue.' },
    );
    // The read grants are on <bucket>/<prefix>* : acknowledge exactly those, once rendered.
    this.node.addValidation({
      validate: () => {
        const stack = Stack.of(this);
        for (const { bucket, prefix } of this.readGrants) {
          const rendered = flattenIntrinsic(stack.resolve(bucket.arnForObjects(`${prefix}*`)));
          Validations.of(this.role).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${rendered}]`,
            reason: `The shared handler reads every model's monitoring data under "${prefix}" (capture records, baselines or labels); the prefix holds only that data.`,
          });
        }
        return [];
      },
    });
  }
}

