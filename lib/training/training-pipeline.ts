import { Arn, ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { buildRetry, ERRORS } from './private/asl';
import { checkFrame, checkSettings, parseImage, PipelineFrame, TrainingSettings } from '../contracts/training-settings';
import { checkDnsLabel, invalid, isToken } from '../core/validation';
import { createLogsKey } from '../core/encryption';
import { createHandlerFunction } from '../core/handler-function';

/** Provisioning and artifact upload time allowed on top of a job's maxRuntime/maxWait. */
const TRAINING_TIMEOUT_MARGIN_SECONDS = 2 * 3600;

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

/** The training container image. */
export class TrainingImage {
  /** An image in an ECR repository, by tag or by digest (`sha256:...`); the role may pull from it. */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest?: string): TrainingImage {
    const ref = tagOrDigest ?? 'latest';
    const uri = !Token.isUnresolved(ref) && ref.startsWith('sha256:')
      ? repository.repositoryUriForDigest(ref)
      : repository.repositoryUriForTag(ref);
    return new TrainingImage(uri, repository);
  }

  /**
   * An image by URI. An ECR URI may use a tag (its digest is looked up at run
   * time); any other registry must be pinned by digest (`...@sha256:<64 hex>`).
   */
  public static fromImageUri(uri: string): TrainingImage {
    return new TrainingImage(uri, undefined);
  }

  private constructor(
    /** The image URI. */
    public readonly imageUri: string,
    /** The ECR repository, when known. */
    public readonly repository?: ecr.IRepository,
  ) {}
}

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

/**
 * GPU training on SageMaker with dataset versioning, a drift baseline, an
 * evaluation gate and a model registry with lineage, as one Step Functions
 * (Standard) state machine. Per-model settings travel in the execution input,
 * so one pipeline can train many models. The input/output contract is in
 * docs/training-pipeline.md.
 */
export class TrainingPipeline extends Construct {
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** Model package group of `modelName`. */
  public readonly modelPackageGroupName: string;
  /** The role SageMaker training jobs run with. */
  public readonly trainingRole: iam.Role;
  /** The Lambda function of the prepare/baseline/evaluate steps. */
  public readonly handler: lambda.Function;
  /** Topic notified of failures and outcomes. */
  public readonly notificationTopic: sns.ITopic;
  /** Key for logs, topic and (by default) volumes and outputs. */
  public readonly encryptionKey: kms.IKey;
  /** The state machine's log group. */
  public readonly logGroup: logs.LogGroup;
  /** Bucket the model artifacts and baselines are written to. */
  public readonly outputBucket: s3.IBucket;
  /** Key prefix of every model's candidates: `<modelOutputPrefix><modelName>/<job>/output/{model.tar.gz,baseline.json}`. */
  public readonly modelOutputPrefix: string;
  /** What the registry does with a candidate that passes the evaluation gate (the `approval` prop, defaulted). */
  public readonly approval: ApprovalPolicy;
  /** Upper bound of one execution (the state machine's timeout; the `timeout` prop, defaulted). */
  public readonly timeout: Duration;
  /** The pipeline's fixed frame (internal). */
  private readonly frame: PipelineFrame;
  private readonly stateMachineRole: iam.Role;
  private readonly groupPrefix: string;
  private readonly groupsAtRunTime: boolean;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const outputPrefix = props.outputPrefix ?? 'training/';
    this.outputBucket = props.outputBucket;
    this.modelOutputPrefix = `${outputPrefix}models/`;
    const checkpointPrefix = props.checkpointPrefix ?? '';
    this.groupPrefix = props.modelPackageGroupPrefix ?? '';
    if (props.modelPackageGroupPrefix !== undefined && !/^[a-z0-9](-*[a-z0-9])*-?$/.test(props.modelPackageGroupPrefix)) {
      invalid(this, 'modelPackageGroupPrefix', props.modelPackageGroupPrefix, 'must be lower-case letters, digits and "-" (SageMaker lower-cases ARNs, IAM matches them)');
    }
    this.groupsAtRunTime = props.createModelPackageGroupsAtRunTime ?? false;
    if (this.groupsAtRunTime && !this.groupPrefix) {
      invalid(this, 'createModelPackageGroupsAtRunTime', true, 'needs a modelPackageGroupPrefix: the IAM policy that lets the pipeline create groups covers that prefix');
    }
    const report = (prop: string, value: unknown, allowed: string): never => invalid(this, prop, value, allowed);
    const timeout = props.timeout ?? Duration.days(14);
    this.timeout = timeout;
    this.approval = props.approval ?? ApprovalPolicy.AUTO;

    // Keys.
    this.encryptionKey = props.encryptionKey
      ?? createLogsKey(this, 'Key', `cdk-mlops TrainingPipeline ${this.node.path}: logs, notifications, training volumes and outputs`);
    const volumeKey = props.volumeEncryptionKey ?? this.encryptionKey;
    const outputKey = props.outputEncryptionKey ?? this.encryptionKey;

    // The fixed frame and the default per-model settings.
    const channels = props.channels ?? ['train'];
    const settings: TrainingSettings = {
      modelName: props.modelName,
      datasetPrefix: `${props.datasetPrefix}${props.modelName}/`,
      channels,
      baselineChannel: props.baselineChannel ?? (channels.includes('validation') ? 'validation' : channels[0]),
      trainingImage: props.trainingImage.imageUri,
      instanceType: props.instanceType ?? 'ml.g5.2xlarge',
      instanceCount: props.instanceCount ?? 1,
      volumeSizeGb: props.volumeSizeGb ?? 50,
      inputMode: props.inputMode ?? TrainingInputMode.FAST_FILE,
      hyperparameters: { ...(props.hyperparameters ?? {}) },
      environment: { ...(props.environment ?? {}) },
      metricDefinitions: props.metricDefinitions.map((m) => ({ name: m.name, regex: m.regex })),
      maxRuntimeSeconds: (props.maxRuntime ?? Duration.hours(24)).toSeconds(),
      spot: props.useSpotInstances ?? false,
      maxWaitSeconds: props.maxWait?.toSeconds(),
      distribution: props.distribution ?? DistributionStrategy.TORCH_DISTRIBUTED,
      evaluation: {
        metricName: props.evaluation.metricName,
        direction: props.evaluation.direction,
        threshold: props.evaluation.threshold,
        ...(props.evaluation.minImprovement !== undefined ? { minImprovement: props.evaluation.minImprovement } : {}),
      },
      approval: this.approval,
      codeRevision: props.codeRevision ?? 'unknown',
      tags: { ...(props.tags ?? {}) },
      maxTrainingAttempts: props.maxTrainingAttempts ?? 3,
      baselineMaxRows: props.baselineMaxRows ?? 100_000,
    };
    this.frame = {
      datasetBucket: props.datasetBucket.bucketName,
      datasetRootPrefix: props.datasetPrefix,
      outputBucket: props.outputBucket.bucketName,
      outputPrefix,
      checkpointPrefix,
      allowCpuInstances: props.allowCpuInstances ?? false,
      modelPackageGroupPrefix: this.groupPrefix,
      volumeKmsKeyId: volumeKey.keyArn,
      maxRuntimeLimitSeconds: Math.floor(timeout.toSeconds() / 2),
    };
    if (props.checkpointPrefix !== undefined && props.checkpointPrefix === '') {
      invalid(this, 'checkpointPrefix', '', 'must be a non-empty S3 key prefix ending with "/" (omit it to disable checkpoints)');
    }
    checkFrame(report, this.frame);
    if (props.useSpotInstances && props.checkpointPrefix === undefined) {
      invalid(this, 'checkpointPrefix', undefined, 'is required with useSpotInstances: without checkpoints every spot interruption restarts training from zero');
    }
    checkSettings(report, settings, this.frame);
    for (const f of props.baselineFeatures ?? []) {
      if (f.type !== undefined && f.type !== 'numeric' && f.type !== 'categorical') {
        invalid(this, `baselineFeatures[${f.name}].type`, f.type, 'must be "numeric" or "categorical"');
      }
    }
    if (!isToken(props.trainingImage.imageUri)) {
      const ref = parseImage(props.trainingImage.imageUri);
      if (!ref.digest && !ref.repositoryName) {
        invalid(this, 'trainingImage', props.trainingImage.imageUri, 'must be an ECR image or pinned by digest ("...@sha256:<64 hex>"), so the lineage records what ran');
      }
    }
    if (timeout.toSeconds() > 24 * 24 * 3600) {
      invalid(this, 'timeout', timeout.toHumanString(), 'must be at most 24 days');
    }
    const defaults = {
      ...settings,
      ...(props.baselineFeatures ? { features: props.baselineFeatures.map((f) => ({ name: f.name, ...(f.type ? { type: f.type } : {}) })) } : {}),
    };

    // Repositories the images may come from.
    const repositories: string[] = [];
    if (props.trainingImage.repository) repositories.push(props.trainingImage.repository.repositoryArn);
    for (const r of props.additionalRepositories ?? []) repositories.push(r.repositoryArn);
    const literal = !isToken(props.trainingImage.imageUri) ? parseImage(props.trainingImage.imageUri) : undefined;
    if (!props.trainingImage.repository && literal?.repositoryName) {
      const region = /\.dkr\.ecr\.([a-z0-9-]+)\./.exec(literal.uri)![1];
      repositories.push(stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: literal.repositoryName, region, account: literal.registryId }));
    }

    // Training role: read the dataset prefix, write outputs and checkpoints.
    this.trainingRole = new iam.Role(this, 'TrainingRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker training jobs of ${this.node.path}`,
    });
    const datasetObjects = props.datasetBucket.arnForObjects(`${props.datasetPrefix}*`);
    const modelObjects = props.outputBucket.arnForObjects(`${outputPrefix}models/*`);
    const checkpointObjects = checkpointPrefix ? props.outputBucket.arnForObjects(`${checkpointPrefix}*`) : undefined;
    this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListDataset', actions: ['s3:ListBucket'], resources: [props.datasetBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${props.datasetPrefix}*`] } },
    }));
    this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadDataset', actions: ['s3:GetObject'], resources: [datasetObjects] }));
    this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOutputs', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [modelObjects, ...(checkpointObjects ? [checkpointObjects] : [])],
    }));
    if (checkpointObjects) {
      this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ResumeFromCheckpoints', actions: ['s3:GetObject', 's3:DeleteObject'], resources: [checkpointObjects] }));
      this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ListCheckpoints', actions: ['s3:ListBucket'], resources: [props.outputBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${checkpointPrefix}*`] } },
      }));
    }
    props.datasetBucket.encryptionKey?.grantDecrypt(this.trainingRole);
    props.outputBucket.encryptionKey?.grantEncryptDecrypt(this.trainingRole);
    outputKey.grantEncryptDecrypt(this.trainingRole);
    volumeKey.grant(this.trainingRole, 'kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*');
    this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingMetrics', actions: ['cloudwatch:PutMetricData'], resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } },
    }));
    if (repositories.length > 0) {
      this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'PullImage', actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], resources: repositories,
      }));
      this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    }

    // VPC.
    let vpcConfig: Record<string, unknown> | undefined;
    if (props.vpc) {
      const sgs = props.securityGroups ?? [(() => {
        const sg = new ec2.SecurityGroup(this, 'TrainingSecurityGroup', {
          vpc: props.vpc!, description: 'cdk-mlops training instances', allowAllOutbound: false,
        });
        sg.connections.allowInternally(ec2.Port.allTraffic(), 'distributed training between the instances of one job');
        sg.addEgressRule(ec2.Peer.ipv4(props.vpc!.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to VPC endpoints (S3, ECR, logs)');
        sg.addEgressRule(sg, ec2.Port.allTraffic(), 'distributed training between the instances of one job');
        return sg;
      })()];
      const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
      vpcConfig = { SecurityGroupIds: sgs.map((g) => g.securityGroupId), Subnets: subnets.subnetIds };
      this.trainingRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
          'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
        resources: ['*'],
      }));
    }

    // Notifications and logs.
    this.notificationTopic = props.notificationTopic ?? new sns.Topic(this, 'Notifications', {
      masterKey: this.encryptionKey, enforceSSL: true, displayName: `cdk-mlops training ${props.modelName}`,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: this.encryptionKey, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN,
    });

    // Lambda (prepare / baseline / evaluate).
    const fn = createHandlerFunction(this, {
      asset: 'training-pipeline',
      ids: { function: 'Handler', role: 'HandlerRole', logs: 'HandlerLogs' },
      description: 'cdk-mlops TrainingPipeline: dataset snapshot, drift baseline, evaluation gate',
      roleDescription: `prepare/baseline/evaluate steps of ${this.node.path}`,
      encryptionKey: this.encryptionKey,
      logRetention: logs.RetentionDays.ONE_YEAR,
      timeout: Duration.minutes(15),
      memorySize: 2048,
      tracing: true,
    });
    this.handler = fn.fn;
    const fnRole = fn.role;
    fnRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListDatasetVersions', actions: ['s3:ListBucket', 's3:ListBucketVersions'], resources: [props.datasetBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${props.datasetPrefix}*`] } },
    }));
    fnRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadDataset', actions: ['s3:GetObject'], resources: [datasetObjects] }));
    fnRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteVersionRecordsAndBaselines', actions: ['s3:PutObject'],
      resources: [props.outputBucket.arnForObjects(`${outputPrefix}dataset-versions/*`), modelObjects],
    }));
    props.datasetBucket.encryptionKey?.grantDecrypt(fnRole);
    props.outputBucket.encryptionKey?.grantEncryptDecrypt(fnRole);

    // State machine role.
    this.stateMachineRole = new iam.Role(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `state machine of ${this.node.path}`,
    });
    const smRole = this.stateMachineRole;
    const trainingJobArn = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' });
    smRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingJobs', actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'],
      resources: [trainingJobArn],
    }));
    smRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SyncEvents', actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' })],
    }));
    smRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassTrainingRole', actions: ['iam:PassRole'], resources: [this.trainingRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
    volumeKey.grant(smRole, 'kms:CreateGrant', 'kms:DescribeKey');
    outputKey.grant(smRole, 'kms:DescribeKey');
    if (repositories.length > 0) {
      smRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ResolveImageDigest', actions: ['ecr:DescribeImages'], resources: repositories }));
    }
    smRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FindChampion', actions: ['sagemaker:ListModelPackages'], resources: ['*'],
    }));
    props.outputBucket.encryptionKey?.grantEncrypt(smRole);
    this.notificationTopic.grantPublish(smRole);
    if (!props.notificationTopic) this.encryptionKey.grant(smRole, 'kms:GenerateDataKey*', 'kms:Decrypt');
    this.handler.grantInvoke(smRole);

    // Registry.
    this.modelPackageGroupName = this.addModel(props.modelName);
    if (this.groupPrefix) this.grantRegistry(`${this.groupPrefix}*`);
    if (this.groupsAtRunTime) {
      smRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'CreateModelPackageGroups',
        actions: ['sagemaker:CreateModelPackageGroup', 'sagemaker:AddTags'],
        resources: [stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: `${this.groupPrefix}*` })],
      }));
    }

    // Definition.
    const definition = this.buildDefinition({ defaults, vpcConfig, checkpoints: checkpointPrefix !== '', props, outputPrefix });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      role: smRole,
      timeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: `cdk-mlops TrainingPipeline (${props.modelName}): snapshot dataset -> train -> baseline -> evaluate -> register`,
    });
  }

  /**
   * Creates the model package group of another model trained by this pipeline
   * (executions with `"modelName": "<name>"`) and returns its name.
   */
  public addModel(modelName: string): string {
    checkDnsLabel(this, 'modelName', modelName, 40);
    const name = `${this.groupPrefix}${modelName}`;
    if (this.groupsAtRunTime) return name;
    const group = new sagemaker.CfnModelPackageGroup(this, `ModelPackageGroup-${modelName}`, {
      modelPackageGroupName: name,
      modelPackageGroupDescription: `cdk-mlops: every candidate of model ${modelName} (approved, pending and rejected) with lineage`,
    });
    group.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (!this.groupPrefix) this.grantRegistry(name);
    return name;
  }

  /**
   * Grants permission to start executions (and, for callers using
   * `startExecution.sync`, to describe and stop them).
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stateMachine.grantStartExecution(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resourceArns: [Arn.format({
        service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: `${Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
      }, Stack.of(this))],
    });
    return grant;
  }

  /** Executions that succeeded (a rejected candidate is a successful execution with verdict "rejected"). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /** Executions that failed (training failure, invalid input, service errors after retries). */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /** Execution duration (ms). */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime(props);
  }

  private grantRegistry(groupName: string): void {
    const stack = Stack.of(this);
    this.stateMachineRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
      resources: [
        stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: groupName }),
        stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${groupName}/*` }),
      ],
    }));
  }

  private buildDefinition(o: {
    defaults: Record<string, unknown>; vpcConfig?: Record<string, unknown>; checkpoints: boolean;
    props: TrainingPipelineProps; outputPrefix: string;
  }): sfn.IChainable {
    const { props } = o;
    const lambdaTimeout = sfn.Timeout.duration(Duration.minutes(16));
    const sdkTimeout = sfn.Timeout.duration(Duration.minutes(2));

    // Failure path: record -> notify -> fail.
    const failed = new sfn.Fail(this, 'TrainingFailed', { error: 'TrainingPipelineFailed', causePath: '$.error.Cause' });
    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: this.notificationTopic,
      subject: 'cdk-mlops: training pipeline failed',
      message: sfn.TaskInput.fromText(sfn.JsonPath.format('Execution {} failed with {}: {}',
        sfn.JsonPath.executionId, sfn.JsonPath.stringAt('$.error.Error'), sfn.JsonPath.stringAt('$.error.Cause'))),
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sdkTimeout,
    });
    notifyFailure.addRetry(buildRetry(ERRORS.sns)).addCatch(failed, { resultPath: '$.notifyError' }).next(failed);
    const recordFailure = new tasks.CallAwsService(this, 'RecordFailure', {
      service: 's3', action: 'putObject',
      parameters: {
        Bucket: props.outputBucket.bucketName,
        Key: sfn.JsonPath.format(`${o.outputPrefix}runs/{}/failure.json`, sfn.JsonPath.executionName),
        Body: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')),
        ContentType: 'application/json',
      },
      iamResources: [props.outputBucket.arnForObjects(`${o.outputPrefix}runs/*`)],
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sdkTimeout,
    });
    recordFailure.addRetry(buildRetry(ERRORS.s3)).addCatch(notifyFailure, { resultPath: '$.recordError' }).next(notifyFailure);
    const fail = { resultPath: '$.error' };
    // A caught error always reaches the failure path with both Error and Cause (paths to a missing
    // field would be a States.Runtime error that no Catch handles).
    const normalizeError = (prefix: string) => {
      const defaults = new sfn.Pass(this, `${prefix}ErrorDefaults`, {
        result: sfn.Result.fromObject({ Error: 'Unknown', Cause: 'no cause reported' }),
        resultPath: '$.errorDefaults',
      });
      const merge = new sfn.Pass(this, `${prefix}MergeError`, {
        parameters: { 'value.$': 'States.JsonMerge($.errorDefaults, $.error, false)' },
        resultPath: '$.merged',
      });
      const lift = new sfn.Pass(this, `${prefix}LiftError`, {
        parameters: { 'Error.$': '$.merged.value.Error', 'Cause.$': '$.merged.value.Cause' },
        resultPath: '$.error',
      });
      merge.next(lift);
      return { defaults, merge, lift };
    };
    const generic = normalizeError('');
    generic.defaults.next(generic.merge);
    generic.lift.next(recordFailure);
    const toFailure = generic.defaults;

    // 1. Prepare: merge input over defaults, validate, snapshot the dataset version.
    const prepare = new tasks.LambdaInvoke(this, 'SnapshotDataset', {
      lambdaFunction: this.handler,
      payload: sfn.TaskInput.fromObject({
        action: 'prepare',
        executionName: sfn.JsonPath.executionName,
        input: sfn.JsonPath.objectAt('$'),
        defaults: o.defaults,
        frame: this.frame,
      }),
      outputPath: '$.Payload',
      retryOnServiceExceptions: false,
      taskTimeout: lambdaTimeout,
      comment: 'Merge the per-model input over the defaults, validate, write the dataset version record (sha256)',
    });
    prepare.addRetry(buildRetry(ERRORS.lambda)).addCatch(toFailure, fail);

    // 2. Image digest (lineage): pinned images skip the lookup.
    const describeImage = new sfn.CustomState(this, 'ResolveImageDigest', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:ecr:describeImages`,
        Parameters: {
          'RegistryId.$': '$.image.registryId',
          'RepositoryName.$': '$.image.repositoryName',
          'ImageIds': [{ 'ImageTag.$': '$.image.tag' }],
        },
        ResultSelector: { 'digest.$': '$.ImageDetails[0].ImageDigest' },
        ResultPath: '$.resolvedImage',
        TimeoutSeconds: sdkTimeout.seconds,
      },
    });
    describeImage.addRetry(buildRetry(ERRORS.ecr)).addCatch(toFailure, fail);
    const pinImage = new sfn.Pass(this, 'PinImage', {
      parameters: {
        'uri.$': "States.Format('{}@{}', $.image.repositoryUri, $.resolvedImage.digest)",
        'digest.$': '$.resolvedImage.digest',
        'tag.$': '$.image.tag',
      },
      resultPath: '$.image',
    });
    const alreadyPinned = new sfn.Pass(this, 'ImageAlreadyPinned');
    const imagePinned = new sfn.Choice(this, 'ImagePinned?')
      .when(sfn.Condition.isString('$.image.digest'), alreadyPinned)
      .otherwise(describeImage);

    // 3. Training job (.sync), named after the execution and the attempt.
    const trainParams: Record<string, unknown> = {
      'TrainingJobName.$': '$.attempt.jobName',
      'RoleArn': this.trainingRole.roleArn,
      'AlgorithmSpecification': {
        'TrainingImage.$': '$.image.uri',
        'TrainingInputMode.$': '$.job.inputMode',
        'MetricDefinitions.$': '$.job.metricDefinitions',
      },
      'HyperParameters.$': '$.job.hyperParameters',
      'Environment.$': '$.job.environment',
      'InputDataConfig.$': '$.job.inputDataConfig',
      'OutputDataConfig': { 'S3OutputPath.$': '$.job.outputPath', 'KmsKeyId': (props.outputEncryptionKey ?? this.encryptionKey).keyArn },
      'ResourceConfig.$': '$.job.resourceConfig',
      'StoppingCondition.$': '$.job.stoppingCondition',
      'EnableManagedSpotTraining.$': '$.job.enableSpot',
      'EnableNetworkIsolation': props.enableNetworkIsolation ?? true,
      'EnableInterContainerTrafficEncryption': props.encryptInterContainerTraffic ?? true,
      'Tags.$': '$.job.tags',
    };
    if (o.checkpoints) trainParams.CheckpointConfig = { 'S3Uri.$': '$.job.checkpointUri' };
    if (o.vpcConfig) trainParams.VpcConfig = o.vpcConfig;
    const train = new sfn.CustomState(this, 'TrainModel', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createTrainingJob.sync`,
        Parameters: trainParams,
        ResultPath: '$.training',
        // The job's own StoppingCondition ends it first; every run's maxRuntime/maxWait is validated <= this frame limit.
        TimeoutSeconds: this.frame.maxRuntimeLimitSeconds + TRAINING_TIMEOUT_MARGIN_SECONDS,
        Comment: 'CreateTrainingJob.sync; the job name derives from the execution name, so a duplicate execution cannot start a second job',
      },
    });
    const nextAttempt = new sfn.Pass(this, 'NextTrainingAttempt', {
      parameters: {
        'number.$': 'States.MathAdd($.attempt.number, 1)',
        'jobName.$': "States.Format('{}-{}', $.job.nameBase, States.MathAdd($.attempt.number, 1))",
        'previousJobName.$': '$.attempt.jobName',
      },
      resultPath: '$.attempt',
      comment: 'A new job (names are unique) that resumes from the same checkpoint URI',
    });
    const capacity = ['*CapacityError*', '*InsufficientCapacity*', '*MaxWaitTimeExceeded*', '*Insufficient capacity*', '*spot*interrupt*'];
    const retryTraining = new sfn.Choice(this, 'CapacityFailure?')
      .when(sfn.Condition.and(
        sfn.Condition.or(...capacity.map((p) => sfn.Condition.stringMatches('$.error.Cause', p))),
        sfn.Condition.numberLessThanJsonPath('$.attempt.number', '$.settings.maxTrainingAttempts'),
      ), nextAttempt)
      .otherwise(recordFailure);
    const trainingError = normalizeError('Training');
    trainingError.defaults.next(trainingError.merge);
    trainingError.lift.next(retryTraining);
    train.addRetry(buildRetry(ERRORS.sagemakerSync)).addCatch(trainingError.defaults, fail);

    // 4. Drift baseline beside the model artifact.
    const baseline = new tasks.LambdaInvoke(this, 'ComputeBaseline', {
      lambdaFunction: this.handler,
      payload: sfn.TaskInput.fromObject({
        action: 'baseline',
        datasetBucket: props.datasetBucket.bucketName,
        modelArtifactUri: sfn.JsonPath.stringAt('$.training.ModelArtifacts.S3ModelArtifacts'),
        settings: sfn.JsonPath.objectAt('$.settings'),
      }),
      resultSelector: {
        'uri.$': '$.Payload.uri',
        'bucket.$': '$.Payload.bucket',
        'key.$': '$.Payload.key',
        'recordCount.$': '$.Payload.recordCount',
        'featureCount.$': '$.Payload.featureCount',
      },
      resultPath: '$.baseline',
      retryOnServiceExceptions: false,
      taskTimeout: lambdaTimeout,
    });
    baseline.addRetry(buildRetry(ERRORS.lambda)).addCatch(toFailure, fail);

    // 5. Champion lookup (only when the gate compares against it), then the gate.
    const findChampion = new sfn.CustomState(this, 'FindChampion', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:listModelPackages`,
        Parameters: {
          'ModelPackageGroupName.$': '$.modelPackageGroupName',
          'ModelApprovalStatus': 'Approved',
          'SortBy': 'CreationTime',
          'SortOrder': 'Descending',
          'MaxResults': 1,
        },
        ResultSelector: { 'ModelPackageSummaryList.$': '$.ModelPackageSummaryList' },
        ResultPath: '$.champion.list',
        TimeoutSeconds: sdkTimeout.seconds,
      },
    });
    findChampion.addRetry(buildRetry(ERRORS.sagemakerSdk)).addCatch(toFailure, fail);
    const describeChampion = new sfn.CustomState(this, 'DescribeChampion', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:describeModelPackage`,
        Parameters: { 'ModelPackageName.$': '$.champion.list.ModelPackageSummaryList[0].ModelPackageArn' },
        ResultPath: '$.champion.description',
        TimeoutSeconds: sdkTimeout.seconds,
      },
    });
    describeChampion.addRetry(buildRetry(ERRORS.sagemakerSdk)).addCatch(toFailure, fail);

    const evaluate = new tasks.LambdaInvoke(this, 'EvaluateCandidate', {
      lambdaFunction: this.handler,
      payload: sfn.TaskInput.fromObject({
        action: 'evaluate',
        executionId: sfn.JsonPath.executionId,
        settings: sfn.JsonPath.objectAt('$.settings'),
        training: sfn.JsonPath.objectAt('$.training'),
        champion: sfn.JsonPath.objectAt('$.champion'),
        dataset: sfn.JsonPath.objectAt('$.dataset'),
        image: sfn.JsonPath.objectAt('$.image'),
        baseline: sfn.JsonPath.objectAt('$.baseline'),
      }),
      resultSelector: { 'result.$': '$.Payload' },
      resultPath: '$.gate',
      retryOnServiceExceptions: false,
      taskTimeout: lambdaTimeout,
    });
    evaluate.addRetry(buildRetry(ERRORS.lambda)).addCatch(toFailure, fail);
    const championNeeded = new sfn.Choice(this, 'CompareWithChampion?')
      .when(sfn.Condition.isPresent('$.settings.evaluation.minImprovement'), findChampion)
      .otherwise(evaluate);
    findChampion.next(new sfn.Choice(this, 'ChampionExists?')
      .when(sfn.Condition.isPresent('$.champion.list.ModelPackageSummaryList[0]'), describeChampion)
      .otherwise(evaluate));
    describeChampion.next(evaluate);

    // 6. Registration (every candidate: Approved / PendingManualApproval / Rejected).
    const register = new sfn.CustomState(this, 'RegisterModelPackage', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:createModelPackage`,
        Parameters: {
          'ModelPackageGroupName.$': '$.modelPackageGroupName',
          'ModelPackageDescription.$': '$.gate.result.description',
          'ModelApprovalStatus.$': '$.gate.result.approvalStatus',
          'ClientToken.$': '$.gate.result.clientToken',
          'InferenceSpecification': {
            Containers: [{ 'Image.$': '$.image.uri', 'ModelDataUrl.$': '$.training.ModelArtifacts.S3ModelArtifacts' }],
            SupportedContentTypes: ['application/json', 'text/csv'],
            SupportedResponseMIMETypes: ['application/json'],
          },
          'MetadataProperties': { 'CommitId.$': '$.settings.codeRevision', 'GeneratedBy.$': '$$.Execution.Id' },
          'CustomerMetadataProperties.$': '$.gate.result.customerMetadata',
          'DriftCheckBaselines': { ModelDataQuality: { Statistics: { 'ContentType': 'application/json', 'S3Uri.$': '$.baseline.uri' } } },
          'Tags.$': '$.gate.result.tags',
        },
        ResultSelector: { 'modelPackageArn.$': '$.ModelPackageArn' },
        ResultPath: '$.registration',
        TimeoutSeconds: sdkTimeout.seconds,
      },
    });
    register.addRetry(buildRetry(ERRORS.sagemakerSdk)).addCatch(toFailure, fail);

    const output = new sfn.Pass(this, 'BuildOutput', {
      parameters: {
        'verdict.$': '$.gate.result.verdict',
        'reason.$': '$.gate.result.reason',
        'approvalStatus.$': '$.gate.result.approvalStatus',
        'modelName.$': '$.settings.modelName',
        'modelPackageGroupName.$': '$.modelPackageGroupName',
        'modelPackageArn.$': '$.registration.modelPackageArn',
        'modelVersion.$': "States.ArrayGetItem(States.StringSplit($.registration.modelPackageArn, '/'), 2)",
        'modelArtifactUri.$': '$.training.ModelArtifacts.S3ModelArtifacts',
        'baselineUri.$': '$.baseline.uri',
        'baselineLocation': { 'bucket.$': '$.baseline.bucket', 'key.$': '$.baseline.key' },
        'trainingJobName.$': '$.training.TrainingJobName',
        'trainingAttempts.$': '$.attempt.number',
        'trainingImage.$': '$.image.uri',
        'imageDigest.$': '$.image.digest',
        'codeRevision.$': '$.settings.codeRevision',
        'dataset.$': '$.dataset',
        'metrics.$': '$.gate.result.metrics',
        'objective.$': '$.gate.result.objective',
        'champion.$': '$.gate.result.champion',
      },
    });
    const notifyOutcome = new tasks.SnsPublish(this, 'NotifyOutcome', {
      topic: this.notificationTopic,
      subject: 'cdk-mlops: training pipeline finished',
      message: sfn.TaskInput.fromText(sfn.JsonPath.format('Execution {}: model {} candidate {} ({}): {}', sfn.JsonPath.executionId,
        sfn.JsonPath.stringAt('$.modelName'), sfn.JsonPath.stringAt('$.verdict'), sfn.JsonPath.stringAt('$.approvalStatus'), sfn.JsonPath.stringAt('$.reason'))),
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sdkTimeout,
    });
    notifyOutcome.addRetry(buildRetry(ERRORS.sns)).addCatch(toFailure, fail);
    const verdict = new sfn.Choice(this, 'Verdict?')
      .when(sfn.Condition.stringEquals('$.verdict', 'rejected'), new sfn.Succeed(this, 'CandidateRejected', { comment: 'Registered as Rejected; the champion stays' }))
      .otherwise(new sfn.Succeed(this, 'ModelRegistered', { comment: 'Registered as Approved or PendingManualApproval' }));

    prepare.next(imagePinned);
    alreadyPinned.next(train);
    describeImage.next(pinImage).next(train);
    nextAttempt.next(train);
    train.next(baseline).next(championNeeded);
    let beforeRegister: sfn.IChainable = register;
    if (this.groupsAtRunTime) {
      // An existing group makes CreateModelPackageGroup fail (a ValidationException): go on to the
      // registration whatever the error (after the throttling retries); if the group really is
      // missing, RegisterModelPackage fails into the failure path with SageMaker's message.
      const ensureGroup = new sfn.CustomState(this, 'EnsureModelPackageGroup', {
        stateJson: {
          Type: 'Task',
          Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:createModelPackageGroup`,
          Parameters: {
            'ModelPackageGroupName.$': '$.modelPackageGroupName',
            'ModelPackageGroupDescription.$': "States.Format('cdk-mlops: every candidate of model {} (approved, pending and rejected) with lineage', $.settings.modelName)",
          },
          ResultPath: sfn.JsonPath.DISCARD,
          TimeoutSeconds: sdkTimeout.seconds,
        },
      });
      ensureGroup.addRetry(buildRetry(ERRORS.sagemakerSdk));
      ensureGroup.addCatch(register, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
      ensureGroup.next(register);
      beforeRegister = ensureGroup;
    }
    evaluate.next(beforeRegister);
    register.next(output).next(notifyOutcome).next(verdict);
    return prepare;
  }
}
