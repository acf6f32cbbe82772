/**
 * What every operator command shares: exit codes, the argument parser, the AWS clients (standard
 * credential and region chain, `--profile`, `--region`) and the translation of SDK errors into one
 * clear message and a documented exit code (docs/operations.md).
 */
import { userInfo } from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CliError, EXIT as CLI_EXIT } from '../cli';

/**
 * Exit codes of the operator commands: the CLI's one table (./cli.ts, docs/operations.md "Exit codes"),
 * under the names these commands use.
 */
export const EXIT = {
  OK: CLI_EXIT.OK,
  /** `labels put`: some rows were rejected (the accepted ones were written unless `--dry-run`). */
  ROWS_REJECTED: CLI_EXIT.FAILED,
  USAGE: CLI_EXIT.USAGE,
  AWS_ERROR: CLI_EXIT.AWS,
  NO_CREDENTIALS: CLI_EXIT.NO_CREDENTIALS,
  NOT_FOUND: CLI_EXIT.NOT_FOUND,
  NO_PENDING_APPROVAL: CLI_EXIT.NO_PENDING_APPROVAL,
  APPROVAL_EXPIRED: CLI_EXIT.APPROVAL_EXPIRED,
  UNSUPPORTED: CLI_EXIT.UNSUPPORTED,
} as const;

/** A user-facing failure: the dispatcher prints `cdk-mlops: error: <message>` and exits with `code`. */
export class OpsError extends CliError {
  constructor(message: string, code: number) {
    super(message, code);
  }

  public get code(): number {
    return this.exitCode;
  }
}

/** Flags every operator command takes. */
export const COMMON_FLAGS_HELP = `common options:
  --profile <name>            named profile of the shared AWS config/credentials files
  --region <region>           AWS region (default: the standard chain: AWS_REGION, the profile's region)
  --app <alarmPrefix>         the loop to use when the account has several (operations records under /cdk-mlops/operations/)
  --state-machine <arn>       the retraining state machine (instead of the operations record)
  --config-path <path>        the RetrainTrigger's per-model record path (instead of the operations record)
  --monitor-config-path <p>   the DriftMonitor's per-model config path (default: --config-path)
  --alarm-prefix <prefix>     model alarm prefix (default: derived from the config path)
  --package-group-prefix <p>  model package group prefix (e.g. mlops- in a ModelFactory; default: none)

exit codes: 0 done, 1 some rows rejected (labels put), 2 usage error, 4 AWS error, 5 no credentials,
            6 not found, 7 no pending approval, 8 approval expired, 9 not supported (docs/operations.md)`;

/** The value flags every command accepts (see {@link COMMON_FLAGS_HELP}). */
const COMMON_VALUE_FLAGS = ['--profile', '--region', '--app', '--state-machine', '--config-path', '--monitor-config-path', '--alarm-prefix', '--package-group-prefix'];

export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Map<string, string>;
  readonly flags: Set<string>;
  readonly help: boolean;
}

/**
 * Parses `argv` with the command's own value flags and boolean flags plus the common ones.
 * `--flag value` and `--flag=value` both work; an unknown option is a usage error.
 */
export function parseArgs(argv: string[], spec: { values?: string[]; flags?: string[]; usage: string }): ParsedArgs {
  const valueFlags = new Set([...COMMON_VALUE_FLAGS, ...(spec.values ?? [])]);
  const boolFlags = new Set(spec.flags ?? []);
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valueFlags.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--')) || v === '') throw new OpsError(`${name} needs a value\n${spec.usage}`, EXIT.USAGE);
      values.set(name, v);
    } else if (boolFlags.has(name) && eq < 0) {
      flags.add(name);
    } else {
      throw new OpsError(`unknown option "${a}"\n${spec.usage}`, EXIT.USAGE);
    }
  }
  return { positional, values, flags, help };
}

/** The SDK clients a command uses, created lazily with the same region, profile and retry settings. */
export class AwsClients {
  private readonly cache = new Map<string, unknown>();
  constructor(private readonly options: { region?: string; profile?: string }) {}

  private get config(): Record<string, unknown> {
    return {
      ...(this.options.region ? { region: this.options.region } : {}),
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      maxAttempts: 4,
    };
  }

  private get<T>(name: string, make: () => T): T {
    if (!this.cache.has(name)) this.cache.set(name, make());
    return this.cache.get(name) as T;
  }

  public get ssm(): SSMClient { return this.get('ssm', () => new SSMClient(this.config)); }
  public get sfn(): SFNClient { return this.get('sfn', () => new SFNClient(this.config)); }
  public get cloudwatch(): CloudWatchClient { return this.get('cloudwatch', () => new CloudWatchClient(this.config)); }
  public get sagemaker(): SageMakerClient { return this.get('sagemaker', () => new SageMakerClient(this.config)); }
  public get events(): EventBridgeClient { return this.get('events', () => new EventBridgeClient(this.config)); }
  public get s3(): S3Client { return this.get('s3', () => new S3Client(this.config)); }

  /** Closes the clients' connection pools (so the process can exit at once). */
  public destroy(): void {
    for (const c of this.cache.values()) (c as { destroy(): void }).destroy();
  }
}

/** Clients from the common flags. */
export function clientsFrom(args: ParsedArgs): AwsClients {
  return new AwsClients({ region: args.values.get('--region'), profile: args.values.get('--profile') });
}

/** Turns an SDK error into one clear message and an exit code. */
export function explainAwsError(e: unknown, profile?: string): OpsError {
  if (e instanceof OpsError) return e;
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? 'Error';
  const message = err?.message ?? String(e);
  if (name === 'CredentialsProviderError' || /Could not load credentials|Unable to find credentials|profile .* could not be found|is not a valid profile/i.test(message)) {
    return new OpsError(`no AWS credentials${profile ? ` for profile "${profile}"` : ''}: ${message.split('\n')[0]} `
      + '(set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`)', EXIT.NO_CREDENTIALS);
  }
  if (/Region is missing/i.test(message)) {
    return new OpsError('no AWS region: pass --region, or set AWS_REGION, or give the profile a region', EXIT.NO_CREDENTIALS);
  }
  if (['ExpiredTokenException', 'ExpiredToken', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException'].includes(name)) {
    return new OpsError(`AWS rejected the credentials (${name}: ${message}); refresh them (e.g. \`aws sso login\`)`, EXIT.NO_CREDENTIALS);
  }
  if (['AccessDeniedException', 'AccessDenied'].includes(name)) {
    return new OpsError(`access denied: ${message}`, EXIT.AWS_ERROR);
  }
  return new OpsError(`${name}: ${message}`, EXIT.AWS_ERROR);
}

/**
 * Runs a command body; a failure is thrown as an {@link OpsError} (a CliError) with one clear
 * message and its exit code, for the dispatcher to print. The clients are closed afterwards.
 */
export async function runCommand(_command: string, usage: string, argv: string[], spec: { values?: string[]; flags?: string[] },
  body: (args: ParsedArgs, aws: AwsClients) => Promise<number>): Promise<number> {
  let aws: AwsClients | undefined;
  let profile: string | undefined;
  try {
    const args = parseArgs(argv, { ...spec, usage });
    if (args.help) {
      console.log(usage);
      return EXIT.OK;
    }
    profile = args.values.get('--profile');
    aws = clientsFrom(args);
    return await body(args, aws);
  } catch (e) {
    throw explainAwsError(e, profile);
  } finally {
    aws?.destroy();
  }
}

/** Exactly `n` positional arguments, else a usage error. */
export function positionals(args: ParsedArgs, n: number, what: string, usage: string): string[] {
  if (args.positional.length !== n) throw new OpsError(`expected ${what}, got ${args.positional.length ? args.positional.map((p) => JSON.stringify(p)).join(' ') : 'nothing'}\n${usage}`, EXIT.USAGE);
  return args.positional;
}

/** A model name as the constructs accept it (DNS-1123 label). */
export function checkModelName(name: string, usage: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) throw new OpsError(`"${name}" is not a model name (a DNS-1123 label: lower-case letters, digits and "-")\n${usage}`, EXIT.USAGE);
  return name;
}

/** Who the operator is, for approvals and requests: `--as`, else $USER, else the OS user. */
export function operatorName(args: ParsedArgs): string {
  const given = args.values.get('--as') ?? process.env.USER ?? process.env.LOGNAME;
  if (given) return given.slice(0, 256);
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** ISO time without milliseconds, or `-`. */
export function when(d: Date | undefined): string {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

/** A plain text table (left-aligned columns). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
