/** Validation rules shared by DriftMonitor and MonitoredModel. */
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { checkInt, invalid, isToken } from '../../core/validation';

export const NAMESPACE_RE = /^[A-Za-z0-9._/#:-][A-Za-z0-9 ._/#:-]{0,254}$/;
export const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const VARIANT_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const PREDICTION_PATH_RE = /^$|^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/;
export const HOURS_DIVIDING_DAY = [1, 2, 3, 4, 6, 8, 12, 24];
const S3_PREFIX_RE = /^$|^[^/].*\/$/;
/** CloudWatch evaluates at most 7 days of periods. */
const MAX_ALARM_WINDOW_SECONDS = 604_800;

/** An S3 key prefix: empty, or ending in "/" and not starting with "/". */
export function checkS3Prefix(scope: Construct, prop: string, prefix: string): void {
  if (isToken(prefix)) return;
  if (!S3_PREFIX_RE.test(prefix) || prefix.length > 512) invalid(scope, prop, prefix, 'must be empty or a key prefix ending in "/" and not starting with "/"');
}

/** Evaluation periods and datapoints to alarm of a model alarm, within CloudWatch's 7-day window. */
export function checkAlarmWindow(scope: Construct, propPrefix: string, evaluationPeriods: number, datapointsToAlarm: number, period: Duration): void {
  checkInt(scope, `${propPrefix}evaluationPeriods`, evaluationPeriods, 1);
  checkInt(scope, `${propPrefix}datapointsToAlarm`, datapointsToAlarm, 1, evaluationPeriods);
  if (evaluationPeriods * period.toSeconds() > MAX_ALARM_WINDOW_SECONDS) {
    invalid(scope, `${propPrefix}evaluationPeriods`, evaluationPeriods, `times the schedule (${period.toHumanString()}) must be at most 7 days (CloudWatch's alarm evaluation limit)`);
  }
}
