/**
 * When a feature counts as drifted: the one public threshold type of the drift
 * engine, DriftMonitor, MonitoredModel and ModelFactory. Pure TypeScript (the
 * engine and the monitor's handler read the same keys from the model's
 * configuration record, `lib/contracts/drift-monitor-config.ts`).
 */

/**
 * When a feature counts as drifted (docs/drift.md, "Decision"): its two-sample test (Kolmogorov–Smirnov
 * for numeric features, chi-square homogeneity for categorical ones) rejects "same distribution" at
 * the family-wise significance level `alpha`, corrected with Holm's method for the number of
 * features compared, AND at least one effect size reaches its floor. PSI and Jensen–Shannon are
 * compared after removing their small-sample bias, so noise alone never looks large.
 * Every field is optional: an unset field takes the model-wide value, then the default.
 */
export interface DriftThresholds {
  /**
   * Family-wise significance level: the probability that a comparison of identical distributions
   * calls any feature drifted is at most this. Model-wide only (not per feature).
   * @default 0.005
   */
  readonly alpha?: number;
  /**
   * Floor of the bias-corrected population stability index, PSI − (k−1)(1/n + 1/m).
   * @default 0.2
   */
  readonly psi?: number;
  /**
   * Floor of the bias-corrected Jensen–Shannon distance (base 2), √max(0, JS² − (k−1)(1/n + 1/m)/(8 ln 2)).
   * @default 0.1
   */
  readonly jensenShannon?: number;
  /**
   * Floor of the Kolmogorov–Smirnov statistic D (numeric features).
   * @default 0.1
   */
  readonly ksStatistic?: number;
  /**
   * Floor of the Wasserstein-1 distance in reference standard deviations (numeric features).
   * @default 0.1
   */
  readonly wassersteinNormed?: number;
}

/**
 * Drift thresholds (former name).
 * @deprecated use {@link DriftThresholds}
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a jsii-compatible alias of the former name
export interface DriftThresholdOverrides extends DriftThresholds {}

