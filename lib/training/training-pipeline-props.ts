import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { TrainingImage } from './training-image';
import {
  ApprovalPolicy, BaselineFeature, DistributionStrategy, EvaluationGate, MetricDefinition, TrainingInputMode,
} from './types';

/** Properties of a {@link TrainingPipeline}. */
export interface TrainingPipelineProps {
  /** The model trained by default (executions may name another one). DNS label, <= 40 characters. */
  readonly modelName: string;
  /** Training image (also the model package's inference container). */
  readonly trainingImage: TrainingImage;
  /**
   * Further ECR repositories the execution input may take images from.
   * @default - only the repository of `trainingImage`
   */
  readonly additionalRepositories?: ecr.IRepository[];
  /** Bucket holding the datasets. */
  readonly datasetBucket: s3.IBucket;
  /**
   * Key prefix of the datasets (ends with `/`); the training role can read
   * nothing else. A model's data is at `<datasetPrefix><modelName>/<channel>/`
   * unless the execution input names another prefix below this one.
   */
  readonly datasetPrefix: string;
  /** Bucket for model artifacts, baselines, checkpoints, dataset version records and failure records. */
  readonly outputBucket: s3.IBucket;
  /**
   * Key prefix in the output bucket (ends with `/`).
   * @default 'training/'
   */
  readonly outputPrefix?: string;
  /**
   * Key prefix in the output bucket for checkpoints (`<prefix><model>/<job>/`). Required for spot.
   * @default - no checkpoints
   */
  readonly checkpointPrefix?: string;
  /**
   * Input channels, each read from `<datasetPrefix><modelName>/<channel>/`.
   * @default ['train']
   */
  readonly channels?: string[];
  /**
   * Channel the drift baseline is computed from.
   * @default 'validation' when it is a channel, else the first channel
   */
  readonly baselineChannel?: string;
  /**
   * Features the drift baseline describes.
   * @default - every field of the records, types inferred
   */
  readonly baselineFeatures?: BaselineFeature[];
  /**
   * Records read for the baseline.
   * @default 100000
   */
  readonly baselineMaxRows?: number;
  /**
   * Training instance type: a GPU/accelerator type (ml.g4dn/g5/g6/g6e/p3/p3dn/p4d/p4de/p5/p5e/p5en/trn1/trn2).
   * @default 'ml.g5.2xlarge'
   */
  readonly instanceType?: string;
  /**
   * Instances; > 1 trains distributed.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Allow CPU instance types (small models, smoke tests).
   * @default false
   */
  readonly allowCpuInstances?: boolean;
  /**
   * Storage volume per instance in GB.
   * @default 50
   */
  readonly volumeSizeGb?: number;
  /**
   * Input mode.
   * @default TrainingInputMode.FAST_FILE
   */
  readonly inputMode?: TrainingInputMode;
  /**
   * Hyperparameters (strings).
   * @default - none
   */
  readonly hyperparameters?: { [name: string]: string };
  /**
   * Environment of the training container.
   * @default - none (plus NCCL/EFA variables for distributed jobs)
   */
  readonly environment?: { [name: string]: string };
  /** Metrics scraped from the logs; the evaluation gate's objective must be one of them. */
  readonly metricDefinitions: MetricDefinition[];
  /**
   * Maximum training time.
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;
  /**
   * Train on managed spot capacity (needs `checkpointPrefix` and `maxWait`).
   * @default false
   */
  readonly useSpotInstances?: boolean;
  /**
   * With spot: total time including waiting for capacity; >= maxRuntime.
   * @default - required with spot
   */
  readonly maxWait?: Duration;
  /**
   * Training jobs started per execution when a job fails for lack of (spot)
   * capacity; each new job resumes from the same checkpoints.
   * @default 3
   */
  readonly maxTrainingAttempts?: number;
  /**
   * Multi-instance launch strategy.
   * @default DistributionStrategy.TORCH_DISTRIBUTED
   */
  readonly distribution?: DistributionStrategy;
  /**
   * VPC for the training containers.
   * @default - SageMaker-managed network (network isolation still applies)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets in `vpc`.
   * @default - private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups in `vpc`.
   * @default - one group that allows traffic between the training instances
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * No outbound network from the training container.
   * @default true
   */
  readonly enableNetworkIsolation?: boolean;
  /**
   * Encrypt traffic between the instances of a distributed job.
   * @default true
   */
  readonly encryptInterContainerTraffic?: boolean;
  /**
   * Key for the log groups, the topic and (by default) volumes and outputs. A key
   * you pass must allow the region's CloudWatch Logs service principal to use it.
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Key for the training volumes (not used on instance types with local NVMe storage, which is hardware-encrypted).
   * @default - encryptionKey
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * Key for the model artifacts.
   * @default - encryptionKey
   */
  readonly outputEncryptionKey?: kms.IKey;
  /** The evaluation gate. */
  readonly evaluation: EvaluationGate;
  /**
   * What happens to a candidate that passes the gate.
   * @default ApprovalPolicy.AUTO
   */
  readonly approval?: ApprovalPolicy;
  /**
   * Code revision recorded in the lineage (e.g. a git commit); executions may override it.
   * @default 'unknown'
   */
  readonly codeRevision?: string;
  /**
   * Tags of training jobs and model packages.
   * @default - none (lineage tags are always added)
   */
  readonly tags?: { [key: string]: string };
  /**
   * Prefix of model package group names (`<prefix><modelName>`). With a prefix
   * the IAM policies cover every model under it (use it when one pipeline
   * trains many models); without one they list each group.
   * @default ''
   */
  readonly modelPackageGroupPrefix?: string;
  /**
   * Create each model's package group at run time, just before its first
   * registration (`CreateModelPackageGroup`; an existing group is kept),
   * instead of one CloudFormation resource per model: `addModel()` then adds
   * no resource. For one pipeline training many models (ModelFactory uses
   * it); needs `modelPackageGroupPrefix` (the IAM policy covers the prefix).
   * Groups created at run time are not deleted with the stack.
   * @default false - one `AWS::SageMaker::ModelPackageGroup` per model (retained)
   */
  readonly createModelPackageGroupsAtRunTime?: boolean;
  /**
   * Topic notified of failures, rejections and registrations.
   * @default - a new KMS-encrypted topic
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Timeout of one execution.
   * @default Duration.days(14)
   */
  readonly timeout?: Duration;
}
