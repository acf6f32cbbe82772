// Executions of the SYNTHESIZED TrainingPipeline definition with
// aws-local-stepfunctions; every Task answered by a service simulator, the
// Lambda tasks by the real handler against a simulated S3.
import { createHash } from 'node:crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { validateBaseline } from '../../lib/monitoring/engine';
import { MetricDirection, TrainingImage, TrainingPipeline } from '../../lib/training/training-pipeline';
import { definitionOf, runAsl, RunResult } from '../util/asl';
import { testApp } from '../util/synth';
import {
  describeImages, FakeS3, IMAGE_DIGEST, lambdaTask, MetricsSimulator, RegistrySimulator, s3PutObject, TopicSimulator, TrainingSimulator,
  TrainingStep,
} from './simulators';

const DATA = 'fraud-datasets';
const OUT = 'fraud-models';

let asl: any;
beforeAll(() => {
  const app = testApp();
  const stack = new Stack(app, 'Exec');
  new TrainingPipeline(stack, 'Fraud', {
    modelName: 'fraud',
    trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'fraud-trainer'), 'v7'),
    datasetBucket: s3.Bucket.fromBucketName(stack, 'Data', DATA),
    datasetPrefix: 'datasets/',
    outputBucket: s3.Bucket.fromBucketName(stack, 'Out', OUT),
    checkpointPrefix: 'checkpoints/',
    channels: ['train', 'validation'],
    instanceType: 'ml.g5.12xlarge',
    instanceCount: 2,
    useSpotInstances: true,
    maxRuntime: Duration.hours(8),
    maxWait: Duration.hours(12),
    hyperparameters: { epochs: '10', lr: '0.001' },
    metricDefinitions: [
      { name: 'val_auc', regex: 'val_auc=([0-9.]+)' },
      { name: 'val_loss', regex: 'val_loss=([0-9.]+)' },
    ],
    evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.85 },
    codeRevision: '3f2c1ab',
    tags: { team: 'risk' },
  });
  asl = definitionOf(Template.fromStack(stack).toJSON());
});

function seedDataset(store: FakeS3, model = 'fraud'): void {
  const rows = (n: number, shift: number) => ['amount,merchant,label',
    ...Array.from({ length: n }, (_, i) => `${(i * 7.5 + shift).toFixed(2)},${['grocery', 'travel', 'online'][i % 3]},${i % 5 === 0 ? 1 : 0}`)].join('\n');
  store.put(DATA, `datasets/${model}/train/part-0000.csv`, rows(300, 0));
  store.put(DATA, `datasets/${model}/train/part-0001.csv`, rows(200, 3));
  store.put(DATA, `datasets/${model}/validation/part-0000.csv`, rows(120, 1));
}

interface World {
  s3: FakeS3; training: TrainingSimulator; registry: RegistrySimulator; topic: TopicSimulator; metrics: MetricsSimulator;
  run: (input?: unknown, name?: string) => Promise<RunResult>;
}

function world(plan: TrainingStep[] = ['complete'], metrics: Record<string, number> = { val_auc: 0.93, val_loss: 0.21 }, opts: { lambdaThrottles?: number } = {}): World {
  const store = new FakeS3();
  seedDataset(store);
  const training = new TrainingSimulator(store, plan, metrics);
  const registry = new RegistrySimulator();
  const topic = new TopicSimulator();
  const cloudwatch = new MetricsSimulator();
  const fn = lambdaTask(store);
  const handlers = {
    SnapshotDataset: lambdaTask(store, { throttleFirst: opts.lambdaThrottles ?? 0 }),
    ResolveImageDigest: describeImages,
    TrainModel: training.handle,
    ComputeBaseline: fn,
    FindChampion: registry.list,
    DescribeChampion: registry.describe,
    EvaluateCandidate: fn,
    RegisterModelPackage: registry.create,
    NotifyOutcome: topic.publish,
    RecordFailure: s3PutObject(store),
    NotifyFailure: topic.publish,
    CountOutcomeNotificationFailure: cloudwatch.putMetricData,
    CountFailureNotificationFailure: cloudwatch.putMetricData,
  };
  return {
    s3: store, training, registry, topic, metrics: cloudwatch,
    run: (input = {}, name = 'retrain-2026-11-27T10-00-00Z') => runAsl(asl, input, { handlers, executionName: name }),
  };
}

describe('success', () => {
  let w: World;
  let r: RunResult;
  beforeAll(async () => {
    w = world();
    r = await w.run({ codeRevision: '9e8d7c6' });
  });

  test('takes the happy path and ends in ModelRegistered', () => {
    expect(r.status).toBe('SUCCEEDED');
    expect(r.path).toEqual([
      'SnapshotDataset', 'ImagePinned?', 'ResolveImageDigest', 'PinImage', 'TrainModel', 'ComputeBaseline',
      'CompareWithChampion?', 'EvaluateCandidate', 'RegisterModelPackage', 'BuildOutput', 'NotifyOutcome', 'Verdict?', 'ModelRegistered',
    ]);
  });

  test('output follows the documented contract', () => {
    const o = r.output;
    expect(o).toMatchObject({
      verdict: 'passed',
      approvalStatus: 'Approved',
      modelName: 'fraud',
      modelPackageGroupName: 'fraud',
      modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/1',
      modelVersion: '1',
      trainingAttempts: 1,
      imageDigest: IMAGE_DIGEST,
      trainingImage: `123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-trainer@${IMAGE_DIGEST}`,
      codeRevision: '9e8d7c6',
      metrics: { val_auc: 0.93, val_loss: 0.21 },
      objective: { metricName: 'val_auc', direction: 'maximize', value: 0.93, threshold: 0.85, minImprovement: null },
      champion: null,
    });
    expect(o.modelArtifactUri).toBe(`s3://${OUT}/training/models/fraud/${o.trainingJobName}/output/model.tar.gz`);
    expect(o.baselineUri).toBe(`s3://${OUT}/training/models/fraud/${o.trainingJobName}/output/baseline.json`);
    expect(o.baselineLocation).toEqual({ bucket: OUT, key: `training/models/fraud/${o.trainingJobName}/output/baseline.json` });
    expect(o.dataset).toMatchObject({ uri: `s3://${DATA}/datasets/fraud/`, objectCount: 3 });
    expect(Object.keys(o).sort()).toEqual([
      'approvalStatus', 'baselineLocation', 'baselineUri', 'champion', 'codeRevision', 'dataset', 'imageDigest', 'metrics', 'modelArtifactUri',
      'modelName', 'modelPackageArn', 'modelPackageGroupName', 'modelVersion', 'objective', 'reason', 'trainingAttempts', 'trainingImage', 'trainingJobName', 'verdict',
    ]);
  });

  test('the dataset version record is written and its hash is reproducible', () => {
    const record = w.s3.getJson(r.output.dataset.versionUri);
    expect(record.objects.map((x: any) => x.key)).toEqual([
      'datasets/fraud/train/part-0000.csv', 'datasets/fraud/train/part-0001.csv', 'datasets/fraud/validation/part-0000.csv',
    ]);
    expect(record.objects.every((x: any) => /^v\d+$/.test(x.versionId) && /^[0-9a-f]{32}$/.test(x.etag))).toBe(true);
    const h = createHash('sha256');
    for (const x of record.objects) h.update(`${x.key}\t${x.versionId ?? ''}\t${x.etag}\t${x.size}\n`);
    expect(record.hash).toBe(h.digest('hex'));
    expect(r.output.dataset.hash).toBe(record.hash);
    expect(r.output.dataset.versionUri).toBe(`s3://${OUT}/training/dataset-versions/fraud/${record.hash}.json`);
  });

  test('the training job request: derived name, spot, checkpoints, FastFile, distributed env, isolation', () => {
    expect(w.training.requests).toHaveLength(1);
    const req = w.training.requests[0];
    expect(req.TrainingJobName).toMatch(/^fraud-retrain-2026-11-27T10-00-00Z-[0-9a-f]{8}-1$/);
    expect(req.TrainingJobName.length).toBeLessThanOrEqual(63);
    expect(req).toMatchObject({
      AlgorithmSpecification: { TrainingInputMode: 'FastFile', MetricDefinitions: [{ Name: 'val_auc', Regex: 'val_auc=([0-9.]+)' }, { Name: 'val_loss', Regex: 'val_loss=([0-9.]+)' }] },
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 8 * 3600, MaxWaitTimeInSeconds: 12 * 3600 },
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      HyperParameters: { epochs: '10', lr: '0.001', sagemaker_torch_distributed_enabled: 'true' },
      Environment: { NCCL_SOCKET_IFNAME: 'eth0' },
      CheckpointConfig: { S3Uri: expect.stringMatching(new RegExp(`^s3://${OUT}/checkpoints/fraud/fraud-retrain-.*-[0-9a-f]{8}/$`)) },
      OutputDataConfig: { S3OutputPath: `s3://${OUT}/training/models/fraud/` },
      InputDataConfig: [
        { ChannelName: 'train', DataSource: { S3DataSource: { S3Uri: `s3://${DATA}/datasets/fraud/train/`, S3DataType: 'S3Prefix' } } },
        { ChannelName: 'validation', DataSource: { S3DataSource: { S3Uri: `s3://${DATA}/datasets/fraud/validation/` } } },
      ],
    });
    // ml.g5 has local NVMe storage (hardware-encrypted): SageMaker rejects a VolumeKmsKeyId for it.
    expect(req.ResourceConfig).toEqual({ InstanceType: 'ml.g5.12xlarge', InstanceCount: 2, VolumeSizeInGB: 50 });
    expect(req.OutputDataConfig.KmsKeyId).toMatch(/^arn:/);
    expect(req.Tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'risk' }, { Key: 'mlops:model', Value: 'fraud' }]));
  });

  test('the baseline is computed by the drift engine and stored beside the artifact', () => {
    const baseline = validateBaseline(w.s3.getJson(r.output.baselineUri));
    expect(baseline.recordCount).toBe(120); // the validation channel
    expect(baseline.features.amount.type).toBe('numeric');
    expect(baseline.features.merchant.type).toBe('categorical');
  });

  test('the model package carries the lineage as metadata and tags', () => {
    const pkg = w.registry.packages[0];
    expect(pkg.request).toMatchObject({
      ModelPackageGroupName: 'fraud',
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: { Containers: [{ Image: r.output.trainingImage, ModelDataUrl: r.output.modelArtifactUri }] },
      MetadataProperties: { CommitId: '9e8d7c6' },
      DriftCheckBaselines: { ModelDataQuality: { Statistics: { ContentType: 'application/json', S3Uri: r.output.baselineUri } } },
      CustomerMetadataProperties: {
        'mlops:dataHash': r.output.dataset.hash,
        'mlops:imageDigest': IMAGE_DIGEST,
        'mlops:codeRevision': '9e8d7c6',
        'mlops:trainingJob': r.output.trainingJobName,
        'metric.val_auc': '0.93',
        'hp.epochs': '10',
      },
    });
    expect(pkg.request.MetadataProperties.GeneratedBy).toMatch(/execution:Test:retrain-/);
    expect(pkg.request.Tags).toEqual(expect.arrayContaining([
      { Key: 'mlops:data-hash', Value: r.output.dataset.hash }, { Key: 'mlops:code-revision', Value: '9e8d7c6' },
    ]));
    expect(w.topic.messages.map((m) => m.Message)).toEqual([expect.stringContaining('candidate passed (Approved)')]);
  });

  test('a duplicated execution (same name) cannot start a second training job', async () => {
    const again = await w.run({ codeRevision: '9e8d7c6' });
    expect(again.status).toBe('FAILED');
    expect(w.training.jobs.size).toBe(1);
    expect(again.path).toContain('TrainingFailed');
    expect(w.registry.packages).toHaveLength(1);
  });
});

test('training failure: recorded, notified, ends in TrainingFailed', async () => {
  const w = world(['fail']);
  const r = await w.run();
  expect(r.status).toBe('FAILED');
  expect(r.path.slice(-8)).toEqual([
    'TrainModel', 'TrainingErrorDefaults', 'TrainingMergeError', 'TrainingLiftError', 'CapacityFailure?', 'RecordFailure', 'NotifyFailure', 'TrainingFailed',
  ]);
  expect(r.error?.Error).toBe('TrainingPipelineFailed');
  expect(String(r.error?.Cause)).toContain('AlgorithmError: CUDA out of memory');
  // The failure record is States.JsonToString($). aws-local-stepfunctions strips every backslash from
  // intrinsic string results (Step Functions does not), so nested JSON in Cause is not re-parsable
  // here; check the record's fields textually.
  const raw = w.s3.get(OUT, 'training/runs/retrain-2026-11-27T10-00-00Z/failure.json')!.toString();
  expect(raw).toContain('"error":{"Error":"States.TaskFailed"');
  expect(raw).toMatch(/"attempt":\{"number":1,"jobName":"fraud-retrain-[^"]*-1"\}/);
  expect(raw).toContain(`"dataset":{"uri":"s3://${DATA}/datasets/fraud/"`);
  expect(w.topic.messages[0].Subject).toBe('cdk-mlops: training pipeline failed');
  expect(w.topic.messages[0].Message).toContain('AlgorithmError');
  expect(w.training.jobs.size).toBe(1);
  expect(w.registry.packages).toHaveLength(0);
});

test('throttling then success: Lambda and CreateTrainingJob retried, one job', async () => {
  const w = world(['throttle', 'throttle', 'complete'], undefined, { lambdaThrottles: 1 });
  const r = await w.run();
  expect(r.status).toBe('SUCCEEDED');
  expect(r.retries).toEqual(['SnapshotDataset', 'TrainModel', 'TrainModel']);
  expect(w.training.requests).toHaveLength(3);
  expect(new Set(w.training.requests.map((q) => q.TrainingJobName)).size).toBe(1);
  expect(w.training.jobs.size).toBe(1);
  expect(r.output.verdict).toBe('passed');
  expect(r.path[r.path.length - 1]).toBe('ModelRegistered');
});

test('spot interruption: a second job resumes from the same checkpoint URI', async () => {
  const w = world(['spot-capacity', 'complete']);
  const r = await w.run();
  expect(r.status).toBe('SUCCEEDED');
  expect(r.path.filter((s) => s === 'TrainModel')).toHaveLength(2);
  expect(r.path).toEqual(expect.arrayContaining(['CapacityFailure?', 'NextTrainingAttempt']));
  const [first, second] = w.training.requests;
  expect(first.TrainingJobName).toMatch(/-1$/);
  expect(second.TrainingJobName).toBe(first.TrainingJobName.replace(/-1$/, '-2'));
  expect(second.CheckpointConfig.S3Uri).toBe(first.CheckpointConfig.S3Uri);
  const job = w.training.jobs.get(second.TrainingJobName);
  expect(job).toBeDefined();
  expect(r.output.trainingAttempts).toBe(2);
  expect(r.output.trainingJobName).toBe(second.TrainingJobName);
  // The simulator resumed the second job from the epoch-3 checkpoint the first one wrote.
  expect(r.events.filter((e) => e.type === 'StateExited' && e.state.name === 'TrainModel').pop()?.state.output.training.SecondaryStatusTransitions)
    .toEqual(expect.arrayContaining([{ Status: 'Training', StatusMessage: 'Resumed from checkpoint epoch 3' }]));
});

test('spot capacity exhausted on every attempt: stops after maxTrainingAttempts', async () => {
  const w = world(['spot-capacity', 'spot-capacity', 'spot-capacity', 'complete']);
  const r = await w.run({ maxTrainingAttempts: 2 });
  expect(r.status).toBe('FAILED');
  expect(w.training.jobs.size).toBe(2);
  expect(r.path.slice(-3)).toEqual(['RecordFailure', 'NotifyFailure', 'TrainingFailed']);
});

test('metric below the threshold: registered as Rejected, ends in CandidateRejected', async () => {
  const w = world(['complete'], { val_auc: 0.8, val_loss: 0.4 });
  const r = await w.run();
  expect(r.status).toBe('SUCCEEDED');
  expect(r.path.slice(-4)).toEqual(['BuildOutput', 'NotifyOutcome', 'Verdict?', 'CandidateRejected']);
  expect(r.output).toMatchObject({ verdict: 'rejected', approvalStatus: 'Rejected', objective: { value: 0.8, threshold: 0.85 } });
  expect(r.output.reason).toContain('below the threshold 0.85');
  expect(w.registry.packages[0].ModelApprovalStatus).toBe('Rejected');
  expect(w.registry.packages[0].CustomerMetadataProperties['mlops:verdict']).toBe('rejected');
  expect(w.topic.messages[0].Message).toContain('candidate rejected (Rejected)');
});

describe('champion comparison (minImprovement from the execution input)', () => {
  const input = { evaluation: { minImprovement: 0.01 } };

  test('candidate worse than the champion: rejected, champion stays the newest Approved', async () => {
    const w = world(['complete'], { val_auc: 0.93, val_loss: 0.2 });
    w.registry.seed('fraud', 'Approved', { 'metric.val_auc': '0.90' });
    const champion = w.registry.seed('fraud', 'Approved', { 'metric.val_auc': '0.935' });
    w.registry.seed('fraud', 'Rejected', { 'metric.val_auc': '0.99' });
    const r = await w.run(input);
    expect(r.path).toEqual(expect.arrayContaining(['CompareWithChampion?', 'FindChampion', 'ChampionExists?', 'DescribeChampion', 'EvaluateCandidate']));
    expect(r.path[r.path.length - 1]).toBe('CandidateRejected');
    expect(r.output).toMatchObject({ verdict: 'rejected', approvalStatus: 'Rejected', champion: { modelPackageArn: champion, value: 0.935, comparable: true } });
    expect(r.output.reason).toContain("does not beat the champion's 0.935 by at least 0.01");
    expect(w.registry.packages.filter((p) => p.ModelApprovalStatus === 'Approved').map((p) => p.ModelPackageArn).pop()).toBe(champion);
  });

  test('candidate better than the champion by >= delta: Approved', async () => {
    const w = world(['complete'], { val_auc: 0.95, val_loss: 0.2 });
    w.registry.seed('fraud', 'Approved', { 'metric.val_auc': '0.93' });
    const r = await w.run(input);
    expect(r.output).toMatchObject({ verdict: 'passed', approvalStatus: 'Approved', champion: { value: 0.93 } });
    expect(r.path[r.path.length - 1]).toBe('ModelRegistered');
  });

  test('no champion yet: FindChampion finds none and the threshold decides', async () => {
    const w = world();
    const r = await w.run(input);
    expect(r.path).toEqual(expect.arrayContaining(['FindChampion', 'ChampionExists?']));
    expect(r.path).not.toContain('DescribeChampion');
    expect(r.output).toMatchObject({ verdict: 'passed', champion: null });
  });
});

test('per-model input: another model, its own dataset, group, job names and approval', async () => {
  const w = world();
  seedDataset(w.s3, 'churn');
  const r = await w.run({
    modelName: 'churn', approval: 'manual', instanceType: 'ml.p4d.24xlarge', instanceCount: 1, spot: false,
    hyperparameters: { epochs: '3' },
  });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.output).toMatchObject({ modelName: 'churn', modelPackageGroupName: 'churn', approvalStatus: 'PendingManualApproval', verdict: 'passed' });
  const req = w.training.requests[0];
  expect(req.TrainingJobName).toMatch(/^churn-/);
  expect(req.HyperParameters).toEqual({ epochs: '3', lr: '0.001' });
  expect(req.EnableManagedSpotTraining).toBe(false);
  expect(req.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 8 * 3600 });
  expect(req.InputDataConfig[0].DataSource.S3DataSource.S3Uri).toBe(`s3://${DATA}/datasets/churn/train/`);
  expect(req.Environment).toEqual({}); // a single instance is not distributed
});

test.each([
  [{ instanceType: 'ml.m5.xlarge' }, 'GPU/accelerator type'],
  [{ maxWaitSeconds: 3600 }, 'must be >= maxRuntime'],
  [{ datasetPrefix: 'other/fraud/' }, 'must lie under'],
  [{ roleArn: 'arn:aws:iam::1:role/x' }, 'not a per-model setting'],
  // Issue 13 defect 6 / issue 14 item 1: the rules the construct applies at synth, at run time.
  [{ instanceType: 'ml.g5.13xlarge' }, 'must be a real size: ml.g5 comes in'],
  [{ channels: ['train', 'train'] }, 'channel names must be unique'],
  [{ trainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-trainer:latest' }, 'must be pinned'],
  [{ trainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-trainer' }, 'must be pinned'],
])('invalid execution input %j fails before any training job', async (input, message) => {
  const w = world();
  const r = await w.run(input);
  expect(r.status).toBe('FAILED');
  expect(r.path).toEqual(['SnapshotDataset', 'ErrorDefaults', 'MergeError', 'LiftError', 'RecordFailure', 'NotifyFailure', 'TrainingFailed']);
  expect(String(r.error?.Cause)).toContain(message);
  expect(w.training.requests).toHaveLength(0);
});

// Issue 13, defect 3: a failure after RegisterModelPackage must never discard a registered candidate.
// Notifications are best-effort; a failed one is counted in CdkMlops/TrainingPipeline NotificationFailures
// (dimension StateMachine, from $$.StateMachine.Name: "Test" in these runs) and the execution goes on.
describe('notifications are best-effort', () => {
  const registeredPath = ['RegisterModelPackage', 'BuildOutput', 'NotifyOutcome', 'CountOutcomeNotificationFailure', 'Verdict?', 'ModelRegistered'];

  test('a permanent SNS error (SNS.KMSAccessDeniedException) after registration: the candidate stays registered, the execution succeeds', async () => {
    const w = world();
    w.topic.failAlways = 'SNS.KMSAccessDeniedException';
    const r = await w.run();
    expect(r.status).toBe('SUCCEEDED');
    expect(r.path.slice(-6)).toEqual(registeredPath);
    expect(r.path).not.toContain('RecordFailure');
    expect(r.retries.filter((s) => s === 'NotifyOutcome')).toHaveLength(0); // not retryable: caught at once
    expect(w.registry.packages).toHaveLength(1);
    expect(w.registry.packages[0]).toMatchObject({ ModelApprovalStatus: 'Approved' });
    expect(r.output).toMatchObject({ verdict: 'passed', modelVersion: '1', notificationFailure: { Error: 'SNS.KMSAccessDeniedException' } });
    expect(w.metrics.data).toEqual([
      { namespace: 'CdkMlops/TrainingPipeline', name: 'NotificationFailures', dimensions: { StateMachine: 'Test' }, value: 1, unit: 'Count' },
    ]);
  });

  test.each(['Sns.ThrottledException', 'SNS.ThrottledException'])('%s on every attempt: retried 6 times, then counted, the candidate kept', async (error) => {
    const w = world();
    w.topic.failAlways = error;
    const r = await w.run();
    expect(r.status).toBe('SUCCEEDED');
    expect(r.retries.filter((s) => s === 'NotifyOutcome')).toHaveLength(6);
    expect(r.path.slice(-3)).toEqual(['CountOutcomeNotificationFailure', 'Verdict?', 'ModelRegistered']);
    expect(w.registry.packages).toHaveLength(1);
    expect(w.metrics.data.map((d) => d.name)).toEqual(['NotificationFailures']);
  });

  test('throttled twice, then delivered: no failure recorded, no metric', async () => {
    const w = world();
    w.topic.failNext = ['Sns.ThrottledException', 'SNS.KmsThrottlingException'];
    const r = await w.run();
    expect(r.status).toBe('SUCCEEDED');
    expect(r.retries.filter((s) => s === 'NotifyOutcome')).toHaveLength(2);
    expect(r.output.notificationFailure).toBeUndefined();
    expect(w.topic.messages).toHaveLength(1);
    expect(w.metrics.data).toEqual([]);
  });

  test('a rejected candidate with a failing notification still ends in CandidateRejected', async () => {
    const w = world(['complete'], { val_auc: 0.5, val_loss: 0.9 });
    w.topic.failAlways = 'States.Timeout';
    const r = await w.run();
    expect(r.status).toBe('SUCCEEDED');
    expect(r.path.slice(-2)).toEqual(['Verdict?', 'CandidateRejected']);
    expect(w.registry.packages[0]).toMatchObject({ ModelApprovalStatus: 'Rejected' });
  });

  test('the metric cannot be written either: the execution still succeeds', async () => {
    const w = world();
    w.topic.failAlways = 'SNS.KMSAccessDeniedException';
    w.metrics.failAlways = 'CloudWatch.CloudWatchException';
    const r = await w.run();
    expect(r.status).toBe('SUCCEEDED');
    expect(r.retries.filter((s) => s === 'CountOutcomeNotificationFailure')).toHaveLength(6);
    expect(r.path.slice(-2)).toEqual(['Verdict?', 'ModelRegistered']);
  });

  test('a failed failure notification is counted too, and the execution fails as it would have', async () => {
    const w = world(['fail']);
    w.topic.failAlways = 'SNS.KMSAccessDeniedException';
    const r = await w.run();
    expect(r.status).toBe('FAILED');
    expect(r.path.slice(-4)).toEqual(['RecordFailure', 'NotifyFailure', 'CountFailureNotificationFailure', 'TrainingFailed']);
    expect(r.error?.Error).toBe('TrainingPipelineFailed');
    expect(String(r.error?.Cause)).toContain('AlgorithmError');
    expect(w.metrics.data).toHaveLength(1);
  });
});
