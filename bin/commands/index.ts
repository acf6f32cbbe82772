import { capacityCommand } from './capacity';
import { driftCommand } from './drift';
import { simulate } from './simulate';

/** A subcommand of the `cdk-mlops` CLI. */
export interface Command {
  /** One line for the usage text. */
  readonly summary: string;
  /** Runs the command with its arguments; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Every subcommand, by name. */
export const COMMANDS: Record<string, Command> = {
  capacity: capacityCommand,
  drift: driftCommand,
  simulate,
};
