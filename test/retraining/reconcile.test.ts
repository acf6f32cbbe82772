// Issue 13, "Every failure path of the loop leaves a consistent, visible state": after any path, the registry's
// Approved packages agree with the champion. A double fault (RecordChampion and CleanupRejectPackage both fail)
// leaves the candidate Approved and raises InconsistentState; the NEXT execution of the model repairs it before it
// trains: it rejects each newest Approved package of the champion's group that a promotion of this loop approved
// and that is not the champion. The REAL definition of examples/closed-loop.ts runs under aws-local-stepfunctions
// against the simulated SageMaker registry of bin/simulate/world.ts (ListModelPackages with the documented defaults and filters,
// ModelApprovalStatus filter: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListModelPackages.html;
// DescribeModelPackage returns the ApprovalDescription UpdateModelPackage set:
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeModelPackage.html).
import { Template } from 'aws-cdk-lib/assertions';
import { loadClosedLoop, LoadedStack, runScenario } from '../../bin/simulate/run';
import { parseScenario, Scenario } from '../../bin/simulate/scenario';
import { ExecutionRecord, World } from '../../bin/simulate/world';

let loaded: LoadedStack;
beforeAll(() => {
  loaded = loadClosedLoop();
});

// The first retrain's promotion: RecordChampion denied (not retried), and the cleanup's reject denied too.
const DOUBLE_FAULT = [
  { state: 'RecordChampion', error: 'DynamoDB.AccessDeniedException' },
  { state: 'CleanupRejectPackage', error: 'SageMaker.AccessDeniedException' },
];
const LATER = 7 * 3600; // past the example's 6 h cooldown

describe('the next execution reconciles the registry with the champion', () => {
  test('double fault, then a retrain whose canary cannot be patched: v2 Rejected at its start, the registry agrees again', async () => {
    // Without the reconciliation the second retrain would fail without touching the registry and v2 (never served)
    // would stay the newest Approved package: registryAgreesWithChampion false (as the first execution leaves it).
    const scenario: Scenario = {
      name: 'double-fault-then-reconcile',
      faults: DOUBLE_FAULT,
      repeat: { afterSeconds: LATER, faults: [{ state: 'PatchCanary', service: 'eks:call', error: 'EKS.422', cause: 'denied', times: 99 }] },
    };
    const r = await runScenario(loaded, scenario);
    expect(r.signals.registryAgreesWithChampion).toBe(true);
    expect(r.executions).toHaveLength(2);
    const [first, second] = r.executions;
    expect(first.outcome).toBe('failed');
    expect(r.signals.notified[0].problems).toHaveProperty('registry');
    expect(second.states).toEqual(expect.arrayContaining(['ReconcileNeeded', 'FindNewestApproved', 'DescribeNewestApproved', 'RejectUnservedPackage']));
    // It reconciled before anything else: before it trained.
    expect(second.states.indexOf('RejectUnservedPackage')).toBeLessThan(second.states.indexOf('Train'));
    expect(second.outcome).toBe('failed');
    expect(r.championAfter).toEqual(r.championBefore);
    expect(r.signals.registryAgreesWithChampion).toBe(true);
    expect(r.signals.newestApprovedPackage).toBe(r.championBefore.modelPackageArn);
    expect(r.timeline.join('\n')).toMatch(/UpdateModelPackage \S+\/fraud-scoring\/2 -> Rejected/);
    // The second execution's own failure left nothing inconsistent.
    expect(r.signals.notified[1].problems).toEqual({});
  });

  test('the second retrain compares its candidate with the champion, not with the never-served package', async () => {
    // Without the reconciliation (checked once against main's guard.ts) the gate compares the new candidate (0.93)
    // with v2 (0.93, never served) and rejects it: outcomes ["failed", "rejected"], v2 still the newest Approved.
    const r = await runScenario(loaded, { name: 'reconcile-then-promote', faults: DOUBLE_FAULT, repeat: { afterSeconds: LATER } });
    expect(r.executions.map((e) => e.outcome)).toEqual(['failed', 'promoted']);
    expect(r.signals.registryAgreesWithChampion).toBe(true);
    const gate = r.timeline.filter((l) => l.includes('DescribeModelPackage')).pop()!;
    // The gate's DescribeChampion (TrainingPipeline) reads v1, the champion: v2 was rejected by the reconciliation.
    expect(gate).toMatch(/DescribeModelPackage \S+\/fraud-scoring\/1 /);
    expect(r.signals.registryAgreesWithChampion).toBe(true);
    expect(r.championAfter.modelPackageArn).toMatch(/\/fraud-scoring\/3$/);
  });

  test('a clean registry: one ListModelPackages, nothing rejected', async () => {
    const r = await runScenario(loaded, { name: 'clean-registry' });
    expect(r.outcome).toBe('promoted');
    expect(r.states).toContain('FindNewestApproved');
    expect(r.states).not.toContain('RejectUnservedPackage');
    expect(r.states).not.toContain('DescribeNewestApproved');
  });

  test('a reconciliation that fails is best effort: counted as InconsistentState, the retrain goes on', async () => {
    const r = await runScenario(loaded, {
      name: 'reconcile-denied', faults: DOUBLE_FAULT,
      repeat: { afterSeconds: LATER, faults: [{ state: 'RejectUnservedPackage', error: 'SageMaker.AccessDeniedException' }] },
    });
    expect(r.executions[1].states).toContain('Train');
    expect((r.signals.notified[1].problems as any).registry.Error).toBe('SageMaker.AccessDeniedException');
  });
});

describe('what the reconciliation may touch', () => {
  test('only packages ApprovePackage approved: its ApprovalDescription matches the pattern the reconciliation rejects', () => {
    const S = loaded.retrain.definition.States;
    const written: string = S.ApprovePackage.Parameters['ApprovalDescription.$'];
    const pattern: string = S.ApprovedByAPromotion.Choices[0].And[1].StringMatches;
    const asRegex = new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const rendered = /States\.Format\('(.*)', \$\$\.Execution\.Name\)/.exec(written)![1].replace('{}', 'fraud-scoring-alarm-123');
    expect(rendered).toMatch(asRegex);
    // The cleanup's reject text does not match: an undone promotion is not rejected twice.
    expect('promotion by x failed and was undone').not.toMatch(asRegex);
  });

  test('IAM: ListModelPackages on * (no resource-level permissions), Describe/Update on the model package groups only', () => {
    const t = Template.fromJSON(loaded.template as any);
    const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const list = statements.filter((s) => [s.Action].flat().includes('sagemaker:ListModelPackages') && s.Sid === 'FindApprovedPackages');
    expect(list).toHaveLength(1);
    expect(list[0].Resource).toBe('*');
    const update = statements.find((s) => s.Sid === 'ApproveOrRejectCandidates');
    expect([update.Action].flat().sort()).toEqual(['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage']);
    expect(JSON.stringify(update.Resource)).toMatch(/model-package\//);
  });

  test('scenario files: repeat needs afterSeconds; its faults are checked like the first ones', () => {
    expect(() => parseScenario({ name: 'r', repeat: {} })).toThrow(/\$\.repeat\.afterSeconds: is required/);
    expect(() => parseScenario({ name: 'r', repeat: { afterSeconds: 10, faults: [{ state: 'X' }] } })).toThrow(/\$\.repeat\.faults\[0\]\.error: is required/);
    expect(parseScenario({ name: 'r', repeat: { afterSeconds: 10 } }).repeat?.afterSeconds).toBe(10);
  });
});

// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListModelPackages.html: SortBy defaults to CreationTime,
// SortOrder to Ascending, MaxResults is 1-100. The definitions ask for Descending explicitly; a simulator whose default
// were newest-first would let a definition that forgot it pass.
describe('simulated SageMaker: ListModelPackages as the API reference documents it', () => {
  const world = new World({ scenario: { name: 'w' }, records: new Map(), configPrefix: '/x/', objectiveMetric: 'm', t0Epoch: 0 }, 't');
  // A bare execution record: the calls are recorded on it.
  const exec: ExecutionRecord = { name: 'e', arn: 'arn:e', stateMachine: 'retrain', input: {}, status: 'RUNNING', events: [], calls: [], startOffset: 0 };
  const list = (p: object) => world.call(exec, 'List', 'aws-sdk:sagemaker:listModelPackages', p, {});
  beforeAll(async () => {
    for (const status of ['Approved', 'Rejected', 'Approved']) {
      await world.call(exec, 'Register', 'aws-sdk:sagemaker:createModelPackage', { ModelPackageGroupName: 'g', ModelApprovalStatus: status }, {});
    }
  });
  const versions = (out: any) => out.ModelPackageSummaryList.map((m: any) => m.ModelPackageVersion);

  test('oldest first by default; Descending gives the newest first; the status filter applies', async () => {
    expect(versions(await list({ ModelPackageGroupName: 'g' }))).toEqual([1, 2, 3]);
    expect(versions(await list({ ModelPackageGroupName: 'g', SortOrder: 'Descending' }))).toEqual([3, 2, 1]);
    expect(versions(await list({ ModelPackageGroupName: 'g', ModelApprovalStatus: 'Approved', SortOrder: 'Descending', MaxResults: 1 }))).toEqual([3]);
  });

  test('MaxResults outside 1-100 is a ValidationException', async () => {
    await expect(list({ ModelPackageGroupName: 'g', MaxResults: 0 })).rejects.toThrow(/MaxResults must be between 1 and 100/);
    await expect(list({ ModelPackageGroupName: 'g', MaxResults: 101 })).rejects.toThrow(/MaxResults/);
  });
});
