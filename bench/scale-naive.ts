/**
 * The naive composition the scale benchmark compares with: one stack, one GPU
 * cluster, and per model one of each construct (ModelEndpoint, TrainingPipeline,
 * DriftMonitor with the model registered, RetrainTrigger with the model
 * registered), as a user would write it without the factory. No guard: the
 * error is the one CloudFormation's limit gives through CDK.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { fleetSpecs } from '../examples/model-factory';
import { DriftMonitor, GpuCluster, ModelEndpoint, RetrainTrigger } from '../lib';
import { MetricDirection, TrainingImage, TrainingPipeline } from '../lib/training/training-pipeline';

export function naiveApp(app: App, models: number): Stack {
  const stack = new Stack(app, 'Naive');
  const key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const bucket = (id: string) => new s3.Bucket(stack, id, {
    encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true, versioned: true,
  });
  const artifacts = bucket('Artifacts');
  const datasets = bucket('Datasets');
  const capture = bucket('Capture');
  const gpu = new GpuCluster(stack, 'Gpu');
  const repository = ecr.Repository.fromRepositoryName(stack, 'TrainingRepo', 'fleet-training');
  for (const spec of fleetSpecs(models)) {
    const name = spec.modelName;
    const endpoint = new ModelEndpoint(stack, `${name}-Endpoint`, {
      cluster: gpu.cluster,
      modelName: name,
      image: spec.image,
      modelArtifact: { bucket: artifacts, prefix: `training/models/${name}/` },
      resources: spec.resources,
      autoscaling: spec.autoscaling,
      variants: [
        { name: 'primary', modelVersion: spec.modelVersion, weight: 100 },
        { name: 'canary', modelVersion: spec.modelVersion, weight: 0, minReplicas: 1, maxReplicas: 2 },
      ],
    });
    const pipeline = new TrainingPipeline(stack, `${name}-Training`, {
      modelName: name,
      trainingImage: TrainingImage.fromEcrRepository(repository, '2026.11.1'),
      datasetBucket: datasets,
      datasetPrefix: `datasets/${name}/`,
      outputBucket: artifacts,
      instanceType: spec.training?.instanceType,
      metricDefinitions: [{ name: 'validation:auc', regex: 'val_auc=([0-9.]+)' }],
      evaluation: { metricName: 'validation:auc', direction: MetricDirection.MAXIMIZE, threshold: 0.8 },
    });
    const monitor = new DriftMonitor(stack, `${name}-Drift`, { captureBucket: capture, alarmPrefix: `naive-${name}` });
    const monitored = monitor.addModel({
      modelName: name, baselineKey: `baselines/${name}/baseline.json`, variants: ['primary', 'canary'],
      features: spec.features, quality: spec.quality,
    });
    const trigger = new RetrainTrigger(stack, `${name}-Retrain`, { trainingStateMachine: pipeline.stateMachine, alarmSource: monitor });
    const canaryErrors = new cloudwatch.Alarm(stack, `${name}-CanaryErrors`, {
      metric: endpoint.metricErrors({ variant: 'canary' }), threshold: 5, evaluationPeriods: 3,
    });
    trigger.addModel({
      modelName: name,
      cluster: gpu.cluster,
      namespace: endpoint.namespace,
      primaryDeployment: endpoint.serviceNameForVariant('primary'),
      canaryDeployment: endpoint.serviceNameForVariant('canary'),
      primaryService: endpoint.serviceNameForVariant('primary'),
      canaryService: endpoint.serviceNameForVariant('canary'),
      servicePort: 80,
      ingressName: endpoint.ingressName,
      ingressActionName: 'weighted-routing',
      canaryAlarms: [canaryErrors, ...(monitored.qualityAlarm ? [monitored.qualityAlarm] : [])],
      initialModelArtifactUri: `s3://example-artifacts/training/models/${name}/v1/`,
      initialModelVersion: 'v1',
      modelPackageGroupName: pipeline.modelPackageGroupName,
      dependsOn: [endpoint],
    });
  }
  return stack;
}
