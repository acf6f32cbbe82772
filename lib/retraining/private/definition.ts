/**
 * The Amazon States Language definition of the retraining state machine.
 *
 * Written as plain ASL (JSONPath) rather than with the stepfunctions-tasks L2
 * classes because several tasks need fields the L2s cannot express here:
 * `eks:call` with the cluster coordinates read from the per-model record at
 * run time (the L2 takes one static cluster), `JitterStrategy`, and
 * `HeartbeatSeconds` on the approval token. Every value that differs per
 * model travels in the per-model record (an SSM parameter) read by the first
 * state, so ONE state machine serves every model of the stack.
 *
 * Input (what the starter Lambda passes; see docs/retrain-trigger.md):
 *   { "modelName": "fraud",
 *     "trigger": { "source": "alarm" | "schedule" | "manual", ... },
 *     "clock": { "nowEpoch": 1764230400, "nowText": "1764230400",
 *                "periods": { "day": "2026-11-27", "week": "2026-W48", "month": "2026-11" } } }
 *
 * Every Task has Retry (exponential backoff, FULL jitter), TimeoutSeconds and
 * a Catch; the approval token task also has HeartbeatSeconds. Every path ends
 * in `Finalize`, which releases the lock when this execution holds it.
 */
import { MODEL_PACKAGE_ANNOTATION, MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION } from '../../contracts/endpoint-wiring';

/** ASL state, loosely typed. */
export type AslState = Record<string, any>;

/** What the definition needs from the construct (values may be CDK tokens). */
export interface RetrainDefinitionProps {
  /** SSM parameter name prefix of the per-model records, ending in `/`. */
  readonly configParameterPrefix: string;
  /** DynamoDB table holding locks, budgets, champions and skip records. */
  readonly tableName: string;
  /** SNS topic for approvals and outcome notifications. */
  readonly topicArn: string;
  /** The training state machine. */
  readonly trainingStateMachineArn: string;
  /** CloudWatch namespace of the outcome metric. */
  readonly metricNamespace: string;
  /** Approval task: heartbeat (s); the hard timeout is twice this. */
  readonly approvalTimeoutSeconds: number;
  /** Training task timeout (s). */
  readonly trainingTimeoutSeconds: number;
  /**
   * Execution timeout (s), the definition's top-level TimeoutSeconds (CDK drops a StateMachine's `timeout`
   * for a string definition); the lock TTL is validated against it.
   */
  readonly executionTimeoutSeconds?: number;
  /** Partition of the resource ARNs (a token in the stack). */
  readonly partition: string;
}

/** Annotation keys written on the pod template of a variant's Deployment. */

/** Every terminal outcome of one execution. */
export const OUTCOMES = [
  'promoted', 'rejected', 'rolled-back', 'not-approved', 'deduplicated', 'skipped-cooldown', 'skipped-budget', 'failed',
] as const;

const API_TIMEOUT = 60;

function retry(errors: string[], maxAttempts = 4, interval = 1): Record<string, any> {
  return {
    ErrorEquals: errors,
    IntervalSeconds: interval,
    MaxAttempts: maxAttempts,
    BackoffRate: 2,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  };
}

const DDB_TRANSIENT = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.InternalServerErrorException',
  'States.Timeout',
];
/** Idempotent calls (GET/PATCH of the same body, describe, put of the same item): retried on any task failure. */
const IDEMPOTENT = ['States.TaskFailed', 'States.Timeout'];
const DDB_CONDITION = 'DynamoDB.ConditionalCheckFailedException';

/**
 * Builds the definition. Returned as a plain object (CDK tokens inside are
 * resolved by `Stack.toJsonString`).
 */
export function retrainDefinition(p: RetrainDefinitionProps): Record<string, any> {
  const arn = (service: string) => `arn:${p.partition}:states:::${service}`;
  const S: Record<string, AslState> = {};
  const task = (name: string, state: AslState) => { S[name] = { Type: 'Task', TimeoutSeconds: API_TIMEOUT, ...state }; };
  const catchAll = (next = 'Cleanup') => ({ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: next });
  const eksCall = (method: 'GET' | 'PATCH', path: string, body?: Record<string, any>, bodyPath?: string): AslState => ({
    Resource: arn('eks:call'),
    Parameters: {
      'ClusterName.$': '$.config.eks.clusterName',
      'CertificateAuthority.$': '$.config.eks.certificateAuthority',
      'Endpoint.$': '$.config.eks.endpoint',
      'Method': method,
      'Path.$': path,
      ...(body ? { RequestBody: body } : {}),
      ...(bodyPath ? { 'RequestBody.$': bodyPath } : {}),
    },
    Retry: [retry(IDEMPOTENT, 3, 2)],
  });
  const deploymentPath = (field: 'primaryDeployment' | 'canaryDeployment') =>
    `States.Format('/apis/apps/v1/namespaces/{}/deployments/{}', $.config.eks.namespace, $.config.eks.${field})`;
  const ingressPath = "States.Format('/apis/networking.k8s.io/v1/namespaces/{}/ingresses/{}', $.config.eks.namespace, $.config.eks.ingressName)";
  /** A merge patch touching only maps (valid as JSON merge and strategic merge patch): the pod template annotations. */
  const modelPatch = (from: string) => ({
    metadata: { annotations: { [`${MODEL_VERSION_ANNOTATION}.$`]: `${from}.modelVersion` } },
    spec: {
      template: {
        metadata: {
          annotations: {
            [`${MODEL_URI_ANNOTATION}.$`]: `${from}.modelArtifactUri`,
            [`${MODEL_VERSION_ANNOTATION}.$`]: `${from}.modelVersion`,
            [`${MODEL_PACKAGE_ANNOTATION}.$`]: `${from}.modelPackageArn`,
          },
        },
      },
    },
  });
  const outcome = (name: string, value: string, next: string) => {
    S[name] = { Type: 'Pass', Result: value, ResultPath: '$.outcome', Next: next };
  };
  const lockKey = { pk: { 'S.$': "States.Format('lock#{}', $.modelName)" } };

  // ---- 1. per-model record --------------------------------------------------
  task('LoadModelConfig', {
    Comment: 'Reads the per-model record (SSM parameter, JSON).',
    Resource: arn('aws-sdk:ssm:getParameter'),
    Parameters: { 'Name.$': `States.Format('${p.configParameterPrefix}{}', $.modelName)` },
    ResultSelector: { 'config.$': 'States.StringToJson($.Parameter.Value)' },
    ResultPath: '$.loaded',
    Retry: [retry(['Ssm.ThrottlingException', 'Ssm.InternalServerErrorException', 'States.Timeout'])],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'UnknownModel' }],
    Next: 'Init',
  });
  S.UnknownModel = {
    Type: 'Pass',
    Comment: 'No usable per-model record: nothing was locked or changed.',
    Parameters: {
      'modelName.$': '$.modelName', 'trigger.$': '$.trigger', 'clock.$': '$.clock', 'error.$': '$.error',
      'outcome': 'failed', 'lock': { held: false }, 'canary': { touched: false }, 'primary': { touched: false },
      'config': { eks: {} },
    },
    Next: 'Finalize',
  };
  S.Init = {
    Type: 'Pass',
    Parameters: {
      'modelName.$': '$.modelName',
      'trigger.$': '$.trigger',
      'clock.$': '$.clock',
      'config.$': '$.loaded.config',
      'lock': { held: false },
      'canary': { touched: false },
      'primary': { touched: false },
      'outcome': 'pending',
    },
    Next: 'AcquireLock',
  };

  // ---- 2. guard: lock + cooldown + dedupe, then budget --------------------
  task('AcquireLock', {
    Comment: 'Conditional write: free (or expired) lock AND cooldown over. Sets the cooldown and the TTL.',
    Resource: arn('dynamodb:updateItem'),
    Parameters: {
      TableName: p.tableName,
      Key: lockKey,
      UpdateExpression: 'SET holder = :me, lockedUntil = :now + :ttl, cooldownUntil = :now + :cooldown, acquiredAt = :now, expiresAt = :now + :expire, modelName = :model',
      ConditionExpression: '(attribute_not_exists(holder) OR lockedUntil < :now) AND (attribute_not_exists(cooldownUntil) OR cooldownUntil < :now)',
      ExpressionAttributeValues: {
        ':me': { 'S.$': '$$.Execution.Name' },
        ':model': { 'S.$': '$.modelName' },
        ':now': { 'N.$': '$.clock.nowText' },
        ':ttl': { 'N.$': "States.Format('{}', $.config.lockTtlSeconds)" },
        ':cooldown': { 'N.$': "States.Format('{}', $.config.cooldownSeconds)" },
        ':expire': { 'N.$': "States.Format('{}', States.MathAdd($.config.lockTtlSeconds, $.config.cooldownSeconds))" },
      },
    },
    ResultSelector: { held: true },
    ResultPath: '$.lock',
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [
      { ErrorEquals: [DDB_CONDITION], ResultPath: '$.guard', Next: 'ReadLock' },
      catchAll(),
    ],
    Next: 'PickBudgetPeriod',
  });
  task('ReadLock', {
    Comment: 'Why was the lock refused: a retrain still running (dedupe) or the cooldown?',
    Resource: arn('dynamodb:getItem'),
    Parameters: { TableName: p.tableName, Key: lockKey, ConsistentRead: true },
    ResultPath: '$.lockState',
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [catchAll()],
    Next: 'LockHeldByAnother',
  });
  S.LockHeldByAnother = {
    Type: 'Choice',
    Comment: 'Epoch seconds are 10-digit strings until 2286, so string order is numeric order.',
    Choices: [{
      And: [
        { Variable: '$.lockState.Item.holder.S', IsPresent: true },
        { Variable: '$.lockState.Item.lockedUntil.N', StringGreaterThanPath: '$.clock.nowText' },
      ],
      Next: 'Deduplicated',
    }],
    Default: 'SkippedCooldown',
  };
  outcome('Deduplicated', 'deduplicated', 'RecordSkip');
  outcome('SkippedCooldown', 'skipped-cooldown', 'RecordSkip');
  outcome('SkippedBudget', 'skipped-budget', 'RecordSkip');
  task('RecordSkip', {
    Comment: 'Records the refused trigger (kept for 30 days).',
    Resource: arn('dynamodb:putItem'),
    Parameters: {
      TableName: p.tableName,
      Item: {
        pk: { 'S.$': "States.Format('skip#{}#{}', $.modelName, $$.Execution.Name)" },
        modelName: { 'S.$': '$.modelName' },
        reason: { 'S.$': '$.outcome' },
        trigger: { 'S.$': 'States.JsonToString($.trigger)' },
        at: { 'N.$': '$.clock.nowText' },
        expiresAt: { 'N.$': "States.Format('{}', States.MathAdd($.clock.nowEpoch, 2592000))" },
      },
    },
    ResultPath: null,
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: 'Finalize' }],
    Next: 'Finalize',
  });
  S.PickBudgetPeriod = {
    Type: 'Choice',
    Choices: [
      { Variable: '$.config.budgetPeriod', StringEquals: 'day', Next: 'BudgetDay' },
      { Variable: '$.config.budgetPeriod', StringEquals: 'week', Next: 'BudgetWeek' },
    ],
    Default: 'BudgetMonth',
  };
  for (const period of ['day', 'week', 'month']) {
    S[`Budget${period[0].toUpperCase()}${period.slice(1)}`] = {
      Type: 'Pass',
      Parameters: { 'key.$': `States.Format('budget#{}#{}', $.modelName, $.clock.periods.${period})` },
      ResultPath: '$.budget',
      Next: 'ChargeBudget',
    };
  }
  task('ChargeBudget', {
    Comment: 'At most maxRetrainsPerPeriod retrains per model per period (counter item with a TTL).',
    Resource: arn('dynamodb:updateItem'),
    Parameters: {
      TableName: p.tableName,
      Key: { pk: { 'S.$': '$.budget.key' } },
      UpdateExpression: 'ADD retrains :one SET expiresAt = :expire',
      ConditionExpression: 'attribute_not_exists(retrains) OR retrains < :max',
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':max': { 'N.$': "States.Format('{}', $.config.maxRetrainsPerPeriod)" },
        ':expire': { 'N.$': "States.Format('{}', States.MathAdd($.clock.nowEpoch, 2764800))" },
      },
    },
    ResultPath: null,
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [
      { ErrorEquals: [DDB_CONDITION], ResultPath: '$.guard', Next: 'SkippedBudget' },
      catchAll(),
    ],
    Next: 'ReadChampion',
  });
  task('ReadChampion', {
    Resource: arn('dynamodb:getItem'),
    Parameters: { TableName: p.tableName, Key: { pk: { 'S.$': "States.Format('champion#{}', $.modelName)" } }, ConsistentRead: true },
    ResultPath: '$.championRecord',
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [catchAll()],
    Next: 'HasChampionRecord',
  });
  S.HasChampionRecord = {
    Type: 'Choice',
    Choices: [{ Variable: '$.championRecord.Item.modelArtifactUri.S', IsPresent: true, Next: 'ChampionFromRecord' }],
    Default: 'ChampionFromConfig',
  };
  S.ChampionFromRecord = {
    Type: 'Pass',
    Parameters: {
      'modelPackageArn.$': '$.championRecord.Item.modelPackageArn.S',
      'modelArtifactUri.$': '$.championRecord.Item.modelArtifactUri.S',
      'modelVersion.$': '$.championRecord.Item.modelVersion.S',
    },
    ResultPath: '$.champion',
    Next: 'NeedsApproval',
  };
  S.ChampionFromConfig = {
    Type: 'Pass',
    Parameters: {
      'modelPackageArn.$': '$.config.initialChampion.modelPackageArn',
      'modelArtifactUri.$': '$.config.initialChampion.modelArtifactUri',
      'modelVersion.$': '$.config.initialChampion.modelVersion',
    },
    ResultPath: '$.champion',
    Next: 'NeedsApproval',
  };

  // ---- 3. optional human approval -------------------------------------------
  S.NeedsApproval = {
    Type: 'Choice',
    Choices: [{ Variable: '$.config.approvalRequired', BooleanEquals: true, Next: 'RequestApproval' }],
    Default: 'TrainingContext',
  };
  task('RequestApproval', {
    Comment: 'Waits for a human: send-task-success {"approved":true} to go on, send-task-failure --error Rejected to stop.',
    Resource: arn('sns:publish.waitForTaskToken'),
    HeartbeatSeconds: p.approvalTimeoutSeconds,
    TimeoutSeconds: p.approvalTimeoutSeconds * 2,
    Parameters: {
      TopicArn: p.topicArn,
      'Subject.$': "States.Format('[cdk-mlops] approve retraining of {}?', $.modelName)",
      Message: {
        kind: 'approval-request',
        'modelName.$': '$.modelName',
        'trigger.$': '$.trigger',
        'champion.$': '$.champion',
        'execution.$': '$$.Execution.Id',
        'taskToken.$': '$$.Task.Token',
        'approve': 'aws stepfunctions send-task-success --task-token "$TASK_TOKEN" --task-output \'{"approved":true}\'',
        'reject': 'aws stepfunctions send-task-failure --task-token "$TASK_TOKEN" --error Rejected --cause "<why>"',
        'moreTime': 'aws stepfunctions send-task-heartbeat --task-token "$TASK_TOKEN"',
        'note': 'set TASK_TOKEN to the taskToken field above; without an answer (or a heartbeat) the request expires as not approved',
      },
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'approval-request' } },
    },
    ResultPath: '$.approval',
    Retry: [retry(['Sns.ThrottledException', 'Sns.InternalErrorException', 'SNS.ThrottledException', 'SNS.InternalErrorException'])],
    Catch: [
      { ErrorEquals: ['Rejected'], ResultPath: '$.approvalError', Next: 'NotApproved' },
      { ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'], ResultPath: '$.approvalError', Next: 'NotApproved' },
      catchAll(),
    ],
    Next: 'ApprovalDecision',
  });
  S.ApprovalDecision = {
    Type: 'Choice',
    Choices: [{ And: [{ Variable: '$.approval.approved', IsPresent: true }, { Variable: '$.approval.approved', BooleanEquals: true }], Next: 'TrainingContext' }],
    Default: 'NotApproved',
  };
  outcome('NotApproved', 'not-approved', 'Finalize');

  // ---- 4. training pipeline + gate -------------------------------------------
  S.TrainingContext = {
    Type: 'Pass',
    Comment: 'The TrainingPipeline ignores input keys starting with "_" (annotations); modelName comes from the record\'s trainingInput (the model\'s name unless it sets one).',
    Parameters: {
      '_champion.$': '$.champion',
      '_trigger.$': '$.trigger',
      '_retrainExecutionId.$': '$$.Execution.Id',
    },
    ResultPath: '$.trainingContext',
    Next: 'Train',
  };
  task('Train', {
    Comment: 'The TrainingPipeline; the child execution name derives from this one, so a retried start never trains twice.',
    Resource: arn('states:startExecution.sync:2'),
    TimeoutSeconds: p.trainingTimeoutSeconds,
    Parameters: {
      StateMachineArn: p.trainingStateMachineArn,
      'Name.$': "States.Format('{}-train', $$.Execution.Name)",
      'Input.$': 'States.JsonMerge($.config.trainingInput, $.trainingContext, false)',
    },
    ResultSelector: { 'output.$': '$.Output', 'executionArn.$': '$.ExecutionArn' },
    ResultPath: '$.training',
    Retry: [retry(['StepFunctions.ThrottlingException', 'StepFunctions.SdkClientException', 'StepFunctions.AWSStepFunctionsException'], 3, 5)],
    Catch: [catchAll()],
    Next: 'Gate',
  });
  S.Gate = {
    Type: 'Choice',
    Comment: 'Only a candidate the pipeline passed (threshold and champion comparison) and registered goes on.',
    Choices: [{
      And: [
        { Variable: '$.training.output.verdict', IsPresent: true },
        { Variable: '$.training.output.verdict', StringEquals: 'passed' },
        { Variable: '$.training.output.modelPackageArn', IsPresent: true },
        { Variable: '$.training.output.modelArtifactUri', IsPresent: true },
        { Variable: '$.training.output.baselineUri', IsPresent: true },
        { Variable: '$.training.output.metrics', IsPresent: true },
        // A model whose DriftMonitor baseline follows the champion needs the candidate's baseline location.
        {
          Or: [
            { Not: { Variable: '$.config.monitorBaseline', IsPresent: true } },
            {
              And: [
                { Variable: '$.training.output.baselineLocation.bucket', IsPresent: true },
                { Variable: '$.training.output.baselineLocation.key', IsPresent: true },
              ],
            },
          ],
        },
      ],
      Next: 'Candidate',
    }],
    Default: 'Rejected',
  };
  outcome('Rejected', 'rejected', 'Finalize');
  S.Candidate = {
    Type: 'Pass',
    Parameters: {
      'modelPackageArn.$': '$.training.output.modelPackageArn',
      'modelArtifactUri.$': '$.training.output.modelArtifactUri',
      'modelVersion.$': "States.ArrayGetItem(States.StringSplit($.training.output.modelPackageArn, '/'), 2)",
      'metrics.$': '$.training.output.metrics',
      'baselineUri.$': '$.training.output.baselineUri',
    },
    ResultPath: '$.candidate',
    Next: 'MarkCanaryTouched',
  };

  // ---- 5. canary ----------------------------------------------------------------
  S.MarkCanaryTouched = { Type: 'Pass', Result: { touched: true }, ResultPath: '$.canary', Next: 'PatchCanary' };
  task('PatchCanary', {
    Comment: 'Points the canary variant at the candidate (pod-template annotations read by the model init container).',
    ...eksCall('PATCH', deploymentPath('canaryDeployment'), modelPatch('$.candidate')),
    ResultPath: null,
    Catch: [catchAll()],
    Next: 'InitCanaryPoll',
  });
  rolloutLoop(S, 'Canary', eksCall('GET', deploymentPath('canaryDeployment')), 'ShiftTraffic', 'CanaryNotReady');
  S.CanaryNotReady = { Type: 'Pass', Result: 'canary did not become ready', ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
  task('ShiftTraffic', {
    Comment: 'Weights on the ALB Ingress (precomputed patch in the per-model record).',
    ...eksCall('PATCH', ingressPath, undefined, '$.config.eks.ingressCanaryPatch'),
    ResultPath: null,
    Catch: [catchAll()],
    Next: 'InitBake',
  });
  S.InitBake = { Type: 'Pass', Result: { n: 0 }, ResultPath: '$.bake', Next: 'Bake' };
  S.Bake = { Type: 'Wait', SecondsPath: '$.config.bakeIntervalSeconds', Next: 'CheckCanaryAlarms' };
  task('CheckCanaryAlarms', {
    Comment: 'Error rate, latency and quality alarms of the canary; only those in ALARM come back.',
    Resource: arn('aws-sdk:cloudwatch:describeAlarms'),
    Parameters: { 'AlarmNames.$': '$.config.canaryAlarmNames', 'AlarmTypes': ['MetricAlarm', 'CompositeAlarm'], 'StateValue': 'ALARM' },
    ResultPath: '$.bakeCheck',
    Retry: [retry(IDEMPOTENT)],
    Catch: [catchAll()],
    Next: 'CanaryHealthy',
  });
  S.CanaryHealthy = {
    Type: 'Choice',
    Choices: [
      { Or: [{ Variable: '$.bakeCheck.MetricAlarms[0]', IsPresent: true }, { Variable: '$.bakeCheck.CompositeAlarms[0]', IsPresent: true }], Next: 'CanaryAlarm' },
    ],
    Default: 'CountBake',
  };
  S.CanaryAlarm = { Type: 'Pass', Result: 'canary alarm', ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
  S.CountBake = { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.bake.n, 1)' }, ResultPath: '$.bake', Next: 'BakeDone' };
  S.BakeDone = {
    Type: 'Choice',
    Choices: [{ Variable: '$.bake.n', NumericGreaterThanEqualsPath: '$.config.bakeChecks', Next: 'MarkPrimaryTouched' }],
    Default: 'Bake',
  };

  // ---- 6a. promote ----------------------------------------------------------------
  S.MarkPrimaryTouched = { Type: 'Pass', Result: { touched: true }, ResultPath: '$.primary', Next: 'PatchPrimary' };
  task('PatchPrimary', {
    Comment: 'The primary variant gets the verified candidate (RollingUpdate, maxUnavailable 0).',
    ...eksCall('PATCH', deploymentPath('primaryDeployment'), modelPatch('$.candidate')),
    ResultPath: null,
    Catch: [catchAll()],
    Next: 'InitPrimaryPoll',
  });
  rolloutLoop(S, 'Primary', eksCall('GET', deploymentPath('primaryDeployment')), 'RestoreTrafficAfterPromote', 'PrimaryNotReady');
  S.PrimaryNotReady = {
    Type: 'Pass', Parameters: { Error: 'PrimaryRolloutTimeout', Cause: 'the primary did not become ready' }, ResultPath: '$.error', Next: 'Cleanup',
  };
  task('RestoreTrafficAfterPromote', {
    ...eksCall('PATCH', ingressPath, undefined, '$.config.eks.ingressStablePatch'),
    ResultPath: null,
    Catch: [catchAll()],
    Next: 'ApprovePackage',
  });
  task('ApprovePackage', {
    Resource: arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.candidate.modelPackageArn',
      ModelApprovalStatus: 'Approved',
      'ApprovalDescription.$': "States.Format('promoted by {} after a clean canary', $$.Execution.Name)",
    },
    ResultSelector: { approved: true },
    ResultPath: '$.packageApproval',
    Retry: [retry(['SageMaker.ThrottlingException', 'SageMaker.SageMakerException', 'States.Timeout'])],
    Catch: [catchAll()],
    Next: 'MonitorBaselineNeeded',
  });
  S.MonitorBaselineNeeded = {
    Type: 'Choice',
    Comment: 'Models with a DriftMonitor baseline location: the monitor compares against the new champion\'s baseline from now on.',
    Choices: [{ Variable: '$.config.monitorBaseline', IsPresent: true, Next: 'BackupMonitorBaseline' }],
    Default: 'RecordChampion',
  };
  task('BackupMonitorBaseline', {
    Comment: 'Keeps the current baseline as <key>.previous, so a failure before the champion is recorded can put it back.',
    Resource: arn('aws-sdk:s3:copyObject'),
    Parameters: {
      'Bucket.$': '$.config.monitorBaseline.bucket',
      'Key.$': "States.Format('{}.previous', $.config.monitorBaseline.key)",
      'CopySource.$': "States.Format('{}/{}', $.config.monitorBaseline.bucket, $.config.monitorBaseline.key)",
      'MetadataDirective': 'COPY',
      'TaggingDirective': 'REPLACE',
    },
    ResultSelector: { saved: true },
    ResultPath: '$.monitorBaselineBackup',
    Retry: [retry(IDEMPOTENT, 2)],
    // Best effort: no baseline yet (a new model; S3 reports a missing copy source as a generic S3 error) or no
    // copy kept means the cleanup cannot restore it, not that the promotion stops.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.monitorBaselineBackup', Next: 'UpdateMonitorBaseline' }],
    Next: 'UpdateMonitorBaseline',
  });
  task('UpdateMonitorBaseline', {
    Comment: 'Copies the promoted candidate\'s baseline (beside its artifact) over the DriftMonitor\'s baseline key; a rollback never gets here.',
    Resource: arn('aws-sdk:s3:copyObject'),
    Parameters: {
      'Bucket.$': '$.config.monitorBaseline.bucket',
      'Key.$': '$.config.monitorBaseline.key',
      'CopySource.$': "States.Format('{}/{}', $.training.output.baselineLocation.bucket, $.training.output.baselineLocation.key)",
      'MetadataDirective': 'COPY',
      'TaggingDirective': 'REPLACE',
    },
    ResultSelector: { 'copied': true, 'etag.$': '$.CopyObjectResult.ETag' },
    ResultPath: '$.monitorBaseline',
    // The same source over the same key: a retried copy is idempotent.
    Retry: [retry(IDEMPOTENT)],
    Catch: [catchAll()],
    Next: 'RecordChampion',
  });
  task('RecordChampion', {
    Resource: arn('dynamodb:putItem'),
    Parameters: {
      TableName: p.tableName,
      Item: {
        'pk': { 'S.$': "States.Format('champion#{}', $.modelName)" },
        'modelPackageArn': { 'S.$': '$.candidate.modelPackageArn' },
        'modelArtifactUri': { 'S.$': '$.candidate.modelArtifactUri' },
        'modelVersion': { 'S.$': '$.candidate.modelVersion' },
        'baselineUri': { 'S.$': '$.candidate.baselineUri' },
        'previousModelPackageArn': { 'S.$': '$.champion.modelPackageArn' },
        'promotedBy': { 'S.$': '$$.Execution.Name' },
        'promotedAt': { 'N.$': '$.clock.nowText' },
      },
    },
    ResultPath: null,
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [catchAll()],
    Next: 'Promoted',
  });
  outcome('Promoted', 'promoted', 'Finalize');

  // ---- 6b. roll back ----------------------------------------------------------------
  task('RestoreTrafficOnRollback', {
    ...eksCall('PATCH', ingressPath, undefined, '$.config.eks.ingressStablePatch'),
    ResultPath: null,
    Catch: [catchAll()],
    Next: 'RestoreCanaryOnRollback',
  });
  task('RestoreCanaryOnRollback', {
    ...eksCall('PATCH', deploymentPath('canaryDeployment'), modelPatch('$.champion')),
    ResultPath: null,
    Catch: [catchAll()],
    Next: 'RejectPackage',
  });
  task('RejectPackage', {
    Resource: arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.candidate.modelPackageArn',
      ModelApprovalStatus: 'Rejected',
      'ApprovalDescription.$': "States.Format('rolled back by {}: {}', $$.Execution.Name, $.rollbackReason)",
    },
    ResultPath: null,
    Retry: [retry(['SageMaker.ThrottlingException', 'SageMaker.SageMakerException', 'States.Timeout'])],
    Catch: [catchAll()],
    Next: 'RolledBack',
  });
  outcome('RolledBack', 'rolled-back', 'Finalize');

  // ---- cleanup (every Catch) ------------------------------------------------------------
  outcome('Cleanup', 'failed', 'CleanupTrafficNeeded');
  S.CleanupTrafficNeeded = {
    Type: 'Choice',
    Choices: [{ Variable: '$.canary.touched', BooleanEquals: true, Next: 'CleanupRestoreTraffic' }],
    Default: 'Finalize',
  };
  const bestEffort = (next: string) => [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: next }];
  task('CleanupRestoreTraffic', {
    ...eksCall('PATCH', ingressPath, undefined, '$.config.eks.ingressStablePatch'),
    ResultPath: null,
    Catch: bestEffort('CleanupRestoreCanary'),
    Next: 'CleanupRestoreCanary',
  });
  task('CleanupRestoreCanary', {
    ...eksCall('PATCH', deploymentPath('canaryDeployment'), modelPatch('$.champion')),
    ResultPath: null,
    Catch: bestEffort('CleanupPrimaryNeeded'),
    Next: 'CleanupPrimaryNeeded',
  });
  S.CleanupPrimaryNeeded = {
    Type: 'Choice',
    Choices: [{ Variable: '$.primary.touched', BooleanEquals: true, Next: 'CleanupRestorePrimary' }],
    Default: 'Finalize',
  };
  task('CleanupRestorePrimary', {
    ...eksCall('PATCH', deploymentPath('primaryDeployment'), modelPatch('$.champion')),
    ResultPath: null,
    Catch: bestEffort('CleanupPackageNeeded'),
    Next: 'CleanupPackageNeeded',
  });
  S.CleanupPackageNeeded = {
    Type: 'Choice',
    Comment: 'Approved but not recorded as champion (a later step failed): the registry must not call it the approved model.',
    Choices: [{ And: [{ Variable: '$.packageApproval.approved', IsPresent: true }, { Variable: '$.packageApproval.approved', BooleanEquals: true }], Next: 'CleanupRejectPackage' }],
    Default: 'CleanupMonitorBaselineNeeded',
  };
  task('CleanupRejectPackage', {
    Resource: arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.candidate.modelPackageArn',
      ModelApprovalStatus: 'Rejected',
      'ApprovalDescription.$': "States.Format('promotion by {} failed and was undone', $$.Execution.Name)",
    },
    ResultPath: null,
    Retry: [retry(['SageMaker.ThrottlingException', 'SageMaker.SageMakerException', 'States.Timeout'])],
    Catch: bestEffort('CleanupMonitorBaselineNeeded'),
    Next: 'CleanupMonitorBaselineNeeded',
  });
  S.CleanupMonitorBaselineNeeded = {
    Type: 'Choice',
    Comment: 'The candidate\'s baseline was copied over the monitor\'s but the champion was not recorded: put the kept one back.',
    Choices: [{
      And: [
        { Variable: '$.monitorBaseline.copied', IsPresent: true }, { Variable: '$.monitorBaseline.copied', BooleanEquals: true },
        { Variable: '$.monitorBaselineBackup.saved', IsPresent: true }, { Variable: '$.monitorBaselineBackup.saved', BooleanEquals: true },
      ],
      Next: 'CleanupRestoreMonitorBaseline',
    }],
    Default: 'Finalize',
  };
  task('CleanupRestoreMonitorBaseline', {
    Resource: arn('aws-sdk:s3:copyObject'),
    Parameters: {
      'Bucket.$': '$.config.monitorBaseline.bucket',
      'Key.$': '$.config.monitorBaseline.key',
      'CopySource.$': "States.Format('{}/{}.previous', $.config.monitorBaseline.bucket, $.config.monitorBaseline.key)",
      'MetadataDirective': 'COPY',
      'TaggingDirective': 'REPLACE',
    },
    ResultSelector: { copied: false, restored: true },
    ResultPath: '$.monitorBaseline',
    Retry: [retry(IDEMPOTENT)],
    Catch: bestEffort('Finalize'),
    Next: 'Finalize',
  });

  // ---- 7. finalize: release the lock, metric, notification ----------------------------
  S.Finalize = {
    Type: 'Choice',
    Choices: [{ Variable: '$.lock.held', BooleanEquals: true, Next: 'ReleaseLock' }],
    Default: 'PublishOutcomeMetric',
  };
  task('ReleaseLock', {
    Comment: 'Only the holder releases; the cooldown set at acquisition stays. The TTL is the backstop.',
    Resource: arn('dynamodb:updateItem'),
    Parameters: {
      TableName: p.tableName,
      Key: lockKey,
      UpdateExpression: 'REMOVE holder, lockedUntil SET lastOutcome = :outcome, lastExecution = :me',
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':me': { 'S.$': '$$.Execution.Name' }, ':outcome': { 'S.$': '$.outcome' } },
    },
    ResultSelector: { held: false, released: true },
    ResultPath: '$.lock',
    Retry: [retry(DDB_TRANSIENT, 6)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.lockError', Next: 'PublishOutcomeMetric' }],
    Next: 'PublishOutcomeMetric',
  });
  task('PublishOutcomeMetric', {
    Resource: arn('aws-sdk:cloudwatch:putMetricData'),
    Parameters: {
      Namespace: p.metricNamespace,
      MetricData: [{
        MetricName: 'RetrainOutcome',
        Dimensions: [{ 'Name': 'ModelName', 'Value.$': '$.modelName' }, { 'Name': 'Outcome', 'Value.$': '$.outcome' }],
        Value: 1,
        Unit: 'Count',
      }],
    },
    ResultPath: null,
    Retry: [retry(IDEMPOTENT)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.metricError', Next: 'NotifyOutcome' }],
    Next: 'NotifyOutcome',
  });
  task('NotifyOutcome', {
    Resource: arn('sns:publish'),
    Parameters: {
      TopicArn: p.topicArn,
      'Subject.$': "States.Format('[cdk-mlops] retraining of {}: {}', $.modelName, $.outcome)",
      Message: {
        'kind': 'retrain-outcome',
        'modelName.$': '$.modelName',
        'outcome.$': '$.outcome',
        'execution.$': '$$.Execution.Id',
        'trigger.$': '$.trigger',
        'state.$': 'States.JsonToString($)',
      },
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'retrain-outcome' },
        outcome: { 'DataType': 'String', 'StringValue.$': '$.outcome' },
      },
    },
    ResultPath: null,
    Retry: [retry(['Sns.ThrottledException', 'Sns.InternalErrorException', 'SNS.ThrottledException', 'SNS.InternalErrorException', 'States.Timeout'], 5)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: 'OutcomeIsFailure' }],
    Next: 'OutcomeIsFailure',
  });
  S.OutcomeIsFailure = {
    Type: 'Choice',
    Choices: [{ Variable: '$.outcome', StringEquals: 'failed', Next: 'RetrainFailed' }],
    Default: 'Done',
  };
  S.RetrainFailed = { Type: 'Fail', Error: 'RetrainFailed', Cause: 'see the outcome notification; the lock was released and the champion kept' };
  S.Done = { Type: 'Succeed', OutputPath: '$' };

  return {
    Comment: 'cdk-mlops retraining: guard -> approval -> TrainingPipeline -> gate -> canary -> promote | roll back -> notify',
    StartAt: 'LoadModelConfig',
    ...(p.executionTimeoutSeconds !== undefined ? { TimeoutSeconds: p.executionTimeoutSeconds } : {}),
    States: S,
  };
}

/** Wait / GET / ready? / count / exhausted? — a bounded rollout poll of one Deployment (waits grow linearly). */
function rolloutLoop(S: Record<string, AslState>, v: 'Canary' | 'Primary', get: AslState, readyNext: string, exhaustedNext: string): void {
  S[`Init${v}Poll`] = { Type: 'Pass', Parameters: { 'n': 0, 'wait.$': '$.config.rolloutPollSeconds' }, ResultPath: '$.poll', Next: `Wait${v}Rollout` };
  // Growing waits (base, 2 x base, 3 x base, ...): quick for a fast rollout, few polls (history events) for a slow one.
  S[`Wait${v}Rollout`] = { Type: 'Wait', SecondsPath: '$.poll.wait', Next: `Get${v}` };
  S[`Get${v}`] = {
    Type: 'Task',
    TimeoutSeconds: API_TIMEOUT,
    ...get,
    ResultSelector: { 'generation.$': '$.ResponseBody.metadata.generation', 'status.$': '$.ResponseBody.status' },
    ResultPath: '$.rollout',
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Cleanup' }],
    Next: `${v}Ready`,
  };
  S[`${v}Ready`] = {
    Type: 'Choice',
    Choices: [{
      And: [
        { Variable: '$.rollout.status.observedGeneration', IsPresent: true },
        { Variable: '$.rollout.status.observedGeneration', NumericGreaterThanEqualsPath: '$.rollout.generation' },
        { Variable: '$.rollout.status.replicas', IsPresent: true },
        { Variable: '$.rollout.status.updatedReplicas', IsPresent: true },
        { Variable: '$.rollout.status.updatedReplicas', NumericGreaterThanEqualsPath: '$.rollout.status.replicas' },
        { Variable: '$.rollout.status.availableReplicas', IsPresent: true },
        { Variable: '$.rollout.status.availableReplicas', NumericGreaterThanEqualsPath: '$.rollout.status.replicas' },
        { Not: { Variable: '$.rollout.status.unavailableReplicas', IsPresent: true } },
      ],
      Next: readyNext,
    }],
    Default: `Count${v}Poll`,
  };
  S[`Count${v}Poll`] = {
    Type: 'Pass',
    Parameters: { 'n.$': 'States.MathAdd($.poll.n, 1)', 'wait.$': 'States.MathAdd($.poll.wait, $.config.rolloutPollSeconds)' },
    ResultPath: '$.poll',
    Next: `${v}PollsLeft`,
  };
  S[`${v}PollsLeft`] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.poll.n', NumericGreaterThanEqualsPath: '$.config.rolloutMaxPolls', Next: exhaustedNext }],
    Default: `Wait${v}Rollout`,
  };
}
