/**
 * Finds the deployed loop(s) and a model's records the way the constructs write them:
 * - the loop: the operations records under `/cdk-mlops/operations/` (lib/contracts/operations.ts), or
 *   the flags `--state-machine` / `--config-path` / `--monitor-config-path` when none is written yet;
 * - the model: its RetrainTrigger record `<retrainConfigPath><model>` and its DriftMonitor config
 *   `<monitorConfigPath><model>` (one merged parameter in a ModelFactory, where both paths are equal);
 * - its executions: the retraining state machine's executions named `<model>-<alarm|sched|manual>-<hash>`
 *   (lib/runtime/retrain-starter/starter.ts), with the state they are in read from the history.
 */
import { DescribeExecutionCommand, ExecutionListItem, GetExecutionHistoryCommand, HistoryEvent, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import {
  OPERATIONS_RECORD_ROOT, OPERATIONS_RECORD_VERSION, OperationsRecord, parseOperationsRecord,
} from '../../../lib/contracts/operations';
import { AwsClients, EXIT, OpsError, ParsedArgs } from './common';

/** A loop as the commands use it: the record, and where it came from. */
export interface Loop {
  readonly record: OperationsRecord;
  readonly source: 'operations-record' | 'flags';
}

/** A model: its loop and its two records (either may be absent). */
export interface ModelRef {
  readonly name: string;
  readonly loop: Loop;
  /** The RetrainTrigger record (`schemaVersion`, `approvalRequired`, `initialChampion`, `trainingInput`, ...). */
  readonly retrain?: Record<string, any>;
  /** The DriftMonitor config (`v`, `variants`, `quality`, ...). */
  readonly monitor?: Record<string, any>;
  /** The model package group of its candidates. */
  readonly packageGroup: string;
}

/** Loops from the flags, or from the operations records of the account and region. */
export async function findLoops(args: ParsedArgs, aws: AwsClients): Promise<Loop[]> {
  const stateMachine = args.values.get('--state-machine');
  const configPath = args.values.get('--config-path');
  const monitorPath = args.values.get('--monitor-config-path');
  if (stateMachine !== undefined || configPath !== undefined || monitorPath !== undefined) {
    const path = configPath ?? monitorPath!;
    for (const [flag, value] of [['--config-path', configPath], ['--monitor-config-path', monitorPath]]) {
      if (value !== undefined && !/^\/([A-Za-z0-9_.-]+\/){1,10}$/.test(value)) throw new OpsError(`${flag} must be an SSM path starting and ending with "/", got "${value}"`, EXIT.USAGE);
    }
    if (path === undefined) throw new OpsError('--state-machine needs --config-path (the RetrainTrigger\'s per-model record path)', EXIT.USAGE);
    const alarmPrefix = args.values.get('--alarm-prefix') ?? /^\/cdk-mlops\/(?:retrain|drift-monitor)\/([^/]+)\/$/.exec(path)?.[1];
    if (alarmPrefix === undefined) throw new OpsError(`--alarm-prefix is needed: it cannot be derived from the config path "${path}"`, EXIT.USAGE);
    return [{
      source: 'flags',
      record: {
        v: OPERATIONS_RECORD_VERSION,
        alarmPrefix,
        stateMachineArn: stateMachine ?? '',
        retrainConfigPath: configPath ?? monitorPath!,
        monitorConfigPath: monitorPath ?? configPath,
        modelPackageGroupPrefix: args.values.get('--package-group-prefix') ?? '',
        retrainMetricNamespace: 'CdkMlops/Retrain',
        eventBusName: 'default',
        // Without the record, nothing says the deployed state machine takes operator rollbacks.
        features: [],
      },
    }];
  }
  const loops: Loop[] = [];
  const problems: string[] = [];
  for await (const p of parametersByPath(aws, OPERATIONS_RECORD_ROOT, false)) {
    try {
      loops.push({ source: 'operations-record', record: parseOperationsRecord(p.value, p.name) });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  for (const problem of problems) console.error(`cdk-mlops: skipping ${problem}`);
  const app = args.values.get('--app');
  const chosen = app === undefined ? loops : loops.filter((l) => l.record.alarmPrefix === app);
  if (chosen.length === 0) {
    throw new OpsError(app === undefined
      ? `no cdk-mlops loop found: no operations record under ${OPERATIONS_RECORD_ROOT} in this account and region (pass --state-machine and --config-path, or --region)`
      : `no cdk-mlops loop "${app}" (operations records: ${loops.map((l) => l.record.alarmPrefix).join(', ') || 'none'})`, EXIT.NOT_FOUND);
  }
  return chosen;
}

/** Every parameter under `path` (one level, or all levels). */
export async function* parametersByPath(aws: AwsClients, path: string, recursive: boolean): AsyncGenerator<{ name: string; value: string }> {
  let token: string | undefined;
  do {
    const out = await aws.ssm.send(new GetParametersByPathCommand({ Path: path.replace(/\/$/, '') || '/', Recursive: recursive, NextToken: token, MaxResults: 10 }));
    for (const p of out.Parameters ?? []) if (p.Name && p.Value !== undefined) yield { name: p.Name, value: p.Value };
    token = out.NextToken;
  } while (token);
}

async function getParameter(aws: AwsClients, name: string): Promise<string | undefined> {
  try {
    const out = await aws.ssm.send(new GetParameterCommand({ Name: name }));
    return out.Parameter?.Value;
  } catch (e) {
    if ((e as Error).name === 'ParameterNotFound') return undefined;
    throw e;
  }
}

function parseRecord(text: string | undefined, name: string): Record<string, any> | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    throw new OpsError(`the record ${name} is not JSON`, EXIT.AWS_ERROR);
  }
}

/** The package group: `--model-package-group`, else `<prefix><trainingInput.modelName>`. */
function packageGroupOf(loop: Loop, name: string, retrain: Record<string, any> | undefined, args: ParsedArgs): string {
  const explicit = args.values.get('--model-package-group');
  if (explicit) return explicit;
  const trainingName = typeof retrain?.trainingInput?.modelName === 'string' ? retrain.trainingInput.modelName : name;
  return `${loop.record.modelPackageGroupPrefix}${trainingName}`;
}

/** Finds a model in the loops; exit 4 with the known models when it is in none. */
export async function findModel(name: string, loops: Loop[], aws: AwsClients, args: ParsedArgs): Promise<ModelRef> {
  for (const loop of loops) {
    const retrainName = `${loop.record.retrainConfigPath}${name}`;
    const monitorName = loop.record.monitorConfigPath ? `${loop.record.monitorConfigPath}${name}` : undefined;
    const retrainText = await getParameter(aws, retrainName);
    const monitorText = monitorName === undefined ? undefined : monitorName === retrainName ? retrainText : await getParameter(aws, monitorName);
    const retrainDoc = parseRecord(retrainText, retrainName);
    const monitorDoc = parseRecord(monitorText, monitorName ?? '');
    // A ModelFactory stores both records in one parameter: the retrain keys and the monitor keys are disjoint.
    const retrain = retrainDoc && retrainDoc.schemaVersion !== undefined ? retrainDoc : undefined;
    const monitor = monitorDoc && monitorDoc.v !== undefined && monitorDoc.capture !== undefined ? monitorDoc : undefined;
    if (retrain || monitor) return { name, loop, retrain, monitor, packageGroup: packageGroupOf(loop, name, retrain, args) };
  }
  const known = await listModelNames(loops, aws, 20);
  throw new OpsError(`no such model "${name}"${loops.length > 1 ? ` in the loops ${loops.map((l) => l.record.alarmPrefix).join(', ')}` : ` in loop ${loops[0].record.alarmPrefix}`}`
    + ` (${known.length ? `models: ${known.join(', ')}${known.length >= 20 ? ', …' : ''}` : 'it has no models'})`, EXIT.NOT_FOUND);
}

/** Model names registered in the loops (their record parameters), sorted. */
export async function listModelNames(loops: Loop[], aws: AwsClients, limit = Infinity): Promise<string[]> {
  const names = new Set<string>();
  for (const loop of loops) {
    for (const path of new Set([loop.record.retrainConfigPath, loop.record.monitorConfigPath].filter((p): p is string => !!p))) {
      for await (const p of parametersByPath(aws, path, false)) {
        names.add(p.name.slice(path.length));
        if (names.size >= limit) return [...names].sort();
      }
    }
  }
  return [...names].sort();
}

/** Resolves every model of the loops (or the one given). */
export async function findModels(only: string | undefined, loops: Loop[], aws: AwsClients, args: ParsedArgs): Promise<ModelRef[]> {
  if (only !== undefined) return [await findModel(only, loops, aws, args)];
  const out: ModelRef[] = [];
  for (const loop of loops) {
    for (const name of await listModelNames([loop], aws)) out.push(await findModel(name, [loop], aws, args));
  }
  return out;
}

// ---- executions -----------------------------------------------------------------------------------

/** Execution names the starter gives a model's retrains (`<model[0..48]>-<kind>-<16 hex>`). */
export function executionNamePattern(model: string): RegExp {
  return new RegExp(`^${model.slice(0, 48).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(alarm|sched|manual)-[0-9a-f]{16}$`);
}

/**
 * The state machine's executions, newest first, at most `limit` (Step Functions lists the most
 * recent first). Exit 4 for an unknown state machine.
 */
export async function listExecutions(aws: AwsClients, loop: Loop, opts: { status?: 'RUNNING'; limit: number }): Promise<ExecutionListItem[]> {
  requireStateMachine(loop);
  const out: ExecutionListItem[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await aws.sfn.send(new ListExecutionsCommand({
        stateMachineArn: loop.record.stateMachineArn, statusFilter: opts.status, maxResults: Math.min(100, opts.limit), nextToken: token,
      }));
      out.push(...(page.executions ?? []));
      token = page.nextToken;
    } while (token && out.length < opts.limit);
  } catch (e) {
    if ((e as Error).name === 'StateMachineDoesNotExist') throw new OpsError(`the retraining state machine ${loop.record.stateMachineArn} does not exist (wrong --region or --state-machine?)`, EXIT.NOT_FOUND);
    throw e;
  }
  return out.slice(0, opts.limit);
}

export function requireStateMachine(loop: Loop): void {
  if (!loop.record.stateMachineArn) throw new OpsError('this command needs the retraining state machine: pass --state-machine <arn> (or deploy the operations record)', EXIT.USAGE);
}

/** Where a running execution is, read from its newest history events. */
export interface RunningState {
  readonly executionArn: string;
  readonly name: string;
  readonly startDate?: Date;
  /** The state it entered last. */
  readonly state?: string;
  readonly enteredAt?: Date;
  /** The state's input (JSON), when the history includes execution data. */
  readonly input?: Record<string, any>;
  /** Set while it waits on the approval task token. */
  readonly pendingApproval?: { taskToken: string; since: Date; timeoutSeconds?: number; heartbeatSeconds?: number };
}

export { phaseOf } from '../../report/phases';

/**
 * Reads a running execution's newest events (newest first) until the state it entered last. The approval
 * task token is in the `TaskScheduled` event of `RequestApproval` (its resolved Parameters hold
 * `Message.taskToken`); it is pending while no TaskSucceeded/TaskFailed/TaskTimedOut followed it.
 */
export async function runningState(aws: AwsClients, e: ExecutionListItem): Promise<RunningState> {
  let token: string | undefined;
  const seen: HistoryEvent[] = [];
  let entered: HistoryEvent | undefined;
  for (let page = 0; page < 5 && !entered; page++) {
    const out = await aws.sfn.send(new GetExecutionHistoryCommand({
      executionArn: e.executionArn!, reverseOrder: true, maxResults: 100, nextToken: token, includeExecutionData: true,
    }));
    for (const ev of out.events ?? []) {
      if (ev.stateEnteredEventDetails) {
        entered = ev;
        break;
      }
      seen.push(ev);
    }
    token = out.nextToken;
    if (!token) break;
  }
  const state = entered?.stateEnteredEventDetails?.name;
  let input: Record<string, any> | undefined;
  try {
    input = entered?.stateEnteredEventDetails?.input ? JSON.parse(entered.stateEnteredEventDetails.input) : undefined;
  } catch {
    input = undefined;
  }
  let pendingApproval: RunningState['pendingApproval'];
  if (state === 'RequestApproval') {
    // `seen` holds the events after TaskStateEntered, newest first.
    const answered = seen.some((ev) => ['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed'].includes(ev.type ?? ''));
    const scheduled = seen.find((ev) => ev.type === 'TaskScheduled');
    const details = scheduled?.taskScheduledEventDetails;
    if (!answered && details?.parameters) {
      try {
        const params = JSON.parse(details.parameters);
        const message = typeof params.Message === 'string' ? JSON.parse(params.Message) : params.Message;
        const taskToken = message?.taskToken;
        if (typeof taskToken === 'string' && taskToken) {
          pendingApproval = {
            taskToken,
            since: scheduled!.timestamp ?? new Date(0),
            timeoutSeconds: details.timeoutInSeconds,
            heartbeatSeconds: details.heartbeatInSeconds,
          };
        }
      } catch {
        pendingApproval = undefined;
      }
    }
  }
  return { executionArn: e.executionArn!, name: e.name!, startDate: e.startDate, state, enteredAt: entered?.timestamp, input, pendingApproval };
}

/** A closed execution's output (the whole retraining state: `outcome`, `champion`, `candidate`, ...). */
export async function executionOutput(aws: AwsClients, executionArn: string): Promise<Record<string, any> | undefined> {
  const out = await aws.sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (!out.output) return undefined;
  try {
    return JSON.parse(out.output);
  } catch {
    return undefined;
  }
}

/** Outcomes after which the execution's `candidate` is the serving champion (`reverted`: an operator rollback). */
export const CHAMPION_CHANGING_OUTCOMES = ['promoted', 'reverted'];
