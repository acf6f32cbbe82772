/**
 * The per-model configuration the DriftMonitor construct writes (one SSM
 * parameter per model under the monitor's path) and its Lambda handler reads.
 * Shared by both sides so the contract cannot drift apart. Keys are short on
 * purpose: a Standard SSM parameter holds 4 KB.
 */
import { FEATURE_THRESHOLD_KEYS, THRESHOLD_KEYS } from './drift-threshold-keys';
import type { DriftThresholds } from './drift-thresholds';

/** Schema version of {@link ModelMonitorConfig}. */
export const MODEL_CONFIG_VERSION = 1;

/** Metric names: the published contract of the handler (see docs/drift-monitor.md). */
export const METRIC = {
  featureDrift: 'FeatureDrift',
  driftedFeatureCount: 'DriftedFeatureCount',
  sampleCount: 'SampleCount',
  malformedRecords: 'MalformedRecords',
  modelQuality: 'ModelQuality',
  labeledSampleCount: 'LabeledSampleCount',
  malformedLabels: 'MalformedLabels',
  qualityBreachCount: 'QualityBreachCount',
  unmonitoredModels: 'UnmonitoredModels',
  monitoredModels: 'MonitoredModels',
} as const;

/** One feature: its name, optional forced type and threshold overrides. */
export interface FeatureConfig {
  name: string;
  type?: 'numeric' | 'categorical';
  thresholds?: DriftThresholds;
}

/** Quality thresholds: a statistic beyond one of them is a breach. */
export interface QualityThresholdConfig {
  minAccuracy?: number;
  minPrecision?: number;
  minRecall?: number;
  minF1?: number;
  minAuc?: number;
  maxRmse?: number;
  maxMae?: number;
}

/** Ground-truth labels and how they are joined. */
export interface QualityConfig {
  /** Labels bucket and root prefix (hour partitions `dt=YYYY-MM-DD/hour=HH/` below it). */
  bucket: string;
  prefix: string;
  /** How late labels arrive: the quality window ends this many hours before the drift window. */
  delayHours: number;
  problemType: 'binary' | 'regression';
  /** Path of the prediction inside the capture record's `response` (dots and `[n]`). */
  predictionPath: string;
  /** Binary only: score >= threshold is the positive class. */
  decisionThreshold: number;
  /** Fewer joined pairs than this: no quality values (the quality alarm sees missing data). */
  minSamples: number;
  thresholds: QualityThresholdConfig;
}

/** Everything the handler needs to monitor one model. */
export interface ModelMonitorConfig {
  v: typeof MODEL_CONFIG_VERSION;
  /** The model whose capture records are read (`model=<model>/` capture prefixes); the `ModelName` metric dimension. */
  model: string;
  /**
   * A segment of the model monitored on its own (see {@link segmentModelName}): only its variants are read, its
   * metrics carry the dimension `Segment`, and it is monitored (sharded, filtered, reported) as `<model>-<segment>`.
   */
  segment?: string;
  /** Capture bucket and root prefix (`CapturePrefix` layout below it). */
  capture: { bucket: string; prefix: string };
  variants: string[];
  baseline: { bucket: string; key: string };
  windowHours: number;
  /** Fewer records than this in a variant's window: no drift values for it. */
  minSamples: number;
  /** JSON path of the features inside each capture record (the engine's default when absent). */
  featuresPath?: string;
  features?: FeatureConfig[];
  thresholds?: DriftThresholds;
  /** Publish every per-feature statistic (false: only the per-model counts). */
  featureMetrics: boolean;
  quality?: QualityConfig;
}

/** The keys of {@link ModelMonitorConfig} (reserved against a MonitoredModel's `additionalConfig`). */
export const CONFIG_KEYS: readonly string[] = [
  'v', 'model', 'segment', 'capture', 'variants', 'baseline', 'windowHours', 'minSamples', 'featuresPath', 'features', 'thresholds', 'featureMetrics', 'quality',
];

/**
 * The name a segment of a model is monitored and retrained as: `<model>-<segment>`. It is the middle of the
 * segment's alarm names (`<alarmPrefix>-<model>-<segment>-drift`), which the retrain starter maps back to the
 * segment's retraining record of the same name, and the key of its configuration parameter.
 */
export function segmentModelName(model: string, segment: string): string {
  return `${model}-${segment}`;
}

/** The name a configuration is monitored as: the model's, or `<model>-<segment>` for a segment. */
export function monitoredName(cfg: Pick<ModelMonitorConfig, 'model' | 'segment'>): string {
  return cfg.segment === undefined ? cfg.model : segmentModelName(cfg.model, cfg.segment);
}

const QUALITY_KEYS = ['minAccuracy', 'minPrecision', 'minRecall', 'minF1', 'minAuc', 'maxRmse', 'maxMae'] as const;

/** Parses and validates one model's configuration; throws with the offending field. */
export function parseModelConfig(text: string): ModelMonitorConfig {
  let v: any;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`model config is not JSON: ${(e as Error).message}`);
  }
  const fail = (field: string, what: string): never => {
    throw new Error(`model config ${JSON.stringify(v?.model ?? '?')}: "${field}" ${what}`);
  };
  if (typeof v !== 'object' || v === null) fail('(root)', 'must be an object');
  if (v.v !== MODEL_CONFIG_VERSION) fail('v', `must be ${MODEL_CONFIG_VERSION}`);
  if (typeof v.model !== 'string' || !v.model) fail('model', 'must be a non-empty string');
  if (v.segment !== undefined && (typeof v.segment !== 'string' || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v.segment))) fail('segment', 'must be a DNS-1035 label');
  checkLocation(v.capture, 'capture', 'prefix', fail);
  checkLocation(v.baseline, 'baseline', 'key', fail);
  if (!Array.isArray(v.variants) || v.variants.length === 0 || !v.variants.every((x: unknown) => typeof x === 'string' && x)) {
    fail('variants', 'must be a non-empty array of strings');
  }
  if (!Number.isInteger(v.windowHours) || v.windowHours < 1) fail('windowHours', 'must be an integer >= 1');
  if (!Number.isInteger(v.minSamples) || v.minSamples < 1) fail('minSamples', 'must be an integer >= 1');
  if (v.featuresPath !== undefined && typeof v.featuresPath !== 'string') fail('featuresPath', 'must be a string');
  if (typeof v.featureMetrics !== 'boolean') fail('featureMetrics', 'must be a boolean');
  if (v.thresholds !== undefined) checkNumbers(v.thresholds, THRESHOLD_KEYS, 'thresholds', fail);
  if (v.features !== undefined) {
    if (!Array.isArray(v.features)) fail('features', 'must be an array');
    v.features.forEach((f: any, i: number) => {
      if (typeof f?.name !== 'string' || !f.name) fail(`features[${i}].name`, 'must be a non-empty string');
      if (f.type !== undefined && f.type !== 'numeric' && f.type !== 'categorical') fail(`features[${i}].type`, 'must be "numeric" or "categorical"');
      if (f.thresholds !== undefined) checkNumbers(f.thresholds, FEATURE_THRESHOLD_KEYS, `features[${i}].thresholds`, fail);
    });
  }
  if (v.quality !== undefined) {
    const q = v.quality;
    checkLocation(q, 'quality', 'prefix', fail);
    if (!Number.isInteger(q.delayHours) || q.delayHours < 0) fail('quality.delayHours', 'must be an integer >= 0');
    if (q.problemType !== 'binary' && q.problemType !== 'regression') fail('quality.problemType', 'must be "binary" or "regression"');
    if (typeof q.predictionPath !== 'string') fail('quality.predictionPath', 'must be a string');
    if (typeof q.decisionThreshold !== 'number' || !Number.isFinite(q.decisionThreshold)) fail('quality.decisionThreshold', 'must be a finite number');
    if (!Number.isInteger(q.minSamples) || q.minSamples < 1) fail('quality.minSamples', 'must be an integer >= 1');
    checkNumbers(q.thresholds, QUALITY_KEYS, 'quality.thresholds', fail);
  }
  return v as ModelMonitorConfig;
}

function checkLocation(loc: any, field: string, keyName: string, fail: (f: string, w: string) => never): void {
  if (typeof loc !== 'object' || loc === null) fail(field, 'must be an object');
  if (typeof loc.bucket !== 'string' || !loc.bucket) fail(`${field}.bucket`, 'must be a non-empty string');
  if (typeof loc[keyName] !== 'string') fail(`${field}.${keyName}`, 'must be a string');
}

function checkNumbers(obj: any, keys: readonly string[], field: string, fail: (f: string, w: string) => never): void {
  if (typeof obj !== 'object' || obj === null) fail(field, 'must be an object');
  for (const [k, val] of Object.entries(obj)) {
    if (!keys.includes(k)) fail(`${field}.${k}`, `is not one of ${keys.join(', ')}`);
    if (typeof val !== 'number' || !Number.isFinite(val)) fail(`${field}.${k}`, 'must be a finite number');
  }
}
