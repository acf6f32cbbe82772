import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DASHBOARD_LIMITS } from './widgets';

/**
 * Alarm status widgets of alarm ARNs known at synth, at most 100 alarms per widget (the alarm widget's
 * limit), stacked downwards from the widget's position: put it in the last row of a dashboard.
 */
export class AlarmStatusWidgets extends cloudwatch.ConcreteWidget {
  /** How many widgets `count` alarms take. */
  public static widgetsFor(count: number): number {
    return Math.ceil(count / DASHBOARD_LIMITS.alarmsPerAlarmWidget);
  }

  constructor(private readonly arns: () => string[], private readonly title = 'Alarms') {
    super(24, 6);
  }

  public toJson(): any[] {
    const per = DASHBOARD_LIMITS.alarmsPerAlarmWidget;
    const arns = this.arns();
    const out: any[] = [];
    for (let i = 0; i < arns.length; i += per) {
      out.push({
        type: 'alarm',
        width: this.width,
        height: this.height,
        x: this.x,
        y: (this.y ?? 0) + (i / per) * this.height,
        properties: {
          title: `${this.title}${arns.length > per ? ` (${i / per + 1}/${Math.ceil(arns.length / per)})` : ''}`,
          alarms: arns.slice(i, i + per),
          sortBy: 'stateUpdatedTimestamp',
        },
      });
    }
    return out;
  }
}
