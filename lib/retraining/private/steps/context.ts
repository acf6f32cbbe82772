// What every step of the retraining definition shares: the props, the states written so far, and
// the helpers that build Tasks, catches, Kubernetes calls and outcome states.
import { MODEL_PACKAGE_ANNOTATION, MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION } from '../../../contracts/endpoint-wiring';
import {
  CLOUDWATCH_RETRY_ERRORS, DYNAMODB_RETRY_ERRORS, S3_RETRY_ERRORS, SAGEMAKER_SDK_RETRY_ERRORS, SNS_RETRY_ERRORS,
} from '../../../contracts/integration-errors';
import { championParameterName, recordPath } from '../../../contracts/retrain-record';

/** ASL state, loosely typed. */
export type AslState = Record<string, any>;

/** What the definition needs from the construct (values may be CDK tokens). */
export interface RetrainDefinitionProps {
  /** SSM parameter name prefix of the per-model records, ending in `/`. */
  readonly configParameterPrefix: string;
  /** DynamoDB table holding locks, budgets, champions and skip records. */
  readonly tableName: string;
  /** SNS topic for approvals and outcome notifications. */
  readonly topicArn: string;
  /** The training state machine. */
  readonly trainingStateMachineArn: string;
  /** CloudWatch namespace of the outcome metric. */
  readonly metricNamespace: string;
  /** Approval task: heartbeat (s); the hard timeout is twice this. */
  readonly approvalTimeoutSeconds: number;
  /** Training task timeout (s). */
  readonly trainingTimeoutSeconds: number;
  /**
   * Execution timeout (s), the definition's top-level TimeoutSeconds (CDK drops a StateMachine's `timeout`
   * for a string definition); the lock TTL is validated against it.
   */
  readonly executionTimeoutSeconds?: number;
  /** Partition of the resource ARNs (a token in the stack). */
  readonly partition: string;
  /**
   * Resource of the Kubernetes API calls: `eks:call`, or a function taking eks:call's parameters and
   * returning its result (the in-VPC caller of a private-endpoint cluster).
   * @default - `arn:<partition>:states:::eks:call`
   */
  readonly kubeApiResource?: string;
}

export const API_TIMEOUT = 60;

export function retry(errors: string[], maxAttempts = 4, interval = 1): Record<string, any> {
  return {
    ErrorEquals: errors,
    IntervalSeconds: interval,
    MaxAttempts: maxAttempts,
    BackoffRate: 2,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  };
}

// The retry lists of the service integrations, shared with the TrainingPipeline (lib/contracts/integration-errors.ts),
// each with States.Timeout (the Task's own TimeoutSeconds).
export const DDB_TRANSIENT = [...DYNAMODB_RETRY_ERRORS, 'States.Timeout'];
export const SNS_TRANSIENT = [...SNS_RETRY_ERRORS, 'States.Timeout'];
export const S3_TRANSIENT = [...S3_RETRY_ERRORS, 'States.Timeout'];
export const CLOUDWATCH_TRANSIENT = [...CLOUDWATCH_RETRY_ERRORS, 'States.Timeout'];
/** Idempotent calls (GET/PATCH of the same body, describe, put of the same item): retried on any task failure. */
export const IDEMPOTENT = ['States.TaskFailed', 'States.Timeout'];
export const DDB_CONDITION = 'DynamoDB.ConditionalCheckFailedException';
export const SAGEMAKER_TRANSIENT = [...SAGEMAKER_SDK_RETRY_ERRORS, 'States.Timeout'];

/** A Deployment of the model (its field in the record). */
export type ModelDeployment = 'primaryDeployment' | 'canaryDeployment';

/** The shared state of a definition being built, and its helpers. */
export class DefinitionContext {
  /** The states, in the order they are added (the order the definition renders). */
  public readonly S: Record<string, AslState> = {};

  constructor(public readonly p: RetrainDefinitionProps) {}

  /** The Step Functions integration ARN of a service action. */
  public arn(service: string): string {
    return `arn:${this.p.partition}:states:::${service}`;
  }

  /** Adds a Task state (API timeout unless the state sets one). */
  public task(name: string, state: AslState): void {
    this.S[name] = { Type: 'Task', TimeoutSeconds: API_TIMEOUT, ...state };
  }

  /** Catch-all to the cleanup (or `next`), the error under `$.error`. */
  public catchAll(next = 'Cleanup'): AslState {
    return { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: next };
  }

  /** A Pass state setting `$.outcome`. */
  public outcome(name: string, value: string, next: string): void {
    this.S[name] = { Type: 'Pass', Result: value, ResultPath: '$.outcome', Next: next };
  }

  /** The lock item's key. */
  public get lockKey(): AslState {
    return { pk: { 'S.$': "States.Format('lock#{}', $.modelName)" } };
  }

  /** A call of the Kubernetes API of the model's cluster (coordinates from the record). */
  public kubeCall(method: 'GET' | 'PATCH', path: string, body?: Record<string, any>, bodyPath?: string): AslState {
    return {
      Resource: this.p.kubeApiResource ?? this.arn('eks:call'),
      Parameters: {
        'ClusterName.$': recordPath('eks', 'clusterName'),
        'CertificateAuthority.$': recordPath('eks', 'certificateAuthority'),
        'Endpoint.$': recordPath('eks', 'endpoint'),
        'Method': method,
        'Path.$': path,
        ...(body ? { RequestBody: body } : {}),
        ...(bodyPath ? { 'RequestBody.$': bodyPath } : {}),
      },
      Retry: [retry(IDEMPOTENT, 3, 2)],
    };
  }

  /**
   * The Parameters (and Retry) of a PutParameter of the model's champion parameter
   * (`<configPath>champions/<model>`, see `championParameterName`) with the JSON of the object at `from`.
   */
  public championParameterPut(from: string): AslState {
    return {
      Resource: this.arn('aws-sdk:ssm:putParameter'),
      Parameters: {
        'Name.$': `States.Format('${championParameterName(this.p.configParameterPrefix, '{}')}', $.modelName)`,
        'Value.$': `States.JsonToString(${from})`,
        'Type': 'String',
        'Overwrite': true,
      },
      // The same value under the same name: a retried put is idempotent.
      Retry: [retry(['Ssm.TooManyUpdatesException', 'Ssm.ThrottlingException', 'Ssm.InternalServerErrorException', 'States.Timeout'])],
    };
  }

  /** Intrinsic building the API path of one of the model's Deployments. */
  public deploymentPath(field: ModelDeployment): string {
    return `States.Format('/apis/apps/v1/namespaces/{}/deployments/{}', ${recordPath('eks', 'namespace')}, ${recordPath('eks', field)})`;
  }

  /** Intrinsic building the API path of the model's Ingress. */
  public get ingressPath(): string {
    return `States.Format('/apis/networking.k8s.io/v1/namespaces/{}/ingresses/{}', ${recordPath('eks', 'namespace')}, ${recordPath('eks', 'ingressName')})`;
  }

  /** A merge patch touching only maps (valid as JSON merge and strategic merge patch): the pod template annotations. */
  public modelPatch(from: string): AslState {
    return {
      metadata: { annotations: { [`${MODEL_VERSION_ANNOTATION}.$`]: `${from}.modelVersion` } },
      spec: {
        template: {
          metadata: {
            annotations: {
              [`${MODEL_URI_ANNOTATION}.$`]: `${from}.modelArtifactUri`,
              [`${MODEL_VERSION_ANNOTATION}.$`]: `${from}.modelVersion`,
              [`${MODEL_PACKAGE_ANNOTATION}.$`]: `${from}.modelPackageArn`,
            },
          },
        },
      },
    };
  }

  /** Wait / GET / ready? / count / exhausted? — a bounded rollout poll of one Deployment (waits grow linearly). */
  public rolloutLoop(v: 'Canary' | 'Primary', get: AslState, readyNext: string, exhaustedNext: string): void {
    const S = this.S;
    S[`Init${v}Poll`] = { Type: 'Pass', Parameters: { 'n': 0, 'wait.$': recordPath('rolloutPollSeconds') }, ResultPath: '$.poll', Next: `Wait${v}Rollout` };
    // Growing waits (base, 2 x base, 3 x base, ...): quick for a fast rollout, few polls (history events) for a slow one.
    S[`Wait${v}Rollout`] = { Type: 'Wait', SecondsPath: '$.poll.wait', Next: `Get${v}` };
    S[`Get${v}`] = {
      Type: 'Task',
      TimeoutSeconds: API_TIMEOUT,
      ...get,
      ResultSelector: { 'generation.$': '$.ResponseBody.metadata.generation', 'status.$': '$.ResponseBody.status' },
      ResultPath: '$.rollout',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Cleanup' }],
      Next: `${v}Ready`,
    };
    S[`${v}Ready`] = {
      Type: 'Choice',
      Choices: [{
        And: [
          { Variable: '$.rollout.status.observedGeneration', IsPresent: true },
          { Variable: '$.rollout.status.observedGeneration', NumericGreaterThanEqualsPath: '$.rollout.generation' },
          { Variable: '$.rollout.status.replicas', IsPresent: true },
          { Variable: '$.rollout.status.updatedReplicas', IsPresent: true },
          { Variable: '$.rollout.status.updatedReplicas', NumericGreaterThanEqualsPath: '$.rollout.status.replicas' },
          { Variable: '$.rollout.status.availableReplicas', IsPresent: true },
          { Variable: '$.rollout.status.availableReplicas', NumericGreaterThanEqualsPath: '$.rollout.status.replicas' },
          { Not: { Variable: '$.rollout.status.unavailableReplicas', IsPresent: true } },
        ],
        Next: readyNext,
      }],
      Default: `Count${v}Poll`,
    };
    S[`Count${v}Poll`] = {
      Type: 'Pass',
      Parameters: { 'n.$': 'States.MathAdd($.poll.n, 1)', 'wait.$': `States.MathAdd($.poll.wait, ${recordPath('rolloutPollSeconds')})` },
      ResultPath: '$.poll',
      Next: `${v}PollsLeft`,
    };
    S[`${v}PollsLeft`] = {
      Type: 'Choice',
      Choices: [{ Variable: '$.poll.n', NumericGreaterThanEqualsPath: recordPath('rolloutMaxPolls'), Next: exhaustedNext }],
      Default: `Wait${v}Rollout`,
    };
  }
}
