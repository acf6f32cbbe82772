// The per-model record, then the guard: lock + cooldown + dedupe, the budget, and the champion to compare against.
import { recordPath } from '../../../contracts/retrain-record';
import { RetrainOutcome } from '../../retrain-trigger-options';
import { DefinitionContext, retry, DDB_TRANSIENT, DDB_CONDITION, SAGEMAKER_TRANSIENT } from './context';
import { OPERATOR_ROLLBACK_STATES } from './operator-rollback';

/** The per-model record, then the guard: lock + cooldown + dedupe, the budget, and the champion to compare against. */
export function addGuardStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 1. per-model record --------------------------------------------------
  c.task('LoadModelConfig', {
    Comment: 'Reads the per-model record (SSM parameter, JSON).',
    Resource: c.arn('aws-sdk:ssm:getParameter'),
    Parameters: { 'Name.$': `States.Format('${c.p.configParameterPrefix}{}', $.modelName)` },
    ResultSelector: { 'config.$': 'States.StringToJson($.Parameter.Value)' },
    ResultPath: '$.loaded',
    Retry: [retry(['Ssm.ThrottlingException', 'Ssm.InternalServerErrorException', 'Ssm.SsmException', 'States.Timeout'])],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'UnknownModel' }],
    Next: 'Init',
  });
  S.UnknownModel = {
    Type: 'Pass',
    Comment: 'No usable per-model record: nothing was locked or changed.',
    Parameters: {
      'modelName.$': '$.modelName', 'trigger.$': '$.trigger', 'clock.$': '$.clock', 'error.$': '$.error',
      'outcome': RetrainOutcome.FAILED, 'lock': { held: false }, 'canary': { touched: false }, 'primary': { touched: false },
      'config': { eks: {} },
      'problems': {},
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
      'problems': {},
      'reconcileCount': { n: 0 },
      'outcome': 'pending',
    },
    // An operator rollback takes the lock without the cooldown (./operator-rollback.ts); a retrain goes to AcquireLock.
    Next: OPERATOR_ROLLBACK_STATES.lock,
  };

  // ---- 2. guard: lock + cooldown + dedupe, then budget --------------------
  c.task('AcquireLock', {
    Comment: 'Conditional write: free (or expired) lock AND cooldown over. Sets the cooldown and the TTL.',
    Resource: c.arn('dynamodb:updateItem'),
    Parameters: {
      TableName: c.p.tableName,
      Key: c.lockKey,
      UpdateExpression: 'SET holder = :me, lockedUntil = :now + :ttl, cooldownUntil = :now + :cooldown, acquiredAt = :now, expiresAt = :now + :expire, modelName = :model',
      ConditionExpression: '(attribute_not_exists(holder) OR lockedUntil < :now) AND (attribute_not_exists(cooldownUntil) OR cooldownUntil < :now)',
      ExpressionAttributeValues: {
        ':me': { 'S.$': '$$.Execution.Name' },
        ':model': { 'S.$': '$.modelName' },
        ':now': { 'N.$': '$.clock.nowText' },
        ':ttl': { 'N.$': `States.Format('{}', ${recordPath('lockTtlSeconds')})` },
        ':cooldown': { 'N.$': `States.Format('{}', ${recordPath('cooldownSeconds')})` },
        ':expire': { 'N.$': `States.Format('{}', States.MathAdd(${recordPath('lockTtlSeconds')}, ${recordPath('cooldownSeconds')}))` },
      },
    },
    ResultSelector: { held: true },
    ResultPath: '$.lock',
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [
      { ErrorEquals: [DDB_CONDITION], ResultPath: '$.guard', Next: 'ReadLock' },
      c.catchAll(),
    ],
    Next: 'PickBudgetPeriod',
  });
  c.task('ReadLock', {
    Comment: 'Why was the lock refused: a retrain still running (dedupe) or the cooldown?',
    Resource: c.arn('dynamodb:getItem'),
    Parameters: { TableName: c.p.tableName, Key: c.lockKey, ConsistentRead: true },
    ResultPath: '$.lockState',
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [c.catchAll()],
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
  c.outcome('Deduplicated', RetrainOutcome.DEDUPLICATED, 'RecordSkip');
  c.outcome('SkippedCooldown', RetrainOutcome.SKIPPED_COOLDOWN, 'RecordSkip');
  c.outcome('SkippedBudget', RetrainOutcome.SKIPPED_BUDGET, 'RecordSkip');
  c.task('RecordSkip', {
    Comment: 'Records the refused trigger (kept for 30 days).',
    Resource: c.arn('dynamodb:putItem'),
    Parameters: {
      TableName: c.p.tableName,
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
      { Variable: recordPath('budgetPeriod'), StringEquals: 'day', Next: 'BudgetDay' },
      { Variable: recordPath('budgetPeriod'), StringEquals: 'week', Next: 'BudgetWeek' },
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
  c.task('ChargeBudget', {
    Comment: 'At most maxRetrainsPerPeriod retrains per model per period (counter item with a TTL).',
    Resource: c.arn('dynamodb:updateItem'),
    Parameters: {
      TableName: c.p.tableName,
      Key: { pk: { 'S.$': '$.budget.key' } },
      UpdateExpression: 'ADD retrains :one SET expiresAt = :expire',
      ConditionExpression: 'attribute_not_exists(retrains) OR retrains < :max',
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':max': { 'N.$': `States.Format('{}', ${recordPath('maxRetrainsPerPeriod')})` },
        ':expire': { 'N.$': "States.Format('{}', States.MathAdd($.clock.nowEpoch, 2764800))" },
      },
    },
    ResultPath: null,
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [
      { ErrorEquals: [DDB_CONDITION], ResultPath: '$.guard', Next: 'SkippedBudget' },
      c.catchAll(),
    ],
    Next: 'ReadChampion',
  });
  c.task('ReadChampion', {
    Resource: c.arn('dynamodb:getItem'),
    Parameters: { TableName: c.p.tableName, Key: { pk: { 'S.$': "States.Format('champion#{}', $.modelName)" } }, ConsistentRead: true },
    ResultPath: '$.championRecord',
    Retry: [retry(DDB_TRANSIENT)],
    Catch: [c.catchAll()],
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
    Next: 'ReconcileNeeded',
  };
  S.ChampionFromConfig = {
    Type: 'Pass',
    Parameters: {
      'modelPackageArn.$': recordPath('initialChampion', 'modelPackageArn'),
      'modelArtifactUri.$': recordPath('initialChampion', 'modelArtifactUri'),
      'modelVersion.$': recordPath('initialChampion', 'modelVersion'),
    },
    ResultPath: '$.champion',
    Next: 'ReconcileNeeded',
  };
  addReconcileStates(c);
}

/** What ApprovePackage (promote.ts) writes as the ApprovalDescription of the package it approves. */
export const PROMOTION_APPROVAL_PATTERN = 'promoted by * after a clean canary';
/** At most this many packages are rejected by one reconciliation (a bound on the loop). */
export const MAX_RECONCILED_PACKAGES = 5;

/**
 * The registry's newest Approved package must be the champion (the TrainingPipeline's gate compares candidates with
 * it). A promotion whose RecordChampion failed and whose cleanup could not reject the candidate left it Approved
 * (InconsistentState): before anything else, this execution rejects each newest Approved package of the champion's
 * group that is not the champion and that a promotion of this loop approved (its ApprovalDescription), newest first,
 * until the champion (or a package approved by someone else, or none) is the newest. Best effort: a failure is kept
 * under `$.problems.registry` (counted by Finalize) and the retrain goes on. A champion without a versioned package
 * ARN (no `initialModelPackageArn` and no promotion recorded yet) names no group: nothing to reconcile.
 */
function addReconcileStates(c: DefinitionContext): void {
  const S = c.S;
  // Then a retrain goes on to approval and training, an operator rollback to its target (./operator-rollback.ts).
  const skip = OPERATOR_ROLLBACK_STATES.route;
  const bestEffort = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.problems.registry', Next: skip }];
  S.ReconcileNeeded = {
    Type: 'Choice',
    Choices: [{ Variable: '$.champion.modelPackageArn', StringMatches: '*:model-package/*/*', Next: 'FindNewestApproved' }],
    Default: skip,
  };
  c.task('FindNewestApproved', {
    Comment: 'The package the next gate would compare against: the newest Approved of the champion\'s group (named in its ARN).',
    Resource: c.arn('aws-sdk:sagemaker:listModelPackages'),
    Parameters: {
      'ModelPackageGroupName.$': "States.ArrayGetItem(States.StringSplit($.champion.modelPackageArn, '/'), 1)",
      'ModelApprovalStatus': 'Approved',
      'SortBy': 'CreationTime',
      'SortOrder': 'Descending',
      'MaxResults': 1,
    },
    ResultSelector: { 'list.$': '$.ModelPackageSummaryList' },
    ResultPath: '$.reconcileNewest',
    Retry: [retry(SAGEMAKER_TRANSIENT)],
    Catch: bestEffort,
    Next: 'NewestApprovedIsChampion',
  });
  S.NewestApprovedIsChampion = {
    Type: 'Choice',
    Choices: [
      { Not: { Variable: '$.reconcileNewest.list[0].ModelPackageArn', IsPresent: true }, Next: skip },
      { Variable: '$.reconcileNewest.list[0].ModelPackageArn', StringEqualsPath: '$.champion.modelPackageArn', Next: skip },
      { Variable: '$.reconcileCount.n', NumericGreaterThanEquals: MAX_RECONCILED_PACKAGES, Next: skip },
    ],
    Default: 'DescribeNewestApproved',
  };
  c.task('DescribeNewestApproved', {
    Comment: 'Who approved it: only a package a promotion of this loop approved is rejected.',
    Resource: c.arn('aws-sdk:sagemaker:describeModelPackage'),
    Parameters: { 'ModelPackageName.$': '$.reconcileNewest.list[0].ModelPackageArn' },
    ResultPath: '$.reconcileDescribed',
    Retry: [retry(SAGEMAKER_TRANSIENT)],
    Catch: bestEffort,
    Next: 'ApprovedByAPromotion',
  });
  S.ApprovedByAPromotion = {
    Type: 'Choice',
    Choices: [{
      And: [
        { Variable: '$.reconcileDescribed.ApprovalDescription', IsPresent: true },
        { Variable: '$.reconcileDescribed.ApprovalDescription', StringMatches: PROMOTION_APPROVAL_PATTERN },
      ],
      Next: 'RejectUnservedPackage',
    }],
    Default: skip,
  };
  c.task('RejectUnservedPackage', {
    Comment: 'Approved by a promotion that did not complete (the champion is another package): the registry must not call it the approved model.',
    Resource: c.arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.reconcileNewest.list[0].ModelPackageArn',
      'ModelApprovalStatus': 'Rejected',
      'ApprovalDescription.$': "States.Format('never served (the champion is {}): rejected by {}', $.champion.modelPackageArn, $$.Execution.Name)",
    },
    ResultPath: null,
    Retry: [retry(SAGEMAKER_TRANSIENT)],
    Catch: bestEffort,
    Next: 'CountReconciled',
  });
  S.CountReconciled = {
    Type: 'Pass',
    Parameters: { 'n.$': 'States.MathAdd($.reconcileCount.n, 1)' },
    ResultPath: '$.reconcileCount',
    Next: 'FindNewestApproved',
  };
}
