// Faults of the retraining state machine (issue 13, defects 4 and 5): the REAL definition of examples/closed-loop.ts
// runs under aws-local-stepfunctions against the simulated AWS of bin/simulate/world.ts, which fails the scripted
// calls. Error names as the Step Functions integrations raise them ("Handling errors in Step Functions workflows";
// optimized integrations prefix the service, e.g. `DynamoDB.ConditionalCheckFailedException`, AWS SDK integrations
// `SageMaker.<Name>Exception`, supported-services-awssdk.html).
import { Template } from 'aws-cdk-lib/assertions';
import { loadClosedLoop, LoadedStack, runScenario, ScenarioResult } from '../../bin/simulate/run';
import { Fault } from '../../bin/simulate/scenario';

let loaded: LoadedStack;
beforeAll(() => {
  loaded = loadClosedLoop();
});

const run = (name: string, faults: Fault[]): Promise<ScenarioResult> => runScenario(loaded, { name, faults });
const PERMANENT = 99;

describe('a lock that cannot be released is reported (defect 4)', () => {
  test('ReleaseLock refused every time: outcome stands, lock detail in the notification, LockReleaseFailures counted', async () => {
    // The lock item was taken over (TTL passed) or the role lost dynamodb:UpdateItem: the condition fails for good.
    const r = await run('lock-stuck', [{ state: 'ReleaseLock', error: 'DynamoDB.ConditionalCheckFailedException', times: PERMANENT }]);
    expect(r.outcome).toBe('promoted');
    expect(r.lockReleased).toBe(false);
    expect(r.signals.notified).toHaveLength(1);
    expect(r.signals.notified[0].lock).toEqual({ held: true, released: false });
    expect((r.signals.notified[0].problems as any).lock.Error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(r.signals.problemMetrics).toEqual(expect.arrayContaining([expect.stringMatching(/^LockReleaseFailures\{StateMachine=/), 'LockReleaseFailures{ModelName=fraud-scoring}']));
    expect(r.signals.problemMetrics.some((m) => m.startsWith('InconsistentState'))).toBe(false);
  });

  test('a released lock says so and counts nothing', async () => {
    const r = await run('lock-ok', []);
    expect(r.outcome).toBe('promoted');
    expect(r.signals.notified[0].lock).toEqual({ held: false, released: true });
    expect(r.signals.notified[0].problems).toEqual({});
    expect(r.signals.problemMetrics).toEqual([]);
  });

  test('a notification that fails for good is counted (NotificationFailures) and never changes the outcome', async () => {
    // KMSAccessDenied is permanent: not retried (SNS_RETRY_ERRORS), caught, counted.
    const r = await run('notify-denied', [{ state: 'NotifyOutcome', error: 'SNS.KMSAccessDeniedException', times: PERMANENT }]);
    // (The TrainingPipeline has a NotifyOutcome state too: it counts its own failure under its own state machine.)
    expect(r.outcome).toBe('promoted');
    const retrainMachine = loaded.retrain.arn.split(':').pop();
    expect(r.signals.problemMetrics).toEqual(expect.arrayContaining([`NotificationFailures{StateMachine=${retrainMachine}}`, 'NotificationFailures{ModelName=fraud-scoring}']));
  });

  test('the trigger alarms on the three problem metrics of its state machine', () => {
    const t = Template.fromJSON(loaded.template as any);
    const namespace = loaded.retrain.definition.States.PublishOutcomeMetric.Parameters.Namespace;
    for (const metric of ['LockReleaseFailures', 'InconsistentState', 'NotificationFailures']) {
      const alarms = t.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: namespace, MetricName: metric, Threshold: 1, TreatMissingData: 'notBreaching' } });
      expect(Object.keys(alarms)).toHaveLength(1);
      const alarm: any = Object.values(alarms)[0];
      expect(alarm.Properties.Dimensions.map((d: any) => d.Name)).toEqual(['StateMachine']);
    }
  });
});

describe('double faults leave a consistent state or a visible signal (defect 5)', () => {
  test('RecordChampion and CleanupRejectPackage both fail for good: the candidate stays Approved, InconsistentState says so', async () => {
    const r = await run('double-fault', [
      { state: 'RecordChampion', error: 'DynamoDB.AccessDeniedException', times: PERMANENT },
      { state: 'CleanupRejectPackage', error: 'SageMaker.AccessDeniedException', times: PERMANENT },
    ]);
    expect(r.outcome).toBe('failed');
    expect(r.championAfter).toEqual(r.championBefore);
    expect(r.signals.registryAgreesWithChampion).toBe(false);
    expect((r.signals.notified[0].problems as any).registry.Error).toBe('SageMaker.AccessDeniedException');
    expect(r.signals.problemMetrics).toEqual(expect.arrayContaining([expect.stringMatching(/^InconsistentState\{StateMachine=/), 'InconsistentState{ModelName=fraud-scoring}']));
  });

  test('RecordChampion fails and CleanupRejectPackage is throttled five times: retried until the registry agrees', async () => {
    const r = await run('double-fault-transient', [
      { state: 'RecordChampion', error: 'DynamoDB.AccessDeniedException', times: PERMANENT },
      { state: 'CleanupRejectPackage', error: 'SageMaker.ThrottlingException', times: 5 },
    ]);
    expect(r.outcome).toBe('failed');
    expect(r.signals.registryAgreesWithChampion).toBe(true);
    expect(r.signals.notified[0].problems).toEqual({});
    expect(r.signals.problemMetrics).toEqual([]);
  });

  test('a failed restore of the primary (it serves the candidate, not the champion) is counted and notified', async () => {
    const r = await run('restore-primary-fails', [
      { state: 'RecordChampion', error: 'DynamoDB.AccessDeniedException', times: PERMANENT },
      { state: 'CleanupRestorePrimary', service: 'eks:call', error: 'EKS.403', cause: 'forbidden', times: PERMANENT },
    ]);
    expect(r.outcome).toBe('failed');
    expect(r.invariants.primaryServesChampion).toBe(false);
    expect((r.signals.notified[0].problems as any).primary.Error).toBe('EKS.403');
    expect(r.signals.problemMetrics).toEqual(expect.arrayContaining([expect.stringMatching(/^InconsistentState\{StateMachine=/)]));
  });

  test('a monitor baseline replaced without a kept copy (it no longer follows the champion) is counted and notified', async () => {
    const r = await run('baseline-not-restorable', [
      { state: 'BackupMonitorBaseline', error: 'S3.AccessDeniedException', times: PERMANENT },
      { state: 'RecordChampion', error: 'DynamoDB.AccessDeniedException', times: PERMANENT },
    ]);
    expect(r.outcome).toBe('failed');
    expect(r.invariants.monitorBaselineFollowsChampion).toBe(false);
    expect((r.signals.notified[0].problems as any).monitorBaseline.Error).toBe('MonitorBaselineNotRestored');
    expect(r.signals.problemMetrics).toEqual(expect.arrayContaining([expect.stringMatching(/^InconsistentState\{StateMachine=/)]));
  });
});

describe('retry lists name the errors the SDK integrations raise (item 3)', () => {
  test('SageMaker.InternalFailureException on ApprovePackage is retried (AWS SDK integration name)', async () => {
    const r = await run('approve-internal-failure', [{ state: 'ApprovePackage', error: 'SageMaker.InternalFailureException', times: 2 }]);
    expect(r.outcome).toBe('promoted');
  });

  test('SNS.KmsThrottlingException on the approval request is retried (optimized integration name)', async () => {
    const r = await runScenario(loaded, { name: 'approval-kms-throttled', requireApproval: true, faults: [{ state: 'RequestApproval', error: 'SNS.KmsThrottlingException', times: 2 }] });
    expect(r.outcome).toBe('promoted');
  });
});
