import { Annotations, CfnResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parseJsonPath } from './engine';
import {
  FeatureConfig, MODEL_CONFIG_VERSION, ModelMonitorConfig, QualityThresholdConfig, ThresholdOverrides,
} from '../contracts/drift-monitor-config';
import { checkDnsLabel, checkInt, checkNumber, checkOneOf, checkPattern, invalid, isToken } from '../core/validation';
import { createDeadLetterQueue, createLogsKey } from '../core/encryption';
import { createHandlerFunction } from '../core/handler-function';
import { flattenIntrinsic } from '../core/intrinsics';

/** Drift thresholds; any statistic beyond its threshold marks the feature drifted. */
export interface DriftThresholdOverrides {
  /** Population stability index above which a feature drifted. @default 0.2 */
  readonly psi?: number;
  /** Jensen–Shannon distance (base 2) above which a feature drifted. @default 0.1 */
  readonly jensenShannon?: number;
  /** Kolmogorov–Smirnov p-value below which a numeric feature drifted. @default 0.05 */
  readonly ksPValue?: number;
  /** Normalised Wasserstein distance above which a numeric feature drifted. @default 0.1 */
  readonly wassersteinNormed?: number;
  /** Chi-square p-value below which a categorical feature drifted. @default 0.05 */
  readonly chiSquarePValue?: number;
}

/** A monitored feature: its name, optionally its type and its own thresholds. */
export interface MonitoredFeature extends DriftThresholdOverrides {
  /** The feature's field name in the request. */
  readonly name: string;
  /**
   * `numeric` or `categorical`.
   * @default - inferred: numeric when every non-missing value is a finite number
   */
  readonly type?: string;
}

/** Ground truth for model-quality metrics and the quality alarm's thresholds. */
export interface ModelQualityOptions {
  /** `binary` (accuracy, precision, recall, F1, AUC) or `regression` (RMSE, MAE). */
  readonly problemType: string;
  /**
   * Bucket holding the labels.
   * @default - the monitor's `labelsBucket`
   */
  readonly labelsBucket?: s3.IBucket;
  /**
   * Prefix of this model's labels: JSON Lines `{"inferenceId": "...", "label": ...}` in hour partitions
   * `<labelsPrefix>dt=YYYY-MM-DD/hour=HH/` by arrival time.
   * @default - `<monitor labelsPrefix>model=<modelName>/`
   */
  readonly labelsPrefix?: string;
  /**
   * How many hours labels may arrive after the inference. The quality window ends this many hours before
   * the drift window, and labels that arrived up to the end of the drift window are joined.
   * @default 0
   */
  readonly labelDelayHours?: number;
  /**
   * Path of the prediction in the capture record's `response` (dots and `[n]`, e.g. `predictions[0].score`).
   * A bare number or boolean response is used as is.
   * @default 'prediction'
   */
  readonly predictionPath?: string;
  /** Binary only: a score at or above this is the positive class. @default 0.5 */
  readonly decisionThreshold?: number;
  /** Fewer joined (prediction, label) pairs than this publish no quality values. @default 30 */
  readonly minSamples?: number;
  /** Binary: accuracy below this is a breach. @default - not checked */
  readonly minAccuracy?: number;
  /** Binary: precision below this is a breach. @default - not checked */
  readonly minPrecision?: number;
  /** Binary: recall below this is a breach. @default - not checked */
  readonly minRecall?: number;
  /** Binary: F1 below this is a breach. @default - not checked */
  readonly minF1?: number;
  /** Binary: ROC AUC below this is a breach. @default - not checked */
  readonly minAuc?: number;
  /** Regression: RMSE above this is a breach. @default - not checked */
  readonly maxRmse?: number;
  /** Regression: MAE above this is a breach. @default - not checked */
  readonly maxMae?: number;
}

/** One model to monitor (see {@link DriftMonitor.addModel}). */
export interface MonitoredModelOptions {
  /** The model name (a DNS-1123 label, as in the capture prefixes `model=<name>/`). */
  readonly modelName: string;
  /** The variants to read (`variant=<name>/` capture prefixes). @default ['primary'] */
  readonly variants?: string[];
  /**
   * Key of the model's drift baseline (JSON written by the training pipeline's baseline step).
   * Must lie under the monitor's `baselinePrefix` unless `baselineBucket` is given.
   */
  readonly baselineKey: string;
  /**
   * Bucket of the baseline; giving one adds a read grant for this model's baseline key.
   * @default - the monitor's `baselineBucket`
   */
  readonly baselineBucket?: s3.IBucket;
  /** Capture bucket; giving one adds a read grant for this model's prefix. @default - the monitor's `captureBucket` */
  readonly captureBucket?: s3.IBucket;
  /** Capture root prefix (`CapturePrefix` layout below it). @default - the monitor's `capturePrefix` */
  readonly capturePrefix?: string;
  /** Hours of capture compared with the baseline on each run (the last complete hours). @default 1 */
  readonly windowHours?: number;
  /** Fewer records than this in a variant's window publish no drift values for it. @default 100 */
  readonly minSamples?: number;
  /** JSON path of the features inside each capture record. @default - the drift engine's default (`request`) */
  readonly featuresPath?: string;
  /** Features to compare (types and per-feature thresholds). @default - every feature of the baseline, types inferred */
  readonly features?: MonitoredFeature[];
  /** Model-wide threshold overrides (per-feature ones win). @default - PSI 0.2, JS 0.1, KS p 0.05, W 0.1, chi² p 0.05 */
  readonly thresholds?: DriftThresholdOverrides;
  /**
   * Publish every per-feature statistic (`FeatureDrift`). With false only the per-model counts are
   * published (cheaper: custom metrics are billed per dimension combination).
   * @default true
   */
  readonly featureMetrics?: boolean;
  /** Drifted features (in any variant) at which the drift alarm fires. @default 1 */
  readonly driftedFeaturesToAlarm?: number;
  /** Periods (schedule runs) the alarms evaluate. @default - the monitor's `evaluationPeriods` */
  readonly evaluationPeriods?: number;
  /** Breaching periods among `evaluationPeriods` that fire the alarms. @default - the monitor's `datapointsToAlarm` */
  readonly datapointsToAlarm?: number;
  /** Ground truth: enables quality metrics and the quality alarm. @default - no quality monitoring */
  readonly quality?: ModelQualityOptions;
  /**
   * More top-level keys stored in the model's configuration parameter, for another reader of the
   * same record: e.g. a RetrainTrigger whose `configPath` is this monitor's, reading the record
   * `RetrainTrigger.renderModel` returns, so a model costs one parameter instead of two. The
   * handler ignores them; they must not reuse its own keys.
   * @default - none
   */
  readonly additionalConfig?: { [key: string]: any };
  /**
   * Tier of the configuration parameter (e.g. `INTELLIGENT_TIERING` when `additionalConfig` holds
   * values whose length is only known at deploy time).
   * @default - Standard, or Advanced (with a warning) when the configuration is estimated over 4 KB
   */
  readonly configParameterTier?: ssm.ParameterTier;
}

/** Props of {@link MonitoredModel}. */
export interface MonitoredModelProps extends MonitoredModelOptions {
  /** The monitor whose handler monitors this model. */
  readonly monitor: DriftMonitor;
}

/** Props of {@link DriftMonitor}. */
export interface DriftMonitorProps {
  /** Bucket of the capture stream (JSON Lines capture records). */
  readonly captureBucket: s3.IBucket;
  /** Capture root prefix, ending in `/` (or empty). @default 'capture/' */
  readonly capturePrefix?: string;
  /** Bucket of the drift baselines. @default - the capture bucket */
  readonly baselineBucket?: s3.IBucket;
  /** Prefix under which baselines live (the handler may read all of it), ending in `/`. @default 'baselines/' */
  readonly baselinePrefix?: string;
  /** Bucket of the ground-truth labels. @default - the capture bucket */
  readonly labelsBucket?: s3.IBucket;
  /** Root prefix of the labels (per model `model=<name>/` below it), ending in `/`. @default 'labels/' */
  readonly labelsPrefix?: string;
  /** CloudWatch namespace of every metric. @default 'CdkMlops/DriftMonitor' */
  readonly namespace?: string;
  /**
   * Stable alarm name prefix: model alarms are `<alarmPrefix>-<model>-drift` and `<alarmPrefix>-<model>-quality`.
   * Alarm names are unique per account and region, so give each monitor its own.
   * @default - `<stackName>-mlops`
   */
  readonly alarmPrefix?: string;
  /** How often the monitor runs: whole hours dividing 24 (1, 2, 3, 4, 6, 8, 12 or 24); also the alarm period. @default Duration.hours(1) */
  readonly schedule?: Duration;
  /** Minute past the hour at which runs start, so the capture stream has flushed the last hour (Firehose buffers up to 15 minutes). @default 20 */
  readonly scheduleMinute?: number;
  /** Parallel handler invocations per run, each monitoring the models whose name hashes to it (1-20). @default 1 */
  readonly shards?: number;
  /** Models monitored concurrently inside one invocation. @default 4 */
  readonly modelConcurrency?: number;
  /** Handler memory (MiB). @default 1024 */
  readonly memorySize?: number;
  /** Handler timeout. @default Duration.minutes(10) */
  readonly timeout?: Duration;
  /** Periods (schedule runs) the alarms evaluate. @default 3 */
  readonly evaluationPeriods?: number;
  /** Breaching periods among `evaluationPeriods` that fire an alarm. @default 2 */
  readonly datapointsToAlarm?: number;
  /** SSM path of the per-model configuration parameters, starting and ending with `/`. @default - `/cdk-mlops/drift-monitor/<alarmPrefix>/` */
  readonly configPath?: string;
  /**
   * Key encrypting the handler's logs and failure queue. Its policy must let CloudWatch Logs
   * (`logs.<region>.amazonaws.com`) use it for this log group.
   * @default - a new key with rotation, whose policy allows CloudWatch Logs
   */
  readonly encryptionKey?: kms.IKey;
  /** Retention of the handler's logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** Options of {@link DriftMonitor.metric}. */
export interface DriftMetricOptions {
  /** The model (`ModelName` dimension). @default - no ModelName dimension (fleet metrics) */
  readonly modelName?: string;
  /** The variant (`Variant` dimension). @default - no Variant dimension (all variants of the model) */
  readonly variant?: string;
  /** The feature (`Feature` dimension). @default - no Feature dimension */
  readonly feature?: string;
  /** The statistic (`Statistic` dimension, e.g. `psi`, `auc`). @default - no Statistic dimension */
  readonly statistic?: string;
  /** The CloudWatch aggregation. @default 'Maximum' */
  readonly aggregation?: string;
  /** The period. @default - the monitor's schedule */
  readonly period?: Duration;
}

const NAMESPACE_RE = /^[A-Za-z0-9._/#:-][A-Za-z0-9 ._/#:-]{0,254}$/;
const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const S3_PREFIX_RE = /^$|^[^/].*\/$/;
const VARIANT_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOURS_DIVIDING_DAY = [1, 2, 3, 4, 6, 8, 12, 24];
const STANDARD_PARAMETER_BYTES = 4096;
const ADVANCED_PARAMETER_BYTES = 8192;
const MAX_STACK_RESOURCES = 500;
/** The keys of the handler's record (ModelMonitorConfig), reserved against `additionalConfig`. */
const CONFIG_KEYS = ['v', 'model', 'capture', 'variants', 'baseline', 'windowHours', 'minSamples', 'featuresPath', 'features', 'thresholds', 'featureMetrics', 'quality'];

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
  /** Alarm name prefix: every model alarm is named `<alarmPrefix>-<model>-drift|quality` (one EventBridge rule with prefix `<alarmPrefix>-` matches them all). */
  public readonly alarmPrefix: string;
  /** SSM path (starts and ends with `/`) holding one configuration parameter per model. */
  public readonly configPath: string;
  /** The run interval, also the alarm period. */
  public readonly schedule: Duration;
  /** Fires when any model had no drift values in a run (empty or too small window, failure) or the handler did not run. Its name, `<alarmPrefix>.unmonitored-models`, is outside the model alarm prefix. */
  public readonly healthAlarm: cloudwatch.Alarm;
  /** Default evaluation periods of the model alarms. */
  public readonly evaluationPeriods: number;
  /** Default datapoints to alarm of the model alarms. */
  public readonly datapointsToAlarm: number;

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
      metric: this.metric('UnmonitoredModels', { aggregation: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

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

  /** Registers a model; returns its alarms and metrics. */
  public addModel(options: MonitoredModelOptions): MonitoredModel {
    return new MonitoredModel(this, `Model-${options.modelName}`, { ...options, monitor: this });
  }

  /** The registered models, by name. */
  public get modelNames(): string[] {
    return [...this.models.keys()];
  }

  /**
   * A metric of the monitor. Names: `FeatureDrift` (Feature + Statistic), `DriftedFeatureCount`,
   * `SampleCount`, `MalformedRecords`, `ModelQuality` (Statistic), `LabeledSampleCount`, `MalformedLabels`,
   * `QualityBreachCount` (per model, optionally per Variant) and the fleet metrics `UnmonitoredModels`
   * and `MonitoredModels` (dimension Monitor).
   */
  public metric(metricName: string, options: DriftMetricOptions = {}): cloudwatch.Metric {
    const dimensionsMap: Record<string, string> = {};
    if (options.modelName !== undefined) dimensionsMap.ModelName = options.modelName;
    if (options.variant !== undefined) dimensionsMap.Variant = options.variant;
    if (options.feature !== undefined) dimensionsMap.Feature = options.feature;
    if (options.statistic !== undefined) dimensionsMap.Statistic = options.statistic;
    if (options.modelName === undefined) dimensionsMap.Monitor = this.alarmPrefix;
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap,
      statistic: options.aggregation ?? 'Maximum',
      period: options.period ?? this.schedule,
    });
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
   */
  public grantHandlerRead(bucket: s3.IBucket, prefix: string): void {
    this.grantReadPrefix(bucket, prefix);
  }

  /** @internal */
  public _register(model: MonitoredModel): void {
    if (this.models.has(model.modelName)) {
      invalid(model, 'modelName', model.modelName, `must be unique: the monitor ${this.node.path} already monitors it`);
    }
    this.models.set(model.modelName, model);
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

/**
 * One model monitored by a {@link DriftMonitor}: its configuration parameter,
 * drift alarm and (with labels) quality alarm. Create it with
 * `monitor.addModel(...)`, or directly in another stack of the same account
 * and region (the configuration path and namespace are plain strings, so the
 * shared handler needs no cross-stack reference).
 */
export class MonitoredModel extends Construct {
  /** The model name. */
  public readonly modelName: string;
  /** Fires when `DriftedFeatureCount` (features over their thresholds in any variant) reaches the threshold. Named `<alarmPrefix>-<model>-drift`. */
  public readonly alarm: cloudwatch.Alarm;
  /** Fires when `QualityBreachCount` is at least 1. Named `<alarmPrefix>-<model>-quality`. Undefined without `quality`. */
  public readonly qualityAlarm?: cloudwatch.Alarm;
  /** The configuration parameter the handler reads. */
  public readonly configParameter: ssm.StringParameter;
  /** The variants monitored. */
  public readonly variants: string[];
  /** Bucket of the baseline the handler compares against (RetrainTrigger copies a promoted champion's baseline here). */
  public readonly baselineBucket: s3.IBucket;
  /** Key of that baseline. */
  public readonly baselineKey: string;
  private readonly monitor: DriftMonitor;

  constructor(scope: Construct, id: string, props: MonitoredModelProps) {
    super(scope, id);
    const monitor = props.monitor;
    this.monitor = monitor;
    this.modelName = props.modelName;
    if (props.modelName === undefined || Token.isUnresolved(props.modelName)) invalid(this, 'modelName', props.modelName, 'must be a literal DNS-1123 label');
    checkDnsLabel(this, 'modelName', props.modelName, 63);

    this.variants = props.variants ?? ['primary'];
    if (this.variants.length === 0 || this.variants.length > 10) invalid(this, 'variants', this.variants, 'must list 1-10 variants');
    this.variants.forEach((v, i) => checkPattern(this, `variants[${i}]`, v, VARIANT_RE, 'must be a DNS-1123 label (lower-case letters, digits and "-")'));
    if (new Set(this.variants).size !== this.variants.length) invalid(this, 'variants', this.variants, 'must not repeat a variant');

    const windowHours = props.windowHours ?? 1;
    checkInt(this, 'windowHours', windowHours, 1, 168);
    const scheduleHours = monitor.schedule.toSeconds() / 3600;
    if (windowHours < scheduleHours) {
      Annotations.of(this).addWarningV2('cdk-mlops:drift-window-gap',
        `windowHours (${windowHours}) is shorter than the monitor's schedule (${scheduleHours} h): ${scheduleHours - windowHours} hour(s) of capture between runs are never compared. Set windowHours to ${scheduleHours}.`);
    }
    const minSamples = props.minSamples ?? 100;
    checkInt(this, 'minSamples', minSamples, 1);
    const driftedFeaturesToAlarm = props.driftedFeaturesToAlarm ?? 1;
    checkInt(this, 'driftedFeaturesToAlarm', driftedFeaturesToAlarm, 1);
    const evaluationPeriods = props.evaluationPeriods ?? monitor.evaluationPeriods;
    const datapointsToAlarm = props.datapointsToAlarm ?? Math.min(monitor.datapointsToAlarm, evaluationPeriods);
    checkAlarmWindow(this, '', evaluationPeriods, datapointsToAlarm, monitor.schedule);

    // Baseline.
    if (!props.baselineKey || (!isToken(props.baselineKey) && (props.baselineKey.startsWith('/') || props.baselineKey.endsWith('/')))) {
      invalid(this, 'baselineKey', props.baselineKey, 'must be an S3 object key (not starting or ending with "/")');
    }
    const baselineBucket = props.baselineBucket ?? monitor._baselineBucket;
    this.baselineBucket = baselineBucket;
    this.baselineKey = props.baselineKey;
    if (props.baselineBucket) {
      monitor.grantHandlerRead(props.baselineBucket, props.baselineKey);
    } else if (!isToken(props.baselineKey) && !props.baselineKey.startsWith(monitor._baselinePrefix)) {
      invalid(this, 'baselineKey', props.baselineKey, `must start with the monitor's baselinePrefix "${monitor._baselinePrefix}" (or pass baselineBucket to grant it separately)`);
    }

    // Capture.
    const captureBucket = props.captureBucket ?? monitor._captureBucket;
    const capturePrefix = props.capturePrefix ?? monitor._capturePrefix;
    checkS3Prefix(this, 'capturePrefix', capturePrefix);
    if (props.captureBucket || props.capturePrefix !== undefined) {
      monitor.grantHandlerRead(captureBucket, `${capturePrefix}model=${props.modelName}/`);
    }

    // Features and thresholds.
    const thresholds = props.thresholds ? thresholdConfig(this, 'thresholds', props.thresholds) : undefined;
    const features = props.features?.map((f, i) => featureConfig(this, i, f));
    if (features && new Set(features.map((f) => f.name)).size !== features.length) {
      invalid(this, 'features', features.map((f) => f.name), 'must not repeat a feature name');
    }

    // Quality.
    let quality: ModelMonitorConfig['quality'];
    if (props.quality) {
      const q = props.quality;
      checkOneOf(this, 'quality.problemType', q.problemType, ['binary', 'regression']);
      const delay = q.labelDelayHours ?? 0;
      checkInt(this, 'quality.labelDelayHours', delay, 0, 168);
      const qMin = q.minSamples ?? 30;
      checkInt(this, 'quality.minSamples', qMin, 1);
      const decisionThreshold = q.decisionThreshold ?? 0.5;
      checkNumber(this, 'quality.decisionThreshold', decisionThreshold);
      const t: QualityThresholdConfig = {};
      const binaryKeys = ['minAccuracy', 'minPrecision', 'minRecall', 'minF1', 'minAuc'] as const;
      const regressionKeys = ['maxRmse', 'maxMae'] as const;
      const own = q.problemType === 'binary' ? binaryKeys : regressionKeys;
      const other = q.problemType === 'binary' ? regressionKeys : binaryKeys;
      for (const k of other) {
        if (q[k] !== undefined) invalid(this, `quality.${k}`, q[k], `does not apply to problemType "${q.problemType}" (use ${own.join(', ')})`);
      }
      for (const k of own) {
        const v = q[k];
        if (v === undefined) continue;
        if (k.startsWith('min')) checkNumber(this, `quality.${k}`, v, 0, 1);
        else checkNumber(this, `quality.${k}`, v, 0);
        t[k] = v;
      }
      if (Object.keys(t).length === 0) {
        invalid(this, 'quality', undefined, `needs at least one threshold for the quality alarm: ${own.join(', ')}`);
      }
      if (q.predictionPath !== undefined) checkPattern(this, 'quality.predictionPath', q.predictionPath, /^$|^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/, 'must be a dotted path with optional [n] indexes, e.g. "predictions[0].score"');
      const labelsBucket = q.labelsBucket ?? monitor._labelsBucket;
      const labelsPrefix = q.labelsPrefix ?? `${monitor._labelsPrefix}model=${props.modelName}/`;
      checkS3Prefix(this, 'quality.labelsPrefix', labelsPrefix);
      // The monitor's labels root is granted once for every model that uses it.
      monitor.grantHandlerRead(labelsBucket, q.labelsBucket || q.labelsPrefix !== undefined ? labelsPrefix : monitor._labelsPrefix);
      quality = {
        bucket: labelsBucket.bucketName,
        prefix: labelsPrefix,
        delayHours: delay,
        problemType: q.problemType as 'binary' | 'regression',
        predictionPath: q.predictionPath ?? 'prediction',
        decisionThreshold,
        minSamples: qMin,
        thresholds: t,
      };
    }
    if (props.featuresPath !== undefined && !isToken(props.featuresPath)) {
      try {
        parseJsonPath(props.featuresPath);
      } catch (e) {
        invalid(this, 'featuresPath', props.featuresPath, `must be a JSON path like "request.features" or "$.request.instances[0]" (${(e as Error).message})`);
      }
    }

    const config: ModelMonitorConfig = {
      v: MODEL_CONFIG_VERSION,
      model: props.modelName,
      capture: { bucket: captureBucket.bucketName, prefix: capturePrefix },
      variants: this.variants,
      baseline: { bucket: baselineBucket.bucketName, key: props.baselineKey },
      windowHours,
      minSamples,
      ...(props.featuresPath !== undefined ? { featuresPath: props.featuresPath } : {}),
      ...(features ? { features } : {}),
      ...(thresholds ? { thresholds } : {}),
      featureMetrics: props.featureMetrics ?? true,
      ...(quality ? { quality } : {}),
    };
    const additional = props.additionalConfig ?? {};
    const reused = Object.keys(additional).filter((k) => k in config || CONFIG_KEYS.includes(k));
    if (reused.length > 0) invalid(this, 'additionalConfig', reused, `must not reuse the monitor's own keys (${CONFIG_KEYS.join(', ')})`);
    const record = { ...additional, ...config };
    const value = Stack.of(this).toJsonString(record);
    // Bucket names may be tokens: count them at their maximum length (63).
    const estimate = JSON.stringify(record).replace(/\$\{Token\[[^\]]*\]\}/g, 'x'.repeat(63)).length;
    if (estimate > ADVANCED_PARAMETER_BYTES) {
      invalid(this, 'features', `${estimate} bytes of configuration`, `the model's configuration must fit an SSM parameter (${ADVANCED_PARAMETER_BYTES} bytes): list fewer features or drop per-feature thresholds`);
    }
    const advanced = estimate > STANDARD_PARAMETER_BYTES;
    if (advanced && props.configParameterTier === undefined) {
      Annotations.of(this).addWarningV2('cdk-mlops:drift-config-advanced-parameter',
        `The configuration of model "${props.modelName}" is ~${estimate} bytes, over a Standard SSM parameter's 4 KB: it uses an Advanced parameter (billed monthly).`);
    }
    this.configParameter = new ssm.StringParameter(this, 'Config', {
      parameterName: `${monitor.configPath}${props.modelName}`,
      description: `cdk-mlops DriftMonitor configuration of model ${props.modelName}`,
      stringValue: value,
      tier: props.configParameterTier ?? (advanced ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD),
    });

    this.alarm = new cloudwatch.Alarm(this, 'DriftAlarm', {
      alarmName: `${monitor.alarmPrefix}-${props.modelName}-drift`,
      alarmDescription: `Drift of model ${props.modelName}: at least ${driftedFeaturesToAlarm} feature(s) over their thresholds in ${datapointsToAlarm} of ${evaluationPeriods} runs. No data (empty or too-small window) is INSUFFICIENT_DATA, never OK.`,
      metric: this.metricDriftedFeatureCount(),
      threshold: driftedFeaturesToAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    if (quality) {
      this.qualityAlarm = new cloudwatch.Alarm(this, 'QualityAlarm', {
        alarmName: `${monitor.alarmPrefix}-${props.modelName}-quality`,
        alarmDescription: `Quality of model ${props.modelName}: a statistic beyond its threshold (${JSON.stringify(quality.thresholds)}) in ${datapointsToAlarm} of ${evaluationPeriods} runs. No labels is INSUFFICIENT_DATA, never OK.`,
        metric: this.metricByName('QualityBreachCount'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods,
        datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
    }
    monitor._register(this);
  }

  /**
   * The drift statistic of a feature in a variant: `FeatureDrift{ModelName, Variant, Feature, Statistic}`.
   * Statistics: `psi`, `jensenShannon`, `ksStatistic`, `ksPValue`, `wassersteinNormed`, `missingRateDelta`
   * (numeric) and `psi`, `chiSquare`, `chiSquarePValue`, `jensenShannon`, `lInfinity`, `unseenRate`,
   * `missingRateDelta` (categorical).
   * @param variant the variant @default - the first of `variants`
   */
  public metric(feature: string, statistic: string, variant?: string): cloudwatch.Metric {
    return this.metricByName('FeatureDrift', { feature, statistic, variant: variant ?? this.variants[0] });
  }

  /**
   * A quality statistic, `ModelQuality{ModelName[, Variant], Statistic}`: `accuracy`, `precision`,
   * `recall`, `f1`, `auc` (binary) or `rmse`, `mae` (regression).
   * @param variant the variant @default - all variants of the model
   */
  public metricQuality(statistic: string, variant?: string): cloudwatch.Metric {
    return this.metricByName('ModelQuality', { statistic, variant });
  }

  /** Features over their thresholds in any variant (`DriftedFeatureCount{ModelName}`), the drift alarm's metric. */
  public metricDriftedFeatureCount(): cloudwatch.Metric {
    return this.metricByName('DriftedFeatureCount');
  }

  /** Well-formed capture records in the window, all variants (`SampleCount{ModelName}`); 0 for an empty window. */
  public metricSampleCount(): cloudwatch.Metric {
    return this.metricByName('SampleCount');
  }

  /** Any per-model metric of the contract by name, e.g. `metricByName('MalformedRecords', { variant: 'canary' })`. */
  public metricByName(metricName: string, options: DriftMetricOptions = {}): cloudwatch.Metric {
    return this.monitor.metric(metricName, { ...options, modelName: this.modelName });
  }
}

function checkS3Prefix(scope: Construct, prop: string, prefix: string): void {
  if (isToken(prefix)) return;
  if (!S3_PREFIX_RE.test(prefix) || prefix.length > 512) invalid(scope, prop, prefix, 'must be empty or a key prefix ending in "/" and not starting with "/"');
}

function checkAlarmWindow(scope: Construct, propPrefix: string, evaluationPeriods: number, datapointsToAlarm: number, period: Duration): void {
  checkInt(scope, `${propPrefix}evaluationPeriods`, evaluationPeriods, 1);
  checkInt(scope, `${propPrefix}datapointsToAlarm`, datapointsToAlarm, 1, evaluationPeriods);
  if (evaluationPeriods * period.toSeconds() > 604_800) {
    invalid(scope, `${propPrefix}evaluationPeriods`, evaluationPeriods, `times the schedule (${period.toHumanString()}) must be at most 7 days (CloudWatch's alarm evaluation limit)`);
  }
}

function thresholdConfig(scope: Construct, prop: string, t: DriftThresholdOverrides): ThresholdOverrides {
  const out: ThresholdOverrides = {};
  const bounded: Array<[keyof DriftThresholdOverrides, number, number]> = [
    ['psi', 0, 100], ['jensenShannon', 0, 1], ['ksPValue', 0, 1], ['wassersteinNormed', 0, 1e6], ['chiSquarePValue', 0, 1],
  ];
  for (const [k, min, max] of bounded) {
    if (t[k] === undefined) continue;
    checkNumber(scope, `${prop}.${k}`, t[k], min, max);
    out[k] = t[k];
  }
  return out;
}

function featureConfig(scope: Construct, i: number, f: MonitoredFeature): FeatureConfig {
  if (typeof f.name !== 'string' || f.name.length === 0 || f.name.length > 255) {
    invalid(scope, `features[${i}].name`, f.name, 'must be a non-empty feature name of at most 255 characters');
  }
  checkOneOf(scope, `features[${i}].type`, f.type, ['numeric', 'categorical']);
  const thresholds = thresholdConfig(scope, `features[${i}]`, f);
  return {
    name: f.name,
    ...(f.type ? { type: f.type as 'numeric' | 'categorical' } : {}),
    ...(Object.keys(thresholds).length ? { thresholds } : {}),
  };
}
