// The optional human approval (SNS + task token).
import { SNS_RETRY_ERRORS } from '../../../contracts/integration-errors';
import { recordPath } from '../../../contracts/retrain-record';
import { RetrainOutcome } from '../../retrain-trigger-options';
import { DefinitionContext, retry } from './context';

/** The optional human approval (SNS + task token). */
export function addApprovalStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 3. optional human approval -------------------------------------------
  S.NeedsApproval = {
    Type: 'Choice',
    Choices: [{ Variable: recordPath('approvalRequired'), BooleanEquals: true, Next: 'RequestApproval' }],
    Default: 'TrainingContext',
  };
  c.task('RequestApproval', {
    Comment: 'Waits for a human: send-task-success {"approved":true} to go on, send-task-failure --error Rejected to stop.',
    Resource: c.arn('sns:publish.waitForTaskToken'),
    HeartbeatSeconds: c.p.approvalTimeoutSeconds,
    TimeoutSeconds: c.p.approvalTimeoutSeconds * 2,
    Parameters: {
      TopicArn: c.p.topicArn,
      'Subject.$': "States.Format('[cdk-mlops] approve retraining of {}?', $.modelName)",
      Message: {
        kind: 'approval-request',
        'modelName.$': '$.modelName',
        'trigger.$': '$.trigger',
        'champion.$': '$.champion',
        'execution.$': '$$.Execution.Id',
        'taskToken.$': '$$.Task.Token',
        'approve': 'aws stepfunctions send-task-success --task-token "$TASK_TOKEN" --task-output \'{"approved":true}\'',
        'reject': 'aws stepfunctions send-task-failure --task-token "$TASK_TOKEN" --error Rejected --cause "<why>"',
        'moreTime': 'aws stepfunctions send-task-heartbeat --task-token "$TASK_TOKEN"',
        'note': 'set TASK_TOKEN to the taskToken field above; without an answer (or a heartbeat) the request expires as not approved',
      },
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'approval-request' } },
    },
    ResultPath: '$.approval',
    Retry: [retry([...SNS_RETRY_ERRORS])],
    Catch: [
      { ErrorEquals: ['Rejected'], ResultPath: '$.approvalError', Next: 'NotApproved' },
      { ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'], ResultPath: '$.approvalError', Next: 'NotApproved' },
      c.catchAll(),
    ],
    Next: 'ApprovalDecision',
  });
  S.ApprovalDecision = {
    Type: 'Choice',
    Choices: [{ And: [{ Variable: '$.approval.approved', IsPresent: true }, { Variable: '$.approval.approved', BooleanEquals: true }], Next: 'TrainingContext' }],
    Default: 'NotApproved',
  };
  c.outcome('NotApproved', RetrainOutcome.NOT_APPROVED, 'Finalize');
}
