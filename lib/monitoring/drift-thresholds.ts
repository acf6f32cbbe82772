/**
 * When a feature counts as drifted: the one public threshold type of the drift
 * engine, DriftMonitor, MonitoredModel and ModelFactory. Pure TypeScript (the
 * engine and the monitor's handler read the same keys from the model's
 * configuration record, `lib/contracts/drift-monitor-config.ts`).
 */

/**
 * Drift thresholds; any statistic beyond its threshold marks the feature drifted.
 * Every field is optional: an unset field takes the model-wide value, then the default.
 */
export interface DriftThresholds {
  /**
   * Population stability index above which a feature drifted.
   * @default 0.2
   */
  readonly psi?: number;
  /**
   * Jensen–Shannon distance (base 2) above which a feature drifted.
   * @default 0.1
   */
  readonly jensenShannon?: number;
  /**
   * Kolmogorov–Smirnov p-value below which a numeric feature drifted.
   * @default 0.05
   */
  readonly ksPValue?: number;
  /**
   * Wasserstein-1 distance divided by the reference standard deviation above which a numeric feature drifted.
   * @default 0.1
   */
  readonly wassersteinNormed?: number;
  /**
   * Chi-square p-value below which a categorical feature drifted.
   * @default 0.05
   */
  readonly chiSquarePValue?: number;
}

/**
 * Drift thresholds (former name).
 * @deprecated use {@link DriftThresholds}
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a jsii-compatible alias of the former name
export interface DriftThresholdOverrides extends DriftThresholds {}
