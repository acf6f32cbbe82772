/**
 * A loopback stand-in for the AWS APIs the operator commands call, so the commands run with the
 * REAL AWS SDK v3 clients (pointed at it with AWS_ENDPOINT_URL). One node http server on
 * 127.0.0.1 dispatches on the `X-Amz-Target` header (the AWS JSON 1.0/1.1 protocols) and, without
 * one, serves S3's REST API (path style). State is in memory; tests seed it and read it back.
 *
 * Each operation follows its API reference (the request fields it honours, its ordering, its
 * paging and its documented errors):
 * - SSM GetParameter, GetParametersByPath (Recursive, MaxResults <= 10, NextToken):
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html
 * - Step Functions ListExecutions (most recent first), DescribeExecution, GetExecutionHistory
 *   (reverseOrder), SendTaskSuccess / SendTaskFailure (TaskDoesNotExist, TaskTimedOut, InvalidToken,
 *   InvalidOutput): https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 * - CloudWatch DescribeAlarms (AlarmNamePrefix xor AlarmNames, StateValue, AlarmTypes: metric alarms only
 *   when omitted): https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 * - SageMaker ListModelPackages (group, approval status, SortBy/SortOrder, ascending by default),
 *   DescribeModelPackage (by name or ARN; ValidationException when missing):
 *   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListModelPackages.html
 * - EventBridge PutEvents (1-10 entries, Detail a JSON object, per-entry errors):
 *   https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 * - S3 PutObject / GetObject (path style, aws-chunked bodies decoded).
 *
 * Every request must be SigV4-signed (`Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<service>/aws4_request`);
 * the signing region and service are recorded (signatures are not verified).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One recorded call. */
export interface ApiCall {
  readonly service: string;
  readonly operation: string;
  readonly body: any;
  readonly signingRegion?: string;
  readonly signingService?: string;
  readonly accessKeyId?: string;
}

export interface FakeExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  events: HistoryEvent[];
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

export interface FakeModelPackage {
  ModelPackageGroupName: string;
  ModelPackageVersion: number;
  ModelPackageArn: string;
  CreationTime: Date;
  ModelApprovalStatus: 'Approved' | 'Rejected' | 'PendingManualApproval';
  ModelPackageDescription?: string;
  ApprovalDescription?: string;
  LastModifiedTime?: Date;
  LastModifiedBy?: { IamIdentity?: { Arn?: string } };
  MetadataProperties?: { CommitId?: string; GeneratedBy?: string };
  CustomerMetadataProperties?: Record<string, string>;
  InferenceSpecification?: { Containers: { Image: string; ModelDataUrl?: string }[] };
}

export interface FakeAlarm {
  AlarmName: string;
  StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  StateReason?: string;
  StateUpdatedTimestamp?: Date;
}

export interface PutEvent {
  readonly EventId: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName?: string;
  readonly Time: Date;
}

class ApiError extends Error {
  constructor(public readonly type: string, message: string, public readonly status = 400) {
    super(message);
  }
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

export class FakeAwsApi {
  public readonly calls: ApiCall[] = [];
  public readonly parameters = new Map<string, { value: string; version: number; modified: Date }>();
  public readonly executions: FakeExecution[] = [];
  /** Task tokens: the execution waiting on it, and whether it is still waiting. */
  public readonly tokens = new Map<string, { executionArn: string; state: 'waiting' | 'timed-out' | 'succeeded' | 'failed'; output?: string; error?: string; cause?: string }>();
  public readonly alarms: FakeAlarm[] = [];
  public readonly packages: FakeModelPackage[] = [];
  public readonly events: PutEvent[] = [];
  public readonly objects = new Map<string, Buffer>();
  /** When set, every request is answered with this error (e.g. to test an expired session). */
  public failEverything?: { status: number; type: string; message: string };
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private eventSeq = 0;

  public get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.dispatch(req, Buffer.concat(chunks), res));
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  public async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Calls of one operation (e.g. `SendTaskSuccess`). */
  public callsOf(operation: string): ApiCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  // ---- seeding helpers ------------------------------------------------------------------

  public putParameter(name: string, value: string | object): void {
    const prev = this.parameters.get(name);
    this.parameters.set(name, { value: typeof value === 'string' ? value : JSON.stringify(value), version: (prev?.version ?? 0) + 1, modified: new Date('2026-11-01T00:00:00Z') });
  }

  /** Adds an execution; `events` default to ExecutionStarted (+ ExecutionSucceeded/Failed when closed). */
  public addExecution(e: { stateMachineArn: string; name: string; status: FakeExecution['status']; startDate: Date; stopDate?: Date; input: object; output?: object }): FakeExecution {
    const exec: FakeExecution = {
      // An execution ARN is its state machine's with `execution` for `stateMachine` and the name appended.
      executionArn: `${e.stateMachineArn.replace(':stateMachine:', ':execution:')}:${e.name}`,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      input: JSON.stringify(e.input),
      output: e.output === undefined ? undefined : JSON.stringify(e.output),
      events: [],
    };
    this.appendEvent(exec, e.startDate, 'ExecutionStarted', { executionStartedEventDetails: { input: exec.input, roleArn: `arn:aws:iam::${ACCOUNT}:role/sm` } });
    if (e.status === 'SUCCEEDED') this.appendEvent(exec, e.stopDate ?? e.startDate, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: exec.output } });
    if (e.status === 'FAILED') this.appendEvent(exec, e.stopDate ?? e.startDate, 'ExecutionFailed', { executionFailedEventDetails: { error: 'RetrainFailed', cause: 'see the outcome notification' } });
    this.executions.push(exec);
    return exec;
  }

  /** Appends the history of entering a state (TaskStateEntered) of a running execution. */
  public enterState(exec: FakeExecution, at: Date, name: string, input: object = {}): void {
    this.appendEvent(exec, at, 'TaskStateEntered', { stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
  }

  /** The history Step Functions writes for an `sns:publish.waitForTaskToken` task waiting on `token`. */
  public waitForApproval(exec: FakeExecution, at: Date, token: string, message: object): void {
    this.enterState(exec, at, 'RequestApproval', {});
    const parameters = { TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:topic`, Subject: 'approve?', Message: { ...message, taskToken: token } };
    this.appendEvent(exec, at, 'TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: 'sns', resource: 'publish.waitForTaskToken', region: REGION,
        parameters: JSON.stringify(parameters), timeoutInSeconds: 172800, heartbeatSeconds: 86400,
      },
    });
    this.appendEvent(exec, at, 'TaskStarted', { taskStartedEventDetails: { resourceType: 'sns', resource: 'publish.waitForTaskToken' } });
    this.appendEvent(exec, at, 'TaskSubmitted', { taskSubmittedEventDetails: { resourceType: 'sns', resource: 'publish.waitForTaskToken', output: '{"MessageId":"m-1"}' } });
    this.tokens.set(token, { executionArn: exec.executionArn, state: 'waiting' });
  }

  /** The heartbeat or the hard timeout of the approval task elapsed (TaskTimedOut in the history). */
  public timeOutToken(token: string, at: Date): void {
    const t = this.tokens.get(token)!;
    t.state = 'timed-out';
    const exec = this.executions.find((e) => e.executionArn === t.executionArn)!;
    this.appendEvent(exec, at, 'TaskTimedOut', { taskTimedOutEventDetails: { resourceType: 'sns', resource: 'publish.waitForTaskToken', error: 'States.HeartbeatTimeout' } });
  }

  public addPackage(p: Omit<FakeModelPackage, 'ModelPackageArn'>): FakeModelPackage {
    const full = { ...p, ModelPackageArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${p.ModelPackageGroupName.toLowerCase()}/${p.ModelPackageVersion}` };
    this.packages.push(full);
    return full;
  }

  private appendEvent(exec: FakeExecution, at: Date, type: string, details: Record<string, unknown>): void {
    const id = exec.events.length + 1;
    exec.events.push({ id, previousEventId: id - 1, timestamp: at, type, ...details });
  }

  // ---- dispatch -----------------------------------------------------------------------------

  private dispatch(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const auth = String(req.headers.authorization ?? '');
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
    const target = req.headers['x-amz-target'] as string | undefined;
    const json = target !== undefined;
    const send = (status: number, payload: unknown, contentType = String(req.headers['content-type'] ?? 'application/x-amz-json-1.1')) => {
      const text = JSON.stringify(payload, (_k, v) => v);
      res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': `req-${this.calls.length}` });
      res.end(text);
    };
    try {
      if (!scope || !auth.startsWith('AWS4-HMAC-SHA256 ')) throw new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      if (this.failEverything) throw new ApiError(this.failEverything.type, this.failEverything.message, this.failEverything.status);
      if (json) {
        const [prefix, operation] = target.split('.');
        const input = body.length ? JSON.parse(body.toString('utf8')) : {};
        const service = SERVICES[prefix];
        if (!service) throw new ApiError('UnknownOperationException', `unknown target ${target}`);
        this.calls.push({ service, operation, body: input, signingRegion: scope[2], signingService: scope[3], accessKeyId: scope[1] });
        const handler = (this as any)[`${service}_${operation}`] as ((i: any) => unknown) | undefined;
        if (!handler) throw new ApiError('UnknownOperationException', `${service} ${operation} is not simulated`);
        send(200, toWire(handler.call(this, input)));
        return;
      }
      this.s3(req, body, res, scope);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('InternalFailure', String((e as Error).stack), 500);
      if (json) {
        res.writeHead(err.status, { 'content-type': String(req.headers['content-type'] ?? 'application/x-amz-json-1.1'), 'x-amzn-errortype': err.type });
        res.end(JSON.stringify({ __type: err.type, message: err.message }));
      } else {
        res.writeHead(err.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${err.type}</Code><Message>${escapeXml(err.message)}</Message></Error>`);
      }
    }
  }

  // ---- SSM ----------------------------------------------------------------------------------

  protected ssm_GetParameter(i: { Name: string }): unknown {
    const p = this.parameters.get(i.Name);
    if (!p) throw new ApiError('ParameterNotFound', '');
    return { Parameter: { Name: i.Name, Type: 'String', Value: p.value, Version: p.version, LastModifiedDate: p.modified, ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${i.Name}`, DataType: 'text' } };
  }

  protected ssm_GetParametersByPath(i: { Path: string; Recursive?: boolean; MaxResults?: number; NextToken?: string }): unknown {
    if (i.MaxResults !== undefined && (i.MaxResults < 1 || i.MaxResults > 10)) throw new ApiError('ValidationException', 'MaxResults must be 1-10');
    const root = i.Path.endsWith('/') ? i.Path : `${i.Path}/`;
    const names = [...this.parameters.keys()].filter((n) => n.startsWith(root) && (i.Recursive || !n.slice(root.length).includes('/'))).sort();
    const start = i.NextToken ? Number(i.NextToken) : 0;
    const size = i.MaxResults ?? 10;
    const page = names.slice(start, start + size);
    return {
      Parameters: page.map((n) => (this.ssm_GetParameter({ Name: n }) as any).Parameter),
      NextToken: start + size < names.length ? String(start + size) : undefined,
    };
  }

  // ---- Step Functions -----------------------------------------------------------------------

  protected sfn_ListExecutions(i: { stateMachineArn: string; statusFilter?: string; maxResults?: number; nextToken?: string }): unknown {
    if (!i.stateMachineArn) throw new ApiError('InvalidArn', 'stateMachineArn is required');
    if (!this.executions.some((e) => e.stateMachineArn === i.stateMachineArn) && !this.knownStateMachines.has(i.stateMachineArn)) {
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${i.stateMachineArn}'`);
    }
    const list = this.executions
      .filter((e) => e.stateMachineArn === i.stateMachineArn && (!i.statusFilter || e.status === i.statusFilter))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const start = i.nextToken ? Number(i.nextToken) : 0;
    const size = i.maxResults || 100;
    return {
      executions: list.slice(start, start + size).map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        stopDate: e.stopDate,
      })),
      nextToken: start + size < list.length ? String(start + size) : undefined,
    };
  }

  /** State machines that exist even without executions. */
  public readonly knownStateMachines = new Set<string>();

  protected sfn_DescribeExecution(i: { executionArn: string }): unknown {
    const e = this.execution(i.executionArn);
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      input: e.input,
      output: e.output,
    };
  }

  protected sfn_GetExecutionHistory(i: {
    executionArn: string; maxResults?: number; reverseOrder?: boolean; nextToken?: string; includeExecutionData?: boolean;
  }): unknown {
    const e = this.execution(i.executionArn);
    const list = i.reverseOrder ? [...e.events].reverse() : e.events;
    const start = i.nextToken ? Number(i.nextToken) : 0;
    const size = i.maxResults || 100;
    return { events: list.slice(start, start + size), nextToken: start + size < list.length ? String(start + size) : undefined };
  }

  protected sfn_SendTaskSuccess(i: { taskToken: string; output: string }): unknown {
    const t = this.answerable(i.taskToken);
    try {
      JSON.parse(i.output);
    } catch {
      throw new ApiError('InvalidOutput', 'output is not valid JSON');
    }
    t.state = 'succeeded';
    t.output = i.output;
    const exec = this.execution(t.executionArn);
    this.appendEvent(exec, new Date(), 'TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sns', resource: 'publish.waitForTaskToken', output: i.output } });
    this.appendEvent(exec, new Date(), 'TaskStateExited', { stateExitedEventDetails: { name: 'RequestApproval', output: '{}' } });
    return {};
  }

  protected sfn_SendTaskFailure(i: { taskToken: string; error?: string; cause?: string }): unknown {
    if ((i.error ?? '').length > 256) throw new ApiError('ValidationException', 'error must be at most 256 characters');
    if ((i.cause ?? '').length > 32768) throw new ApiError('ValidationException', 'cause must be at most 32768 characters');
    const t = this.answerable(i.taskToken);
    t.state = 'failed';
    t.error = i.error;
    t.cause = i.cause;
    const exec = this.execution(t.executionArn);
    this.appendEvent(exec, new Date(), 'TaskFailed', { taskFailedEventDetails: { resourceType: 'sns', resource: 'publish.waitForTaskToken', error: i.error, cause: i.cause } });
    this.appendEvent(exec, new Date(), 'TaskStateExited', { stateExitedEventDetails: { name: 'RequestApproval', output: '{}' } });
    return {};
  }

  private answerable(token: string): { executionArn: string; state: string; output?: string; error?: string; cause?: string } {
    if (!token || token.length > 2048) throw new ApiError('InvalidToken', 'Invalid Token');
    const t = this.tokens.get(token);
    if (!t) throw new ApiError('TaskDoesNotExist', 'Task Does Not Exist');
    if (t.state === 'timed-out') throw new ApiError('TaskTimedOut', 'Task Timed Out');
    if (t.state !== 'waiting') throw new ApiError('TaskDoesNotExist', 'Task Does Not Exist');
    return t;
  }

  private execution(arn: string): FakeExecution {
    const e = this.executions.find((x) => x.executionArn === arn);
    if (!e) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  // ---- CloudWatch ---------------------------------------------------------------------------

  protected cloudwatch_DescribeAlarms(i: {
    AlarmNames?: string[]; AlarmNamePrefix?: string; StateValue?: string; AlarmTypes?: string[]; MaxRecords?: number; NextToken?: string;
  }): unknown {
    if (i.AlarmNames && i.AlarmNamePrefix) throw new ApiError('InvalidParameterCombination', 'AlarmNamePrefix and AlarmNames cannot be used together');
    if (i.MaxRecords !== undefined && (i.MaxRecords < 1 || i.MaxRecords > 100)) throw new ApiError('InvalidParameterValue', 'MaxRecords must be 1-100');
    const metric = !i.AlarmTypes || i.AlarmTypes.includes('MetricAlarm');
    const list = metric ? this.alarms
      .filter((a) => (!i.AlarmNames || i.AlarmNames.includes(a.AlarmName))
        && (!i.AlarmNamePrefix || a.AlarmName.startsWith(i.AlarmNamePrefix))
        && (!i.StateValue || a.StateValue === i.StateValue))
      .sort((a, b) => a.AlarmName.localeCompare(b.AlarmName)) : [];
    const start = i.NextToken ? Number(i.NextToken) : 0;
    const size = i.MaxRecords ?? 50;
    return {
      MetricAlarms: list.slice(start, start + size).map((a) => ({ ...a, AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${a.AlarmName}` })),
      CompositeAlarms: [],
      NextToken: start + size < list.length ? String(start + size) : undefined,
    };
  }

  // ---- SageMaker ----------------------------------------------------------------------------

  protected sagemaker_ListModelPackages(i: {
    ModelPackageGroupName?: string; ModelApprovalStatus?: string; SortBy?: string; SortOrder?: string; MaxResults?: number; NextToken?: string;
  }): unknown {
    if (i.MaxResults !== undefined && (i.MaxResults < 1 || i.MaxResults > 100)) throw new ApiError('ValidationException', 'MaxResults must be 1-100');
    const list = this.packages
      .filter((p) => (!i.ModelPackageGroupName || p.ModelPackageGroupName === i.ModelPackageGroupName)
        && (!i.ModelApprovalStatus || p.ModelApprovalStatus === i.ModelApprovalStatus))
      .sort((a, b) => (i.SortBy === 'Name' ? a.ModelPackageArn.localeCompare(b.ModelPackageArn) : a.CreationTime.getTime() - b.CreationTime.getTime()));
    if (i.SortOrder === 'Descending') list.reverse();
    const start = i.NextToken ? Number(i.NextToken) : 0;
    const size = i.MaxResults ?? 10;
    return {
      ModelPackageSummaryList: list.slice(start, start + size).map((p) => ({
        ModelPackageGroupName: p.ModelPackageGroupName, ModelPackageVersion: p.ModelPackageVersion, ModelPackageArn: p.ModelPackageArn,
        ModelPackageDescription: p.ModelPackageDescription, CreationTime: p.CreationTime, ModelPackageStatus: 'Completed', ModelApprovalStatus: p.ModelApprovalStatus,
      })),
      NextToken: start + size < list.length ? String(start + size) : undefined,
    };
  }

  protected sagemaker_DescribeModelPackage(i: { ModelPackageName: string }): unknown {
    const p = this.packages.find((x) => x.ModelPackageArn === i.ModelPackageName || `${x.ModelPackageGroupName}/${x.ModelPackageVersion}` === i.ModelPackageName);
    if (!p) throw new ApiError('ValidationException', `ModelPackage ${i.ModelPackageName} does not exist.`);
    return { ...p, ModelPackageStatus: 'Completed', ModelPackageName: p.ModelPackageGroupName };
  }

  // ---- EventBridge --------------------------------------------------------------------------

  protected events_PutEvents(i: {
    Entries: Array<{ Source?: string; DetailType?: string; Detail?: string; EventBusName?: string; Time?: number }>;
  }): unknown {
    if (!Array.isArray(i.Entries) || i.Entries.length < 1 || i.Entries.length > 10) throw new ApiError('ValidationException', 'Entries must hold 1-10 entries');
    let failed = 0;
    const entries = i.Entries.map((e) => {
      let detail: unknown;
      try {
        detail = JSON.parse(e.Detail ?? '');
      } catch {
        detail = undefined;
      }
      if (!e.Source || !e.DetailType) {
        failed++;
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter(s) Source, DetailType must be specified.' };
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        failed++;
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      const id = `evt-${++this.eventSeq}`;
      this.events.push({
        EventId: id, Source: e.Source, DetailType: e.DetailType, Detail: e.Detail!, EventBusName: e.EventBusName, Time: new Date(),
      });
      return { EventId: id };
    });
    return { FailedEntryCount: failed, Entries: entries };
  }

  /** An accepted event in the shape a rule target receives it. */
  public delivered(e: PutEvent): Record<string, unknown> {
    return { 'version': '0', 'id': e.EventId, 'detail-type': e.DetailType, 'source': e.Source, 'account': ACCOUNT, 'time': e.Time.toISOString(), 'region': REGION, 'resources': [], 'detail': JSON.parse(e.Detail) };
  }

  // ---- S3 (path style) ----------------------------------------------------------------------

  private s3(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, scope: RegExpExecArray): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const operation = req.method === 'PUT' ? 'PutObject' : req.method === 'GET' ? 'GetObject' : `${req.method}`;
    const encoding = String(req.headers['content-encoding'] ?? '');
    const content = encoding.includes('aws-chunked') || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-') ? decodeChunked(body) : body;
    this.calls.push({ service: 's3', operation, body: { Bucket: bucket, Key: key, Body: content.toString('utf8'), ContentType: req.headers['content-type'] }, signingRegion: scope[2], signingService: scope[3], accessKeyId: scope[1] });
    if (!bucket || !key) throw new ApiError('InvalidRequest', 'path-style bucket and key expected');
    if (operation === 'PutObject') {
      this.objects.set(`${bucket}/${key}`, content);
      res.writeHead(200, { 'etag': `"${createHash('md5').update(content).digest('hex')}"` });
      res.end();
      return;
    }
    if (operation === 'GetObject') {
      const obj = this.objects.get(`${bucket}/${key}`);
      if (!obj) throw new ApiError('NoSuchKey', 'The specified key does not exist.', 404);
      res.writeHead(200, { 'content-length': String(obj.length) });
      res.end(obj);
      return;
    }
    throw new ApiError('NotImplemented', `${req.method} is not simulated`, 501);
  }
}

const SERVICES: Record<string, string> = {
  AmazonSSM: 'ssm',
  AWSStepFunctions: 'sfn',
  GraniteServiceVersion20100801: 'cloudwatch',
  SageMaker: 'sagemaker',
  AWSEvents: 'events',
};

/** AWS JSON protocols carry timestamps as epoch seconds. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

/** Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n`). */
function decodeChunked(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(body.subarray(pos, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
