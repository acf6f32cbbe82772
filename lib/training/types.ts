// Public enums and value types of TrainingPipeline.

/** How SageMaker feeds the training channels to the container. */
export enum TrainingInputMode {
  /** Stream from S3 on demand through a POSIX interface: training starts without a full download (default). */
  FAST_FILE = 'FastFile',
  /** Download the whole channel to the volume before training starts. */
  FILE = 'File',
  /** Stream through a FIFO (needs a container that reads pipes). */
  PIPE = 'Pipe',
}

/** Whether a higher or a lower objective metric is better. */
export enum MetricDirection {
  /** Higher is better (accuracy, AUC, F1). */
  MAXIMIZE = 'maximize',
  /** Lower is better (loss, RMSE). */
  MINIMIZE = 'minimize',
}

/** What the registry does with a candidate that passes the evaluation gate. */
export enum ApprovalPolicy {
  /** Register as Approved. */
  AUTO = 'auto',
  /** Register as PendingManualApproval (a person approves it in the registry). */
  MANUAL = 'manual',
}

/** How multi-instance jobs are launched. */
export enum DistributionStrategy {
  /** SageMaker PyTorch containers launch torchrun on every host (`sagemaker_torch_distributed_enabled`), NCCL/EFA env set. */
  TORCH_DISTRIBUTED = 'torch_distributed',
  /** The container handles distribution itself (SM_HOSTS / SM_CURRENT_HOST). */
  NONE = 'none',
}

/** A metric SageMaker scrapes from the training logs. */
export interface MetricDefinition {
  /** Metric name, e.g. `validation:auc`. */
  readonly name: string;
  /** Regular expression with one capture group around the value, e.g. `val_auc=([0-9.]+)`. */
  readonly regex: string;
}

/** The evaluation gate. */
export interface EvaluationGate {
  /** The objective metric (one of the metric definitions). */
  readonly metricName: string;
  /** Whether higher or lower is better. */
  readonly direction: MetricDirection;
  /** The candidate must reach this value (>= for maximize, <= for minimize). */
  readonly threshold: number;
  /**
   * When set, the candidate must also beat the newest Approved model package
   * of the group (the champion) by at least this much.
   * @default - no champion comparison
   */
  readonly minImprovement?: number;
}

/** A feature the drift baseline describes. */
export interface BaselineFeature {
  /** Field name (CSV header or JSON key). */
  readonly name: string;
  /**
   * `numeric` or `categorical`.
   * @default - inferred from the data
   */
  readonly type?: string;
}
