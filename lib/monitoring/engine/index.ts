/**
 * The drift engine: pure TypeScript statistics (no AWS, no Node-only APIs), used by the
 * DriftMonitor Lambda, the TrainingPipeline baseline step and the `cdk-mlops drift` CLI.
 * Definitions: docs/drift.md. Readers for files live in ./readers (Node only).
 */
export type {
  FeatureType, FeatureSpec, QuantileSketch, NumericBaseline,
  CategoricalBaseline, Baseline, NumericDrift, CategoricalDrift, DriftReport,
} from './types';
export type { DriftThresholds } from '../../contracts/drift-thresholds';
export type { BaselineBuilderOptions } from './baseline';
export { BaselineBuilder, validateBaseline, DEFAULT_SKETCH_SIZE, DEFAULT_TOP_K } from './baseline';
export type { DriftAccumulatorOptions, SketchBounds } from './accumulator';
export { DriftAccumulator } from './accumulator';
export type { CompareOptions } from './compare';
export { compareSamples, SampleComparison } from './compare';
export type { EngineFeatureSpec, FeatureDecision, FeatureEvidence, ResolvedThresholds, ThresholdSpec } from './thresholds';
export {
  DEFAULT_THRESHOLDS, FEATURE_THRESHOLD_KEYS, THRESHOLD_KEYS, correctedEffects, decide, homogeneityTest, thresholdsFor,
} from './thresholds';
export { featuresFromCaptureRecord, parseJsonPath } from './capture';
export { isMissing, toNumber, categoryKey } from './values';
export type { KsResult } from './ks';
export { ks2sampPValue, kolmogorovSf, KS_MAX_EXACT_N } from './ks';
