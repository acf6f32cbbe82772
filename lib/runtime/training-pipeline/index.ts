// Lambda handler of TrainingPipeline's state machine. One function, three
// actions (one function keeps the per-pipeline footprint small):
//
//   prepare   merge the execution input over the pipeline defaults, validate
//             it with the same rules as the construct, snapshot the dataset
//             version (S3 object versions / ETags, sha256), write the version
//             record, derive the training job request parts.
//   baseline  compute the drift baseline from a channel of the training data
//             with the drift engine and store it beside the model artifact.
//   evaluate  the evaluation gate: objective metric vs threshold and, when
//             configured, vs the current approved model (champion); builds the
//             lineage metadata and tags of the model package.
//
// Never imported by constructs. S3 access goes through an injectable client so
// tests can run the real handler against a simulated S3.
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  checkFrame, checkSettings, distributedEnvironment, hasInstanceStorage, jobNameBase, mergeTrainingInput, modelPackageGroupName,
  OVERRIDABLE, parseImage, PipelineFrame, TrainingSettings, unknownInputKeys,
} from '../../contracts/training-settings';
import { computeBaselineWith, BaselineEvent } from './baseline';
import { newBaselineBuilder } from './engine';
import { evaluate, EvaluateEvent } from './gate';

/** The subset of S3Client the handler uses (an S3Client, or a simulator in tests). */
export interface S3Like { send(command: any): Promise<any> }

/** Thrown for an invalid execution input; the state machine catches it and ends in the failure path. */
export class InvalidInputError extends Error {
  constructor(message: string) { super(message); this.name = 'Mlops.InvalidInput'; }
}

export { OVERRIDABLE };

export interface PrepareEvent {
  readonly action: 'prepare';
  readonly executionName: string;
  readonly input: Record<string, unknown> | null;
  readonly defaults: TrainingSettings;
  readonly frame: PipelineFrame;
}

/** Merges the execution input over the defaults (contracts' mergeTrainingInput); unknown keys are an invalid input. */
export function mergeSettings(defaults: TrainingSettings, input: Record<string, unknown> | null, frame: PipelineFrame): TrainingSettings {
  const unknown = unknownInputKeys(input);
  if (unknown.length > 0) {
    throw new InvalidInputError(`execution input key "${unknown[0]}" is not a per-model setting; allowed: ${OVERRIDABLE.join(', ')}`);
  }
  return mergeTrainingInput(defaults, input, frame);
}

const reporter = (prop: string, value: unknown, allowed: string): never => {
  throw new InvalidInputError(`invalid setting "${prop}" (${JSON.stringify(value)}): ${allowed}`);
};

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Canonical line of one object in the dataset version hash. */
export function versionLine(o: DatasetObject): string {
  return `${o.key}\t${o.versionId ?? ''}\t${o.etag}\t${o.size}\n`;
}

export interface DatasetObject { key: string; versionId: string | null; etag: string; size: number }

/** Lists the current version of every object under the prefix (works on versioned and unversioned buckets). */
export async function listDataset(s3: S3Like, bucket: string, prefix: string): Promise<DatasetObject[]> {
  const objects: DatasetObject[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({
      Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker,
    }));
    for (const v of page.Versions ?? []) {
      if (!v.IsLatest || v.Key.endsWith('/')) continue;
      objects.push({ key: v.Key, versionId: v.VersionId && v.VersionId !== 'null' ? v.VersionId : null, etag: String(v.ETag ?? '').replace(/"/g, ''), size: Number(v.Size ?? 0) });
    }
    // A latest delete marker hides older versions: they are not part of the dataset.
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return objects;
}

export async function prepare(s3: S3Like, event: PrepareEvent) {
  const frame = event.frame;
  checkFrame(reporter, frame);
  const settings = mergeSettings(event.defaults, event.input, frame);
  checkSettings(reporter, settings, frame);

  // Dataset version snapshot: content-addressed record.
  const objects = await listDataset(s3, frame.datasetBucket, settings.datasetPrefix);
  if (objects.length === 0) {
    throw new InvalidInputError(`dataset prefix s3://${frame.datasetBucket}/${settings.datasetPrefix} holds no objects`);
  }
  const hasher = createHash('sha256');
  for (const o of objects) hasher.update(versionLine(o));
  const hash = hasher.digest('hex');
  const totalBytes = objects.reduce((a, o) => a + o.size, 0);
  const versionKey = `${frame.outputPrefix}dataset-versions/${settings.modelName}/${hash}.json`;
  const record = {
    schema: 'cdk-mlops/dataset-version@1',
    hashAlgorithm: 'sha256 over "key\\tversionId\\tetag\\tsize\\n" lines sorted by key',
    hash,
    bucket: frame.datasetBucket,
    prefix: settings.datasetPrefix,
    versioned: objects.some((o) => o.versionId !== null),
    objectCount: objects.length,
    totalBytes,
    createdAt: new Date().toISOString(),
    createdBy: event.executionName,
    objects,
  };
  await s3.send(new PutObjectCommand({
    Bucket: frame.outputBucket, Key: versionKey, Body: JSON.stringify(record), ContentType: 'application/json',
  }));

  // Training job request parts.
  const base = jobNameBase(settings.modelName, event.executionName, sha256);
  const dist = distributedEnvironment(settings.instanceType, settings.instanceCount, settings.distribution);
  const image = parseImage(settings.trainingImage);
  if (!image.digest && !image.repositoryName) {
    throw new InvalidInputError(`trainingImage "${settings.trainingImage}" is neither an ECR image nor pinned by digest (@sha256:...); the lineage needs its digest`);
  }
  const resourceConfig: Record<string, unknown> = {
    InstanceType: settings.instanceType,
    InstanceCount: settings.instanceCount,
    VolumeSizeInGB: settings.volumeSizeGb,
  };
  // Instances with local NVMe storage encrypt it in hardware; SageMaker rejects VolumeKmsKeyId for them.
  if (!hasInstanceStorage(settings.instanceType) && frame.volumeKmsKeyId) resourceConfig.VolumeKmsKeyId = frame.volumeKmsKeyId;
  const stoppingCondition: Record<string, number> = { MaxRuntimeInSeconds: settings.maxRuntimeSeconds };
  if (settings.spot) stoppingCondition.MaxWaitTimeInSeconds = settings.maxWaitSeconds!;
  const checkpointUri = frame.checkpointPrefix
    ? `s3://${frame.outputBucket}/${frame.checkpointPrefix}${settings.modelName}/${base}/`
    : '';
  const tags = Object.entries({ ...settings.tags, 'mlops:model': settings.modelName, 'mlops:dataset-hash': hash })
    .map(([Key, Value]) => ({ Key, Value }));
  return {
    input: event.input ?? {},
    settings,
    modelPackageGroupName: modelPackageGroupName(frame, settings.modelName),
    dataset: {
      uri: `s3://${frame.datasetBucket}/${settings.datasetPrefix}`,
      versionUri: `s3://${frame.outputBucket}/${versionKey}`,
      hash,
      objectCount: objects.length,
      totalBytes,
    },
    image: {
      uri: image.uri,
      digest: image.digest ?? null,
      registryId: image.registryId ?? null,
      repositoryName: image.repositoryName ?? null,
      repositoryUri: image.repositoryName ? `${image.uri.split('/')[0]}/${image.repositoryName}` : null,
      tag: image.tag ?? null,
    },
    job: {
      nameBase: base,
      inputMode: settings.inputMode,
      metricDefinitions: settings.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })),
      hyperParameters: { ...settings.hyperparameters, ...dist.hyperparameters },
      environment: { ...settings.environment, ...dist.environment },
      inputDataConfig: settings.channels.map((c) => ({
        ChannelName: c,
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${frame.datasetBucket}/${settings.datasetPrefix}${c}/`, S3DataDistributionType: 'FullyReplicated' } },
      })),
      outputPath: `s3://${frame.outputBucket}/${frame.outputPrefix}models/${settings.modelName}/`,
      checkpointUri,
      resourceConfig,
      stoppingCondition,
      enableSpot: settings.spot,
      tags,
    },
    attempt: { number: 1, jobName: `${base}-1` },
    champion: {},
  };
}

export type Event = PrepareEvent | ({ action: 'baseline' } & BaselineEvent) | ({ action: 'evaluate' } & EvaluateEvent);

/** S3 errors that are worth a Step Functions retry with backoff once the SDK's own retries are spent. */
const TRANSIENT = new Set(['SlowDown', 'ThrottlingException', 'TooManyRequestsException', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable']);

/** Builds a handler around an S3 client (tests pass a simulator). */
export function createHandler(s3: S3Like) {
  const run = async (event: Event): Promise<unknown> => {
    switch (event.action) {
      case 'prepare': return prepare(s3, event);
      case 'baseline': return computeBaselineWith(s3, event, (b, k) => s3.send(new GetObjectCommand({ Bucket: b, Key: k })), newBaselineBuilder(event.settings.features));
      case 'evaluate': return evaluate(event);
      default: throw new InvalidInputError(`unknown action ${JSON.stringify((event as { action: unknown }).action)}`);
    }
  };
  return async (event: Event): Promise<unknown> => {
    try {
      return await run(event);
    } catch (e) {
      const err = e as Error;
      if (TRANSIENT.has(err.name)) {
        const throttled = new Error(`${err.name}: ${err.message}`);
        throttled.name = 'Mlops.Throttled'; // retried by the state machine with FULL jitter
        throw throttled;
      }
      throw e;
    }
  };
}

let client: S3Client | undefined;
export const handler = async (event: Event): Promise<unknown> => {
  client ??= new S3Client({});
  return createHandler(client)(event);
};
