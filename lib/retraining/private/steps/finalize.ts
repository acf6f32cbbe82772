// The end of every path: the lock released, the outcome metric and notification, success or failure.
import { RetrainOutcome } from '../../retrain-trigger-options';
import { DefinitionContext, retry, DDB_TRANSIENT, IDEMPOTENT } from './context';

/** The end of every path: the lock released, the outcome metric and notification, success or failure. */
export function addFinalizeStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 7. finalize: release the lock, metric, notification ----------------------------
  S.Finalize = {
    Type: 'Choice',
    Choices: [{ Variable: '$.lock.held', BooleanEquals: true, Next: 'ReleaseLock' }],
    Default: 'PublishOutcomeMetric',
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
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.lockError', Next: 'PublishOutcomeMetric' }],
    Next: 'PublishOutcomeMetric',
  });
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
    Retry: [retry(IDEMPOTENT)],
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
        'state.$': 'States.JsonToString($)',
      },
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'retrain-outcome' },
        outcome: { 'DataType': 'String', 'StringValue.$': '$.outcome' },
      },
    },
    ResultPath: null,
    Retry: [retry(['Sns.ThrottledException', 'Sns.InternalErrorException', 'SNS.ThrottledException', 'SNS.InternalErrorException', 'States.Timeout'], 5)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: 'OutcomeIsFailure' }],
    Next: 'OutcomeIsFailure',
  });
  S.OutcomeIsFailure = {
    Type: 'Choice',
    Choices: [{ Variable: '$.outcome', StringEquals: RetrainOutcome.FAILED, Next: 'RetrainFailed' }],
    Default: 'Done',
  };
  S.RetrainFailed = { Type: 'Fail', Error: 'RetrainFailed', Cause: 'see the outcome notification; the lock was released and the champion kept' };
  S.Done = { Type: 'Succeed', OutputPath: '$' };
}
