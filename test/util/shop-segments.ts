// The `shop` stack of the segment tests (test/retraining/segments.test.ts, test/operations/segment-dashboard.test.ts):
// a ModelEndpoint with a default route and two segments (EU and US), a DriftMonitor watching the model and each segment,
// a TrainingPipeline and a RetrainTrigger, nothing registered with the trigger yet; `canaryErrors(variant)` makes the
// 5xx alarm of a variant that a registration watches during its canary.
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { exampleBuckets } from '../../examples/shared';
import {
  ApprovalPolicy, DriftMonitor, GpuCluster, MetricDirection, ModelEndpoint, RetrainTrigger, TrainingImage, TrainingPipeline,
} from '../../lib';

/** What {@link shopWithSegments} builds. */
export interface ShopStack {
  readonly app: App;
  readonly stack: Stack;
  readonly endpoint: ModelEndpoint;
  readonly monitor: DriftMonitor;
  readonly trigger: RetrainTrigger;
  readonly pipeline: TrainingPipeline;
  /** The 5xx alarm of a variant (`shop-<variant>-errors`), created on each call. */
  readonly canaryErrors: (variant: string) => cloudwatch.Alarm;
}

/** The shop model: a default route and two segments, each segment monitored on its own. */
export function shopWithSegments(options: { artifactPrefix?: string; stackId?: string } = {}): ShopStack {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, options.stackId ?? 'Shop');
  const { key, buckets } = exampleBuckets(stack, ['Artifacts', 'Datasets', 'Capture'], { accessLogsReason: 'log destination' });
  const gpu = new GpuCluster(stack, 'Gpu', { gpuMinSize: 1, gpuMaxSize: 8 });
  const endpoint = new ModelEndpoint(stack, 'Endpoint', {
    cluster: gpu.cluster,
    modelName: 'shop',
    image: 'example/shop-server:2.0.1',
    // Segments train as shop-<segment> (their own dataset, outputs and package group): the pods read every shop model.
    modelArtifact: { bucket: buckets.Artifacts, prefix: options.artifactPrefix ?? 'training/models/' },
    resources: { gpuCount: 1 },
    variants: [
      { name: 'primary', modelVersion: 'v7', weight: 100 },
      { name: 'canary', modelVersion: 'v7', weight: 0, minReplicas: 1, maxReplicas: 2 },
    ],
    segments: [
      // (Their first artifacts where a first training of the segment would have put them; a narrower prefix: `<prefix><version>/`.)
      { name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu', artifactKey: options.artifactPrefix ? undefined : 'training/models/shop-eu/v7-eu/' },
      { name: 'us', match: { header: 'X-Market', values: ['us'] }, modelVersion: 'v7-us', artifactKey: options.artifactPrefix ? undefined : 'training/models/shop-us/v7-us/' },
    ],
  });
  const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: buckets.Capture, baselineBucket: buckets.Artifacts, baselinePrefix: 'baselines/' });
  monitor.addModel({ modelName: 'shop', baselineKey: 'baselines/shop.json', variants: ['primary', 'canary'] });
  for (const seg of ['eu', 'us']) monitor.addModel({ modelName: 'shop', segment: seg, baselineKey: `baselines/shop-${seg}.json`, variants: [seg, `${seg}-canary`] });
  const pipeline = new TrainingPipeline(stack, 'Training', {
    modelName: 'shop',
    trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'shop-training'), '2026.11.1'),
    datasetBucket: buckets.Datasets,
    datasetPrefix: 'datasets/',
    outputBucket: buckets.Artifacts,
    outputPrefix: 'training/',
    outputEncryptionKey: key,
    instanceType: 'ml.g5.2xlarge',
    metricDefinitions: [{ name: 'validation:auc', regex: 'val_auc=([0-9.]+)' }],
    evaluation: { metricName: 'validation:auc', direction: MetricDirection.MAXIMIZE, threshold: 0.85, minImprovement: 0.005 },
    approval: ApprovalPolicy.MANUAL,
  });
  const trigger = new RetrainTrigger(stack, 'Retrain', { trainingPipeline: pipeline, driftMonitor: monitor });
  const canaryErrors = (variant: string) => new cloudwatch.Alarm(stack, `CanaryErrors-${variant}`, {
    alarmName: `shop-${variant}-errors`,
    metric: endpoint.metricErrors({ variant }),
    threshold: 5,
    evaluationPeriods: 3,
  });
  return { app, stack, endpoint, monitor, trigger, pipeline, canaryErrors };
}
