// The training-pipeline Lambda handler's pure parts and its S3 behaviour
// (against the simulated S3), plus the generic ASL helper.
import { gzipSync } from 'node:zlib';
import {
  distributedEnvironment, GPU_FAMILIES, hasInstanceStorage, jobNameBase, parseImage, PipelineFrame, TRAINING_INSTANCE_SIZES, TrainingSettings,
  unknownInstanceType,
} from '../../../lib/contracts/training-settings';
import { createHandler, listDataset, mergeSettings } from '../../../lib/runtime/training-pipeline';
import { readRecords } from '../../../lib/runtime/training-pipeline/baseline';
import { evaluate, EvaluateEvent } from '../../../lib/runtime/training-pipeline/gate';
import { FakeS3 } from '../../training/simulators';
import { resolveCfnString } from '../../util/asl';

const frame: PipelineFrame = {
  datasetBucket: 'd', datasetRootPrefix: 'datasets/', outputBucket: 'o', outputPrefix: 'training/', checkpointPrefix: 'ck/',
  allowCpuInstances: false, modelPackageGroupPrefix: '', volumeKmsKeyId: 'arn:aws:kms:us-east-1:1:key/k', maxRuntimeLimitSeconds: 604800,
};
const defaults: TrainingSettings = {
  modelName: 'fraud', datasetPrefix: 'datasets/fraud/', channels: ['train'], baselineChannel: 'train',
  trainingImage: `123456789012.dkr.ecr.us-east-1.amazonaws.com/t@sha256:${'1'.repeat(64)}`,
  instanceType: 'ml.p3.2xlarge', instanceCount: 1, volumeSizeGb: 50, inputMode: 'FastFile',
  hyperparameters: { epochs: '10' }, environment: {}, metricDefinitions: [{ name: 'loss', regex: 'loss=([0-9.]+)' }],
  maxRuntimeSeconds: 3600, spot: false, distribution: 'torch_distributed',
  evaluation: { metricName: 'loss', direction: 'minimize', threshold: 0.5 }, approval: 'auto', codeRevision: 'abc',
  tags: { team: 'risk' }, maxTrainingAttempts: 3, baselineMaxRows: 1000,
};

describe('mergeSettings', () => {
  test('maps merge, scalars replace, another model follows <root><model>/', () => {
    const s = mergeSettings(defaults, { modelName: 'churn', hyperparameters: { lr: '0.1' }, evaluation: { threshold: 0.4 }, instanceCount: 4 }, frame);
    expect(s).toMatchObject({
      modelName: 'churn', datasetPrefix: 'datasets/churn/', hyperparameters: { epochs: '10', lr: '0.1' },
      evaluation: { metricName: 'loss', direction: 'minimize', threshold: 0.4 }, instanceCount: 4, tags: { team: 'risk' },
    });
  });
  test('caller annotations starting with "_" are ignored; unknown keys are refused', () => {
    expect(mergeSettings(defaults, { _trigger: { alarm: 'x' } }, frame)).toEqual(defaults);
    expect(() => mergeSettings(defaults, { outputBucket: 'evil' }, frame)).toThrow(/"outputBucket" is not a per-model setting/);
  });
});

test('job names: deterministic, <= 63 characters with the attempt, SageMaker-valid', () => {
  const sha = (s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex');
  const a = jobNameBase('fraud', 'retrain_2026-11-27T10:00:00.000Z', sha);
  expect(a).toBe(jobNameBase('fraud', 'retrain_2026-11-27T10:00:00.000Z', sha));
  expect(a).not.toBe(jobNameBase('fraud', 'retrain_2026-11-27T10:00:00.001Z', sha));
  const long = jobNameBase('a-very-long-model-name-that-goes-on', 'x'.repeat(80), sha);
  for (const n of [a, long]) {
    expect(`${n}-10`.length).toBeLessThanOrEqual(63);
    expect(`${n}-1`).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
  }
});

test('instance storage, EFA and distributed environment', () => {
  expect(hasInstanceStorage('ml.g5.12xlarge')).toBe(true);
  expect(hasInstanceStorage('ml.p3.2xlarge')).toBe(false);
  expect(distributedEnvironment('ml.p4d.24xlarge', 2, 'torch_distributed').environment).toMatchObject({ FI_PROVIDER: 'efa', NCCL_SOCKET_IFNAME: 'eth0' });
  expect(distributedEnvironment('ml.g5.12xlarge', 2, 'torch_distributed').environment.FI_PROVIDER).toBeUndefined();
  expect(distributedEnvironment('ml.g5.12xlarge', 2, 'none')).toEqual({ environment: {}, hyperparameters: {} });
  expect(distributedEnvironment('ml.g5.12xlarge', 1, 'torch_distributed')).toEqual({ environment: {}, hyperparameters: {} });
});

test('instance types are checked against the table of real SageMaker training sizes', () => {
  expect(unknownInstanceType('ml.g5.12xlarge')).toBeUndefined();
  expect(unknownInstanceType('ml.p5.48xlarge')).toBeUndefined();
  expect(unknownInstanceType('ml.m5.xlarge')).toBeUndefined();
  expect(unknownInstanceType('ml.g5.13xlarge')).toMatch(/ml.g5 comes in xlarge, .*48xlarge/);
  expect(unknownInstanceType('ml.p4d.48xlarge')).toMatch(/ml.p4d comes in 24xlarge/);
  expect(unknownInstanceType('ml.q9.xlarge')).toMatch(/"q9" is not a training instance family/);
  expect(unknownInstanceType('g5.xlarge')).toMatch(/must be a SageMaker instance type/);
  for (const family of GPU_FAMILIES) expect(TRAINING_INSTANCE_SIZES[family]?.length).toBeGreaterThan(0);
});

test('image references', () => {
  expect(parseImage('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/trainer:2.4')).toMatchObject({ registryId: '123456789012', repositoryName: 'team/trainer', tag: '2.4' });
  expect(parseImage('123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer')).toMatchObject({ tag: 'latest' });
  const pinned = parseImage(`ghcr.io/x/y@sha256:${'a'.repeat(64)}`);
  expect(pinned.digest).toBe(`sha256:${'a'.repeat(64)}`);
  expect(pinned.repositoryName).toBeUndefined();
});

describe('prepare (dataset snapshot)', () => {
  test('records the current version of each object under the prefix, sets VolumeKmsKeyId only without instance storage', async () => {
    const s3 = new FakeS3();
    s3.put('d', 'datasets/fraud/train/a.csv', 'x,y\n1,2');
    s3.put('d', 'datasets/fraud/train/a.csv', 'x,y\n1,3'); // newer version
    s3.put('d', 'datasets/fraud/train/b.csv', 'x,y\n5,6');
    s3.put('d', 'datasets/other/train/c.csv', 'x\n1');
    const objects = await listDataset(s3, 'd', 'datasets/fraud/');
    expect(objects.map((o) => [o.key, o.versionId])).toEqual([['datasets/fraud/train/a.csv', 'v2'], ['datasets/fraud/train/b.csv', 'v3']]);
    const out: any = await createHandler(s3)({ action: 'prepare', executionName: 'e1', input: {}, defaults, frame });
    expect(out.job.resourceConfig).toEqual({ InstanceType: 'ml.p3.2xlarge', InstanceCount: 1, VolumeSizeInGB: 50, VolumeKmsKeyId: frame.volumeKmsKeyId });
    expect(out.image).toMatchObject({ digest: `sha256:${'1'.repeat(64)}` });
    expect(out.dataset.objectCount).toBe(2);
    // Same data, same hash; a new object version changes it.
    const again: any = await createHandler(s3)({ action: 'prepare', executionName: 'e2', input: {}, defaults, frame });
    expect(again.dataset.hash).toBe(out.dataset.hash);
    s3.put('d', 'datasets/fraud/train/b.csv', 'x,y\n5,7');
    const changed: any = await createHandler(s3)({ action: 'prepare', executionName: 'e3', input: {}, defaults, frame });
    expect(changed.dataset.hash).not.toBe(out.dataset.hash);
  });

  test('S3 throttling after the SDK retries surfaces as Mlops.Throttled (retried by the state machine)', async () => {
    const s3 = new FakeS3();
    s3.put('d', 'datasets/fraud/train/a.csv', 'x\n1');
    s3.failNext = ['SlowDown'];
    await expect(createHandler(s3)({ action: 'prepare', executionName: 'e', input: {}, defaults, frame }))
      .rejects.toMatchObject({ name: 'Mlops.Throttled', message: expect.stringContaining('SlowDown') });
  });

  test('the bundled handler is what the construct deploys', () => {
    const bundled = require('../../../assets/training-pipeline/index.js');
    expect(typeof bundled.handler).toBe('function');
  });

  test('an empty dataset prefix is an invalid input', async () => {
    await expect(createHandler(new FakeS3())({ action: 'prepare', executionName: 'e', input: {}, defaults, frame }))
      .rejects.toMatchObject({ name: 'Mlops.InvalidInput', message: expect.stringContaining('holds no objects') });
  });
});

describe('baseline readers (the drift engine\'s CsvParser / LineSplitter)', () => {
  const read = (key: string, bytes: Uint8Array) => {
    const rows: Record<string, unknown>[] = [];
    const malformed: string[] = [];
    readRecords(key, bytes, (r) => rows.push(r), (why) => malformed.push(why));
    return { rows, malformed };
  };

  test('CSV quoting (embedded comma, "" escape, quoted newline), empty cell is null, BOM and header spaces stripped', () => {
    const csv = '\uFEFFid, text ,q,e\r\n1,"a, b","say ""hi""",\r\n2,"line one\nline two",x,y\n';
    expect(read('p.csv', Buffer.from(csv))).toEqual({
      rows: [{ id: '1', text: 'a, b', q: 'say "hi"', e: null }, { id: '2', text: 'line one\nline two', q: 'x', e: 'y' }],
      malformed: [],
    });
    expect(read('p.csv', Buffer.from('a,b\n1,\n2,z')).rows).toEqual([{ a: '1', b: null }, { a: '2', b: 'z' }]);
  });

  test('a CSV row with the wrong field count is counted as malformed, never padded or cut', () => {
    const r = read('p.csv', Buffer.from('a,b\n1,2\n3\n4,5,6\n7,8\n'));
    expect(r.rows).toEqual([{ a: '1', b: '2' }, { a: '7', b: '8' }]);
    expect(r.malformed).toEqual(['1 fields, header has 2', '3 fields, header has 2']);
  });

  test('gzipped JSON Lines: plain objects are rows, bad JSON and non-objects are counted; other files yield nothing', () => {
    const r = read('part.jsonl.gz', gzipSync(Buffer.from('{"a":1}\nnot json\n[1]\n{"a":2,"b":"x"}\n')));
    expect(r.rows).toEqual([{ a: 1 }, { a: 2, b: 'x' }]);
    expect(r.malformed).toEqual(['not valid JSON', 'not a JSON object']);
    expect(read('model.tar.gz', gzipSync(Buffer.from('binary')))).toEqual({ rows: [], malformed: [] });
  });

  test('the baseline action returns malformedRows and keeps baselineMaxRows', async () => {
    const s3 = new FakeS3();
    s3.put('d', 'datasets/fraud/train/a.csv', '\uFEFFx,y\n1,"2\n"\n3\n4,5\n');
    s3.put('d', 'datasets/fraud/train/b.jsonl', '{"x":6,"y":7}\nnope\n');
    s3.put('d', 'datasets/fraud/train/c.jsonl', '{"x":8,"y":9}\n');
    const baseline = (baselineMaxRows: number) => createHandler(s3)({
      action: 'baseline', datasetBucket: 'd', modelArtifactUri: 's3://o/job/output/model.tar.gz', settings: { ...defaults, baselineMaxRows },
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const all: any = await baseline(1000);
      expect(all).toMatchObject({ recordCount: 4, files: 3, malformedRows: 2, key: 'job/output/baseline.json' });
      // each object with malformed rows is logged with its key
      expect(warn.mock.calls.map((c) => JSON.parse(c[0]).baseline.object)).toEqual(['s3://d/datasets/fraud/train/a.csv', 's3://d/datasets/fraud/train/b.jsonl']);
      const capped: any = await baseline(2);
      expect(capped).toMatchObject({ recordCount: 2, files: 1, malformedRows: 1 });
    } finally {
      warn.mockRestore();
    }
  });
});

describe('evaluation gate', () => {
  const event = (metrics: Record<string, number>, champion: Record<string, string> | undefined, over: Partial<TrainingSettings['evaluation']> = {}): EvaluateEvent => ({
    executionId: 'arn:x', settings: { ...defaults, evaluation: { ...defaults.evaluation, ...over } },
    training: { TrainingJobName: 'j-1', ModelArtifacts: { S3ModelArtifacts: 's3://o/m.tar.gz' }, FinalMetricDataList: Object.entries(metrics).map(([MetricName, Value]) => ({ MetricName, Value })) },
    champion: champion ? { description: { ModelPackageArn: 'arn:champ', CustomerMetadataProperties: champion } } : {},
    dataset: { hash: 'h', versionUri: 's3://o/v.json' }, image: { uri: 'i', digest: null }, baseline: { uri: 's3://o/b.json' },
  });
  test('minimize: below the threshold passes, above is rejected', () => {
    expect(evaluate(event({ loss: 0.3 }, undefined)).verdict).toBe('passed');
    expect(evaluate(event({ loss: 0.6 }, undefined))).toMatchObject({ verdict: 'rejected', approvalStatus: 'Rejected' });
  });
  test('a missing objective metric is a rejection, not a crash', () => {
    expect(evaluate(event({ other: 1 }, undefined))).toMatchObject({ verdict: 'rejected', reason: expect.stringContaining('no final value') });
  });
  test('champion delta in the metric direction; a champion without the metric leaves only the threshold', () => {
    expect(evaluate(event({ loss: 0.30 }, { 'metric.loss': '0.32' }, { minImprovement: 0.01 })).verdict).toBe('passed');
    expect(evaluate(event({ loss: 0.315 }, { 'metric.loss': '0.32' }, { minImprovement: 0.01 })).verdict).toBe('rejected');
    expect(evaluate(event({ loss: 0.3 }, {}, { minImprovement: 0.01 }))).toMatchObject({ verdict: 'passed', champion: { comparable: false } });
  });
  test('lineage metadata stays within SageMaker limits', () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 80; i++) many[`m${i}`] = i;
    const r = evaluate({ ...event({ loss: 0.1, ...many }, undefined), settings: { ...defaults, hyperparameters: Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`h${i}`, 'x'.repeat(400)])) } });
    expect(Object.keys(r.customerMetadata).length).toBeLessThanOrEqual(50);
    expect(Object.values(r.customerMetadata).every((v) => v.length <= 256)).toBe(true);
    expect(r.tags.length).toBeLessThanOrEqual(50);
    expect(r.clientToken).toMatch(/^[0-9a-f]{36}$/);
  });
});

test('asl helper: resolves Fn::Join, Ref, GetAtt, pseudo parameters and Fn::Sub to placeholders', () => {
  expect(resolveCfnString({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/', { 'Fn::GetAtt': ['Fn', 'Arn'] }]] }))
    .toBe('arn:aws:s3:::ref-Bucket/arn:aws:cdk:us-east-1:123456789012:Fn');
  expect(resolveCfnString({ 'Fn::Sub': '${AWS::Region}-${Role.Arn}-${X}' })).toBe('us-east-1-arn:aws:cdk:us-east-1:123456789012:Role-ref-X');
  expect(resolveCfnString({ Ref: 'Bucket' }, (i) => (i.Ref === 'Bucket' ? 'my-bucket' : undefined))).toBe('my-bucket');
});
