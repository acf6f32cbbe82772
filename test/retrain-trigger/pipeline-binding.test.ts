import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ApprovalPolicy, MetricDirection, RetrainTrigger, TrainingImage, TrainingPipeline, TrainingPipelineProps } from '../../lib';
import { testApp } from '../util/synth';

// A RetrainTrigger bound to a real TrainingPipeline (constructed, not deployed).
function pipeline(stack: Stack, id: string, o: Partial<TrainingPipelineProps> = {}): TrainingPipeline {
  return new TrainingPipeline(stack, id, {
    modelName: 'fraud',
    trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, `${id}Repo`, 'trainer'), 'v1'),
    datasetBucket: s3.Bucket.fromBucketName(stack, `${id}Data`, 'data-bucket'),
    datasetPrefix: 'datasets/',
    outputBucket: s3.Bucket.fromBucketName(stack, `${id}Out`, 'out-bucket'),
    metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=([0-9.]+)' }],
    evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9 },
    ...o,
  });
}

describe('RetrainTrigger with a TrainingPipeline: approval policy', () => {
  const stack = new Stack(testApp(), 'S');
  const auto = pipeline(stack, 'Auto');
  const manual = pipeline(stack, 'Manual', { approval: ApprovalPolicy.MANUAL });
  new RetrainTrigger(stack, 'OnAuto', { trainingPipeline: auto, alarmPrefix: 'a' });
  new RetrainTrigger(stack, 'OnManual', { trainingPipeline: manual, alarmPrefix: 'b' });
  const annotations = Annotations.fromStack(stack);

  test('the pipeline exposes its (defaulted) approval policy', () => {
    expect(auto.approval).toBe(ApprovalPolicy.AUTO);
    expect(manual.approval).toBe(ApprovalPolicy.MANUAL);
  });

  test('an AUTO-approving pipeline gets a warning on the trigger; a MANUAL one none', () => {
    annotations.hasWarning('/S/OnAuto', Match.stringLikeRegexp('cdk-mlops:auto-approval'));
    annotations.hasWarning('/S/OnAuto', Match.stringLikeRegexp('S/Auto registers candidates as Approved .*ApprovalPolicy.MANUAL'));
    annotations.hasNoWarning('/S/OnManual', Match.anyValue());
  });
});
