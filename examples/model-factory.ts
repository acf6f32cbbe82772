// A fleet of models on shared infrastructure: one platform stack (GPU cluster,
// capture stream, training pipeline, drift monitor, retrain trigger) and as
// many shard stacks as the fleet needs. The example has 50 models; the scale
// benchmark (bench/scale.ts) and the 1,000-model test build the same app with
// more.
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { DriftFeatureType, FactoryModelSpec, GpuCluster, ModelFactory, ModelFactoryProps, ModelProblemType } from '../lib';
import { MetricDirection, TrainingImage } from '../lib/training/training-pipeline';
import { exampleBuckets } from './shared';

const KINDS = ['fraud', 'churn', 'ltv', 'eta', 'rank', 'price', 'demand', 'risk'];

/** `n` model specs of a plausible fleet (a mix of GPU and CPU models, with and without labels). */
export function fleetSpecs(n: number): FactoryModelSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = KINDS[i % KINDS.length];
    const gpu = i % 4 === 0;
    const binary = i % 3 === 0;
    return {
      modelName: `${kind}-${String(i).padStart(4, '0')}`,
      image: `example/${kind}-server:2.${i % 7}.0`,
      modelVersion: 'v1',
      resources: gpu ? { cpu: '3', memory: '12Gi', gpuCount: 1 } : { cpu: '1', memory: '2Gi' },
      autoscaling: { minReplicas: 2, maxReplicas: gpu ? 20 : 10 },
      training: { instanceType: gpu ? 'ml.g5.2xlarge' : 'ml.g4dn.xlarge', hyperparameters: { epochs: String(10 + (i % 5)) } },
      features: [
        { name: 'amount', type: DriftFeatureType.NUMERIC },
        { name: 'country', type: DriftFeatureType.CATEGORICAL },
        { name: 'age_days', type: DriftFeatureType.NUMERIC, psi: 0.25 },
      ],
      quality: binary ? { problemType: ModelProblemType.BINARY, minAuc: 0.8, labelDelayHours: 24 } : undefined,
      retrain: { cooldown: Duration.hours(12), maxRetrainsPerPeriod: 2 },
    };
  });
}

/** Props of {@link ModelFactoryStack}. */
export interface ModelFactoryStackProps extends StackProps {
  /** The fleet. */
  readonly models: FactoryModelSpec[];
  /** Extra factory props (sharding, limits). */
  readonly factory?: Partial<ModelFactoryProps>;
}

/** The platform stack of a fleet; the factory adds the shard stacks beside it. */
export class ModelFactoryStack extends Stack {
  public readonly factory: ModelFactory;

  constructor(scope: Construct, id: string, props: ModelFactoryStackProps) {
    super(scope, id, props);
    const { buckets } = exampleBuckets(this, ['Artifacts', 'Datasets'], {
      accessLogsReason: 'Server access log destination of the data buckets; logging it into itself would loop.',
    });
    const gpu = new GpuCluster(this, 'Gpu', { gpuMinSize: 2, gpuMaxSize: 50 });
    this.factory = new ModelFactory(this, 'Fleet', {
      models: props.models,
      cluster: gpu.cluster,
      artifactBucket: buckets.Artifacts,
      datasetBucket: buckets.Datasets,
      trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(this, 'TrainingRepo', 'fleet-training'), '2026.11.1'),
      metricDefinitions: [{ name: 'validation:auc', regex: 'val_auc=([0-9.]+)' }],
      // A candidate must also be at least as good as the model's champion (the retrain loop never promotes a worse one).
      evaluation: { metricName: 'validation:auc', direction: MetricDirection.MAXIMIZE, threshold: 0.8, minImprovement: 0 },
      ...props.factory,
    });
  }
}

/** Adds the example (50 models) to an app. */
export function modelFactory(app: App): void {
  new ModelFactoryStack(app, 'ModelFactory', { models: fleetSpecs(50) });
}
