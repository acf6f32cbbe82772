// The promotion: the primary gets the candidate, traffic back, package approved, monitor baseline replaced, champion recorded.
import { recordPath } from '../../../contracts/retrain-record';
import { RetrainOutcome } from '../../retrain-trigger-options';
import { DefinitionContext, retry, DDB_TRANSIENT, S3_TRANSIENT, SAGEMAKER_TRANSIENT } from './context';
import { OPERATOR_ROLLBACK_STATES } from './operator-rollback';

/** The promotion: the primary gets the candidate, traffic back, package approved, monitor baseline replaced, champion recorded. */
export function addPromoteStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 6a. promote ----------------------------------------------------------------
  S.MarkPrimaryTouched = { Type: 'Pass', Result: { touched: true }, ResultPath: '$.primary', Next: 'PatchPrimary' };
  c.task('PatchPrimary', {
    Comment: 'The primary variant gets the verified candidate (RollingUpdate, maxUnavailable 0).',
    ...c.kubeCall('PATCH', c.deploymentPath('primaryDeployment'), c.modelPatch('$.candidate')),
    ResultPath: null,
    Catch: [c.catchAll()],
    Next: 'InitPrimaryPoll',
  });
  c.rolloutLoop('Primary', c.kubeCall('GET', c.deploymentPath('primaryDeployment')), 'RestoreTrafficAfterPromote', 'PrimaryNotReady');
  S.PrimaryNotReady = {
    Type: 'Pass', Parameters: { Error: 'PrimaryRolloutTimeout', Cause: 'the primary did not become ready' }, ResultPath: '$.error', Next: 'Cleanup',
  };
  c.task('RestoreTrafficAfterPromote', {
    ...c.kubeCall('PATCH', c.ingressPath, undefined, recordPath('eks', 'ingressStablePatch')),
    ResultPath: null,
    Catch: [c.catchAll()],
    // ApprovePackage, unless an operator rollback (its target is Approved already).
    Next: OPERATOR_ROLLBACK_STATES.approve,
  });
  c.task('ApprovePackage', {
    Resource: c.arn('aws-sdk:sagemaker:updateModelPackage'),
    Parameters: {
      'ModelPackageArn.$': '$.candidate.modelPackageArn',
      ModelApprovalStatus: 'Approved',
      'ApprovalDescription.$': "States.Format('promoted by {} after a clean canary', $$.Execution.Name)",
    },
    ResultSelector: { approved: true },
    ResultPath: '$.packageApproval',
    Retry: [retry(SAGEMAKER_TRANSIENT)],
    Catch: [c.catchAll()],
    Next: 'MonitorBaselineNeeded',
  });
  S.MonitorBaselineNeeded = {
    Type: 'Choice',
    Comment: 'Models with a DriftMonitor baseline location: the monitor compares against the new champion\'s baseline from now on.',
    // A trained candidate always has a baseline location here (the Gate checks it); an operator rollback's target may not.
    Choices: [{
      And: [{ Variable: recordPath('monitorBaseline'), IsPresent: true }, { Variable: '$.training.output.baselineLocation.bucket', IsPresent: true }],
      Next: 'BackupMonitorBaseline',
    }],
    Default: 'ChampionValue',
  };
  c.task('BackupMonitorBaseline', {
    Comment: 'Keeps the current baseline as <key>.previous, so a failure before the champion is recorded can put it back.',
    Resource: c.arn('aws-sdk:s3:copyObject'),
    Parameters: {
      'Bucket.$': recordPath('monitorBaseline', 'bucket'),
      'Key.$': `States.Format('{}.previous', ${recordPath('monitorBaseline', 'key')})`,
      'CopySource.$': `States.Format('{}/{}', ${recordPath('monitorBaseline', 'bucket')}, ${recordPath('monitorBaseline', 'key')})`,
      'MetadataDirective': 'COPY',
      'TaggingDirective': 'REPLACE',
    },
    ResultSelector: { saved: true },
    ResultPath: '$.monitorBaselineBackup',
    Retry: [retry(S3_TRANSIENT, 2)],
    // Best effort: no baseline yet (a new model; S3 reports a missing copy source as a generic S3 error) or no
    // copy kept means the cleanup cannot restore it, not that the promotion stops.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.monitorBaselineBackup', Next: 'UpdateMonitorBaseline' }],
    Next: 'UpdateMonitorBaseline',
  });
  c.task('UpdateMonitorBaseline', {
    Comment: 'Copies the promoted candidate\'s baseline (beside its artifact) over the DriftMonitor\'s baseline key; a rollback never gets here.',
    Resource: c.arn('aws-sdk:s3:copyObject'),
    Parameters: {
      'Bucket.$': recordPath('monitorBaseline', 'bucket'),
      'Key.$': recordPath('monitorBaseline', 'key'),
      'CopySource.$': "States.Format('{}/{}', $.training.output.baselineLocation.bucket, $.training.output.baselineLocation.key)",
      'MetadataDirective': 'COPY',
      'TaggingDirective': 'REPLACE',
    },
    ResultSelector: { 'copied': true, 'etag.$': '$.CopyObjectResult.ETag' },
    ResultPath: '$.monitorBaseline',
    // The same source over the same key: a retried copy is idempotent.
    Retry: [retry(S3_TRANSIENT)],
    Catch: [c.catchAll()],
    Next: 'ChampionValue',
  });
  S.ChampionValue = {
    Type: 'Pass',
    Comment: 'What the champion parameter holds (the pods\' init container reads modelArtifactUri from it).',
    Parameters: {
      'modelPackageArn.$': '$.candidate.modelPackageArn',
      'modelArtifactUri.$': '$.candidate.modelArtifactUri',
      'modelVersion.$': '$.candidate.modelVersion',
      'promotedBy.$': '$$.Execution.Name',
    },
    ResultPath: '$.championValue',
    Next: 'PublishChampion',
  };
  c.task('PublishChampion', {
    Comment: 'The champion parameter (no template declares it, so a redeploy keeps it): pods read it when they start.',
    ...c.championParameterPut('$.championValue'),
    ResultSelector: { published: true },
    ResultPath: '$.championPublished',
    Catch: [c.catchAll()],
    Next: 'RecordChampion',
  });
  c.task('RecordChampion', {
    Resource: c.arn('dynamodb:putItem'),
    Parameters: {
      TableName: c.p.tableName,
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
    Catch: [c.catchAll()],
    // Promoted, or the registry notes of an operator rollback and Reverted.
    Next: OPERATOR_ROLLBACK_STATES.outcome,
  });
  c.outcome('Promoted', RetrainOutcome.PROMOTED, 'Finalize');
}
