// The canary: the candidate on the canary variant, traffic shifted, alarms checked while it bakes.
import { recordPath } from '../../../contracts/retrain-record';
import { DefinitionContext, retry, CLOUDWATCH_TRANSIENT } from './context';

/** The canary: the candidate on the canary variant, traffic shifted, alarms checked while it bakes. */
export function addCanaryStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 5. canary ----------------------------------------------------------------
  S.MarkCanaryTouched = { Type: 'Pass', Result: { touched: true }, ResultPath: '$.canary', Next: 'PatchCanary' };
  c.task('PatchCanary', {
    Comment: 'Points the canary variant at the candidate (pod-template annotations read by the model init container).',
    ...c.kubeCall('PATCH', c.deploymentPath('canaryDeployment'), c.modelPatch('$.candidate')),
    ResultPath: null,
    Catch: [c.catchAll()],
    Next: 'InitCanaryPoll',
  });
  c.rolloutLoop('Canary', c.kubeCall('GET', c.deploymentPath('canaryDeployment')), 'ShiftTraffic', 'CanaryNotReady');
  S.CanaryNotReady = { Type: 'Pass', Result: 'canary did not become ready', ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
  c.task('ShiftTraffic', {
    Comment: 'Weights on the ALB Ingress (precomputed patch in the per-model record).',
    ...c.kubeCall('PATCH', c.ingressPath, undefined, recordPath('eks', 'ingressCanaryPatch')),
    ResultPath: null,
    Catch: [c.catchAll()],
    Next: 'InitBake',
  });
  S.InitBake = { Type: 'Pass', Result: { n: 0 }, ResultPath: '$.bake', Next: 'Bake' };
  S.Bake = { Type: 'Wait', SecondsPath: recordPath('bakeIntervalSeconds'), Next: 'CheckCanaryAlarms' };
  c.task('CheckCanaryAlarms', {
    Comment: 'Error rate, latency and quality alarms of the canary; only those in ALARM come back.',
    Resource: c.arn('aws-sdk:cloudwatch:describeAlarms'),
    Parameters: { 'AlarmNames.$': recordPath('canaryAlarmNames'), 'AlarmTypes': ['MetricAlarm', 'CompositeAlarm'], 'StateValue': 'ALARM' },
    ResultPath: '$.bakeCheck',
    Retry: [retry(CLOUDWATCH_TRANSIENT)],
    Catch: [c.catchAll()],
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
    Choices: [{ Variable: '$.bake.n', NumericGreaterThanEqualsPath: recordPath('bakeChecks'), Next: 'MarkPrimaryTouched' }],
    Default: 'Bake',
  };
}
