// CloudFormation footprint of each additional TrainingPipeline: synthesizes one
// stack with 1, 2 and 10 pipelines (sharing the buckets and the ECR
// repository) and reports the marginal resources and template bytes.
//
//   node bench/training-footprint.js   ->   one JSON line
//
// `addModel()` on an existing pipeline (one shared state machine for many
// models) is measured too: it costs one model package group.
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MetricDirection, TrainingImage, TrainingPipeline } from '../lib';

interface Footprint { resources: number; bytes: number }

function synth(pipelines: number, extraModels = 0, prefix = false): Footprint {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true } });
  const stack = new Stack(app, 'Footprint');
  const datasets = new s3.Bucket(stack, 'Datasets');
  const models = new s3.Bucket(stack, 'Models');
  const repo = new ecr.Repository(stack, 'Trainer');
  for (let i = 0; i < pipelines; i++) {
    const p = new TrainingPipeline(stack, `Pipeline${i}`, {
      modelName: `model-${i}`,
      // A shared pipeline scopes its registry permissions by prefix, so its IAM policy does not grow per model.
      ...(prefix ? { modelPackageGroupPrefix: 'ml-' } : {}),
      trainingImage: TrainingImage.fromEcrRepository(repo, 'v1'),
      datasetBucket: datasets,
      datasetPrefix: 'datasets/',
      outputBucket: models,
      checkpointPrefix: 'checkpoints/',
      instanceType: 'ml.g5.12xlarge',
      instanceCount: 2,
      useSpotInstances: true,
      maxWait: Duration.hours(30),
      metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=([0-9.]+)' }],
      evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9, minImprovement: 0.001 },
    });
    if (i === 0) for (let m = 0; m < extraModels; m++) p.addModel(`extra-${m}`);
  }
  const template = app.synth().getStackByName('Footprint').template;
  return { resources: Object.keys(template.Resources ?? {}).length, bytes: Buffer.byteLength(JSON.stringify(template)) };
}

/** Marginal CloudFormation resources and template bytes per additional TrainingPipeline. */
export function measureTrainingFootprint(): {
  resourcesPerPipeline: number;
  bytesPerPipeline: number;
  resourcesPerModelOnSharedPipeline: number;
  bytesPerModelOnSharedPipeline: number;
  resourcesFirstPipeline: number;
  note?: string;
} {
  const base = synth(0);
  const one = synth(1);
  const two = synth(2);
  const ten = synth(10);
  const shared = synth(1, 10, true);
  const sharedBase = synth(1, 0, true);
  return {
    resourcesPerPipeline: (ten.resources - one.resources) / 9,
    bytesPerPipeline: Math.round((ten.bytes - one.bytes) / 9),
    resourcesPerModelOnSharedPipeline: (shared.resources - sharedBase.resources) / 10,
    bytesPerModelOnSharedPipeline: Math.round((shared.bytes - sharedBase.bytes) / 10),
    resourcesFirstPipeline: one.resources - base.resources,
    ...(two.resources - one.resources !== (ten.resources - one.resources) / 9 ? { note: 'marginal cost not constant' } : {}),
  };
}

if (require.main === module) {
  console.log(JSON.stringify({ bench: 'training-footprint', ...measureTrainingFootprint() }));
}
