/**
 * The simulated AWS account the state machines run against: DynamoDB, SSM,
 * SNS, CloudWatch, EKS (the Kubernetes API behind `eks:call`), SageMaker
 * (training jobs and the model registry), S3, ECR, Lambda and Step Functions
 * itself (named executions, `startExecution.sync:2`). Each service keeps
 * state, behaves as the real one does for the calls the definitions make
 * (conditional writes, merge patches, execution-name uniqueness…) and fails
 * where the scenario scripts it.
 *
 * Lambda functions are not faked: a `lambda:invoke` of the TrainingPipeline
 * handler runs that handler's real code against the simulated S3.
 *
 * About 790 lines on purpose: one World dispatches every Task's call, so a scenario's faults, simulated time and
 * canary scripting apply to all services in one place; services with rules of their own live beside it
 * (dynamodb.ts, metric-data.ts, cluster-reach.ts, services.ts, scenario.ts).
 */
import { createHash } from 'node:crypto';
import { MODEL_PACKAGE_ANNOTATION, MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION } from '../../lib/contracts/endpoint-wiring';
import { Reach } from './cluster-reach';
import { ddbError, SimTable } from './dynamodb';
import { SimMetrics } from './metric-data';
import { Fault, Scenario } from './scenario';
import { IN_VPC_KUBE_CALLER, scriptedService } from './services';

/** One service call made by a Task state. */
export interface CallRecord {
  readonly execution: string;
  readonly state: string;
  readonly service: string;
  readonly summary: string;
  /** Simulated duration of the call. */
  readonly seconds: number;
  readonly error?: { name: string; cause: string };
  /** For `startExecution.sync`: the child execution. */
  child?: ExecutionRecord;
  /** The call's duration when a TimeoutSeconds cut it short (the Task's, or the execution's). */
  cappedSeconds?: number;
}

/** What the simulation keeps of one execution. */
export interface ExecutionRecord {
  readonly name: string;
  readonly arn: string;
  readonly stateMachine: 'retrain' | 'training';
  readonly input: any;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: any;
  error?: { name: string; cause: string };
  events: any[];
  calls: CallRecord[];
  /** Simulated start, seconds after the scenario's t0. */
  startOffset: number;
  /** The state machine's top-level `TimeoutSeconds`, when it has one. */
  timeoutSeconds?: number;
  /** Ends the execution as timed out (set by the runner): Step Functions stops it; no Catch applies. */
  timeOut?: () => void;
}

export function simError(name: string, cause: string): Error {
  const e = new Error(cause);
  e.name = name;
  return e;
}

/**
 * The error a Task gets when it exceeds its TimeoutSeconds. Step Functions' `States.TaskFailed` matches every
 * known error except States.Timeout; the local interpreter recognizes a timeout by its own class only, so the
 * error says it is not a task failure (`isTaskFailure`), and the runner refuses definitions where that matters
 * (checkTimeoutMatchers).
 */
export function timeoutError(cause: string): Error {
  const e = simError('States.Timeout', cause);
  (e as any).isTaskFailure = false;
  return e;
}

/**
 * The local interpreter matches any error a Task handler throws with `States.TaskFailed`; Step Functions does
 * not match States.Timeout with it. Where that would pick a different Retry or Catch entry for a timeout, the
 * simulation cannot run the state as Step Functions does, and says so (before running) rather than take the
 * wrong path.
 */
export function checkTimeoutMatchers(stateName: string, state: any): void {
  for (const field of ['Retry', 'Catch'] as const) {
    const entries: any[] = state?.[field] ?? [];
    const real = entries.findIndex((e) => (e.ErrorEquals ?? []).some((x: string) => x === 'States.Timeout' || x === 'States.ALL'));
    const local = entries.findIndex((e) => (e.ErrorEquals ?? []).some((x: string) => x === 'States.Timeout' || x === 'States.ALL' || x === 'States.TaskFailed'));
    if (real !== local) {
      throw new Error(`state ${stateName}: its ${field} entry ${local} names States.TaskFailed without States.Timeout; the simulation cannot tell it apart from a timeout (list States.Timeout in that entry, or before it)`);
    }
  }
}

/** A Task's TimeoutSeconds, or its TimeoutSecondsPath read from the state's raw input; undefined when neither. */
export function taskTimeoutSeconds(state: any, input: any): number | undefined {
  if (typeof state?.TimeoutSeconds === 'number') return state.TimeoutSeconds;
  if (typeof state?.TimeoutSecondsPath === 'string') {
    const v = String(state.TimeoutSecondsPath).replace(/^\$\.?/, '').split('.').filter((p) => p.length > 0)
      .reduce((o: any, k) => (o == null ? undefined : o[k]), input);
    return typeof v === 'number' && v >= 1 ? v : undefined;
  }
  // Step Functions' default for a Task without a timeout is 99999999 seconds: nothing the simulation reaches.
  return undefined;
}

/** A JSON merge patch (RFC 7386). */
export function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One AlarmHistoryItem, as DescribeAlarmHistory returns it. */
interface AlarmHistoryItem {
  AlarmName: string;
  AlarmType: string;
  Timestamp: string;
  HistoryItemType: string;
  HistorySummary: string;
  HistoryData: string;
}

/** A simulated CloudWatch alarm: its current state and its history. */
interface SimAlarm {
  name: string;
  type: 'MetricAlarm' | 'CompositeAlarm';
  state: AlarmState;
  reason: string;
  updatedMs: number;
  history: AlarmHistoryItem[];
}

interface K8sObject {
  obj: any;
  /** GETs left until the current generation is rolled out (undefined = rolled out; Infinity = never). */
  pollsLeft?: number;
  pollsUntilReady: number;
}

interface ModelPackage {
  arn: string;
  group: string;
  version: number;
  status: string;
  metadata: Record<string, string>;
  clientToken?: string;
  approvalDescription?: string;
}

/** Simulated S3 (the subset the TrainingPipeline handler uses, through its injectable client). */
export class SimS3 {
  public readonly objects = new Map<string, { body: Buffer; etag: string; versionId: string }>();
  private version = 0;

  public put(bucket: string, key: string, body: string | Buffer): void {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    this.objects.set(`${bucket}/${key}`, { body: buf, etag: createHash('md5').update(buf).digest('hex'), versionId: `v${++this.version}` });
  }

  /** S3Client-compatible `send`, dispatching on the command class name. */
  public async send(command: any): Promise<any> {
    const name: string = command?.constructor?.name ?? '';
    const input = command?.input ?? {};
    switch (name) {
      case 'PutObjectCommand':
        this.put(input.Bucket, input.Key, typeof input.Body === 'string' || Buffer.isBuffer(input.Body) ? input.Body : Buffer.from(input.Body ?? ''));
        return { ETag: `"${this.objects.get(`${input.Bucket}/${input.Key}`)!.etag}"` };
      case 'GetObjectCommand': {
        const o = this.objects.get(`${input.Bucket}/${input.Key}`);
        if (!o) throw simError('NoSuchKey', `s3://${input.Bucket}/${input.Key} does not exist`);
        return { Body: { transformToByteArray: async () => new Uint8Array(o.body), transformToString: async () => o.body.toString('utf8') }, ETag: `"${o.etag}"` };
      }
      case 'ListObjectsV2Command':
      case 'ListObjectVersionsCommand': {
        const prefix = `${input.Bucket}/${input.Prefix ?? ''}`;
        const keys = [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
        const items = keys.map(([k, o]) => ({
          Key: k.slice(input.Bucket.length + 1), ETag: `"${o.etag}"`, Size: o.body.length, VersionId: o.versionId, IsLatest: true,
        }));
        return name === 'ListObjectsV2Command' ? { Contents: items, IsTruncated: false, KeyCount: items.length } : { Versions: items, IsTruncated: false };
      }
      default:
        throw simError('NotImplemented', `simulated S3 does not implement ${name}`);
    }
  }
}

export interface WorldOptions {
  readonly scenario: Scenario;
  readonly records: Map<string, any>;
  readonly configPrefix: string;
  readonly trainingHandler?: (payload: any) => Promise<any>;
  readonly objectiveMetric: string;
  readonly t0Epoch: number;
  /** Whether a Kubernetes API call reaches the cluster as the template configures it (a refusal reason otherwise). */
  readonly reach?: Reach;
}

export class World {
  public readonly table: SimTable;
  public readonly s3 = new SimS3();
  public readonly sns: { topic: string; message: any; subject?: string; attributes?: any; execution: string }[] = [];
  public readonly metrics: any[] = [];
  public readonly trainingJobs = new Map<string, any>();
  public readonly packages: ModelPackage[] = [];
  public readonly k8s = new Map<string, K8sObject>();
  /** SSM parameters the loop writes itself (PutParameter): the champion parameters. The records come from the template. */
  public readonly parameters = new Map<string, { value: string; version: number }>();
  public readonly executions: ExecutionRecord[] = [];
  public readonly runningExecutions = new Map<string, { input: string; done: Promise<any> }>();
  private readonly faultsLeft: { fault: Fault; left: number }[];
  /** CloudWatch alarms (created OK on first use), with their state history. */
  public readonly alarms = new Map<string, SimAlarm>();
  /** Simulated epoch milliseconds of an execution's previous bake check. */
  private readonly lastCheckMs = new Map<string, number>();
  /** The bake check of each execution whose canary signal was scripted last (once per check, whatever the calls). */
  private readonly scriptedCheck = new Map<string, number>();
  /** CloudWatch metric datapoints (standard resolution) and GetMetricData over them. */
  private readonly cloudWatchMetrics = new SimMetrics();
  /** Hook run when a retrain execution starts its training (duplicate deliveries). */
  public onTrainingStarted?: (execution: string) => Promise<void>;
  /** Runs a state machine execution (set by the runner). */
  public runExecution?: (stateMachineArn: string, name: string, input: any, parent?: ExecutionRecord) => Promise<ExecutionRecord>;
  /** Simulated seconds since an execution started, from its history so far (set by the runner). */
  public elapsed?: (exec: ExecutionRecord) => number;

  constructor(public readonly options: WorldOptions, tableName: string) {
    this.table = new SimTable(tableName);
    this.faultsLeft = (options.scenario.faults ?? []).map((fault) => ({ fault, left: fault.times ?? 1 }));
  }

  /** Replaces the scripted faults (a scenario's `repeat` scripts the faults of its later execution). */
  public scriptFaults(faults: Fault[]): void {
    this.faultsLeft.splice(0, this.faultsLeft.length, ...faults.map((fault) => ({ fault, left: fault.times ?? 1 })));
  }

  /** Seeds the Kubernetes objects and the model registry from a model's record. */
  public seedModel(record: any, packageGroup: string, rendered: any[] = []): void {
    const eks = record.eks;
    const champion = record.initialChampion;
    const annotations = {
      [MODEL_URI_ANNOTATION]: champion.modelArtifactUri,
      [MODEL_VERSION_ANNOTATION]: champion.modelVersion,
      [MODEL_PACKAGE_ANNOTATION]: champion.modelPackageArn,
    };
    const scenario = this.options.scenario;
    for (const [variant, polls] of [['primaryDeployment', scenario.rollout?.primaryPollsUntilReady ?? 1], ['canaryDeployment', scenario.rollout?.canaryPollsUntilReady ?? 1]] as const) {
      const name = eks[variant];
      // The Deployment the stack renders (when found), as the cluster would hold it, serving the champion.
      const base = rendered.find((o) => o?.kind === 'Deployment' && o.metadata?.name === name && o.metadata?.namespace === eks.namespace);
      const obj = mergePatch(base ? JSON.parse(JSON.stringify(base)) : { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: eks.namespace }, spec: {} }, {
        metadata: { generation: 1, annotations: { [MODEL_VERSION_ANNOTATION]: champion.modelVersion } },
        spec: { template: { metadata: { annotations: { ...annotations } } } },
        status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
      });
      this.k8s.set(`/apis/apps/v1/namespaces/${eks.namespace}/deployments/${name}`, { pollsUntilReady: polls === 0 ? Infinity : polls, obj });
    }
    const ingress = rendered.find((o) => o?.kind === 'Ingress' && o.metadata?.name === eks.ingressName && o.metadata?.namespace === eks.namespace);
    this.k8s.set(`/apis/networking.k8s.io/v1/namespaces/${eks.namespace}/ingresses/${eks.ingressName}`, {
      pollsUntilReady: 1,
      obj: mergePatch(ingress ? JSON.parse(JSON.stringify(ingress)) : { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: eks.ingressName, namespace: eks.namespace }, spec: {} },
        { metadata: { generation: 1 } }),
    });
    // The DriftMonitor's baseline of the model in production (the one a promotion replaces).
    if (record.monitorBaseline) {
      this.s3.put(record.monitorBaseline.bucket, record.monitorBaseline.key, JSON.stringify({ schemaVersion: 1, seeded: `baseline of ${champion.modelVersion}` }));
    }
    // The model in production was registered (and approved) as version 1 of its group.
    const champArn = String(champion.modelPackageArn).startsWith('arn:') ? champion.modelPackageArn : `arn:aws:sagemaker:us-east-1:123456789012:model-package/${packageGroup}/1`;
    this.packages.push({
      arn: champArn, group: packageGroup, version: 1, status: 'Approved',
      metadata: { [`metric.${this.options.objectiveMetric}`]: String(scenario.training?.championMetric ?? 0.9) },
    });
  }

  /**
   * A `cdk deploy` that re-applies the rendered manifest: the model Deployments get the rendered pod template
   * back (annotations included, whatever the loop patched), which rolls their pods.
   */
  public redeploy(record: any, rendered: any[]): void {
    for (const variant of ['primaryDeployment', 'canaryDeployment'] as const) {
      const path = `/apis/apps/v1/namespaces/${record.eks.namespace}/deployments/${record.eks[variant]}`;
      const o = this.k8s.get(path);
      const base = rendered.find((x) => x?.kind === 'Deployment' && x.metadata?.name === record.eks[variant] && x.metadata?.namespace === record.eks.namespace);
      if (!o || !base) continue;
      const before = JSON.stringify(o.obj.spec);
      o.obj = {
        ...o.obj,
        metadata: { ...o.obj.metadata, annotations: { ...base.metadata?.annotations } },
        spec: JSON.parse(JSON.stringify(base.spec)),
      };
      if (JSON.stringify(o.obj.spec) !== before) o.obj.metadata.generation = (o.obj.metadata.generation ?? 1) + 1;
    }
  }

  public deployment(record: any, variant: 'primaryDeployment' | 'canaryDeployment'): any {
    return this.k8s.get(`/apis/apps/v1/namespaces/${record.eks.namespace}/deployments/${record.eks[variant]}`)?.obj;
  }

  public ingress(record: any): any {
    return this.k8s.get(`/apis/networking.k8s.io/v1/namespaces/${record.eks.namespace}/ingresses/${record.eks.ingressName}`)?.obj;
  }

  /**
   * Executes one Task's service call. `service` is the integration
   * (e.g. `dynamodb:updateItem`), `params` the effective Parameters.
   */
  // A fault scripted on `eks:call` is a fault of the Kubernetes API call, whichever way the loop reaches it (scriptedService).
  public async call(exec: ExecutionRecord, state: string, service: string, params: any, context: any): Promise<any> {
    // The runner records the execution's events asynchronously: let it catch up, so the simulated clock
    // (waits, retry delays and earlier calls of this execution) is read from the history up to this call.
    await new Promise((resolve) => setImmediate(resolve));
    const before = this.elapsed?.(exec) ?? 0;
    // An execution past its TimeoutSeconds is stopped by Step Functions: no further call is made.
    if (exec.timeoutSeconds !== undefined && before >= exec.timeoutSeconds) return this.stopForTimeout(exec);
    const scripted = scriptedService(service);
    const fault = this.faultsLeft.find((f) => f.left > 0 && (f.fault.state === undefined || f.fault.state === state)
      && (f.fault.service === undefined || f.fault.service === scripted));
    if (fault) {
      fault.left--;
      const cause = fault.fault.cause ?? `${fault.fault.error} (scripted)`;
      exec.calls.push({
        execution: exec.name,
        state,
        service,
        summary: summarize(service, params),
        seconds: 0.3,
        error: { name: fault.fault.error, cause },
      });
      throw simError(fault.fault.error, cause);
    }
    const rec: CallRecord = { execution: exec.name, state, service, summary: summarize(service, params), seconds: 0.2 };
    exec.calls.push(rec);
    const taskTimeout = taskTimeoutSeconds(context, this.stateInput(exec, state));
    let out: any;
    let failure: any;
    try {
      out = await this.dispatch(exec, rec, service, params, context);
    } catch (err: any) {
      failure = err;
    }
    const seconds = rec.child ? (this.elapsed?.(rec.child) ?? 0) : rec.seconds;
    // Task TimeoutSeconds (https://docs.aws.amazon.com/step-functions/latest/dg/sfn-states-task.html): a Task that
    // runs longer fails with States.Timeout at the deadline, whatever the call would have returned later; the
    // state's Retry and Catch handle it (States.ALL matches it, States.TaskFailed does not).
    if (taskTimeout !== undefined && seconds > taskTimeout) {
      rec.cappedSeconds = taskTimeout;
      const cause = `the task ran longer than its TimeoutSeconds (${taskTimeout} s; the call would take ${Math.round(seconds)} s)`;
      (rec as any).error = { name: 'States.Timeout', cause };
      if (service === 'sagemaker:createTrainingJob.sync' && params?.TrainingJobName) {
        const job = this.trainingJobs.get(params.TrainingJobName);
        // The job itself is not finished at the deadline: it is still running (the Task stopped waiting for it).
        if (job) this.trainingJobs.set(params.TrainingJobName, { ...job, TrainingJobStatus: 'InProgress', ModelArtifacts: undefined, FinalMetricDataList: undefined });
      }
      if (exec.timeoutSeconds !== undefined && before + taskTimeout > exec.timeoutSeconds) {
        rec.cappedSeconds = Math.max(0, exec.timeoutSeconds - before);
        return this.stopForTimeout(exec);
      }
      throw timeoutError(cause);
    }
    // The execution's own TimeoutSeconds ran out during this call.
    if (exec.timeoutSeconds !== undefined && before + seconds > exec.timeoutSeconds) {
      rec.cappedSeconds = Math.max(0, exec.timeoutSeconds - before);
      return this.stopForTimeout(exec);
    }
    if (failure !== undefined) {
      (rec as any).error = { name: failure?.name ?? 'Error', cause: String(failure?.message ?? failure) };
      throw failure;
    }
    return out;
  }

  /**
   * Stops an execution that ran past its TimeoutSeconds: the runner aborts the run, so the interpreter enters
   * no further state; the pending Task gets an error that nothing records (the execution ends TIMED_OUT).
   */
  private stopForTimeout(exec: ExecutionRecord): Promise<never> {
    exec.timeOut?.();
    return Promise.reject(simError('States.Timeout', 'the execution ran past its TimeoutSeconds'));
  }

  /** The raw input of the state being executed (its last StateEntered event), for TimeoutSecondsPath. */
  private stateInput(exec: ExecutionRecord, state: string): any {
    for (let i = exec.events.length - 1; i >= 0; i--) {
      if (exec.events[i].type === 'StateEntered' && exec.events[i].state?.name === state) return exec.events[i].state.input;
    }
    return undefined;
  }

  private async dispatch(exec: ExecutionRecord, rec: CallRecord, service: string, p: any, context: any): Promise<any> {
    const scenario = this.options.scenario;
    switch (service) {
      // ---- Systems Manager ---------------------------------------------------
      case 'aws-sdk:ssm:getParameter': {
        const name: string = p.Name;
        const written = this.parameters.get(name);
        if (written) return { Parameter: { Name: name, Type: 'String', Value: written.value, Version: written.version } };
        const model = name.startsWith(this.options.configPrefix) ? name.slice(this.options.configPrefix.length) : '';
        const record = this.options.records.get(model);
        if (!record) throw simError('Ssm.ParameterNotFoundException', `parameter ${name} not found`);
        const value = { ...record, ...(scenario.requireApproval !== undefined ? { approvalRequired: scenario.requireApproval } : {}) };
        return { Parameter: { Name: name, Type: 'String', Value: JSON.stringify(value), Version: 1 } };
      }
      // PutParameter (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html): an
      // existing name without Overwrite is ParameterAlreadyExists; each write makes a new version.
      case 'aws-sdk:ssm:putParameter': {
        const name: string = p.Name;
        const existing = this.parameters.get(name) ?? (this.options.records.has(name.slice(this.options.configPrefix.length)) ? { value: '', version: 1 } : undefined);
        if (existing && p.Overwrite !== true) throw simError('Ssm.ParameterAlreadyExistsException', `The parameter ${name} already exists.`);
        if (typeof p.Value !== 'string' || p.Value === '') throw simError('Ssm.ValidationException', `Value of ${name} must be a non-empty string`);
        const version = (existing?.version ?? 0) + 1;
        this.parameters.set(name, { value: p.Value, version });
        return { Version: version, Tier: 'Standard' };
      }
      // ---- DynamoDB ------------------------------------------------------------------
      case 'dynamodb:getItem': return this.table.getItem(p);
      case 'dynamodb:putItem': return this.table.putItem(p);
      case 'dynamodb:updateItem': return this.table.updateItem(p);
      // ---- SNS -----------------------------------------------------------------------------
      case 'sns:publish': {
        this.sns.push({ topic: p.TopicArn, message: p.Message, subject: p.Subject, attributes: p.MessageAttributes, execution: exec.name });
        return { MessageId: `msg-${this.sns.length}` };
      }
      case 'sns:publish.waitForTaskToken': {
        this.sns.push({ topic: p.TopicArn, message: p.Message, subject: p.Subject, attributes: p.MessageAttributes, execution: exec.name });
        const answer = scenario.approval ?? 'approve';
        if (answer === 'approve') {
          (rec as any).seconds = 25 * 60;
          return { approved: true };
        }
        if (answer === 'reject') {
          (rec as any).seconds = 40 * 60;
          throw simError('Rejected', 'rejected by the approver: not convinced the drift is real');
        }
        (rec as any).seconds = Number(context?.HeartbeatSeconds ?? 86400);
        throw simError('States.HeartbeatTimeout', 'no answer (or heartbeat) before HeartbeatSeconds');
      }
      // ---- CloudWatch --------------------------------------------------------------------
      // DescribeAlarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html):
      // the named alarms' current state, filtered by StateValue.
      case 'aws-sdk:cloudwatch:describeAlarms': {
        const names: string[] = p.AlarmNames ?? [];
        this.scriptCanary(exec);
        const alarms = names.map((AlarmName) => this.alarm(AlarmName)).map((a) => ({
          AlarmName: a.name,
          StateValue: a.state,
          StateReason: a.reason,
          StateUpdatedTimestamp: new Date(a.updatedMs).toISOString(),
        }));
        return { MetricAlarms: alarms.filter((a) => p.StateValue === undefined || a.StateValue === p.StateValue), CompositeAlarms: [] };
      }
      case 'aws-sdk:cloudwatch:describeAlarmHistory':
        return this.describeAlarmHistory(p);
      case 'aws-sdk:cloudwatch:getMetricData':
        this.scriptCanary(exec);
        return this.getMetricData(p, this.nowMs(exec));
      case 'aws-sdk:cloudwatch:putMetricData':
        this.metrics.push(p);
        return {};
      // ---- EKS (Kubernetes API) ---------------------------------------------------------
      case 'eks:call':
      case IN_VPC_KUBE_CALLER: {
        const fnId = service === IN_VPC_KUBE_CALLER ? /:function:([^:]+)$/.exec(String(context?.Resource ?? ''))?.[1] : undefined;
        const refused = this.options.reach?.(service, String(p.ClusterName), fnId);
        // What the caller sees when nothing answers: the connection times out.
        if (refused) throw simError(service === 'eks:call' ? 'EKS.EndpointUnreachable' : 'Lambda.Timeout', refused);
        return this.kube(p);
      }
      // ---- SageMaker ----------------------------------------------------------------------
      case 'sagemaker:createTrainingJob.sync': {
        const name: string = p.TrainingJobName;
        if (this.trainingJobs.has(name)) throw simError('SageMaker.ResourceInUse', `Training job names must be unique: ${name} exists`);
        if (exec.input && this.onTrainingStarted) await this.onTrainingStarted(exec.name);
        (rec as any).seconds = (scenario.training?.minutes ?? 45) * 60;
        const job = {
          TrainingJobName: name,
          TrainingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:training-job/${name.toLowerCase()}`,
          TrainingJobStatus: 'Completed',
          ModelArtifacts: { S3ModelArtifacts: `${p.OutputDataConfig?.S3OutputPath ?? 's3://output/'}${name}/output/model.tar.gz` },
          FinalMetricDataList: Object.entries(scenario.training?.metrics ?? { [this.options.objectiveMetric]: 0.93 })
            .map(([MetricName, Value]) => ({ MetricName, Value })),
          BillableTimeInSeconds: (scenario.training?.minutes ?? 45) * 60,
          HyperParameters: p.HyperParameters,
        };
        this.trainingJobs.set(name, job);
        if (scenario.training?.outcome === 'failed') {
          throw simError('States.TaskFailed', JSON.stringify({ TrainingJobName: name, TrainingJobStatus: 'Failed', FailureReason: 'AlgorithmError: loss became NaN at epoch 3' }));
        }
        return job;
      }
      case 'aws-sdk:sagemaker:listModelPackages': {
        // SageMaker API Reference, ListModelPackages: MaxResults 1-100; SortBy defaults to CreationTime (versions are
        // created in order) and SortOrder to Ascending, so the newest first needs SortOrder Descending.
        const max = p.MaxResults ?? 100;
        if (!Number.isInteger(max) || max < 1 || max > 100) throw simError('SageMaker.ValidationException', `MaxResults must be between 1 and 100: ${max}`);
        const list = this.packages
          .filter((m) => m.group === p.ModelPackageGroupName && (!p.ModelApprovalStatus || m.status === p.ModelApprovalStatus))
          .sort((a, b) => (p.SortOrder === 'Descending' ? b.version - a.version : a.version - b.version)).slice(0, max);
        return {
          ModelPackageSummaryList: list.map((m) => ({
            ModelPackageArn: m.arn,
            ModelPackageGroupName: m.group,
            ModelPackageVersion: m.version,
            ModelApprovalStatus: m.status,
          })),
        };
      }
      case 'aws-sdk:sagemaker:describeModelPackage': {
        const m = this.packages.find((x) => x.arn === p.ModelPackageName);
        if (!m) throw simError('SageMaker.ValidationException', `model package ${p.ModelPackageName} not found`);
        return {
          ModelPackageArn: m.arn,
          ModelPackageGroupName: m.group,
          ModelPackageVersion: m.version,
          ModelApprovalStatus: m.status,
          ...(m.approvalDescription !== undefined ? { ApprovalDescription: m.approvalDescription } : {}),
          CustomerMetadataProperties: m.metadata,
        };
      }
      case 'aws-sdk:sagemaker:createModelPackage': {
        const existing = this.packages.find((m) => m.clientToken !== undefined && m.clientToken === p.ClientToken);
        if (existing) return { ModelPackageArn: existing.arn };
        const version = this.packages.filter((m) => m.group === p.ModelPackageGroupName).length + 1;
        const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${p.ModelPackageGroupName}/${version}`;
        this.packages.push({
          arn, group: p.ModelPackageGroupName, version, status: p.ModelApprovalStatus ?? 'PendingManualApproval', metadata: p.CustomerMetadataProperties ?? {},
          clientToken: p.ClientToken, ...(p.ApprovalDescription !== undefined ? { approvalDescription: p.ApprovalDescription } : {}),
        });
        return { ModelPackageArn: arn };
      }
      case 'aws-sdk:sagemaker:updateModelPackage': {
        const m = this.packages.find((x) => x.arn === p.ModelPackageArn);
        if (!m) throw simError('SageMaker.ValidationException', `model package ${p.ModelPackageArn} not found`);
        m.status = p.ModelApprovalStatus ?? m.status;
        if (p.ApprovalDescription !== undefined) m.approvalDescription = p.ApprovalDescription;
        return { ModelPackageArn: m.arn };
      }
      // ---- ECR / S3 ---------------------------------------------------------------------------
      case 'aws-sdk:ecr:describeImages':
        return { ImageDetails: [{ ImageDigest: `sha256:${createHash('sha256').update(`${p.RepositoryName}:${p.ImageIds?.[0]?.ImageTag}`).digest('hex')}` }] };
      case 'aws-sdk:s3:putObject':
        this.s3.put(p.Bucket, p.Key, typeof p.Body === 'string' ? p.Body : JSON.stringify(p.Body));
        return { ETag: '"simulated"' };
      case 'aws-sdk:s3:copyObject': {
        // CopySource is "<bucket>/<key>" (URL-encoded in general; the keys here need no encoding).
        const source = String(p.CopySource ?? '');
        const slash = source.indexOf('/');
        if (slash <= 0) throw simError('S3.InvalidArgument', `CopySource must be <bucket>/<key>: ${source}`);
        const o = this.s3.objects.get(`${source.slice(0, slash)}/${decodeURIComponent(source.slice(slash + 1))}`);
        if (!o) throw simError('S3.NoSuchKeyException', `s3://${source} does not exist`);
        this.s3.put(p.Bucket, p.Key, o.body);
        return { CopyObjectResult: { ETag: `"${this.s3.objects.get(`${p.Bucket}/${p.Key}`)!.etag}"`, LastModified: new Date(0).toISOString() } };
      }
      // ---- Lambda: the real handler code ---------------------------------------------------------
      case 'lambda:invoke': {
        if (!this.options.trainingHandler) throw simError('Lambda.ResourceNotFoundException', `no simulated function ${p.FunctionName}`);
        (rec as any).seconds = p.Payload?.action === 'baseline' ? 40 : 3;
        try {
          const payload = await this.options.trainingHandler(p.Payload);
          return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: JSON.parse(JSON.stringify(payload ?? null)) };
        } catch (err: any) {
          throw simError(err?.name && err.name !== 'Error' ? err.name : 'Lambda.Unknown', String(err?.message ?? err));
        }
      }
      // ---- Step Functions ----------------------------------------------------------------------------
      case 'states:startExecution.sync:2':
      case 'states:startExecution.sync': {
        if (!this.runExecution) throw simError('StepFunctions.InternalError', 'no runner');
        const input = typeof p.Input === 'string' ? JSON.parse(p.Input) : p.Input;
        const child = await this.runExecution(p.StateMachineArn, p.Name, input, exec);
        rec.child = child;
        (rec as any).seconds = 0;
        if (child.status !== 'SUCCEEDED') {
          throw simError('States.TaskFailed', JSON.stringify({ ExecutionArn: child.arn, Status: 'FAILED', Error: child.error?.name, Cause: child.error?.cause }));
        }
        return {
          ExecutionArn: child.arn, Name: child.name, StateMachineArn: p.StateMachineArn, Status: 'SUCCEEDED',
          Input: JSON.stringify(input), Output: child.output,
        };
      }
      default:
        throw simError('States.Runtime', `the simulation has no ${service}`);
    }
  }

  /** The simulated time of an execution now (epoch ms): the scenario's t0, the execution's start, its history so far. */
  public nowMs(exec: ExecutionRecord): number {
    return (this.options.t0Epoch + exec.startOffset + (this.elapsed?.(exec) ?? 0)) * 1000;
  }

  /** A CloudWatch alarm by name; unknown names are created in OK (a day before t0). */
  public alarm(name: string): SimAlarm {
    let a = this.alarms.get(name);
    if (!a) {
      a = { name, type: 'MetricAlarm', state: 'OK', reason: 'Threshold Crossed: no datapoints were breaching', updatedMs: (this.options.t0Epoch - 86400) * 1000, history: [] };
      this.alarms.set(name, a);
    }
    return a;
  }

  /**
   * Moves an alarm to a state at a time, recording the StateUpdate history item CloudWatch keeps for a state change
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html): `HistorySummary`
   * "Alarm updated from <old> to <new>", `HistoryData` the JSON of the old and new state. No change, no item.
   */
  public setAlarmState(name: string, state: AlarmState, atMs: number, reason: string): void {
    const a = this.alarm(name);
    if (a.state === state) return;
    const item: AlarmHistoryItem = {
      AlarmName: name,
      AlarmType: a.type,
      Timestamp: new Date(atMs).toISOString(),
      HistoryItemType: 'StateUpdate',
      HistorySummary: `Alarm updated from ${a.state} to ${state}`,
      HistoryData: JSON.stringify({
        version: '1.0',
        oldState: { stateValue: a.state, stateReason: a.reason },
        newState: {
          stateValue: state,
          stateReason: reason,
          stateReasonData: { version: '1.0', queryDate: new Date(atMs).toISOString(), statistic: 'Sum', period: 60, threshold: 5, recentDatapoints: [state === 'ALARM' ? 7 : 0] },
        },
      }),
    };
    a.history.push(item);
    a.state = state;
    a.reason = reason;
    a.updatedMs = atMs;
  }

  /**
   * DescribeAlarmHistory (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html):
   * the items of one alarm (AlarmName) or of every alarm, of the `AlarmTypes` (metric alarms only when omitted),
   * of one `HistoryItemType`, between `StartDate` and `EndDate`, newest first unless `ScanBy` is TimestampAscending,
   * at most `MaxRecords` (1-100, default 50) with a NextToken for the rest.
   */
  private describeAlarmHistory(p: any): any {
    const types: string[] = p.AlarmTypes ?? ['MetricAlarm'];
    const date = (field: string): number | undefined => {
      if (p[field] === undefined) return undefined;
      const ms = Date.parse(String(p[field]));
      if (Number.isNaN(ms)) throw simError('CloudWatch.InvalidParameterValueException', `${field} ${JSON.stringify(p[field])} is not a timestamp`);
      return ms;
    };
    const start = date('StartDate');
    const end = date('EndDate');
    const max = p.MaxRecords ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 100) throw simError('CloudWatch.InvalidParameterValueException', `MaxRecords must be between 1 and 100: ${max}`);
    if (p.ScanBy !== undefined && !['TimestampDescending', 'TimestampAscending'].includes(p.ScanBy)) {
      throw simError('CloudWatch.InvalidParameterValueException', `ScanBy must be TimestampDescending or TimestampAscending: ${p.ScanBy}`);
    }
    const alarms = [...this.alarms.values()].filter((a) => p.AlarmName === undefined || a.name === p.AlarmName);
    const items = alarms.filter((a) => types.includes(a.type)).flatMap((a) => a.history)
      .filter((h) => p.HistoryItemType === undefined || h.HistoryItemType === p.HistoryItemType)
      .filter((h) => (start === undefined || Date.parse(h.Timestamp) >= start) && (end === undefined || Date.parse(h.Timestamp) <= end))
      .sort((a, b) => Date.parse(a.Timestamp) - Date.parse(b.Timestamp));
    if (p.ScanBy !== 'TimestampAscending') items.reverse();
    const from = p.NextToken !== undefined ? Number(p.NextToken) : 0;
    const page = items.slice(from, from + max);
    return { AlarmHistoryItems: page, ...(from + max < items.length ? { NextToken: String(from + max) } : {}) };
  }

  /**
   * The scenario's canary signal at the n-th bake check of an execution (n: how many times the execution entered the
   * `Bake` wait), scripted once per check before its first CloudWatch call. The signal is the record's first canary
   * alarm, or, for a model judged by canary metrics (record `canaryMetricQueries`) when the scenario names no alarm,
   * the first metric those queries read: the capture sidecar's `Errors` datapoints of the canary variant.
   * `alarmAtCheck` moves the alarm to ALARM just before that check (it stays there), or makes the canary answer
   * errors in the minutes before it; `flapBeforeCheck` moves the alarm to ALARM and back to OK between the previous
   * check (or the bake's start) and that check, or puts one burst of errors there (a datapoint stays in the metric).
   */
  private scriptCanary(exec: ExecutionRecord): void {
    const n = exec.events.filter((e) => e.type === 'StateEntered' && e.state?.name === 'Bake').length;
    if (n === 0 || this.scriptedCheck.get(exec.name) === n) return;
    this.scriptedCheck.set(exec.name, n);
    const canary = this.options.scenario.canary;
    const now = this.nowMs(exec);
    const record = this.options.records.get(exec.input?.modelName);
    const interval = Number(record?.bakeIntervalSeconds ?? 600) * 1000;
    const previous = this.lastCheckMs.get(exec.name) ?? now - interval;
    this.lastCheckMs.set(exec.name, now);
    const names: string[] = record?.canaryAlarmNames ?? [];
    const queries: any[] | undefined = record?.canaryMetricQueries;
    const metric = canary?.alarmName === undefined ? queries?.find((q) => q.MetricStat)?.MetricStat.Metric : undefined;
    if (metric) {
      const put = (ms: number) => this.putDatapoint(metric.Namespace, metric.MetricName, metric.Dimensions, ms, SCRIPTED_CANARY_ERRORS);
      if (canary?.alarmAtCheck === n) [180_000, 120_000, 60_000].forEach((before) => put(now - before));
      if (canary?.flapBeforeCheck === n) put(previous + (now - previous) / 2);
      return;
    }
    const name = canary?.alarmName ?? names[0];
    if (name === undefined) return;
    if (canary?.alarmAtCheck === n) this.setAlarmState(name, 'ALARM', now - 1000, 'Threshold Crossed: 2 out of the last 3 datapoints were greater than or equal to the threshold (5.0)');
    if (canary?.flapBeforeCheck === n) {
      const span = now - previous;
      this.setAlarmState(name, 'ALARM', previous + span / 3, 'Threshold Crossed: 2 out of the last 3 datapoints were greater than or equal to the threshold (5.0)');
      this.setAlarmState(name, 'OK', previous + (2 * span) / 3, 'Threshold Crossed: no datapoints were greater than or equal to the threshold (5.0)');
    }
  }

  /** Records one value of a metric at a time (what PutMetricData of a standard-resolution metric stores). */
  public putDatapoint(namespace: string, metricName: string, dimensions: { Name: string; Value: string }[], atMs: number, value: number): void {
    this.cloudWatchMetrics.put(namespace, metricName, dimensions, atMs, value);
  }

  /** GetMetricData over the world's datapoints at simulated time `nowMs` (see SimMetrics.getMetricData). */
  public getMetricData(p: any, nowMs: number): any {
    return this.cloudWatchMetrics.getMetricData(p, nowMs);
  }

  /** The Kubernetes API: GET and PATCH (JSON merge patch) of the seeded objects. */
  private kube(p: any): any {
    const path: string = p.Path;
    const o = this.k8s.get(path);
    if (!o) throw simError('EKS.404', `${p.Method} ${path}: not found`);
    if (p.Method === 'GET') {
      if (o.pollsLeft !== undefined) {
        o.pollsLeft--;
        if (o.pollsLeft <= 0) {
          o.pollsLeft = undefined;
          o.obj.status = { observedGeneration: o.obj.metadata.generation, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
        }
      }
      return { ResponseBody: JSON.parse(JSON.stringify(o.obj)), StatusCode: 200, StatusText: 'OK', Headers: {} };
    }
    if (p.Method === 'PATCH') {
      const before = JSON.stringify(o.obj.spec);
      const patched = mergePatch(o.obj, p.RequestBody);
      if (JSON.stringify(patched.spec) !== before) {
        patched.metadata.generation = (o.obj.metadata.generation ?? 1) + 1;
        if (patched.kind === 'Deployment') {
          patched.status = {
            observedGeneration: patched.metadata.generation,
            replicas: 2,
            updatedReplicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            unavailableReplicas: 1,
          };
          o.pollsLeft = o.pollsUntilReady;
        }
      }
      o.obj = patched;
      return { ResponseBody: JSON.parse(JSON.stringify(o.obj)), StatusCode: 200, StatusText: 'OK', Headers: {} };
    }
    throw simError('EKS.405', `method ${p.Method} not simulated`);
  }
}

/** Errors per minute the scripted failing canary answers (over the factory's threshold of 5). */
const SCRIPTED_CANARY_ERRORS = 12;
/** One readable line for a call. */
function summarize(service: string, p: any): string {
  switch (service) {
    case 'dynamodb:updateItem': return `UpdateItem ${p.Key?.pk?.S ?? ''}`;
    case 'dynamodb:getItem': return `GetItem ${p.Key?.pk?.S ?? ''}`;
    case 'dynamodb:putItem': return `PutItem ${p.Item?.pk?.S ?? ''}`;
    case 'aws-sdk:ssm:getParameter': return `GetParameter ${p.Name}`;
    case 'aws-sdk:ssm:putParameter': return `PutParameter ${p.Name}`;
    case 'eks:call':
    case IN_VPC_KUBE_CALLER: return `${p.Method} ${p.Path}`;
    case 'sns:publish': return `Publish ${p.Subject ?? ''}`;
    case 'sns:publish.waitForTaskToken': return `Publish (task token) ${p.Subject ?? ''}`;
    case 'aws-sdk:cloudwatch:describeAlarms': return `DescribeAlarms ${(p.AlarmNames ?? []).join(', ')}`;
    case 'aws-sdk:cloudwatch:getMetricData': return `GetMetricData ${(p.MetricDataQueries ?? []).filter((q: any) => q.MetricStat)
      .map((q: any) => `${q.MetricStat.Metric?.MetricName}{${(q.MetricStat.Metric?.Dimensions ?? []).map((d: any) => d.Value).join(',')}}`).join(' ')} since ${p.StartTime ?? '-'}`;
    case 'aws-sdk:cloudwatch:describeAlarmHistory': return `DescribeAlarmHistory ${p.AlarmName ?? '(all)'} ${p.HistoryItemType ?? ''} since ${p.StartDate ?? '-'}`;
    case 'aws-sdk:cloudwatch:putMetricData': return `PutMetricData ${p.Namespace} ${(p.MetricData ?? []).map((m: any) => `${m.MetricName}{${(m.Dimensions ?? []).map((d: any) => d.Value).join(',')}}`).join(' ')}`;
    case 'sagemaker:createTrainingJob.sync': return `CreateTrainingJob ${p.TrainingJobName} (${p.ResourceConfig?.InstanceCount ?? '?'} x ${p.ResourceConfig?.InstanceType ?? '?'})`;
    case 'aws-sdk:sagemaker:updateModelPackage': return `UpdateModelPackage ${p.ModelPackageArn} -> ${p.ModelApprovalStatus}`;
    case 'aws-sdk:sagemaker:createModelPackage': return `CreateModelPackage ${p.ModelPackageGroupName} (${p.ModelApprovalStatus})`;
    case 'aws-sdk:sagemaker:listModelPackages': return `ListModelPackages ${p.ModelPackageGroupName} ${p.ModelApprovalStatus ?? ''}`;
    case 'aws-sdk:sagemaker:describeModelPackage': return `DescribeModelPackage ${p.ModelPackageName}`;
    case 'lambda:invoke': return `Invoke ${String(p.FunctionName).split(':').pop()} (${p.Payload?.action ?? ''})`;
    case 'states:startExecution.sync:2': return `StartExecution ${p.Name} (sync)`;
    case 'aws-sdk:ecr:describeImages': return `DescribeImages ${p.RepositoryName}`;
    case 'aws-sdk:s3:putObject': return `PutObject s3://${p.Bucket}/${p.Key}`;
    case 'aws-sdk:s3:copyObject': return `CopyObject s3://${p.CopySource} -> s3://${p.Bucket}/${p.Key}`;
    default: return service;
  }
}

export { ddbError };
