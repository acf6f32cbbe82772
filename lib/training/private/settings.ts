// TrainingPipeline's props turned into the pipeline's fixed frame and its default per-model
// settings (the contract the handler validates each execution input against), validated at synth
// with the same rules the handler applies at run time (lib/contracts/training-settings.ts).
import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { checkFrame, checkSettings, PipelineFrame, TrainingSettings, UNPINNED_TAG } from '../../contracts/training-settings';
import { invalid, isToken } from '../../core/validation';
import { TrainingPipelineProps } from '../training-pipeline-props';
import { ApprovalPolicy, DistributionStrategy, TrainingInputMode } from '../types';

/** The frame, the default settings and the defaults as the execution input's base (with the baseline features). */
export interface RenderedSettings {
  readonly frame: PipelineFrame;
  readonly settings: TrainingSettings;
  readonly defaults: Record<string, unknown>;
}

/** Builds and validates the frame and the default settings. */
export function renderSettings(scope: Construct, props: TrainingPipelineProps, o: {
  readonly approval: ApprovalPolicy; readonly outputPrefix: string; readonly checkpointPrefix: string;
  readonly groupPrefix: string; readonly volumeKey: kms.IKey; readonly timeout: Duration;
}): RenderedSettings {
  const report = (prop: string, value: unknown, allowed: string): never => invalid(scope, prop, value, allowed);
  if (isToken(props.modelName)) {
    invalid(scope, 'modelName', props.modelName, 'must be a literal string, not a token: it names the model package group, its construct and the dataset prefix at synth');
  }
  const channels = props.channels ?? ['train'];
  const settings: TrainingSettings = {
    modelName: props.modelName,
    datasetPrefix: `${props.datasetPrefix}${props.modelName}/`,
    channels,
    baselineChannel: props.baselineChannel ?? (channels.includes('validation') ? 'validation' : channels[0]),
    trainingImage: props.trainingImage.imageUri,
    instanceType: props.instanceType ?? 'ml.g5.2xlarge',
    instanceCount: props.instanceCount ?? 1,
    volumeSizeGb: props.volumeSizeGb ?? 50,
    inputMode: props.inputMode ?? TrainingInputMode.FAST_FILE,
    hyperparameters: { ...(props.hyperparameters ?? {}) },
    environment: { ...(props.environment ?? {}) },
    metricDefinitions: props.metricDefinitions.map((m) => ({ name: m.name, regex: m.regex })),
    maxRuntimeSeconds: (props.maxRuntime ?? Duration.hours(24)).toSeconds(),
    spot: props.useSpotInstances ?? false,
    maxWaitSeconds: props.maxWait?.toSeconds(),
    distribution: props.distribution ?? DistributionStrategy.TORCH_DISTRIBUTED,
    evaluation: {
      metricName: props.evaluation.metricName,
      direction: props.evaluation.direction,
      threshold: props.evaluation.threshold,
      ...(props.evaluation.minImprovement !== undefined ? { minImprovement: props.evaluation.minImprovement } : {}),
    },
    approval: o.approval,
    codeRevision: props.codeRevision ?? 'unknown',
    tags: { ...(props.tags ?? {}) },
    maxTrainingAttempts: props.maxTrainingAttempts ?? 3,
    baselineMaxRows: props.baselineMaxRows ?? 100_000,
  };
  const frame: PipelineFrame = {
    datasetBucket: props.datasetBucket.bucketName,
    datasetRootPrefix: props.datasetPrefix,
    outputBucket: props.outputBucket.bucketName,
    outputPrefix: o.outputPrefix,
    checkpointPrefix: o.checkpointPrefix,
    allowCpuInstances: props.allowCpuInstances ?? false,
    modelPackageGroupPrefix: o.groupPrefix,
    volumeKmsKeyId: o.volumeKey.keyArn,
    maxRuntimeLimitSeconds: Math.floor(o.timeout.toSeconds() / 2),
  };
  if (props.checkpointPrefix !== undefined && props.checkpointPrefix === '') {
    invalid(scope, 'checkpointPrefix', '', 'must be a non-empty S3 key prefix ending with "/" (omit it to disable checkpoints)');
  }
  checkFrame(report, frame);
  if (props.useSpotInstances && props.checkpointPrefix === undefined) {
    invalid(scope, 'checkpointPrefix', undefined, 'is required with useSpotInstances: without checkpoints every spot interruption restarts training from zero');
  }
  checkSettings(report, settings, frame);
  for (const f of props.baselineFeatures ?? []) {
    if (f.type !== undefined && f.type !== 'numeric' && f.type !== 'categorical') {
      invalid(scope, `baselineFeatures[${f.name}].type`, f.type, 'must be "numeric" or "categorical"');
    }
  }
  // A literal URI is checked with the settings (the handler's rule); a tokenized one (fromEcrRepository) by its tag.
  const image = props.trainingImage;
  if (isToken(image.imageUri) && !image.digest && (image.tag === undefined || !isToken(image.tag))) {
    if (image.tag === undefined || image.tag === 'latest') invalid(scope, 'trainingImage', `tag ${image.tag ?? '(none)'}`, UNPINNED_TAG);
  }
  if (o.timeout.toSeconds() > 24 * 24 * 3600) {
    invalid(scope, 'timeout', o.timeout.toHumanString(), 'must be at most 24 days');
  }
  const defaults = {
    ...settings,
    ...(props.baselineFeatures ? { features: props.baselineFeatures.map((f) => ({ name: f.name, ...(f.type ? { type: f.type } : {}) })) } : {}),
  };
  return { frame, settings, defaults };
}
