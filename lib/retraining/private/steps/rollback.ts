// The rollback after a failed canary, and the cleanup every Catch leads to.
import { recordPath } from '../../../contracts/retrain-record';
import { RetrainOutcome } from '../../retrain-trigger-options';
import { DefinitionContext, retry, S3_TRANSIENT, SAGEMAKER_TRANSIENT } from './context';

/** The rollback after a failed canary, and the cleanup every Catch leads to. */
export function addRollbackStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 6b. roll back ----------------------------------------------------------------
  c.task('RestoreTrafficOnRollback', {
    ...c.kubeCall('PATCH', c.ingressPath, undefined, recordPath('eks', 'ingressStablePatch')),
    ResultPath: null,
    Catch: [c.catchAll()],
    Next: 'RestoreCanaryOnRollback',
  });
  c.task('RestoreCanaryOnRollback', {
    ...c.kubeCall('PATCH', c.deploymentPath('canaryDeployment'), c.modelPatch('$.champion')),
    ResultPath: null,
    Catch: [c.catchAll()],
    Next: 'RejectPackage',
  });
  c.task('RejectPackage', {
    Resource: c.arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.candidate.modelPackageArn',
      ModelApprovalStatus: 'Rejected',
      'ApprovalDescription.$': "States.Format('rolled back by {}: {}', $$.Execution.Name, $.rollbackReason)",
    },
    ResultPath: null,
    Retry: [retry(SAGEMAKER_TRANSIENT)],
    Catch: [c.catchAll()],
    Next: 'RolledBack',
  });
  c.outcome('RolledBack', RetrainOutcome.ROLLED_BACK, 'Finalize');

  // ---- cleanup (every Catch) ------------------------------------------------------------
  c.outcome('Cleanup', RetrainOutcome.FAILED, 'CleanupTrafficNeeded');
  S.CleanupTrafficNeeded = {
    Type: 'Choice',
    Choices: [{ Variable: '$.canary.touched', BooleanEquals: true, Next: 'CleanupRestoreTraffic' }],
    Default: 'Finalize',
  };
  // A restore that fails leaves a state that disagrees with the champion: it goes on (the other restores still run)
  // with the error under `$.problems.<what>`, which Finalize counts (InconsistentState metric + alarm) and notifies.
  const bestEffort = (next: string, problem: string) => [{ ErrorEquals: ['States.ALL'], ResultPath: `$.problems.${problem}`, Next: next }];
  c.task('CleanupRestoreTraffic', {
    ...c.kubeCall('PATCH', c.ingressPath, undefined, recordPath('eks', 'ingressStablePatch')),
    ResultPath: null,
    Catch: bestEffort('CleanupRestoreCanary', 'traffic'),
    Next: 'CleanupRestoreCanary',
  });
  c.task('CleanupRestoreCanary', {
    ...c.kubeCall('PATCH', c.deploymentPath('canaryDeployment'), c.modelPatch('$.champion')),
    ResultPath: null,
    Catch: bestEffort('CleanupPrimaryNeeded', 'canary'),
    Next: 'CleanupPrimaryNeeded',
  });
  S.CleanupPrimaryNeeded = {
    Type: 'Choice',
    Choices: [{ Variable: '$.primary.touched', BooleanEquals: true, Next: 'CleanupRestorePrimary' }],
    Default: 'Finalize',
  };
  c.task('CleanupRestorePrimary', {
    ...c.kubeCall('PATCH', c.deploymentPath('primaryDeployment'), c.modelPatch('$.champion')),
    ResultPath: null,
    Catch: bestEffort('CleanupPackageNeeded', 'primary'),
    Next: 'CleanupPackageNeeded',
  });
  S.CleanupPackageNeeded = {
    Type: 'Choice',
    Comment: 'Approved but not recorded as champion (a later step failed): the registry must not call it the approved model.',
    Choices: [{ And: [{ Variable: '$.packageApproval.approved', IsPresent: true }, { Variable: '$.packageApproval.approved', BooleanEquals: true }], Next: 'CleanupRejectPackage' }],
    Default: 'CleanupChampionNeeded',
  };
  c.task('CleanupRejectPackage', {
    Resource: c.arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.candidate.modelPackageArn',
      ModelApprovalStatus: 'Rejected',
      'ApprovalDescription.$': "States.Format('promotion by {} failed and was undone', $$.Execution.Name)",
    },
    ResultPath: null,
    // Throttling and service errors are retried longer here: an Approved package that is not the champion misleads the next gate.
    Retry: [retry(SAGEMAKER_TRANSIENT, 8, 2)],
    Catch: bestEffort('CleanupChampionNeeded', 'registry'),
    Next: 'CleanupChampionNeeded',
  });
  S.CleanupChampionNeeded = {
    Type: 'Choice',
    Comment: 'The champion parameter names the candidate but the promotion did not complete: pods starting now must load the champion.',
    Choices: [{ And: [{ Variable: '$.championPublished.published', IsPresent: true }, { Variable: '$.championPublished.published', BooleanEquals: true }], Next: 'CleanupRestoreChampion' }],
    Default: 'CleanupMonitorBaselineNeeded',
  };
  c.task('CleanupRestoreChampion', {
    ...c.championParameterPut('$.champion'),
    ResultSelector: { published: false, restored: true },
    ResultPath: '$.championPublished',
    Catch: bestEffort('CleanupMonitorBaselineNeeded', 'champion'),
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
    }, {
      And: [{ Variable: '$.monitorBaseline.copied', IsPresent: true }, { Variable: '$.monitorBaseline.copied', BooleanEquals: true }],
      Next: 'MonitorBaselineNotRestorable',
    }],
    Default: 'Finalize',
  };
  S.MonitorBaselineNotRestorable = {
    Type: 'Pass',
    Comment: 'The candidate\'s baseline replaced the monitor\'s and no copy of the previous one was kept: the monitor no longer follows the champion.',
    Result: { Error: 'MonitorBaselineNotRestored', Cause: 'no copy of the previous baseline was kept (BackupMonitorBaseline failed)' },
    ResultPath: '$.problems.monitorBaseline',
    Next: 'Finalize',
  };
  c.task('CleanupRestoreMonitorBaseline', {
    Resource: c.arn('aws-sdk:s3:copyObject'),
    Parameters: {
      'Bucket.$': recordPath('monitorBaseline', 'bucket'),
      'Key.$': recordPath('monitorBaseline', 'key'),
      'CopySource.$': `States.Format('{}/{}.previous', ${recordPath('monitorBaseline', 'bucket')}, ${recordPath('monitorBaseline', 'key')})`,
      'MetadataDirective': 'COPY',
      'TaggingDirective': 'REPLACE',
    },
    ResultSelector: { copied: false, restored: true },
    ResultPath: '$.monitorBaseline',
    Retry: [retry(S3_TRANSIENT)],
    Catch: bestEffort('Finalize', 'monitorBaseline'),
    Next: 'Finalize',
  });
}
