/**
 * The drift decision: a feature is drifted when its two-sample test is significant after
 * Holm's correction for the number of features compared, and at least one of its
 * bias-corrected effect sizes reaches its floor. See docs/drift.md ("Decision").
 */
import type { DriftThresholds } from '../../contracts/drift-thresholds';
import { chiSquareSf } from './stats';
import { CategoricalDrift, FeatureSpec, NumericDrift } from './types';

/** Thresholds with every value set. */
export type ResolvedThresholds = Required<DriftThresholds>;

/** The defaults of every threshold (the public DriftThresholds documents them). */
export const DEFAULT_THRESHOLDS: ResolvedThresholds = Object.freeze({
  alpha: 0.005,
  psi: 0.2,
  jensenShannon: 0.1,
  ksStatistic: 0.1,
  wassersteinNormed: 0.1,
});

export { FEATURE_THRESHOLD_KEYS, THRESHOLD_KEYS } from '../../contracts/drift-threshold-keys';

/** A feature with its own thresholds (FeatureSpec, FeatureConfig and DriftFeatureSpec all fit). */
export interface ThresholdSpec {
  readonly name: string;
  readonly thresholds?: DriftThresholds;
}

/** A feature to compare, with thresholds of the decision (the engine's options take these). */
export type EngineFeatureSpec = Omit<FeatureSpec, 'thresholds'> & ThresholdSpec;

/** What the decision needs to know of one feature's comparison. */
export interface FeatureEvidence {
  readonly type: 'numeric' | 'categorical';
  /** p-value of the two-sample test (KS for numeric, chi-square homogeneity for categorical); NaN when not computable. */
  readonly pValue: number;
  /** Non-missing reference values. */
  readonly referenceCount: number;
  /** Non-missing current values. */
  readonly currentCount: number;
  /** Cells (bins or categories) with mass on either side: the k of the PSI / JS bias. */
  readonly cells: number;
  readonly psi: number;
  readonly jensenShannon: number;
  /** Numeric only. */
  readonly ksStatistic?: number;
  /** Numeric only. */
  readonly wassersteinNormed?: number;
}

/** Why a feature is, or is not, drifted. */
export interface FeatureDecision {
  /** The test's p-value (NaN: not computable, never drifted). */
  readonly pValue: number;
  /** Holm's level for this feature's rank (NaN when an earlier rank already failed, or not tested). */
  readonly level: number;
  /** The test rejects "same distribution" at the family-wise alpha. */
  readonly significant: boolean;
  /** PSI − (k−1)(1/n + 1/m), at least 0. */
  readonly psiCorrected: number;
  /** √max(0, JS² − (k−1)(1/n + 1/m) / (8 ln 2)). */
  readonly jensenShannonCorrected: number;
  /** Some effect size reaches its floor. */
  readonly material: boolean;
  /** significant and material. */
  readonly drifted: boolean;
}

/** DEFAULT_THRESHOLDS overridden by `thresholds`, then by the feature's own spec (alpha: the family's only). */
export function thresholdsFor(name: string, specs?: readonly ThresholdSpec[], thresholds?: DriftThresholds): ResolvedThresholds {
  const spec = specs?.find((s) => s.name === name);
  const own = defined(spec?.thresholds);
  delete own.alpha;
  return { ...DEFAULT_THRESHOLDS, ...defined(thresholds), ...own };
}

function defined(t: DriftThresholds | undefined): { -readonly [K in keyof DriftThresholds]: number } {
  const out: Record<string, number> = {};
  if (t) for (const [k, v] of Object.entries(t)) if (typeof v === 'number') out[k] = v;
  return out;
}

/** The bias-corrected PSI and Jensen–Shannon distance (their expected value under "no drift" removed). */
export function correctedEffects(e: FeatureEvidence): { psi: number; jensenShannon: number } {
  const bias = Math.max(0, e.cells - 1) * (1 / e.referenceCount + 1 / e.currentCount);
  const js2 = e.jensenShannon * e.jensenShannon - bias / (8 * Math.LN2);
  return { psi: Math.max(0, e.psi - bias), jensenShannon: Math.sqrt(js2 > 0 ? js2 : 0) };
}

/**
 * Decides every feature of one comparison (one family): Holm's step-down procedure over the
 * features with a p-value at the family-wise `alpha`, then the effect-size floors.
 */
export function decide(
  evidence: Record<string, FeatureEvidence>,
  specs?: readonly ThresholdSpec[],
  thresholds?: DriftThresholds,
): Record<string, FeatureDecision> {
  const alpha = thresholdsFor('', undefined, thresholds).alpha;
  const names = Object.keys(evidence);
  const tested = names.filter((n) => Number.isFinite(evidence[n].pValue)).sort((a, b) => evidence[a].pValue - evidence[b].pValue);
  const level = new Map<string, number>();
  const significant = new Set<string>();
  for (let j = 0; j < tested.length; j++) {
    const l = alpha / (tested.length - j);
    level.set(tested[j], l);
    if (!(evidence[tested[j]].pValue <= l)) break;
    significant.add(tested[j]);
  }
  const out: Record<string, FeatureDecision> = {};
  for (const name of names) {
    const e = evidence[name];
    const t = thresholdsFor(name, specs, thresholds);
    const c = correctedEffects(e);
    const material = Number.isFinite(e.pValue) && (c.psi >= t.psi || c.jensenShannon >= t.jensenShannon
      || (e.type === 'numeric' && ((e.ksStatistic ?? 0) >= t.ksStatistic || (e.wassersteinNormed ?? 0) >= t.wassersteinNormed)));
    const sig = significant.has(name);
    out[name] = {
      pValue: e.pValue,
      level: level.get(name) ?? NaN,
      significant: sig,
      psiCorrected: c.psi,
      jensenShannonCorrected: c.jensenShannon,
      material,
      drifted: sig && material,
    };
  }
  return out;
}

/** Cells whose smaller expected count is below this are pooled (Cochran's rule). */
export const MIN_EXPECTED_COUNT = 5;

/**
 * Chi-square test of homogeneity of two samples' category counts (2 × k table), which accounts
 * for the sampling error of both sides. Cells whose smaller expected count is below 5 are pooled
 * into one; a pooled cell still below 5 joins the smallest other cell. df = cells − 1 (p = 1 with
 * a single cell). Counts need not be integers (reference counts may come from shares × count).
 */
export function homogeneityTest(
  referenceCounts: ArrayLike<number>, n: number, currentCounts: ArrayLike<number>, m: number,
): { pValue: number; cells: number } {
  if (!(n > 0) || !(m > 0)) return { pValue: NaN, cells: 0 };
  const small = Math.min(n, m) / (n + m);
  const a: number[] = [];
  const b: number[] = [];
  let pa = 0;
  let pb = 0;
  let cells = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const x = referenceCounts[i];
    const y = currentCounts[i];
    if (x + y <= 0) continue;
    cells++;
    if ((x + y) * small < MIN_EXPECTED_COUNT) {
      pa += x;
      pb += y;
    } else {
      a.push(x);
      b.push(y);
    }
  }
  if (pa + pb > 0) {
    if ((pa + pb) * small >= MIN_EXPECTED_COUNT || a.length === 0) {
      a.push(pa);
      b.push(pb);
    } else {
      let k = 0;
      for (let i = 1; i < a.length; i++) if (a[i] + b[i] < a[k] + b[k]) k = i;
      a[k] += pa;
      b[k] += pb;
    }
  }
  const df = a.length - 1;
  if (df < 1) return { pValue: 1, cells };
  let chi = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] / n - b[i] / m;
    chi += (n * m * d * d) / (a[i] + b[i]);
  }
  return { pValue: chiSquareSf(chi, df), cells };
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
