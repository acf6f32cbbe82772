// The operator rollback (`cdk-mlops rollback`): a manual request with `action: "rollback"` takes the lock
// (never the cooldown or the budget), skips approval, training and the gate, and canaries the named earlier
// version on the loop's own canary -> promote path; a clean canary makes it the champion again (`reverted`),
// a failed one keeps the champion (`rolled-back`), exactly as for a trained candidate.
import { recordPath } from '../../../contracts/retrain-record';
import { RetrainOutcome } from '../../retrain-trigger-options';
import { AslState, DDB_CONDITION, DDB_TRANSIENT, DefinitionContext, retry, SAGEMAKER_TRANSIENT } from './context';

/**
 * The Choice rule of an operator rollback: the starter puts the request's `action` (and target) into the
 * execution's `trigger` (lib/contracts/operations.ts, `ManualRequestDetail`); other triggers have no `action`.
 */
export function isOperatorRollback(next: string): AslState {
  return {
    And: [
      { Variable: '$.trigger.action', IsPresent: true },
      { Variable: '$.trigger.action', StringEquals: 'rollback' },
    ],
    Next: next,
  };
}

/** State names other steps lead to (their `Next`). */
export const OPERATOR_ROLLBACK_STATES = {
  /** After `Init`: which lock to take. */
  lock: 'LockForRequest',
  /** After the champion is known: train a candidate, or canary the rollback target. */
  route: 'RetrainOrRollback',
  /** After the promoted primary took the traffic back: approve the trained candidate (a rollback target is Approved already). */
  approve: 'ApproveUnlessRollback',
  /** After the champion is recorded: the outcome (`promoted`, or the registry notes and `reverted`). */
  outcome: 'PromotedOrReverted',
} as const;

/** The operator-rollback states (see the file comment). */
export function addOperatorRollbackStates(c: DefinitionContext): void {
  const S = c.S;
  const R = OPERATOR_ROLLBACK_STATES;
  // ---- the lock: a rollback waits for no cooldown and spends no budget ---------------------------------
  S[R.lock] = {
    Type: 'Choice',
    Comment: 'An operator rollback takes the lock only: the cooldown and the budget throttle retraining, not an operator undoing a bad model.',
    Choices: [isOperatorRollback('AcquireRollbackLock')],
    Default: 'AcquireLock',
  };
  c.task('AcquireRollbackLock', {
    Comment: 'Conditional write: a free (or expired) lock; the cooldown is neither checked nor changed (the item lives as long as a retrain\'s would).',
    Resource: c.arn('dynamodb:updateItem'),
    Parameters: {
      TableName: c.p.tableName,
      Key: c.lockKey,
      UpdateExpression: 'SET holder = :me, lockedUntil = :now + :ttl, acquiredAt = :now, expiresAt = :now + :expire, modelName = :model',
      ConditionExpression: 'attribute_not_exists(holder) OR lockedUntil < :now',
      ExpressionAttributeValues: {
        ':me': { 'S.$': '$$.Execution.Name' },
        ':model': { 'S.$': '$.modelName' },
        ':now': { 'N.$': '$.clock.nowText' },
        ':ttl': { 'N.$': `States.Format('{}', ${recordPath('lockTtlSeconds')})` },
        ':expire': { 'N.$': `States.Format('{}', States.MathAdd(${recordPath('lockTtlSeconds')}, ${recordPath('cooldownSeconds')}))` },
      },
    },
    ResultSelector: { held: true },
    ResultPath: '$.lock',
    Retry: [retry(DDB_TRANSIENT)],
    // The condition fails only while another execution holds the lock.
    Catch: [{ ErrorEquals: [DDB_CONDITION], ResultPath: '$.guard', Next: 'Deduplicated' }, c.catchAll()],
    Next: 'ReadChampion',
  });

  // ---- the route and the target ------------------------------------------------------------------------
  S[R.route] = { Type: 'Choice', Choices: [isOperatorRollback('CheckRollbackTarget')], Default: 'NeedsApproval' };
  const t = (field: string) => `$.trigger.${field}`;
  S.CheckRollbackTarget = {
    Type: 'Choice',
    Comment: 'The starter validated the target; a request that reaches here without one (or naming the champion) changes nothing.',
    Choices: [{
      Not: {
        And: ['toModelPackageArn', 'toModelArtifactUri', 'toVersion'].flatMap((f) => [
          { Variable: t(f), IsPresent: true }, { Variable: t(f), IsString: true },
        ]),
      },
      Next: 'RollbackTargetMissing',
    }, {
      Or: [
        { Variable: t('toModelPackageArn'), StringEqualsPath: '$.champion.modelPackageArn' },
        { Variable: t('toModelArtifactUri'), StringEqualsPath: '$.champion.modelArtifactUri' },
      ],
      Next: 'RollbackTargetIsChampion',
    }],
    Default: 'RollbackTargetHasBaseline',
  };
  S.RollbackTargetMissing = {
    Type: 'Pass',
    Result: { Error: 'RollbackTargetMissing', Cause: 'a rollback request needs toVersion, toModelPackageArn and toModelArtifactUri' },
    ResultPath: '$.error',
    Next: 'Cleanup',
  };
  S.RollbackTargetIsChampion = {
    Type: 'Pass',
    Result: { Error: 'RollbackTargetIsChampion', Cause: 'the rollback target already is the champion: nothing to do' },
    ResultPath: '$.error',
    Next: 'Cleanup',
  };
  S.RollbackTargetHasBaseline = {
    Type: 'Choice',
    Choices: [{
      And: [
        { Variable: t('toBaselineUri'), IsPresent: true },
        { Variable: t('toBaselineLocation.bucket'), IsPresent: true },
        { Variable: t('toBaselineLocation.key'), IsPresent: true },
      ],
      Next: 'RollbackCandidateWithBaseline',
    }],
    Default: 'RollbackCandidate',
  };
  const candidate = (baselineUri: Record<string, string>): Record<string, string> => ({
    'modelPackageArn.$': t('toModelPackageArn'),
    'modelArtifactUri.$': t('toModelArtifactUri'),
    // As for a trained candidate: the package version, the last segment of its ARN.
    'modelVersion.$': `States.ArrayGetItem(States.StringSplit(${t('toModelPackageArn')}, '/'), 2)`,
    ...baselineUri,
  });
  S.RollbackCandidate = {
    Type: 'Pass',
    Comment: 'A target without a recorded baseline: the DriftMonitor baseline is left as it is.',
    Parameters: candidate({ baselineUri: 'none' }),
    ResultPath: '$.candidate',
    Next: 'MarkCanaryTouched',
  };
  S.RollbackCandidateWithBaseline = {
    Type: 'Pass',
    Parameters: candidate({ 'baselineUri.$': t('toBaselineUri') }),
    ResultPath: '$.candidate',
    Next: 'RollbackBaselineSource',
  };
  S.RollbackBaselineSource = {
    Type: 'Pass',
    Comment: 'The promotion copies the new champion\'s baseline from the training output\'s baselineLocation; a rollback trains nothing, so the target\'s goes there.',
    Parameters: { 'output': { 'baselineLocation.$': t('toBaselineLocation') }, 'operatorRollback': true },
    ResultPath: '$.training',
    Next: 'MarkCanaryTouched',
  };

  // ---- after the canary: the registry and the outcome -----------------------------------------------------
  S[R.approve] = { Type: 'Choice', Choices: [isOperatorRollback('MonitorBaselineNeeded')], Default: 'ApprovePackage' };
  S[R.outcome] = { Type: 'Choice', Choices: [isOperatorRollback('ReinstatePackage')], Default: 'Promoted' };
  c.task('ReinstatePackage', {
    Comment: 'The target was Approved already: the description says who served it again (cdk-mlops history reads it).',
    Resource: c.arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.candidate.modelPackageArn',
      'ModelApprovalStatus': 'Approved',
      'ApprovalDescription.$': "States.Format('reverted by {}: operator rollback from version {} after a clean canary: {}', $$.Execution.Name, $.champion.modelVersion, $.trigger.reason)",
    },
    ResultPath: null,
    Retry: [retry(SAGEMAKER_TRANSIENT)],
    // Best effort: the package stays Approved either way; only its description is older.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.registryNoteError', Next: 'DemotedPackageKnown' }],
    Next: 'DemotedPackageKnown',
  });
  S.DemotedPackageKnown = {
    Type: 'Choice',
    Comment: 'A first champion that was never registered (modelPackageArn "none") has no package to mark.',
    Choices: [{ Variable: '$.champion.modelPackageArn', StringMatches: 'arn:*', Next: 'RejectDemotedPackage' }],
    Default: 'Reverted',
  };
  c.task('RejectDemotedPackage', {
    Comment: 'The replaced champion is marked Rejected, so the newest Approved package (what the next gate compares against) is the champion again.',
    Resource: c.arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.champion.modelPackageArn',
      'ModelApprovalStatus': 'Rejected',
      'ApprovalDescription.$': "States.Format('rolled back by {}: operator rollback to version {}: {}', $$.Execution.Name, $.candidate.modelVersion, $.trigger.reason)",
    },
    ResultPath: null,
    Retry: [retry(SAGEMAKER_TRANSIENT, 8, 2)],
    // The rollback stands (the target serves and is the champion); an Approved package newer than the champion misleads
    // the next gate, so it is a problem (InconsistentState, notified), not a failure.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.problems.registry', Next: 'Reverted' }],
    Next: 'Reverted',
  });
  c.outcome('Reverted', RetrainOutcome.REVERTED, 'Finalize');
}
