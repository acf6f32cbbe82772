/**
 * The commands of the `cdk-mlops` CLI and its dispatcher.
 *
 * Adding a command:
 *  1. write `bin/commands/<name>.ts` exporting a {@link Command}: a one-line `summary`, the
 *     `usage` text (printed on stdout by `cdk-mlops <name> --help` and `cdk-mlops help <name>`),
 *     and `run(argv)`, which parses its options with `parseArgs` (./cli.ts) and resolves to an
 *     exit code from `EXIT` (./cli.ts);
 *  2. register it in {@link COMMANDS} below.
 * A command prints its results on stdout (with `--json`: one JSON document and nothing else)
 * and anything for humans on stderr. For a user mistake it throws `CliError(message, EXIT.USAGE)`;
 * the dispatcher prints `cdk-mlops: error: <message>` and exits with the code, so every command
 * shares one error prefix and the documented exit codes. Help flags are handled here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineCommand } from './baseline';
import { capacityCommand } from './capacity';
import { CliError, EXIT, EXIT_CODES_HELP, printError } from './cli';
import { driftCommand } from './drift';
import { approveCommand, historyCommand, labelsCommand, rejectCommand, retrainCommand, rollbackCommand, statusCommand } from './ops';
import { simulate } from './simulate';

/** A subcommand of the `cdk-mlops` CLI. */
export interface Command {
  /** One line for the command list of `cdk-mlops --help`. */
  readonly summary: string;
  /** The full help text (`cdk-mlops <name> --help`), starting with `usage: cdk-mlops <name> ...`. */
  readonly usage: string;
  /** Runs the command with its arguments (help flags already handled); resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Every subcommand, by name. */
export const COMMANDS: Record<string, Command> = {
  baseline: baselineCommand,
  capacity: capacityCommand,
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

/**
 * The version of the installed package, from its package.json: one level above the bundled
 * bin/cdk-mlops.js, two above this file when run from source.
 */
export function packageVersion(): string {
  for (const dir of [join(__dirname, '..'), join(__dirname, '..', '..')]) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg?.name === 'cdk-mlops' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not this folder
    }
  }
  throw new Error('cannot find the package.json of cdk-mlops beside bin/');
}

/** The top-level help text. */
export function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(10, ...names.map((n) => n.length + 2));
  return [
    'usage: cdk-mlops <command> [options]',
    '       cdk-mlops help [<command>] | --help | --version',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n].summary}`),
    '',
    'Run `cdk-mlops <command> --help` for the options of a command. Results go to stdout (with --json:',
    'one JSON document only); messages go to stderr, errors as "cdk-mlops: error: <message>".',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

/**
 * Runs one command: `--help`/`-h` anywhere in its arguments prints its usage on stdout (exit 0);
 * a {@link CliError} is printed with the one error prefix and its exit code; any other error
 * is an internal error (exit 3).
 */
export async function runCommand(name: string, argv: string[]): Promise<number> {
  const command = COMMANDS[name];
  if (!command) {
    printError(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see cdk-mlops --help)`);
    return EXIT.USAGE;
  }
  if (argv.some((a, i) => (a === '--help' || a === '-h') && !argv.slice(0, i).includes('--'))) {
    console.log(command.usage);
    return EXIT.OK;
  }
  try {
    return await command.run(argv);
  } catch (e) {
    return reportError(e, name);
  }
}

/** Prints an error thrown by a command; returns its exit code. */
export function reportError(e: unknown, command?: string): number {
  if (e instanceof CliError) {
    printError(e.exitCode === EXIT.USAGE && command && /^(unknown option|unexpected argument|option )/.test(e.message)
      ? `${e.message}; see cdk-mlops ${command} --help` : e.message);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  printError(`internal error${command ? ` in ${command}` : ''}: ${err.message}`);
  if (process.env.CDK_MLOPS_DEBUG) console.error(err.stack);
  return EXIT.INTERNAL;
}

/** The whole CLI: `cdk-mlops <argv...>`; resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(usage());
    return EXIT.USAGE;
  }
  if (name === '--help' || name === '-h') {
    console.log(usage());
    return EXIT.OK;
  }
  if (name === 'help') {
    if (rest.length === 0) {
      console.log(usage());
      return EXIT.OK;
    }
    const command = COMMANDS[rest[0]];
    if (!command || rest.length > 1) {
      printError(rest.length > 1 ? 'help takes one command name' : `unknown command "${rest[0]}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
      return EXIT.USAGE;
    }
    console.log(command.usage);
    return EXIT.OK;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    if (rest.length > 0) {
      printError(`${name} takes no arguments`);
      return EXIT.USAGE;
    }
    console.log(packageVersion());
    return EXIT.OK;
  }
  if (name.startsWith('-')) {
    printError(`unknown option "${name}" (see cdk-mlops --help)`);
    return EXIT.USAGE;
  }
  return runCommand(name, rest);
}
