// The public types of a ModelFactory: its props, the per-model specs (training, retraining, segments) and the
// multi-process synthesis options.
import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InferenceAutoscaling, InferenceResources, InferenceSegment } from '../inference/inference-service';
import { DriftThresholdOverrides, ModelQualityOptions, MonitoredFeature } from '../monitoring/drift-monitor';
import { EvaluationGate, MetricDefinition, TrainingImage } from '../training/training-pipeline';
import { StackLimitsProps } from './stack-limits';

/** Training settings of one model (they travel in the shared pipeline's execution input). */
export interface FactoryTrainingOptions {
  /**
   * Training instance type.
   * @default - the factory's `trainingInstanceType`
   */
  readonly instanceType?: string;
  /**
   * Training instances (> 1 trains distributed).
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Hyperparameters (merged over the factory's).
   * @default - none
   */
  readonly hyperparameters?: { [name: string]: string };
}

/** Retraining policy of one model. */
export interface FactoryRetrainPolicy {
  /**
   * Traffic share (percent) of the canary while it bakes.
   * @default 10
   */
  readonly canaryWeight?: number;
  /**
   * How long the canary bakes.
   * @default Duration.minutes(30)
   */
  readonly bakeTime?: Duration;
  /**
   * Minimum time between two retrains of the model.
   * @default Duration.hours(6)
   */
  readonly cooldown?: Duration;
  /**
   * At most this many retrains per budget period.
   * @default 4
   */
  readonly maxRetrainsPerPeriod?: number;
  /**
   * Ask a human before training.
   * @default false
   */
  readonly requireApproval?: boolean;
}

/**
 * A segment of a factory model (see `ModelEndpointProps.segments`): routed to its own Deployment by ALB conditions,
 * monitored as `<model>-<segment>` (its own baseline `<outputPrefix>models/<model>-<segment>/baseline.json` and
 * alarms) and retrained as `<model>-<segment>` (its own dataset `<datasetPrefix><model>-<segment>/`, model package
 * group, champion and canary `<segment>-canary`). About 3.3 resources and 30.5 KB of template per segment in the model's
 * shard: a model weighs 1 slot of `modelsPerShard` plus 0.775 per segment (docs/model-factory.md).
 */
export interface FactorySegmentSpec extends InferenceSegment {
  /**
   * Features the segment's drift monitor compares.
   * @default - the model's `features`
   */
  readonly features?: MonitoredFeature[];
  /**
   * Drift thresholds of the segment.
   * @default - the model's `thresholds`
   */
  readonly thresholds?: DriftThresholdOverrides;
  /**
   * Ground truth of the segment (quality metrics and alarm).
   * @default - the model's `quality`
   */
  readonly quality?: ModelQualityOptions;
  /**
   * Training settings of the segment.
   * @default - the model's `training`
   */
  readonly training?: FactoryTrainingOptions;
  /**
   * Retraining policy of the segment.
   * @default - the model's `retrain`
   */
  readonly retrain?: FactoryRetrainPolicy;
}

/** One model of a `ModelFactory`. */
export interface FactoryModelSpec {
  /** Model name: a DNS label of 1-40 characters (also its namespace, its alarm names and its model package group). */
  readonly modelName: string;
  /** Serving image, pinned by tag (not `latest`) or digest. */
  readonly image: string;
  /** The model version served at first (its artifact is `<artifactPrefix><modelName>/<modelVersion>/`). */
  readonly modelVersion: string;
  /**
   * Port the model server listens on.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Resources of the model container (endpoint sizing).
   * @default - 1 CPU, 2Gi memory, no GPU
   */
  readonly resources?: InferenceResources;
  /**
   * Autoscaling of the endpoint.
   * @default - 2-10 replicas at 70% CPU
   */
  readonly autoscaling?: InferenceAutoscaling;
  /**
   * Training settings.
   * @default - the factory's defaults; data at `<datasetPrefix><modelName>/`
   */
  readonly training?: FactoryTrainingOptions;
  /**
   * Features the drift monitor compares (types and per-feature thresholds).
   * @default - every feature of the baseline, types inferred
   */
  readonly features?: MonitoredFeature[];
  /**
   * Model-wide drift thresholds.
   * @default - PSI 0.2, JS 0.1, KS p 0.05, W 0.1, chi² p 0.05
   */
  readonly thresholds?: DriftThresholdOverrides;
  /**
   * Ground truth for quality metrics and the quality alarm.
   * @default - no quality monitoring
   */
  readonly quality?: ModelQualityOptions;
  /**
   * Retraining policy.
   * @default - the RetrainTrigger defaults
   */
  readonly retrain?: FactoryRetrainPolicy;
  /**
   * Per-segment models, each routed, monitored and retrained on its own (see FactorySegmentSpec).
   * @default - none
   */
  readonly segments?: FactorySegmentSpec[];
}

/**
 * Synthesis of the shard stacks in several Node processes, for fleets whose construct tree does not
 * fit one process (about 0.3 MB of memory per model). See docs/model-factory.md.
 */
export interface FactorySynthesisProcesses {
  /**
   * Shard stacks per process. The app's own process builds the platform stack and the first group;
   * each other group is built by a child process running the app again.
   * @default 25 (500 models at 20 models per shard)
   */
  readonly shardsPerProcess?: number;
  /**
   * Child processes running at once.
   * @default - the number of cores Node may use (`os.availableParallelism()`)
   */
  readonly concurrency?: number;
  /**
   * The command line that runs the app again (program and arguments). The child gets the parent's
   * environment plus `CDK_MLOPS_FACTORY_GROUP` (the factory and group), `CDK_OUTDIR` (where it writes)
   * and `CDK_VALIDATION=false` (the parent validates every template once). The app must take its
   * output directory from `CDK_OUTDIR` (as `cdk synth` sets it), not from an explicit `outdir`.
   * @default - this process's own command line (`process.execPath`, `process.execArgv`, `process.argv`)
   */
  readonly command?: string[];
}

/** Props of `ModelFactory`. */
export interface ModelFactoryProps {
  /** The models. Their order matters only for models not yet in `shardAssignments` (they fill shards in this order). */
  readonly models: FactoryModelSpec[];
  /** An `aws-eks-v2` cluster with a kubectl provider, in the factory's stack (the platform stack). */
  readonly cluster: eks.Cluster;
  /** Bucket of the model artifacts, the training outputs and the drift baselines. */
  readonly artifactBucket: s3.IBucket;
  /**
   * Prefix of the training outputs (the pipeline's `outputPrefix`); model artifacts live under
   * `<outputPrefix>models/<modelName>/`.
   * @default 'training/'
   */
  readonly outputPrefix?: string;
  /** Bucket of the training datasets. */
  readonly datasetBucket: s3.IBucket;
  /**
   * Prefix of the datasets; a model's data is under `<datasetPrefix><modelName>/<channel>/`.
   * @default 'datasets/'
   */
  readonly datasetPrefix?: string;
  /** The training image shared by the fleet (executions may name another one from the same repository). */
  readonly trainingImage: TrainingImage;
  /** Metrics scraped from the training logs. */
  readonly metricDefinitions: MetricDefinition[];
  /** The evaluation gate (models override it in their execution input). */
  readonly evaluation: EvaluationGate;
  /**
   * Default training instance type.
   * @default 'ml.g5.2xlarge'
   */
  readonly trainingInstanceType?: string;
  /**
   * Models per shard stack.
   * @default 20 (about 34 KB of template and 5-6 resources per model: ~680 KB, under the guard's 80% warning of 900 KiB)
   */
  readonly modelsPerShard?: number;
  /**
   * The recorded assignment of models to shards (model name -> shard index), committed next to the app.
   * Recorded models never move; models missing from it fill the lowest shard with room.
   * Write `factory.shardAssignments` back after adding models.
   * @default - none: shards are filled in model-list order
   */
  readonly shardAssignments?: { [modelName: string]: number };
  /**
   * Name prefix of the shard stacks (`<prefix><index>`).
   * @default - `<platform stack name>-models-`
   */
  readonly shardStackPrefix?: string;
  /**
   * Thresholds of the stack-limits guard applied to the platform stack and every shard.
   * @default - StackLimits defaults (450 resources, 900 KiB, 180 outputs, warnings at 80%)
   */
  readonly stackLimits?: StackLimitsProps;
  /**
   * Stable prefix of the model alarm names (`<alarmPrefix>-<model>-drift|quality`).
   * @default - `<platform stack name>-mlops`
   */
  readonly alarmPrefix?: string;
  /**
   * Synthesize the shard stacks in several processes (the app gives one cloud assembly all the same).
   * @default - one process
   */
  readonly synthesisProcesses?: FactorySynthesisProcesses;
}
