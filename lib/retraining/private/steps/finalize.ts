// The end of every path: the lock released, problems counted, the outcome metric and notification, success or failure.
import { RetrainOutcome } from '../../retrain-trigger-options';
import { AslState, CLOUDWATCH_TRANSIENT, DDB_TRANSIENT, DefinitionContext, retry, SNS_TRANSIENT } from './context';

/** Metric (trigger namespace) counting executions that could not release their model's lock. */
export const LOCK_RELEASE_FAILURES_METRIC = 'LockReleaseFailures';
/** Metric counting executions that ended with the registry, the Deployments, the traffic or the monitor baseline disagreeing with the champion. */
export const INCONSISTENT_STATE_METRIC = 'InconsistentState';
/** Metric counting outcome notifications that could not be published. */
export const NOTIFICATION_FAILURES_METRIC = 'NotificationFailures';

/** What a cleanup could not restore (`$.problems.<key>`, written by the Catch of the restore). */
export const INCONSISTENCY_KEYS = ['registry', 'primary', 'canary', 'traffic', 'monitorBaseline'];

/**
 * The end of every path: the lock released, problems counted, the outcome metric and notification, success or failure.
 *
 * Problems never change the outcome (the champion was kept or promoted as the outcome says); each one is kept in
 * the execution's output under `problems`, counted in a metric the RetrainTrigger alarms on, and named in the
 * notification. A failed count or notification goes on (best effort); a failed notification is counted.
 */
export function addFinalizeStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 7. finalize: release the lock, count problems, metric, notification ----------------------------
  S.Finalize = {
    Type: 'Choice',
    Choices: [{ Variable: '$.lock.held', BooleanEquals: true, Next: 'ReleaseLock' }],
    Default: 'LockProblem',
  };
  c.task('ReleaseLock', {
    Comment: 'Only the holder releases; the cooldown set at acquisition stays. The TTL is the backstop.',
    Resource: c.arn('dynamodb:updateItem'),
    Parameters: {
      TableName: c.p.tableName,
      Key: c.lockKey,
      UpdateExpression: 'REMOVE holder, lockedUntil SET lastOutcome = :outcome, lastExecution = :me',
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':me': { 'S.$': '$$.Execution.Name' }, ':outcome': { 'S.$': '$.outcome' } },
    },
    ResultSelector: { held: false, released: true },
    ResultPath: '$.lock',
    Retry: [retry(DDB_TRANSIENT, 6)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.problems.lock', Next: 'LockNotReleased' }],
    Next: 'LockProblem',
  });
  S.LockNotReleased = {
    Type: 'Pass',
    Comment: 'The model stays locked until the lock TTL (lockedUntil) passes: said in the output, counted, notified.',
    Result: { held: true, released: false },
    ResultPath: '$.lock',
    Next: 'LockProblem',
  };
  S.LockProblem = {
    Type: 'Choice',
    Choices: [{ Variable: '$.problems.lock', IsPresent: true, Next: 'CountLockReleaseFailure' }],
    Default: 'StateProblem',
  };
  c.task('CountLockReleaseFailure', problemCount(c, LOCK_RELEASE_FAILURES_METRIC, 'StateProblem'));
  S.StateProblem = {
    Type: 'Choice',
    Choices: [{ Or: INCONSISTENCY_KEYS.map((k) => ({ Variable: `$.problems.${k}`, IsPresent: true })), Next: 'CountInconsistentState' }],
    Default: 'PublishOutcomeMetric',
  };
  c.task('CountInconsistentState', problemCount(c, INCONSISTENT_STATE_METRIC, 'PublishOutcomeMetric'));
  c.task('PublishOutcomeMetric', {
    Resource: c.arn('aws-sdk:cloudwatch:putMetricData'),
    Parameters: {
      Namespace: c.p.metricNamespace,
      MetricData: [{
        MetricName: 'RetrainOutcome',
        Dimensions: [{ 'Name': 'ModelName', 'Value.$': '$.modelName' }, { 'Name': 'Outcome', 'Value.$': '$.outcome' }],
        Value: 1,
        Unit: 'Count',
      }],
    },
    ResultPath: null,
    Retry: [retry(CLOUDWATCH_TRANSIENT)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.metricError', Next: 'NotifyOutcome' }],
    Next: 'NotifyOutcome',
  });
  c.task('NotifyOutcome', {
    Resource: c.arn('sns:publish'),
    Parameters: {
      TopicArn: c.p.topicArn,
      'Subject.$': "States.Format('[cdk-mlops] retraining of {}: {}', $.modelName, $.outcome)",
      Message: {
        'kind': 'retrain-outcome',
        'modelName.$': '$.modelName',
        'outcome.$': '$.outcome',
        'execution.$': '$$.Execution.Id',
        'trigger.$': '$.trigger',
        'lock.$': '$.lock',
        // Empty when every step left a consistent state; otherwise what needs a person (see docs/retrain-trigger.md).
        'problems.$': '$.problems',
        'state.$': 'States.JsonToString($)',
      },
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'retrain-outcome' },
        outcome: { 'DataType': 'String', 'StringValue.$': '$.outcome' },
      },
    },
    ResultPath: null,
    Retry: [retry(SNS_TRANSIENT, 5)],
    // Best effort: the outcome stands; the failure is kept in the output and counted.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: 'CountNotificationFailure' }],
    Next: 'OutcomeIsFailure',
  });
  c.task('CountNotificationFailure', problemCount(c, NOTIFICATION_FAILURES_METRIC, 'OutcomeIsFailure'));
  S.OutcomeIsFailure = {
    Type: 'Choice',
    Choices: [{ Variable: '$.outcome', StringEquals: RetrainOutcome.FAILED, Next: 'RetrainFailed' }],
    Default: 'Done',
  };
  S.RetrainFailed = { Type: 'Fail', Error: 'RetrainFailed', Cause: 'see the outcome notification; the lock was released and the champion kept unless its problems say otherwise' };
  S.Done = { Type: 'Succeed', OutputPath: '$' };
}

/**
 * PutMetricData of one problem: 1 per state machine (what the trigger's alarm watches) and 1 per model (which
 * model), then `next`; a failed count goes on to `next` too (the problem stays in the output and the notification).
 */
function problemCount(c: DefinitionContext, metricName: string, next: string): AslState {
  return {
    Comment: `Counts ${metricName} (the RetrainTrigger alarms on it) and goes on.`,
    Resource: c.arn('aws-sdk:cloudwatch:putMetricData'),
    Parameters: {
      Namespace: c.p.metricNamespace,
      MetricData: [
        { 'MetricName': metricName, 'Dimensions': [{ 'Name': 'StateMachine', 'Value.$': '$$.StateMachine.Name' }], 'Value': 1, 'Unit': 'Count' },
        { 'MetricName': metricName, 'Dimensions': [{ 'Name': 'ModelName', 'Value.$': '$.modelName' }], 'Value': 1, 'Unit': 'Count' },
      ],
    },
    ResultPath: null,
    Retry: [retry(CLOUDWATCH_TRANSIENT)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next }],
    Next: next,
  };
}
