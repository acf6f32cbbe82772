import { DriftThresholds } from '../contracts/drift-thresholds';
import { DriftFeatureType } from './drift-monitor-props';
import * as engine from './engine';

/** A feature to compare. */
export interface DriftFeatureSpec {
  /** The field name (CSV header or key of the request's feature object). */
  readonly name: string;
  /**
   * How the feature is compared.
   * @default - numeric when every non-missing value parses as a finite number
   */
  readonly type?: DriftFeatureType;
  /**
   * Thresholds for this feature.
   * @default - the comparison's thresholds
   */
  readonly thresholds?: DriftThresholds;
}

/** Options of a comparison. */
export interface DriftCompareOptions {
  /**
   * The features to compare.
   * @default - every field seen (for a baseline comparison: every baseline feature), types inferred
   */
  readonly features?: DriftFeatureSpec[];
  /**
   * Thresholds for every feature (a feature's own thresholds win).
   * @default - PSI 0.2, Jensen–Shannon 0.1, KS p-value 0.05, normalised Wasserstein 0.1, chi-square p-value 0.05
   */
  readonly thresholds?: DriftThresholds;
}

/** Options for building a baseline. */
export interface DriftBaselineOptions {
  /**
   * The features (and optionally their types).
   * @default - every field seen, types inferred
   */
  readonly features?: DriftFeatureSpec[];
  /**
   * Points in each numeric feature's quantile sketch (the KS error against the baseline is at most about 1/(sketchSize − 1)).
   * @default 1000
   */
  readonly sketchSize?: number;
  /**
   * Categories kept per categorical feature; the rest are pooled as "other".
   * @default 1000
   */
  readonly topK?: number;
  /**
   * Numeric values kept per feature; beyond it a uniform sample of this size (edges, shares,
   * mean, std and sketch then come from the sample; the missing share stays exact).
   * @default - every value (exact)
   */
  readonly maxValues?: number;
}

/** Drift statistics of one feature. Statistics that do not apply to the type, or cannot be computed (an empty side), are absent. */
export interface FeatureDriftResult {
  /** Feature name. */
  readonly name: string;
  /** How the feature was compared. */
  readonly type: DriftFeatureType;
  /** Non-missing current values. */
  readonly n: number;
  /** Whether the feature is over its thresholds. */
  readonly drifted: boolean;
  /**
   * Population stability index.
   * @default - not computable
   */
  readonly psi?: number;
  /**
   * Jensen–Shannon distance, base 2.
   * @default - not computable
   */
  readonly jensenShannon?: number;
  /**
   * Two-sample KS statistic (numeric).
   * @default - not numeric or not computable
   */
  readonly ksStatistic?: number;
  /**
   * KS p-value (numeric).
   * @default - not numeric or not computable
   */
  readonly ksPValue?: number;
  /**
   * Wasserstein-1 / max(reference std, 0.001) (numeric).
   * @default - not numeric or not computable
   */
  readonly wassersteinNormed?: number;
  /**
   * Chi-square statistic (categorical).
   * @default - not categorical or not computable
   */
  readonly chiSquare?: number;
  /**
   * Chi-square p-value (categorical).
   * @default - not categorical or not computable
   */
  readonly chiSquarePValue?: number;
  /**
   * max |reference share − current share| (categorical).
   * @default - not categorical or not computable
   */
  readonly lInfinity?: number;
  /**
   * Share of current values in categories the reference never saw (categorical).
   * @default - not categorical or not computable
   */
  readonly unseenRate?: number;
  /**
   * Current missing share − reference missing share.
   * @default - no current records
   */
  readonly missingRateDelta?: number;
}

/** Result of a comparison. */
export interface DriftComparisonResult {
  /** Current records compared. */
  readonly records: number;
  /** Current records that could not be read. */
  readonly malformed: number;
  /** Per-feature statistics, in feature order. */
  readonly features: FeatureDriftResult[];
  /** Names of the drifted features. */
  readonly drifted: string[];
}

/**
 * A drift baseline: the reference statistics a window is compared against
 * (the JSON document the TrainingPipeline's baseline step writes and the
 * DriftMonitor reads; schema in docs/drift.md).
 */
export class DriftBaseline {
  /** Parses and validates a baseline document; throws an error naming the first problem. */
  public static fromJson(json: string): DriftBaseline {
    return new DriftBaseline(engine.validateBaseline(JSON.parse(json)));
  }

  /** @internal */
  public static _of(document: engine.Baseline): DriftBaseline {
    return new DriftBaseline(document);
  }

  /** Records the baseline was built from (including rows where a feature is missing). */
  public readonly recordCount: number;
  /** When the baseline was built (ISO-8601 UTC). */
  public readonly createdAt: string;
  /** The baseline's features, in document order. */
  public readonly featureNames: string[];
  /** @internal */
  public readonly _document: engine.Baseline;

  private constructor(document: engine.Baseline) {
    this._document = document;
    this.recordCount = document.recordCount;
    this.createdAt = document.createdAt;
    this.featureNames = Object.keys(document.features);
  }

  /** The JSON document (store it next to the model). */
  public toJson(): string {
    return JSON.stringify(this._document);
  }
}

/**
 * The drift engine: PSI, Jensen–Shannon, Kolmogorov–Smirnov, normalised Wasserstein,
 * chi-square and missing-rate statistics between a reference and a current sample, or
 * between a baseline (built once from training data) and a current window.
 * Definitions in docs/drift.md. Pure computation: no AWS calls.
 *
 * @example
 * const baseline = DriftEngine.buildBaseline([{ age: 31, plan: 'pro' }, { age: 45, plan: 'free' }]);
 * const json = baseline.toJson(); // store it; DriftBaseline.fromJson(json) reads it back
 * const result = DriftEngine.compareToBaseline(baseline, [{ age: 52, plan: 'pro' }]);
 */
export class DriftEngine {
  /** The default thresholds. */
  public static defaultThresholds(): DriftThresholds {
    return { ...engine.DEFAULT_THRESHOLDS };
  }

  /**
   * Builds a baseline (the JSON document the DriftMonitor compares against) from reference rows.
   * @param rows reference rows, field name → value
   */
  public static buildBaseline(rows: Array<{ [key: string]: any }>, options: DriftBaselineOptions = {}): DriftBaseline {
    const b = new engine.BaselineBuilder({
      features: specsOf(options.features),
      sketchSize: options.sketchSize,
      topK: options.topK,
      maxValues: options.maxValues,
    });
    for (const r of rows) b.add(r);
    return DriftBaseline._of(b.finish());
  }

  /**
   * Checks a baseline document (JSON text); throws an error naming the first problem.
   * @returns the number of features in the baseline
   */
  public static validateBaseline(json: string): number {
    return DriftBaseline.fromJson(json).featureNames.length;
  }

  /** Compares current rows with a baseline (streaming statistics; KS and Wasserstein from the baseline's sketch). */
  public static compareToBaseline(
    baseline: DriftBaseline, rows: Array<{ [key: string]: any }>, options: DriftCompareOptions = {},
  ): DriftComparisonResult {
    const acc = new engine.DriftAccumulator(baseline._document, {
      features: specsOf(options.features),
      thresholds: options.thresholds,
    });
    for (const r of rows) acc.add(r);
    return toResult(acc.result());
  }

  /** Compares two full samples with exact statistics. */
  public static compare(
    reference: Array<{ [key: string]: any }>, current: Array<{ [key: string]: any }>, options: DriftCompareOptions = {},
  ): DriftComparisonResult {
    return toResult(engine.compareSamples(reference, current, { features: specsOf(options.features), thresholds: options.thresholds }));
  }

  /**
   * The features of one capture record (see `CaptureRecord`), or undefined when it has none.
   * @param jsonPath where the features are, from the record root (e.g. `request.instances[0]`);
   *   default: `request.features`, else `request.instances[0]`, else `request`
   */
  public static featuresFromCaptureRecord(record: any, jsonPath?: string): { [key: string]: any } | undefined {
    return engine.featuresFromCaptureRecord(record, jsonPath);
  }

  private constructor() {}
}

function specsOf(features: DriftFeatureSpec[] | undefined): engine.FeatureSpec[] | undefined {
  return features?.map((f) => {
    if (f.type !== undefined && !Object.values(DriftFeatureType).includes(f.type)) {
      throw new Error(`feature "${f.name}": type must be "numeric" or "categorical", got "${f.type}"`);
    }
    if (f.thresholds?.alpha !== undefined) {
      throw new Error(`feature "${f.name}": alpha applies to the whole comparison (the family of features tested together), not to one feature`);
    }
    return { name: f.name, type: f.type, thresholds: f.thresholds };
  });
}

function finite(x: number): number | undefined {
  return Number.isFinite(x) ? x : undefined;
}

function toResult(report: engine.DriftReport): DriftComparisonResult {
  const drifted = new Set(report.drifted);
  const features: FeatureDriftResult[] = Object.entries(report.features).map(([name, f]) => {
    const out: Record<string, unknown> = { name, type: f.type, n: f.n, drifted: drifted.has(name) };
    for (const [k, v] of Object.entries(f)) if (k !== 'type' && k !== 'n' && typeof v === 'number' && finite(v) !== undefined) out[k] = v;
    return out as unknown as FeatureDriftResult;
  });
  return { records: report.n, malformed: report.malformed, features, drifted: report.drifted };
}
