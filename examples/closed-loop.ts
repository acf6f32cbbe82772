// The whole MLOps loop in one stack: the fraud model served on a GPU cluster
// (ModelEndpoint), watched for drift (DriftMonitor), retrained on SageMaker
// (TrainingPipeline), and — when its drift alarm fires — retrained, canaried,
// and promoted or rolled back (RetrainTrigger). `cdk-mlops simulate` executes
// this stack's real state machines offline.
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import {
  ApprovalPolicy, DriftMonitor, GpuCluster, MetricDirection, ModelEndpoint, RetrainBudgetPeriod, RetrainTrigger, TrainingImage, TrainingPipeline,
} from '../lib';
import { acknowledgeWildcards } from '../lib/core/nag';
import { exampleBuckets } from './shared';

export const CLOSED_LOOP_MODEL = 'fraud-scoring';

export class ClosedLoopStack extends Stack {
  public readonly endpoint: ModelEndpoint;
  public readonly monitor: DriftMonitor;
  public readonly pipeline: TrainingPipeline;
  public readonly trigger: RetrainTrigger;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const model = CLOSED_LOOP_MODEL;

    // Models (written by training, read by the endpoint's init container), datasets, capture records.
    const { key, buckets } = exampleBuckets(this, ['Artifacts', 'Datasets', 'Capture'], {
      accessLogsReason: 'Server access log destination of the data buckets; logging it into itself would loop.',
    });
    const { Artifacts: artifacts, Datasets: datasets, Capture: capture } = buckets;

    // A private API endpoint (the GpuCluster default): the RetrainTrigger reaches it from a function in the VPC.
    const gpu = new GpuCluster(this, 'Gpu', { gpuMinSize: 2, gpuMaxSize: 20 });

    this.endpoint = new ModelEndpoint(this, 'Endpoint', {
      cluster: gpu.cluster,
      modelName: model,
      image: 'example/fraud-scoring-server:1.4.2',
      // The TrainingPipeline writes each candidate under training/models/<model>/<job>/output/: the pod
      // role reads exactly this model's prefix, so the retraining loop can point the pods at any candidate.
      modelArtifact: { bucket: artifacts, prefix: `training/models/${model}/` },
      port: 8080,
      resources: { cpu: '3', memory: '12Gi', gpuCount: 1 },
      autoscaling: { minReplicas: 2, maxReplicas: 20, targetCpuUtilization: 60 },
      variants: [
        { name: 'primary', modelVersion: 'v7', weight: 100, minReplicas: 2, maxReplicas: 30 },
        { name: 'canary', modelVersion: 'v7', weight: 0, minReplicas: 1, maxReplicas: 4 },
      ],
    });

    this.monitor = new DriftMonitor(this, 'Drift', { captureBucket: capture, baselineBucket: artifacts, baselinePrefix: `models/${model}/` });
    this.monitor.addModel({ modelName: model, baselineKey: `models/${model}/baseline.json`, variants: ['primary', 'canary'] });

    const repository = ecr.Repository.fromRepositoryName(this, 'TrainingRepo', 'fraud-scoring-training');
    this.pipeline = new TrainingPipeline(this, 'Training', {
      modelName: model,
      trainingImage: TrainingImage.fromEcrRepository(repository, '2026.11.1'),
      datasetBucket: datasets,
      datasetPrefix: `datasets/${model}/`,
      channels: ['train', 'validation'],
      outputBucket: artifacts,
      outputPrefix: 'training/',
      // SageMaker encrypts model.tar.gz with the output key: the bucket's key, which the endpoint's pod
      // role may already use (kms:Decrypt through S3), so the init container can read every candidate.
      outputEncryptionKey: key,
      instanceType: 'ml.g5.2xlarge',
      instanceCount: 2,
      useSpotInstances: true,
      maxRuntime: Duration.hours(4),
      maxWait: Duration.hours(8),
      checkpointPrefix: 'checkpoints/',
      metricDefinitions: [{ name: 'validation:auc', regex: 'val_auc=([0-9.]+)' }],
      // The retrain loop approves a candidate only after a clean canary.
      evaluation: { metricName: 'validation:auc', direction: MetricDirection.MAXIMIZE, threshold: 0.85, minImprovement: 0.005 },
      approval: ApprovalPolicy.MANUAL,
      codeRevision: 'git:4f2a9c1',
    });

    // The canary's own health: error rate and latency of the canary variant.
    const canaryErrors = new cloudwatch.Alarm(this, 'CanaryErrors', {
      alarmName: `${this.stackName}-${model}-canary-errors`,
      metric: this.endpoint.metricErrors({ variant: 'canary', period: Duration.minutes(1) }),
      threshold: 5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const canaryLatency = new cloudwatch.Alarm(this, 'CanaryLatency', {
      alarmName: `${this.stackName}-${model}-canary-latency`,
      metric: this.endpoint.metricLatency({ variant: 'canary', period: Duration.minutes(1) }),
      threshold: 250,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.trigger = new RetrainTrigger(this, 'Retrain', {
      trainingPipeline: this.pipeline,
      driftMonitor: this.monitor,
      schedule: events.Schedule.cron({ day: '1', hour: '3', minute: '0' }),
    });
    // Namespace, Deployments, Services, Ingress and the first champion (the primary's v7) come from the endpoint.
    this.trigger.addModelEndpoint(this.endpoint, {
      canaryAlarms: [canaryErrors, canaryLatency],
      initialModelPackageArn: this.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.pipeline.modelPackageGroupName}/1` }),
      modelPackageGroupName: this.pipeline.modelPackageGroupName,
      trainingInput: { modelName: model },
      canaryWeight: 10,
      bakeTime: Duration.minutes(30),
      cooldown: Duration.hours(6),
      maxRetrainsPerPeriod: 4,
      budgetPeriod: RetrainBudgetPeriod.MONTH,
    });

    // The TrainingPipeline's wildcard findings (all AwsSolutions-IAM5), each with its reason, on the role that holds it.
    this.node.addValidation({ validate: () => { acknowledgeTrainingWildcards(this.pipeline); return []; } });
  }
}

const TRAINING_WILDCARDS: [RegExp, string][] = [
  [/^Action::kms:(GenerateDataKey|ReEncrypt)\*$/, 'CDK KMS grant for SSE-KMS objects and the encrypted topic: data keys and re-encryption under the one data key, scoped to that key ARN.'],
  [/\/datasets\/fraud-scoring\/\*$/, 'Reads every object under the dataset prefix: the keys of each dataset version are only known at run time, nothing outside the prefix.'],
  [/\/training\/models\/\*$/, 'Model artifacts and baselines are written under training/models/<model>/<job>/, the job name generated per execution.'],
  [/\/training\/dataset-versions\/\*$/, 'Dataset version records are content-addressed (<model>/<sha256>.json), so their keys are only known at run time.'],
  [/\/training\/runs\/\*$/, 'Failure records of the pipeline are written to training/runs/<execution name>/failure.json.'],
  [/\/checkpoints\/\*$/, 'Spot checkpoints live under checkpoints/<model>/<job>/ and are read back to resume after an interruption.'],
  [/log-group:\/aws\/sagemaker\/TrainingJobs:\*$/, 'SageMaker writes training logs to streams named after the job in its fixed /aws/sagemaker/TrainingJobs log group.'],
  [/:training-job\/\*$/, 'Training job names derive from each execution name; createTrainingJob.sync creates, describes and stops them.'],
  [/:model-package\/fraud-scoring\/\*$/, 'Each registration creates a new numbered version in the fraud-scoring model package group.'],
  [/Handler[A-Za-z0-9]*\.Arn>:\*$/, 'Invoking the pipeline\'s own Lambda function by version or alias qualifier (CDK grantInvoke).'],
  [/^Resource::\*$/, 'ecr:GetAuthorizationToken, sagemaker:ListModelPackages and the X-Ray tracing actions have no resource-level permissions; PutMetricData is conditioned on its namespace.'],
];

function acknowledgeTrainingWildcards(pipeline: TrainingPipeline): void {
  acknowledgeWildcards(pipeline, (finding) => TRAINING_WILDCARDS.find(([re]) => re.test(finding))?.[1]);
}

/** Adds the example to an app. */
export function closedLoop(app: App): void {
  new ClosedLoopStack(app, 'ClosedLoop');
}
