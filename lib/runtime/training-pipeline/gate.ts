// The evaluation gate of TrainingPipeline and the lineage metadata of the
// model package. Pure (no AWS calls): the state machine looks the champion up
// in the model registry and hands the result in.
import { createHash } from 'node:crypto';
import type { TrainingSettings } from '../../contracts/training-settings';

/** Prefix of the customer-metadata keys that hold a model package's final metrics. */
export const METRIC_KEY_PREFIX = 'metric.';
/** Prefix of the customer-metadata keys that hold hyperparameters. */
export const HYPERPARAMETER_KEY_PREFIX = 'hp.';

export interface EvaluateEvent {
  readonly executionId: string;
  readonly settings: TrainingSettings;
  /** DescribeTrainingJob output of the completed job. */
  readonly training: {
    TrainingJobName: string;
    TrainingJobArn?: string;
    FinalMetricDataList?: { MetricName: string; Value: number }[];
    ModelArtifacts: { S3ModelArtifacts: string };
    BillableTimeInSeconds?: number;
  };
  /** { list: ListModelPackages output, description: DescribeModelPackage output } or {} when not looked up. */
  readonly champion: {
    list?: { ModelPackageSummaryList?: { ModelPackageArn: string }[] };
    description?: { ModelPackageArn: string; CustomerMetadataProperties?: Record<string, string> };
  };
  readonly dataset: { hash: string; versionUri: string };
  readonly image: { uri: string; digest: string | null };
  readonly baseline: { uri: string };
}

export interface EvaluationResult {
  verdict: 'passed' | 'rejected';
  reason: string;
  approvalStatus: 'Approved' | 'PendingManualApproval' | 'Rejected';
  objective: { metricName: string; direction: string; value: number | null; threshold: number; minImprovement: number | null };
  champion: { modelPackageArn: string; value: number | null; comparable: boolean } | null;
  metrics: Record<string, number>;
  customerMetadata: Record<string, string>;
  tags: { Key: string; Value: string }[];
  description: string;
  clientToken: string;
}

/** Tag / metadata values: SageMaker allows letters, digits, spaces and _.:/=+-@ only. */
export function sanitizeValue(v: string, max = 256): string {
  return v.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, max);
}

export function evaluate(event: EvaluateEvent): EvaluationResult {
  const s = event.settings;
  const e = s.evaluation;
  const metrics: Record<string, number> = {};
  for (const m of event.training.FinalMetricDataList ?? []) {
    if (typeof m.Value === 'number' && Number.isFinite(m.Value)) metrics[m.MetricName] = m.Value;
  }
  const value = metrics[e.metricName];
  const better = (a: number, b: number) => (e.direction === 'maximize' ? a - b : b - a);

  let verdict: 'passed' | 'rejected' = 'passed';
  let reason: string;
  let champion: EvaluationResult['champion'] = null;
  if (value === undefined) {
    verdict = 'rejected';
    reason = `the training job reported no final value for the objective metric "${e.metricName}"`;
  } else if (better(value, e.threshold) < 0) {
    verdict = 'rejected';
    reason = `${e.metricName} ${value} is ${e.direction === 'maximize' ? 'below' : 'above'} the threshold ${e.threshold}`;
  } else {
    reason = `${e.metricName} ${value} meets the threshold ${e.threshold}`;
  }

  const desc = event.champion?.description;
  if (e.minImprovement !== undefined && desc) {
    const raw = desc.CustomerMetadataProperties?.[`${METRIC_KEY_PREFIX}${e.metricName}`];
    const champValue = raw === undefined ? NaN : Number(raw);
    const comparable = Number.isFinite(champValue);
    champion = { modelPackageArn: desc.ModelPackageArn, value: comparable ? champValue : null, comparable };
    if (verdict === 'passed') {
      if (!comparable) {
        reason += `; the champion ${desc.ModelPackageArn} has no recorded ${e.metricName}, so only the threshold applies`;
      } else if (better(value!, champValue) < e.minImprovement) {
        verdict = 'rejected';
        reason = `${e.metricName} ${value} does not beat the champion's ${champValue} by at least ${e.minImprovement} (${e.direction})`;
      } else {
        reason += ` and beats the champion's ${champValue} by at least ${e.minImprovement}`;
      }
    }
  } else if (e.minImprovement !== undefined) {
    reason += '; no approved champion yet';
  }

  const approvalStatus = verdict === 'rejected' ? 'Rejected' : s.approval === 'auto' ? 'Approved' : 'PendingManualApproval';

  // Lineage: at most 50 customer-metadata entries (key <= 128, value <= 256 characters).
  const meta: Record<string, string> = {
    'mlops:model': s.modelName,
    'mlops:dataHash': event.dataset.hash,
    'mlops:datasetVersionUri': event.dataset.versionUri.slice(0, 256),
    'mlops:imageDigest': event.image.digest ?? 'unknown',
    'mlops:trainingImage': event.image.uri.slice(0, 256),
    'mlops:codeRevision': s.codeRevision.slice(0, 256),
    'mlops:trainingJob': event.training.TrainingJobName,
    'mlops:baselineUri': event.baseline.uri.slice(0, 256),
    'mlops:verdict': verdict,
    'mlops:objective': `${e.metricName}:${e.direction}`,
  };
  for (const [k, v] of Object.entries(metrics)) {
    if (Object.keys(meta).length >= 35) break;
    meta[`${METRIC_KEY_PREFIX}${k}`.slice(0, 128)] = String(v);
  }
  for (const [k, v] of Object.entries(s.hyperparameters)) {
    if (Object.keys(meta).length >= 50) break;
    meta[`${HYPERPARAMETER_KEY_PREFIX}${k}`.slice(0, 128)] = v.slice(0, 256);
  }
  const tags = [
    { Key: 'mlops:model', Value: s.modelName },
    { Key: 'mlops:data-hash', Value: event.dataset.hash },
    { Key: 'mlops:image-digest', Value: sanitizeValue(event.image.digest ?? 'unknown') },
    { Key: 'mlops:code-revision', Value: sanitizeValue(s.codeRevision) },
    { Key: 'mlops:verdict', Value: verdict },
    ...(value !== undefined ? [{ Key: `mlops:metric:${e.metricName}`.slice(0, 128), Value: String(value) }] : []),
    ...Object.entries(s.tags).map(([Key, Value]) => ({ Key: sanitizeValue(Key, 128), Value: sanitizeValue(Value) })),
  ].slice(0, 50);

  return {
    verdict,
    reason: reason.slice(0, 1000),
    approvalStatus,
    objective: {
      metricName: e.metricName, direction: e.direction, value: value ?? null, threshold: e.threshold, minImprovement: e.minImprovement ?? null,
    },
    champion,
    metrics,
    customerMetadata: meta,
    tags,
    description: sanitizeDescription(`${s.modelName} trained by ${event.training.TrainingJobName} on dataset ${event.dataset.hash.slice(0, 12)}: ${reason}`),
    clientToken: createHash('sha256').update(`${event.executionId}|${event.training.TrainingJobName}`).digest('hex').slice(0, 36),
  };
}

function sanitizeDescription(s: string): string {
  // ModelPackageDescription: [\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*, <= 1024
  return s.replace(/[^\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]/gu, ' ').slice(0, 1024);
}
