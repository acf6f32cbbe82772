/**
 * `cdk-mlops history <model> [--limit n] [--json]`: the model's versions (model packages of its group,
 * newest first) with the lineage the TrainingPipeline registers (customer metadata `mlops:dataHash`,
 * `mlops:codeRevision`, `mlops:imageDigest`, `metric.*`; MetadataProperties.CommitId) and what the loop
 * did with them (the approval description the retraining state machine writes on promotion
 * "promoted by <execution> ..." or rollback "rolled back by <execution>: <reason>", at LastModifiedTime),
 * plus the human approver recorded in the promoting execution's approval answer.
 */
import { DescribeModelPackageCommand, ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { Command } from '../index';
import { AwsClients, checkModelName, COMMON_FLAGS_HELP, EXIT, OpsError, ParsedArgs, positionals, runCommand, table, when } from './common';
import { findLoops, findModel, listExecutions, ModelRef } from './discovery';
import { currentChampion, executionsOf } from './status';

const USAGE = `usage: cdk-mlops history <model> [--limit <n>] [--json] [--model-package-group <name>] [common options]

The model's versions, newest first (default 20), with lineage: dataset hash, code revision, image
digest, metrics, approval status, who approved, when promoted or rolled back.

${COMMON_FLAGS_HELP}`;

export interface VersionLineage {
  version: string;
  modelPackageArn: string;
  created?: string;
  status?: string;
  champion: boolean;
  datasetHash?: string;
  datasetVersionUri?: string;
  codeRevision?: string;
  imageDigest?: string;
  trainingJob?: string;
  metrics: Record<string, number>;
  /** What the loop did: `promoted` / `rolled-back` / `rejected` / `pending`, from the approval description. */
  event?: string;
  eventAt?: string;
  /** The execution that promoted or rolled it back. */
  execution?: string;
  /** Who approved the retrain (the answer to the approval request), else the identity that last updated the package. */
  approver?: string;
  approvalDescription?: string;
}

async function approverOf(aws: AwsClients, model: ModelRef, execution: string): Promise<string | undefined> {
  const sm = model.loop.record.stateMachineArn;
  if (!sm) return undefined;
  const arn = `${sm.replace(':stateMachine:', ':execution:')}:${execution}`;
  try {
    let token: string | undefined;
    do {
      const out = await aws.sfn.send(new GetExecutionHistoryCommand({
        executionArn: arn, maxResults: 200, nextToken: token, includeExecutionData: true,
      }));
      for (const ev of out.events ?? []) {
        const d = ev.taskSucceededEventDetails;
        if (ev.type === 'TaskSucceeded' && d?.resource === 'publish.waitForTaskToken' && d.output) {
          const answer = JSON.parse(d.output);
          if (typeof answer?.approvedBy === 'string') return answer.approvedBy;
        }
      }
      token = out.nextToken;
    } while (token);
  } catch (e) {
    // Closed executions are kept 90 days; an older one has no history left.
    if ((e as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw e;
  }
  return undefined;
}

export async function modelHistory(aws: AwsClients, model: ModelRef, limit: number): Promise<VersionLineage[]> {
  const summaries: { arn: string; version: string }[] = [];
  let token: string | undefined;
  do {
    const page = await aws.sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: model.packageGroup, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: Math.min(100, limit), NextToken: token }));
    for (const p of page.ModelPackageSummaryList ?? []) summaries.push({ arn: p.ModelPackageArn!, version: String(p.ModelPackageVersion ?? p.ModelPackageArn!.split('/').pop()) });
    token = page.NextToken;
  } while (token && summaries.length < limit);
  const executions = model.loop.record.stateMachineArn ? executionsOf(model.name, await listExecutions(aws, model.loop, { limit: 200 })) : [];
  const champion = await currentChampion(aws, model, executions);
  const out: VersionLineage[] = [];
  for (const s of summaries.slice(0, limit)) {
    const p = await aws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: s.arn }));
    const meta = p.CustomerMetadataProperties ?? {};
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(meta)) if (k.startsWith('metric.') && Number.isFinite(Number(v))) metrics[k.slice('metric.'.length)] = Number(v);
    const description = p.ApprovalDescription ?? '';
    const m = /^(promoted|rolled back|reverted) by ([A-Za-z0-9_-]+)/.exec(description);
    const event = m ? (m[1] === 'promoted' ? 'promoted' : m[1] === 'reverted' ? 'reverted' : 'rolled-back')
      : p.ModelApprovalStatus === 'PendingManualApproval' ? 'pending' : p.ModelApprovalStatus === 'Rejected' ? 'rejected' : undefined;
    const execution = m?.[2];
    const human = execution && event === 'promoted' ? await approverOf(aws, model, execution) : undefined;
    out.push({
      version: s.version,
      modelPackageArn: s.arn,
      created: when(p.CreationTime),
      status: p.ModelApprovalStatus,
      champion: s.version === champion.version,
      datasetHash: meta['mlops:dataHash'],
      datasetVersionUri: meta['mlops:datasetVersionUri'],
      codeRevision: meta['mlops:codeRevision'] ?? p.MetadataProperties?.CommitId,
      imageDigest: meta['mlops:imageDigest'],
      trainingJob: meta['mlops:trainingJob'],
      metrics,
      event,
      eventAt: m ? when(p.LastModifiedTime) : undefined,
      execution,
      approver: human ?? p.LastModifiedBy?.IamIdentity?.Arn ?? p.LastModifiedBy?.UserProfileName,
      approvalDescription: description || undefined,
    });
  }
  return out;
}

function short(s: string | undefined, n: number): string {
  if (!s) return '-';
  const v = s.replace(/^sha256:/, '');
  return v.length > n ? v.slice(0, n) : v;
}

export function renderHistory(model: string, group: string, versions: VersionLineage[]): string {
  const rows = versions.map((v) => [
    `${v.version}${v.champion ? ' *' : ''}`,
    v.created ?? '-',
    v.status ?? '-',
    v.event ? `${v.event}${v.eventAt ? ` ${v.eventAt}` : ''}` : '-',
    v.approver ?? '-',
    short(v.datasetHash, 12),
    short(v.codeRevision, 12),
    short(v.imageDigest, 12),
    Object.entries(v.metrics).map(([k, x]) => `${k}=${x}`).join(' ') || '-',
  ]);
  return [
    `model ${model} (group ${group}); * = champion`,
    table(['version', 'created', 'status', 'loop', 'approver', 'dataset', 'code', 'image', 'metrics'], rows),
  ].join('\n');
}

async function run(args: ParsedArgs, aws: AwsClients): Promise<number> {
  const [name] = positionals(args, 1, 'one model name', USAGE);
  checkModelName(name, USAGE);
  const limitText = args.values.get('--limit') ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new OpsError(`--limit must be an integer 1-1000, got ${limitText}`, EXIT.USAGE);
  const model = await findModel(name, await findLoops(args, aws), aws, args);
  const versions = await modelHistory(aws, model, limit);
  if (args.flags.has('--json')) console.log(JSON.stringify({ model: name, modelPackageGroup: model.packageGroup, versions }));
  else console.log(versions.length ? renderHistory(name, model.packageGroup, versions) : `model ${name} has no versions in model package group ${model.packageGroup}`);
  return EXIT.OK;
}

export const historyCommand: Command = {
  summary: 'versions of a model with lineage, approvals, promotions and rollbacks',
  usage: USAGE,
  run: (argv) => runCommand('history', USAGE, argv, { values: ['--limit', '--model-package-group'], flags: ['--json'] }, run),
};
