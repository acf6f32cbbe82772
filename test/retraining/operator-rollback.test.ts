// The operator rollback (`cdk-mlops rollback`, lib/retraining/private/steps/operator-rollback.ts): the REAL retraining
// definition of examples/closed-loop.ts runs under aws-local-stepfunctions against the simulated AWS of
// bin/simulate/world.ts, started by the real starter from the event the command puts (lib/contracts/operations.ts).
// Registry semantics as the SageMaker API Reference documents them (UpdateModelPackage sets ModelApprovalStatus;
// ListModelPackages filtered by ModelApprovalStatus, sorted by CreationTime, is how the TrainingPipeline's gate and
// `cdk-mlops status` find the approved champion).
import { loadClosedLoop, LoadedStack, runScenario, ScenarioResult } from '../../bin/simulate/run';
import { BUILT_IN_SCENARIOS, parseScenario, Scenario } from '../../bin/simulate/scenario';

let loaded: LoadedStack;
beforeAll(() => {
  loaded = loadClosedLoop();
});

const builtIn = (name: string): Scenario => BUILT_IN_SCENARIOS.find((s) => s.name === name)!;
const PERMANENT = 99;
const GUARD_OF_RETRAINS = ['AcquireLock', 'ChargeBudget', 'RequestApproval', 'Train', 'Gate', 'ApprovePackage'];

function servesVersion(r: ScenarioResult, version: number): void {
  // The primary's pods load that version's artifact, now and after a redeploy (they read the champion parameter).
  expect(r.primaryLoadsArtifact).toMatch(new RegExp(`/v${version}/output/model\\.tar\\.gz$`));
  expect(r.primaryLoadsAfterRedeploy).toBe(r.primaryLoadsArtifact);
}

describe('an operator rollback goes through the loop', () => {
  test('built-in operator-rollback: champion 8, rollback -> 7 serves and is the champion, outcome reverted, nothing trains', async () => {
    const r = await runScenario(loaded, builtIn('operator-rollback'));
    expect(r.outcome).toBe('reverted');
    expect(r.expected).toBe('reverted');
    expect(r.championBefore.modelVersion).toBe('8');
    expect(r.championAfter).toMatchObject({ modelVersion: '7', modelPackageArn: expect.stringMatching(/model-package\/fraud-scoring\/7$/) });
    servesVersion(r, 7);
    expect(r.trainingJobsStarted).toBe(0);
    // The lock only: the cooldown of the last retrain and the spent budget (the scenario's prior state) do not apply.
    expect(r.states).toEqual(expect.arrayContaining(['AcquireRollbackLock', 'PatchCanary', 'CheckCanaryAlarms', 'PatchPrimary', 'ReinstatePackage', 'RejectDemotedPackage', 'Reverted']));
    for (const s of GUARD_OF_RETRAINS) expect(r.states).not.toContain(s);
    // The registry agrees: 8 is Rejected, so the newest Approved package (what the next gate compares against) is 7.
    expect(r.signals.newestApprovedPackage).toBe(r.championAfter.modelPackageArn);
    // The DriftMonitor compares against version 7's baseline from now on.
    expect(r.monitorBaseline).toMatchObject({ changed: true, sameAs: expect.stringMatching(/\/fraud-scoring\/v7\/output\/baseline\.json$/) });
    expect(r.signals.notified).toEqual([expect.objectContaining({ outcome: 'reverted', problems: {} })]);
    expect(r.signals.problemMetrics).toEqual([]);
    expect(Object.entries(r.invariants).filter(([, ok]) => !ok)).toEqual([]);
  });

  test('built-in operator-rollback-locked: a running retrain holds the lock -> deduplicated, 8 keeps serving', async () => {
    const r = await runScenario(loaded, builtIn('operator-rollback-locked'));
    expect(r.outcome).toBe('deduplicated');
    expect(r.championAfter).toEqual(r.championBefore);
    servesVersion(r, 8);
    expect(r.states).toEqual(expect.arrayContaining(['AcquireRollbackLock', 'Deduplicated', 'RecordSkip']));
    expect(r.states).not.toContain('PatchCanary');
    expect(r.trainingJobsStarted).toBe(0);
  });

  test('--to 3: any older Approved version can be named', async () => {
    const r = await runScenario(loaded, { name: 'to-3', rollback: { versions: 8, toVersion: 3 } });
    expect(r.outcome).toBe('reverted');
    expect(r.championAfter.modelVersion).toBe('3');
    servesVersion(r, 3);
    expect(r.signals.registryAgreesWithChampion).toBe(false); // 7 is still Approved and newer than 3 ...
    expect(r.signals.newestApprovedPackage).toMatch(/\/7$/); // ... only the replaced champion (8) is marked Rejected.
  });

  test('the rollback\'s canary alarms: the champion keeps serving (rolled-back), the target is marked Rejected', async () => {
    const r = await runScenario(loaded, { name: 'rb-canary', rollback: { versions: 8 }, canary: { alarmAtCheck: 2 } });
    expect(r.outcome).toBe('rolled-back');
    expect(r.championAfter).toEqual(r.championBefore);
    servesVersion(r, 8);
    expect(r.states).toEqual(expect.arrayContaining(['RestoreTrafficOnRollback', 'RestoreCanaryOnRollback', 'RejectPackage']));
    expect(r.states).not.toContain('PatchPrimary');
    expect(r.signals.registryAgreesWithChampion).toBe(true);
    expect(r.monitorBaseline?.changed).toBe(false);
    expect(Object.entries(r.invariants).filter(([, ok]) => !ok)).toEqual([]);
  });

  test('a target registered without a baseline: it serves, the DriftMonitor baseline is left as it was', async () => {
    const r = await runScenario(loaded, { name: 'rb-no-baseline', rollback: { versions: 8, withoutBaseline: 7 } });
    expect(r.outcome).toBe('reverted');
    servesVersion(r, 7);
    expect(r.states).toContain('RollbackCandidate');
    expect(r.states).not.toContain('UpdateMonitorBaseline');
    expect(r.monitorBaseline?.changed).toBe(false);
    // What docs/operations.md says: the monitor still compares against the replaced champion's baseline.
    expect(r.invariants.monitorBaselineFollowsChampion).toBe(false);
  });

  test('a failure after the champion parameter was written: cleanup restores 8 everywhere; 7 stays Approved (not rejected)', async () => {
    const r = await runScenario(loaded, { name: 'rb-record-fails', rollback: { versions: 8 }, faults: [{ state: 'RecordChampion', error: 'DynamoDB.AccessDeniedException', times: PERMANENT }] });
    expect(r.outcome).toBe('failed');
    expect(r.championAfter).toEqual(r.championBefore);
    servesVersion(r, 8);
    expect(r.states).not.toContain('CleanupRejectPackage');
    expect(r.monitorBaseline?.changed).toBe(false);
    expect(r.signals.registryAgreesWithChampion).toBe(true);
    expect(Object.entries(r.invariants).filter(([, ok]) => !ok)).toEqual([]);
  });

  test('the replaced champion cannot be marked Rejected: the rollback stands, InconsistentState says the registry disagrees', async () => {
    const r = await runScenario(loaded, { name: 'rb-demote-fails', rollback: { versions: 8 }, faults: [{ state: 'RejectDemotedPackage', error: 'SageMaker.AccessDeniedException', times: PERMANENT }] });
    expect(r.outcome).toBe('reverted');
    servesVersion(r, 7);
    expect(r.signals.registryAgreesWithChampion).toBe(false);
    expect((r.signals.notified[0].problems as any).registry.Error).toBe('SageMaker.AccessDeniedException');
    expect(r.signals.problemMetrics).toEqual(expect.arrayContaining([expect.stringMatching(/^InconsistentState\{StateMachine=/), 'InconsistentState{ModelName=fraud-scoring}']));
  });
});

describe('the scenario format takes a rollback', () => {
  test('bad rollback fields name the JSON path', () => {
    expect(() => parseScenario({ name: 'x', rollback: { versions: 1 } })).toThrow(/\$\.rollback\.versions: must be an integer between 2 and 1000/);
    expect(() => parseScenario({ name: 'x', rollback: { versions: 4, toVersion: 4 } })).toThrow(/\$\.rollback\.toVersion: must be older than the champion \(version 4\)/);
    expect(() => parseScenario({ name: 'x', rollback: { to: 3 } })).toThrow(/\$\.rollback\.to: unknown field/);
    expect(() => parseScenario({ name: 'x', rollback: {}, duplicates: { redeliver: true } })).toThrow(/\$\.duplicates/);
    expect(parseScenario({ name: 'x', rollback: { versions: 3, toVersion: 1 }, expect: { outcome: 'reverted' } }).rollback).toEqual({ versions: 3, toVersion: 1 });
  });
});
