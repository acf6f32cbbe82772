// The operator commands (status, approve, reject, retrain, rollback, history, labels put) with the
// REAL AWS SDK v3 clients against the loopback fake of the AWS APIs (test/fakes/aws-api.ts): the
// clients find it through AWS_ENDPOINT_URL, sign with the static test credentials from the
// environment, and never reach a real address (AWS_EC2_METADATA_DISABLED, no config files).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../bin/commands';
import { EXIT } from '../../bin/commands/ops/common';
import { validateLabels } from '../../bin/commands/ops/labels';
import { OPERATIONS_RECORD_VERSION, OperationsRecord } from '../../lib/contracts/operations';
import { handleEvent } from '../../lib/runtime/retrain-starter/starter';
import { FakeAwsApi } from '../fakes/aws-api';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:RetrainStateMachine1A2B3C';
const RETRAIN_PATH = '/cdk-mlops/retrain/acme-ml/';
const MONITOR_PATH = '/cdk-mlops/drift-monitor/acme-ml/';
const T0 = new Date('2026-11-20T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const hex = (n: number) => n.toString(16).padStart(16, '0');

const ENV_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE',
  'AWS_EC2_METADATA_DISABLED', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'USER'];
const saved: Record<string, string | undefined> = {};

function retrainRecord(model: string, approvalRequired: boolean): object {
  return {
    schemaVersion: 1, modelName: model, approvalRequired, cooldownSeconds: 21600, lockTtlSeconds: 180000, maxRetrainsPerPeriod: 4, budgetPeriod: 'month',
    bakeIntervalSeconds: 600, bakeChecks: 3, rolloutPollSeconds: 60, rolloutMaxPolls: 8, canaryWeight: 10, canaryAlarmNames: [`acme-ml-${model}-canary-errors`],
    trainingInput: { modelName: model },
    initialChampion: { modelPackageArn: 'none', modelArtifactUri: `s3://acme-artifacts/models/${model}/v1/`, modelVersion: 'v1' },
    eks: { clusterName: 'ml', namespace: model, primaryDeployment: `${model}-primary`, canaryDeployment: `${model}-canary`, ingressName: model },
  };
}

function monitorRecord(model: string, quality?: 'binary' | 'regression'): object {
  return {
    v: 1, model, capture: { bucket: 'acme-capture', prefix: 'capture/' }, variants: ['primary', 'canary', 'gold'], baseline: { bucket: 'acme-capture', key: `baselines/${model}.json` },
    windowHours: 1, minSamples: 100, featureMetrics: true,
    ...(quality ? { quality: { bucket: 'acme-labels', prefix: `labels/model=${model}/`, delayHours: 24, problemType: quality, predictionPath: 'prediction', decisionThreshold: 0.5, minSamples: 30, thresholds: {} } } : {}),
  };
}

function operationsRecord(features: string[]): OperationsRecord {
  return {
    v: OPERATIONS_RECORD_VERSION, alarmPrefix: 'acme-ml', stateMachineArn: SM, retrainConfigPath: RETRAIN_PATH, monitorConfigPath: MONITOR_PATH,
    modelPackageGroupPrefix: '', retrainMetricNamespace: 'CdkMlops/Retrain', eventBusName: 'default', features,
  };
}

/** A loop with three models: fraud (canary baking), churn (waiting for approval), fraud-v2 (a name sharing fraud's prefix). */
function seed(fake: FakeAwsApi, features = ['rollback']): void {
  fake.putParameter('/cdk-mlops/operations/acme-ml', operationsRecord(features));
  fake.putParameter(`${RETRAIN_PATH}fraud`, retrainRecord('fraud', false));
  fake.putParameter(`${MONITOR_PATH}fraud`, monitorRecord('fraud', 'binary'));
  fake.putParameter(`${RETRAIN_PATH}churn`, retrainRecord('churn', true));
  fake.putParameter(`${MONITOR_PATH}churn`, monitorRecord('churn'));
  fake.putParameter(`${RETRAIN_PATH}fraud-v2`, retrainRecord('fraud-v2', false));
  fake.putParameter(`${MONITOR_PATH}fraud-v2`, monitorRecord('fraud-v2', 'regression'));
  fake.knownStateMachines.add(SM);
  const input = (model: string) => ({ modelName: model, trigger: { source: 'alarm' }, clock: {} });
  // fraud: promoted to version 3 two days ago, rolled back a candidate yesterday, now canarying version 5.
  fake.addExecution({
    stateMachineArn: SM, name: `fraud-alarm-${hex(1)}`, status: 'SUCCEEDED', startDate: at(-2880), stopDate: at(-2700), input: input('fraud'),
    output: { outcome: 'promoted', champion: { modelVersion: '2' }, candidate: { modelVersion: '3', modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3' }, trigger: { source: 'alarm' } },
  });
  fake.addExecution({
    stateMachineArn: SM, name: `fraud-manual-${hex(2)}`, status: 'SUCCEEDED', startDate: at(-1440), stopDate: at(-1300), input: input('fraud'),
    output: { outcome: 'rolled-back', champion: { modelVersion: '3', modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3' }, candidate: { modelVersion: '4' }, trigger: { source: 'manual' } },
  });
  const baking = fake.addExecution({ stateMachineArn: SM, name: `fraud-alarm-${hex(3)}`, status: 'RUNNING', startDate: at(-60), input: input('fraud') });
  fake.enterState(baking, at(-20), 'PatchCanary', { candidate: { modelVersion: '5' } });
  fake.enterState(baking, at(-10), 'Bake', { modelName: 'fraud', candidate: { modelVersion: '5', modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/5' } });
  // fraud-v2: a newer promotion that must not be attributed to fraud.
  fake.addExecution({
    stateMachineArn: SM, name: `fraud-v2-alarm-${hex(4)}`, status: 'SUCCEEDED', startDate: at(-30), stopDate: at(-5), input: input('fraud-v2'),
    output: { outcome: 'promoted', champion: { modelVersion: '7' }, candidate: { modelVersion: '8' } },
  });
  // churn: waiting for a human.
  const waiting = fake.addExecution({ stateMachineArn: SM, name: `churn-sched-${hex(5)}`, status: 'RUNNING', startDate: at(-120), input: input('churn') });
  fake.waitForApproval(waiting, at(-119), 'token-churn-1', { kind: 'approval-request', modelName: 'churn' });
  fake.alarms.push(
    { AlarmName: 'acme-ml-fraud-drift', StateValue: 'ALARM' }, { AlarmName: 'acme-ml-fraud-quality', StateValue: 'OK' },
    { AlarmName: 'acme-ml-churn-drift', StateValue: 'OK' }, { AlarmName: 'acme-ml-fraud-v2-drift', StateValue: 'INSUFFICIENT_DATA' },
    { AlarmName: 'acme-ml-fraud-v2-quality', StateValue: 'ALARM' }, { AlarmName: 'acme-ml.unmonitored-models', StateValue: 'OK' },
  );
  const meta = (v: number) => ({
    'mlops:model': 'fraud', 'mlops:dataHash': `sha256:${String(v).repeat(64).slice(0, 64)}`, 'mlops:codeRevision': `c0ffee${v}`, 'mlops:imageDigest': `sha256:${'ab'.repeat(32)}`,
    'mlops:trainingJob': `fraud-job-${v}`, 'metric.auc': String((80 + v) / 100), 'metric.loss': '0.3',
  });
  const pkg = (v: number, status: 'Approved' | 'Rejected' | 'PendingManualApproval', description: string | undefined, modified: Date) => fake.addPackage({
    ModelPackageGroupName: 'fraud', ModelPackageVersion: v, CreationTime: at(-10000 + v * 1000), ModelApprovalStatus: status, ApprovalDescription: description,
    LastModifiedTime: modified, LastModifiedBy: { IamIdentity: { Arn: 'arn:aws:sts::123456789012:assumed-role/retrain-sm/exec' } },
    MetadataProperties: { CommitId: `c0ffee${v}` }, CustomerMetadataProperties: meta(v),
    InferenceSpecification: { Containers: [{ Image: 'acme/serve@sha256:' + 'ab'.repeat(32), ModelDataUrl: `s3://acme-artifacts/models/fraud/job-${v}/model.tar.gz` }] },
  });
  pkg(1, 'Approved', undefined, at(-9000));
  pkg(2, 'Approved', `promoted by fraud-alarm-${hex(9)} after a clean canary`, at(-5000));
  pkg(3, 'Approved', `promoted by fraud-alarm-${hex(1)} after a clean canary`, at(-2700));
  pkg(4, 'Rejected', `rolled back by fraud-manual-${hex(2)}: canary alarm`, at(-1300));
  pkg(5, 'PendingManualApproval', undefined, at(-25));
}


/** The real retrain starter, as the rule's target receives `delivered`: its results and the executions it started. */
async function runStarter(delivered: any): Promise<{ results: Awaited<ReturnType<typeof handleEvent>>; started: any[] }> {
  const started: any[] = [];
  const results = await handleEvent(delivered, { stateMachineArn: SM, alarmPrefix: 'acme-ml', alarmSuffixes: ['-drift', '-quality'], manualSource: 'cdk-mlops.retrain' }, {
    startExecution: async (req) => { started.push(req); return { executionArn: `${SM}:${req.name}` }; },
    listModels: async () => [],
    log: () => {},
  });
  return { results, started };
}
describe('operator commands against the loopback AWS APIs', () => {
  let fake: FakeAwsApi;
  let out: string[];
  let err: string[];
  let dir: string;

  async function cli(...argv: string[]): Promise<number> {
    out = [];
    err = [];
    const [name, ...rest] = argv;
    return runCommand(name, rest);
  }

  beforeAll(() => {
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    dir = mkdtempSync(join(tmpdir(), 'ops-test-'));
  });
  afterAll(() => {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    fake = new FakeAwsApi();
    await fake.start();
    for (const k of ENV_KEYS) delete process.env[k];
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: fake.url,
      AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
      AWS_SECRET_ACCESS_KEY: 'loopback-secret',
      AWS_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      USER: 'alice',
    });
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fake.stop();
  });

  describe('status', () => {
    test('--json: champion per segment, last retrain, alarm states, canary in flight, pending approval', async () => {
      seed(fake);
      expect(await cli('status', '--json')).toBe(EXIT.OK);
      const result = JSON.parse(out[out.length - 1]);
      const byName = Object.fromEntries(result.models.map((m: any) => [m.model, m]));
      expect(Object.keys(byName).sort()).toEqual(['churn', 'fraud', 'fraud-v2']);
      // The newest closed execution of fraud (a rollback) kept version 3; fraud-v2's newer promotion is not fraud's.
      expect(byName.fraud.champion).toEqual({ version: '3', modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3', source: 'execution' });
      expect(byName.fraud.lastRetrain).toMatchObject({ outcome: 'rolled-back', execution: `fraud-manual-${hex(2)}`, trigger: 'manual' });
      expect(byName.fraud.segments).toEqual([{ variant: 'primary', version: '3' }, { variant: 'canary', version: '5' }, { variant: 'gold', version: 'not managed by the loop' }]);
      expect(byName.fraud.alarms).toEqual({ drift: 'ALARM', quality: 'OK' });
      expect(byName.fraud.canary).toMatchObject({ candidateVersion: '5', state: 'Bake' });
      expect(byName.fraud.pendingApproval).toBeNull();
      expect(byName['fraud-v2'].champion.version).toBe('8');
      expect(byName['fraud-v2'].alarms).toEqual({ drift: 'INSUFFICIENT_DATA', quality: 'ALARM' });
      // churn: no execution ever closed, nothing approved: its first champion from the record; no quality monitoring.
      expect(byName.churn.champion).toEqual({ version: 'v1', modelPackageArn: 'none', source: 'record' });
      expect(byName.churn.alarms).toEqual({ drift: 'OK', quality: 'none' });
      expect(byName.churn.pendingApproval).toMatchObject({ execution: `churn-sched-${hex(5)}`, since: '2026-11-20T06:01:00Z', expiresBy: '2026-11-22T06:01:00Z' });
      expect(byName.churn.running).toMatchObject({ phase: 'approval', state: 'RequestApproval' });
      expect(result.loops).toEqual([{ alarmPrefix: 'acme-ml', stateMachineArn: SM, unmonitored: 'OK' }]);
      // Every call signed for the region of the environment, with the static credentials.
      expect(new Set(fake.calls.map((c) => c.signingRegion))).toEqual(new Set(['eu-west-1']));
      expect(new Set(fake.calls.map((c) => c.accessKeyId))).toEqual(new Set(['AKIDLOOPBACKTEST']));
      expect(new Set(fake.calls.map((c) => `${c.service}:${c.signingService}`))).toEqual(new Set(['ssm:ssm', 'sfn:states', 'cloudwatch:monitoring', 'sagemaker:sagemaker']));
    });

    test('the table, for one model, with --region overriding the environment', async () => {
      seed(fake);
      expect(await cli('status', '--model', 'churn', '--region', 'ap-south-1')).toBe(EXIT.OK);
      const text = out.join('\n');
      expect(text).toMatch(/^model\s+champion per segment\s+last retrain\s+drift\s+quality\s+in flight\s+approval/m);
      expect(text).toMatch(/^churn\s+primary=v1 canary=v1 \(weight 0\) gold=not managed by the loop\s+-\s+OK\s+none\s+approval: RequestApproval\s+PENDING since 2026-11-20T06:01:00Z/m);
      expect(text).toContain('pending approvals: churn');
      expect(text).not.toMatch(/^fraud/m);
      expect(new Set(fake.calls.map((c) => c.signingRegion))).toEqual(new Set(['ap-south-1']));
    });
  });

  describe('approve and reject', () => {
    test('approve answers the task token from the execution history with SendTaskSuccess', async () => {
      seed(fake);
      expect(await cli('approve', 'churn', '--comment', 'data fixed')).toBe(EXIT.OK);
      const [call] = fake.callsOf('SendTaskSuccess');
      expect(call.body.taskToken).toBe('token-churn-1');
      expect(JSON.parse(call.body.output)).toEqual({ approved: true, approvedBy: 'alice', comment: 'data fixed' });
      expect(call.signingService).toBe('states');
      expect(fake.tokens.get('token-churn-1')!.state).toBe('succeeded');
      expect(out.join('\n')).toMatch(/approved the retrain of churn \(churn-sched-0000000000000005/);
    });

    test('reject needs --reason and sends the Rejected error the definition catches', async () => {
      seed(fake);
      expect(await cli('reject', 'churn')).toBe(EXIT.USAGE);
      expect(err.join('\n')).toMatch(/--reason is required/);
      expect(await cli('reject', 'churn', '--reason', 'holiday freeze', '--as', 'bob')).toBe(EXIT.OK);
      const [call] = fake.callsOf('SendTaskFailure');
      expect(call.body).toEqual({ taskToken: 'token-churn-1', error: 'Rejected', cause: 'rejected by bob: holiday freeze' });
    });

    test('no pending approval: exit 5 with why', async () => {
      seed(fake);
      expect(await cli('approve', 'fraud')).toBe(EXIT.NO_PENDING_APPROVAL);
      expect(err).toEqual(['cdk-mlops: error: no pending approval for model "fraud" (its retrains do not ask for approval: requireApproval is false in its record)']);
      // An answered (or timed-out) request is not pending any more.
      fake.timeOutToken('token-churn-1', at(2000));
      expect(await cli('approve', 'churn')).toBe(EXIT.NO_PENDING_APPROVAL);
      expect(err[0]).toMatch(/no pending approval for model "churn" \(its running retrain churn-sched-0000000000000005 is not waiting for an approval\)/);
      expect(fake.callsOf('SendTaskSuccess')).toHaveLength(0);
    });

    test('a token that expired between reading and answering (TaskTimedOut): exit 6', async () => {
      seed(fake);
      fake.tokens.get('token-churn-1')!.state = 'timed-out';
      expect(await cli('approve', 'churn')).toBe(EXIT.APPROVAL_EXPIRED);
      expect(err[0]).toMatch(/^cdk-mlops: error: the approval request of churn-sched-0000000000000005 \(sent 2026-11-20T06:01:00Z\) expired before the answer arrived \(TaskTimedOut\)/);
    });

    test('works from flags when no operations record is deployed', async () => {
      seed(fake);
      fake.parameters.delete('/cdk-mlops/operations/acme-ml');
      expect(await cli('approve', 'churn')).toBe(EXIT.NOT_FOUND);
      expect(err[0]).toMatch(/no cdk-mlops loop found: no operations record under \/cdk-mlops\/operations\//);
      expect(await cli('approve', 'churn', '--state-machine', SM, '--config-path', RETRAIN_PATH, '--monitor-config-path', MONITOR_PATH)).toBe(EXIT.OK);
      expect(fake.callsOf('SendTaskSuccess')).toHaveLength(1);
    });
  });

  describe('errors every command reports the same way', () => {
    test('no such model: exit 4 naming the models', async () => {
      seed(fake);
      expect(await cli('approve', 'frod')).toBe(EXIT.NOT_FOUND);
      expect(err).toEqual(['cdk-mlops: error: no such model "frod" in loop acme-ml (models: churn, fraud, fraud-v2)']);
      expect(await cli('history', 'frod')).toBe(EXIT.NOT_FOUND);
    });

    test('no credentials in the chain: exit 3 before any request', async () => {
      seed(fake);
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      expect(await cli('status')).toBe(EXIT.NO_CREDENTIALS);
      expect(err[0]).toMatch(/^cdk-mlops: error: no AWS credentials: .*\(set AWS_PROFILE or --profile/);
      expect(fake.calls).toHaveLength(0);
    });

    test('an unknown --profile: exit 3', async () => {
      seed(fake);
      writeFileSync(join(dir, 'no-config'), '[profile other]\nregion = eu-west-1\n');
      expect(await cli('retrain', 'fraud', '--profile', 'nope')).toBe(EXIT.NO_CREDENTIALS);
      expect(err[0]).toMatch(/no AWS credentials for profile "nope"/);
      expect(fake.calls).toHaveLength(0);
      rmSync(join(dir, 'no-config'));
    });

    test('rejected credentials (UnrecognizedClientException): exit 3; access denied: exit 1', async () => {
      seed(fake);
      fake.failEverything = { status: 400, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
      expect(await cli('status')).toBe(EXIT.NO_CREDENTIALS);
      expect(err[0]).toMatch(/AWS rejected the credentials \(UnrecognizedClientException/);
      fake.failEverything = { status: 400, type: 'AccessDeniedException', message: 'not authorized to perform ssm:GetParametersByPath' };
      expect(await cli('status')).toBe(EXIT.AWS_ERROR);
      expect(err[0]).toBe('cdk-mlops: error: access denied: not authorized to perform ssm:GetParametersByPath');
    });

    test('usage errors: exit 2', async () => {
      expect(await cli('approve')).toBe(EXIT.USAGE);
      expect(await cli('approve', 'Fraud!')).toBe(EXIT.USAGE);
      expect(await cli('status', '--bogus')).toBe(EXIT.USAGE);
      expect(await cli('history', 'fraud', '--limit', '0')).toBe(EXIT.USAGE);
      expect(fake.calls).toHaveLength(0);
    });
  });

  describe('retrain', () => {
    test('puts a manual request the RetrainTrigger starter turns into an execution (lock, cooldown, budget apply there)', async () => {
      seed(fake);
      expect(await cli('retrain', 'fraud', '--reason', 'new fraud pattern', '--request-id', 'ticket-42')).toBe(EXIT.OK);
      expect(fake.events).toHaveLength(1);
      const e = fake.events[0];
      expect(e).toMatchObject({ Source: 'cdk-mlops.retrain', DetailType: 'Retrain Requested', EventBusName: 'default' });
      expect(JSON.parse(e.Detail)).toEqual({ modelName: 'fraud', requestId: 'ticket-42', reason: 'new fraud pattern', requestedBy: 'alice' });
      // The real starter, as the rule's target receives the event.
      const { results, started } = await runStarter(fake.delivered(e));
      expect(results[0].status).toBe('started');
      expect(out[0]).toContain(`execution ${started[0].name}`);
      expect(JSON.parse(started[0].input)).toMatchObject({ modelName: 'fraud', trigger: { source: 'manual', requestId: 'ticket-42', reason: 'new fraud pattern' } });
      expect(out[1]).toMatch(/cooldown \(21600 s\) and budget \(4 per month\) apply/);
    });
  });

  describe('rollback', () => {
    test('refused (exit 9) when the deployed loop does not declare the rollback feature', async () => {
      seed(fake, []);
      expect(await cli('rollback', 'fraud')).toBe(EXIT.UNSUPPORTED);
      expect(err[0]).toMatch(/does not take operator rollbacks .* a request would start a retrain instead/);
      expect(fake.events).toHaveLength(0);
    });

    test('default target: the newest approved version older than the champion', async () => {
      seed(fake);
      expect(await cli('rollback', 'fraud', '--request-id', 'r-1')).toBe(EXIT.OK);
      expect(JSON.parse(fake.events[0].Detail)).toEqual({
        modelName: 'fraud', requestId: 'r-1', reason: 'operator rollback from 3 to 2', requestedBy: 'alice', action: 'rollback', toVersion: '2',
        toModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/2', toModelArtifactUri: 's3://acme-artifacts/models/fraud/job-2/model.tar.gz',
      });
      expect(out[0]).toMatch(/requested a rollback of fraud from version 3 to 2 .*; execution fraud-manual-[0-9a-f]{16}; follow it with: cdk-mlops status --model fraud/);
      expect(out[1]).toMatch(/version 2 is canaried first; the lock applies, the cooldown and budget do not; if its canary fails, version 3 keeps serving\. Version 2 records no drift baseline/);
    });

    test('end to end: the request reaches the real starter, which starts the execution the command named with the target in its trigger', async () => {
      seed(fake);
      // Version 2 registered its drift baseline (the TrainingPipeline writes mlops:baselineUri).
      fake.packages.find((p: any) => p.ModelPackageVersion === 2)!.CustomerMetadataProperties!['mlops:baselineUri'] = 's3://acme-artifacts/models/fraud/job-2/baseline.json';
      expect(await cli('rollback', 'fraud', '--reason', 'v3 misroutes refunds', '--request-id', 'chg-7')).toBe(EXIT.OK);
      const e = fake.events[0];
      expect(e).toMatchObject({ Source: 'cdk-mlops.retrain', DetailType: 'Retrain Requested', EventBusName: 'default' });
      const { results, started } = await runStarter(fake.delivered(e));
      expect(results[0].status).toBe('started');
      expect(out[0]).toContain(`execution ${started[0].name}`);
      expect(JSON.parse(started[0].input).trigger).toEqual({
        source: 'manual', requestId: 'chg-7', reason: 'v3 misroutes refunds', requestedBy: 'alice', eventId: expect.any(String), action: 'rollback',
        toVersion: '2', toModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/2',
        toModelArtifactUri: 's3://acme-artifacts/models/fraud/job-2/model.tar.gz',
        toBaselineUri: 's3://acme-artifacts/models/fraud/job-2/baseline.json',
        toBaselineLocation: { bucket: 'acme-artifacts', key: 'models/fraud/job-2/baseline.json' },
      });
      expect(out[1]).toMatch(/The drift baseline becomes version 2's \(s3:\/\/acme-artifacts\/models\/fraud\/job-2\/baseline\.json\)/);
    });

    test('after a rollback (outcome reverted) the champion is the reverted-to version: the next rollback goes further back', async () => {
      seed(fake);
      fake.addExecution({
        stateMachineArn: SM, name: `fraud-manual-${hex(6)}`, status: 'SUCCEEDED', startDate: at(-8), stopDate: at(-2), input: { modelName: 'fraud', trigger: { source: 'manual' }, clock: {} },
        output: { outcome: 'reverted', champion: { modelVersion: '3' }, candidate: { modelVersion: '2', modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/2' }, trigger: { source: 'manual', action: 'rollback' } },
      });
      expect(await cli('rollback', 'fraud', '--to', '2')).toBe(EXIT.USAGE);
      expect(err[0]).toMatch(/version 2 is already the champion of fraud/);
      expect(await cli('rollback', 'fraud')).toBe(EXIT.OK);
      expect(JSON.parse(fake.events[0].Detail)).toMatchObject({ action: 'rollback', toVersion: '1' });
    });

    test('--to: only an approved version that is not the champion', async () => {
      seed(fake);
      expect(await cli('rollback', 'fraud', '--to', '4')).toBe(EXIT.NOT_FOUND);
      expect(err[0]).toMatch(/version 4 of fraud is not an approved version \(approved: 3, 2, 1\)/);
      expect(await cli('rollback', 'fraud', '--to', '3')).toBe(EXIT.USAGE);
      expect(await cli('rollback', 'fraud', '--to', '1')).toBe(EXIT.OK);
      expect(JSON.parse(fake.events[0].Detail)).toMatchObject({ action: 'rollback', toVersion: '1' });
    });
  });

  describe('history', () => {
    test('versions newest first with lineage, the loop events and the approver', async () => {
      seed(fake);
      const promoting = fake.addExecution({ stateMachineArn: SM, name: `fraud-alarm-${hex(9)}`, status: 'SUCCEEDED', startDate: at(-5200), stopDate: at(-5000), input: { modelName: 'fraud' }, output: { outcome: 'promoted' } });
      fake.waitForApproval(promoting, at(-5190), 'token-old', {});
      fake.tokens.get('token-old')!.state = 'waiting';
      (fake as any).sfn_SendTaskSuccess({ taskToken: 'token-old', output: JSON.stringify({ approved: true, approvedBy: 'carol' }) });
      fake.calls.length = 0;
      expect(await cli('history', 'fraud', '--json')).toBe(EXIT.OK);
      const h = JSON.parse(out[out.length - 1]);
      expect(h.modelPackageGroup).toBe('fraud');
      expect(h.versions.map((v: any) => [v.version, v.status, v.event ?? null, v.champion])).toEqual([
        ['5', 'PendingManualApproval', 'pending', false],
        ['4', 'Rejected', 'rolled-back', false],
        ['3', 'Approved', 'promoted', true],
        ['2', 'Approved', 'promoted', false],
        ['1', 'Approved', null, false],
      ]);
      const v2 = h.versions[3];
      expect(v2).toMatchObject({
        datasetHash: `sha256:${'2'.repeat(64)}`, codeRevision: 'c0ffee2', imageDigest: `sha256:${'ab'.repeat(32)}`, trainingJob: 'fraud-job-2',
        metrics: { auc: 0.82, loss: 0.3 }, execution: `fraud-alarm-${hex(9)}`, approver: 'carol', eventAt: '2026-11-16T20:40:00Z',
      });
      // No human approval recorded for version 3's execution: the identity that updated the package.
      expect(h.versions[2].approver).toBe('arn:aws:sts::123456789012:assumed-role/retrain-sm/exec');
      expect(h.versions[1]).toMatchObject({ event: 'rolled-back', eventAt: '2026-11-19T10:20:00Z', approvalDescription: `rolled back by fraud-manual-${hex(2)}: canary alarm` });
    });

    test('the table', async () => {
      seed(fake);
      expect(await cli('history', 'fraud', '--limit', '2')).toBe(EXIT.OK);
      const text = out.join('\n');
      expect(text).toMatch(/^model fraud \(group fraud\); \* = champion/m);
      expect(text).toMatch(/^5\s+2026-11-16T20:40:00Z\s+PendingManualApproval\s+pending\s+arn:aws:sts::\S+\s+555555555555\s+c0ffee5\s+abababababab\s+auc=0.85 loss=0.3$/m);
      expect(text.split('\n')).toHaveLength(5);
    });
  });

  describe('labels put', () => {
    test('CSV: every row validated with its line number; the accepted rows written in the monitor\'s label format', async () => {
      seed(fake);
      const file = join(dir, 'labels.csv');
      writeFileSync(file, [
        'inferenceId,label,type',
        'a-1,1,binary',
        'a-2,false,',
        '"a,3",yes,binary',
        ',1,binary',
        'a-5,maybe,binary',
        'a-6,1,regression',
        'a-1,0,binary',
        'a-8,1',
        '',
        '"a-9,1,binary',
        'a-10,0,binary',
      ].join('\n'));
      expect(await cli('labels', 'put', 'fraud', '--file', file)).toBe(EXIT.ROWS_REJECTED);
      expect(out).toEqual([
        `${file}:5: rejected: no inference id ("inferenceId" or "id")`,
        `${file}:6: rejected: label "maybe" is not a binary label (0/1, true/false, yes/no, positive/negative)`,
        `${file}:7: rejected: type "regression" does not match the model's problem type "binary"`,
        `${file}:8: rejected: inference id "a-1" is already labelled on line 2`,
        `${file}:9: rejected: 2 fields, the header has 3`,
        `${file}:11: rejected: malformed CSV quoting`,
        'accepted 4, rejected 6 (binary labels of fraud)',
        expect.stringMatching(/^wrote s3:\/\/acme-labels\/labels\/model=fraud\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/manual-\d{8}T\d{6}Z-[0-9a-f]{12}\.jsonl$/),
      ]);
      const [put] = fake.callsOf('PutObject');
      expect(put.signingService).toBe('s3');
      expect(put.body.Bucket).toBe('acme-labels');
      const written = fake.objects.get(`acme-labels/${put.body.Key}`)!.toString('utf8');
      expect(written).toBe([
        { inferenceId: 'a-1', label: 1 }, { inferenceId: 'a-2', label: 0 }, { inferenceId: 'a,3', label: 1 }, { inferenceId: 'a-10', label: 0 },
      ].map((x) => JSON.stringify(x)).join('\n') + '\n');
    });

    test('JSON Lines, regression: all accepted (exit 0); --dry-run writes nothing', async () => {
      seed(fake);
      const file = join(dir, 'labels.jsonl');
      writeFileSync(file, '{"inferenceId":"r-1","label":12.5}\n{"id":"r-2","value":"-3"}\n\n{"inferenceId":"r-3","label":0,"type":"regression"}\n');
      expect(await cli('labels', 'put', 'fraud-v2', '--file', file, '--dry-run', '--json')).toBe(EXIT.OK);
      expect(JSON.parse(out[0])).toEqual({ model: 'fraud-v2', problemType: 'regression', accepted: 3, rejected: [], written: null });
      expect(fake.callsOf('PutObject')).toHaveLength(0);
      expect(await cli('labels', 'put', 'fraud-v2', '--file', file)).toBe(EXIT.OK);
      const [put] = fake.callsOf('PutObject');
      expect(fake.objects.get(`acme-labels/${put.body.Key}`)!.toString()).toBe('{"inferenceId":"r-1","label":12.5}\n{"inferenceId":"r-2","label":-3}\n{"inferenceId":"r-3","label":0}\n');
    });

    test('a model without quality monitoring: exit 8; an unreadable file: exit 2', async () => {
      seed(fake);
      const file = join(dir, 'l.jsonl');
      writeFileSync(file, '{"inferenceId":"x","label":1}\n');
      expect(await cli('labels', 'put', 'churn', '--file', file)).toBe(EXIT.UNSUPPORTED);
      expect(err[0]).toMatch(/model "churn" has no quality monitoring/);
      expect(await cli('labels', 'put', 'fraud', '--file', join(dir, 'missing.csv'))).toBe(EXIT.USAGE);
      expect(await cli('labels', 'put', 'fraud', '--file', join(dir, 'l.txt'))).toBe(EXIT.USAGE);
    });
  });
});

describe('label validation (pure)', () => {
  test('JSON Lines rows: not JSON, not an object, non-string id, NaN-like labels', () => {
    const v = validateLabels('nope\n[1]\n{"inferenceId":5,"label":1}\n{"inferenceId":"a","label":"NaN"}\n{"inferenceId":"b","label":true}\n', 'jsonl', 'regression');
    expect(v.rejected).toEqual([
      { line: 1, reason: 'not JSON' },
      { line: 2, reason: 'not a JSON object' },
      { line: 3, reason: 'no inference id ("inferenceId" or "id")' },
      { line: 4, reason: 'label "NaN" is not a finite number' },
      { line: 5, reason: 'label true is not a finite number' },
    ]);
    expect(v.accepted).toEqual([]);
  });

  test('a CSV header without an id or label column is refused as a whole', () => {
    expect(() => validateLabels('foo,bar\n1,2\n', 'csv', 'binary')).toThrow(/line 1: the CSV header must name an id column/);
    expect(() => validateLabels('id,label,extra\n1,2,3\n', 'csv', 'binary')).toThrow(/unknown CSV column\(s\) extra/);
  });
});
