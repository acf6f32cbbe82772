// Pure validation and derivation rules for TrainingPipeline settings.
//
// Shared by the construct (synth-time validation of props) and the
// `training-pipeline` Lambda handler (run-time validation of the per-model
// settings that arrive in the execution input), so both reject exactly the
// same values with the same message. No aws-cdk-lib imports here: the handler
// bundle includes this file.

/** Called with (prop, value, allowed) when a value is invalid; must throw. */
export type Reporter = (prop: string, value: unknown, allowed: string) => never;

/** Accelerated (GPU / Trainium) SageMaker training instance families. */
export const GPU_FAMILIES = [
  'g4dn', 'g5', 'g6', 'g6e', 'p3', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n', 'trn2',
] as const;

/** Families whose instances have local NVMe storage (VolumeKmsKeyId must be omitted for these). */
const INSTANCE_STORAGE_FAMILIES = new Set([
  'g4dn', 'g5', 'g6', 'g6e', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n', 'trn2',
  'm5d', 'c5d', 'r5d', 'm6id', 'c6id', 'r6id',
]);

/** Families with EFA networking that distributed NCCL traffic should use. */
const EFA_FAMILIES = new Set(['p4d', 'p4de', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n', 'trn2']);

export const INSTANCE_TYPE = /^ml\.([a-z][a-z0-9]*)\.(\d*x?large|metal)$/;

const SIZES_TO_48 = ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];
const SIZES_6TH_GEN = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'];
const SIZES_7TH_GEN = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];

/**
 * The sizes of each SageMaker training instance family (`ml.<family>.<size>`), after the SageMaker
 * pricing page's training instance list and the EC2 instance type pages of each family. The
 * construct (synth) and the handler (each execution input) check instance types against it, so a
 * size that does not exist (`ml.g5.13xlarge`) fails before a training job is requested. Families
 * not listed are refused; add a row when SageMaker adds one.
 */
export const TRAINING_INSTANCE_SIZES: { readonly [family: string]: readonly string[] } = {
  // Accelerated.
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  g5: SIZES_TO_48,
  g6: SIZES_TO_48,
  g6e: SIZES_TO_48,
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  p3dn: ['24xlarge'],
  p4d: ['24xlarge'],
  p4de: ['24xlarge'],
  p5: ['4xlarge', '48xlarge'],
  p5e: ['48xlarge'],
  p5en: ['48xlarge'],
  trn1: ['2xlarge', '32xlarge'],
  trn1n: ['32xlarge'],
  trn2: ['48xlarge'],
  // CPU (allowCpuInstances).
  t3: ['medium', 'large', 'xlarge', '2xlarge'],
  m4: ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m5d: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  c4: ['xlarge', '2xlarge', '4xlarge', '8xlarge'],
  c5: ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c5d: ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c5n: ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  r5d: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  m6i: SIZES_6TH_GEN,
  m6id: SIZES_6TH_GEN,
  c6i: SIZES_6TH_GEN.slice(1),
  c6id: SIZES_6TH_GEN.slice(1),
  r6i: SIZES_6TH_GEN,
  r6id: SIZES_6TH_GEN,
  m7i: SIZES_7TH_GEN,
  c7i: SIZES_7TH_GEN,
  r7i: SIZES_7TH_GEN,
};

/** Why an instance type is not a SageMaker training instance (undefined: it is one). */
export function unknownInstanceType(instanceType: string): string | undefined {
  const m = INSTANCE_TYPE.exec(instanceType);
  if (!m) return 'must be a SageMaker instance type such as "ml.g5.12xlarge"';
  const sizes = TRAINING_INSTANCE_SIZES[m[1]];
  if (!sizes) return `must be a SageMaker training instance type; "${m[1]}" is not a training instance family (${Object.keys(TRAINING_INSTANCE_SIZES).join(', ')})`;
  if (!sizes.includes(m[2])) return `must be a real size: ml.${m[1]} comes in ${sizes.join(', ')}`;
  return undefined;
}
export const INPUT_MODES = ['FastFile', 'File', 'Pipe'] as const;
export const DIRECTIONS = ['maximize', 'minimize'] as const;
export const APPROVALS = ['auto', 'manual'] as const;
export const DISTRIBUTIONS = ['torch_distributed', 'none'] as const;

/** SageMaker's hard limit for MaxRuntimeInSeconds / MaxWaitTimeInSeconds (28 days). */
export const MAX_RUNTIME_LIMIT = 28 * 24 * 3600;
/** SageMaker model package group / training job name pattern. */
export const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
export const MODEL_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function instanceFamily(instanceType: string): string | undefined {
  return INSTANCE_TYPE.exec(instanceType)?.[1];
}

export function isAcceleratedInstance(instanceType: string): boolean {
  const family = instanceFamily(instanceType);
  return family !== undefined && (GPU_FAMILIES as readonly string[]).includes(family);
}

export function hasInstanceStorage(instanceType: string): boolean {
  const family = instanceFamily(instanceType);
  return family !== undefined && INSTANCE_STORAGE_FAMILIES.has(family);
}

export function hasEfa(instanceType: string): boolean {
  const family = instanceFamily(instanceType);
  return family !== undefined && EFA_FAMILIES.has(family);
}

export interface MetricDefinitionSetting { readonly name: string; readonly regex: string }

export interface EvaluationSetting {
  readonly metricName: string;
  readonly direction: string;
  readonly threshold: number;
  /** When set, the candidate must beat the current approved model by at least this much. */
  readonly minImprovement?: number;
}

/**
 * The per-model settings of one training run: the construct's defaults merged
 * with the execution input. Everything here may differ between executions of
 * one shared state machine.
 */
export interface TrainingSettings {
  readonly modelName: string;
  readonly datasetPrefix: string;
  readonly channels: string[];
  readonly baselineChannel: string;
  readonly trainingImage: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeGb: number;
  readonly inputMode: string;
  readonly hyperparameters: Record<string, string>;
  readonly environment: Record<string, string>;
  readonly metricDefinitions: MetricDefinitionSetting[];
  readonly maxRuntimeSeconds: number;
  readonly spot: boolean;
  readonly maxWaitSeconds?: number;
  readonly distribution: string;
  readonly evaluation: EvaluationSetting;
  readonly approval: string;
  readonly codeRevision: string;
  readonly tags: Record<string, string>;
  readonly maxTrainingAttempts: number;
  readonly baselineMaxRows: number;
}

/**
 * The fixed part of a pipeline (from props, baked into the definition): what
 * the IAM policies were scoped to. Executions cannot change these.
 */
export interface PipelineFrame {
  readonly datasetBucket: string;
  /** IAM scope: every run's datasetPrefix must start with this. */
  readonly datasetRootPrefix: string;
  readonly outputBucket: string;
  readonly outputPrefix: string;
  /** Key prefix for checkpoints; empty when checkpointing is disabled. */
  readonly checkpointPrefix: string;
  readonly allowCpuInstances: boolean;
  readonly modelPackageGroupPrefix: string;
  readonly volumeKmsKeyId: string;
  readonly maxRuntimeLimitSeconds: number;
}

const isTok = (v: unknown): boolean => typeof v === 'string' && v.includes('${Token[');
const isTokNum = (v: unknown): boolean => typeof v === 'number' && v <= -1.8881545897087e+289 && v >= -1.8881545897088e+289;

function int(report: Reporter, prop: string, v: unknown, min: number, max: number): void {
  if (isTokNum(v)) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    report(prop, v, `must be an integer between ${min} and ${max}`);
  }
}

function str(report: Reporter, prop: string, v: unknown, pattern: RegExp | undefined, maxLen: number, allowed: string): void {
  if (isTok(v)) return;
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLen || (pattern && !pattern.test(v))) report(prop, v, allowed);
}

function oneOf(report: Reporter, prop: string, v: unknown, allowed: readonly string[]): void {
  if (typeof v !== 'string' || !allowed.includes(v)) report(prop, v, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
}

/** Validates a metric regex the way SageMaker uses it: compiles, <= 500 chars, one capture group for the value. */
export function checkMetricRegex(report: Reporter, prop: string, regex: unknown): void {
  if (isTok(regex)) return;
  if (typeof regex !== 'string' || regex.length === 0 || regex.length > 500) {
    report(prop, regex, 'must be a regular expression of 1-500 characters');
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(regex);
  } catch (e) {
    report(prop, regex, `must be a valid regular expression (${(e as Error).message})`);
  }
  // Count capturing groups: a regex matching the empty alternative of itself.
  const groups = new RegExp(`${compiled.source}|`).exec('')!.length - 1;
  if (groups < 1) report(prop, regex, 'must contain a capture group around the metric value, e.g. "val_auc=([0-9.]+)"');
}

/** Validates the fixed frame (props only). */
export function checkFrame(report: Reporter, f: PipelineFrame): void {
  str(report, 'datasetPrefix', f.datasetRootPrefix, /^[^/].*\/$/, 512, 'must be a non-empty S3 key prefix that does not start with "/" and ends with "/"');
  str(report, 'outputPrefix', f.outputPrefix, /^[^/].*\/$/, 512, 'must be a non-empty S3 key prefix that does not start with "/" and ends with "/"');
  if (f.checkpointPrefix !== '') {
    str(report, 'checkpointPrefix', f.checkpointPrefix, /^[^/].*\/$/, 512, 'must be an S3 key prefix that does not start with "/" and ends with "/"');
  }
  if (f.modelPackageGroupPrefix !== '') {
    str(report, 'modelPackageGroupPrefix', f.modelPackageGroupPrefix, /^[a-zA-Z0-9](-*[a-zA-Z0-9])*-?$/, 20, 'must be 1-20 letters, digits and "-"');
  }
}

/** Validates the per-model settings against the frame. Used at synth (defaults) and at run time (merged input). */
export function checkSettings(report: Reporter, s: TrainingSettings, f: PipelineFrame): void {
  str(report, 'modelName', s.modelName, MODEL_NAME, 40, 'must be 1-40 lower-case letters, digits and "-", starting and ending with a letter or digit');
  if (!isTok(s.datasetPrefix) && !isTok(f.datasetRootPrefix)) {
    str(report, 'datasetPrefix', s.datasetPrefix, /\/$/, 1024, 'must be an S3 key prefix ending with "/"');
    if (!s.datasetPrefix.startsWith(f.datasetRootPrefix)) {
      report('datasetPrefix', s.datasetPrefix, `must lie under the pipeline's dataset prefix "${f.datasetRootPrefix}" (the training role can read nothing else)`);
    }
  }
  if (!Array.isArray(s.channels) || s.channels.length === 0 || s.channels.length > 20) {
    report('channels', s.channels, 'must list 1-20 channel names');
  }
  for (const c of s.channels) str(report, 'channels', c, /^[A-Za-z0-9.\-_]+$/, 64, 'channel names must be 1-64 letters, digits, ".", "-" or "_"');
  const seen = new Set<string>();
  for (const c of s.channels) {
    if (!isTok(c) && seen.has(c)) report('channels', s.channels, `channel names must be unique ("${c}" is listed twice): SageMaker refuses a job with two channels of one name`);
    seen.add(c);
  }
  if (!s.channels.includes(s.baselineChannel)) report('baselineChannel', s.baselineChannel, `must be one of the channels (${s.channels.join(', ')})`);
  str(report, 'trainingImage', s.trainingImage, /^[^\s]+$/, 255, 'must be a container image URI');
  if (!isTok(s.trainingImage)) checkImagePinned(report, 'trainingImage', parseImage(s.trainingImage));

  // Instances.
  if (!isTok(s.instanceType)) {
    if (typeof s.instanceType !== 'string' || !INSTANCE_TYPE.test(s.instanceType)) {
      report('instanceType', s.instanceType, 'must be a SageMaker instance type such as "ml.g5.12xlarge"');
    }
    const unknown = unknownInstanceType(s.instanceType);
    if (unknown && (isAcceleratedInstance(s.instanceType) || f.allowCpuInstances)) report('instanceType', s.instanceType, unknown);
    if (!isAcceleratedInstance(s.instanceType) && !f.allowCpuInstances) {
      report('instanceType', s.instanceType, `must be a GPU/accelerator type (${GPU_FAMILIES.map((g) => `ml.${g}.*`).join(', ')}); set allowCpuInstances to train on CPU`);
    }
  }
  int(report, 'instanceCount', s.instanceCount, 1, 100);
  int(report, 'volumeSizeGb', s.volumeSizeGb, 1, 16384);
  oneOf(report, 'inputMode', s.inputMode, INPUT_MODES);
  oneOf(report, 'distribution', s.distribution, DISTRIBUTIONS);

  // Hyperparameters and environment: string maps within SageMaker's limits.
  checkStringMap(report, 'hyperparameters', s.hyperparameters, 100, 256, 2500);
  checkStringMap(report, 'environment', s.environment, 48, 512, 512);
  checkStringMap(report, 'tags', s.tags, 40, 128, 256);

  // Metrics.
  if (!Array.isArray(s.metricDefinitions) || s.metricDefinitions.length === 0 || s.metricDefinitions.length > 40) {
    report('metricDefinitions', s.metricDefinitions, 'must define 1-40 metrics (the evaluation gate reads the objective metric from them)');
  }
  const names = new Set<string>();
  for (const m of s.metricDefinitions) {
    str(report, 'metricDefinitions.name', m?.name, /^[^\s,]+$/, 255, 'metric names must be 1-255 characters without spaces or commas');
    if (names.has(m.name)) report('metricDefinitions.name', m.name, 'metric names must be unique');
    names.add(m.name);
    checkMetricRegex(report, `metricDefinitions[${m.name}].regex`, m.regex);
  }
  const e = s.evaluation;
  if (typeof e !== 'object' || e === null) report('evaluation', e, 'must be an object');
  if (!isTok(e.metricName) && !names.has(e.metricName)) {
    report('evaluation.metricName', e.metricName, `must be one of the metric definitions (${[...names].join(', ')})`);
  }
  oneOf(report, 'evaluation.direction', e.direction, DIRECTIONS);
  if (typeof e.threshold !== 'number' || !Number.isFinite(e.threshold)) report('evaluation.threshold', e.threshold, 'must be a finite number');
  if (e.minImprovement !== undefined && (typeof e.minImprovement !== 'number' || !Number.isFinite(e.minImprovement) || e.minImprovement < 0)) {
    report('evaluation.minImprovement', e.minImprovement, 'must be a finite number >= 0');
  }
  oneOf(report, 'approval', s.approval, APPROVALS);
  str(report, 'codeRevision', s.codeRevision, undefined, 1024, 'must be a string of 1-1024 characters (e.g. a git commit id)');

  // Runtime, spot, checkpoints.
  const limit = Math.min(f.maxRuntimeLimitSeconds, MAX_RUNTIME_LIMIT);
  int(report, 'maxRuntime', s.maxRuntimeSeconds, 1, limit);
  if (typeof s.spot !== 'boolean') report('spot', s.spot, 'must be true or false');
  if (s.spot) {
    if (f.checkpointPrefix === '') {
      report('spot', s.spot, 'managed spot training needs checkpoints (set checkpointPrefix) or every interruption restarts from zero');
    }
    if (s.maxWaitSeconds === undefined) report('maxWait', s.maxWaitSeconds, 'is required with spot training (>= maxRuntime)');
    int(report, 'maxWait', s.maxWaitSeconds, 1, limit);
    if (!isTokNum(s.maxWaitSeconds) && !isTokNum(s.maxRuntimeSeconds) && s.maxWaitSeconds! < s.maxRuntimeSeconds) {
      report('maxWait', s.maxWaitSeconds, `must be >= maxRuntime (${s.maxRuntimeSeconds} s): it includes the time waiting for spot capacity`);
    }
  } else if (s.maxWaitSeconds !== undefined) {
    report('maxWait', s.maxWaitSeconds, 'is only allowed with spot training');
  }
  int(report, 'maxTrainingAttempts', s.maxTrainingAttempts, 1, 10);
  int(report, 'baselineMaxRows', s.baselineMaxRows, 1, 10_000_000);
}

function checkStringMap(report: Reporter, prop: string, m: unknown, maxEntries: number, maxKey: number, maxValue: number): void {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) report(prop, m, 'must be a map of strings');
  const entries = Object.entries(m as Record<string, unknown>);
  if (entries.length > maxEntries) report(prop, entries.length, `must have at most ${maxEntries} entries`);
  for (const [k, v] of entries) {
    if (isTok(k) || isTok(v)) continue;
    if (k.length === 0 || k.length > maxKey) report(`${prop}.${k}`, k, `keys must be 1-${maxKey} characters`);
    if (typeof v !== 'string' || v.length > maxValue) report(`${prop}.${k}`, v, `values must be strings of at most ${maxValue} characters`);
  }
}

/** Keys of the execution input (a per-model `trainingInput`) that may override the pipeline defaults. */
export const OVERRIDABLE: readonly (keyof TrainingSettings)[] = [
  'modelName', 'datasetPrefix', 'channels', 'baselineChannel', 'trainingImage', 'instanceType', 'instanceCount',
  'volumeSizeGb', 'inputMode', 'hyperparameters', 'environment', 'metricDefinitions', 'maxRuntimeSeconds', 'spot',
  'maxWaitSeconds', 'distribution', 'evaluation', 'approval', 'codeRevision', 'tags', 'maxTrainingAttempts',
  'baselineMaxRows',
];
/** Map-valued keys: the input is merged over the default map instead of replacing it. */
const MERGED = new Set(['hyperparameters', 'environment', 'tags', 'evaluation']);

/** Keys of an execution input that are neither per-model settings nor caller annotations (`_…`). */
export function unknownInputKeys(input: Record<string, unknown> | null | undefined): string[] {
  return Object.keys(input ?? {}).filter((k) => !k.startsWith('_') && !(OVERRIDABLE as readonly string[]).includes(k));
}

/**
 * Merges an execution input over the pipeline defaults (maps merge, scalars replace; another
 * model's data lives at `<datasetRoot><model>/` unless the input names a prefix). Unknown keys and
 * annotations are skipped: check them with `unknownInputKeys`.
 */
export function mergeTrainingInput(
  defaults: TrainingSettings, input: Record<string, unknown> | null | undefined, frame: PipelineFrame,
): TrainingSettings {
  const merged: Record<string, unknown> = { ...defaults };
  const given = input ?? {};
  for (const key of Object.keys(given)) {
    if (!(OVERRIDABLE as readonly string[]).includes(key)) continue;
    const value = given[key];
    if (MERGED.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      merged[key] = { ...(defaults as unknown as Record<string, Record<string, unknown>>)[key], ...value };
    } else {
      merged[key] = value;
    }
  }
  if (given.modelName !== undefined && given.datasetPrefix === undefined) {
    merged.datasetPrefix = `${frame.datasetRootPrefix}${String(given.modelName)}/`;
  }
  if (given.spot === false && given.maxWaitSeconds === undefined) delete merged.maxWaitSeconds;
  return merged as unknown as TrainingSettings;
}

/**
 * Validates an execution input (a per-model `trainingInput`) the way the handler does at run
 * time: no unknown key, then the merged settings against the frame. Synth (RetrainTrigger,
 * ModelFactory) and run time share it.
 */
export function checkTrainingInput(report: Reporter, defaults: TrainingSettings, input: Record<string, unknown> | null | undefined,
  frame: PipelineFrame): TrainingSettings {
  for (const key of unknownInputKeys(input)) {
    report(key, (input as Record<string, unknown>)[key], `is not a per-model setting; allowed: ${OVERRIDABLE.join(', ')}`);
  }
  const settings = mergeTrainingInput(defaults, input, frame);
  checkSettings(report, settings, frame);
  return settings;
}

/** The model package group of a model. */
export function modelPackageGroupName(frame: PipelineFrame, modelName: string): string {
  return `${frame.modelPackageGroupPrefix}${modelName}`;
}

/**
 * Deterministic training job name base from the execution name: the same
 * execution (a redrive, a duplicate StartExecution with the same name) always
 * yields the same job names, so SageMaker refuses a second job instead of
 * silently starting one. <= 58 chars so "-<attempt>" fits in 63.
 */
export function jobNameBase(modelName: string, executionName: string, hash: (s: string) => string): string {
  const clean = executionName.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const digest = hash(executionName).slice(0, 8);
  const model = modelName.slice(0, 20).replace(/-+$/, '');
  const room = 58 - model.length - digest.length - 2;
  const middle = clean.slice(0, Math.max(0, room)).replace(/-+$/, '');
  return [model, middle, digest].filter((p) => p.length > 0).join('-');
}

/**
 * Environment for distributed training: SageMaker's PyTorch containers launch
 * torchrun on every host when `sagemaker_torch_distributed_enabled` is set; NCCL
 * needs the right interface, and EFA on p4d/p5/trn.
 */
export function distributedEnvironment(instanceType: string, instanceCount: number, distribution: string): {
  environment: Record<string, string>;
  hyperparameters: Record<string, string>;
} {
  if (instanceCount <= 1 || distribution === 'none') return { environment: {}, hyperparameters: {} };
  const environment: Record<string, string> = {
    NCCL_SOCKET_IFNAME: 'eth0',
    NCCL_DEBUG: 'WARN',
    TORCH_NCCL_ASYNC_ERROR_HANDLING: '1',
  };
  if (hasEfa(instanceType)) {
    environment.FI_PROVIDER = 'efa';
    environment.FI_EFA_USE_DEVICE_RDMA = '1';
  }
  return { environment, hyperparameters: { sagemaker_torch_distributed_enabled: 'true' } };
}

/** Parsed container image URI. */
export interface ImageRef {
  readonly uri: string;
  readonly registryId?: string;
  readonly repositoryName?: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Validates that an image is pinned the way the lineage needs: an ECR image (its digest is looked
 * up at run time) by a version tag or a digest, or any other registry's image by digest. A missing
 * tag or `latest` moves under the pipeline, so the recorded lineage would not say what ran next time.
 */
export function checkImagePinned(report: Reporter, prop: string, ref: ImageRef): void {
  if (ref.digest) return;
  if (!ref.repositoryName) {
    report(prop, ref.uri, 'must be an ECR image or pinned by digest ("...@sha256:<64 hex>"), so the lineage records what ran');
  }
  if (ref.tag === undefined || ref.tag === 'latest') report(prop, ref.uri, UNPINNED_TAG);
}

/** What an unpinned tag is told. */
export const UNPINNED_TAG = 'must be pinned: a version tag other than "latest" or a digest ("sha256:<64 hex>"); "latest" moves, so the lineage would not say what ran';

const ECR_URI = /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/;

export function parseImage(uri: string): ImageRef {
  const ecr = ECR_URI.exec(uri);
  if (ecr) return { uri, registryId: ecr[1], repositoryName: ecr[2], tag: ecr[3] ?? (ecr[4] ? undefined : 'latest'), digest: ecr[4] };
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(uri)?.[1];
  return { uri, digest };
}
