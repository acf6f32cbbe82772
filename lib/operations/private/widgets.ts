import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CONTAINER_INSIGHTS_NAMESPACE, POD_GPU_UTILIZATION } from '../../contracts/container-insights';
import { segmentModelName } from '../../contracts/drift-monitor-config';
import type { DriftThresholds } from '../../contracts/drift-thresholds';
import type { ModelEndpoint } from '../../inference/model-endpoint';
import { DriftFeatureType, DriftStatistic, QualityStatistic } from '../../monitoring/drift-monitor-props';
import type { MonitoredModel } from '../../monitoring/monitored-model';
import type { IRetrainOutcomeSource, ModelDashboardSource } from '../dashboard-source';

/**
 * CloudWatch dashboard limits the dashboards are built within (Amazon CloudWatch API Reference,
 * "Dashboard Body Structure and Syntax"): a DashboardBody holds between 0 and 500 widgets; an alarm
 * status widget lists 1-100 alarm ARNs.
 */
export const DASHBOARD_LIMITS = {
  widgetsPerDashboard: 500,
  alarmsPerAlarmWidget: 100,
} as const;

/** Every outcome the retraining state machine records in its `RetrainOutcome` metric (the values of `RetrainOutcome`). */
export const RETRAIN_OUTCOMES: readonly string[] = [
  'promoted', 'reverted', 'rolled-back', 'rejected', 'not-approved', 'failed', 'skipped-cooldown', 'skipped-budget', 'deduplicated',
];

/** Layout options of the per-model rows. */
export interface ModelRowsOptions {
  /** Listed features with at most this many get one graph each; more (or none listed) are graphed per statistic. */
  readonly perFeatureWidgets: number;
  /** Compact rows (a ShardDashboard): see compactRows. */
  readonly compact: boolean;
  /** Compact rows shown for any of these models (a model selector): floor annotations of all of them. */
  readonly floorGroup?: MonitoredModel[];
}

/** Statistics graphed against their floors (the effect sizes of the drift decision). */
const FLOORED: Array<{ statistic: DriftStatistic; key: keyof DriftThresholds; numericOnly: boolean }> = [
  { statistic: DriftStatistic.PSI, key: 'psi', numericOnly: false },
  { statistic: DriftStatistic.JENSEN_SHANNON, key: 'jensenShannon', numericOnly: false },
  { statistic: DriftStatistic.KS_STATISTIC, key: 'ksStatistic', numericOnly: true },
  { statistic: DriftStatistic.WASSERSTEIN_NORMED, key: 'wassersteinNormed', numericOnly: true },
];

/** Quality thresholds: option key -> statistic and direction. */
const QUALITY: Array<{ key: 'minAccuracy' | 'minPrecision' | 'minRecall' | 'minF1' | 'minAuc' | 'maxRmse' | 'maxMae'; statistic: QualityStatistic; min: boolean }> = [
  { key: 'minAccuracy', statistic: QualityStatistic.ACCURACY, min: true },
  { key: 'minPrecision', statistic: QualityStatistic.PRECISION, min: true },
  { key: 'minRecall', statistic: QualityStatistic.RECALL, min: true },
  { key: 'minF1', statistic: QualityStatistic.F1, min: true },
  { key: 'minAuc', statistic: QualityStatistic.AUC, min: true },
  { key: 'maxRmse', statistic: QualityStatistic.RMSE, min: false },
  { key: 'maxMae', statistic: QualityStatistic.MAE, min: false },
];

/** The model name of a source (checked by the constructs). */
export function sourceModelName(source: ModelDashboardSource): string | undefined {
  return source.modelName ?? source.endpoint?.modelName ?? source.monitoredModel?.modelName;
}

/** A dashboard name from free text: CloudWatch allows letters, digits, "-" and "_" (at most 255). */
export function dashboardNameOf(text: string): string | undefined {
  if (Token.isUnresolved(text)) return undefined;
  return text.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 255);
}

/** A string literal of a Metrics Insights query (single quotes; a quote is escaped with a backslash). */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The variants and segments an endpoint serves (each has its own `Variant` dimension). */
function servedVariants(endpoint: ModelEndpoint): string[] {
  return [...endpoint.chart.variants.map((v) => v.name), ...endpoint.segments.map((s) => s.name)];
}

/**
 * The rows of one model: serving (traffic, latency, errors, replicas, GPU), then drift and quality and
 * retraining, then drift per feature against its floor. Built now: variants added to the endpoint later
 * are not shown.
 */
export function modelRows(source: ModelDashboardSource, options: ModelRowsOptions): cloudwatch.IWidget[][] {
  if (options.compact) return compactRows(source, options.floorGroup);
  const name = sourceModelName(source)!;
  const rows: cloudwatch.IWidget[][] = [];
  const { endpoint, monitoredModel: monitored, retrainOutcomes } = source;
  rows.push([new cloudwatch.TextWidget({
    markdown: `## Model ${name}`
      + (endpoint ? `\nServing: namespace \`${endpoint.namespace}\`, variants and segments ${servedVariants(endpoint).map((v) => `\`${v}\``).join(', ')}.` : '')
      + (monitored ? ` Drift monitored for variants ${monitored.variants.map((v) => `\`${v}\``).join(', ')}.` : ''),
    width: 24,
    height: 2,
  })]);

  if (endpoint) {
    const variants = servedVariants(endpoint);
    const per = (f: (variant: string) => cloudwatch.IMetric[]) => variants.flatMap(f);
    rows.push([
      graph(`${name}: requests per minute`, per((variant) => [endpoint.metricRequests({ variant, label: variant })]), { stacked: true }),
      graph(`${name}: latency p50 / p99 (ms)`, per((variant) => [
        endpoint.metricLatency({ variant, statistic: 'p50', label: `${variant} p50` }),
        endpoint.metricLatency({ variant, statistic: 'p99', label: `${variant} p99` }),
      ])),
      graph(`${name}: 5xx errors`, per((variant) => [endpoint.metricErrors({ variant, label: variant })])),
      graph(`${name}: running replicas (Container Insights)`, per((variant) => [endpoint.metricReplicas({ variant, label: variant })])),
    ]);
  }

  const second: cloudwatch.IWidget[] = [];
  if (endpoint) second.push(gpuWidget(name, endpoint));
  if (monitored) {
    second.push(graph(`${name}: drifted features`, [monitored.metricDriftedFeatureCount({ label: 'drifted features (any variant)' })], {
      annotations: [{ value: monitored.driftedFeaturesToAlarm, label: `drift alarm (${monitored.driftedFeaturesToAlarm})`, color: cloudwatch.Color.RED }],
      right: [monitored.metricSampleCount({ label: 'samples in window' })],
    }));
    second.push(qualityWidget(name, monitored));
  }
  if (retrainOutcomes) {
    second.push(graph(`${name}: retraining outcomes per day`, RETRAIN_OUTCOMES.map((o) => retrainOutcomes.metricOutcome(o, name, { label: o, period: Duration.days(1) })), {
      stacked: true, view: cloudwatch.GraphWidgetView.BAR,
    }));
  }
  if (monitored) {
    second.push(new cloudwatch.AlarmStatusWidget({
      title: `${name}: alarms`,
      alarms: [monitored.alarm, ...(monitored.qualityAlarm ? [monitored.qualityAlarm] : [])],
      width: 6,
      height: 6,
    }));
  }
  if (second.length > 0) rows.push(second);

  if (monitored) {
    const drift = monitored.featureNames.length > 0 && monitored.featureNames.length <= options.perFeatureWidgets
      ? monitored.featureNames.map((f) => featureWidget(name, monitored, f))
      : FLOORED.map((s) => statisticWidget(name, monitored, s.statistic, s.key));
    for (let i = 0; i < drift.length; i += 4) rows.push(drift.slice(i, i + 4));
  }
  return rows;
}

/**
 * The compact rows of one model (at most 8 widgets, no text): requests and 5xx errors, latency p50/p99
 * per variant and segment, replicas and GPU utilisation, drifted features, quality, retraining outcomes,
 * and the four floored drift statistics of every feature in two graphs. Metrics Insights queries grouped
 * by variant, Service, outcome or feature keep the model's share of the shard template small.
 */
function compactRows(source: ModelDashboardSource, floorGroup?: MonitoredModel[]): cloudwatch.IWidget[][] {
  const name = sourceModelName(source)!;
  const { endpoint, monitoredModel: monitored, retrainOutcomes } = source;
  const widgets: cloudwatch.IWidget[] = [];
  if (endpoint) {
    const served = `SCHEMA("${endpoint.metricRequests().namespace}", ModelName, Variant) WHERE ModelName = ${literal(name)} GROUP BY Variant`;
    const where = `WHERE ClusterName = ${literal(endpoint.cluster.clusterName)} AND Namespace = ${literal(endpoint.namespace)}`;
    widgets.push(
      graph(`${name}: requests (left) and 5xx errors (right) per variant and segment`, [query(`SELECT SUM(Requests) FROM ${served}`, 'requests')], {
        right: [query(`SELECT SUM(Errors) FROM ${served}`, '5xx')],
      }),
      graph(`${name}: latency p50 / p99 (ms)`, servedVariants(endpoint).flatMap((variant) => [
        endpoint.metricLatency({ variant, statistic: 'p50', label: `${variant} p50` }),
        endpoint.metricLatency({ variant, statistic: 'p99', label: `${variant} p99` }),
      ])),
      graph(`${name}: replicas (left), GPU % (right; Container Insights, CloudWatch Observability add-on)`, [
        query(`SELECT AVG(service_number_of_running_pods) FROM SCHEMA("ContainerInsights", ClusterName, Namespace, Service) ${where} GROUP BY Service`, 'replicas'),
      ], { right: [query(`SELECT AVG(${POD_GPU_UTILIZATION}) FROM "${CONTAINER_INSIGHTS_NAMESPACE}" ${where}`, 'GPU %')] }),
    );
  }
  if (monitored) {
    widgets.push(graph(`${name}: drifted features`, [monitored.metricDriftedFeatureCount({ label: 'drifted features' })], {
      annotations: [{ value: monitored.driftedFeaturesToAlarm, label: 'drift alarm', color: cloudwatch.Color.RED }],
    }));
    widgets.push(qualityWidget(name, monitored));
  }
  if (retrainOutcomes) {
    const namespace = retrainOutcomes.metricOutcome(RETRAIN_OUTCOMES[0], name).toMetricConfig().metricStat?.namespace;
    widgets.push(graph(`${name}: retraining outcomes per day`, namespace !== undefined
      ? [query(`SELECT SUM(RetrainOutcome) FROM SCHEMA("${namespace}", ModelName, Outcome) WHERE ModelName = ${literal(name)} GROUP BY Outcome`, 'outcomes', Duration.days(1))]
      : RETRAIN_OUTCOMES.map((o) => retrainOutcomes.metricOutcome(o, name, { label: o, period: Duration.days(1) })), {
      stacked: true, view: cloudwatch.GraphWidgetView.BAR,
    }));
  }
  if (monitored) {
    for (const pair of [FLOORED.slice(0, 2), FLOORED.slice(2)]) widgets.push(statisticsWidget(name, monitored, pair, floorGroup));
  }
  const rows: cloudwatch.IWidget[][] = [];
  for (let i = 0; i < widgets.length; i += 4) rows.push(widgets.slice(i, i + 4));
  return rows;
}

/** One segment of a model on its dashboard (see ModelDashboard.addSegment). */
export interface SegmentRowsSource {
  readonly modelName: string;
  readonly segment: string;
  readonly endpoint?: ModelEndpoint;
  readonly monitoredModel?: MonitoredModel;
  readonly retrainOutcomes?: IRetrainOutcomeSource;
}

/**
 * The rows of one segment of a model: its serving (requests, latency p50/p99, 5xx errors and replicas of the segment's
 * variant and, once rendered, its canary `<segment>-canary`: capture sidecar metrics `ModelName` + `Variant`, Container
 * Insights `Service`), its drift and quality (the DriftMonitor's segment metrics, dimensions `ModelName` + `Segment`),
 * the retraining outcomes of `<model>-<segment>` and its alarms. At most 11 widgets.
 */
export function segmentRows(source: SegmentRowsSource): cloudwatch.IWidget[][] {
  const { modelName: model, segment, endpoint, monitoredModel: monitored, retrainOutcomes } = source;
  const unit = segmentModelName(model, segment);
  const title = `${model} / ${segment}`;
  const rows: cloudwatch.IWidget[][] = [[new cloudwatch.TextWidget({
    markdown: `### Segment \`${segment}\` of ${model}, monitored and retrained as \`${unit}\``,
    width: 24,
    height: 1,
  })]];
  if (endpoint) {
    const variants = [segment, ...(endpoint.chart.hasSegmentCanary(segment) ? [endpoint.chart.segmentCanaryName(segment)] : [])];
    const per = (f: (variant: string) => cloudwatch.IMetric[]) => variants.flatMap(f);
    rows.push([
      graph(`${title}: requests per minute`, per((variant) => [endpoint.metricRequests({ variant, label: variant })]), { stacked: true }),
      graph(`${title}: latency p50 / p99 (ms)`, per((variant) => [
        endpoint.metricLatency({ variant, statistic: 'p50', label: `${variant} p50` }),
        endpoint.metricLatency({ variant, statistic: 'p99', label: `${variant} p99` }),
      ])),
      graph(`${title}: 5xx errors`, per((variant) => [endpoint.metricErrors({ variant, label: variant })])),
      graph(`${title}: running replicas (Container Insights)`, per((variant) => [endpoint.metricReplicas({ variant, label: variant })])),
    ]);
  }
  const second: cloudwatch.IWidget[] = [];
  if (monitored) {
    second.push(graph(`${title}: drifted features`, [monitored.metricDriftedFeatureCount({ label: 'drifted features (any variant)' })], {
      annotations: [{ value: monitored.driftedFeaturesToAlarm, label: `drift alarm (${monitored.driftedFeaturesToAlarm})`, color: cloudwatch.Color.RED }],
      right: [monitored.metricSampleCount({ label: 'samples in window' })],
    }));
    second.push(qualityWidget(title, monitored));
  }
  if (retrainOutcomes) {
    second.push(graph(`${title}: retraining outcomes of ${unit} per day`, RETRAIN_OUTCOMES.map((o) => retrainOutcomes.metricOutcome(o, unit, { label: o, period: Duration.days(1) })), {
      stacked: true, view: cloudwatch.GraphWidgetView.BAR,
    }));
  }
  if (monitored) {
    second.push(new cloudwatch.AlarmStatusWidget({
      title: `${title}: alarms`,
      alarms: [monitored.alarm, ...(monitored.qualityAlarm ? [monitored.qualityAlarm] : [])],
      width: 6,
      height: 6,
    }));
  }
  if (second.length > 0) rows.push(second);
  if (monitored) {
    // Every feature of the segment, the four floored statistics in two graphs (Metrics Insights over the segment's schema).
    const namespace = monitored.metricSampleCount().namespace;
    const floors = monitored.driftFloors();
    rows.push([FLOORED.slice(0, 2), FLOORED.slice(2)].map((stats) => graph(`${title}: ${stats.map((x) => x.statistic).join(', ')} per feature`, stats.map((x) => query(
      `SELECT MAX(FeatureDrift) FROM SCHEMA("${namespace}", ModelName, Segment, Variant, Feature, Statistic) `
      + `WHERE ModelName = ${literal(model)} AND Segment = ${literal(segment)} AND Statistic = ${literal(x.statistic)} GROUP BY Feature, Variant`,
      x.statistic, monitored.metricSampleCount().period,
    )), { annotations: floorAnnotations(stats.map((x): [string, number] => [x.statistic, floors[x.key]!])) })));
  }
  return rows;
}

/** A Metrics Insights query as a graph line. */
function query(expression: string, label: string, period = Duration.minutes(1)): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({ expression, label, period });
}

/** Leaf widgets of rows (what counts against the 500 of a dashboard). */
export function countWidgets(rows: cloudwatch.IWidget[][]): number {
  return rows.reduce((n, r) => n + r.length, 0);
}

interface GraphOptions {
  readonly stacked?: boolean;
  readonly view?: cloudwatch.GraphWidgetView;
  readonly annotations?: cloudwatch.HorizontalAnnotation[];
  readonly right?: cloudwatch.IMetric[];
}

function graph(title: string, left: cloudwatch.IMetric[], o: GraphOptions = {}): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left,
    right: o.right,
    leftAnnotations: o.annotations,
    stacked: o.stacked,
    view: o.view,
    width: 6,
    height: 6,
  });
}

/**
 * GPU utilisation of the model's pods: Container Insights with enhanced observability publishes
 * `pod_gpu_utilization` only with the Amazon CloudWatch Observability EKS add-on on the cluster (NVIDIA
 * GPUs; a GpuCluster installs it unless `containerInsights: false`; lib/contracts/container-insights.ts).
 * A Metrics Insights query selects the model's namespace whatever the dimension set.
 */
function gpuWidget(name: string, endpoint: ModelEndpoint): cloudwatch.GraphWidget {
  const cluster = endpoint.cluster.clusterName;
  return graph(`${name}: GPU utilisation % (needs the CloudWatch Observability add-on)`, [new cloudwatch.MathExpression({
    expression: `SELECT AVG(${POD_GPU_UTILIZATION}) FROM "${CONTAINER_INSIGHTS_NAMESPACE}" WHERE ClusterName = ${literal(cluster)} AND Namespace = ${literal(endpoint.namespace)}`,
    label: 'GPU utilisation (pods of the model)',
    period: Duration.minutes(1),
  })]);
}

function qualityWidget(name: string, monitored: MonitoredModel): cloudwatch.GraphWidget {
  const q = monitored.qualityOptions;
  const configured = q ? QUALITY.filter((k) => q[k.key] !== undefined) : [];
  const metrics = configured.length > 0
    ? configured.map((k) => monitored.metricQuality(k.statistic, { label: k.statistic }))
    : [monitored.metricLabeledSampleCount({ label: 'labelled samples (no quality thresholds)' })];
  return graph(`${name}: quality against thresholds`, metrics, {
    annotations: configured.map((k) => ({
      value: q![k.key]!,
      label: `${k.statistic} ${k.min ? 'min' : 'max'} ${q![k.key]}`,
      color: cloudwatch.Color.RED,
      fill: k.min ? cloudwatch.Shading.BELOW : cloudwatch.Shading.ABOVE,
    })),
  });
}

/** One feature: its effect sizes per variant, each floor a horizontal annotation. */
function featureWidget(name: string, monitored: MonitoredModel, feature: string): cloudwatch.GraphWidget {
  const floors = monitored.driftFloors(feature);
  const categorical = monitored.featureType(feature) === DriftFeatureType.CATEGORICAL;
  const stats = FLOORED.filter((s) => !(s.numericOnly && categorical));
  const metrics = monitored.variants.flatMap((variant) => stats.map((s) => monitored.metricFeatureDrift(feature, s.statistic, {
    dimensionsMap: { Variant: variant }, label: `${variant} ${s.statistic}`,
  })));
  return graph(`${name}: drift of ${feature}`, metrics, { annotations: floorAnnotations(stats.map((s) => [s.statistic, floors[s.key]!])) });
}

/** One statistic, every feature (a Metrics Insights query grouped by feature and variant), the model-wide floor. */
function statisticWidget(name: string, monitored: MonitoredModel, statistic: DriftStatistic, key: keyof DriftThresholds): cloudwatch.GraphWidget {
  const namespace = monitored.metricSampleCount().namespace;
  const floors = monitored.driftFloors();
  const own = monitored.featureNames.filter((f) => monitored.driftFloors(f)[key] !== floors[key]);
  return graph(`${name}: ${statistic} per feature${own.length ? ` (own floors: ${own.join(', ')})` : ''}`, [new cloudwatch.MathExpression({
    expression: `SELECT MAX(FeatureDrift) FROM SCHEMA("${namespace}", ModelName, Variant, Feature, Statistic) WHERE ModelName = ${literal(name)} AND Statistic = ${literal(statistic)} GROUP BY Feature, Variant`,
    label: statistic,
    period: monitored.metricSampleCount().period,
  })], { annotations: floorAnnotations([[statistic, floors[key]!]]) });
}

/** Several statistics, every feature (one query each, grouped by feature and variant), the model-wide floors. */
function statisticsWidget(name: string, monitored: MonitoredModel, stats: typeof FLOORED, group?: MonitoredModel[]): cloudwatch.GraphWidget {
  const namespace = monitored.metricSampleCount().namespace;
  const floors = monitored.driftFloors();
  const own = group ? [] : monitored.featureNames.filter((f) => stats.some((s) => monitored.driftFloors(f)[s.key] !== floors[s.key]));
  // A selector over several models: one line per distinct model-wide floor, with how many models have it.
  const lines: Array<[string, number]> = group
    ? stats.flatMap((s) => {
      const values = group.map((m) => m.driftFloors()[s.key]!);
      const distinct = [...new Set(values)];
      return distinct.map((v): [string, number] => [distinct.length > 1 ? `${s.statistic} (${values.filter((x) => x === v).length} of ${values.length} models)` : s.statistic, v]);
    })
    : stats.map((s) => [s.statistic, floors[s.key]!]);
  return graph(`${name}: ${stats.map((s) => s.statistic).join(', ')} per feature${own.length ? ` (own floors: ${own.join(', ')})` : ''}`, stats.map((s) => query(
    `SELECT MAX(FeatureDrift) FROM SCHEMA("${namespace}", ModelName, Variant, Feature, Statistic) WHERE ModelName = ${literal(name)} AND Statistic = ${literal(s.statistic)} GROUP BY Feature, Variant`,
    s.statistic, monitored.metricSampleCount().period,
  )), { annotations: floorAnnotations(lines) });
}

/** Horizontal annotations at the floors (statistics sharing a floor share a line). */
function floorAnnotations(floors: Array<[string, number]>): cloudwatch.HorizontalAnnotation[] {
  const byValue = new Map<number, string[]>();
  for (const [statistic, value] of floors) byValue.set(value, [...(byValue.get(value) ?? []), statistic]);
  return [...byValue].map(([value, statistics]) => ({ value, label: `floor ${value}: ${statistics.join(', ')}`, color: cloudwatch.Color.ORANGE }));
}

/** ARN of an alarm by name in the dashboard's stack (no cross-stack reference to alarms of other stacks). */
export function alarmArn(stack: Stack, alarmName: string): string {
  return stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
