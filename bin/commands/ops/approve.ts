/**
 * `cdk-mlops approve <model>` and `cdk-mlops reject <model> --reason ...`: answer the model's pending
 * approval request. The retraining state machine waits in `RequestApproval` (sns:publish.waitForTaskToken);
 * its task token is read from the execution history, and answered with SendTaskSuccess
 * `{"approved":true,...}` (the definition's ApprovalDecision goes on to training) or SendTaskFailure
 * with error `Rejected` (the definition's Catch ends it as `not-approved`).
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { Command } from '../index';
import { AwsClients, checkModelName, COMMON_FLAGS_HELP, EXIT, operatorName, OpsError, ParsedArgs, positionals, runCommand, when } from './common';
import { executionNamePattern, findLoops, findModel, listExecutions, runningState, RunningState } from './discovery';

const APPROVE_USAGE = `usage: cdk-mlops approve <model> [--comment <text>] [--as <name>] [common options]

Answers the model's pending approval request: the retrain goes on to training.

${COMMON_FLAGS_HELP}`;
const REJECT_USAGE = `usage: cdk-mlops reject <model> --reason <text> [--as <name>] [common options]

Answers the model's pending approval request with "Rejected": the retrain ends as not-approved.

${COMMON_FLAGS_HELP}`;

/** The model's pending approval (newest running execution waiting on its token); exit 5 when none. */
export async function pendingApproval(aws: AwsClients, args: ParsedArgs, name: string): Promise<RunningState & { pendingApproval: NonNullable<RunningState['pendingApproval']> }> {
  const loops = await findLoops(args, aws);
  const model = await findModel(name, loops, aws, args);
  const re = executionNamePattern(name);
  const running = (await listExecutions(aws, model.loop, { status: 'RUNNING', limit: 1000 })).filter((e) => re.test(e.name ?? ''));
  for (const e of running) {
    const state = await runningState(aws, e);
    if (state.input?.modelName !== undefined && state.input.modelName !== name) continue;
    if (state.pendingApproval) return state as RunningState & { pendingApproval: NonNullable<RunningState['pendingApproval']> };
  }
  const why = model.retrain?.approvalRequired === false
    ? ` (its retrains do not ask for approval: requireApproval is false in its record)`
    : running.length ? ` (its running retrain ${running[0].name} is not waiting for an approval)` : ' (no retrain of it is running)';
  throw new OpsError(`no pending approval for model "${name}"${why}`, EXIT.NO_PENDING_APPROVAL);
}

function explainAnswerError(e: unknown, state: RunningState): never {
  const n = (e as Error).name;
  if (n === 'TaskTimedOut') {
    throw new OpsError(`the approval request of ${state.name} (sent ${when(state.pendingApproval?.since)}) expired before the answer arrived (TaskTimedOut): `
      + 'the retrain ends as not-approved; request a new one with `cdk-mlops retrain <model>`', EXIT.APPROVAL_EXPIRED);
  }
  if (n === 'TaskDoesNotExist' || n === 'InvalidToken') {
    throw new OpsError(`the approval request of ${state.name} is no longer open (${n}): it was answered, expired, or the execution stopped`, EXIT.APPROVAL_EXPIRED);
  }
  throw e;
}

async function answer(args: ParsedArgs, aws: AwsClients, approve: boolean, usage: string): Promise<number> {
  const [name] = positionals(args, 1, 'one model name', usage);
  checkModelName(name, usage);
  const reason = args.values.get('--reason');
  if (!approve && (reason === undefined || reason.trim() === '')) throw new OpsError(`--reason is required to reject\n${usage}`, EXIT.USAGE);
  const who = operatorName(args);
  const state = await pendingApproval(aws, args, name);
  try {
    if (approve) {
      const comment = args.values.get('--comment');
      await aws.sfn.send(new SendTaskSuccessCommand({
        taskToken: state.pendingApproval.taskToken,
        output: JSON.stringify({ approved: true, approvedBy: who, ...(comment ? { comment: comment.slice(0, 1024) } : {}) }),
      }));
    } else {
      await aws.sfn.send(new SendTaskFailureCommand({
        taskToken: state.pendingApproval.taskToken,
        error: 'Rejected',
        cause: `rejected by ${who}: ${reason}`.slice(0, 32768),
      }));
    }
  } catch (e) {
    explainAnswerError(e, state);
  }
  console.log(approve
    ? `approved the retrain of ${name} (${state.name}, waiting since ${when(state.pendingApproval.since)}): training starts now`
    : `rejected the retrain of ${name} (${state.name}): it ends as not-approved and releases the lock`);
  return EXIT.OK;
}

export const approveCommand: Command = {
  summary: 'approve the pending retrain of a model',
  usage: APPROVE_USAGE,
  run: (argv) => runCommand('approve', APPROVE_USAGE, argv, { values: ['--comment', '--as'] }, (args, aws) => answer(args, aws, true, APPROVE_USAGE)),
};

export const rejectCommand: Command = {
  summary: 'reject the pending retrain of a model (--reason required)',
  usage: REJECT_USAGE,
  run: (argv) => runCommand('reject', REJECT_USAGE, argv, { values: ['--reason', '--as'] }, (args, aws) => answer(args, aws, false, REJECT_USAGE)),
};
