// Validation shared by InferenceService (cdk8s) and ModelEndpoint (CDK), so
// errors name whichever construct the user created.
import { IConstruct } from 'constructs';
import { DEFAULT_TARGET_IN_FLIGHT_REQUESTS } from '../../contracts/autoscaling-signal';
import { MODEL_NAME_MAX_LENGTH, dns1035LabelRule, isDns1035Label } from '../../core/naming';
import {
  checkDnsLabel, checkInt, checkPattern, invalid, isToken,
} from '../../core/validation';
import type { InferenceServiceOptions } from '../inference-service-props';
import type {
  InferenceProxyOptions, InferenceSegment, InferenceVariant, ScheduledScalingWindow,
} from '../inference-types';

const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const HTTP_PATH = /^\/[A-Za-z0-9._~\-/]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Default image of the artifact-copy init container. */
export const DEFAULT_ARTIFACT_COPY_IMAGE = 'amazon/aws-cli:2.22.35';
/** Default image of the pre-scaling CronJobs. */
export const DEFAULT_SCALER_IMAGE = 'rancher/kubectl:v1.35.0';
/** Default node selector of GPU pods (the label GpuCluster puts on its GPU nodes). */
export const DEFAULT_GPU_NODE_SELECTOR: Record<string, string> = { 'cdk-mlops.io/node-pool': 'gpu' };

/** Defaults applied when props leave them out. */
export const DEFAULTS = {
  port: 8080,
  cpu: '1',
  memory: '2Gi',
  gpuCount: 0,
  minReplicas: 2,
  maxReplicas: 10,
  targetCpuUtilization: 70,
  targetInFlightRequests: DEFAULT_TARGET_IN_FLIGHT_REQUESTS,
  readinessPath: '/ready',
  livenessPath: '/live',
  startupTimeoutSeconds: 600,
  terminationGracePeriodSeconds: 60,
  preStopSleepSeconds: 15,
  runAsUser: 1000,
  modelVolumeSizeLimit: '20Gi',
  scaleDownStabilizationSeconds: 300,
  proxyCpu: '250m',
  proxyMemory: '256Mi',
} as const;

/**
 * Validates a container image reference: it must be pinned by a tag other
 * than `latest` or by a sha256 digest.
 */
export function checkImage(scope: IConstruct, prop: string, image: string | undefined): void {
  if (image === undefined || isToken(image)) return;
  const allowed = 'must be pinned: "<repository>:<tag>" with a tag other than "latest", or "<repository>@sha256:<64 hex digits>"';
  if (image.trim() !== image || image.length === 0 || /\s/.test(image)) invalid(scope, prop, image, allowed);
  const at = image.indexOf('@');
  if (at >= 0) {
    if (!/^sha256:[a-f0-9]{64}$/.test(image.slice(at + 1)) || at === 0) invalid(scope, prop, image, allowed);
    return;
  }
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= lastSlash || colon === image.length - 1) invalid(scope, prop, image, allowed);
  const tag = image.slice(colon + 1);
  if (tag === 'latest' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) invalid(scope, prop, image, allowed);
}

/** A DNS-1035 name (model, variant, window: they end up in Service names) of at most `maxLength` characters; tokens pass. */
function checkName(scope: IConstruct, prop: string, value: string | undefined, maxLength: number): void {
  if (value !== undefined && isToken(value)) return;
  if (!isDns1035Label(value, maxLength)) invalid(scope, prop, value, dns1035LabelRule(maxLength));
}

/** Validates everything in the options that does not need the whole tree. */
export function checkOptions(scope: IConstruct, o: InferenceServiceOptions): void {
  checkName(scope, 'modelName', o.modelName, MODEL_NAME_MAX_LENGTH);
  checkDnsLabel(scope, 'namespace', o.namespace);
  checkImage(scope, 'image', o.image);
  checkInt(scope, 'port', o.port, 1, 65535);
  checkPattern(scope, 'resources.cpu', o.resources?.cpu, CPU, 'must be a CPU quantity such as "500m" or "2"');
  checkPattern(scope, 'resources.memory', o.resources?.memory, MEMORY, 'must be a memory quantity such as "512Mi" or "8Gi"');
  if (o.resources?.cpu === '0' || o.resources?.cpu === '0m') invalid(scope, 'resources.cpu', o.resources.cpu, 'must be a CPU quantity greater than 0');
  checkInt(scope, 'resources.gpuCount', o.resources?.gpuCount, 0, 16);
  const a = o.autoscaling ?? {};
  checkInt(scope, 'autoscaling.minReplicas', a.minReplicas, 1, 1000);
  checkInt(scope, 'autoscaling.maxReplicas', a.maxReplicas, 1, 1000);
  const min = a.minReplicas ?? DEFAULTS.minReplicas;
  const max = a.maxReplicas ?? Math.max(DEFAULTS.maxReplicas, min);
  if (min > max) invalid(scope, 'autoscaling.minReplicas', min, `must be <= autoscaling.maxReplicas (${max})`);
  checkInt(scope, 'autoscaling.targetInFlightRequests', a.targetInFlightRequests, 1, 10000);
  if (a.targetInFlightRequests !== undefined && resourceScaling(o)) {
    invalid(scope, 'autoscaling.targetInFlightRequests', a.targetInFlightRequests,
      'must not be combined with targetCpuUtilization, targetMemoryUtilization or customMetric: these select a CPU-based HPA; choose one signal');
  }
  checkInt(scope, 'autoscaling.targetCpuUtilization', a.targetCpuUtilization, 1, 100);
  checkInt(scope, 'autoscaling.targetMemoryUtilization', a.targetMemoryUtilization, 1, 100);
  checkInt(scope, 'autoscaling.scaleDownStabilizationSeconds', a.scaleDownStabilizationSeconds, 300, 3600);
  if (a.customMetric) {
    checkPattern(scope, 'autoscaling.customMetric.metricName', a.customMetric.metricName, /^[A-Za-z_][A-Za-z0-9_:.-]{0,199}$/,
      'must be a metric name exposed through the custom metrics API (letters, digits, "_", ":", ".", "-")');
    checkPattern(scope, 'autoscaling.customMetric.targetAverageValue', a.customMetric.targetAverageValue, /^[0-9]+(\.[0-9]+)?(m|k|M|G)?$/,
      'must be a positive quantity such as "20" or "500m"');
  }
  checkPattern(scope, 'readinessPath', o.readinessPath, HTTP_PATH, 'must be an absolute HTTP path such as "/ready"');
  checkPattern(scope, 'livenessPath', o.livenessPath, HTTP_PATH, 'must be an absolute HTTP path such as "/live"');
  checkInt(scope, 'startupTimeoutSeconds', o.startupTimeoutSeconds, 10, 3600);
  checkInt(scope, 'preStopSleepSeconds', o.preStopSleepSeconds, 0, 300);
  checkInt(scope, 'terminationGracePeriodSeconds', o.terminationGracePeriodSeconds, 1, 3600);
  const grace = o.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
  const preStop = o.preStopSleepSeconds ?? DEFAULTS.preStopSleepSeconds;
  if (preStop >= grace) {
    invalid(scope, 'preStopSleepSeconds', preStop, `must be < terminationGracePeriodSeconds (${grace}) so the server gets time to drain after the load balancer stops sending`);
  }
  checkInt(scope, 'runAsUser', o.runAsUser, 1, 2147483647);
  checkPattern(scope, 'modelVolumeSizeLimit', o.modelVolumeSizeLimit, MEMORY, 'must be a size quantity such as "20Gi"');
  checkPattern(scope, 'certificateArn', o.certificateArn, /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
    'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)');
  (o.allowedNamespaces ?? []).forEach((ns, i) => checkDnsLabel(scope, `allowedNamespaces[${i}]`, ns));
  for (const [k, v] of Object.entries(o.gpuNodeSelector ?? {})) {
    checkPattern(scope, `gpuNodeSelector["${k}"]`, k, /^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a Kubernetes label key');
    if (v !== '') checkPattern(scope, `gpuNodeSelector["${k}"]`, v, LABEL_VALUE, 'must be a Kubernetes label value');
  }
  checkEnv(scope, 'env', o.env);
  checkImage(scope, 'artifactCopyImage', o.artifactCopyImage);
  checkImage(scope, 'scalerImage', o.scalerImage);
  if (o.proxy) checkProxy(scope, 'proxy', o.proxy, o.port ?? DEFAULTS.port);
  const names = new Set<string>();
  (o.variants ?? []).forEach((v, i) => {
    checkVariant(scope, `variants[${i}]`, v, o);
    if (names.has(v.name)) invalid(scope, `variants[${i}].name`, v.name, 'must be unique among the variants');
    names.add(v.name);
  });
  checkSegments(scope, o);
  (o.scheduledScaling ?? []).forEach((w, i) => checkWindow(scope, `scheduledScaling[${i}]`, w, o.segments ?? []));
  checkWindowsDisjoint(scope, 'scheduledScaling', o.scheduledScaling ?? []);
}

function checkEnv(scope: IConstruct, prop: string, env: Record<string, string> | undefined): void {
  for (const k of Object.keys(env ?? {})) {
    checkPattern(scope, `${prop}["${k}"]`, k, ENV_NAME, 'must be an environment variable name (letters, digits, "_", not starting with a digit)');
  }
}

/** Validates the proxy sidecar options. */
export function checkProxy(scope: IConstruct, prop: string, p: InferenceProxyOptions, modelPort: number): void {
  checkImage(scope, `${prop}.image`, p.image);
  checkInt(scope, `${prop}.containerPort`, p.containerPort, 1, 65535);
  if (p.containerPort === modelPort) invalid(scope, `${prop}.containerPort`, p.containerPort, `must differ from the model port (${modelPort})`);
  if (p.name !== undefined) {
    checkDnsLabel(scope, `${prop}.name`, p.name);
    if (['model', 'fetch-model'].includes(p.name)) invalid(scope, `${prop}.name`, p.name, 'must not be "model" or "fetch-model" (used by the model containers)');
  }
  checkPattern(scope, `${prop}.resources.cpu`, p.resources?.cpu, CPU, 'must be a CPU quantity such as "250m"');
  checkPattern(scope, `${prop}.resources.memory`, p.resources?.memory, MEMORY, 'must be a memory quantity such as "256Mi"');
  if (p.spillVolume) {
    checkPattern(scope, `${prop}.spillVolume.mountPath`, p.spillVolume.mountPath, /^\/[A-Za-z0-9._\-/]+$/, 'must be an absolute path such as "/var/spool/capture"');
    if (p.spillVolume.mountPath === '/tmp') invalid(scope, `${prop}.spillVolume.mountPath`, p.spillVolume.mountPath, 'must not be /tmp (the proxy\'s /tmp is its own emptyDir)');
    checkPattern(scope, `${prop}.spillVolume.sizeLimit`, p.spillVolume.sizeLimit, MEMORY, 'must be a size quantity such as "1Gi"');
  }
  checkEnv(scope, `${prop}.env`, p.env);
}

/** Validates one variant (not the cross-variant weight sum). */
export function checkVariant(scope: IConstruct, prop: string, v: InferenceVariant, o: InferenceServiceOptions): void {
  checkName(scope, `${prop}.name`, v.name, 20);
  checkPattern(scope, `${prop}.modelVersion`, v.modelVersion, LABEL_VALUE,
    'must be 1-63 characters usable as a Kubernetes label value (letters, digits, "-", "_", "."; starting and ending with a letter or digit)');
  if (v.modelVersion === undefined) invalid(scope, `${prop}.modelVersion`, v.modelVersion, 'is required');
  checkInt(scope, `${prop}.weight`, v.weight, 0, 100);
  checkInt(scope, `${prop}.minReplicas`, v.minReplicas, 1, 1000);
  checkInt(scope, `${prop}.maxReplicas`, v.maxReplicas, 1, 1000);
  const { min, max } = variantBounds(v, o);
  if (min > max) invalid(scope, `${prop}.minReplicas`, min, `must be <= ${prop}.maxReplicas (${max})`);
  checkImage(scope, `${prop}.image`, v.image);
  if (v.artifactKey !== undefined && !isToken(v.artifactKey) && (v.artifactKey.startsWith('/') || v.artifactKey.length === 0)) {
    invalid(scope, `${prop}.artifactKey`, v.artifactKey, 'must be a non-empty S3 key relative to the bucket (no leading "/")');
  }
}

/** True when the options ask for a resource-metric (CPU) HPA rather than the request-driven default. */
export function resourceScaling(o: InferenceServiceOptions): boolean {
  const a = o.autoscaling ?? {};
  return a.targetCpuUtilization !== undefined || a.targetMemoryUtilization !== undefined || a.customMetric !== undefined;
}

/** The replica bounds of a variant, falling back to the service's autoscaling defaults. */
export function variantBounds(v: InferenceVariant, o: InferenceServiceOptions): { min: number; max: number } {
  const min = v.minReplicas ?? o.autoscaling?.minReplicas ?? DEFAULTS.minReplicas;
  const max = v.maxReplicas ?? o.autoscaling?.maxReplicas ?? Math.max(DEFAULTS.maxReplicas, min);
  return { min, max };
}

/** Cross-variant checks (need the final set of variants): returns error messages. */
export function variantSetErrors(path: string, variants: readonly InferenceVariant[]): string[] {
  if (variants.length === 0) {
    return [`[cdk-mlops] ${path}: invalid prop "variants" ([]): must contain at least one variant (pass "variants" or call addVariant())`];
  }
  const sum = variants.reduce((s, v) => s + v.weight, 0);
  if (sum !== 100) {
    const list = variants.map((v) => `${v.name}=${v.weight}`).join(', ');
    return [`[cdk-mlops] ${path}: invalid prop "variants[*].weight" (${list}): the integer weights must sum to 100 (they sum to ${sum})`];
  }
  return [];
}

/** Validates a scheduled scaling window on its own. */
export function checkWindow(scope: IConstruct, prop: string, w: ScheduledScalingWindow, segments: readonly InferenceSegment[]): void {
  checkName(scope, `${prop}.name`, w.name, 30);
  if (w.segment !== undefined && !segments.some((s) => s.name === w.segment)) {
    invalid(scope, `${prop}.segment`, w.segment, segments.length === 0
      ? 'must name a segment of the model, and it has none (leave segment out to pre-scale the model)'
      : `must name a segment of the model (${segments.map((s) => s.name).join(', ')})`);
  }
  if (!isValidTimeZone(w.timeZone)) {
    invalid(scope, `${prop}.timeZone`, w.timeZone, 'must be an IANA time zone name such as "America/New_York" or "UTC"');
  }
  for (const key of ['start', 'end'] as const) {
    if (parseLocal(w[key]) === undefined) {
      invalid(scope, `${prop}.${key}`, w[key], 'must be a local date-time "YYYY-MM-DDTHH:mm" (in timeZone), e.g. "2026-11-26T18:00"');
    }
  }
  const { start, end } = windowUtc(w);
  if (end <= start) invalid(scope, `${prop}.end`, w.end, `must be after start (${w.start})`);
  if (end - start > 31 * 24 * 3600_000) invalid(scope, `${prop}.end`, w.end, `must be at most 31 days after start (${w.start}); windows recur yearly on the same dates`);
  checkInt(scope, `${prop}.minReplicas`, w.minReplicas, 1, 1000);
  checkInt(scope, `${prop}.maxReplicas`, w.maxReplicas, 1, 1000);
  checkInt(scope, `${prop}.leadTimeMinutes`, w.leadTimeMinutes, 0, 24 * 60);
  if (w.maxReplicas !== undefined && w.maxReplicas < w.minReplicas) {
    invalid(scope, `${prop}.maxReplicas`, w.maxReplicas, `must be >= ${prop}.minReplicas (${w.minReplicas})`);
  }
}

/**
 * Windows of the same target (the default route, or one segment) must not overlap (compared as UTC instants, so
 * different time zones work); names are unique across all windows (they name the CronJobs).
 */
export function checkWindowsDisjoint(scope: IConstruct, prop: string, windows: readonly ScheduledScalingWindow[]): void {
  const names = new Set<string>();
  windows.forEach((w, i) => {
    if (names.has(w.name)) invalid(scope, `${prop}[${i}].name`, w.name, 'must be unique among the scheduled scaling windows');
    names.add(w.name);
  });
  const spans = windows.map((w, i) => ({ i, w, ...windowUtc(w) })).sort((a, b) => a.start - b.start);
  for (let k = 1; k < spans.length; k++) {
    const cur = spans[k];
    const prev = spans.slice(0, k).reverse().find((x) => x.w.segment === cur.w.segment);
    if (prev && cur.start < prev.end) {
      invalid(scope, `${prop}[${cur.i}]`, `${cur.w.name}: ${cur.w.start}..${cur.w.end} ${cur.w.timeZone}`,
        `must not overlap window "${prev.w.name}" (${prev.w.start}..${prev.w.end} ${prev.w.timeZone}); merge them or move one`);
    }
  }
}

/** True when `Intl` knows the IANA zone. */
export function isValidTimeZone(tz: string | undefined): boolean {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

interface LocalTime { y: number; mo: number; d: number; h: number; mi: number }

/** Parses "YYYY-MM-DDTHH:mm" (rejecting impossible dates such as Feb 30). */
export function parseLocal(s: string | undefined): LocalTime | undefined {
  const m = typeof s === 'string' ? LOCAL_TIME.exec(s) : null;
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59) return undefined;
  return { y, mo, d, h, mi };
}

/** Offset (ms) of a zone at an instant: local wall clock minus UTC. */
function zoneOffset(utcMs: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utcMs;
}

/** Converts a local wall-clock time in an IANA zone to a UTC instant (ms). */
export function zonedToUtc(l: LocalTime, tz: string): number {
  const wall = Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi);
  let utc = wall - zoneOffset(wall, tz);
  utc = wall - zoneOffset(utc, tz);
  return utc;
}

/** The window as UTC instants. */
export function windowUtc(w: ScheduledScalingWindow): { start: number; end: number } {
  return {
    start: zonedToUtc(parseLocal(w.start)!, w.timeZone),
    end: zonedToUtc(parseLocal(w.end)!, w.timeZone),
  };
}

/**
 * A cron expression firing every year ("m h dom mon *") at a local time, `earlierMinutes` before it on the wall
 * clock, for a CronJob with `timeZone`.
 */
export function yearlyCron(local: string, earlierMinutes: number = 0): string {
  const l = parseLocal(local)!;
  const t = new Date(Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi) - earlierMinutes * 60_000);
  return `${t.getUTCMinutes()} ${t.getUTCHours()} ${t.getUTCDate()} ${t.getUTCMonth() + 1} *`;
}

/** The lead time of a window in minutes: its own, else node start-up plus the model's start-up timeout. */
export function windowLeadMinutes(w: ScheduledScalingWindow, o: InferenceServiceOptions & { nodeStartupSeconds?: number }): number {
  if (w.leadTimeMinutes !== undefined) return w.leadTimeMinutes;
  const gpu = (o.resources?.gpuCount ?? DEFAULTS.gpuCount) > 0;
  const node = o.nodeStartupSeconds ?? (gpu ? 300 : 120);
  return Math.ceil((node + (o.startupTimeoutSeconds ?? DEFAULTS.startupTimeoutSeconds)) / 60);
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,40}$/;
const MATCH_VALUE = /^[\x21-\x7e]([\x20-\x7e]{0,126}[\x21-\x7e])?$/;

/** The segment as a variant of weight 0 (it gets its own Deployment, Service, HPA and PDB). */
export function segmentVariant(s: InferenceSegment): InferenceVariant {
  return {
    name: s.name, modelVersion: s.modelVersion, weight: 0, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas,
    image: s.image, artifactKey: s.artifactKey,
  };
}

/** Segments: names, a match that can match something, and no two segments matching the same request. */
export function checkSegments(scope: IConstruct, o: InferenceServiceOptions): void {
  const segments = o.segments ?? [];
  const variantNames = new Set((o.variants ?? []).map((v) => v.name));
  const seen = new Map<string, { seg: string; values: string[] }[]>();
  segments.forEach((s, i) => {
    const prop = `segments[${i}]`;
    checkVariant(scope, prop, segmentVariant(s), o);
    if (variantNames.has(s.name)) invalid(scope, `${prop}.name`, s.name, 'must differ from every variant name (both name Services)');
    if (segments.findIndex((x) => x.name === s.name) !== i) invalid(scope, `${prop}.name`, s.name, 'must be unique among the segments');
    const m = s.match ?? ({} as any);
    if ((m.header === undefined) === (m.queryParameter === undefined)) {
      invalid(scope, `${prop}.match`, m, 'must set exactly one of header and queryParameter: a segment that matches nothing never gets traffic');
    }
    if (!Array.isArray(m.values) || m.values.length === 0 || m.values.length > 5) {
      invalid(scope, `${prop}.match.values`, m.values, 'must list 1-5 values (an empty list matches nothing; the ALB allows 5 values per condition)');
    }
    if (m.header !== undefined) checkPattern(scope, `${prop}.match.header`, m.header, HEADER_NAME, 'must be an HTTP header name (1-40 token characters)');
    if (m.queryParameter !== undefined) checkPattern(scope, `${prop}.match.queryParameter`, m.queryParameter, /^[A-Za-z0-9._~-]{1,128}$/, 'must be a query-string key (1-128 unreserved characters)');
    m.values.forEach((v: string, k: number) => checkPattern(scope, `${prop}.match.values[${k}]`, v, MATCH_VALUE, 'must be 1-128 printable ASCII characters, not starting or ending with a space'));
    // Overlap: the same header (case-insensitive) or query key with a value in common (ALB compares values case-insensitively).
    const field = m.header !== undefined ? `header:${m.header.toLowerCase()}` : `query:${m.queryParameter}`;
    const values = m.values.map((v: string) => v.toLowerCase());
    for (const other of seen.get(field) ?? []) {
      const common = values.filter((v: string) => other.values.includes(v) || other.values.includes('*') || v === '*');
      if (common.length > 0) {
        invalid(scope, `${prop}.match`, m, `overlaps segment "${other.seg}" (both match ${field.replace(':', ' ')} = ${common.join(', ')}): a request must route to one segment`);
      }
    }
    seen.set(field, [...(seen.get(field) ?? []), { seg: s.name, values }]);
  });
}
