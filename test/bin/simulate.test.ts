import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClosedLoop, loadModelFactory, LoadedStack, matchesPattern, runScenario, ScenarioResult, stackFacts } from '../../bin/simulate/run';
import { BUILT_IN_SCENARIOS, checkScenarioAgainstStack, parseScenario, readScenarioFile, Scenario } from '../../bin/simulate/scenario';
import { CliRun, runCliCapture } from '../util/cli';

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
  'operator-rollback': 'reverted',
  'operator-rollback-locked': 'deduplicated',
};

describe('built-in scenarios', () => {
  test('there are exactly the twelve built-in scenarios', () => {
    expect(BUILT_IN_SCENARIOS.map((s) => s.name).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(Object.entries(expected))('%s ends %s and every invariant holds', (name, outcome) => {
    const r = results.get(name)!;
    expect(r.outcome).toBe(outcome);
    // The champion changes only on promotion (or an operator rollback that passed its canary: reverted).
    const changes = ['promoted', 'reverted'];
    if (changes.includes(outcome)) expect(r.championAfter).not.toEqual(r.championBefore);
    if (!changes.includes(outcome) && !r.executions.some((e) => changes.includes(e.outcome))) expect(r.championAfter).toEqual(r.championBefore);
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
      redeployKeepsChampion: true,
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
    expect(r.invariants).toMatchObject({
      lockReleased: true,
      primaryServesChampion: true,
      trafficBackOnPrimary: true,
      championChangesOnlyOnPromotion: true,
    });
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
    expect(r.invariants).toMatchObject({
      monitorBaselineFollowsChampion: true,
      primaryServesChampion: true,
      championChangesOnlyOnPromotion: true,
      lockReleased: true,
    });
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
    [{}, /^file\.json: \$\.name: is required/],
    [{ name: 'x', bogus: 1 }, /^file\.json: \$\.bogus: unknown field \(known: name, description/],
    [{ name: 'x', approval: 'maybe' }, /^file\.json: \$\.approval: must be one of "approve", "reject", "timeout", got "maybe"$/],
    [{ name: 'x', faults: [{ state: 'AcquireLock' }] }, /^file\.json: \$\.faults\[0\]\.error: is required/],
    [{ name: 'x', faults: [{ error: 'X' }] }, /^file\.json: \$\.faults\[0\]: needs a "state" or a "service"/],
    [{ name: 'x', expect: { outcome: 'great' } }, /^file\.json: \$\.expect\.outcome: must be one of "promoted"/],
    [{ name: 'x', drift: { shift: -1 } }, /^file\.json: \$\.drift\.shift: must be a number between 0 and 20, got -1$/],
    // Issue 13, defect 6: these were accepted (the fault a silent no-op, the scenario "passing").
    [{ name: 'x', faults: [{ state: 'AcquireLock', error: 'E', times: 1.5 }] }, /^file\.json: \$\.faults\[0\]\.times: must be a whole number, got 1\.5$/],
    [{ name: 'x', faults: [{ state: 'AcquireLock', error: 'E', times: '2' }] }, /^file\.json: \$\.faults\[0\]\.times: must be an integer, got "2"$/],
    [{ name: 'x', faults: [{ state: 7, error: 'E' }] }, /^file\.json: \$\.faults\[0\]\.state: must be a string, got number 7$/],
    [{ name: 'x', faults: [{ state: 'AcquireLock', error: 'E', retries: 2 }] }, /^file\.json: \$\.faults\[0\]\.retries: unknown field \(known: state, service, error, cause, times\)$/],
    [{ name: 'x', faults: [null] }, /^file\.json: \$\.faults\[0\]: must be an object, got null$/],
    [{ name: 'x', faults: { state: 'AcquireLock' } }, /^file\.json: \$\.faults: must be an array, got an object$/],
    [{ name: 'x', requireApproval: 'yes' }, /^file\.json: \$\.requireApproval: must be true or false, got "yes"$/],
    [{ name: 'x', duplicates: { redeliver: 1 } }, /^file\.json: \$\.duplicates\.redeliver: must be true or false, got number 1$/],
    [{ name: 'x', duplicates: { secondAlarmSuffix: 5 } }, /^file\.json: \$\.duplicates\.secondAlarmSuffix: must be a string/],
    [{ name: 'x', description: 3 }, /^file\.json: \$\.description: must be a string/],
    [{ name: 'x', canary: { alarmName: false } }, /^file\.json: \$\.canary\.alarmName: must be a string/],
    [{ name: 'x', drift: { rows: 100.5 } }, /^file\.json: \$\.drift\.rows: must be a whole number/],
    [{ name: 'x', rollout: { canaryPollsUntilReady: 0.5 } }, /^file\.json: \$\.rollout\.canaryPollsUntilReady: must be a whole number/],
    [{ name: 'x', state: { budgetUsed: 1.5 } }, /^file\.json: \$\.state\.budgetUsed: must be a whole number/],
    [{ name: 'x', training: { metrics: { 'validation:auc': '0.9' } } }, /^file\.json: \$\.training\.metrics\["validation:auc"\]: must be a number, got "0\.9"$/],
    [{ name: 'x', training: { minutes: null } }, /^file\.json: \$\.training\.minutes: must be a number, got null$/],
    [[], /^file\.json: \$: must be a JSON object, got an array$/],
  ])('invalid scenario %j is rejected naming the file and the JSON path', (value, message) => {
    expect(() => parseScenario(value, 'file.json')).toThrow(message);
  });

  describe('names checked against the synthesized state machines (issue 13, defect 6)', () => {
    const check = (value: object) => () => checkScenarioAgainstStack(parseScenario(value, 'my.json'), stackFacts(loaded), 'my.json');
    test('every built-in scenario names real Task states and services', () => {
      for (const s of BUILT_IN_SCENARIOS) expect(() => checkScenarioAgainstStack(s, stackFacts(loaded), s.name)).not.toThrow();
      expect(check({ name: 'ok', faults: [{ state: 'TrainModel', service: 'sagemaker:createTrainingJob.sync', error: 'E' }, { service: 'eks:call', error: 'E' }] })).not.toThrow();
    });
    test.each<[string, object, RegExp]>([
      ['an unknown state', { name: 'x', faults: [{ state: 'AcquireLok', error: 'DynamoDB.ThrottlingException' }] },
        /^my\.json: \$\.faults\[0\]\.state: unknown state "AcquireLok" \(known Task states: AcquireLock, .*PatchCanary.*\(\d+ in all\)\)$/],
      ['a non-Task state of the retraining machine', { name: 'x', faults: [{ state: 'Gate', error: 'E' }] },
        /^my\.json: \$\.faults\[0\]\.state: "Gate" is a Choice state of the retraining state machine, not a Task: faults apply to the service calls of Task states/],
      ['an unknown service', { name: 'x', faults: [{ service: 'dynamodb:deleteItem', error: 'E' }] },
        /^my\.json: \$\.faults\[0\]\.service: unknown service "dynamodb:deleteItem" \(services the Task states call: .*dynamodb:updateItem.*eks:call/],
      ['a service the state does not call', { name: 'x', faults: [{ state: 'AcquireLock', service: 'eks:call', error: 'E' }] },
        /^my\.json: \$\.faults\[0\]\.service: state "AcquireLock" calls "dynamodb:updateItem", not "eks:call"$/],
      ['an unknown model', { name: 'x', model: 'fraud-us' }, /^my\.json: \$\.model: no retraining record for model "fraud-us" \(known: fraud-scoring\)$/],
      ['an unknown canary alarm', { name: 'x', canary: { alarmAtCheck: 1, alarmName: 'nope' } }, /^my\.json: \$\.canary\.alarmName: "nope" is not a canary alarm of model "fraud-scoring" \(its canary alarms: /],
    ])('%s is an error naming the file and the JSON path', (_name, value, re) => {
      expect(check(value)).toThrow(re);
    });
  });

  test('CLI: --scenario-file with --json prints only one JSON object and exits 0 on the expected outcome', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const file = join(dir, 'rollback.json');
    writeFileSync(file, JSON.stringify({ name: 'my-rollback', canary: { alarmAtCheck: 1 }, expect: { outcome: 'rolled-back' } }));
    const r = await cli('--scenario-file', file, '--json');
    expect(r.code).toBe(0);
    const last = JSON.parse(r.out);
    expect(Object.keys(last)).toEqual(expect.arrayContaining(['scenario', 'outcome', 'championBefore', 'championAfter', 'lockReleased', 'notifications', 'trainingJobsStarted', 'states']));
    expect([last.scenario, last.outcome, last.lockReleased, last.notifications, last.trainingJobsStarted]).toEqual(['my-rollback', 'rolled-back', true, 1, 1]);
  });

  test('CLI: --all --json prints only the JSON (no timeline) on stdout (issue 14, CLI conventions)', async () => {
    const r = await cli('--all', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.scenarios.map((x: any) => x.scenario)).toEqual(BUILT_IN_SCENARIOS.map((x) => x.name));
    expect(doc.scenarios.map((x: any) => x.outcome)).toEqual(BUILT_IN_SCENARIOS.map((x) => expected[x.name]));
  });

  test('CLI: a scenario that does not end as expected exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const file = join(dir, 'wrong.json');
    writeFileSync(file, JSON.stringify({ name: 'wrong', expect: { outcome: 'rejected' } }));
    const r = await cli('--scenario-file', file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/=> wrong: promoted \(expected rejected\)/);
  });

  describe('CLI: invalid scenario files exit 2 naming the file (and the JSON path), before anything runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-bad-'));
    test.each<[string, string, RegExp]>([
      ['typo.json', JSON.stringify({ name: 'typo', faults: [{ state: 'AcquireLok', error: 'DynamoDB.ThrottlingException', times: 2 }], expect: { outcome: 'promoted' } }),
        /^cdk-mlops: error: .*typo\.json: \$\.faults\[0\]\.state: unknown state "AcquireLok" \(known Task states: AcquireLock, /],
      ['service.json', JSON.stringify({ name: 'svc', faults: [{ service: 'sagemaker:createTrainingJob', error: 'E' }] }),
        /^cdk-mlops: error: .*service\.json: \$\.faults\[0\]\.service: unknown service "sagemaker:createTrainingJob"/],
      ['choice.json', JSON.stringify({ name: 'choice', faults: [{ state: 'Gate', error: 'E' }] }), /^cdk-mlops: error: .*choice\.json: \$\.faults\[0\]\.state: "Gate" is a Choice state/],
      ['fraction.json', JSON.stringify({ name: 'fraction', faults: [{ state: 'AcquireLock', error: 'E', times: 2.5 }] }), /^cdk-mlops: error: .*fraction\.json: \$\.faults\[0\]\.times: must be a whole number, got 2\.5$/],
      ['types.json', JSON.stringify({ name: 'types', drift: { shift: '1.5' } }), /^cdk-mlops: error: .*types\.json: \$\.drift\.shift: must be a number, got "1\.5"$/],
      ['unknown.json', JSON.stringify({ name: 'unknown', fault: [] }), /^cdk-mlops: error: .*unknown\.json: \$\.fault: unknown field/],
      ['broken.json', '{"name": "broken",', /^cdk-mlops: error: .*broken\.json: not valid JSON: /],
    ])('%s', async (name, text, re) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = await cli('--scenario-file', file);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
    });
    test('a missing file', async () => {
      const r = await cli('--scenario-file', join(dir, 'nope.json'));
      expect([r.code, r.err]).toEqual([2, `cdk-mlops: error: cannot read scenario file ${join(dir, 'nope.json')}: no such file`]);
    });
  });

  test('CLI: an unknown scenario, an unknown option and conflicting options are usage errors', async () => {
    expect(await cli('--scenario', 'nope')).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^cdk-mlops: error: unknown scenario "nope" \(built-in: drift-promote, /) });
    expect(await cli('--scenaro', 'x')).toMatchObject({ code: 2, err: expect.stringMatching(/^cdk-mlops: error: unknown option "--scenaro"/) });
    expect(await cli('--all', '--scenario', 'drift-promote')).toMatchObject({ code: 2, err: expect.stringMatching(/^cdk-mlops: error: give one of --scenario, --scenario-file, --all/) });
    expect(await cli('--scenario')).toMatchObject({ code: 2, err: 'cdk-mlops: error: option --scenario needs a value; see cdk-mlops simulate --help' });
  });

  test('CLI: --help prints the usage on stdout and exits 0', async () => {
    const r = await cli('--help');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/^usage: cdk-mlops simulate \[--app <cdk\.out dir \| app command> \| --example closed-loop\|model-factory\] \[--model <name>\]\n\s+\[--scenario <name> \| --scenario-file <file> \| --all\]/);
    expect(r.out).toMatch(/exit codes: 0 every scenario ended with its expected outcome/);
  });
});

/** Runs `cdk-mlops simulate` in-process; everything written to stdout (console.log or process.stdout) is captured. */
function cli(...argv: string[]): Promise<CliRun> {
  return runCliCapture('simulate', argv);
}

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

  // https://docs.aws.amazon.com/step-functions/latest/dg/sfn-states-task.html: a Task that runs longer than its
  // TimeoutSeconds fails with States.Timeout (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html:
  // States.ALL catches it, States.TaskFailed does not), in simulated time (issue 13, defect 7).
  test('Task TimeoutSeconds: a training longer than TrainModel\'s timeout fails the Task with States.Timeout; the loop ends failed, not promoted', async () => {
    const trainModel = loaded.training.definition.States.TrainModel;
    expect(trainModel.TimeoutSeconds).toBeLessThan(100_000 * 60);
    const dir = mkdtempSync(join(tmpdir(), 'sim-timeout-'));
    const file = join(dir, 'slow-training.json');
    writeFileSync(file, JSON.stringify({ name: 'slow-training', training: { minutes: 100000 }, expect: { outcome: 'failed' } }));
    const r = await runScenario(loaded, readScenarioFile(file, readFileSync(file, 'utf8')));
    expect(r.outcome).toBe('failed');
    expect(r.championAfter).toEqual(r.championBefore);
    const text = r.timeline.join('\n');
    expect(text).toMatch(/CreateTrainingJob .* -> ERROR States\.Timeout: the task ran longer than its TimeoutSeconds \(612000 s; the call would take 6000000 s\)/);
    // The Catch of TrainModel (States.ALL) takes the training pipeline's failure path; the retrain cleans up.
    expect(text).toMatch(/caught -> TrainingErrorDefaults[\s\S]*RecordFailure[\s\S]*TrainingFailed/);
    expect(r.states).toEqual(expect.arrayContaining(['Train', 'Cleanup', 'ReleaseLock', 'NotifyOutcome']));
    expect(r.states).not.toContain('PatchCanary');
    expect(r.invariants).toMatchObject({ lockReleased: true, championChangesOnlyOnPromotion: true, primaryServesChampion: true });
    // The simulated clock stops at the Task's deadline, not at the 100,000 minutes the job would have run.
    expect(r.simulatedMinutes).toBeGreaterThanOrEqual(612000 / 60);
    expect(r.simulatedMinutes).toBeLessThan(612000 / 60 + 60);
    // Within the timeout the same scenario trains and promotes.
    const inTime = await runScenario(loaded, parseScenario({ name: 'in-time', training: { minutes: 612000 / 60 - 30 } }));
    expect(inTime.outcome).toBe('promoted');
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html: an execution that runs longer than
  // the state machine's TimeoutSeconds fails with States.Timeout (status TIMED_OUT); no Catch of the machine applies.
  test('state machine TimeoutSeconds: a training state machine past its deadline times out; the retrain takes Train\'s Catch', async () => {
    const definition = JSON.parse(JSON.stringify(loaded.training.definition));
    definition.TimeoutSeconds = 30 * 60; // the training job takes 45 simulated minutes
    const short = { ...loaded, training: { ...loaded.training, definition } };
    const r = await runScenario(short, BUILT_IN_SCENARIOS.find((s) => s.name === 'drift-promote')!);
    expect(r.outcome).toBe('failed');
    const text = r.timeline.join('\n');
    expect(text).toMatch(/nested execution \S+ \(training state machine\) -> TIMED_OUT/);
    expect(text).toMatch(/T\+00:30:\d\d\s+execution timed out: States\.Timeout/);
    // Stopped at the deadline: the states after the training job never ran (no model registered), no failure path ran.
    expect(text).not.toMatch(/CreateModelPackage|RecordFailure/);
    expect(r.states).toEqual(expect.arrayContaining(['Train', 'Cleanup', 'ReleaseLock']));
    expect(r.invariants).toMatchObject({ lockReleased: true, championChangesOnlyOnPromotion: true });
    // A retraining execution past its own deadline ends timed-out; it never reaches its cleanup (the lock stays until its TTL).
    const retrainDef = JSON.parse(JSON.stringify(loaded.retrain.definition));
    retrainDef.TimeoutSeconds = 20 * 60;
    const timedOut = await runScenario({ ...loaded, retrain: { ...loaded.retrain, definition: retrainDef } }, BUILT_IN_SCENARIOS.find((s) => s.name === 'drift-promote')!);
    expect(timedOut.outcome).toBe('timed-out');
    expect(timedOut.states).not.toContain('ReleaseLock');
    expect(timedOut.lockReleased).toBe(false);
    expect(timedOut.championAfter).toEqual(timedOut.championBefore);
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
