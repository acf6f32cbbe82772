// GPU training of the fraud model: 2 x ml.g5.12xlarge on managed spot with
// checkpoints (distributed with torchrun), FastFile input, evaluation gate
// against the current approved model, registration with lineage.
// Environment-agnostic: no account/region lookups.
import { App, CfnElement, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ApprovalPolicy, MetricDirection, TrainingImage, TrainingPipeline } from '../lib';
import { exampleBuckets } from './shared';

export class FraudTrainingStack extends Stack {
  public readonly pipeline: TrainingPipeline;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const { Datasets: datasets, Models: models } = exampleBuckets(this, ['Datasets', 'Models'], {
      accessLogsReason: 'This bucket is the server access log destination of the dataset and model buckets; logging it into itself would loop.',
      bucketKeyEnabled: true,
    }).buckets;
    const repository = new ecr.Repository(this, 'Trainer', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.pipeline = new TrainingPipeline(this, 'FraudTraining', {
      modelName: 'fraud',
      trainingImage: TrainingImage.fromEcrRepository(repository, '2.4.0-cu124'),
      datasetBucket: datasets,
      datasetPrefix: 'datasets/',
      outputBucket: models,
      checkpointPrefix: 'checkpoints/',
      channels: ['train', 'validation'],
      instanceType: 'ml.g5.12xlarge',
      instanceCount: 2,
      useSpotInstances: true,
      maxRuntime: Duration.hours(8),
      maxWait: Duration.hours(16),
      volumeSizeGb: 200,
      hyperparameters: { 'epochs': '20', 'batch-size': '4096', 'lr': '0.0005', 'sagemaker_program': 'train.py' },
      metricDefinitions: [
        { name: 'val_auc', regex: 'val_auc=([0-9.]+)' },
        { name: 'val_loss', regex: 'val_loss=([0-9.]+)' },
        { name: 'train_loss', regex: 'train_loss=([0-9.]+)' },
      ],
      evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9, minImprovement: 0.002 },
      approval: ApprovalPolicy.AUTO,
      codeRevision: 'main',
      tags: { team: 'risk', costCenter: 'fraud-ml' },
    });
    // A second model trained by the same state machine (its own group; data under datasets/chargeback/).
    this.pipeline.addModel('chargeback');

    acknowledgeTrainingPipeline(this, this.pipeline, { datasets, models });
  }
}

/**
 * The cdk-nag findings of TrainingPipeline are all AwsSolutions-IAM5
 * (wildcards); each is acknowledged with its reason, on the role that holds it.
 */
function acknowledgeTrainingPipeline(stack: Stack, p: TrainingPipeline, b: { datasets: s3.Bucket; models: s3.Bucket }): void {
  const arn = (c: Construct) => `<${stack.getLogicalId(c.node.defaultChild as CfnElement)}.Arn>`;
  const iam5 = (finding: string, reason: string) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  const kms = [
    iam5('Action::kms:GenerateDataKey*', 'CDK KMS grant: data keys for SSE-KMS objects of every size (one key, scoped to this key ARN).'),
    iam5('Action::kms:ReEncrypt*', 'CDK KMS grant: re-encryption under the same key when S3 copies or rotates objects (scoped to this key ARN).'),
  ];
  const datasetRead = iam5(`Resource::${arn(b.datasets)}/datasets/*`,
    'Reads every object under the dataset prefix (the keys of each dataset version are only known at run time); nothing outside it.');
  const artifacts = iam5(`Resource::${arn(b.models)}/training/models/*`,
    'Model artifacts and baselines are written under models/<model>/<job>/, a job name generated per execution.');

  Validations.of(p.trainingRole).acknowledge(
    ...kms, datasetRead, artifacts,
    iam5(`Resource::${arn(b.models)}/checkpoints/*`, 'Spot checkpoints live under checkpoints/<model>/<job>/ and are read back to resume after an interruption.'),
    iam5('Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/TrainingJobs:*',
      'SageMaker writes training logs to log streams named after the job in its fixed /aws/sagemaker/TrainingJobs log group.'),
    iam5('Resource::*', 'ecr:GetAuthorizationToken has no resource-level permission; cloudwatch:PutMetricData is conditioned on the /aws/sagemaker/TrainingJobs namespace.'),
  );
  Validations.of(p.node.findChild('HandlerRole')).acknowledge(
    ...kms, datasetRead, artifacts,
    iam5(`Resource::${arn(b.models)}/training/dataset-versions/*`, 'Dataset version records are content-addressed (<model>/<sha256>.json), so their keys are only known at run time.'),
    iam5('Resource::*', 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource-level permissions.'),
  );
  Validations.of(p.node.findChild('StateMachineRole')).acknowledge(
    ...kms,
    iam5('Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job/*', 'Training job names derive from each execution name; createTrainingJob.sync creates, describes and stops them.'),
    iam5('Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/fraud/*', 'Each registration creates a new numbered version in the fraud model package group.'),
    iam5('Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/chargeback/*', 'Each registration creates a new numbered version in the chargeback model package group.'),
    iam5(`Resource::${arn(p.handler)}:*`, 'Invoking the pipeline\'s own Lambda function by version/alias qualifier (CDK grantInvoke).'),
    iam5(`Resource::${arn(b.models)}/training/runs/*`, 'Failure records are written to runs/<execution name>/failure.json.'),
    iam5('Resource::*', 'sagemaker:ListModelPackages and the X-Ray tracing actions have no resource-level permissions.'),
  );
}

export function training(app: App): void {
  new FraudTrainingStack(app, 'FraudTraining');
}
