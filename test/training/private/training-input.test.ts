// validateTrainingInput: a per-model training input (RetrainTrigger / ModelFactory) checked at synth
// with the rules and the code the pipeline's handler runs on every execution input.
import { Lazy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { mergeSettings, prepare } from '../../../lib/runtime/training-pipeline';
import { validateTrainingInput } from '../../../lib/training/private/training-input';
import { MetricDirection, TrainingImage, TrainingPipeline } from '../../../lib/training/training-pipeline';
import { testApp } from '../../util/synth';
import { FakeS3 } from '../simulators';

function pipeline(): { stack: Stack; p: TrainingPipeline; caller: Construct } {
  const stack = new Stack(testApp(), 'Input');
  const p = new TrainingPipeline(stack, 'P', {
    modelName: 'fraud',
    trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'trainer'), 'v1'),
    datasetBucket: s3.Bucket.fromBucketName(stack, 'Data', 'data-bucket'),
    datasetPrefix: 'datasets/',
    outputBucket: s3.Bucket.fromBucketName(stack, 'Out', 'out-bucket'),
    channels: ['train', 'validation'],
    metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=([0-9.]+)' }],
    evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9 },
  });
  return { stack, p, caller: new Construct(stack, 'Trigger') };
}

const CASES: [string, Record<string, unknown>, RegExp][] = [
  ['a size that does not exist', { instanceType: 'ml.g5.13xlarge' }, /"models\[fraud\]\.trainingInput\.instanceType" \("ml\.g5\.13xlarge"\): must be a real size/],
  ['a CPU instance', { instanceType: 'ml.m5.xlarge' }, /"models\[fraud\]\.trainingInput\.instanceType" \("ml\.m5\.xlarge"\): must be a GPU\/accelerator type/],
  ['an unknown key', { instanceTyp: 'ml.g5.xlarge' }, /"models\[fraud\]\.trainingInput\.instanceTyp" \("ml\.g5\.xlarge"\): is not a per-model setting/],
  ['direction "up"', { evaluation: { direction: 'up' } }, /"models\[fraud\]\.trainingInput\.evaluation\.direction" \("up"\): must be one of "maximize", "minimize"/],
  ['an objective missing from metricDefinitions', { evaluation: { metricName: 'f1' } }, /"models\[fraud\]\.trainingInput\.evaluation\.metricName" \("f1"\): must be one of the metric definitions \(val_auc\)/],
  ['duplicate channels', { channels: ['train', 'train'] }, /"models\[fraud\]\.trainingInput\.channels" .*must be unique/],
  ['an image tagged latest', { trainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:latest' }, /"models\[fraud\]\.trainingInput\.trainingImage" .*must be pinned/],
];

describe('validateTrainingInput (synth)', () => {
  test.each(CASES)('%s is an MlopsValidationError on the caller', (_name, input, message) => {
    const { p, caller } = pipeline();
    let error: Error | undefined;
    try {
      validateTrainingInput(p, caller, 'models[fraud].trainingInput', input);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('MlopsValidationError');
    expect(error?.message).toMatch(/^\[cdk-mlops\] Input\/Trigger: invalid prop /);
    expect(error?.message).toMatch(message);
  });

  test('a valid input returns the merged settings the handler would use', () => {
    const { p, caller } = pipeline();
    const settings = validateTrainingInput(p, caller, 'trainingInput', {
      modelName: 'fraud-us', instanceType: 'ml.p4d.24xlarge', hyperparameters: { lr: '0.01' }, _trigger: { alarm: 'x' },
    });
    expect(settings).toMatchObject({ modelName: 'fraud-us', datasetPrefix: 'datasets/fraud-us/', instanceType: 'ml.p4d.24xlarge', hyperparameters: { lr: '0.01' } });
  });

  test('tokens are left to run time', () => {
    const { p, caller } = pipeline();
    expect(() => validateTrainingInput(p, caller, 'trainingInput', { codeRevision: Lazy.string({ produce: () => 'abc' }) })).not.toThrow();
  });
});

// The same inputs fail the same way at run time (the handler's prepare action), before any S3 call.
describe('the handler refuses the same inputs', () => {
  test.each(CASES)('%s', async (_name, input) => {
    const { stack, p } = pipeline();
    // The frame and defaults as the definition carries them, tokens (bucket names, key ARN, image URI) resolved.
    const settings = validateTrainingInput(p, new Construct(stack, 'Probe'), 'x', {});
    const frame = { ...(p as any).frame, volumeKmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k', datasetBucket: 'data-bucket', outputBucket: 'out-bucket' };
    const defaultsAtRunTime = { ...settings, trainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:v1' };
    if (Object.keys(input).some((k) => k === 'instanceTyp')) expect(() => mergeSettings(defaultsAtRunTime, input, frame)).toThrow(/not a per-model setting/);
    await expect(prepare(new FakeS3() as any, { action: 'prepare', executionName: 'e', input, defaults: defaultsAtRunTime, frame }))
      .rejects.toThrow(/invalid setting|not a per-model setting/);
  });
});
