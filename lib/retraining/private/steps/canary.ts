// The canary: the candidate on the canary variant, traffic shifted, alarms checked while it bakes.
import { CANARY_METRIC_MAX_DATAPOINTS, CANARY_METRIC_RESULT_ID, recordPath } from '../../../contracts/retrain-record';
import { DefinitionContext, retry, CLOUDWATCH_TRANSIENT } from './context';

/**
 * The `HistorySummary` CloudWatch gives a `StateUpdate` history item ("Alarm updated from OK to ALARM", the
 * DescribeAlarmHistory examples of the CloudWatch API reference): a transition into or out of ALARM.
 */
export const ALARM_TRANSITION_SUMMARIES = ['OK', 'INSUFFICIENT_DATA'].flatMap((other) => [
  `Alarm updated from ${other} to ALARM`, `Alarm updated from ALARM to ${other}`,
]);
/**
 * One page of DescribeAlarmHistory (MaxRecords, 1-100). A full page is judged as an alarm: the window may hold more
 * transitions, and 25 state changes of one canary alarm since the bake started is a failing canary anyway. Kept
 * small for the 256 KiB limit of a Task's result (each item carries its HistoryData, about 1-3 KB for a metric
 * alarm, more with many evaluated datapoints): a result over it fails with States.DataLimitExceeded, which no Catch
 * handles (the cleanup would not run).
 */
export const ALARM_HISTORY_PAGE = 25;

/** The canary: the candidate on the canary variant, traffic shifted, alarms checked while it bakes. */
export function addCanaryStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 5. canary ----------------------------------------------------------------
  S.MarkCanaryTouched = { Type: 'Pass', Result: { touched: true }, ResultPath: '$.canary', Next: 'PatchCanary' };
  c.task('PatchCanary', {
    Comment: 'Points the canary variant at the candidate (pod-template annotations read by the model init container).',
    ...c.kubeCall('PATCH', c.deploymentPath('canaryDeployment'), c.modelPatch('$.candidate')),
    ResultPath: null,
    Catch: [c.catchAll()],
    Next: 'InitCanaryPoll',
  });
  c.rolloutLoop('Canary', c.kubeCall('GET', c.deploymentPath('canaryDeployment')), 'ShiftTraffic', 'CanaryNotReady');
  S.CanaryNotReady = { Type: 'Pass', Result: 'canary did not become ready', ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
  c.task('ShiftTraffic', {
    Comment: 'Weights on the ALB Ingress (precomputed patch in the per-model record).',
    ...c.kubeCall('PATCH', c.ingressPath, undefined, recordPath('eks', 'ingressCanaryPatch')),
    ResultPath: null,
    Catch: [c.catchAll()],
    Next: 'InitBake',
  });
  // The bake's start (the window every history check reads from): when traffic has just shifted to the canary.
  S.InitBake = { Type: 'Pass', Parameters: { 'n': 0, 'startedAt.$': '$$.State.EnteredTime' }, ResultPath: '$.bake', Next: 'Bake' };
  S.Bake = { Type: 'Wait', SecondsPath: recordPath('bakeIntervalSeconds'), Next: 'CanaryAlarmsToCheck' };
  // A model judged by canary metrics only has no canary alarm: DescribeAlarms without names would return every alarm.
  S.CanaryAlarmsToCheck = {
    Type: 'Choice',
    Choices: [{ Variable: `${recordPath('canaryAlarmNames')}[0]`, IsPresent: true, Next: 'CheckCanaryAlarms' }],
    Default: 'CanaryMetricsToCheck',
  };
  c.task('CheckCanaryAlarms', {
    Comment: 'Error rate, latency and quality alarms of the canary; only those in ALARM now come back.',
    Resource: c.arn('aws-sdk:cloudwatch:describeAlarms'),
    Parameters: { 'AlarmNames.$': recordPath('canaryAlarmNames'), 'AlarmTypes': ['MetricAlarm', 'CompositeAlarm'], 'StateValue': 'ALARM' },
    ResultPath: '$.bakeCheck',
    Retry: [retry(CLOUDWATCH_TRANSIENT)],
    Catch: [c.catchAll()],
    Next: 'CanaryHealthy',
  });
  S.CanaryHealthy = {
    Type: 'Choice',
    Choices: [
      { Or: [{ Variable: '$.bakeCheck.MetricAlarms[0]', IsPresent: true }, { Variable: '$.bakeCheck.CompositeAlarms[0]', IsPresent: true }], Next: 'CanaryAlarm' },
    ],
    Default: 'InitAlarmHistoryCheck',
  };
  addAlarmHistoryStates(c);
  S.CanaryAlarmInHistory = { Type: 'Pass', Result: 'canary alarm (in ALARM since the bake started)', ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
  S.CanaryAlarm = { Type: 'Pass', Result: 'canary alarm', ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
  addCanaryMetricStates(c);
  S.CountBake = { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.bake.n, 1)', 'startedAt.$': '$.bake.startedAt' }, ResultPath: '$.bake', Next: 'BakeDone' };
  S.BakeDone = {
    Type: 'Choice',
    Choices: [{ Variable: '$.bake.n', NumericGreaterThanEqualsPath: recordPath('bakeChecks'), Next: 'MarkPrimaryTouched' }],
    Default: 'Bake',
  };
}

/**
 * Every check also reads each canary alarm's history since the bake started (DescribeAlarmHistory takes ONE alarm
 * name, so a loop over the record's names, stopping at the first alarm): an alarm that went to ALARM and back to
 * OK between two checks, or that was in ALARM when the bake started, fails the canary as one in ALARM now does.
 *
 * The history items' summaries are matched as tokens: the JSON of the items split at `"` (one character, the same
 * in Step Functions and the local interpreter) holds each `HistorySummary` as one whole token; `HistoryData` is
 * escaped JSON there, so none of its tokens can equal a summary. Metric alarms only (the API's default
 * `AlarmTypes`): a composite alarm's history needs DescribeAlarmHistory on `*`, so composite canary alarms are
 * judged by their current state (CheckCanaryAlarms).
 */
function addAlarmHistoryStates(c: DefinitionContext): void {
  const S = c.S;
  const names = recordPath('canaryAlarmNames');
  S.InitAlarmHistoryCheck = {
    Type: 'Pass',
    Parameters: { 'i': 0, 'last.$': `States.MathAdd(States.ArrayLength(${names}), -1)` },
    ResultPath: '$.alarmHistory',
    Next: 'CheckCanaryAlarmHistory',
  };
  const tokens = "States.StringSplit(States.JsonToString($.AlarmHistoryItems), '\"')";
  c.task('CheckCanaryAlarmHistory', {
    Comment: 'The state changes of one canary alarm since the bake started (newest first, one page).',
    Resource: c.arn('aws-sdk:cloudwatch:describeAlarmHistory'),
    Parameters: {
      'AlarmName.$': `States.ArrayGetItem(${names}, $.alarmHistory.i)`,
      'HistoryItemType': 'StateUpdate',
      'StartDate.$': '$.bake.startedAt',
      'ScanBy': 'TimestampDescending',
      'MaxRecords': ALARM_HISTORY_PAGE,
    },
    ResultSelector: {
      'records.$': 'States.ArrayLength($.AlarmHistoryItems)',
      ...Object.fromEntries(ALARM_TRANSITION_SUMMARIES.map((summary, i) => [`t${i}.$`, `States.ArrayContains(${tokens}, '${summary}')`])),
    },
    ResultPath: '$.alarmHistoryCheck',
    Retry: [retry(CLOUDWATCH_TRANSIENT)],
    Catch: [c.catchAll()],
    Next: 'AlarmHistoryClean',
  });
  // Three states per alarm (the last one two): the history budget of a bake grows by about 6 events per alarm and check.
  S.AlarmHistoryClean = {
    Type: 'Choice',
    Choices: [{
      Or: [
        ...ALARM_TRANSITION_SUMMARIES.map((_, i) => ({ Variable: `$.alarmHistoryCheck.t${i}`, BooleanEquals: true })),
        { Variable: '$.alarmHistoryCheck.records', NumericGreaterThanEquals: ALARM_HISTORY_PAGE },
      ],
      Next: 'CanaryAlarmInHistory',
    }, {
      Variable: '$.alarmHistory.i', NumericGreaterThanEqualsPath: '$.alarmHistory.last', Next: 'CanaryMetricsToCheck',
    }],
    Default: 'NextAlarmHistory',
  };
  S.NextAlarmHistory = {
    Type: 'Pass',
    Parameters: { 'i.$': 'States.MathAdd($.alarmHistory.i, 1)', 'last.$': '$.alarmHistory.last' },
    ResultPath: '$.alarmHistory',
    Next: 'CheckCanaryAlarmHistory',
  };
}

/** The rollback reason when a canary metric breached during the bake. */
export const CANARY_METRIC_REASON = 'canary metric over threshold since the bake started';
/** The rollback reason when GetMetricData could not read the canary metrics completely. */
export const CANARY_METRIC_UNREADABLE_REASON = 'canary metric could not be read completely since the bake started';

/**
 * After the alarm checks of every bake check, the model's canary METRICS (record field `canaryMetricQueries`; a model
 * without it skips this, and makes no call): one GetMetricData over [bake start, now]
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html). CloudWatch rounds the
 * start down to the whole minute (periods of 60 s and more), the end is exclusive, and a period with no datapoint has
 * no value, so missing data never breaches. The queries return ONE series (`breach`: the running count of periods
 * that reached their threshold), newest first, so its first value is the count over the whole window: one number,
 * compared with NumericGreaterThan (the SDK returns Doubles; no equality with an integer literal is needed). At most
 * CANARY_METRIC_MAX_PERIODS + 60 datapoints (the bake is validated to span at most CANARY_METRIC_MAX_PERIODS
 * periods): one page, well under the 256 KiB of a Task result. Anything but a `Complete` read (PartialData,
 * InternalError, Forbidden) fails the canary too: an unread window is not a clean one. Each comparison is its own
 * Choice behind an IsPresent one: an empty series (no data) has no first value to compare.
 */
function addCanaryMetricStates(c: DefinitionContext): void {
  const S = c.S;
  S.CanaryMetricsToCheck = {
    Type: 'Choice',
    Choices: [{ Variable: recordPath('canaryMetricQueries'), IsPresent: true, Next: 'CheckCanaryMetrics' }],
    Default: 'CountBake',
  };
  c.task('CheckCanaryMetrics', {
    Comment: 'The canary\'s own metrics since the bake started: how many periods reached their threshold (precomputed queries in the per-model record).',
    Resource: c.arn('aws-sdk:cloudwatch:getMetricData'),
    Parameters: {
      'MetricDataQueries.$': recordPath('canaryMetricQueries'),
      'StartTime.$': '$.bake.startedAt',
      'EndTime.$': '$$.State.EnteredTime',
      'ScanBy': 'TimestampDescending',
      'MaxDatapoints': CANARY_METRIC_MAX_DATAPOINTS,
    },
    ResultSelector: {
      'counts.$': '$.MetricDataResults[0].Values',
      'status.$': '$.MetricDataResults[0].StatusCode',
      'id.$': '$.MetricDataResults[0].Id',
    },
    ResultPath: '$.metricCheck',
    Retry: [retry(CLOUDWATCH_TRANSIENT)],
    Catch: [c.catchAll()],
    Next: 'CanaryMetricsHealthy',
  });
  S.CanaryMetricsHealthy = {
    Type: 'Choice',
    Choices: [{ Variable: '$.metricCheck.counts[0]', IsPresent: true, Next: 'CanaryMetricCount' }],
    Default: 'CanaryMetricsComplete',
  };
  S.CanaryMetricCount = {
    Type: 'Choice',
    Choices: [{ Variable: '$.metricCheck.counts[0]', NumericGreaterThan: 0, Next: 'CanaryMetricOverThreshold' }],
    Default: 'CanaryMetricsComplete',
  };
  S.CanaryMetricsComplete = {
    Type: 'Choice',
    Choices: [{
      Not: { And: [{ Variable: '$.metricCheck.status', StringEquals: 'Complete' }, { Variable: '$.metricCheck.id', StringEquals: CANARY_METRIC_RESULT_ID }] },
      Next: 'CanaryMetricUnreadable',
    }],
    Default: 'CountBake',
  };
  S.CanaryMetricOverThreshold = { Type: 'Pass', Result: CANARY_METRIC_REASON, ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
  S.CanaryMetricUnreadable = { Type: 'Pass', Result: CANARY_METRIC_UNREADABLE_REASON, ResultPath: '$.rollbackReason', Next: 'RestoreTrafficOnRollback' };
}
