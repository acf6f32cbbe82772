/**
 * Simulators of the AWS services TrainingPipeline's tasks call, for local
 * executions of the synthesized definition (test/util/asl.ts). They answer
 * the way the services do (response shapes, error names, side effects in S3);
 * the Lambda tasks run the real handler against the simulated S3.
 */
import { createHash } from 'node:crypto';
import { createHandler } from '../../lib/runtime/training-pipeline';
import { taskError, TaskHandler } from '../util/asl';

interface StoredVersion { versionId: string; body: Buffer; etag: string; deleted?: boolean }

/** In-memory S3 (versioned buckets) answering the SDK v3 commands the handler sends. */
export class FakeS3 {
  private readonly buckets = new Map<string, Map<string, StoredVersion[]>>();
  private seq = 0;
  /** Throw this error name on the next N sends (e.g. 'SlowDown'). */
  public failNext: string[] = [];

  public put(bucket: string, key: string, body: string | Buffer): string {
    const b = this.buckets.get(bucket) ?? new Map<string, StoredVersion[]>();
    this.buckets.set(bucket, b);
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const versionId = `v${++this.seq}`;
    const etag = createHash('md5').update(data).digest('hex');
    b.set(key, [{ versionId, body: data, etag }, ...(b.get(key) ?? [])]);
    return etag;
  }

  public get(bucket: string, key: string): Buffer | undefined {
    const v = this.buckets.get(bucket)?.get(key)?.[0];
    return v && !v.deleted ? v.body : undefined;
  }

  public getJson(uri: string): any {
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri)!;
    const body = this.get(m[1], m[2]);
    if (!body) throw new Error(`no object at ${uri}`);
    return JSON.parse(body.toString('utf8'));
  }

  public keys(bucket: string, prefix = ''): string[] {
    return [...(this.buckets.get(bucket)?.entries() ?? [])]
      .filter(([k, v]) => k.startsWith(prefix) && !v[0].deleted).map(([k]) => k).sort();
  }

  public async send(command: { constructor: { name: string }; input: any }): Promise<any> {
    const failure = this.failNext.shift();
    if (failure) { const e = new Error(failure); e.name = failure; throw e; }
    const i = command.input;
    const b = this.buckets.get(i.Bucket) ?? new Map<string, StoredVersion[]>();
    switch (command.constructor.name) {
      case 'ListObjectVersionsCommand': {
        const Versions = [...b.entries()].filter(([k]) => k.startsWith(i.Prefix ?? '')).sort(([a], [c]) => (a < c ? -1 : 1))
          .flatMap(([Key, versions]) => versions.map((v, n) => ({ Key, VersionId: v.versionId, IsLatest: n === 0 && !v.deleted, ETag: `"${v.etag}"`, Size: v.body.length })));
        return { Versions, IsTruncated: false };
      }
      case 'ListObjectsV2Command': {
        const Contents = this.keys(i.Bucket, i.Prefix ?? '').map((Key) => ({ Key, Size: b.get(Key)![0].body.length }));
        return { Contents, IsTruncated: false, KeyCount: Contents.length };
      }
      case 'GetObjectCommand': {
        const body = this.get(i.Bucket, i.Key);
        if (!body) { const e = new Error('NoSuchKey'); e.name = 'NoSuchKey'; throw e; }
        return { Body: { transformToByteArray: async () => new Uint8Array(body) } };
      }
      case 'PutObjectCommand':
        return { ETag: `"${this.put(i.Bucket, i.Key, typeof i.Body === 'string' ? i.Body : Buffer.from(i.Body))}"` };
      default:
        throw new Error(`FakeS3: unsupported ${command.constructor.name}`);
    }
  }
}

/** A Lambda task (arn:aws:states:::lambda:invoke) running the real handler against the simulated S3. */
export function lambdaTask(s3: FakeS3, opts: { throttleFirst?: number } = {}): TaskHandler {
  const handler = createHandler(s3);
  let throttles = opts.throttleFirst ?? 0;
  return async (req: any) => {
    if (throttles > 0) { throttles--; throw taskError('Lambda.TooManyRequestsException', 'Rate Exceeded.'); }
    try {
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: JSON.parse(JSON.stringify(await handler(req.Payload))) };
    } catch (e) {
      const err = e as Error;
      throw taskError(err.name, { errorType: err.name, errorMessage: err.message });
    }
  };
}

export type TrainingStep = 'complete' | 'fail' | 'throttle' | 'spot-capacity';

const s3Uri = (uri: string) => { const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri)!; return { bucket: m[1], key: m[2] }; };

/**
 * SageMaker createTrainingJob.sync: one step of `plan` per call. `throttle`:
 * CreateTrainingJob is throttled (no job). `spot-capacity`: the job trains 3
 * epochs, checkpoints, then stops with MaxWaitTimeExceeded. `fail`: the job
 * fails with an algorithm error. `complete`: the job resumes from any
 * checkpoint under its CheckpointConfig, writes model.tar.gz and returns
 * DescribeTrainingJob. Job names are unique, as in SageMaker.
 */
export class TrainingSimulator {
  public readonly requests: any[] = [];
  public readonly jobs = new Map<string, any>();
  constructor(private readonly s3: FakeS3, public plan: TrainingStep[], public metrics: Record<string, number>, private readonly epochs = 10) {}

  public readonly handle: TaskHandler = (req: any) => {
    this.requests.push(req);
    const step = this.plan.shift() ?? 'complete';
    if (step === 'throttle') throw taskError('SageMaker.ThrottlingException', 'Rate exceeded');
    const name: string = req.TrainingJobName;
    if (this.jobs.has(name)) {
      throw taskError('SageMaker.ResourceInUseException', `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${name})`);
    }
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) throw taskError('SageMaker.ValidationException', `bad job name ${name}`);
    this.jobs.set(name, req);
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:training-job/${name.toLowerCase()}`;
    const ckpt = req.CheckpointConfig?.S3Uri ? s3Uri(req.CheckpointConfig.S3Uri) : undefined;
    const saved = ckpt ? this.s3.keys(ckpt.bucket, ckpt.key).map((k) => Number(/epoch-(\d+)/.exec(k)?.[1] ?? 0)) : [];
    const resumeFrom = saved.length ? Math.max(...saved) : 0;
    const transitions = [{ Status: 'Starting', StatusMessage: 'Launching requested ML instances' }];
    if (resumeFrom > 0) transitions.push({ Status: 'Training', StatusMessage: `Resumed from checkpoint epoch ${resumeFrom}` });
    if (step === 'spot-capacity') {
      for (let e = resumeFrom + 1; e <= resumeFrom + 3; e++) this.s3.put(ckpt!.bucket, `${ckpt!.key}epoch-${e}.pt`, `weights ${e}`);
      throw taskError('States.TaskFailed', {
        TrainingJobName: name, TrainingJobArn: arn, TrainingJobStatus: 'Stopped', SecondaryStatus: 'MaxWaitTimeExceeded',
        FailureReason: 'Training job interrupted: spot capacity was not available before MaxWaitTimeInSeconds',
        SecondaryStatusTransitions: [...transitions, { Status: 'Interrupted', StatusMessage: 'Spot interruption' }, { Status: 'MaxWaitTimeExceeded' }],
      });
    }
    if (step === 'fail') {
      throw taskError('States.TaskFailed', {
        TrainingJobName: name, TrainingJobArn: arn, TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed',
        FailureReason: 'AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB',
      });
    }
    if (ckpt) for (let e = resumeFrom + 1; e <= this.epochs; e++) this.s3.put(ckpt.bucket, `${ckpt.key}epoch-${e}.pt`, `weights ${e}`);
    const out = s3Uri(req.OutputDataConfig.S3OutputPath);
    const artifactKey = `${out.key}${name}/output/model.tar.gz`;
    this.s3.put(out.bucket, artifactKey, `model of ${name}`);
    return {
      TrainingJobName: name,
      TrainingJobArn: arn,
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      SecondaryStatusTransitions: [...transitions, { Status: 'Completed', StatusMessage: `Trained epochs ${resumeFrom + 1}-${this.epochs}` }],
      AlgorithmSpecification: req.AlgorithmSpecification,
      HyperParameters: req.HyperParameters,
      ResourceConfig: req.ResourceConfig,
      StoppingCondition: req.StoppingCondition,
      EnableManagedSpotTraining: req.EnableManagedSpotTraining,
      CheckpointConfig: req.CheckpointConfig,
      ModelArtifacts: { S3ModelArtifacts: `s3://${out.bucket}/${artifactKey}` },
      FinalMetricDataList: Object.entries(this.metrics).map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: '2026-01-01T01:00:00Z' })),
      TrainingTimeInSeconds: 3600,
      BillableTimeInSeconds: req.EnableManagedSpotTraining ? 1200 : 3600,
    };
  };
}

/** SageMaker Model Registry (ListModelPackages / DescribeModelPackage / CreateModelPackage, SDK integrations). */
export class RegistrySimulator {
  public readonly packages: any[] = [];
  private readonly tokens = new Map<string, string>();

  public seed(group: string, status: string, metadata: Record<string, string>): string {
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${this.packages.filter((p) => p.ModelPackageGroupName === group).length + 1}`;
    this.packages.push({
      ModelPackageGroupName: group,
      ModelPackageArn: arn,
      ModelApprovalStatus: status,
      CustomerMetadataProperties: metadata,
      CreationTime: this.packages.length,
    });
    return arn;
  }

  public readonly list: TaskHandler = (req: any) => ({
    ModelPackageSummaryList: this.packages
      .filter((p) => p.ModelPackageGroupName === req.ModelPackageGroupName
        && (!req.ModelApprovalStatus || p.ModelApprovalStatus === req.ModelApprovalStatus))
      .sort((a, b) => (req.SortOrder === 'Descending' ? b.CreationTime - a.CreationTime : a.CreationTime - b.CreationTime))
      .slice(0, req.MaxResults ?? 100)
      .map((p) => ({
        ModelPackageArn: p.ModelPackageArn, ModelPackageGroupName: p.ModelPackageGroupName, ModelApprovalStatus: p.ModelApprovalStatus,
      })),
  });

  public readonly describe: TaskHandler = (req: any) => {
    const p = this.packages.find((x) => x.ModelPackageArn === req.ModelPackageName);
    if (!p) throw taskError('SageMaker.ValidationException', `ModelPackage ${req.ModelPackageName} does not exist.`);
    return { ...p };
  };

  public readonly create: TaskHandler = (req: any) => {
    if (req.ClientToken && this.tokens.has(req.ClientToken)) return { ModelPackageArn: this.tokens.get(req.ClientToken) };
    const meta = req.CustomerMetadataProperties ?? {};
    if (Object.keys(meta).length > 50) throw taskError('SageMaker.ValidationException', 'too many CustomerMetadataProperties');
    for (const [k, v] of Object.entries<string>(meta)) {
      if (k.length > 128 || typeof v !== 'string' || v.length > 256) throw taskError('SageMaker.ValidationException', `bad metadata ${k}`);
    }
    const arn = this.seed(req.ModelPackageGroupName, req.ModelApprovalStatus, meta);
    Object.assign(this.packages[this.packages.length - 1], { request: req });
    if (req.ClientToken) this.tokens.set(req.ClientToken, arn);
    return { ModelPackageArn: arn };
  };
}

/** SNS Publish. */
export class TopicSimulator {
  public readonly messages: { Subject?: string; Message: string }[] = [];
  /** Publish calls that failed, with the error raised. */
  public readonly failures: string[] = [];
  /** Errors the next Publish calls raise, in order (e.g. 'SNS.KMSAccessDeniedException'); then `failAlways`. */
  public failNext: string[] = [];
  /** An error every Publish raises once `failNext` is spent. */
  public failAlways?: string;
  public readonly publish: TaskHandler = (req: any) => {
    const error = this.failNext.shift() ?? this.failAlways;
    if (error) {
      this.failures.push(error);
      throw taskError(error, `simulated ${error} publishing to ${req.TopicArn}`);
    }
    this.messages.push({ Subject: req.Subject, Message: req.Message });
    return { MessageId: `m-${this.messages.length}` };
  };
}

/** CloudWatch PutMetricData through the AWS SDK integration. */
export class MetricsSimulator {
  public readonly data: { namespace: string; name: string; dimensions: Record<string, string>; value: number; unit?: string }[] = [];
  /** An error every PutMetricData raises (e.g. 'CloudWatch.CloudWatchException'). */
  public failAlways?: string;
  public readonly putMetricData: TaskHandler = (req: any) => {
    if (this.failAlways) throw taskError(this.failAlways, 'simulated PutMetricData failure');
    if (typeof req.Namespace !== 'string' || !Array.isArray(req.MetricData)) throw taskError('CloudWatch.InvalidParameterValueException', 'bad request');
    for (const d of req.MetricData) {
      const dimensions = Object.fromEntries((d.Dimensions ?? []).map((x: any) => [x.Name, x.Value]));
      this.data.push({ namespace: req.Namespace, name: d.MetricName, dimensions, value: d.Value, unit: d.Unit });
    }
    return {};
  };
}

/** ECR DescribeImages: every tag resolves to a fixed digest. */
export const IMAGE_DIGEST = `sha256:${'ab'.repeat(32)}`;
export const describeImages: TaskHandler = (req: any) => ({
  ImageDetails: [{
    RegistryId: req.RegistryId, RepositoryName: req.RepositoryName, ImageDigest: IMAGE_DIGEST, ImageTags: [req.ImageIds[0].ImageTag],
  }],
});

/** S3 PutObject through the SDK integration (the failure record). */
export function s3PutObject(s3: FakeS3): TaskHandler {
  return (req: any) => ({ ETag: `"${s3.put(req.Bucket, req.Key, typeof req.Body === 'string' ? req.Body : JSON.stringify(req.Body))}"` });
}
