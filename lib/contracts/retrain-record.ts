// The per-model retraining record: the JSON a RetrainTrigger stores per model (an SSM parameter under
// its `configPath`, or merged into a DriftMonitor record by a ModelFactory) and the retraining state
// machine reads through JSONPath (`$.config.<field>`). Both sides use this file: the construct builds
// a `RetrainRecord`, the definition derives every JSONPath from the same keys with `recordPath`, so a
// renamed field is a compile error on both sides. Pure TypeScript (no aws-cdk-lib, no constructs).

/** Schema version of {@link RetrainRecord}. */
export const RETRAIN_RECORD_VERSION = 1;

/** Budget periods of the retrain counter (the starter hands the state machine one key per period). */
export type RetrainBudgetPeriodName = 'day' | 'week' | 'month';

/** A model served by the loop: what the canary patches point at. */
export interface RetrainChampionRecord {
  /** Model package of the model (`'none'` when it was never registered). */
  readonly modelPackageArn: string;
  /** S3 URI of the model artifact. */
  readonly modelArtifactUri: string;
  /** Version label of the model. */
  readonly modelVersion: string;
}

/** The S3 object of a DriftMonitor baseline that a promotion replaces. */
export interface RetrainMonitorBaselineRecord {
  readonly bucket: string;
  readonly key: string;
}

/** A JSON merge patch of the Ingress annotations (the weighted forward action). */
export interface IngressWeightsPatch {
  readonly metadata: { readonly annotations: { readonly [annotation: string]: string } };
}

/** Where and how the loop reaches the model's Kubernetes objects. */
export interface RetrainClusterRecord {
  readonly clusterName: string;
  readonly endpoint: string;
  readonly certificateAuthority: string;
  readonly namespace: string;
  readonly primaryDeployment: string;
  readonly canaryDeployment: string;
  readonly ingressName: string;
  /** Ingress patch while the canary bakes (canary weight > 0). */
  readonly ingressCanaryPatch: IngressWeightsPatch;
  /** Ingress patch with all traffic on the primary. */
  readonly ingressStablePatch: IngressWeightsPatch;
}

/** The per-model retraining record (JSON; values may be CDK tokens until synth). */
export interface RetrainRecord {
  readonly schemaVersion: number;
  readonly modelName: string;
  readonly approvalRequired: boolean;
  readonly cooldownSeconds: number;
  readonly lockTtlSeconds: number;
  readonly maxRetrainsPerPeriod: number;
  readonly budgetPeriod: RetrainBudgetPeriodName;
  readonly bakeIntervalSeconds: number;
  readonly bakeChecks: number;
  readonly rolloutPollSeconds: number;
  readonly rolloutMaxPolls: number;
  readonly canaryWeight: number;
  readonly canaryAlarmNames: string[];
  /**
   * The GetMetricData queries judging the canary's metrics at every bake check (absent: no metric is judged, the
   * definition skips the check). Built by {@link canaryMetricQueries}: one `MetricDataQuery` per metric
   * (`ReturnData` false) and ONE returned series, id {@link CANARY_METRIC_RESULT_ID}, 1 where a period breaches.
   */
  readonly canaryMetricQueries?: CanaryMetricDataQuery[];
  /** Input of the training state machine (merged with the retrain context); `modelName` is always set. */
  readonly trainingInput: { readonly modelName: string; readonly [key: string]: unknown };
  /** The DriftMonitor baseline a promotion replaces (absent: none). */
  readonly monitorBaseline?: RetrainMonitorBaselineRecord;
  /** The model served before any retrain (the first champion). */
  readonly initialChampion: RetrainChampionRecord;
  /** The Kubernetes coordinates. Kept under `eks` (the field name the state machine reads). */
  readonly eks: RetrainClusterRecord;
}

/** A dimension of a canary metric (the CloudWatch API's `Dimension`). */
export interface CanaryMetricDimension {
  readonly Name: string;
  readonly Value: string;
}

/**
 * One `MetricDataQuery` of GetMetricData (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html),
 * with the API's field names: the record holds them as the state machine passes them.
 */
export interface CanaryMetricDataQuery {
  readonly Id: string;
  readonly MetricStat?: {
    readonly Metric: { readonly Namespace: string; readonly MetricName: string; readonly Dimensions: CanaryMetricDimension[] };
    readonly Period: number;
    readonly Stat: string;
  };
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData: boolean;
}

/** A canary metric and its threshold, as {@link canaryMetricQueries} takes them (values may be CDK tokens). */
export interface CanaryMetricSpec {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: CanaryMetricDimension[];
  /** GetMetricData `Stat` (e.g. `Sum`). */
  readonly stat: string;
  /** Seconds, a multiple of 60. */
  readonly period: number;
  /** A period whose statistic is at or above this breaches. */
  readonly threshold: number;
}

/**
 * Id of the one series the canary metric queries return: the running count of breaching periods since the start of
 * the window (its newest value is the count over the whole window), no value before the first period with data.
 */
export const CANARY_METRIC_RESULT_ID = 'breach';
/**
 * The most periods a bake may span when canary metrics are judged: the returned series then holds at most this
 * many datapoints (a timestamp and a value each, about 30 bytes of JSON), far under the 256 KiB a Task result may hold.
 */
export const CANARY_METRIC_MAX_PERIODS = 1440;
/** GetMetricData `MaxDatapoints` of the check: the bound above plus the partial periods at both ends of the window. */
export const CANARY_METRIC_MAX_DATAPOINTS = CANARY_METRIC_MAX_PERIODS + 60;

/**
 * The GetMetricData queries of a model's canary metrics, none returned but the last: `m<i>` reads metric i, `b<i>` is
 * `IF(m<i> >= <threshold>, 1, 0)` (1 for a breaching period; a period without datapoints has no value, so missing
 * data never breaches), `any` is the `MAX` of the `b<i>` per period when there are several metrics, and the returned
 * series `breach` is the `RUNNING_SUM` of that (CloudWatch metric math functions). With ScanBy TimestampDescending
 * its first value is the number of breaching periods in the window: the state machine compares one number with
 * NumericGreaterThan, never looks for a value by equality (a Double from the SDK, 1.0, against an integer literal).
 */
export function canaryMetricQueries(metrics: readonly CanaryMetricSpec[]): CanaryMetricDataQuery[] {
  const reads: CanaryMetricDataQuery[] = metrics.map((m, i) => ({
    Id: `m${i}`,
    MetricStat: { Metric: { Namespace: m.namespace, MetricName: m.metricName, Dimensions: m.dimensions }, Period: m.period, Stat: m.stat },
    ReturnData: false,
  }));
  const tests: CanaryMetricDataQuery[] = metrics.map((m, i) => ({ Id: `b${i}`, Expression: `IF(m${i} >= ${m.threshold}, 1, 0)`, ReturnData: false }));
  const any: CanaryMetricDataQuery[] = metrics.length > 1 ? [{ Id: 'any', Expression: `MAX([${tests.map((t) => t.Id).join(', ')}])`, ReturnData: false }] : [];
  return [...reads, ...tests, ...any, {
    Id: CANARY_METRIC_RESULT_ID,
    Expression: `RUNNING_SUM(${metrics.length > 1 ? 'any' : 'b0'})`,
    Label: 'canary periods over threshold since the bake started',
    ReturnData: true,
  }];
}

/** Where the retraining state machine keeps the record in its execution state. */
export const RECORD_STATE_PATH = '$.config';

/**
 * The JSONPath (in the state machine's execution state) of a field of the record, e.g.
 * `recordPath('eks', 'clusterName')` is `$.config.eks.clusterName`.
 */
export function recordPath<K extends keyof RetrainRecord>(field: K, sub?: keyof NonNullable<RetrainRecord[K]> & string): string {
  return sub === undefined ? `${RECORD_STATE_PATH}.${field}` : `${RECORD_STATE_PATH}.${field}.${sub}`;
}

/**
 * The folder (under a trigger's `configPath`) of the champion parameters: SSM parameters the retraining
 * state machine writes on promotion (PutParameter, Overwrite) and no CloudFormation template declares, so
 * a redeploy never resets them. Not a direct child of `configPath`: the starter's one-level
 * GetParametersByPath lists only the model records.
 */
export const CHAMPION_PARAMETER_FOLDER = 'champions/';

/** The champion parameter of a model: `<configPath>champions/<model>`. */
export function championParameterName(configPath: string, modelName: string): string {
  return `${configPath}${CHAMPION_PARAMETER_FOLDER}${modelName}`;
}

/**
 * The value of a champion parameter: compact JSON (`States.JsonToString`) of the promoted candidate,
 * holding at least these fields. The model pods' init container reads `modelArtifactUri` from it.
 */
export type ChampionParameterValue = RetrainChampionRecord;
