// The per-model record and RBAC objects of a RetrainTrigger: validated options in, a typed
// RetrainRecord (the contract the state machine reads) and the namespaced Role + RoleBinding out.
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  CANARY_METRIC_MAX_PERIODS, canaryMetricQueries, CanaryMetricDataQuery, RETRAIN_RECORD_VERSION,
  IngressWeightsPatch, RetrainMonitorBaselineRecord, RetrainRecord,
} from '../../contracts/retrain-record';
import { checkDnsLabel, checkInt, checkOneOf, checkPattern, invalid, isToken } from '../../core/validation';
import { RetrainBudgetPeriod, RetrainModelOptions, RetrainRbacObject } from '../retrain-trigger-options';

const BUDGET_PERIODS: string[] = Object.values(RetrainBudgetPeriod);

/** The validated record of a model, and the values the trigger's grants need. */
export interface RenderedRecord {
  readonly record: RetrainRecord;
  /** The model package group (for `UpdateModelPackage`). */
  readonly packageGroup: string;
}

/**
 * Validates a model's options and renders its record. `monitorBaseline` is computed by the
 * caller (it adds grants) from the training model name given to it.
 */
export function renderRetrainRecord(
  scope: Construct,
  options: RetrainModelOptions,
  executionTimeoutSeconds: number,
  monitorBaselineOf: (trainingModel: string) => RetrainMonitorBaselineRecord | undefined,
): RenderedRecord {
  const name = options.modelName;
  checkDnsLabel(scope, 'modelName', name);
  for (const [prop, value] of [['namespace', options.namespace], ['primaryDeployment', options.primaryDeployment], ['canaryDeployment', options.canaryDeployment],
    ['primaryService', options.primaryService], ['canaryService', options.canaryService], ['ingressName', options.ingressName]] as const) {
    checkDnsLabel(scope, prop, value);
  }
  if (!isToken(options.primaryDeployment) && options.primaryDeployment === options.canaryDeployment) {
    invalid(scope, 'canaryDeployment', options.canaryDeployment, 'must differ from primaryDeployment');
  }
  checkPattern(scope, 'ingressActionName', options.ingressActionName, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (the ALB action name)');
  checkInt(scope, 'servicePort', options.servicePort, 1, 65535);
  const canaryMetrics = options.canaryMetrics ?? [];
  if (options.canaryMetrics !== undefined && (canaryMetrics.length < 1 || canaryMetrics.length > 10)) {
    invalid(scope, 'canaryMetrics', canaryMetrics.length, 'must hold between 1 and 10 metrics, or be left out');
  }
  const minAlarms = canaryMetrics.length > 0 ? 0 : 1;
  if (options.canaryAlarms.length < minAlarms || options.canaryAlarms.length > 100) {
    invalid(scope, 'canaryAlarms', options.canaryAlarms.length, canaryMetrics.length > 0
      ? 'must hold at most 100 alarms'
      : 'must hold between 1 and 100 alarms, or give canaryMetrics (a canary must be judged by something)');
  }
  checkPattern(scope, 'initialModelArtifactUri', options.initialModelArtifactUri, /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/, 'must be an s3://bucket/key URI');
  checkPattern(scope, 'initialModelVersion', options.initialModelVersion, /^[A-Za-z0-9._:+-]{1,128}$/, 'must be 1-128 letters, digits and . _ : + -');
  const canaryWeight = options.canaryWeight ?? 10;
  checkInt(scope, 'canaryWeight', canaryWeight, 1, 50);
  const bakeSeconds = (options.bakeTime ?? Duration.minutes(30)).toSeconds();
  const bakeChecks = options.bakeChecks ?? 3;
  checkInt(scope, 'bakeChecks', bakeChecks, 1, 6);
  if (bakeSeconds < 60 || bakeSeconds > 7 * 86400) invalid(scope, 'bakeTime', `${bakeSeconds} seconds`, 'must be between 1 minute and 7 days');
  const rolloutSeconds = (options.rolloutTimeout ?? Duration.minutes(15)).toSeconds();
  if (rolloutSeconds < 60 || rolloutSeconds > 6 * 3600) invalid(scope, 'rolloutTimeout', `${rolloutSeconds} seconds`, 'must be between 1 minute and 6 hours');
  const cooldownSeconds = (options.cooldown ?? Duration.hours(6)).toSeconds();
  if (cooldownSeconds < 0 || cooldownSeconds > 90 * 86400) invalid(scope, 'cooldown', `${cooldownSeconds} seconds`, 'must be between 0 and 90 days');
  const maxRetrains = options.maxRetrainsPerPeriod ?? 4;
  checkInt(scope, 'maxRetrainsPerPeriod', maxRetrains, 1, 1000);
  const budgetPeriod = options.budgetPeriod ?? RetrainBudgetPeriod.MONTH;
  checkOneOf(scope, 'budgetPeriod', budgetPeriod, BUDGET_PERIODS);
  const maxRunSeconds = options.maxRunTime?.toSeconds() ?? executionTimeoutSeconds + 3600;
  if (maxRunSeconds < executionTimeoutSeconds || maxRunSeconds > 60 * 86400) {
    invalid(scope, 'maxRunTime', `${maxRunSeconds} seconds`, `must be between the state machine timeout (${executionTimeoutSeconds} seconds) and 60 days, so a running retrain never loses its lock`);
  }
  // Rollout polls wait base, 2 x base, 3 x base...: n polls cover base * n(n+1)/2 seconds; at most 8 polls.
  const pollSeconds = Math.max(60, Math.ceil(rolloutSeconds / 36));
  let rolloutPolls = 1;
  while (pollSeconds * rolloutPolls * (rolloutPolls + 1) / 2 < rolloutSeconds) rolloutPolls++;
  const packageGroup = options.modelPackageGroupName ?? name;
  checkPattern(scope, 'modelPackageGroupName', packageGroup, /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker model package group name (1-63 letters, digits and -)');

  const weights = (canary: number): IngressWeightsPatch => ({
    metadata: {
      annotations: {
        [`alb.ingress.kubernetes.io/actions.${options.ingressActionName}`]: JSON.stringify({
          type: 'forward',
          forwardConfig: {
            targetGroups: [
              { serviceName: options.primaryService, servicePort: String(options.servicePort), weight: 100 - canary },
              { serviceName: options.canaryService, servicePort: String(options.servicePort), weight: canary },
            ],
          },
        }),
      },
    },
  });
  // The training state machine's modelName: the model's unless its trainingInput names another one (the
  // candidate prefix the baseline copy reads is derived from the same value).
  if (options.trainingInput?.modelName !== undefined && typeof options.trainingInput.modelName !== 'string') {
    invalid(scope, 'trainingInput.modelName', options.trainingInput.modelName, 'must be a string (the TrainingPipeline model name)');
  }
  const trainingInput = { modelName: name, ...(options.trainingInput ?? {}) } as RetrainRecord['trainingInput'];
  const monitorBaseline = monitorBaselineOf(trainingInput.modelName);
  const metricQueries = renderCanaryMetrics(scope, canaryMetrics, bakeSeconds);
  const record: RetrainRecord = {
    schemaVersion: RETRAIN_RECORD_VERSION,
    modelName: name,
    approvalRequired: options.requireApproval ?? false,
    cooldownSeconds,
    lockTtlSeconds: maxRunSeconds,
    maxRetrainsPerPeriod: maxRetrains,
    budgetPeriod,
    bakeIntervalSeconds: Math.max(1, Math.round(bakeSeconds / bakeChecks)),
    bakeChecks,
    rolloutPollSeconds: pollSeconds,
    rolloutMaxPolls: rolloutPolls,
    canaryWeight,
    canaryAlarmNames: options.canaryAlarms.map((a) => a.alarmName),
    ...(metricQueries ? { canaryMetricQueries: metricQueries } : {}),
    trainingInput,
    ...(monitorBaseline ? { monitorBaseline } : {}),
    initialChampion: {
      modelPackageArn: options.initialModelPackageArn ?? 'none',
      modelArtifactUri: options.initialModelArtifactUri,
      modelVersion: options.initialModelVersion,
    },
    eks: {
      clusterName: options.cluster.clusterName,
      endpoint: options.cluster.clusterEndpoint,
      certificateAuthority: options.cluster.clusterCertificateAuthorityData,
      namespace: options.namespace,
      primaryDeployment: options.primaryDeployment,
      canaryDeployment: options.canaryDeployment,
      ingressName: options.ingressName,
      ingressCanaryPatch: weights(canaryWeight),
      ingressStablePatch: weights(0),
    },
  };
  return { record, packageGroup };
}

/**
 * The GetMetricData queries of the canary metrics (undefined without any): each metric's statistic per period
 * (a multiple of 60 seconds, at most 1,440 periods per bake) against its threshold.
 */
function renderCanaryMetrics(scope: Construct, metrics: RetrainModelOptions['canaryMetrics'] & object, bakeSeconds: number): CanaryMetricDataQuery[] | undefined {
  if (metrics.length === 0) return undefined;
  return canaryMetricQueries(metrics.map((m, i) => {
    const prop = `canaryMetrics[${i}]`;
    const metric = m.metric;
    const period = metric.period.toSeconds();
    // GetMetricData: a period of standard-resolution data is a multiple of 60 seconds (API_MetricStat.html).
    if (period < 60 || period % 60 !== 0) invalid(scope, `${prop}.metric.period`, `${period} seconds`, 'must be a multiple of 60 seconds');
    if (bakeSeconds / period > CANARY_METRIC_MAX_PERIODS) {
      invalid(scope, `${prop}.metric.period`, `${period} seconds`, `must cover the bake (${bakeSeconds} seconds) in at most ${CANARY_METRIC_MAX_PERIODS} periods, so one GetMetricData result holds the whole bake`);
    }
    if (!Number.isFinite(m.threshold)) invalid(scope, `${prop}.threshold`, m.threshold, 'must be a finite number');
    if (metric.account !== undefined || metric.region !== undefined) {
      invalid(scope, `${prop}.metric`, metric.toString(), 'must be a metric of the state machine\'s own account and region (no account or region)');
    }
    const dimensions = Object.entries(metric.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value: String(Value) }));
    if (dimensions.length === 0) invalid(scope, `${prop}.metric.dimensions`, '{}', 'must name the canary (e.g. its model and variant): a metric without dimensions is not the canary\'s own');
    return { namespace: metric.namespace, metricName: metric.metricName, dimensions, stat: metric.statistic, period, threshold: m.threshold };
  }));
}

/**
 * The namespaced Role (get/patch of exactly the model's two Deployments and its Ingress) and the
 * RoleBinding granting it to the Kubernetes `group` of the loop's EKS access entry.
 */
export function renderRbacObjects(options: RetrainModelOptions, group: string): RetrainRbacObject[] {
  const roleName = `cdk-mlops-retrain-${options.modelName}`.slice(0, 63).replace(/-$/, '');
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: roleName, namespace: options.namespace },
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], resourceNames: [options.primaryDeployment, options.canaryDeployment], verbs: ['get', 'patch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], resourceNames: [options.ingressName], verbs: ['get', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: roleName, namespace: options.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    },
  ];
}
