/**
 * Types of the drift engine (internal; the jsii facade is lib/drift-engine.ts).
 * Pure data: every type here is JSON-serialisable.
 */
import type { DriftThresholds } from '../../contracts/drift-thresholds';

/** How a feature's values are compared. */
export type FeatureType = 'numeric' | 'categorical';

/** A feature to compare, optionally with its type and its own alarm thresholds. */
export interface FeatureSpec {
  /** The field name in the record (CSV header or request object key). */
  readonly name: string;
  /** Forces the type; inferred from the data when omitted. */
  readonly type?: FeatureType;
  /** Per-feature effect-size floors (the decision: ./thresholds.ts; alpha is model-wide only). */
  readonly thresholds?: DriftThresholds;
}

/**
 * A quantile sketch of the reference sample of one numeric feature: a set of
 * distinct reference values (always including the minimum and maximum) with
 * the exact reference counts at and below each point, and the summed offsets
 * of the reference values strictly between consecutive points.
 *
 * When the reference has at most `size` distinct values, `values` holds all
 * of them (`exact: true`) and KS against it is exact.
 */
export interface QuantileSketch {
  /** Requested number of points. */
  size: number;
  /** True when `values` holds every distinct reference value. */
  exact: boolean;
  /** Distinct reference values, ascending. */
  values: number[];
  /** le[i] = number of reference values <= values[i]. */
  le: number[];
  /** lt[i] = number of reference values < values[i]. */
  lt: number[];
  /**
   * innerOffset[i] = Σ (x − values[i]) over the reference values x strictly between
   * values[i] and values[i+1] (length values.length − 1; all 0 when `exact`).
   */
  innerOffset: number[];
}

/** Baseline of a numeric feature. */
export interface NumericBaseline {
  type: 'numeric';
  /** Non-missing reference values the statistics come from (the sample size when sampled). */
  count: number;
  /** Missing values / records. */
  missingShare: number;
  /** Set when only a uniform sample of the values was kept: the number of non-missing values seen. */
  sampledFrom?: number;
  /** The 9 reference quantiles at 0.1 … 0.9 (numpy 'linear'), kept even when repeated. */
  edges: number[];
  /** Reference shares of the 10 right-closed bins. */
  shares: number[];
  /** Mean of the non-missing reference values. */
  mean: number;
  /** Population standard deviation of the non-missing reference values. */
  std: number;
  /** Quantile sketch for KS and Wasserstein. */
  sketch: QuantileSketch;
}

/** Baseline of a categorical feature. */
export interface CategoricalBaseline {
  type: 'categorical';
  /** Non-missing reference values. */
  count: number;
  /** Missing values / records. */
  missingShare: number;
  /** Share of each of the top-k categories (of the non-missing values). */
  shares: Record<string, number>;
  /** Share of every other category (0 when the baseline kept every category). */
  otherShare: number;
}

/** What the monitor compares a capture window against. */
export interface Baseline {
  schemaVersion: 1;
  /** ISO-8601 UTC. */
  createdAt: string;
  /** Records seen (including rows where a feature is missing). */
  recordCount: number;
  features: Record<string, NumericBaseline | CategoricalBaseline>;
}

/** Drift of a numeric feature. Statistics are NaN (null in JSON) when either side has no values. */
export interface NumericDrift {
  type: 'numeric';
  /** Non-missing current values. */
  n: number;
  psi: number;
  jensenShannon: number;
  ksStatistic: number;
  ksPValue: number;
  wassersteinNormed: number;
  missingRateDelta: number;
}

/** Drift of a categorical feature. Statistics are NaN (null in JSON) when either side has no values. */
export interface CategoricalDrift {
  type: 'categorical';
  /** Non-missing current values. */
  n: number;
  psi: number;
  chiSquare: number;
  chiSquarePValue: number;
  jensenShannon: number;
  lInfinity: number;
  unseenRate: number;
  missingRateDelta: number;
}

/** Result of a comparison. */
export interface DriftReport {
  /** Current records seen (well-formed). */
  n: number;
  /** Current records that could not be read. */
  malformed: number;
  features: Record<string, NumericDrift | CategoricalDrift>;
  /** Names of the features over their thresholds, in `features` order. */
  drifted: string[];
}
