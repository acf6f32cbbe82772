/**
 * Rendering of a MonitoredModel's props into the handler's configuration record
 * (`ModelMonitorConfig`, lib/contracts/drift-monitor-config.ts) and its SSM parameter.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  CONFIG_KEYS, FeatureConfig, ModelMonitorConfig, QualityConfig, QualityThresholdConfig,
} from '../../contracts/drift-monitor-config';
import { DriftThresholds } from '../../contracts/drift-thresholds';
import { checkPattern, checkInt, checkNumber, checkOneOf, invalid, isToken } from '../../core/validation';
import type { DriftMonitor } from '../drift-monitor';
import { DriftFeatureType, ModelProblemType, ModelQualityOptions, MonitoredFeature, MonitoredModelOptions } from '../drift-monitor-props';
import { parseJsonPath } from '../engine';
import { checkS3Prefix, PREDICTION_PATH_RE } from './checks';

const STANDARD_PARAMETER_BYTES = 4096;
const ADVANCED_PARAMETER_BYTES = 8192;
/** Threshold props with their allowed ranges. */
const THRESHOLD_BOUNDS: ReadonlyArray<[keyof DriftThresholds, number, number]> = [
  ['alpha', 0, 1], ['psi', 0, 100], ['jensenShannon', 0, 1], ['ksStatistic', 0, 1], ['wassersteinNormed', 0, 1e6],
];
const BINARY_KEYS = ['minAccuracy', 'minPrecision', 'minRecall', 'minF1', 'minAuc'] as const;
const REGRESSION_KEYS = ['maxRmse', 'maxMae'] as const;

/** The thresholds set in `t` (validated), as the record stores them. */
export function renderThresholds(scope: Construct, prop: string, t: DriftThresholds): DriftThresholds {
  const out: { -readonly [K in keyof DriftThresholds]: DriftThresholds[K] } = {};
  for (const [k, min, max] of THRESHOLD_BOUNDS) {
    if (t[k] === undefined) continue;
    checkNumber(scope, `${prop}.${k}`, t[k], min, max);
    out[k] = t[k];
  }
  return out;
}

/** One feature of the record. */
export function renderFeature(scope: Construct, i: number, f: MonitoredFeature): FeatureConfig {
  if (typeof f.name !== 'string' || f.name.length === 0 || f.name.length > 255) {
    invalid(scope, `features[${i}].name`, f.name, 'must be a non-empty feature name of at most 255 characters');
  }
  checkOneOf(scope, `features[${i}].type`, f.type, Object.values(DriftFeatureType));
  if (f.alpha !== undefined) {
    invalid(scope, `features[${i}].alpha`, f.alpha, 'applies to the whole model (the family of features tested together): set thresholds.alpha');
  }
  const thresholds = renderThresholds(scope, `features[${i}]`, f);
  return {
    name: f.name,
    ...(f.type ? { type: f.type } : {}),
    ...(Object.keys(thresholds).length ? { thresholds } : {}),
  };
}

/** The features of the record (names unique). */
export function renderFeatures(scope: Construct, features: MonitoredFeature[] | undefined): FeatureConfig[] | undefined {
  const out = features?.map((f, i) => renderFeature(scope, i, f));
  if (out && new Set(out.map((f) => f.name)).size !== out.length) {
    invalid(scope, 'features', out.map((f) => f.name), 'must not repeat a feature name');
  }
  return out;
}

/** The quality block of the record; grants the handler read access to the labels. */
export function renderQuality(scope: Construct, monitor: DriftMonitor, modelName: string, q: ModelQualityOptions): QualityConfig {
  checkOneOf(scope, 'quality.problemType', q.problemType, Object.values(ModelProblemType));
  const delay = q.labelDelayHours ?? 0;
  checkInt(scope, 'quality.labelDelayHours', delay, 0, 168);
  const qMin = q.minSamples ?? 30;
  checkInt(scope, 'quality.minSamples', qMin, 1);
  const decisionThreshold = q.decisionThreshold ?? 0.5;
  checkNumber(scope, 'quality.decisionThreshold', decisionThreshold);
  const t: QualityThresholdConfig = {};
  const binary = q.problemType === ModelProblemType.BINARY;
  const own = binary ? BINARY_KEYS : REGRESSION_KEYS;
  const other = binary ? REGRESSION_KEYS : BINARY_KEYS;
  for (const k of other) {
    if (q[k] !== undefined) invalid(scope, `quality.${k}`, q[k], `does not apply to problemType "${q.problemType}" (use ${own.join(', ')})`);
  }
  for (const k of own) {
    const v = q[k];
    if (v === undefined) continue;
    if (k.startsWith('min')) checkNumber(scope, `quality.${k}`, v, 0, 1);
    else checkNumber(scope, `quality.${k}`, v, 0);
    t[k] = v;
  }
  if (Object.keys(t).length === 0) {
    invalid(scope, 'quality', undefined, `needs at least one threshold for the quality alarm: ${own.join(', ')}`);
  }
  if (q.predictionPath !== undefined) {
    checkPattern(scope, 'quality.predictionPath', q.predictionPath, PREDICTION_PATH_RE, 'must be a dotted path with optional [n] indexes, e.g. "predictions[0].score"');
  }
  const labelsBucket = q.labelsBucket ?? monitor._labelsBucket;
  const labelsPrefix = q.labelsPrefix ?? `${monitor._labelsPrefix}model=${modelName}/`;
  checkS3Prefix(scope, 'quality.labelsPrefix', labelsPrefix);
  // The monitor's labels root is granted once for every model that uses it.
  monitor._grantHandlerRead(labelsBucket, q.labelsBucket || q.labelsPrefix !== undefined ? labelsPrefix : monitor._labelsPrefix);
  return {
    bucket: labelsBucket.bucketName,
    prefix: labelsPrefix,
    delayHours: delay,
    problemType: q.problemType,
    predictionPath: q.predictionPath ?? 'prediction',
    decisionThreshold,
    minSamples: qMin,
    thresholds: t,
  };
}

/** A literal `featuresPath` must parse as the handler parses it. */
export function checkFeaturesPath(scope: Construct, featuresPath: string | undefined): void {
  if (featuresPath === undefined || isToken(featuresPath)) return;
  try {
    parseJsonPath(featuresPath);
  } catch (e) {
    invalid(scope, 'featuresPath', featuresPath, `must be a JSON path like "request.features" or "$.request.instances[0]" (${(e as Error).message})`);
  }
}

/**
 * The configuration parameter holding `config` plus `additionalConfig` (whose keys must not be the
 * handler's): Standard, or Advanced with a warning when the record is estimated over 4 KB.
 */
export function createConfigParameter(
  scope: Construct, monitor: DriftMonitor, config: ModelMonitorConfig, props: MonitoredModelOptions,
): ssm.StringParameter {
  const additional = props.additionalConfig ?? {};
  const reused = Object.keys(additional).filter((k) => k in config || CONFIG_KEYS.includes(k));
  if (reused.length > 0) invalid(scope, 'additionalConfig', reused, `must not reuse the monitor's own keys (${CONFIG_KEYS.join(', ')})`);
  const record = { ...additional, ...config };
  const value = Stack.of(scope).toJsonString(record);
  // Bucket names may be tokens: count them at their maximum length (63).
  const estimate = JSON.stringify(record).replace(/\$\{Token\[[^\]]*\]\}/g, 'x'.repeat(63)).length;
  if (estimate > ADVANCED_PARAMETER_BYTES) {
    invalid(scope, 'features', `${estimate} bytes of configuration`, `the model's configuration must fit an SSM parameter (${ADVANCED_PARAMETER_BYTES} bytes): list fewer features or drop per-feature thresholds`);
  }
  const advanced = estimate > STANDARD_PARAMETER_BYTES;
  if (advanced && props.configParameterTier === undefined) {
    Annotations.of(scope).addWarningV2('cdk-mlops:drift-config-advanced-parameter',
      `The configuration of model "${props.modelName}" is ~${estimate} bytes, over a Standard SSM parameter's 4 KB: it uses an Advanced parameter (billed monthly).`);
  }
  return new ssm.StringParameter(scope, 'Config', {
    parameterName: `${monitor.configPath}${props.modelName}`,
    description: `cdk-mlops DriftMonitor configuration of model ${props.modelName}`,
    stringValue: value,
    tier: props.configParameterTier ?? (advanced ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD),
  });
}
