import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ModelEndpoint } from '../inference/model-endpoint';
import type { MonitoredModel } from '../monitoring/monitored-model';

/**
 * Where the `RetrainOutcome{ModelName, Outcome}` counts of a model come from. A `RetrainTrigger`
 * implements it (`metricOutcome(outcome, modelName, props)`).
 */
export interface IRetrainOutcomeSource {
  /** Count of retrains of `modelName` that ended with `outcome` (e.g. `promoted`, `rolled-back`, `failed`). */
  metricOutcome(outcome: string, modelName: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
}

/** One model on a dashboard: whatever of its constructs are known. */
export interface ModelDashboardSource {
  /**
   * The model name.
   * @default - the endpoint's or the monitored model's name
   */
  readonly modelName?: string;
  /**
   * The model's endpoint: traffic, latency p50/p99, errors and replicas per variant and segment, GPU utilisation.
   * @default - no serving widgets
   */
  readonly endpoint?: ModelEndpoint;
  /**
   * The model's drift registration: drifted features, drift per feature against its floor, quality.
   * @default - no drift or quality widgets
   */
  readonly monitoredModel?: MonitoredModel;
  /**
   * Where the retraining outcomes come from (e.g. the RetrainTrigger).
   * @default - no retraining widget
   */
  readonly retrainOutcomes?: IRetrainOutcomeSource;
}

