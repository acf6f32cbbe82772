import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../bin/commands/simulate';
import { loadClosedLoop, loadModelFactory, LoadedStack, matchesPattern, runScenario, ScenarioResult } from '../../bin/simulate/run';
import { BUILT_IN_SCENARIOS, parseScenario, Scenario } from '../../bin/simulate/scenario';

// The closed loop of examples/closed-loop.ts, synthesized once; every scenario
// runs the REAL retraining and training definitions under the simulated AWS.
let loaded: LoadedStack;
const results = new Map<string, ScenarioResult>();
beforeAll(async () => {
  loaded = loadClosedLoop();
  for (const s of BUILT_IN_SCENARIOS) results.set(s.name, await runScenario(loaded, s));
});

const expected: Record<string, string> = {
  'drift-promote': 'promoted',
  'candidate-worse': 'rejected',
  'training-fails': 'failed',
  'throttled-then-ok': 'promoted',
  'canary-alarm-rollback': 'rolled-back',
  'approval-rejected': 'not-approved',
  'approval-timeout': 'not-approved',
  'duplicate-alarm': 'deduplicated',
  'cooldown-active': 'skipped-cooldown',
  'deploy-error': 'failed',
};

describe('built-in scenarios', () => {
  test('there are exactly the ten built-in scenarios', () => {
    expect(BUILT_IN_SCENARIOS.map((s) => s.name).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(Object.entries(expected))('%s ends %s and every invariant holds', (name, outcome) => {
    const r = results.get(name)!;
    expect(r.outcome).toBe(outcome);
    // The champion changes only on promotion.
    if (outcome === 'promoted') expect(r.championAfter).not.toEqual(r.championBefore);
    if (outcome !== 'promoted' && !r.executions.some((e) => e.outcome === 'promoted')) expect(r.championAfter).toEqual(r.championBefore);
    // The lock is released on every path.
    expect(r.lockReleased).toBe(true);
    // Exactly one terminal notification per execution.
    expect(r.notifications).toBe(r.executions.length);
    // No simulated execution exceeds 200 history events.
    expect(r.maxHistoryEvents).toBeLessThanOrEqual(200);
    expect(r.invariants).toEqual({
      championChangesOnlyOnPromotion: true,
      lockReleased: true,
      oneNotificationPerExecution: true,
      atMostOneTrainingJobPerAlarm: true,
      historyWithin200Events: true,
      primaryServesChampion: true,
      trafficBackOnPrimary: true,
      championPackageApproved: true,
      deadLettersReachQueues: true,
      monitorBaselineFollowsChampion: true,
    });
  });

  test('drift-promote: the DriftMonitor\'s baseline now holds the new champion\'s baseline (S3 CopyObject on promotion)', () => {
    const r = results.get('drift-promote')!;
    expect(r.states).toEqual(expect.arrayContaining(['ApprovePackage', 'MonitorBaselineNeeded', 'UpdateMonitorBaseline', 'RecordChampion']));
    expect(r.states.indexOf('UpdateMonitorBaseline')).toBeLessThan(r.states.indexOf('RecordChampion'));
    expect(r.monitorBaseline).toEqual({
      location: expect.stringMatching(/\/models\/fraud-scoring\/baseline\.json$/),
      changed: true,
      // The copy's source: the baseline the real TrainingPipeline handler wrote beside the promoted artifact.
      sameAs: r.championAfter.modelArtifactUri.replace(/model\.tar\.gz$/, 'baseline.json'),
    });
    expect(r.timeline.join('\n')).toMatch(/CopyObject s3:\/\/\S+\/training\/models\/fraud-scoring\/\S+\/output\/baseline\.json -> s3:\/\/\S+\/models\/fraud-scoring\/baseline\.json -> ok/);
  });

  test.each(['candidate-worse', 'canary-alarm-rollback', 'training-fails', 'deploy-error'])('%s: the DriftMonitor\'s baseline is untouched', (name) => {
    const r = results.get(name)!;
    expect(r.monitorBaseline).toMatchObject({ changed: false });
    expect(r.states).not.toContain('UpdateMonitorBaseline');
  });

  test('the endpoint loads the model named by the patched annotation: the primary pods load the champion on every path', () => {
    for (const r of results.values()) {
      // The rendered Deployments read cdk-mlops.io/model-artifact-uri through the downward API, so no note is printed.
      expect([r.scenario, r.endpointReadsModelAnnotation]).toEqual([r.scenario, true]);
      expect(r.timeline.some((l) => l.startsWith('note: the rendered model Deployments do not read'))).toBe(false);
      // What the primary's init container copies, resolved from its env against the patched pod template.
      expect([r.scenario, r.primaryLoadsArtifact]).toEqual([r.scenario, r.championAfter.modelArtifactUri]);
    }
    const promoted = results.get('drift-promote')!;
    expect(promoted.primaryLoadsArtifact).toMatch(/\/training\/models\/fraud-scoring\/[^/]+\/output\/model\.tar\.gz$/);
    expect(promoted.primaryLoadsArtifact).not.toBe(promoted.championBefore.modelArtifactUri);
    expect(results.get('canary-alarm-rollback')!.primaryLoadsArtifact).toMatch(/\/training\/models\/fraud-scoring\/v7\/$/);
  });

  test('the alarm comes from the real drift engine crossing its thresholds', () => {
    const r = results.get('drift-promote')!;
    expect(r.drift.drifted.length).toBeGreaterThan(0);
    expect(r.drift.alarm).toBe(`${loaded.starterSettings.alarmPrefix}-fraud-scoring-drift`);
    expect(r.starter).toEqual([{ status: 'started', name: r.executions[0].name, reason: undefined }]);
    // Execution name: model, trigger kind and a hash of the alarm episode.
    expect(r.executions[0].name).toMatch(/^fraud-scoring-alarm-[0-9a-f]{16}$/);
  });

  test('drift-promote: trains once, canaries, promotes; the new champion is the approved candidate', () => {
    const r = results.get('drift-promote')!;
    expect(r.trainingJobsStarted).toBe(1);
    expect(r.states).toEqual(expect.arrayContaining(['AcquireLock', 'ChargeBudget', 'Train', 'Gate', 'PatchCanary', 'ShiftTraffic', 'CheckCanaryAlarms', 'PatchPrimary', 'ApprovePackage', 'RecordChampion', 'ReleaseLock', 'NotifyOutcome']));
    expect(r.states.filter((s) => s === 'CheckCanaryAlarms')).toHaveLength(3);
    expect(r.championAfter.modelPackageArn).toMatch(/model-package\/fraud-scoring\/2$/);
    expect(r.championAfter.modelArtifactUri).toMatch(/^s3:\/\/.+\/training\/models\/fraud-scoring\/.+\/output\/model\.tar\.gz$/);
  });

  test('candidate-worse: the pipeline gate rejects it; nothing is deployed', () => {
    const r = results.get('candidate-worse')!;
    expect(r.trainingJobsStarted).toBe(1);
    expect(r.states).toContain('Rejected');
    expect(r.states).not.toContain('PatchCanary');
  });

  test('training-fails and deploy-error end in the cleanup path; deploy-error restores traffic and canary', () => {
    expect(results.get('training-fails')!.states).toEqual(expect.arrayContaining(['Cleanup', 'ReleaseLock', 'RetrainFailed']));
    expect(results.get('training-fails')!.states).not.toContain('CleanupRestoreCanary');
    const d = results.get('deploy-error')!;
    expect(d.states).toEqual(expect.arrayContaining(['PatchCanary', 'Cleanup', 'CleanupRestoreTraffic', 'CleanupRestoreCanary', 'ReleaseLock', 'RetrainFailed']));
    expect(d.states).not.toContain('PatchPrimary');
  });

  test('throttled-then-ok: the throttled calls are retried (backoff with full jitter) and the loop completes', () => {
    const r = results.get('throttled-then-ok')!;
    const text = r.timeline.join('\n');
    expect(text).toMatch(/AcquireLock[\s\S]*ERROR DynamoDB\.ThrottlingException[\s\S]*retry 1 of 4 after [0-9.]+ s \(backoff 1 s, FULL jitter\)/);
    expect(text).toMatch(/ERROR SageMaker\.ThrottlingException/);
    expect(r.trainingJobsStarted).toBe(1);
  });

  test('canary-alarm-rollback: traffic back to primary, canary restored, package Rejected', () => {
    const r = results.get('canary-alarm-rollback')!;
    expect(r.states).toEqual(expect.arrayContaining(['CanaryAlarm', 'RestoreTrafficOnRollback', 'RestoreCanaryOnRollback', 'RejectPackage']));
    expect(r.states).not.toContain('PatchPrimary');
    expect(r.timeline.join('\n')).toMatch(/UpdateModelPackage \S+\/fraud-scoring\/2 -> Rejected/);
  });

  test('approval-rejected / approval-timeout: nothing trains', () => {
    for (const name of ['approval-rejected', 'approval-timeout']) {
      const r = results.get(name)!;
      expect(r.states).toContain('RequestApproval');
      expect(r.trainingJobsStarted).toBe(0);
    }
  });

  test('duplicate-alarm: the redelivery starts no execution, the second alarm is deduplicated; one training job', () => {
    const r = results.get('duplicate-alarm')!;
    expect(r.executions.map((e) => e.outcome)).toEqual(['promoted', 'deduplicated']);
    expect(r.trainingJobsStarted).toBe(1);
    // The redelivered event maps to the same execution name (Step Functions returns the running execution).
    expect(r.starter.filter((s) => s.name === r.executions[0].name).map((s) => s.status)).toEqual(['started', 'already-running']);
    expect(r.executions[1].states).toEqual(expect.arrayContaining(['AcquireLock', 'ReadLock', 'Deduplicated', 'RecordSkip']));
    expect(r.executions[1].states).not.toContain('Train');
  });

  test('cooldown-active: refused by the guard and recorded', () => {
    const r = results.get('cooldown-active')!;
    expect(r.states).toEqual(expect.arrayContaining(['AcquireLock', 'ReadLock', 'SkippedCooldown', 'RecordSkip', 'NotifyOutcome']));
    expect(r.trainingJobsStarted).toBe(0);
  });
});

describe('scenario files', () => {
  test('a scenario file scripts the same behaviours (budget exhausted)', async () => {
    const s: Scenario = parseScenario({ name: 'budget-spent', state: { budgetUsed: 4 }, expect: { outcome: 'skipped-budget' } });
    const r = await runScenario(loaded, s);
    expect(r.outcome).toBe('skipped-budget');
    expect(r.lockReleased).toBe(true);
    expect(r.trainingJobsStarted).toBe(0);
  });

  test('a slow canary rollout is polled until ready; one that never rolls out is rolled back', async () => {
    const slow = await runScenario(loaded, parseScenario({ name: 'slow', rollout: { canaryPollsUntilReady: 3 } }));
    expect(slow.outcome).toBe('promoted');
    expect(slow.states.filter((x) => x === 'GetCanary')).toHaveLength(3);
    const never = await runScenario(loaded, parseScenario({ name: 'never', rollout: { canaryPollsUntilReady: 0 } }));
    expect(never.outcome).toBe('rolled-back');
    expect(never.states).toContain('CanaryNotReady');
    expect(never.maxHistoryEvents).toBeLessThanOrEqual(200);
    expect(never.invariants.lockReleased && never.invariants.primaryServesChampion && never.invariants.trafficBackOnPrimary).toBe(true);
  });

  test('a failure after the approval undoes the promotion: primary back to the champion, package Rejected', async () => {
    const r = await runScenario(loaded, parseScenario({ name: 'record-fails', faults: [{ state: 'RecordChampion', error: 'DynamoDB.InternalServerErrorException', times: 99 }] }));
    expect(r.outcome).toBe('failed');
    expect(r.states).toEqual(expect.arrayContaining(['ApprovePackage', 'Cleanup', 'CleanupRestoreTraffic', 'CleanupRestoreCanary', 'CleanupRestorePrimary', 'CleanupRejectPackage', 'ReleaseLock']));
    expect(r.championAfter).toEqual(r.championBefore);
    expect(r.invariants).toMatchObject({ lockReleased: true, primaryServesChampion: true, trafficBackOnPrimary: true, championChangesOnlyOnPromotion: true });
    expect(r.timeline.join('\n')).toMatch(/UpdateModelPackage \S+\/fraud-scoring\/2 -> Rejected/);
    // The candidate's baseline had been copied over the monitor's: the kept copy is put back.
    expect(r.states).toEqual(expect.arrayContaining(['BackupMonitorBaseline', 'UpdateMonitorBaseline', 'CleanupMonitorBaselineNeeded', 'CleanupRestoreMonitorBaseline']));
    expect(r.monitorBaseline).toMatchObject({ changed: false });
    expect(r.invariants.monitorBaselineFollowsChampion).toBe(true);
  });

  test('a baseline copy that keeps failing undoes the promotion; the monitor keeps the champion\'s baseline', async () => {
    const r = await runScenario(loaded, parseScenario({ name: 'copy-fails', faults: [{ state: 'UpdateMonitorBaseline', error: 'S3.S3Exception', cause: 'Access Denied', times: 99 }] }));
    expect(r.outcome).toBe('failed');
    expect(r.states).toEqual(expect.arrayContaining(['UpdateMonitorBaseline', 'Cleanup', 'CleanupRestorePrimary', 'CleanupRejectPackage', 'ReleaseLock']));
    expect(r.states).not.toContain('RecordChampion');
    expect(r.states).not.toContain('CleanupRestoreMonitorBaseline');
    expect(r.timeline.join('\n')).toMatch(/UpdateMonitorBaseline[\s\S]*retry 1 of 4 after [0-9.]+ s \(backoff 1 s, FULL jitter\)/);
    expect(r.monitorBaseline).toMatchObject({ changed: false });
    expect(r.invariants).toMatchObject({ monitorBaselineFollowsChampion: true, primaryServesChampion: true, championChangesOnlyOnPromotion: true, lockReleased: true });
  });

  test('no drift: no alarm, nothing starts', async () => {
    const r = await runScenario(loaded, parseScenario({ name: 'calm', drift: { shift: 0 } }));
    expect(r.outcome).toBe('no-drift');
    expect(r.drift.drifted).toEqual([]);
    expect(r.executions).toEqual([]);
  });

  test('every built-in scenario is expressible as a scenario file (same format)', () => {
    for (const s of BUILT_IN_SCENARIOS) expect(parseScenario(JSON.parse(JSON.stringify(s)), s.name)).toEqual(s);
  });

  test.each([
    [{}, /name must be/],
    [{ name: 'x', bogus: 1 }, /bogus is not a scenario field/],
    [{ name: 'x', approval: 'maybe' }, /approval must be/],
    [{ name: 'x', faults: [{ state: 'AcquireLock' }] }, /faults\[0\]\.error must name the error/],
    [{ name: 'x', faults: [{ error: 'X' }] }, /faults\[0\] needs a state or a service/],
    [{ name: 'x', expect: { outcome: 'great' } }, /expect\.outcome must be one of/],
    [{ name: 'x', drift: { shift: -1 } }, /drift\.shift must be a number between 0 and 20/],
  ])('invalid scenario %j is rejected with the field named', (value, message) => {
    expect(() => parseScenario(value, 'file.json')).toThrow(message);
  });

  test('CLI: --scenario-file with --json prints one JSON object last and exits 0 on the expected outcome', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const file = join(dir, 'rollback.json');
    writeFileSync(file, JSON.stringify({ name: 'my-rollback', canary: { alarmAtCheck: 1 }, expect: { outcome: 'rolled-back' } }));
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { lines.push(a.join(' ')); });
    let code: number;
    try {
      code = await simulate.run(['--scenario-file', file, '--json']);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const last = JSON.parse(lines[lines.length - 1]);
    expect(Object.keys(last)).toEqual(expect.arrayContaining(['scenario', 'outcome', 'championBefore', 'championAfter', 'lockReleased', 'notifications', 'trainingJobsStarted', 'states']));
    expect([last.scenario, last.outcome, last.lockReleased, last.notifications, last.trainingJobsStarted]).toEqual(['my-rollback', 'rolled-back', true, 1, 1]);
  });

  test('CLI: an unknown scenario is a usage error', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await simulate.run(['--scenario', 'nope'])).toBe(2);
      expect(spy.mock.calls.join(' ')).toMatch(/unknown scenario "nope"/);
    } finally {
      spy.mockRestore();
    }
  });
});

// The simulator fails where AWS would (issue 11): each test below is written from the AWS documentation cited.
describe('AWS semantics the simulator enforces', () => {
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html: `$or` is ANDed with sibling fields.
  test('EventBridge: the manual request of docs/retrain-trigger.md matches a rule of the stack, and an OK transition does not', () => {
    const manual = {
      'version': '0', 'id': 'm1', 'detail-type': 'Retrain Requested', 'source': 'cdk-mlops.retrain', 'account': '123456789012',
      'time': '2026-11-27T09:00:00Z', 'region': 'us-east-1', 'resources': [], 'detail': { modelName: 'fraud-scoring' },
    };
    expect(loaded.rulePatterns.some((p) => matchesPattern(p, manual))).toBe(true);
    const ok = {
      'version': '0', 'id': 'a1', 'detail-type': 'CloudWatch Alarm State Change', 'source': 'aws.cloudwatch', 'account': '123456789012',
      'time': '2026-11-27T09:00:00Z', 'region': 'us-east-1', 'resources': [],
      'detail': { alarmName: `${loaded.starterSettings.alarmPrefix}-fraud-scoring-drift`, state: { value: 'OK' } },
    };
    expect(loaded.rulePatterns.some((p) => matchesPattern(p, ok))).toBe(false);
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/connect-eks.html: eks:call supports only clusters with a public endpoint.
  test('EKS: the example\'s private-endpoint cluster is reached by the in-VPC caller; the same definition with eks:call is refused', async () => {
    const promoted = results.get('drift-promote')!;
    expect(promoted.outcome).toBe('promoted');
    const kubeStates = Object.entries<any>(loaded.retrain.definition.States).filter(([, s]) => JSON.stringify(s.Parameters ?? {}).includes('"Path.$"'));
    expect(kubeStates.length).toBeGreaterThan(0);
    expect(kubeStates.every(([, s]) => /:lambda:.*:function:/.test(s.Resource))).toBe(true);
    // The same stack as if the loop used eks:call: AWS cannot reach the private endpoint, so the canary fails and is cleaned up.
    const definition = JSON.parse(JSON.stringify(loaded.retrain.definition));
    for (const [name] of kubeStates) definition.States[name].Resource = 'arn:aws:states:::eks:call';
    const viaEksCall = { ...loaded, retrain: { ...loaded.retrain, definition } };
    const r = await runScenario(viaEksCall, BUILT_IN_SCENARIOS.find((s) => s.name === 'drift-promote')!);
    expect(r.outcome).toBe('failed');
    expect(r.timeline.join('\n')).toMatch(/EKS.EndpointUnreachable: eks:call supports only clusters with a public endpoint/);
    expect(r.championAfter).toEqual(r.championBefore);
  });

  // Done-when of issue 11: the factory example, with its default (private) cluster, runs every built-in scenario green.
  test('the model-factory example (private cluster, shard records, per-model canary alarms): every built-in scenario as expected', async () => {
    const factory = loadModelFactory();
    for (const s of BUILT_IN_SCENARIOS) {
      const r = await runScenario(factory, s);
      expect({ scenario: s.name, outcome: r.outcome, broken: Object.entries(r.invariants).filter(([, v]) => !v).map(([k]) => k) })
        .toEqual({ scenario: s.name, outcome: s.expect?.outcome, broken: [] });
      if (s.name === 'drift-promote') {
        expect(r.states).toContain('PatchCanary');
        expect(r.timeline.join('\n')).toMatch(/kube:in-vpc\s+PATCH \/apis\/apps\/v1\/namespaces\/fraud-0000\/deployments\/fraud-0000-canary/);
      }
    }
    // The shard records name the platform's cluster (its SSM-published values resolved): eks:call to it is refused.
    expect(factory.template.Resources[[...factory.records.values()][0].eks.clusterName]?.Type).toBe('AWS::EKS::Cluster');
    const definition = JSON.parse(JSON.stringify(factory.retrain.definition));
    for (const s of Object.values<any>(definition.States)) if (/:lambda:/.test(s.Resource ?? '')) s.Resource = 'arn:aws:states:::eks:call';
    const viaEksCall = await runScenario({ ...factory, retrain: { ...factory.retrain, definition } }, BUILT_IN_SCENARIOS[0]);
    expect(viaEksCall.outcome).toBe('failed');
    expect(viaEksCall.timeline.join('\n')).toMatch(/EKS.EndpointUnreachable/);
  }, 600_000);
});
