/**
 * `cdk-mlops status [--model m] [--json]`: the fleet at a glance. Per model: the champion (per segment),
 * the last retrain (outcome, when), the drift and quality alarm states, a canary in flight and a pending
 * approval. Read-only: SSM (records), Step Functions (executions), CloudWatch (alarms), SageMaker (registry).
 */
import { DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import type { Command } from '../index';
import { AwsClients, checkModelName, COMMON_FLAGS_HELP, EXIT, OpsError, runCommand, table, when } from './common';
import {
  CHAMPION_CHANGING_OUTCOMES, executionNamePattern, executionOutput, findLoops, findModels, listExecutions, Loop, ModelRef, phaseOf,
  runningState, RunningState,
} from './discovery';

const USAGE = `usage: cdk-mlops status [--model <name>] [--json] [--executions <n>] [common options]

Fleet table: champion version per segment, last retrain (outcome, when), drift and quality alarm
states, canary in flight, pending approvals. --executions: how many of the newest retraining
executions are read (default 200).

${COMMON_FLAGS_HELP}`;

/** The champion and where it was read. */
export interface ChampionInfo {
  version: string;
  modelPackageArn?: string;
  /** `execution` (the newest execution that read or changed it), `registry` (newest Approved package) or `record` (the first champion). */
  source: 'execution' | 'registry' | 'record' | 'unknown';
}

export interface ModelStatus {
  model: string;
  loop: string;
  champion: ChampionInfo;
  segments: { variant: string; version: string }[];
  lastRetrain: { outcome: string; at?: string; execution: string; trigger?: string } | null;
  alarms: { drift: string; quality: string };
  running: { execution: string; state?: string; phase: string; since?: string } | null;
  canary: { candidateVersion?: string; state?: string; since?: string } | null;
  pendingApproval: { execution: string; since: string; expiresBy?: string } | null;
}

/** The executions of one model among the listed ones (newest first). */
export function executionsOf(model: string, executions: ExecutionListItem[]): ExecutionListItem[] {
  const re = executionNamePattern(model);
  return executions.filter((e) => re.test(e.name ?? ''));
}

/**
 * The serving champion: the newest closed execution whose output names it (its `candidate` after a
 * promotion or an operator rollback, else the `champion` it read), else the newest Approved package
 * of the model's group, else the record's first champion.
 */
export async function currentChampion(aws: AwsClients, model: ModelRef, executions: ExecutionListItem[]): Promise<ChampionInfo> {
  for (const e of executions) {
    if (e.status !== 'SUCCEEDED') continue;
    const out = await executionOutput(aws, e.executionArn!);
    if (!out) continue;
    const c = CHAMPION_CHANGING_OUTCOMES.includes(out.outcome) ? out.candidate : out.champion;
    if (c && typeof c.modelVersion === 'string') return { version: c.modelVersion, modelPackageArn: c.modelPackageArn, source: 'execution' };
  }
  const approved = await aws.sagemaker.send(new ListModelPackagesCommand({
    ModelPackageGroupName: model.packageGroup, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1,
  }));
  const top = approved.ModelPackageSummaryList?.[0];
  if (top?.ModelPackageArn) return { version: String(top.ModelPackageVersion ?? top.ModelPackageArn.split('/').pop()), modelPackageArn: top.ModelPackageArn, source: 'registry' };
  const initial = model.retrain?.initialChampion;
  if (initial?.modelVersion) return { version: initial.modelVersion, modelPackageArn: initial.modelPackageArn, source: 'record' };
  return { version: '-', source: 'unknown' };
}

async function alarmStates(aws: AwsClients, loop: Loop, models: string[]): Promise<Map<string, MetricAlarm>> {
  const byName = new Map<string, MetricAlarm>();
  const names = models.flatMap((m) => [`${loop.record.alarmPrefix}-${m}-drift`, `${loop.record.alarmPrefix}-${m}-quality`]);
  // DescribeAlarms takes at most 100 names per call.
  for (let i = 0; i < names.length; i += 100) {
    let token: string | undefined;
    do {
      const out = await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), MaxRecords: 100, NextToken: token }));
      for (const a of out.MetricAlarms ?? []) if (a.AlarmName) byName.set(a.AlarmName, a);
      token = out.NextToken;
    } while (token);
  }
  return byName;
}

/** The status of the given models of one loop. */
export async function loopStatus(
  aws: AwsClients, loop: Loop, models: ModelRef[], executionLimit: number,
): Promise<{ models: ModelStatus[]; unmonitored?: string }> {
  const executions = loop.record.stateMachineArn ? await listExecutions(aws, loop, { limit: executionLimit }) : [];
  const alarms = await alarmStates(aws, loop, models.map((m) => m.name));
  const fleet = await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [`${loop.record.alarmPrefix}.unmonitored-models`] }));
  const out: ModelStatus[] = [];
  for (const model of models) {
    const mine = executionsOf(model.name, executions);
    const running = mine.find((e) => e.status === 'RUNNING');
    const state: RunningState | undefined = running ? await runningState(aws, running) : undefined;
    const closed = mine.find((e) => e.status !== 'RUNNING');
    let lastRetrain: ModelStatus['lastRetrain'] = null;
    if (closed) {
      const output = closed.status === 'SUCCEEDED' ? await executionOutput(aws, closed.executionArn!) : undefined;
      const outcome = closed.status === 'SUCCEEDED' ? String(output?.outcome ?? 'succeeded') : closed.status === 'FAILED' ? 'failed' : String(closed.status).toLowerCase();
      lastRetrain = { outcome, at: when(closed.stopDate ?? closed.startDate), execution: closed.name!, trigger: output?.trigger?.source };
    }
    const champion = await currentChampion(aws, model, mine);
    const phase = phaseOf(state?.state);
    const candidateVersion = state?.input?.candidate?.modelVersion;
    const canary = state && phase === 'canary' ? { candidateVersion, state: state.state, since: when(state.enteredAt) } : null;
    const variants: string[] = Array.isArray(model.monitor?.variants) ? model.monitor!.variants : ['primary', 'canary'];
    const segments = variants.map((variant) => ({
      variant,
      version: variant === 'primary' ? champion.version
        : variant === 'canary' ? (canary?.candidateVersion ?? `${champion.version} (weight 0)`)
          : 'not managed by the loop',
    }));
    const alarmState = (suffix: string) => alarms.get(`${loop.record.alarmPrefix}-${model.name}-${suffix}`)?.StateValue
      ?? (suffix === 'quality' && !model.monitor?.quality ? 'none' : 'missing');
    out.push({
      model: model.name,
      loop: loop.record.alarmPrefix,
      champion,
      segments,
      lastRetrain,
      alarms: { drift: alarmState('drift'), quality: alarmState('quality') },
      running: state ? { execution: state.name, state: state.state, phase, since: when(state.startDate) } : null,
      canary,
      pendingApproval: state?.pendingApproval ? {
        execution: state.name,
        since: when(state.pendingApproval.since),
        expiresBy: state.pendingApproval.timeoutSeconds
          ? when(new Date(state.pendingApproval.since.getTime() + state.pendingApproval.timeoutSeconds * 1000))
          : undefined,
      } : null,
    });
  }
  return { models: out, unmonitored: fleet.MetricAlarms?.[0]?.StateValue };
}

export function renderStatus(result: { loops: { alarmPrefix: string; unmonitored?: string }[]; models: ModelStatus[] }): string {
  const rows = result.models.map((m) => [
    m.model,
    m.segments.map((s) => `${s.variant}=${s.version}`).join(' '),
    m.lastRetrain ? `${m.lastRetrain.outcome} ${m.lastRetrain.at}` : '-',
    m.alarms.drift,
    m.alarms.quality,
    m.canary ? `${m.canary.candidateVersion ?? '?'} (${m.canary.state})` : m.running ? `${m.running.phase}: ${m.running.state}` : '-',
    m.pendingApproval ? `PENDING since ${m.pendingApproval.since}` : '-',
  ]);
  const lines = [table(['model', 'champion per segment', 'last retrain', 'drift', 'quality', 'in flight', 'approval'], rows)];
  for (const l of result.loops) lines.push(`loop ${l.alarmPrefix}: unmonitored-models alarm ${l.unmonitored ?? 'missing'}`);
  const pending = result.models.filter((m) => m.pendingApproval);
  if (pending.length) lines.push(`pending approvals: ${pending.map((m) => m.model).join(', ')} (cdk-mlops approve <model> | reject <model> --reason ...)`);
  return lines.join('\n');
}

export const statusCommand: Command = {
  summary: 'fleet status: champions, last retrain, alarms, canaries, pending approvals',
  usage: USAGE,
  run: (argv) => runCommand('status', USAGE, argv, { values: ['--model', '--executions', '--model-package-group'], flags: ['--json'] }, async (args, aws) => {
    const only = args.values.get('--model');
    if (only !== undefined) checkModelName(only, USAGE);
    if (args.positional.length) throw new OpsError(`unexpected argument "${args.positional[0]}" (use --model <name>)\n${USAGE}`, EXIT.USAGE);
    const limitText = args.values.get('--executions') ?? '200';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new OpsError(`--executions must be an integer 1-10000, got ${limitText}`, EXIT.USAGE);
    const loops = await findLoops(args, aws);
    const models = await findModels(only, loops, aws, args);
    const result = { loops: [] as { alarmPrefix: string; stateMachineArn: string; unmonitored?: string }[], models: [] as ModelStatus[] };
    for (const loop of loops) {
      const mine = models.filter((m) => m.loop === loop);
      if (only !== undefined && mine.length === 0) continue;
      const s = await loopStatus(aws, loop, mine, limit);
      result.loops.push({ alarmPrefix: loop.record.alarmPrefix, stateMachineArn: loop.record.stateMachineArn, unmonitored: s.unmonitored });
      result.models.push(...s.models);
    }
    if (args.flags.has('--json')) console.log(JSON.stringify(result));
    else console.log(result.models.length ? renderStatus(result) : 'no models registered');
    return EXIT.OK;
  }),
};
