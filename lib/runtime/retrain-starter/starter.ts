/**
 * The retrain starter's logic (no AWS SDK here, so the offline simulation runs
 * exactly this code): turns an EventBridge event — a DriftMonitor alarm going
 * to ALARM, the optional schedule, or a manual request — into StartExecution
 * calls of the ONE retraining state machine, with execution names derived
 * deterministically from the event. A redelivered or replayed event yields the
 * same name and the same input, so Step Functions itself refuses a second
 * execution (ExecutionAlreadyExists, or the running execution returned as-is).
 *
 * Why a Lambda: an EventBridge target cannot set the execution name, and the
 * guard needs epoch seconds (DynamoDB TTL, cooldown) that JSONPath cannot
 * compute. "now" is the event's own time (the alarm transition), never the
 * Lambda's clock, so redeliveries produce identical inputs.
 */
import { createHash } from 'node:crypto';

/** What the starter needs from AWS (the SDK in Lambda, simulators offline). */
export interface StarterDeps {
  /** StartExecution; rejects with an error named `ExecutionAlreadyExists` for a closed duplicate. */
  startExecution(req: { stateMachineArn: string; name: string; input: string }): Promise<{ executionArn: string }>;
  /** Model names that have a per-model record (for the schedule). */
  listModels(): Promise<string[]>;
  /** Structured log line. */
  log(entry: Record<string, unknown>): void;
}

/** Settings (Lambda environment variables). */
export interface StarterSettings {
  readonly stateMachineArn: string;
  /** Alarm names look like `<alarmPrefix>-<model><suffix>`. */
  readonly alarmPrefix: string;
  /** Alarm name suffixes that mean "retrain", e.g. `-drift`, `-quality`. */
  readonly alarmSuffixes: string[];
  /** `source` of manual requests. */
  readonly manualSource: string;
}

/** The outcome for one model of one event. */
export interface StartResult {
  readonly modelName?: string;
  readonly name?: string;
  readonly status: 'started' | 'duplicate' | 'ignored';
  readonly reason?: string;
  readonly executionArn?: string;
}

/** Detail-type of manual requests. */
export const MANUAL_DETAIL_TYPE = 'Retrain Requested';

export function settingsFromEnv(env: Record<string, string | undefined>): StarterSettings {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`environment variable ${k} is not set`);
    return v;
  };
  return {
    stateMachineArn: need('STATE_MACHINE_ARN'),
    alarmPrefix: need('ALARM_PREFIX'),
    alarmSuffixes: need('ALARM_SUFFIXES').split(',').filter((s) => s.length > 0),
    manualSource: need('MANUAL_SOURCE'),
  };
}

/** The model an alarm name belongs to, or undefined when it is not a retrain alarm. */
export function modelFromAlarmName(alarmName: string, settings: StarterSettings): string | undefined {
  const head = `${settings.alarmPrefix}-`;
  if (!alarmName.startsWith(head)) return undefined;
  for (const suffix of settings.alarmSuffixes) {
    if (alarmName.endsWith(suffix) && alarmName.length > head.length + suffix.length) {
      return alarmName.slice(head.length, alarmName.length - suffix.length);
    }
  }
  return undefined;
}

/**
 * Deterministic execution name (<= 72 characters, so the training child
 * `<name>-train` stays within Step Functions' 80).
 */
export function executionName(modelName: string, kind: 'alarm' | 'sched' | 'manual', identity: string): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  return `${modelName.slice(0, 48)}-${kind}-${hash}`;
}

/** Clock fields of the execution input, from an ISO timestamp. */
export function clockFor(iso: string): { nowEpoch: number; nowText: string; periods: { day: string; week: string; month: string } } {
  // CloudWatch writes alarm timestamps as 2026-11-27T09:00:00.000+0000 (no colon in the offset).
  const ms = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!Number.isFinite(ms)) throw new Error(`unparseable event time ${JSON.stringify(iso)}`);
  const d = new Date(ms);
  const nowEpoch = Math.floor(ms / 1000);
  return {
    nowEpoch,
    nowText: String(nowEpoch),
    periods: { day: d.toISOString().slice(0, 10), week: isoWeek(d), month: d.toISOString().slice(0, 7) },
  };
}

/** ISO-8601 week, e.g. `2026-W48`. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Handles one EventBridge event; never throws for a duplicate. */
export async function handleEvent(event: any, settings: StarterSettings, deps: StarterDeps): Promise<StartResult[]> {
  const requests = await requestsFor(event, settings, deps);
  const results: StartResult[] = [];
  for (const r of requests) {
    if ('ignored' in r) {
      deps.log({ level: 'info', msg: 'ignored event', reason: r.ignored, id: event?.id });
      results.push({ status: 'ignored', reason: r.ignored });
      continue;
    }
    const input = JSON.stringify({ modelName: r.modelName, trigger: r.trigger, clock: clockFor(r.time) });
    try {
      const res = await deps.startExecution({ stateMachineArn: settings.stateMachineArn, name: r.name, input });
      deps.log({ level: 'info', msg: 'started retraining', modelName: r.modelName, name: r.name, executionArn: res.executionArn });
      results.push({ status: 'started', modelName: r.modelName, name: r.name, executionArn: res.executionArn });
    } catch (err: any) {
      if (err?.name === 'ExecutionAlreadyExists') {
        // Recorded: a duplicate delivery of an event already being (or already) handled.
        deps.log({ level: 'info', msg: 'duplicate trigger: execution already exists', modelName: r.modelName, name: r.name });
        results.push({ status: 'duplicate', modelName: r.modelName, name: r.name, reason: 'ExecutionAlreadyExists' });
        continue;
      }
      throw err;
    }
  }
  return results;
}

/** A SageMaker model package version ARN: `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`. */
const MODEL_PACKAGE_VERSION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[A-Za-z0-9](-*[A-Za-z0-9]){0,62}\/(\d{1,9})$/;
/** An S3 URI with a bucket and a key. */
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;

/**
 * The target of an operator rollback (lib/contracts/operations.ts, `ManualRequestDetail`) as the state machine
 * reads it from `trigger`, or why the request is refused. The baseline URI is split into the bucket and key the
 * promotion's S3 copy takes.
 */
export function rollbackTarget(detail: any): Record<string, unknown> | string {
  const arn = detail?.toModelPackageArn;
  const m = typeof arn === 'string' ? MODEL_PACKAGE_VERSION_ARN.exec(arn) : null;
  if (!m) return `toModelPackageArn must be a model package version ARN, got ${JSON.stringify(arn)}`;
  const version = detail?.toVersion;
  if (version !== undefined && String(version) !== m[2]) return `toVersion ${JSON.stringify(version)} is not the version of ${arn}`;
  const artifact = detail?.toModelArtifactUri;
  if (typeof artifact !== 'string' || !S3_URI.test(artifact) || artifact.length > 1024) return `toModelArtifactUri must be an s3://bucket/key URI, got ${JSON.stringify(artifact)}`;
  const out: Record<string, unknown> = { toVersion: m[2], toModelPackageArn: arn, toModelArtifactUri: artifact };
  const baseline = detail?.toBaselineUri;
  if (baseline !== undefined) {
    const b = typeof baseline === 'string' ? S3_URI.exec(baseline) : null;
    if (!b || baseline.length > 1024) return `toBaselineUri must be an s3://bucket/key URI when given, got ${JSON.stringify(baseline)}`;
    Object.assign(out, { toBaselineUri: baseline, toBaselineLocation: { bucket: b[1], key: b[2] } });
  }
  return out;
}

type Request = { modelName: string; name: string; time: string; trigger: Record<string, unknown> } | { ignored: string };

async function requestsFor(event: any, settings: StarterSettings, deps: StarterDeps): Promise<Request[]> {
  const source = event?.source;
  const detailType = event?.['detail-type'];
  const time: string = event?.time ?? new Date(0).toISOString();
  if (source === 'aws.cloudwatch' && detailType === 'CloudWatch Alarm State Change') {
    const alarmName: string = event.detail?.alarmName ?? '';
    const state = event.detail?.state ?? {};
    if (state.value !== 'ALARM') return [{ ignored: `alarm ${alarmName} is ${state.value}, not ALARM` }];
    const modelName = modelFromAlarmName(alarmName, settings);
    if (!modelName) return [{ ignored: `alarm ${alarmName} does not name a model with a retrain suffix` }];
    // The transition timestamp identifies the alarm episode: redeliveries and replays share it.
    const stamp: string = state.timestamp ?? time;
    return [{
      modelName,
      name: executionName(modelName, 'alarm', `${alarmName}|${stamp}`),
      time: stamp,
      trigger: { source: 'alarm', alarmName, alarmTimestamp: stamp, reason: String(state.reason ?? '').slice(0, 512), eventId: event.id },
    }];
  }
  if (source === settings.manualSource && detailType === MANUAL_DETAIL_TYPE) {
    const modelName: string = event.detail?.modelName ?? '';
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(modelName)) return [{ ignored: `manual request without a valid modelName (${JSON.stringify(modelName)})` }];
    const requestId: string = String(event.detail?.requestId ?? event.id);
    const trigger: Record<string, unknown> = { source: 'manual', requestId, reason: String(event.detail?.reason ?? '').slice(0, 512), eventId: event.id };
    if (typeof event.detail?.requestedBy === 'string') trigger.requestedBy = event.detail.requestedBy.slice(0, 256);
    const action = event.detail?.action ?? 'retrain';
    if (action === 'rollback') {
      const target = rollbackTarget(event.detail);
      if (typeof target === 'string') return [{ ignored: `rollback request for ${modelName}: ${target}` }];
      Object.assign(trigger, { action }, target);
    } else if (action !== 'retrain') {
      return [{ ignored: `manual request for ${modelName} with an unknown action ${JSON.stringify(action)} (known: retrain, rollback)` }];
    }
    return [{
      modelName,
      name: executionName(modelName, 'manual', `${modelName}|${requestId}`),
      time,
      trigger,
    }];
  }
  if (source === 'aws.events' && detailType === 'Scheduled Event') {
    const models = await deps.listModels();
    return models.map((modelName) => ({
      modelName,
      name: executionName(modelName, 'sched', `${modelName}|${time}`),
      time,
      trigger: { source: 'schedule', scheduledTime: time, eventId: event.id },
    }));
  }
  return [{ ignored: `unexpected event ${source}/${detailType}` }];
}
