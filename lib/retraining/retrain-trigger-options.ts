// The public types of a RetrainTrigger: its props, the per-model options, the rendering of a model
// (record + RBAC objects), and the closed sets of values (outcomes, budget periods).
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IDependable } from 'constructs';
import type { DriftMonitor, MonitoredModel } from '../monitoring/drift-monitor';
import type { TrainingPipeline } from '../training/training-pipeline';

/** How one retraining execution ended (the `Outcome` dimension of the `RetrainOutcome` metric). */
export enum RetrainOutcome {
  /** The candidate passed the canary and serves production. */
  PROMOTED = 'promoted',
  /** The training pipeline did not pass the candidate. */
  REJECTED = 'rejected',
  /** The canary failed (alarm or rollout): the champion kept serving. */
  ROLLED_BACK = 'rolled-back',
  /** The approver rejected the retrain, or did not answer in time. */
  NOT_APPROVED = 'not-approved',
  /** A retrain of the model was already running. */
  DEDUPLICATED = 'deduplicated',
  /** The model was retrained less than `cooldown` ago. */
  SKIPPED_COOLDOWN = 'skipped-cooldown',
  /** The model used up its retrain budget of the period. */
  SKIPPED_BUDGET = 'skipped-budget',
  /** A step failed; the cleanup restored the champion and the traffic. */
  FAILED = 'failed',
  /**
   * An operator rollback (`cdk-mlops rollback`) passed its canary: the named earlier version serves
   * production again and is the champion.
   */
  REVERTED = 'reverted',
}

/** The period of a model's retrain budget. */
export enum RetrainBudgetPeriod {
  /** Calendar day (UTC). */
  DAY = 'day',
  /** ISO week (UTC). */
  WEEK = 'week',
  /** Calendar month (UTC). */
  MONTH = 'month',
}

/** Metadata of a namespaced Kubernetes object. */
export interface RetrainRbacMetadata {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
}

/** One rule of a Kubernetes RBAC Role. */
export interface RetrainRbacRule {
  /** API groups (`apps`, `networking.k8s.io`). */
  readonly apiGroups: string[];
  /** Resource kinds (plural). */
  readonly resources: string[];
  /** The objects the rule covers, by name. */
  readonly resourceNames: string[];
  /** Allowed verbs. */
  readonly verbs: string[];
}

/** The Role a RoleBinding grants. */
export interface RetrainRbacRoleRef {
  /** `rbac.authorization.k8s.io`. */
  readonly apiGroup: string;
  /** `Role`. */
  readonly kind: string;
  /** The Role's name. */
  readonly name: string;
}

/** Who a RoleBinding binds. */
export interface RetrainRbacSubject {
  /** `rbac.authorization.k8s.io`. */
  readonly apiGroup: string;
  /** `Group`. */
  readonly kind: string;
  /** The Kubernetes group of the EKS access entry. */
  readonly name: string;
}

/** A Kubernetes RBAC object of a model: a Role (with `rules`) or a RoleBinding (with `roleRef` and `subjects`). */
export interface RetrainRbacObject {
  /** `rbac.authorization.k8s.io/v1`. */
  readonly apiVersion: string;
  /** `Role` or `RoleBinding`. */
  readonly kind: string;
  /** Name and namespace. */
  readonly metadata: RetrainRbacMetadata;
  /**
   * The Role's rules.
   * @default - none (a RoleBinding)
   */
  readonly rules?: RetrainRbacRule[];
  /**
   * The RoleBinding's Role.
   * @default - none (a Role)
   */
  readonly roleRef?: RetrainRbacRoleRef;
  /**
   * The RoleBinding's subjects.
   * @default - none (a Role)
   */
  readonly subjects?: RetrainRbacSubject[];
}

/** Anything that names alarms `<alarmPrefix>-<model>-<kind>` (a {@link DriftMonitor} does). */
export interface IRetrainAlarmSource {
  /** The stable alarm name prefix. */
  readonly alarmPrefix: string;
}

/** Properties of a {@link RetrainTrigger}. */
export interface RetrainTriggerProps {
  /**
   * The TrainingPipeline that trains candidates (its state machine is started with
   * `states:startExecution.sync:2`). Give this or `trainingStateMachine`.
   * @default - `trainingStateMachine`
   */
  readonly trainingPipeline?: TrainingPipeline;
  /**
   * A state machine with the TrainingPipeline's contract, when not a {@link TrainingPipeline}: its input
   * is the model's `trainingInput` (with `modelName`, the model's name unless it sets one) merged with
   * `{_champion, _trigger, _retrainExecutionId}`;
   * its output carries `verdict` (`passed` to go on), `modelPackageArn`, `modelArtifactUri`,
   * `baselineUri` and `metrics`.
   * @default - `trainingPipeline.stateMachine`
   */
  readonly trainingStateMachine?: sfn.IStateMachine;
  /**
   * The DriftMonitor whose model alarms (`<alarmPrefix>-<model>-drift|-quality`) start retrains.
   * @default - `alarmPrefix` must be given
   */
  readonly driftMonitor?: DriftMonitor;
  /**
   * Alarm name prefix (without the trailing `-`) of the alarms that start retrains, when no `driftMonitor` is given.
   * @default - `driftMonitor.alarmPrefix`
   */
  readonly alarmPrefix?: string;
  /**
   * Any source of alarms named `<alarmPrefix>-<model>-<kind>`.
   * @deprecated use `driftMonitor` (or `alarmPrefix`)
   * @default - `driftMonitor` or `alarmPrefix`
   */
  readonly alarmSource?: IRetrainAlarmSource;
  /**
   * Alarm name suffixes that mean "retrain this model".
   * @default ['-drift', '-quality']
   */
  readonly alarmSuffixes?: string[];
  /**
   * Also retrain every registered model on a schedule (e.g. monthly).
   * @default - no schedule
   */
  readonly schedule?: events.Schedule;
  /**
   * How long an approval request waits (heartbeat; the hard limit is twice this, for approvers who send heartbeats).
   * @default Duration.hours(24)
   */
  readonly approvalTimeout?: Duration;
  /**
   * Upper bound of one TrainingPipeline execution (the Train step's timeout; the state machine's timeout and the
   * default lock TTL are derived from it).
   * @default - the `trainingPipeline`'s `timeout`; 24 hours with a `trainingStateMachine`
   */
  readonly trainingTimeout?: Duration;
  /**
   * Key for the table, topic, log groups and dead-letter queue.
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * CloudWatch namespace of the `RetrainOutcome` metric.
   * @default 'CdkMlops/Retrain'
   */
  readonly metricNamespace?: string;
  /**
   * SSM path of the per-model records, starting and ending with `/`.
   * @default `/cdk-mlops/retrain/<alarmPrefix>/`
   */
  readonly configPath?: string;
  /**
   * Canary alarms whose (literal) names start with this prefix are covered by ONE
   * `cloudwatch:DescribeAlarms` and `cloudwatch:DescribeAlarmHistory` grant on `alarm:<prefix>*` instead of one alarm ARN
   * per alarm in the state machine's policy (which grows with every model).
   * @default - every canary alarm's ARN is listed
   */
  readonly canaryAlarmNamePrefix?: string;
  /**
   * Model package groups whose names start with this prefix are covered by ONE
   * `sagemaker:UpdateModelPackage` grant on `model-package/<prefix>*\/*` instead of one per group
   * (e.g. a TrainingPipeline's `modelPackageGroupPrefix`).
   * @default - every registered model's group is listed
   */
  readonly modelPackageGroupPrefix?: string;
  /**
   * Where the training state machine writes every model's candidates: models whose `baselineSource` lies in this
   * bucket under this prefix are covered by ONE `s3:GetObject` grant on `<prefix>*` instead of one per model
   * (e.g. a TrainingPipeline's output bucket and `modelOutputPrefix`, for a fleet).
   * @default - every model's candidate prefix is listed
   */
  readonly candidateBaselinePrefix?: BaselinePrefix;
  /**
   * Where every model's DriftMonitor baseline lives: models whose `monitorBaseline` key lies in this bucket under
   * this prefix are covered by ONE `s3:GetObject` and ONE `s3:PutObject` grant on `<prefix>*` (the baseline and its
   * `.previous` copy) instead of two object ARNs per model (e.g. a DriftMonitor's `baselinePrefix`, for a fleet).
   * @default - every model's baseline key is listed
   */
  readonly monitorBaselinePrefix?: BaselinePrefix;
  /**
   * Retention of the state machine and starter logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** One S3 object: the DriftMonitor baseline a promotion replaces with the new champion's. */
export interface MonitorBaselineLocation {
  /** The bucket (its KMS key, if any, gets `kms:GenerateDataKey` through S3 for the copy). */
  readonly bucket: s3.IBucket;
  /** The object key (e.g. a MonitoredModel's `baselineKey`). */
  readonly key: string;
}

/** Where the training state machine writes the candidates' baselines (the copy may read exactly this prefix). */
export interface BaselineSourceLocation {
  /** The bucket (its KMS key, if any, gets `kms:Decrypt` through S3 for the copy). */
  readonly bucket: s3.IBucket;
  /** Key prefix of the model's candidates, ending in `/` (e.g. `training/models/fraud/`). */
  readonly prefix: string;
}

/** A key prefix of a bucket, covering the baselines of many models with one grant. */
export interface BaselinePrefix {
  /** The bucket (its KMS key, if any, gets `kms:Decrypt`, and for monitor baselines `kms:GenerateDataKey`, through S3). */
  readonly bucket: s3.IBucket;
  /** Key prefix ending in `/` (e.g. `training/models/`), not empty, without a leading `/` or wildcards. */
  readonly prefix: string;
}

/**
 * A metric of the canary judged while it bakes, without an alarm of its own (see `canaryMetrics`): the canary
 * fails when one period's statistic, since the bake started, is at or above `threshold`.
 */
export interface RetrainCanaryMetric {
  /**
   * The metric of the canary only (its dimensions name the canary variant), with its statistic (e.g. `Sum`) and
   * period (a multiple of 60 seconds: standard-resolution data; the bake may span at most 1,440 periods).
   */
  readonly metric: cloudwatch.Metric;
  /** The canary fails when one period's statistic is at or above this value. */
  readonly threshold: number;
}

/** How a model is retrained and canaried (shared by {@link RetrainModelOptions} and {@link RetrainEndpointOptions}). */
export interface RetrainPolicyOptions {
  /**
   * Alarms watched while the canary bakes (error rate, latency, quality): their current state and their state
   * changes since the bake started; 1-100, or 0-100 with `canaryMetrics`.
   */
  readonly canaryAlarms: cloudwatch.IAlarm[];
  /**
   * Metrics of the canary judged at every bake check by their datapoints since the bake started (one
   * CloudWatch GetMetricData call per check, no alarm resource): any period at or above its threshold fails the
   * canary, a period without data never does. 1-10 metrics; their period must be a multiple of 60 seconds.
   * Grants the state machine `cloudwatch:GetMetricData`, which has no resource-level permissions (Resource `*`).
   * @default - none: the canary is judged by `canaryAlarms` only
   */
  readonly canaryMetrics?: RetrainCanaryMetric[];
  /**
   * Model package of the model served before any retrain (the first champion).
   * @default 'none'
   */
  readonly initialModelPackageArn?: string;
  /**
   * Model package group of the model (the TrainingPipeline's), for `UpdateModelPackage` rights.
   * @default - the model name
   */
  readonly modelPackageGroupName?: string;
  /**
   * Per-model input of the training state machine (merged with the retrain context). Its `modelName`
   * (the model's own name unless given here) is the model the training state machine trains.
   * @default { modelName: <modelName> }
   */
  readonly trainingInput?: { [key: string]: any };
  /**
   * Share of traffic (percent) sent to the canary while it bakes.
   * @default 10
   */
  readonly canaryWeight?: number;
  /**
   * How long the canary bakes.
   * @default Duration.minutes(30)
   */
  readonly bakeTime?: Duration;
  /**
   * How many times the canary alarms are checked during the bake (evenly spaced, last at the end).
   * @default 3
   */
  readonly bakeChecks?: number;
  /**
   * How long to wait for a Deployment to roll out before giving up.
   * @default Duration.minutes(15)
   */
  readonly rolloutTimeout?: Duration;
  /**
   * Minimum time between the starts of two retrains of the model.
   * @default Duration.hours(6)
   */
  readonly cooldown?: Duration;
  /**
   * At most this many retrains of the model per budget period.
   * @default 4
   */
  readonly maxRetrainsPerPeriod?: number;
  /**
   * Budget period of `maxRetrainsPerPeriod`.
   * @default RetrainBudgetPeriod.MONTH
   */
  readonly budgetPeriod?: RetrainBudgetPeriod;
  /**
   * Ask a human (SNS + task token) before training.
   * @default false
   */
  readonly requireApproval?: boolean;
  /**
   * How long the model's lock lasts if an execution dies without releasing it (a backstop; a finished
   * execution always releases it). At least the state machine's timeout, so a running retrain never loses its lock.
   * @default - the state machine's timeout plus one hour
   */
  readonly maxRunTime?: Duration;
  /**
   * Constructs that must exist before the RBAC objects are applied (e.g. the ModelEndpoint creating the namespace).
   * @default - none
   */
  readonly dependsOn?: IDependable[];
  /**
   * The DriftMonitor model whose baseline follows the champion: on promotion the new champion's baseline
   * (the training output's `baselineLocation`) is copied over its `baselineBucket`/`baselineKey`; a rollback
   * or a rejected candidate leaves it untouched.
   * @default - the `driftMonitor`'s model of the same name when the trigger has a `driftMonitor` and it has one
   */
  readonly monitoredModel?: MonitoredModel;
  /**
   * Where a promotion copies the new champion's baseline, when not (or not only) from a `monitoredModel`.
   * @default - the `monitoredModel`'s baseline; none (not copied) without one
   */
  readonly monitorBaseline?: MonitorBaselineLocation;
  /**
   * Where the training state machine writes this model's candidates (the baseline copy reads exactly this prefix).
   * @default - with a `trainingPipeline`: its output bucket, prefix `<modelOutputPrefix><trainingInput.modelName or modelName>/`
   */
  readonly baselineSource?: BaselineSourceLocation;
}

/** How one model is retrained and rolled out; registered with {@link RetrainTrigger.addModel}. */
export interface RetrainModelOptions extends RetrainPolicyOptions {
  /** The model name (DNS-1123 label, as in the ModelEndpoint and the DriftMonitor). */
  readonly modelName: string;
  /** The EKS cluster serving the model (Step Functions `eks:call` needs its public endpoint). */
  readonly cluster: eks.ICluster;
  /** Kubernetes namespace of the model's objects. */
  readonly namespace: string;
  /** Deployment of the primary variant. */
  readonly primaryDeployment: string;
  /** Deployment of the canary variant. */
  readonly canaryDeployment: string;
  /** Service of the primary variant (an ALB target group). */
  readonly primaryService: string;
  /** Service of the canary variant. */
  readonly canaryService: string;
  /** Service port (number) both Services expose. */
  readonly servicePort: number;
  /** The ALB Ingress carrying the weighted forward action. */
  readonly ingressName: string;
  /** Name of the weighted action (`alb.ingress.kubernetes.io/actions.<name>`). */
  readonly ingressActionName: string;
  /** S3 URI of the model served before any retrain (the first champion). */
  readonly initialModelArtifactUri: string;
  /** Version label of that model. */
  readonly initialModelVersion: string;
}

/** Options of {@link RetrainTrigger.addModelEndpoint}: the coordinates come from the ModelEndpoint. */
export interface RetrainEndpointOptions extends RetrainPolicyOptions {
  /**
   * A CloudWatch dashboard for the model (traffic, latency, errors, replicas, GPU, drift per feature
   * against its floors, quality, retraining outcomes, its alarms), next to the endpoint.
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * Retrain one segment of the endpoint (a `segments` name) as its own model, `<modelName>-<segment>`: its own
   * record, lock, champion parameter (`<configPath>champions/<model>-<segment>`, read by the segment's pods), training
   * (`trainingInput.modelName` `<model>-<segment>` unless given: its own dataset, outputs and model package group),
   * and canary on the segment's canary variant `<segment>-canary` (rendered by `ModelEndpoint.addSegmentCanary` when
   * missing) through the segment's own ALB forward action. Its drift alarm is the DriftMonitor's of the segment
   * (`addModel({ modelName, segment })`, alarm `<alarmPrefix>-<model>-<segment>-drift`), which the starter maps to this
   * record. `primaryVariant` and `canaryVariant` do not apply. With `dashboard` (default), the segment gets rows on the
   * model's dashboard (`ModelDashboard.addSegment`; the dashboard is created if the model has none yet).
   * @default - the model's default route (primaryVariant / canaryVariant)
   */
  readonly segment?: string;

  /**
   * The variant serving production traffic.
   * @default 'primary'
   */
  readonly primaryVariant?: string;
  /**
   * The variant the candidate is canaried on (its weight is 0 outside a retrain).
   * @default 'canary'
   */
  readonly canaryVariant?: string;
}

/**
 * A model registered with {@link RetrainTrigger.renderModel}: what `addModel` would create, as data,
 * for a caller that stores the record and applies the RBAC objects itself.
 */
export interface RetrainModelRendering {
  /** The model's record: JSON the state machine reads from the SSM parameter `parameterName` (may hold tokens). */
  readonly record: { [key: string]: any };
  /** Name of the SSM parameter the record must be stored in (`<configPath><modelName>`). */
  readonly parameterName: string;
  /**
   * The Kubernetes Role and RoleBinding (namespaced) that let the state machine get/patch the model's
   * Deployments and Ingress; apply them with the model's own objects.
   */
  readonly kubernetesObjects: RetrainRbacObject[];
}
