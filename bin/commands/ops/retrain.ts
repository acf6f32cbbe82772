/**
 * `cdk-mlops retrain <model> [--reason ...]` and `cdk-mlops rollback <model> [--to <version>]`: manual
 * requests on the path the alarms take. A PutEvents with source `cdk-mlops.retrain` and detail-type
 * `Retrain Requested` reaches the RetrainTrigger's rule, whose starter starts the ONE retraining state
 * machine; its guard (lock, cooldown, budget) applies to these requests as to alarms.
 */
import { randomUUID } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeModelPackageCommand, ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { MANUAL_REQUEST_DETAIL_TYPE, MANUAL_REQUEST_SOURCE, ManualRequestDetail } from '../../../lib/contracts/operations';
import { executionName } from '../../../lib/runtime/retrain-starter/starter';
import type { Command } from '../index';
import { AwsClients, checkModelName, COMMON_FLAGS_HELP, EXIT, operatorName, OpsError, ParsedArgs, positionals, runCommand } from './common';
import { findLoops, findModel, listExecutions, ModelRef } from './discovery';
import { currentChampion, executionsOf } from './status';

const RETRAIN_USAGE = `usage: cdk-mlops retrain <model> [--reason <text>] [--request-id <id>] [--as <name>] [common options]

Asks the loop to retrain the model (the same path as a drift or quality alarm): the lock, the
cooldown and the budget apply, so a request during a running retrain or a cooldown is recorded
and skipped. A resent request with the same --request-id starts nothing new.

${COMMON_FLAGS_HELP}`;

const ROLLBACK_USAGE = `usage: cdk-mlops rollback <model> [--to <version>] [--reason <text>] [--request-id <id>] [--as <name>] [common options]

Asks the loop to serve an earlier approved version again (default: the newest approved version
older than the champion) through its own rollout path: no training; the version is canaried and,
after a clean bake, promoted (outcome "reverted"). The lock applies (a request during a running
retrain ends "deduplicated"); the cooldown and the budget do not. If the canary fails, the champion
keeps serving ("rolled-back"). Needs a deployed loop whose operations record lists the "rollback"
feature.

${COMMON_FLAGS_HELP}`;

async function putRequest(aws: AwsClients, model: ModelRef, detail: ManualRequestDetail): Promise<string> {
  const out = await aws.events.send(new PutEventsCommand({
    Entries: [{
      Source: MANUAL_REQUEST_SOURCE,
      DetailType: MANUAL_REQUEST_DETAIL_TYPE,
      Detail: JSON.stringify(detail),
      EventBusName: model.loop.record.eventBusName,
    }],
  }));
  const entry = out.Entries?.[0];
  if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new OpsError(`EventBridge refused the request: ${entry?.ErrorCode ?? 'unknown'}: ${entry?.ErrorMessage ?? ''}`, EXIT.AWS_ERROR);
  }
  return entry.EventId;
}

function requestBase(args: ParsedArgs, name: string, defaultReason: string): ManualRequestDetail {
  const requestId = args.values.get('--request-id') ?? randomUUID();
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(requestId)) throw new OpsError(`--request-id must be 1-128 letters, digits and . _ : -, got "${requestId}"`, EXIT.USAGE);
  return { modelName: name, requestId, reason: (args.values.get('--reason') ?? defaultReason).slice(0, 512), requestedBy: operatorName(args) };
}

async function retrain(args: ParsedArgs, aws: AwsClients): Promise<number> {
  const [name] = positionals(args, 1, 'one model name', RETRAIN_USAGE);
  checkModelName(name, RETRAIN_USAGE);
  const model = await findModel(name, await findLoops(args, aws), aws, args);
  if (!model.retrain) throw new OpsError(`model "${name}" is monitored but not registered with the RetrainTrigger (no record under ${model.loop.record.retrainConfigPath})`, EXIT.NOT_FOUND);
  const detail = requestBase(args, name, 'manual request');
  const eventId = await putRequest(aws, model, detail);
  console.log(`requested a retrain of ${name} (event ${eventId}, request ${detail.requestId}); execution ${executionName(name, 'manual', `${name}|${detail.requestId}`)}`);
  console.log(`the lock, cooldown (${model.retrain.cooldownSeconds ?? '?'} s) and budget (${model.retrain.maxRetrainsPerPeriod ?? '?'} per ${model.retrain.budgetPeriod ?? '?'}) apply; follow it with: cdk-mlops status --model ${name}`);
  return EXIT.OK;
}

/** Approved versions of the model's group, newest first. */
async function approvedVersions(aws: AwsClients, group: string): Promise<{ version: string; arn: string }[]> {
  const out: { version: string; arn: string }[] = [];
  let token: string | undefined;
  do {
    const page = await aws.sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100, NextToken: token }));
    for (const p of page.ModelPackageSummaryList ?? []) out.push({ version: String(p.ModelPackageVersion ?? p.ModelPackageArn!.split('/').pop()), arn: p.ModelPackageArn! });
    token = page.NextToken;
  } while (token);
  return out;
}

async function rollback(args: ParsedArgs, aws: AwsClients): Promise<number> {
  const [name] = positionals(args, 1, 'one model name', ROLLBACK_USAGE);
  checkModelName(name, ROLLBACK_USAGE);
  const model = await findModel(name, await findLoops(args, aws), aws, args);
  if (!model.retrain) throw new OpsError(`model "${name}" is not registered with the RetrainTrigger (no record under ${model.loop.record.retrainConfigPath})`, EXIT.NOT_FOUND);
  if (!model.loop.record.features.includes('rollback')) {
    throw new OpsError(`the deployed loop ${model.loop.record.alarmPrefix} does not take operator rollbacks (its operations record lists no "rollback" feature${model.loop.source === 'flags' ? '; none was read because --state-machine/--config-path were given' : ''}); `
      + 'a request would start a retrain instead. Roll back by hand: see docs/operations.md, "Rolling back by hand"', EXIT.UNSUPPORTED);
  }
  const executions = model.loop.record.stateMachineArn ? executionsOf(name, await listExecutions(aws, model.loop, { limit: 200 })) : [];
  const champion = await currentChampion(aws, model, executions);
  const approved = await approvedVersions(aws, model.packageGroup);
  const to = args.values.get('--to');
  let target: { version: string; arn: string } | undefined;
  if (to !== undefined) {
    if (!/^\d{1,9}$/.test(to)) throw new OpsError(`--to must be a model package version number, got "${to}"`, EXIT.USAGE);
    if (to === champion.version) throw new OpsError(`version ${to} is already the champion of ${name}`, EXIT.USAGE);
    target = approved.find((a) => a.version === to);
    if (!target) {
      throw new OpsError(`version ${to} of ${model.packageGroup} is not an approved version (approved: ${approved.map((a) => a.version).join(', ') || 'none'}); only a version that passed a canary can be served again`, EXIT.NOT_FOUND);
    }
  } else {
    const championIndex = approved.findIndex((a) => a.version === champion.version);
    target = championIndex >= 0 ? approved[championIndex + 1] : approved.find((a) => a.version !== champion.version);
    if (!target) throw new OpsError(`model ${name} has no approved version older than its champion ${champion.version} to roll back to`, EXIT.NOT_FOUND);
  }
  const pkg = await aws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: target.arn }));
  const artifact = pkg.InferenceSpecification?.Containers?.[0]?.ModelDataUrl;
  if (!artifact) throw new OpsError(`version ${target.version} (${target.arn}) has no model artifact (InferenceSpecification.Containers[0].ModelDataUrl)`, EXIT.NOT_FOUND);
  // The version's drift baseline, as the TrainingPipeline registers it (at most 256 characters: a longer URI was cut).
  const recorded = pkg.CustomerMetadataProperties?.['mlops:baselineUri'];
  const baseline = recorded && /^s3:\/\/[^/]+\/.+/.test(recorded) && recorded.length < 256 ? recorded : undefined;
  const detail: ManualRequestDetail = {
    ...requestBase(args, name, `operator rollback from ${champion.version} to ${target.version}`),
    action: 'rollback',
    toVersion: target.version,
    toModelPackageArn: target.arn,
    toModelArtifactUri: artifact,
    ...(baseline ? { toBaselineUri: baseline } : {}),
  };
  const eventId = await putRequest(aws, model, detail);
  console.log(`requested a rollback of ${name} from version ${champion.version} to ${target.version} (event ${eventId}, request ${detail.requestId}); `
    + `execution ${executionName(name, 'manual', `${name}|${detail.requestId}`)}; follow it with: cdk-mlops status --model ${name}`);
  console.log(`version ${target.version} is canaried first; the lock applies, the cooldown and budget do not; if its canary fails, version ${champion.version} keeps serving. `
    + (baseline ? `The drift baseline becomes version ${target.version}'s (${baseline}).` : `Version ${target.version} records no drift baseline (mlops:baselineUri): the DriftMonitor's baseline stays as it is.`));
  return EXIT.OK;
}

export const retrainCommand: Command = {
  summary: 'request a retrain of a model (lock, cooldown and budget apply)',
  usage: RETRAIN_USAGE,
  run: (argv) => runCommand('retrain', RETRAIN_USAGE, argv, { values: ['--reason', '--request-id', '--as', '--model-package-group'] }, retrain),
};

export const rollbackCommand: Command = {
  summary: 'serve the previous (or a named) approved version again, through the loop',
  usage: ROLLBACK_USAGE,
  run: (argv) => runCommand('rollback', ROLLBACK_USAGE, argv, { values: ['--to', '--reason', '--request-id', '--as', '--model-package-group'] }, rollback),
};
