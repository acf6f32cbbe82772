import { driftCommand } from './drift';
import { simulate } from './simulate';
import { approveCommand, historyCommand, labelsCommand, rejectCommand, retrainCommand, rollbackCommand, statusCommand } from './ops';

/** A subcommand of the `cdk-mlops` CLI. */
export interface Command {
  /** One line for the usage text. */
  readonly summary: string;
  /** Runs the command with its arguments; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Every subcommand, by name. */
export const COMMANDS: Record<string, Command> = {
  drift: driftCommand,
  simulate,
  status: statusCommand,
  approve: approveCommand,
  reject: rejectCommand,
  retrain: retrainCommand,
  rollback: rollbackCommand,
  history: historyCommand,
  labels: labelsCommand,
};
