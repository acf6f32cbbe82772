/** Props, options and enums of DriftMonitor and MonitoredModel. */
import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { DriftThresholds } from '../contracts/drift-thresholds';
import type { DriftMonitor } from './drift-monitor';

/** How a feature's values are compared. */
export enum DriftFeatureType {
  /** Finite numbers: binned PSI and Jensen–Shannon, Kolmogorov–Smirnov, Wasserstein. */
  NUMERIC = 'numeric',
  /** Categories (values keyed as strings): PSI, Jensen–Shannon, chi-square, L∞, unseen rate. */
  CATEGORICAL = 'categorical',
}

/** The kind of model whose quality is measured against ground truth. */
export enum ModelProblemType {
  /** Binary classification: accuracy, precision, recall, F1, ROC AUC. */
  BINARY = 'binary',
  /** Regression: RMSE, MAE. */
  REGRESSION = 'regression',
}

/** A per-feature drift statistic (the `Statistic` dimension of `FeatureDrift`). */
export enum DriftStatistic {
  /** Population stability index (numeric and categorical). */
  PSI = 'psi',
  /** Jensen–Shannon distance, base 2 (numeric and categorical). */
  JENSEN_SHANNON = 'jensenShannon',
  /** Two-sample Kolmogorov–Smirnov statistic (numeric). */
  KS_STATISTIC = 'ksStatistic',
  /** Kolmogorov–Smirnov p-value (numeric). */
  KS_P_VALUE = 'ksPValue',
  /** Wasserstein-1 distance / reference standard deviation (numeric). */
  WASSERSTEIN_NORMED = 'wassersteinNormed',
  /** Chi-square statistic (categorical). */
  CHI_SQUARE = 'chiSquare',
  /** Chi-square p-value (categorical). */
  CHI_SQUARE_P_VALUE = 'chiSquarePValue',
  /** max |reference share − current share| (categorical). */
  L_INFINITY = 'lInfinity',
  /** Share of current values in categories the reference never saw (categorical). */
  UNSEEN_RATE = 'unseenRate',
  /** Current missing share − reference missing share (numeric and categorical). */
  MISSING_RATE_DELTA = 'missingRateDelta',
}

/** A model-quality statistic (the `Statistic` dimension of `ModelQuality`). */
export enum QualityStatistic {
  /** Binary: accuracy. */
  ACCURACY = 'accuracy',
  /** Binary: precision. */
  PRECISION = 'precision',
  /** Binary: recall. */
  RECALL = 'recall',
  /** Binary: F1. */
  F1 = 'f1',
  /** Binary: ROC AUC. */
  AUC = 'auc',
  /** Regression: root mean squared error. */
  RMSE = 'rmse',
  /** Regression: mean absolute error. */
  MAE = 'mae',
}

/** A monitored feature: its name, optionally its type and its own thresholds. */
export interface MonitoredFeature extends DriftThresholds {
  /** The feature's field name in the request. */
  readonly name: string;
  /**
   * How the feature is compared.
   * @default - inferred: numeric when every non-missing value is a finite number
   */
  readonly type?: DriftFeatureType;
}

/** Ground truth for model-quality metrics and the quality alarm's thresholds. */
export interface ModelQualityOptions {
  /** Binary classification or regression. */
  readonly problemType: ModelProblemType;
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
   * How many hours labels may arrive after the inference, 0 to 168 (one week: the window's label reads
   * span this many hourly partitions more, and CloudWatch alarms evaluate at most 7 days of data). The
   * quality window ends this many hours before the drift window, and labels that arrived up to the end of
   * the drift window are joined.
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
  /**
   * Monitor one segment of the model (a ModelEndpoint `segments` entry) as its own monitored model: only its
   * capture records (`variant=<segment>/`) are read, its metrics carry the dimensions `ModelName=<modelName>` and
   * `Segment=<segment>`, its configuration parameter and alarms are named `<modelName>-<segment>`
   * (`<alarmPrefix>-<modelName>-<segment>-drift|quality`, which a RetrainTrigger maps to the segment's own
   * retraining), and it needs its own `baselineKey`.
   * @default - the model as a whole
   */
  readonly segment?: string;
  /**
   * The variants to read (`variant=<name>/` capture prefixes).
   * @default ['primary'], or `[segment]` for a segment
   */
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
  /** Model-wide thresholds (per-feature ones win). @default - PSI 0.2, JS 0.1, KS p 0.05, W 0.1, chi² p 0.05 */
  readonly thresholds?: DriftThresholds;
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
  /**
   * Create the fleet dashboard ({@link FleetDashboard}): the most drifted models, alarm states,
   * retrains per day. One CloudFormation resource.
   * @default true
   */
  readonly dashboard?: boolean;
}
