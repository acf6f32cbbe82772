// The state machine definition of TrainingPipeline, one `render…` function per block:
//
//   failure path   RecordFailure -> NotifyFailure -> TrainingFailed (errors normalized first)
//   prepare        SnapshotDataset (merge input, validate, dataset version record)
//   image          ImagePinned? -> ResolveImageDigest -> PinImage
//   training       TrainModel (.sync) with capacity re-attempts
//   baseline       ComputeBaseline
//   gate           CompareWithChampion? -> FindChampion -> DescribeChampion -> EvaluateCandidate
//   registration   [EnsureModelPackageGroup] -> RegisterModelPackage
//   outcome        BuildOutput -> NotifyOutcome -> Verdict?
//   notifications  best-effort: a failed NotifyOutcome / NotifyFailure is counted (NotificationFailures metric,
//                  alarmed by the construct) and the execution goes on where it was going
import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineFrame } from '../../contracts/training-settings';
import { buildRetry, ERRORS } from './asl';

/** Provisioning and artifact upload time allowed on top of a job's maxRuntime/maxWait. */
const TRAINING_TIMEOUT_MARGIN_SECONDS = 2 * 3600;

/** Spot/capacity failures after which a new training job resumes from the checkpoints. */
const CAPACITY_CAUSES = ['*CapacityError*', '*InsufficientCapacity*', '*MaxWaitTimeExceeded*', '*Insufficient capacity*', '*spot*interrupt*'];

/** What the definition is built from. */
export interface DefinitionContext {
  readonly scope: Construct;
  readonly handler: lambda.IFunction;
  readonly topic: sns.ITopic;
  readonly trainingRole: iam.IRole;
  readonly datasetBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  readonly outputPrefix: string;
  readonly outputKey: kms.IKey;
  readonly frame: PipelineFrame;
  readonly defaults: Record<string, unknown>;
  readonly vpcConfig?: Record<string, unknown>;
  readonly checkpoints: boolean;
  readonly enableNetworkIsolation: boolean;
  readonly encryptInterContainerTraffic: boolean;
  readonly groupsAtRunTime: boolean;
  /** CloudWatch namespace of the pipeline's own metrics (NotificationFailures). */
  readonly metricNamespace: string;
}

/** The metric a failed notification is counted in (dimension `StateMachine`: the state machine's name). */
export const NOTIFICATION_FAILURES_METRIC = 'NotificationFailures';

const LAMBDA_TIMEOUT = sfn.Timeout.duration(Duration.minutes(16));
const SDK_TIMEOUT = sfn.Timeout.duration(Duration.minutes(2));
const FAIL: sfn.CatchProps = { resultPath: '$.error' };

/** The failure path and the error normalizer every Catch goes through. */
interface FailurePath {
  /** The entry of the generic failure path (normalize, record, notify, fail). */
  readonly toFailure: sfn.IChainable;
  /** Records the failure (after normalization). */
  readonly recordFailure: sfn.IChainable;
  /** A normalizer with its own state names, for paths that decide on the error first. */
  readonly normalizeError: (prefix: string) => { defaults: sfn.Pass; merge: sfn.Pass; lift: sfn.Pass };
}

/** Builds the whole definition and returns its start state. */
export function renderDefinition(c: DefinitionContext): sfn.IChainable {
  const failure = renderFailurePath(c);
  const prepare = renderPrepare(c, failure);
  const image = renderImage(c, failure);
  const train = renderTraining(c, failure);
  const baseline = renderBaseline(c, failure);
  const gate = renderGate(c, failure);
  const register = renderRegistration(c, failure);
  const outcome = renderOutcome(c);

  prepare.next(image.start);
  image.pinned.next(train.start);
  image.resolved.next(train.start);
  train.retried.next(train.start);
  train.start.next(baseline).next(gate.start);
  gate.end.next(register.start);
  register.end.next(outcome);
  return prepare;
}

/** Failure path: record -> notify -> fail, with errors normalized to { Error, Cause } first. */
export function renderFailurePath(c: DefinitionContext): FailurePath {
  const { scope } = c;
  const failed = new sfn.Fail(scope, 'TrainingFailed', { error: 'TrainingPipelineFailed', causePath: '$.error.Cause' });
  const notifyFailure = new tasks.SnsPublish(scope, 'NotifyFailure', {
    topic: c.topic,
    subject: 'cdk-mlops: training pipeline failed',
    message: sfn.TaskInput.fromText(sfn.JsonPath.format('Execution {} failed with {}: {}',
      sfn.JsonPath.executionId, sfn.JsonPath.stringAt('$.error.Error'), sfn.JsonPath.stringAt('$.error.Cause'))),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: SDK_TIMEOUT,
  });
  notifyFailure.addRetry(buildRetry(ERRORS.sns))
    .addCatch(renderNotificationFailureCount(c, 'CountFailureNotificationFailure', failed), { resultPath: '$.notifyError' })
    .next(failed);
  const recordFailure = new tasks.CallAwsService(scope, 'RecordFailure', {
    service: 's3', action: 'putObject',
    parameters: {
      Bucket: c.outputBucket.bucketName,
      Key: sfn.JsonPath.format(`${c.outputPrefix}runs/{}/failure.json`, sfn.JsonPath.executionName),
      Body: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')),
      ContentType: 'application/json',
    },
    iamResources: [c.outputBucket.arnForObjects(`${c.outputPrefix}runs/*`)],
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: SDK_TIMEOUT,
  });
  recordFailure.addRetry(buildRetry(ERRORS.s3)).addCatch(notifyFailure, { resultPath: '$.recordError' }).next(notifyFailure);
  // A caught error always reaches the failure path with both Error and Cause (paths to a missing
  // field would be a States.Runtime error that no Catch handles).
  const normalizeError = (prefix: string) => {
    const defaults = new sfn.Pass(scope, `${prefix}ErrorDefaults`, {
      result: sfn.Result.fromObject({ Error: 'Unknown', Cause: 'no cause reported' }),
      resultPath: '$.errorDefaults',
    });
    const merge = new sfn.Pass(scope, `${prefix}MergeError`, {
      parameters: { 'value.$': 'States.JsonMerge($.errorDefaults, $.error, false)' },
      resultPath: '$.merged',
    });
    const lift = new sfn.Pass(scope, `${prefix}LiftError`, {
      parameters: { 'Error.$': '$.merged.value.Error', 'Cause.$': '$.merged.value.Cause' },
      resultPath: '$.error',
    });
    merge.next(lift);
    return { defaults, merge, lift };
  };
  const generic = normalizeError('');
  generic.defaults.next(generic.merge);
  generic.lift.next(recordFailure);
  return { toFailure: generic.defaults, recordFailure, normalizeError };
}

/** 1. Prepare: merge input over defaults, validate, snapshot the dataset version. */
export function renderPrepare(c: DefinitionContext, failure: FailurePath): tasks.LambdaInvoke {
  const prepare = new tasks.LambdaInvoke(c.scope, 'SnapshotDataset', {
    lambdaFunction: c.handler,
    payload: sfn.TaskInput.fromObject({
      action: 'prepare',
      executionName: sfn.JsonPath.executionName,
      input: sfn.JsonPath.objectAt('$'),
      defaults: c.defaults,
      frame: c.frame,
    }),
    outputPath: '$.Payload',
    retryOnServiceExceptions: false,
    taskTimeout: LAMBDA_TIMEOUT,
    comment: 'Merge the per-model input over the defaults, validate, write the dataset version record (sha256)',
  });
  prepare.addRetry(buildRetry(ERRORS.lambda)).addCatch(failure.toFailure, FAIL);
  return prepare;
}

/** 2. Image digest (lineage): pinned images skip the lookup. */
export function renderImage(c: DefinitionContext, failure: FailurePath): { start: sfn.Choice; pinned: sfn.Pass; resolved: sfn.Pass } {
  const { scope } = c;
  const describeImage = new sfn.CustomState(scope, 'ResolveImageDigest', {
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
      TimeoutSeconds: SDK_TIMEOUT.seconds,
    },
  });
  describeImage.addRetry(buildRetry(ERRORS.ecr)).addCatch(failure.toFailure, FAIL);
  const pinImage = new sfn.Pass(scope, 'PinImage', {
    parameters: {
      'uri.$': "States.Format('{}@{}', $.image.repositoryUri, $.resolvedImage.digest)",
      'digest.$': '$.resolvedImage.digest',
      'tag.$': '$.image.tag',
    },
    resultPath: '$.image',
  });
  const alreadyPinned = new sfn.Pass(scope, 'ImageAlreadyPinned');
  const start = new sfn.Choice(scope, 'ImagePinned?')
    .when(sfn.Condition.isString('$.image.digest'), alreadyPinned)
    .otherwise(describeImage);
  describeImage.next(pinImage);
  return { start, pinned: alreadyPinned, resolved: pinImage };
}

/** 3. Training job (.sync), named after the execution and the attempt; capacity failures start a new attempt. */
export function renderTraining(c: DefinitionContext, failure: FailurePath): { start: sfn.CustomState; retried: sfn.Pass } {
  const { scope } = c;
  const trainParams: Record<string, unknown> = {
    'TrainingJobName.$': '$.attempt.jobName',
    'RoleArn': c.trainingRole.roleArn,
    'AlgorithmSpecification': {
      'TrainingImage.$': '$.image.uri',
      'TrainingInputMode.$': '$.job.inputMode',
      'MetricDefinitions.$': '$.job.metricDefinitions',
    },
    'HyperParameters.$': '$.job.hyperParameters',
    'Environment.$': '$.job.environment',
    'InputDataConfig.$': '$.job.inputDataConfig',
    'OutputDataConfig': { 'S3OutputPath.$': '$.job.outputPath', 'KmsKeyId': c.outputKey.keyArn },
    'ResourceConfig.$': '$.job.resourceConfig',
    'StoppingCondition.$': '$.job.stoppingCondition',
    'EnableManagedSpotTraining.$': '$.job.enableSpot',
    'EnableNetworkIsolation': c.enableNetworkIsolation,
    'EnableInterContainerTrafficEncryption': c.encryptInterContainerTraffic,
    'Tags.$': '$.job.tags',
  };
  if (c.checkpoints) trainParams.CheckpointConfig = { 'S3Uri.$': '$.job.checkpointUri' };
  if (c.vpcConfig) trainParams.VpcConfig = c.vpcConfig;
  const train = new sfn.CustomState(scope, 'TrainModel', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::sagemaker:createTrainingJob.sync`,
      Parameters: trainParams,
      ResultPath: '$.training',
      // The job's own StoppingCondition ends it first; every run's maxRuntime/maxWait is validated <= this frame limit.
      TimeoutSeconds: c.frame.maxRuntimeLimitSeconds + TRAINING_TIMEOUT_MARGIN_SECONDS,
      Comment: 'CreateTrainingJob.sync; the job name derives from the execution name, so a duplicate execution cannot start a second job',
    },
  });
  const nextAttempt = new sfn.Pass(scope, 'NextTrainingAttempt', {
    parameters: {
      'number.$': 'States.MathAdd($.attempt.number, 1)',
      'jobName.$': "States.Format('{}-{}', $.job.nameBase, States.MathAdd($.attempt.number, 1))",
      'previousJobName.$': '$.attempt.jobName',
    },
    resultPath: '$.attempt',
    comment: 'A new job (names are unique) that resumes from the same checkpoint URI',
  });
  const retryTraining = new sfn.Choice(scope, 'CapacityFailure?')
    .when(sfn.Condition.and(
      sfn.Condition.or(...CAPACITY_CAUSES.map((p) => sfn.Condition.stringMatches('$.error.Cause', p))),
      sfn.Condition.numberLessThanJsonPath('$.attempt.number', '$.settings.maxTrainingAttempts'),
    ), nextAttempt)
    .otherwise(failure.recordFailure);
  const trainingError = failure.normalizeError('Training');
  trainingError.defaults.next(trainingError.merge);
  trainingError.lift.next(retryTraining);
  train.addRetry(buildRetry(ERRORS.sagemakerSync)).addCatch(trainingError.defaults, FAIL);
  return { start: train, retried: nextAttempt };
}

/** 4. Drift baseline beside the model artifact. */
export function renderBaseline(c: DefinitionContext, failure: FailurePath): tasks.LambdaInvoke {
  const baseline = new tasks.LambdaInvoke(c.scope, 'ComputeBaseline', {
    lambdaFunction: c.handler,
    payload: sfn.TaskInput.fromObject({
      action: 'baseline',
      datasetBucket: c.datasetBucket.bucketName,
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
    taskTimeout: LAMBDA_TIMEOUT,
  });
  baseline.addRetry(buildRetry(ERRORS.lambda)).addCatch(failure.toFailure, FAIL);
  return baseline;
}

/** 5. Champion lookup (only when the gate compares against it), then the gate. */
export function renderGate(c: DefinitionContext, failure: FailurePath): { start: sfn.Choice; end: tasks.LambdaInvoke } {
  const { scope } = c;
  const findChampion = new sfn.CustomState(scope, 'FindChampion', {
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
      TimeoutSeconds: SDK_TIMEOUT.seconds,
    },
  });
  findChampion.addRetry(buildRetry(ERRORS.sagemakerSdk)).addCatch(failure.toFailure, FAIL);
  const describeChampion = new sfn.CustomState(scope, 'DescribeChampion', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:describeModelPackage`,
      Parameters: { 'ModelPackageName.$': '$.champion.list.ModelPackageSummaryList[0].ModelPackageArn' },
      ResultPath: '$.champion.description',
      TimeoutSeconds: SDK_TIMEOUT.seconds,
    },
  });
  describeChampion.addRetry(buildRetry(ERRORS.sagemakerSdk)).addCatch(failure.toFailure, FAIL);

  const evaluate = new tasks.LambdaInvoke(scope, 'EvaluateCandidate', {
    lambdaFunction: c.handler,
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
    taskTimeout: LAMBDA_TIMEOUT,
  });
  evaluate.addRetry(buildRetry(ERRORS.lambda)).addCatch(failure.toFailure, FAIL);
  const start = new sfn.Choice(scope, 'CompareWithChampion?')
    .when(sfn.Condition.isPresent('$.settings.evaluation.minImprovement'), findChampion)
    .otherwise(evaluate);
  findChampion.next(new sfn.Choice(scope, 'ChampionExists?')
    .when(sfn.Condition.isPresent('$.champion.list.ModelPackageSummaryList[0]'), describeChampion)
    .otherwise(evaluate));
  describeChampion.next(evaluate);
  return { start, end: evaluate };
}

/** 6. Registration (every candidate: Approved / PendingManualApproval / Rejected), the group first when created at run time. */
export function renderRegistration(c: DefinitionContext, failure: FailurePath): { start: sfn.IChainable; end: sfn.CustomState } {
  const { scope } = c;
  const register = new sfn.CustomState(scope, 'RegisterModelPackage', {
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
      TimeoutSeconds: SDK_TIMEOUT.seconds,
    },
  });
  register.addRetry(buildRetry(ERRORS.sagemakerSdk)).addCatch(failure.toFailure, FAIL);
  if (!c.groupsAtRunTime) return { start: register, end: register };
  // An existing group makes CreateModelPackageGroup fail (a ValidationException): go on to the
  // registration whatever the error (after the throttling retries); if the group really is
  // missing, RegisterModelPackage fails into the failure path with SageMaker's message.
  const ensureGroup = new sfn.CustomState(scope, 'EnsureModelPackageGroup', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:sagemaker:createModelPackageGroup`,
      Parameters: {
        'ModelPackageGroupName.$': '$.modelPackageGroupName',
        'ModelPackageGroupDescription.$': "States.Format('cdk-mlops: every candidate of model {} (approved, pending and rejected) with lineage', $.settings.modelName)",
      },
      ResultPath: sfn.JsonPath.DISCARD,
      TimeoutSeconds: SDK_TIMEOUT.seconds,
    },
  });
  ensureGroup.addRetry(buildRetry(ERRORS.sagemakerSdk));
  ensureGroup.addCatch(register, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  ensureGroup.next(register);
  return { start: ensureGroup, end: register };
}

/** 7. Outcome: the documented output, the notification, the verdict. */
export function renderOutcome(c: DefinitionContext): sfn.Pass {
  const { scope } = c;
  const output = new sfn.Pass(scope, 'BuildOutput', {
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
  const notifyOutcome = new tasks.SnsPublish(scope, 'NotifyOutcome', {
    topic: c.topic,
    subject: 'cdk-mlops: training pipeline finished',
    message: sfn.TaskInput.fromText(sfn.JsonPath.format('Execution {}: model {} candidate {} ({}): {}', sfn.JsonPath.executionId,
      sfn.JsonPath.stringAt('$.modelName'), sfn.JsonPath.stringAt('$.verdict'), sfn.JsonPath.stringAt('$.approvalStatus'), sfn.JsonPath.stringAt('$.reason'))),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: SDK_TIMEOUT,
  });
  const verdict = new sfn.Choice(scope, 'Verdict?')
    .when(sfn.Condition.stringEquals('$.verdict', 'rejected'), new sfn.Succeed(scope, 'CandidateRejected', { comment: 'Registered as Rejected; the champion stays' }))
    .otherwise(new sfn.Succeed(scope, 'ModelRegistered', { comment: 'Registered as Approved or PendingManualApproval' }));
  // Best-effort: the candidate is registered whatever happens to the notification (issue 13, defect 3).
  // The output keeps the notification's error; the failure is counted in a metric the construct alarms on.
  notifyOutcome.addRetry(buildRetry(ERRORS.sns)).addCatch(
    renderNotificationFailureCount(c, 'CountOutcomeNotificationFailure', verdict),
    { errors: ['States.ALL'], resultPath: '$.notificationFailure' },
  );
  output.next(notifyOutcome).next(verdict);
  return output;
}

/**
 * Counts a failed notification (PutMetricData, `NotificationFailures` = 1 in the pipeline's
 * namespace) and goes on to `next`; a failure to count it goes on to `next` too.
 */
export function renderNotificationFailureCount(c: DefinitionContext, id: string, next: sfn.IChainable): sfn.CustomState {
  const count = new sfn.CustomState(c.scope, id, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:cloudwatch:putMetricData`,
      Parameters: {
        Namespace: c.metricNamespace,
        MetricData: [{
          'MetricName': NOTIFICATION_FAILURES_METRIC,
          'Dimensions': [{ 'Name': 'StateMachine', 'Value.$': '$$.StateMachine.Name' }],
          'Value': 1,
          'Unit': 'Count',
        }],
      },
      ResultPath: null,
      TimeoutSeconds: SDK_TIMEOUT.seconds,
      Comment: 'A notification failed: count it (the construct alarms on the metric) and go on',
    },
  });
  count.addRetry(buildRetry(ERRORS.cloudwatch)).addCatch(next, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  count.next(next);
  return count;
}
