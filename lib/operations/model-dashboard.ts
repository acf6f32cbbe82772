import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { invalid } from '../core/validation';
import type { ModelEndpoint } from '../inference/model-endpoint';
import type { MonitoredModel } from '../monitoring/monitored-model';
import { IRetrainOutcomeSource, ModelDashboardSource } from './dashboard-source';
import { AlarmStatusWidgets } from './private/alarm-widgets';
import { countWidgets, dashboardNameOf, DASHBOARD_LIMITS, modelRows, segmentRows, sourceModelName } from './private/widgets';

/** Props of {@link ModelDashboard}. */
export interface ModelDashboardProps extends ModelDashboardSource {
  /**
   * The dashboard name (dashboards are global to the account: keep it unique).
   * @default - `<stack name>-<model name>`
   */
  readonly dashboardName?: string;
  /**
   * Listed features up to this many get one drift graph each (every effect size per variant against its
   * floor); with more, or none listed, each statistic gets one graph of every feature (Metrics Insights).
   * @default 12
   */
  readonly perFeatureWidgets?: number;
  /**
   * Segments of the model (`ModelEndpointProps.segments`) with rows of their own: see {@link ModelDashboard.addSegment}.
   * @default - none (the segments' traffic is still graphed with the variants)
   */
  readonly segments?: ModelDashboardSegment[];
}

/** A segment of the model on its dashboard ({@link ModelDashboard.addSegment}). */
export interface ModelDashboardSegment {
  /** The segment name (a `segments` name of the endpoint). */
  readonly segment: string;
  /**
   * The segment's drift registration (`DriftMonitor.addModel({ modelName, segment })`): drifted features, quality and
   * drift per feature of the segment (metrics with dimensions `ModelName` = the model and `Segment`), its alarms.
   * @default - no drift widgets for the segment
   */
  readonly monitoredModel?: MonitoredModel;
  /**
   * Where the retraining outcomes of `<model>-<segment>` come from (the RetrainTrigger the segment is registered with).
   * @default - no retraining widget for the segment
   */
  readonly retrainOutcomes?: IRetrainOutcomeSource;
}

/**
 * One model's CloudWatch dashboard: requests, latency p50/p99 and 5xx errors per variant and segment
 * (capture sidecar metrics), running replicas and GPU utilisation (Container Insights), drifted
 * features against the drift alarm, drift per feature against its floors, quality against its
 * thresholds, retraining outcomes per day and the model's alarms. Widgets follow what is given
 * (an endpoint, a monitored model, a retraining outcome source). Create it after the endpoint's
 * variants: it is built at construction. One resource.
 */
export class ModelDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The model name. */
  public readonly modelName: string;
  private readonly endpoint?: ModelEndpoint;
  private readonly segmentNames = new Set<string>();
  private widgetCount: number;
  private hasRetrainOutcomes: boolean;

  constructor(scope: Construct, id: string, props: ModelDashboardProps) {
    super(scope, id);
    const name = sourceModelName(props);
    if (!name) invalid(this, 'modelName', undefined, 'must be given with neither endpoint nor monitoredModel');
    if (!props.endpoint && !props.monitoredModel && !props.retrainOutcomes) {
      invalid(this, 'endpoint', undefined, 'a model dashboard needs an endpoint, a monitoredModel or retrainOutcomes');
    }
    this.modelName = name;
    const perFeatureWidgets = props.perFeatureWidgets ?? 12;
    if (!Number.isInteger(perFeatureWidgets) || perFeatureWidgets < 0 || perFeatureWidgets > 100) {
      invalid(this, 'perFeatureWidgets', perFeatureWidgets, 'must be an integer between 0 and 100');
    }
    const rows = modelRows({ ...props, modelName: name }, { perFeatureWidgets, compact: false });
    if (countWidgets(rows) > DASHBOARD_LIMITS.widgetsPerDashboard) {
      invalid(this, 'perFeatureWidgets', perFeatureWidgets, `gives ${countWidgets(rows)} widgets, over CloudWatch's ${DASHBOARD_LIMITS.widgetsPerDashboard} per dashboard`);
    }
    this.endpoint = props.endpoint;
    this.widgetCount = countWidgets(rows);
    this.hasRetrainOutcomes = props.retrainOutcomes !== undefined;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? dashboardNameOf(`${Stack.of(this).stackName}-${name}`),
      widgets: rows,
    });
    (props.segments ?? []).forEach((s) => this.addSegment(s));
  }

  /**
   * Adds rows for a segment of the model (`RetrainTrigger.addModelEndpoint(endpoint, { segment })` calls it on the
   * endpoint's dashboard): requests, latency p50/p99, 5xx errors and replicas of the segment's variant and of its canary
   * `<segment>-canary` when rendered (capture sidecar metrics `ModelName` + `Variant`), drifted features, quality and
   * drift per feature of the segment (DriftMonitor metrics `ModelName` + `Segment`), retraining outcomes of
   * `<model>-<segment>` per day, and the segment's drift and quality alarms. Up to 11 widgets, no resource.
   */
  public addSegment(segment: ModelDashboardSegment): void {
    const name = segment.segment;
    if (this.segmentNames.has(name)) invalid(this, 'segment', name, 'already has rows on this dashboard');
    if (this.endpoint && !this.endpoint.segments.some((s) => s.name === name)) {
      invalid(this, 'segment', name, `must be a segment of ${this.modelName} (${this.endpoint.segments.map((s) => s.name).join(', ') || 'it has none'})`);
    }
    const m = segment.monitoredModel;
    if (m && (m.segment !== name || m.captureModelName !== this.modelName)) {
      invalid(this, 'monitoredModel', m.modelName, `must be the drift registration of segment ${name} of ${this.modelName} (DriftMonitor.addModel({ modelName: '${this.modelName}', segment: '${name}' }))`);
    }
    const rows = segmentRows({
      modelName: this.modelName, segment: name, endpoint: this.endpoint, monitoredModel: m, retrainOutcomes: segment.retrainOutcomes,
    });
    const count = countWidgets(rows);
    if (this.widgetCount + count > DASHBOARD_LIMITS.widgetsPerDashboard) {
      invalid(this, 'segment', name, `would take the dashboard to ${this.widgetCount + count} widgets, over CloudWatch's ${DASHBOARD_LIMITS.widgetsPerDashboard} per dashboard`);
    }
    this.segmentNames.add(name);
    this.widgetCount += count;
    for (const row of rows) this.dashboard.addWidgets(...row);
  }

  /**
   * Adds the model's retraining outcomes per day when the dashboard was built without them (a segment registered with
   * a RetrainTrigger before the model's default route). No-op when it has them.
   */
  public addRetrainOutcomes(source: IRetrainOutcomeSource): void {
    if (this.hasRetrainOutcomes) return;
    const rows = modelRows({ modelName: this.modelName, retrainOutcomes: source }, { perFeatureWidgets: 0, compact: false }).slice(1);
    this.hasRetrainOutcomes = true;
    this.widgetCount += countWidgets(rows);
    for (const row of rows) this.dashboard.addWidgets(...row);
  }
}

/** Props of {@link ShardDashboard}. */
export interface ShardDashboardProps {
  /** The models, in order. */
  readonly models: ModelDashboardSource[];
  /**
   * Name of the (first) dashboard; further ones get `-2`, `-3`, ...
   * @default - `<stack name>-models`
   */
  readonly dashboardName?: string;
  /**
   * One set of widgets for all the models with a model selector (a CloudWatch dashboard pattern variable
   * that replaces the first model's name across the dashboard), instead of rows per model: the dashboard's
   * size no longer grows with the models. The models must be alike: an endpoint in a Kubernetes namespace
   * named after the model with the same variants and segments on the same cluster, monitored variants
   * alike, and each with or without a monitored model and retraining source (a ModelFactory shard).
   * Drift floors are drawn for every distinct model-wide floor of the models.
   * @default false
   */
  readonly modelSelector?: boolean;
}

/**
 * The models of a group (e.g. one ModelFactory shard stack) on as few dashboards as CloudWatch's limit
 * of 500 widgets per dashboard allows: one dashboard for the default 22 models of a shard, never one per
 * model. Each model gets the rows of a {@link ModelDashboard} with drift graphed per statistic (one graph
 * of every feature each), so a model costs the same number of widgets however many features it has;
 * the models' alarms close each dashboard (alarm status widgets of at most 100 alarms). Put it in the
 * stack of the models' alarms.
 */
export class ShardDashboard extends Construct {
  /** The dashboards (one unless the models need more than 500 widgets). */
  public readonly dashboards: cloudwatch.Dashboard[] = [];

  constructor(scope: Construct, id: string, props: ShardDashboardProps) {
    super(scope, id);
    if (!props.models || props.models.length === 0) invalid(this, 'models', props.models, 'must list at least one model');
    const base = props.dashboardName ?? dashboardNameOf(`${Stack.of(this).stackName}-models`);
    if (props.modelSelector) {
      this.dashboards.push(this.selectorDashboard(props.models, base));
      return;
    }
    let current: cloudwatch.IWidget[][] = [];
    let alarms: string[] = [];
    let count = 0;
    const flush = () => {
      if (current.length === 0) return;
      const index = this.dashboards.length;
      const arns = alarms;
      if (arns.length > 0) current.push([new AlarmStatusWidgets(() => arns, 'Alarms of these models')]);
      this.dashboards.push(new cloudwatch.Dashboard(this, index === 0 ? 'Dashboard' : `Dashboard${index + 1}`, {
        dashboardName: base === undefined ? undefined : (index === 0 ? base : `${base}-${index + 1}`),
        widgets: current,
      }));
      current = [];
      alarms = [];
      count = 0;
    };
    props.models.forEach((m, i) => {
      const name = sourceModelName(m);
      if (!name) invalid(this, `models[${i}].modelName`, undefined, 'must be given with neither endpoint nor monitoredModel');
      const rows = modelRows({ ...m, modelName: name }, { perFeatureWidgets: 0, compact: true });
      const mm = m.monitoredModel;
      const own = mm ? [mm.alarm, ...(mm.qualityAlarm ? [mm.qualityAlarm] : [])].map((a) => a.alarmArn) : [];
      const n = countWidgets(rows);
      // The model rows plus the alarm status widgets (100 alarms each) must fit the dashboard's 500.
      if (count + n + AlarmStatusWidgets.widgetsFor(alarms.length + own.length) > DASHBOARD_LIMITS.widgetsPerDashboard) flush();
      current.push(...rows);
      alarms.push(...own);
      count += n;
    });
    flush();
  }

  private selectorDashboard(models: ModelDashboardSource[], dashboardName: string | undefined): cloudwatch.Dashboard {
    const names = models.map((m, i) => {
      const name = sourceModelName(m);
      if (!name) invalid(this, `models[${i}].modelName`, undefined, 'must be given with neither endpoint nor monitoredModel');
      return name;
    });
    // The pattern is replaced wherever it appears in the dashboard: draw the widgets for the model with the
    // longest name, which no other (different) name contains.
    const t = names.reduce((best, n, i) => (n.length > names[best].length ? i : best), 0);
    const first = models[t];
    const shape = (m: ModelDashboardSource, name: string) => JSON.stringify({
      endpoint: m.endpoint ? {
        namespace: m.endpoint.namespace === name,
        variants: [...m.endpoint.chart.variants.map((v) => v.name), ...m.endpoint.segments.map((s) => s.name)],
        cluster: m.endpoint.cluster.clusterName,
      } : undefined,
      monitored: m.monitoredModel?.variants,
      retrain: m.retrainOutcomes !== undefined,
    });
    const expected = shape(first, names[t]);
    models.forEach((m, i) => {
      if (shape(m, names[i]) !== expected) {
        invalid(this, `models[${i}]`, names[i], `must be alike ${names[t]} for a model selector: endpoint namespace named after the model, same variants, segments and cluster, same monitored variants, retraining source on both or neither (set modelSelector: false)`);
      }
    });
    if (new Set(names).size !== names.length) invalid(this, 'models', names, 'must not repeat a model');
    const group = models.map((m) => m.monitoredModel).filter((m): m is MonitoredModel => m !== undefined);
    const rows = modelRows({ ...first, modelName: names[t] }, { perFeatureWidgets: 0, compact: true, floorGroup: group });
    const arns = group.flatMap((m) => [m.alarm, ...(m.qualityAlarm ? [m.qualityAlarm] : [])].map((a) => a.alarmArn));
    if (countWidgets(rows) + AlarmStatusWidgets.widgetsFor(arns.length) > DASHBOARD_LIMITS.widgetsPerDashboard) {
      invalid(this, 'models', names.length, `have ${arns.length} alarms: the alarm status widgets would not fit CloudWatch's ${DASHBOARD_LIMITS.widgetsPerDashboard} widgets per dashboard`);
    }
    if (arns.length > 0) rows.push([new AlarmStatusWidgets(() => arns, 'Alarms of all the models')]);
    return new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName,
      widgets: rows,
      variables: [new cloudwatch.DashboardVariable({
        id: 'model',
        label: 'Model',
        type: cloudwatch.VariableType.PATTERN,
        inputType: cloudwatch.VariableInputType.SELECT,
        value: names[t],
        values: cloudwatch.Values.fromValues(...[names[t], ...names.filter((_, i) => i !== t)].map((value) => ({ value }))),
        defaultValue: cloudwatch.DefaultValue.FIRST,
      })],
    });
  }
}
