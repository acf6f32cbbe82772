// The rollback after a failed canary, and the cleanup every Catch leads to.
import { recordPath } from '../../../contracts/retrain-record';
import { RetrainOutcome } from '../../retrain-trigger-options';
import { DefinitionContext, retry, IDEMPOTENT, SAGEMAKER_TRANSIENT } from './context';

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
  const bestEffort = (next: string) => [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: next }];
  c.task('CleanupRestoreTraffic', {
    ...c.kubeCall('PATCH', c.ingressPath, undefined, recordPath('eks', 'ingressStablePatch')),
    ResultPath: null,
    Catch: bestEffort('CleanupRestoreCanary'),
    Next: 'CleanupRestoreCanary',
  });
  c.task('CleanupRestoreCanary', {
    ...c.kubeCall('PATCH', c.deploymentPath('canaryDeployment'), c.modelPatch('$.champion')),
    ResultPath: null,
    Catch: bestEffort('CleanupPrimaryNeeded'),
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
    Catch: bestEffort('CleanupPackageNeeded'),
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
    Retry: [retry(SAGEMAKER_TRANSIENT)],
    Catch: bestEffort('CleanupChampionNeeded'),
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
    Retry: [retry(IDEMPOTENT)],
    Catch: bestEffort('Finalize'),
    Next: 'Finalize',
  });
}
