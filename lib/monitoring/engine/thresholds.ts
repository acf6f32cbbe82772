/** Which features are drifted, and the "undefined" results of empty samples. */
import type { DriftThresholds } from '../drift-thresholds';
import { CategoricalDrift, DriftReport, NumericDrift } from './types';

/** Thresholds with every value set. */
export type ResolvedThresholds = Required<DriftThresholds>;

/** The defaults of every threshold (the public DriftThresholds documents them). */
export const DEFAULT_THRESHOLDS: ResolvedThresholds = Object.freeze({
  psi: 0.2,
  jensenShannon: 0.1,
  ksPValue: 0.05,
  wassersteinNormed: 0.1,
  chiSquarePValue: 0.05,
});

/** A feature with its own thresholds (FeatureSpec, FeatureConfig and DriftFeatureSpec all fit). */
export interface ThresholdSpec {
  readonly name: string;
  readonly thresholds?: DriftThresholds;
}

/** DEFAULT_THRESHOLDS overridden by `thresholds`, then by the feature's own spec. */
export function thresholdsFor(name: string, specs?: readonly ThresholdSpec[], thresholds?: DriftThresholds): ResolvedThresholds {
  const spec = specs?.find((s) => s.name === name);
  return { ...DEFAULT_THRESHOLDS, ...defined(thresholds), ...defined(spec?.thresholds) };
}

function defined(t: DriftThresholds | undefined): DriftThresholds {
  const out: Record<string, number> = {};
  if (t) for (const [k, v] of Object.entries(t)) if (typeof v === 'number') out[k] = v;
  return out;
}

/**
 * Names of the features over their thresholds: psi > psi, jensenShannon > jensenShannon,
 * wassersteinNormed > wassersteinNormed, ksPValue < ksPValue (numeric) or
 * chiSquarePValue < chiSquarePValue (categorical). NaN statistics (an empty side) never drift.
 */
export function driftedFeatures(
  features: DriftReport['features'],
  specs?: readonly ThresholdSpec[],
  thresholds?: DriftThresholds,
): string[] {
  const out: string[] = [];
  for (const [name, f] of Object.entries(features)) {
    const t = thresholdsFor(name, specs, thresholds);
    const common = f.psi > t.psi || f.jensenShannon > t.jensenShannon;
    const drifted = f.type === 'numeric'
      ? common || f.ksPValue < t.ksPValue || f.wassersteinNormed > t.wassersteinNormed
      : common || f.chiSquarePValue < t.chiSquarePValue;
    if (drifted) out.push(name);
  }
  return out;
}

/** A numeric result with no statistics (either side has no values). */
export function numericUndefined(n: number, missingRateDelta: number): NumericDrift {
  return {
    type: 'numeric', n, psi: NaN, jensenShannon: NaN, ksStatistic: NaN, ksPValue: NaN, wassersteinNormed: NaN, missingRateDelta,
  };
}

/** A categorical result with no statistics (either side has no values). */
export function categoricalUndefined(n: number, missingRateDelta: number): CategoricalDrift {
  return {
    type: 'categorical', n, psi: NaN, chiSquare: NaN, chiSquarePValue: NaN, jensenShannon: NaN, lInfinity: NaN,
    unseenRate: NaN, missingRateDelta,
  };
}
