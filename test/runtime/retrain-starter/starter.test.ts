import { applyUpdate, evaluateCondition } from '../../../bin/simulate/dynamodb';
import { matchesPattern } from '../../../bin/simulate/run';
import {
  clockFor, executionName, handleEvent, isoWeek, modelFromAlarmName, settingsFromEnv, StarterDeps,
} from '../../../lib/runtime/retrain-starter/starter';

const settings = settingsFromEnv({
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:Retrain',
  ALARM_PREFIX: 'prod-mlops',
  ALARM_SUFFIXES: '-drift,-quality',
  MANUAL_SOURCE: 'cdk-mlops.retrain',
});

/** A Step Functions stand-in with its name rule: a closed execution's name cannot be reused. */
function deps(models: string[] = []) {
  const started: { name: string; input: any }[] = [];
  const d: StarterDeps = {
    async startExecution(req) {
      if (started.some((s) => s.name === req.name)) {
        const e = new Error(`Execution already exists: '${req.name}'`);
        e.name = 'ExecutionAlreadyExists';
        throw e;
      }
      started.push({ name: req.name, input: JSON.parse(req.input) });
      return { executionArn: `arn:aws:states:us-east-1:123456789012:execution:Retrain:${req.name}` };
    },
    async listModels() { return models; },
    log() { /* quiet */ },
  };
  return { d, started };
}

const alarm = (alarmName: string, timestamp = '2026-11-27T09:00:00.000+0000', value = 'ALARM') => ({
  'id': 'e1', 'source': 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', 'time': '2026-11-27T09:00:05Z',
  'detail': { alarmName, state: { value, timestamp, reason: 'Threshold Crossed' } },
});

describe('retrain starter', () => {
  test('model names come from <prefix>-<model><suffix>; other alarms are not retrain alarms', () => {
    expect(modelFromAlarmName('prod-mlops-fraud-scoring-drift', settings)).toBe('fraud-scoring');
    expect(modelFromAlarmName('prod-mlops-churn-quality', settings)).toBe('churn');
    expect(modelFromAlarmName('prod-mlops-churn-latency', settings)).toBeUndefined();
    expect(modelFromAlarmName('prod-mlops.unmonitored-models', settings)).toBeUndefined();
    expect(modelFromAlarmName('prod-mlops--drift', settings)).toBeUndefined();
  });

  test('execution names are deterministic, <= 72 characters (the training child adds "-train")', () => {
    const a = executionName('fraud', 'alarm', 'x|1');
    expect(a).toBe(executionName('fraud', 'alarm', 'x|1'));
    expect(a).not.toBe(executionName('fraud', 'alarm', 'x|2'));
    expect(executionName('m'.repeat(63), 'manual', 'r').length).toBeLessThanOrEqual(72);
  });

  test('the clock comes from the event, in epoch seconds and ISO periods', () => {
    expect(clockFor('2026-11-27T09:00:00.000Z')).toEqual({ nowEpoch: 1795770000, nowText: '1795770000', periods: { day: '2026-11-27', week: '2026-W48', month: '2026-11' } });
    expect(isoWeek(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2026-01-01T00:00:00Z'))).toBe('2026-W01');
  });

  test('a redelivered alarm maps to the same name and input: Step Functions refuses the duplicate', async () => {
    const { d, started } = deps();
    const first = await handleEvent(alarm('prod-mlops-fraud-drift'), settings, d);
    const again = await handleEvent({ ...alarm('prod-mlops-fraud-drift'), id: 'e2', time: '2026-11-27T09:03:00Z' }, settings, d);
    expect(first[0].status).toBe('started');
    expect(again).toEqual([{ status: 'duplicate', modelName: 'fraud', name: first[0].name, reason: 'ExecutionAlreadyExists' }]);
    expect(started).toHaveLength(1);
    expect(started[0].input).toEqual({
      modelName: 'fraud',
      trigger: { source: 'alarm', alarmName: 'prod-mlops-fraud-drift', alarmTimestamp: '2026-11-27T09:00:00.000+0000', reason: 'Threshold Crossed', eventId: 'e1' },
      clock: clockFor('2026-11-27T09:00:00.000+0000'),
    });
  });

  test('a later episode of the same alarm is a new execution', async () => {
    const { d, started } = deps();
    await handleEvent(alarm('prod-mlops-fraud-drift'), settings, d);
    await handleEvent(alarm('prod-mlops-fraud-drift', '2026-11-28T09:00:00.000+0000'), settings, d);
    expect(started.map((s) => s.name)).toHaveLength(2);
  });

  test('manual requests and the schedule', async () => {
    const { d, started } = deps(['churn', 'fraud']);
    await handleEvent({ 'id': 'm1', 'source': 'cdk-mlops.retrain', 'detail-type': 'Retrain Requested', 'time': '2026-11-27T10:00:00Z', 'detail': { modelName: 'fraud', requestId: 'CHG-42', reason: 'new labels' } }, settings, d);
    await handleEvent({ 'id': 's1', 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'time': '2026-12-01T03:00:00Z' }, settings, d);
    expect(started.map((s) => [s.input.modelName, s.input.trigger.source])).toEqual([['fraud', 'manual'], ['churn', 'schedule'], ['fraud', 'schedule']]);
    expect(started[0].name).toMatch(/^fraud-manual-[0-9a-f]{16}$/);
  });

  test('ignored: OK transitions, foreign alarms, manual requests without a valid model', async () => {
    const { d, started } = deps();
    const results = [
      ...await handleEvent(alarm('prod-mlops-fraud-drift', undefined, 'OK'), settings, d),
      ...await handleEvent(alarm('prod-mlops-fraud-latency'), settings, d),
      ...await handleEvent({ 'source': 'cdk-mlops.retrain', 'detail-type': 'Retrain Requested', 'detail': { modelName: 'Bad Name' } }, settings, d),
    ];
    expect(results.map((r) => r.status)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(started).toEqual([]);
  });

  // The request `cdk-mlops rollback` puts (lib/contracts/operations.ts, ManualRequestDetail).
  const rollbackRequest = (detail: Record<string, unknown>) => ({
    'id': 'r1', 'source': 'cdk-mlops.retrain', 'detail-type': 'Retrain Requested', 'time': '2026-11-27T10:00:00Z',
    'detail': { modelName: 'fraud', requestId: 'rb-1', reason: 'v8 misroutes refunds', requestedBy: 'alice', action: 'rollback', ...detail },
  });
  const target = {
    toVersion: '7',
    toModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-fraud/7',
    toModelArtifactUri: 's3://models-bucket/fraud/job-7/output/model.tar.gz',
  };

  test('an operator rollback: the action and the target go into the trigger, the baseline URI split into bucket and key', async () => {
    const { d, started } = deps();
    const [res] = await handleEvent(rollbackRequest({ ...target, toBaselineUri: 's3://models-bucket/fraud/job-7/output/baseline.json' }), settings, d);
    expect(res.status).toBe('started');
    expect(started[0].name).toBe(executionName('fraud', 'manual', 'fraud|rb-1'));
    expect(started[0].input.trigger).toEqual({
      source: 'manual', requestId: 'rb-1', reason: 'v8 misroutes refunds', eventId: 'r1', requestedBy: 'alice', action: 'rollback', ...target,
      toBaselineUri: 's3://models-bucket/fraud/job-7/output/baseline.json',
      toBaselineLocation: { bucket: 'models-bucket', key: 'fraud/job-7/output/baseline.json' },
    });
    // A target without a baseline has neither field (the state machine then leaves the monitor's baseline).
    const other = deps();
    await handleEvent(rollbackRequest({ ...target, requestId: 'rb-2' }), settings, other.d);
    expect(other.started[0].input.trigger).not.toHaveProperty('toBaselineLocation');
  });

  test('a malformed rollback request is ignored with the reason (never started as a retrain)', async () => {
    const { d, started } = deps();
    const results = [
      ...await handleEvent(rollbackRequest({ ...target, toModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/mlops-fraud' }), settings, d),
      ...await handleEvent(rollbackRequest({ ...target, toVersion: '6' }), settings, d),
      ...await handleEvent(rollbackRequest({ ...target, toModelArtifactUri: 'https://example.com/model.tar.gz' }), settings, d),
      ...await handleEvent(rollbackRequest({ ...target, toBaselineUri: 's3://just-a-bucket' }), settings, d),
      ...await handleEvent(rollbackRequest({ ...target, action: 'promote' }), settings, d),
    ];
    expect(results.map((r) => r.status)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(results.map((r) => r.reason)).toEqual([
      expect.stringMatching(/toModelPackageArn must be a model package version ARN/),
      expect.stringMatching(/toVersion "6" is not the version of/),
      expect.stringMatching(/toModelArtifactUri must be an s3:\/\/bucket\/key URI/),
      expect.stringMatching(/toBaselineUri must be an s3:\/\/bucket\/key URI/),
      expect.stringMatching(/unknown action "promote"/),
    ]);
    expect(started).toEqual([]);
  });

  test('other StartExecution errors propagate (EventBridge retries, then the dead-letter queue)', async () => {
    const d: StarterDeps = {
      async startExecution() { const e = new Error('Rate exceeded'); e.name = 'ThrottlingException'; throw e; },
      async listModels() { return []; },
      log() { /* quiet */ },
    };
    await expect(handleEvent(alarm('prod-mlops-fraud-drift'), settings, d)).rejects.toThrow('Rate exceeded');
  });
});

describe('simulation building blocks', () => {
  test('DynamoDB conditions: the lock guard expression', () => {
    const cond = '(attribute_not_exists(holder) OR lockedUntil < :now) AND (attribute_not_exists(cooldownUntil) OR cooldownUntil < :now)';
    const v = { ':now': { N: '100' } };
    expect(evaluateCondition(cond, undefined, v, {})).toBe(true);
    expect(evaluateCondition(cond, { holder: { S: 'x' }, lockedUntil: { N: '200' } }, v, {})).toBe(false);
    expect(evaluateCondition(cond, { holder: { S: 'x' }, lockedUntil: { N: '50' } }, v, {})).toBe(true);
    expect(evaluateCondition(cond, { cooldownUntil: { N: '150' } }, v, {})).toBe(false);
    expect(evaluateCondition('NOT attribute_exists(a)', {}, {}, {})).toBe(true);
  });

  test('DynamoDB updates: SET with arithmetic, REMOVE, ADD', () => {
    const item: any = { pk: { S: 'k' }, holder: { S: 'x' }, n: { N: '2' } };
    applyUpdate('SET until = :now + :ttl, who = :me REMOVE holder ADD n :one', item, { ':now': { N: '100' }, ':ttl': { N: '30' }, ':me': { S: 'y' }, ':one': { N: '1' } }, {});
    expect(item).toEqual({ pk: { S: 'k' }, until: { N: '130' }, who: { S: 'y' }, n: { N: '3' } });
  });

  test('EventBridge patterns: prefix, nesting and $or', () => {
    const pattern = { $or: [{ 'source': ['aws.cloudwatch'], 'detail': { alarmName: [{ prefix: 'p-' }], state: { value: ['ALARM'] } } }, { source: ['manual'] }] };
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', detail: { alarmName: 'p-x-drift', state: { value: 'ALARM' } } })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', detail: { alarmName: 'q-x-drift', state: { value: 'ALARM' } } })).toBe(false);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', detail: { alarmName: 'p-x-drift', state: { value: 'OK' } } })).toBe(false);
    expect(matchesPattern(pattern, { source: 'manual' })).toBe(true);
  });
});
