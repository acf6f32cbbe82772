import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRIC } from '../contracts/drift-monitor-config';
import { checkInt } from '../core/validation';
import type { DriftMonitor } from '../monitoring/drift-monitor';
import type { MonitoredModel } from '../monitoring/monitored-model';
import { AlarmStatusWidgets } from './private/alarm-widgets';
import { alarmArn, dashboardNameOf } from './private/widgets';

/** Props of {@link FleetDashboard}. */
export interface FleetDashboardProps {
  /** The drift monitor of the fleet. */
  readonly monitor: DriftMonitor;
  /**
   * The dashboard name (dashboards are global to the account).
   * @default - `<monitor alarmPrefix>-fleet`
   */
  readonly dashboardName?: string;
  /**
   * Namespace of the retraining `RetrainOutcome` metric (the RetrainTrigger's `metricNamespace`).
   * @default "CdkMlops/Retrain"
   */
  readonly retrainMetricNamespace?: string;
  /**
   * How many of the most drifted models to show.
   * @default 10
   */
  readonly topModels?: number;
}

/**
 * The fleet's CloudWatch dashboard: the most drifted models and the most quality breaches (Metrics
 * Insights queries over every model of the monitor), monitored and unmonitored models, retrains per
 * day by outcome, and the state of every model alarm (added with {@link addModel}; the DriftMonitor
 * adds each model it registers). One resource whatever the number of models: alarms are referenced
 * by name, so models in other stacks add no cross-stack reference.
 */
export class FleetDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly alarmNames: string[] = [];
  private readonly alarmPrefix: string;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const monitor = props.monitor;
    const top = props.topModels ?? 10;
    checkInt(this, 'topModels', top, 1, 500);
    const ns = monitor.namespace;
    const retrainNs = props.retrainMetricNamespace ?? 'CdkMlops/Retrain';
    const period = monitor.schedule;
    const query = (title: string, expression: string, p: Duration, extra: Partial<cloudwatch.GraphWidgetProps> = {}) => new cloudwatch.GraphWidget({
      title, width: 12, height: 6, ...extra,
      left: [new cloudwatch.MathExpression({ expression, period: p, label: '' })],
    });
    this.alarmPrefix = monitor.alarmPrefix;
    // Literal names (the alarms' own names are tokens): no reference to alarms of other stacks.
    this.alarmNames.push(`${monitor.alarmPrefix}.unmonitored-models`);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? dashboardNameOf(`${monitor.alarmPrefix}-fleet`),
      widgets: [
        [new cloudwatch.TextWidget({
          markdown: `## Fleet of ${monitor.alarmPrefix}\nDrift monitor runs every ${period.toHumanString()}; model alarms are named \`${monitor.alarmPrefix}-<model>-drift|quality\`. The alarm states below are those of the models in this stack; models in other stacks (ModelFactory shards) show theirs on their shard dashboards.`,
          width: 24, height: 2,
        })],
        [
          query(`Most drifted models (top ${top})`,
            `SELECT MAX(${METRIC.driftedFeatureCount}) FROM SCHEMA("${ns}", ModelName) GROUP BY ModelName ORDER BY MAX() DESC LIMIT ${top}`, period),
          query(`Most quality breaches (top ${top})`,
            `SELECT MAX(${METRIC.qualityBreachCount}) FROM SCHEMA("${ns}", ModelName) GROUP BY ModelName ORDER BY MAX() DESC LIMIT ${top}`, period),
        ],
        [
          query('Retrains per day by outcome',
            `SELECT SUM(RetrainOutcome) FROM SCHEMA("${retrainNs}", ModelName, Outcome) GROUP BY Outcome`, Duration.days(1),
            { stacked: true, view: cloudwatch.GraphWidgetView.BAR }),
          new cloudwatch.GraphWidget({
            title: 'Monitored and unmonitored models', width: 12, height: 6,
            left: [monitor.metricMonitoredModels({ label: 'monitored' }), monitor.metricUnmonitoredModels({ label: 'unmonitored' })],
            leftAnnotations: [monitor.healthAlarm.toAnnotation()],
          }),
        ],
        [new AlarmStatusWidgets(() => this.alarmNames.map((n) => alarmArn(Stack.of(this), n)))],
      ],
    });
  }

  /**
   * Shows the model's drift (and quality) alarm in the alarm status widgets when the model is in this
   * dashboard's stack. A model registered in another stack (a ModelFactory shard) is left to that stack's
   * {@link ShardDashboard}: the fleet's template stays the same size however many models it has.
   */
  public addModel(model: MonitoredModel): void {
    if (Stack.of(model) !== Stack.of(this)) return;
    this.alarmNames.push(`${this.alarmPrefix}-${model.modelName}-drift`);
    if (model.qualityAlarm) this.alarmNames.push(`${this.alarmPrefix}-${model.modelName}-quality`);
  }
}
