/**
 * The phases of the retraining state machine's states (lib/retraining/private/definition.ts), shared by
 * `cdk-mlops status` (what a running retrain is doing) and the simulation timeline picture.
 */

export type Phase = 'guard' | 'approval' | 'training' | 'canary' | 'promoting' | 'rollback' | 'cleanup' | 'finishing' | 'unknown';

const CANARY = /^(MarkCanaryTouched|PatchCanary|InitCanaryPoll|WaitCanaryRollout|GetCanary|CanaryReady|CountCanaryPoll|CanaryPollsLeft|ShiftTraffic|InitBake|Bake|CheckCanaryAlarms|CanaryHealthy|InitAlarmHistoryCheck|CheckCanaryAlarmHistory|AlarmHistoryClean|NextAlarmHistory|CountBake|BakeDone)$/;
const PROMOTE = /^(MarkPrimaryTouched|PatchPrimary|InitPrimaryPoll|WaitPrimaryRollout|GetPrimary|PrimaryReady|CountPrimaryPoll|PrimaryPollsLeft|PrimaryNotReady|RestoreTrafficAfterPromote|ApprovePackage|MonitorBaselineNeeded|BackupMonitorBaseline|UpdateMonitorBaseline|RecordChampion|Promoted)$/;
const GUARD = /^(LoadModelConfig|UnknownModel|Init|AcquireLock|ReadLock|LockHeldByAnother|Deduplicated|SkippedCooldown|SkippedBudget|RecordSkip|PickBudgetPeriod|Budget(Day|Week|Month)|ChargeBudget|ReadChampion|HasChampionRecord|Champion(FromRecord|FromConfig)|ReconcileNeeded|FindNewestApproved|NewestApprovedIsChampion|DescribeNewestApproved|ApprovedByAPromotion|RejectUnservedPackage|CountReconciled|NeedsApproval)$/;
// The operator rollback (lib/retraining/private/steps/operator-rollback.ts): its lock and target checks, then its registry notes.
const OPERATOR_GUARD = /^(LockForRequest|AcquireRollbackLock|RetrainOrRollback|CheckRollbackTarget|RollbackTarget(Missing|IsChampion|HasBaseline)|RollbackCandidate(WithBaseline)?|RollbackBaselineSource)$/;
const OPERATOR_PROMOTE = /^(ApproveUnlessRollback|PromotedOrReverted|ReinstatePackage|DemotedPackageKnown|RejectDemotedPackage|Reverted)$/;
const ROLLBACK = /^(CanaryNotReady|CanaryAlarm|CanaryAlarmInHistory|RestoreTrafficOnRollback|RestoreCanaryOnRollback|RejectPackage|RolledBack)$/;

/** The phase of a retraining state (`training` also for every state of the nested training state machine). */
export function phaseOf(state: string | undefined, nested = false): Phase {
  if (!state) return 'unknown';
  if (nested) return 'training';
  if (state === 'RequestApproval' || state === 'ApprovalDecision' || state === 'NotApproved') return 'approval';
  if (['TrainingContext', 'Train', 'Gate', 'Candidate', 'Rejected'].includes(state)) return 'training';
  if (CANARY.test(state)) return 'canary';
  if (PROMOTE.test(state) || OPERATOR_PROMOTE.test(state)) return 'promoting';
  if (GUARD.test(state) || OPERATOR_GUARD.test(state)) return 'guard';
  if (ROLLBACK.test(state)) return 'rollback';
  if (/^Cleanup/.test(state)) return 'cleanup';
  return 'finishing';
}

/** A colour per phase (the pictures and their legends). */
export const PHASE_COLORS: Record<Phase, string> = {
  guard: '#98a2b3',
  approval: '#9e77ed',
  training: '#4c78a8',
  canary: '#f58518',
  promoting: '#12b76a',
  rollback: '#d92d20',
  cleanup: '#b54708',
  finishing: '#475467',
  unknown: '#d0d5dd',
};
