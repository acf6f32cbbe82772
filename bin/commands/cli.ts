/**
 * What every `cdk-mlops` command shares: the exit codes, the error type, the one error
 * prefix, and a small option parser. A command never calls `process.exit` and never prints
 * its own error prefix: it throws {@link CliError} (or returns an exit code) and the
 * dispatcher (`runCommand` in ./index.ts) prints `cdk-mlops: error: <message>`.
 */

/**
 * Exit codes of every command (documented in the README's CLI section and `cdk-mlops --help`).
 */
export const EXIT = {
  /** Success: the command did what was asked (`drift` without `--fail-on-drift` exits 0 even when features drifted). */
  OK: 0,
  /** The check failed: drift found with `drift --fail-on-drift`; a `simulate` scenario did not end as expected or broke an invariant. */
  FAILED: 1,
  /** Usage or input error: unknown command or option, a missing or malformed file, an invalid scenario or feature spec. */
  USAGE: 2,
  /** Internal error: a bug in cdk-mlops (the message says what failed; please report it). */
  INTERNAL: 3,
  /** An AWS call failed: access denied, throttled after retries, a service error, no such bucket. */
  AWS: 4,
  /** No AWS credentials or region in the standard chain (or for `--profile`), or credentials rejected. */
  NO_CREDENTIALS: 5,
  /** The model, the loop (operations record) or the model version named does not exist. */
  NOT_FOUND: 6,
  /** `approve`/`reject`: the model has no pending approval. */
  NO_PENDING_APPROVAL: 7,
  /** `approve`/`reject`: the approval request expired (TaskTimedOut) or was answered meanwhile. */
  APPROVAL_EXPIRED: 8,
  /** The deployed loop or model does not support the operation (e.g. labels without quality monitoring). */
  UNSUPPORTED: 9,
} as const;

/** The exit codes as the help texts print them. */
export const EXIT_CODES_HELP = [
  'exit codes:',
  `  ${EXIT.OK}  success`,
  `  ${EXIT.FAILED}  the check failed: drift found (drift --fail-on-drift), a scenario did not end as expected`,
  '     (simulate), some rows were rejected (labels put)',
  `  ${EXIT.USAGE}  usage or input error: unknown command or option, unreadable or malformed input file`,
  `  ${EXIT.INTERNAL}  internal error (a bug in cdk-mlops; please report it with the message)`,
  `  ${EXIT.AWS}  an AWS call failed (access denied, throttled, service error, no such bucket)`,
  `  ${EXIT.NO_CREDENTIALS}  no AWS credentials or region, or the credentials were rejected`,
  `  ${EXIT.NOT_FOUND}  no such model, loop or model version`,
  `  ${EXIT.NO_PENDING_APPROVAL}  approve/reject: nothing is waiting for an approval`,
  `  ${EXIT.APPROVAL_EXPIRED}  approve/reject: the approval request expired or was answered meanwhile`,
  `  ${EXIT.UNSUPPORTED}  the deployed loop or model does not support the operation`,
].join('\n');

/** The prefix of every error line. */
export const ERROR_PREFIX = 'cdk-mlops: error: ';
/** The prefix of every warning line. */
export const WARNING_PREFIX = 'cdk-mlops: warning: ';

/** A user-facing error: printed as `cdk-mlops: error: <message>` (no stack), exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode: number = EXIT.USAGE) {
    super(message);
    this.name = 'CliError';
  }
}

/** Prints a warning on stderr (never on stdout, so `--json` output stays JSON only). */
export function warn(message: string): void {
  console.error(`${WARNING_PREFIX}${message}`);
}

/** Prints an error on stderr with the one error prefix. */
export function printError(message: string): void {
  console.error(`${ERROR_PREFIX}${message}`);
}

/** The options a command takes: flag (with its dashes) -> whether it takes a value. */
export type OptionSpec = Record<string, 'value' | 'flag'>;

/** Parsed options: flag (without dashes) -> value (`true` for a flag). */
export interface ParsedArgs {
  readonly options: Record<string, string | true>;
  readonly positionals: string[];
}

/**
 * Parses `argv` against a command's option spec: `--name value`, `--name=value`, flags; a
 * repeated option, an unknown option, a missing value or (unless `allowPositionals`) a
 * positional argument is a usage error. `--` ends the options. `--help`/`-h` are handled
 * by the dispatcher before the command runs.
 */
export function parseArgs(argv: string[], spec: OptionSpec, opts: { allowPositionals?: boolean } = {}): ParsedArgs {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (!opts.allowPositionals) throw new CliError(`unexpected argument "${a}"`);
      positionals.push(a);
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const kind = spec[flag];
    if (!kind) {
      const known = Object.keys(spec);
      throw new CliError(`unknown option "${flag}"${known.length ? ` (options: ${known.join(', ')})` : ''}`);
    }
    const key = flag.replace(/^-+/, '');
    if (key in options) throw new CliError(`option ${flag} given twice`);
    if (kind === 'flag') {
      if (eq > 0) throw new CliError(`option ${flag} takes no value`);
      options[key] = true;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new CliError(`option ${flag} needs a value`);
      i++;
    }
    if (value === '') throw new CliError(`option ${flag} needs a non-empty value`);
    options[key] = value;
  }
  return { options, positionals };
}

/** Whether `argv` asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
