/**
 * The contract between the constructs and the operator commands of the `cdk-mlops` CLI
 * (`status`, `approve`, `reject`, `retrain`, `rollback`, `history`, `labels put`).
 *
 * The per-model records already exist (the RetrainTrigger's under its `configPath`, the
 * DriftMonitor's under its `configPath`; one merged parameter per model in a ModelFactory).
 * What the CLI cannot find from them is the loop itself: the state machine's ARN, the two
 * record paths, the alarm prefix, the package group prefix. Each RetrainTrigger publishes them
 * in ONE SSM parameter, its "operations record", at
 *
 *     /cdk-mlops/operations/<alarmPrefix>
 *
 * (String, JSON, {@link OperationsRecord}). The CLI lists `/cdk-mlops/operations/` to find every
 * loop of the account and region; `--app <alarmPrefix>` picks one. Until a trigger writes it, the
 * commands take the same values as flags (`--state-machine`, `--config-path`, ...).
 *
 * Pure TypeScript (no aws-cdk-lib): imported by the constructs and the CLI alike.
 */

/** Schema version of {@link OperationsRecord}. */
export const OPERATIONS_RECORD_VERSION = 1;

/** SSM path under which every loop's operations record lives (one parameter per RetrainTrigger). */
export const OPERATIONS_RECORD_ROOT = '/cdk-mlops/operations/';

/** The SSM parameter name of a loop's operations record. */
export function operationsRecordName(alarmPrefix: string): string {
  return `${OPERATIONS_RECORD_ROOT}${alarmPrefix}`;
}

/** EventBridge `source` of manual requests (retrain and rollback), as the RetrainTrigger's rule matches it. */
export const MANUAL_REQUEST_SOURCE = 'cdk-mlops.retrain';
/** EventBridge `detail-type` of manual requests. */
export const MANUAL_REQUEST_DETAIL_TYPE = 'Retrain Requested';

/**
 * Capabilities a deployed loop may declare in {@link OperationsRecord.features}. `rollback`: its state machine takes
 * manual requests with `action: "rollback"` (lock only, no training, the target canaried and promoted: outcome `reverted`).
 */
export const OPERATIONS_FEATURES = ['rollback'] as const;

/** What one RetrainTrigger (with its DriftMonitor and TrainingPipeline) publishes for operators. */
export interface OperationsRecord {
  /** {@link OPERATIONS_RECORD_VERSION}. */
  v: typeof OPERATIONS_RECORD_VERSION;
  /** The alarm prefix of the loop (model alarms are `<alarmPrefix>-<model>-drift|-quality`); also the record's name. */
  alarmPrefix: string;
  /** ARN of the retraining state machine. */
  stateMachineArn: string;
  /** SSM path of the RetrainTrigger's per-model records (`configPath`, ending in `/`). */
  retrainConfigPath: string;
  /** SSM path of the DriftMonitor's per-model configurations (equal to `retrainConfigPath` in a ModelFactory). */
  monitorConfigPath?: string;
  /**
   * Model package group of a model: `<modelPackageGroupPrefix><trainingInput.modelName>` (the TrainingPipeline's
   * `modelPackageGroupPrefix`, `mlops-` in a ModelFactory); empty when groups are named after the models.
   */
  modelPackageGroupPrefix: string;
  /** Namespace of the `RetrainOutcome` metric. */
  retrainMetricNamespace: string;
  /** Namespace of the DriftMonitor metrics. */
  driftMetricNamespace?: string;
  /** Name of the DynamoDB state table (locks, cooldowns, budgets, champions). */
  stateTableName?: string;
  /** ARN of the notification topic (approval requests, outcomes). */
  topicArn?: string;
  /** EventBridge bus of manual requests (the RetrainTrigger's rule is on the default bus). */
  eventBusName: string;
  /** What the deployed state machine supports beyond retraining, e.g. `rollback` (see {@link ManualRequestDetail}). */
  features: string[];
}

/**
 * `detail` of a manual request (source {@link MANUAL_REQUEST_SOURCE}, detail-type {@link MANUAL_REQUEST_DETAIL_TYPE}).
 * The starter passes it to the state machine as the execution's `trigger`
 * (`{source: "manual", requestId, reason, action, ...}`).
 */
export interface ManualRequestDetail {
  /** The model (DNS-1123 label). */
  modelName: string;
  /** Identifies the request: the execution name derives from it, so a resent request starts nothing new. */
  requestId: string;
  /** Why (kept in the execution input and the notifications). */
  reason: string;
  /** Who asked (the operator's name or identity). */
  requestedBy?: string;
  /** `retrain` (the default when absent) or `rollback`. */
  action?: 'retrain' | 'rollback';
  /** Rollback: the model package version to serve (the previous champion when absent). */
  toVersion?: string;
  /** Rollback: that version's model package ARN (resolved by the CLI from the registry). */
  toModelPackageArn?: string;
  /** Rollback: that version's model artifact (the package's `ModelDataUrl`). */
  toModelArtifactUri?: string;
  /**
   * Rollback: that version's drift baseline (the package's `mlops:baselineUri` metadata, an `s3://bucket/key` URI). When
   * given and the model's DriftMonitor baseline follows the champion, the rollback copies it over the monitor's baseline;
   * when absent, the monitor's baseline is left as it is.
   */
  toBaselineUri?: string;
}

/** Parses and validates an operations record; throws naming the offending field. */
export function parseOperationsRecord(text: string, name: string): OperationsRecord {
  let v: any;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`operations record ${name} is not JSON: ${(e as Error).message}`);
  }
  const fail = (field: string, what: string): never => {
    throw new Error(`operations record ${name}: "${field}" ${what}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('(root)', 'must be an object');
  if (v.v !== OPERATIONS_RECORD_VERSION) fail('v', `must be ${OPERATIONS_RECORD_VERSION}`);
  for (const key of ['alarmPrefix', 'stateMachineArn', 'retrainConfigPath', 'retrainMetricNamespace', 'eventBusName'] as const) {
    if (typeof v[key] !== 'string' || v[key] === '') fail(key, 'must be a non-empty string');
  }
  if (typeof v.modelPackageGroupPrefix !== 'string') fail('modelPackageGroupPrefix', 'must be a string');
  if (!/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/.test(v.stateMachineArn)) {
    fail('stateMachineArn', `must be a state machine ARN, got ${JSON.stringify(v.stateMachineArn)}`);
  }
  for (const key of ['retrainConfigPath', 'monitorConfigPath'] as const) {
    if (v[key] !== undefined && (typeof v[key] !== 'string' || !/^\/([A-Za-z0-9_.-]+\/){1,10}$/.test(v[key]))) {
      fail(key, 'must be an SSM path starting and ending with "/"');
    }
  }
  for (const key of ['driftMetricNamespace', 'stateTableName', 'topicArn'] as const) {
    if (v[key] !== undefined && (typeof v[key] !== 'string' || v[key] === '')) fail(key, 'must be a non-empty string when present');
  }
  if (!Array.isArray(v.features) || !v.features.every((f: unknown) => typeof f === 'string')) fail('features', 'must be an array of strings');
  return v as OperationsRecord;
}
