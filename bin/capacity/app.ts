/**
 * Reads a model's scaling settings from a synthesized app (a cdk.out directory): the Kubernetes
 * manifests of `Custom::AWSCDK-EKS-KubernetesResource` resources (the `Manifest` property, a JSON
 * string or an `Fn::Join` whose tokens become placeholders), and where the GPU nodes come from.
 *
 *  - HPAs (autoscaling/v2) labelled `app.kubernetes.io/name: <model>`: min/max, metrics, behavior
 *    (KEDA ScaledObjects too: minReplicaCount/maxReplicaCount and the HPA behavior they carry);
 *  - the Deployment each scales: `nvidia.com/gpu` per pod, node selector, start-up probe;
 *  - the Ingress weighted-routing annotation: each variant's share of the traffic;
 *  - pre-scaling CronJobs (`kubectl patch horizontalpodautoscaler <name> ... {"spec":{"minReplicas":N}}`,
 *    schedule `mi h d mo *` in `spec.timeZone`): the window's floor per HPA, its start and its lead
 *    time (see `windowLead`);
 *  - GPU nodes, either
 *    - a `karpenter.sh` NodePool (EKS Auto Mode; GpuCluster's `cdk-mlops-gpu`) whose template labels
 *      match the pods' node selector: GPUs per node from its instance requirements (see
 *      `nodeGpuCounts`), the node limit from `limits["nvidia.com/gpu"]`, no minimum, and node
 *      start-up GpuCluster's documented `gpuNodeStartup` default (it is not in the template); or
 *    - an `AWS::EKS::Nodegroup` whose labels match (an app synthesized before GpuCluster moved to
 *      Auto Mode): GPUs per node from the instance type, minimum and maximum nodes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ScalingPolicy, ScalingRules } from './planner';

/** A problem with the app or the model's settings (exit code 2). */
export class AppSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppSettingsError';
  }
}

/** A pre-scaling window as scheduled by CronJobs: local cron times in a time zone. */
export interface CronWindow {
  readonly name: string;
  /** "mi h d mo *": the window's start, when its capacity must be Ready (the start CronJob's schedule + leadMinutes). */
  readonly startSchedule: string;
  /** "mi h d mo *" of the CronJob that raises the floor, as rendered. */
  readonly prescaleSchedule: string;
  /** Minutes the start CronJob fires before the window's start (wall clock of timeZone). */
  readonly leadMinutes: number;
  /** "mi h d mo *" of the CronJob that restores it. */
  readonly endSchedule: string;
  readonly timeZone: string;
  readonly minReplicas: number;
  readonly maxReplicas?: number;
}

/** One HPA of the model as synthesized. */
export interface AppTarget {
  /** HPA name. */
  readonly name: string;
  readonly variant?: string;
  readonly segment?: string;
  readonly trafficShare?: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target utilization derived from the metrics (with rpsPerReplica for request-rate metrics). */
  readonly targetUtilization: (rpsPerReplica: number | undefined) => number | undefined;
  /** What each metric means for the planner (printed as notes). */
  readonly metricNotes: string[];
  readonly scaleUp?: ScalingRules;
  readonly scaleDown?: ScalingRules;
  readonly gpusPerPod: number;
  readonly windows: CronWindow[];
}

export interface AppSettings {
  readonly stack: string;
  readonly model: string;
  readonly targets: AppTarget[];
  /** GPUs of the node a pod of the model lands on (see nodeGpuCounts). */
  readonly gpusPerNode?: number;
  /** GPUs per instance of every instance type the GPU NodePool allows, ascending (Auto Mode apps). */
  readonly nodeGpuCounts?: number[];
  readonly minNodes?: number;
  /** Node limit of a node group (MaxSize). An Auto Mode app limits GPUs instead: maxGpus. */
  readonly maxNodes?: number;
  /** The GPU NodePool's `limits["nvidia.com/gpu"]`: nodes = floor(maxGpus / GPUs per node). */
  readonly maxGpus?: number;
  /** Seconds from a GPU node launched to Ready, when the app implies one (Auto Mode: GpuCluster's default). */
  readonly nodeStartupSeconds?: number;
  readonly notes: string[];
}

/** GPUs per instance for the GPU instance types a node group names (EC2 accelerated computing). */
const GPUS_PER_INSTANCE: Record<string, Record<string, number>> = {
  g4dn: { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, 'metal': 8 },
  g5: { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  g6: { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  g6e: { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  p3: { '2xlarge': 1, '8xlarge': 4, '16xlarge': 8 },
  p3dn: { '24xlarge': 8 },
  p4d: { '24xlarge': 8 },
  p4de: { '24xlarge': 8 },
  p5: { '48xlarge': 8 },
  p5e: { '48xlarge': 8 },
  p5en: { '48xlarge': 8 },
};

/** GPUs of an instance type, or undefined when the type is not in the table. */
export function gpusOfInstanceType(type: string): number | undefined {
  const [family, size] = type.split('.');
  return GPUS_PER_INSTANCE[family]?.[size];
}

/** Node labels of an instance's family, size, type and GPU count (Auto Mode's, then Karpenter on EC2's). */
const FAMILY_KEYS = ['eks.amazonaws.com/instance-family', 'karpenter.k8s.aws/instance-family'];
const SIZE_KEYS = ['eks.amazonaws.com/instance-size', 'karpenter.k8s.aws/instance-size'];
const TYPE_KEYS = ['node.kubernetes.io/instance-type'];
const GPU_COUNT_KEYS = ['eks.amazonaws.com/instance-gpu-count', 'karpenter.k8s.aws/instance-gpu-count'];

interface Requirement { key: string; operator: string; values?: string[] }

/** Whether a label value satisfies a NodePool requirement (Kubernetes node selector operators). */
function satisfies(r: Requirement, value: string): boolean {
  const values = (r.values ?? []).map(String);
  switch (r.operator) {
    case 'In': return values.includes(value);
    case 'NotIn': return !values.includes(value);
    case 'Exists': return true;
    case 'DoesNotExist': return false;
    case 'Gt': return Number(value) > Number(values[0]);
    case 'Lt': return Number(value) < Number(values[0]);
    default: return true;
  }
}

/**
 * The GPUs per instance of every instance type a NodePool's requirements allow (ascending,
 * distinct), from the table above; `unknownFamilies` lists the allowed families the table lacks.
 * Undefined when no requirement names families or instance types (any GPU instance could come).
 */
export function nodeGpuCounts(requirements: Requirement[]): { counts: number[]; unknownFamilies: string[] } | undefined {
  const on = (keys: string[]) => requirements.filter((r) => keys.includes(r.key));
  const families = on(FAMILY_KEYS);
  const types = on(TYPE_KEYS);
  if (!families.some((r) => r.operator === 'In') && !types.some((r) => r.operator === 'In')) return undefined;
  const counts = new Set<number>();
  for (const [family, sizes] of Object.entries(GPUS_PER_INSTANCE)) {
    for (const [size, gpus] of Object.entries(sizes)) {
      const ok = families.every((r) => satisfies(r, family)) && on(SIZE_KEYS).every((r) => satisfies(r, size))
        && types.every((r) => satisfies(r, `${family}.${size}`)) && on(GPU_COUNT_KEYS).every((r) => satisfies(r, String(gpus)));
      if (ok) counts.add(gpus);
    }
  }
  const named = [...families.filter((r) => r.operator === 'In').flatMap((r) => r.values ?? []),
    ...types.filter((r) => r.operator === 'In').flatMap((r) => (r.values ?? []).map((t) => String(t).split('.')[0]))];
  const unknownFamilies = [...new Set(named.map(String).filter((f) => GPUS_PER_INSTANCE[f] === undefined))];
  return { counts: [...counts].sort((a, b) => a - b), unknownFamilies };
}

/**
 * GPUs per node for pods of `gpusPerPod` GPUs: the smallest GPU count of the allowed instance
 * types that holds one such pod. Karpenter (Auto Mode) launches the cheapest instance types that
 * fit the pending pods, and in the G families a single-GPU size costs less per GPU than the 4- and
 * 8-GPU sizes, so one-GPU pods get one-GPU nodes; the P families only come with 8. Undefined when
 * no allowed type fits, or when a family the table does not know could be smaller.
 */
export function gpusPerNodeFor(c: { counts: number[]; unknownFamilies: string[] }, gpusPerPod: number): number | undefined {
  const fit = c.counts.find((n) => n >= Math.max(1, gpusPerPod));
  // an unknown family might hold a smaller fit, unless the fit is already the pod's own GPUs
  if (fit === undefined || (c.unknownFamilies.length > 0 && fit > Math.max(1, gpusPerPod))) return undefined;
  return fit;
}

/** A CloudFormation string expression with tokens replaced by a placeholder. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as any)?.['Fn::Join'];
  if (Array.isArray(join) && join.length === 2 && Array.isArray(join[1])) {
    return join[1].map((p: unknown) => (typeof p === 'string' ? p : typeof (p as any)?.['Fn::Join'] === 'object' ? flatten(p) : 'TOKEN')).join(join[0]);
  }
  throw new Error('not a string or Fn::Join');
}

interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
}

interface StackObjects { stack: string; objects: K8sObject[]; nodegroups: any[] }

function readStacks(dir: string): StackObjects[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    throw new AppSettingsError(`cannot read --app ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message} (run "npx cdk synth" first)`);
  }
  const files: string[] = [];
  for (const f of entries) {
    if (f.endsWith('.template.json')) files.push(path.join(dir, f));
    // nested assemblies (stages)
    if (f.startsWith('assembly-') && fs.statSync(path.join(dir, f)).isDirectory()) {
      for (const g of fs.readdirSync(path.join(dir, f))) if (g.endsWith('.template.json')) files.push(path.join(dir, f, g));
    }
  }
  if (files.length === 0) throw new AppSettingsError(`--app ${dir} holds no *.template.json (is it a cdk.out directory?)`);
  return files.sort().map((file) => {
    let template: any;
    try {
      template = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new AppSettingsError(`cannot parse ${file}: ${(e as Error).message}`);
    }
    const objects: K8sObject[] = [];
    const nodegroups: any[] = [];
    for (const [id, r] of Object.entries<any>(template.Resources ?? {})) {
      if (r.Type === 'AWS::EKS::Nodegroup') nodegroups.push(r.Properties ?? {});
      if (r.Type !== 'Custom::AWSCDK-EKS-KubernetesResource' || r.Properties?.Manifest === undefined) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(flatten(r.Properties.Manifest));
      } catch (e) {
        throw new AppSettingsError(`${path.basename(file)}: resource ${id}: the Manifest is not a JSON list of objects (${(e as Error).message})`);
      }
      for (const o of Array.isArray(parsed) ? parsed : [parsed]) if (o && typeof o === 'object') objects.push(o as K8sObject);
    }
    return { stack: path.basename(file).replace(/\.template\.json$/, ''), objects, nodegroups };
  });
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) return Number(v);
  if (typeof v === 'string' && /^\d+m$/.test(v)) return Number(v.slice(0, -1)) / 1000;
  return undefined;
}

function rules(b: any, where: string): ScalingRules | undefined {
  if (!b) return undefined;
  const policies: ScalingPolicy[] | undefined = Array.isArray(b.policies)
    ? b.policies.map((p: any) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds }))
    : undefined;
  const dflt = where === 'scaleUp'
    ? { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [{ type: 'Pods' as const, value: 4, periodSeconds: 15 }, { type: 'Percent' as const, value: 100, periodSeconds: 15 }] }
    : { stabilizationWindowSeconds: 300, selectPolicy: 'Max' as const, policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }] };
  return {
    stabilizationWindowSeconds: b.stabilizationWindowSeconds ?? dflt.stabilizationWindowSeconds,
    selectPolicy: b.selectPolicy ?? dflt.selectPolicy,
    policies: policies ?? dflt.policies,
  };
}

const REQUEST_RATE = /request|req_|rps|qps|invocation/i;
const PER_SECOND = /per_?second|_rate|rps|qps|per_?sec/i;

/**
 * The target utilization the metrics imply: CPU `averageUtilization` / 100 (the planner assumes a
 * replica's CPU reaches its request at its capacity); a per-pod request-rate metric's
 * `averageValue` / rpsPerReplica. Other metrics (memory, in-flight requests, GPU utilisation,
 * external) are not derived from traffic: noted and left out. Several metrics: the HPA takes the
 * largest recommendation, which for load-proportional metrics is the lowest target.
 */
function metricTargets(metrics: any[]): { notes: string[]; derive: (rpsPerReplica: number | undefined) => number | undefined } {
  const notes: string[] = [];
  const fixed: number[] = [];
  const perRps: number[] = [];
  for (const m of metrics ?? []) {
    if (m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization') {
      fixed.push(m.resource.target.averageUtilization / 100);
      notes.push(`cpu ${m.resource.target.averageUtilization}% of request -> utilization ${m.resource.target.averageUtilization / 100}`);
    } else if (m.type === 'Pods' && REQUEST_RATE.test(m.pods?.metric?.name ?? '') && PER_SECOND.test(m.pods?.metric?.name ?? '') && num(m.pods?.target?.averageValue) !== undefined) {
      const v = num(m.pods.target.averageValue)!;
      perRps.push(v);
      notes.push(`${m.pods.metric.name} ${v}/pod -> utilization ${v} / rps-per-replica`);
    } else {
      const name = m.type === 'Resource' ? m.resource?.name : m.pods?.metric?.name ?? m.object?.metric?.name ?? m.external?.metric?.name ?? '?';
      notes.push(`${m.type} metric "${name}" is not derived from traffic: ignored (use --target-utilization to set the target)`);
    }
  }
  return {
    notes,
    derive: (rpsPerReplica) => {
      const all = [...fixed, ...(rpsPerReplica ? perRps.map((v) => v / rpsPerReplica) : [])];
      return all.length ? Math.min(...all) : undefined;
    },
  };
}

function kedaTargets(triggers: any[]): { notes: string[]; derive: (rpsPerReplica: number | undefined) => number | undefined } {
  const notes: string[] = [];
  const fixed: number[] = [];
  for (const t of triggers ?? []) {
    if (t.type === 'cpu' && (t.metricType ?? 'Utilization') === 'Utilization' && num(t.metadata?.value) !== undefined) {
      fixed.push(num(t.metadata.value)! / 100);
      notes.push(`KEDA cpu ${t.metadata.value}% -> utilization ${num(t.metadata.value)! / 100}`);
    } else {
      notes.push(`KEDA trigger "${t.type}" is not derived from traffic: ignored (use --target-utilization to set the target)`);
    }
  }
  return { notes, derive: () => (fixed.length ? Math.min(...fixed) : undefined) };
}

/** Reads the settings of one model (optionally one segment / variant) from a cdk.out directory. */
export function readAppSettings(dir: string, model: string, opts: { stack?: string; segment?: string; variant?: string } = {}): AppSettings {
  const stacks = readStacks(dir);
  const isScaler = (o: K8sObject) => (o.kind === 'HorizontalPodAutoscaler' && (o.apiVersion ?? '').startsWith('autoscaling/'))
    || (o.kind === 'ScaledObject' && (o.apiVersion ?? '').startsWith('keda.sh/'));
  const modelOf = (o: K8sObject) => o.metadata?.labels?.['app.kubernetes.io/name'];
  const candidates = stacks.filter((s) => (!opts.stack || s.stack === opts.stack) && s.objects.some((o) => isScaler(o) && modelOf(o) === model));
  if (opts.stack && !stacks.some((s) => s.stack === opts.stack)) {
    throw new AppSettingsError(`--stack ${opts.stack}: no such stack in ${dir} (stacks: ${stacks.map((s) => s.stack).join(', ')})`);
  }
  if (candidates.length === 0) {
    const models = [...new Set(stacks
      .filter((s) => !opts.stack || s.stack === opts.stack)
      .flatMap((s) => s.objects.filter(isScaler).map(modelOf).filter((m): m is string => !!m)))].sort();
    throw new AppSettingsError(`--model ${model}: no HorizontalPodAutoscaler labelled app.kubernetes.io/name=${model} in ${opts.stack ? `stack ${opts.stack}` : dir} (models: ${models.join(', ') || 'none'})`);
  }
  if (candidates.length > 1) {
    throw new AppSettingsError(`--model ${model} is in several stacks (${candidates.map((s) => s.stack).join(', ')}): choose one with --stack`);
  }
  const { stack, objects, nodegroups } = candidates[0];
  const notes: string[] = [];
  let scalers = objects.filter((o) => isScaler(o) && modelOf(o) === model);
  const segOf = (o: K8sObject) => o.metadata?.labels?.['cdk-mlops.io/segment'];
  if (opts.segment) {
    scalers = scalers.filter((o) => segOf(o) === opts.segment);
    if (scalers.length === 0) {
      const segs = [...new Set(objects.filter((o) => isScaler(o) && modelOf(o) === model).map(segOf).filter(Boolean))];
      throw new AppSettingsError(`--segment ${opts.segment}: model ${model} has no HPA labelled cdk-mlops.io/segment=${opts.segment} (segments: ${segs.join(', ') || 'none'})`);
    }
  } else {
    const segmented = scalers.filter((o) => segOf(o) !== undefined);
    if (segmented.length > 0) notes.push(`model ${model} has segments (${[...new Set(segmented.map(segOf))].join(', ')}); planning the default route (use --segment for a segment, with that segment's traffic)`);
    scalers = scalers.filter((o) => segOf(o) === undefined);
  }
  if (opts.variant) {
    const all = scalers;
    scalers = scalers.filter((o) => o.metadata?.labels?.['cdk-mlops.io/variant'] === opts.variant || o.metadata?.name === opts.variant);
    if (scalers.length === 0) {
      throw new AppSettingsError(`--variant ${opts.variant}: no such variant of ${model} (variants: ${all.map((o) => o.metadata?.labels?.['cdk-mlops.io/variant'] ?? o.metadata?.name).join(', ')})`);
    }
  }

  // traffic weights from the ALB Ingress's forward action(s)
  const weights = new Map<string, number>();
  for (const o of objects) {
    if (o.kind !== 'Ingress' || modelOf(o) !== model) continue;
    for (const [k, v] of Object.entries(o.metadata?.annotations ?? {})) {
      if (!k.startsWith('alb.ingress.kubernetes.io/actions.')) continue;
      try {
        const action = JSON.parse(v);
        for (const tg of action?.forwardConfig?.targetGroups ?? []) if (typeof tg.serviceName === 'string' && typeof tg.weight === 'number') weights.set(tg.serviceName, tg.weight);
      } catch {
        // not a JSON action: not a weighted route
      }
    }
  }
  const allWeight = [...weights.values()].reduce((a, b) => a + b, 0);

  // where the GPU nodes come from: a NodePool (Auto Mode) or a managed node group (older apps)
  const selector: Record<string, string> = (() => {
    for (const t of scalers) {
      const d = objects.find((x) => x.kind === 'Deployment' && x.metadata?.name === t.spec?.scaleTargetRef?.name);
      const sel = d?.spec?.template?.spec?.nodeSelector;
      if (sel) return sel;
    }
    return {};
  })();
  const selKeys = Object.keys(selector);
  const gpuTaint = (taints: any[] | undefined, key: string) => (taints ?? []).some((t: any) => t?.[key] === 'nvidia.com/gpu');
  const pools = objects.filter((o) => o.kind === 'NodePool' && (o.apiVersion ?? '').startsWith('karpenter.sh/')).filter((o) => {
    const tmpl = o.spec?.template ?? {};
    const labels: Record<string, string> = { ...(tmpl.metadata?.labels ?? {}) };
    // a requirement with one value is a label of every node of the pool
    for (const r of (tmpl.spec?.requirements ?? []) as Requirement[]) if (r.operator === 'In' && r.values?.length === 1) labels[r.key] = String(r.values[0]);
    if (selKeys.length > 0) return selKeys.every((k) => labels[k] === selector[k]);
    return gpuTaint(tmpl.spec?.taints, 'key') || o.spec?.limits?.['nvidia.com/gpu'] !== undefined;
  });
  const groups = pools.length > 0 ? [] : nodegroups.filter((g) => {
    const labels = g.Labels ?? {};
    if (selKeys.length > 0) return selKeys.every((k) => labels[k] === selector[k]);
    return gpuTaint(g.Taints, 'Key');
  });
  // ModelEndpoint renders lead times since GpuCluster moved to Auto Mode; with a node group, the app is older
  const legacyApp = pools.length === 0 && groups.length > 0;

  const targets: AppTarget[] = scalers.map((o) => {
    const name = o.metadata?.name ?? '?';
    const ns = o.metadata?.namespace;
    const keda = o.kind === 'ScaledObject';
    const spec = o.spec ?? {};
    const deploymentName = spec.scaleTargetRef?.name;
    const deployment = objects.find((d) => d.kind === 'Deployment' && d.metadata?.name === deploymentName && d.metadata?.namespace === ns);
    let gpusPerPod = 0;
    for (const c of deployment?.spec?.template?.spec?.containers ?? []) {
      gpusPerPod += num(c.resources?.requests?.['nvidia.com/gpu']) ?? num(c.resources?.limits?.['nvidia.com/gpu']) ?? 0;
    }
    if (!deployment) notes.push(`${name}: Deployment ${deploymentName} not found in the template; assuming no GPU per pod`);
    const behavior = keda ? spec.advanced?.horizontalPodAutoscalerConfig?.behavior : spec.behavior;
    const metrics = keda ? kedaTargets(spec.triggers) : metricTargets(spec.metrics);
    const minReplicas = keda ? (spec.minReplicaCount ?? 0) : (spec.minReplicas ?? 1);
    const maxReplicas = keda ? (spec.maxReplicaCount ?? 100) : spec.maxReplicas;
    // a Service named like the Deployment receives the weighted traffic
    const weight = weights.get(deploymentName) ?? weights.get(name);
    const trafficShare = weight !== undefined && allWeight > 0 ? weight / allWeight : undefined;

    // pre-scaling CronJobs that patch this HPA
    const windows: CronWindow[] = [];
    const byWindow = new Map<string, { start?: K8sObject; end?: K8sObject }>();
    for (const c of objects) {
      if (c.kind !== 'CronJob' || c.metadata?.namespace !== ns) continue;
      const containers: any[] = c.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [];
      if (!containers.some((k) => patchOf(k, name) !== undefined)) continue;
      const wname = c.metadata?.labels?.['cdk-mlops.io/window'] ?? (c.metadata?.name ?? '').replace(/-(start|end)$/, '');
      const edge = /-end$/.test(c.metadata?.name ?? '') ? 'end' : 'start';
      const e = byWindow.get(wname) ?? {};
      e[edge] = c;
      byWindow.set(wname, e);
    }
    const lead = byWindow.size > 0 ? windowLead(deployment, gpusPerPod, legacyApp) : undefined;
    if (lead && !notes.includes(lead.note)) notes.push(lead.note);
    for (const [wname, e] of byWindow) {
      if (!e.start || !e.end) {
        notes.push(`${name}: window ${wname} has no ${e.start ? 'end' : 'start'} CronJob; ignored`);
        continue;
      }
      const patch = (e.start.spec.jobTemplate.spec.template.spec.containers as any[]).map((k) => patchOf(k, name)).find((p) => p !== undefined)!;
      if (typeof patch.minReplicas !== 'number') {
        notes.push(`${name}: window ${wname} does not patch minReplicas; ignored`);
        continue;
      }
      const where = `${name} window ${wname}`;
      const leadMinutes = lead?.minutes ?? 0;
      windows.push({
        name: wname,
        startSchedule: shiftYearlyCron(e.start.spec.schedule, leadMinutes, `${where} start`),
        prescaleSchedule: e.start.spec.schedule,
        leadMinutes,
        endSchedule: e.end.spec.schedule,
        timeZone: e.start.spec.timeZone ?? 'Etc/UTC',
        minReplicas: patch.minReplicas,
        maxReplicas: typeof patch.maxReplicas === 'number' ? patch.maxReplicas : undefined,
      });
    }
    return {
      name,
      variant: o.metadata?.labels?.['cdk-mlops.io/variant'],
      segment: segOf(o),
      trafficShare,
      minReplicas,
      maxReplicas,
      targetUtilization: metrics.derive,
      metricNotes: metrics.notes,
      scaleUp: rules(behavior?.scaleUp, 'scaleUp'),
      scaleDown: rules(behavior?.scaleDown, 'scaleDown'),
      gpusPerPod,
      windows,
    };
  });

  let gpusPerNode: number | undefined;
  let nodeGpus: number[] | undefined;
  let minNodes: number | undefined;
  let maxNodes: number | undefined;
  let maxGpus: number | undefined;
  let nodeStartupSeconds: number | undefined;
  const podGpus = Math.max(0, ...targets.map((t) => t.gpusPerPod));
  if (pools.length === 1) {
    const pool = pools[0];
    const pname = pool.metadata?.name ?? '?';
    const requirements: Requirement[] = pool.spec?.template?.spec?.requirements ?? [];
    const allowed = nodeGpuCounts(requirements);
    if (!allowed) {
      notes.push(`GPU NodePool ${pname} names no instance families or types: GPUs per node not known (use --gpus-per-node)`);
    } else {
      nodeGpus = allowed.counts;
      gpusPerNode = gpusPerNodeFor(allowed, podGpus);
      const what = requirements.filter((r) => [...FAMILY_KEYS, ...TYPE_KEYS, ...SIZE_KEYS, ...GPU_COUNT_KEYS].includes(r.key))
        .map((r) => `${r.key.split('/')[1]} ${r.operator} ${(r.values ?? []).join(',')}`).join('; ');
      notes.push(gpusPerNode !== undefined
        ? `GPU NodePool ${pname} (${what}): ${gpusPerNode} GPU(s) per node, the smallest of its instance types (${allowed.counts.join('/')} GPUs) that holds a ${Math.max(1, podGpus)}-GPU pod, as Karpenter picks the cheapest fit (use --gpus-per-node otherwise)`
        : `GPU NodePool ${pname} (${what}): GPUs per node not known to the planner${allowed.unknownFamilies.length ? ` (families ${allowed.unknownFamilies.join(', ')} not in its table)` : ''} (use --gpus-per-node)`);
    }
    maxGpus = num(pool.spec?.limits?.['nvidia.com/gpu']);
    if (maxGpus !== undefined) {
      if (gpusPerNode !== undefined) maxNodes = Math.floor(maxGpus / gpusPerNode);
      notes.push(`GPU NodePool ${pname}: limits nvidia.com/gpu ${maxGpus}${gpusPerNode !== undefined ? ` -> at most ${maxNodes} node(s)` : ''}; no minimum (Auto Mode launches nodes for pending pods)`);
    } else {
      notes.push(`GPU NodePool ${pname} sets no nvidia.com/gpu limit: nodes unlimited (use --max-nodes)`);
    }
    minNodes = 0;
    nodeStartupSeconds = DEFAULT_GPU_NODE_STARTUP_SECONDS;
    notes.push(`GPU node start-up ${nodeStartupSeconds} s: GpuCluster's default gpuNodeStartup (the template does not hold the cluster's value; pass --node-startup with a measured one)`);
  } else if (pools.length > 1) {
    notes.push(`${pools.length} NodePools match the pods' node selector (${pools.map((p) => p.metadata?.name).join(', ')}); GPUs and node limits not read (use --gpus-per-node)`);
  } else if (groups.length === 1) {
    const g = groups[0];
    const types: string[] = Array.isArray(g.InstanceTypes) ? g.InstanceTypes.filter((x: unknown) => typeof x === 'string') : [];
    const counts = [...new Set(types.map(gpusOfInstanceType))];
    if (types.length > 0 && counts.length === 1 && counts[0] !== undefined) {
      gpusPerNode = counts[0];
      notes.push(`GPU node group ${types.join(', ')}: ${gpusPerNode} GPU(s) per node`);
    } else if (types.length > 0) {
      notes.push(`GPU node group instance types ${types.join(', ')}: GPUs per node not known to the planner (use --gpus-per-node)`);
    }
    const sc = g.ScalingConfig ?? {};
    if (typeof sc.MinSize === 'number') minNodes = sc.MinSize;
    if (typeof sc.MaxSize === 'number') maxNodes = sc.MaxSize;
  } else if (groups.length > 1) {
    notes.push(`${groups.length} node groups match the pods' node selector; GPUs and node limits not read (use --gpus-per-node)`);
  }
  return { stack, model, targets, gpusPerNode, nodeGpuCounts: nodeGpus, minNodes, maxNodes, maxGpus, nodeStartupSeconds, notes };
}

/** GpuCluster's default gpuNodeStartup (lib/inference/gpu-cluster.ts), in seconds. */
export const DEFAULT_GPU_NODE_STARTUP_SECONDS = 300;
/** ModelEndpoint's node start-up for CPU models' lead time, in seconds. */
const CPU_NODE_STARTUP_SECONDS = 120;
/** ModelEndpoint's default startupTimeoutSeconds. */
const DEFAULT_STARTUP_TIMEOUT_SECONDS = 600;

/**
 * The lead time of an HPA's pre-scaling windows: how long before the window's start its start
 * CronJob fires.
 *
 * ModelEndpoint renders the start CronJob's schedule as the window's start minus its lead time
 * (the window's `leadTimeMinutes`, else node start-up + the model's `startupTimeoutSeconds`, rounded
 * up to whole minutes; node start-up is the GpuCluster's `gpuNodeStartup` for GPU models, 2 minutes
 * for CPU models), and nothing in the CronJob, its labels or its annotations carries the window's
 * own start or the lead. So the reader recomputes the default lead from what is rendered: the
 * start-up timeout from the model container's startup probe (failureThreshold x periodSeconds,
 * which ModelEndpoint rounds up to 10 s: the same whole minutes) and GpuCluster's documented
 * default node start-up (the cluster's value is not in the template). The floor rises when the
 * CronJob fires whatever the lead; only the start the plan shows is off when a window set its own
 * `leadTimeMinutes` or the cluster another `gpuNodeStartup`, and `--lead-time` then counts from that
 * start. An app with a GPU node group predates lead times: its CronJob fires at the start.
 */
function windowLead(deployment: K8sObject | undefined, gpusPerPod: number, legacyApp: boolean): { minutes: number; note: string } {
  if (legacyApp) return { minutes: 0, note: `the app has a GPU node group (synthesized before pre-scaling lead times): each window starts when its start CronJob fires` };
  const node = gpusPerPod > 0 ? DEFAULT_GPU_NODE_STARTUP_SECONDS : CPU_NODE_STARTUP_SECONDS;
  let startup: number | undefined;
  for (const c of deployment?.spec?.template?.spec?.containers ?? []) {
    const p = c.startupProbe;
    if (!p) continue;
    const t = (p.initialDelaySeconds ?? 0) + (p.failureThreshold ?? 3) * (p.periodSeconds ?? 10);
    startup = Math.max(startup ?? 0, t);
  }
  const startupText = startup !== undefined ? `the model's start-up timeout ${startup} s (startup probe)` : `the default start-up timeout ${DEFAULT_STARTUP_TIMEOUT_SECONDS} s (no startup probe)`;
  const minutes = Math.ceil((node + (startup ?? DEFAULT_STARTUP_TIMEOUT_SECONDS)) / 60);
  return {
    minutes,
    note: `pre-scaling windows start ${minutes} min after their start CronJob fires: the default lead time, ${gpusPerPod > 0 ? 'GpuCluster\'s default GPU node start-up' : 'CPU node start-up'} ${node} s + ${startupText}, `
      + 'rounded up (a window with its own leadTimeMinutes starts that long after; the floor rises when the CronJob fires either way)',
  };
}

/**
 * The JSON merge patch a pre-scaler container applies to HPA `hpa` (or to the KEDA ScaledObject of that name, whose
 * minReplicaCount/maxReplicaCount KEDA copies to the HPA it owns), if it patches it.
 */
function patchOf(container: any, hpa: string): { minReplicas?: number; maxReplicas?: number } | undefined {
  const argv: unknown[] = [...(container.command ?? []), ...(container.args ?? [])];
  const strs = argv.filter((a): a is string => typeof a === 'string');
  const kinds = ['horizontalpodautoscaler', 'hpa', 'scaledobject', 'scaledobjects.keda.sh', 'so'];
  const i = strs.findIndex((a) => kinds.includes(a) || kinds.some((k) => a.startsWith(`${k}/`)));
  if (i < 0 || !strs.includes('patch')) return undefined;
  const target = strs[i].includes('/') ? strs[i].split('/')[1] : strs[i + 1];
  if (target !== hpa) return undefined;
  const p = strs.indexOf('--patch') >= 0 ? strs[strs.indexOf('--patch') + 1] : strs.find((a) => a.startsWith('--patch='))?.slice('--patch='.length) ?? strs.find((a) => a.startsWith('-p='))?.slice(3);
  if (!p) return undefined;
  try {
    const spec = JSON.parse(p)?.spec;
    if (spec && (spec.minReplicaCount !== undefined || spec.maxReplicaCount !== undefined)) {
      return { minReplicas: spec.minReplicaCount, maxReplicas: spec.maxReplicaCount };
    }
    return spec ?? undefined;
  } catch {
    return undefined;
  }
}

// ---- time zones -------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of a time zone at an instant, in milliseconds (local - UTC). */
function zoneOffset(utcMs: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour === 24 ? 0 : parts.hour, parts.minute, parts.second);
  return local - Math.floor(utcMs / 1000) * 1000;
}

/** UTC epoch ms of a local wall-clock time in an IANA time zone. */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let utc = wall - zoneOffset(wall, timeZone);
  utc = wall - zoneOffset(utc, timeZone);
  return utc;
}

/** Checks an IANA time zone name. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function parseYearlyCron(schedule: string, where: string): { mi: number; h: number; d: number; mo: number } {
  const m = /^(\d{1,2}) (\d{1,2}) (\d{1,2}) (\d{1,2}) \*$/.exec((schedule ?? '').trim());
  if (!m) throw new AppSettingsError(`${where}: schedule "${schedule}" is not a yearly "minute hour day month *" schedule the planner can place on the curve`);
  return { mi: +m[1], h: +m[2], d: +m[3], mo: +m[4] };
}

/** A yearly "mi h d mo *" schedule moved later by `minutes` on the wall clock (within a non-leap year). */
function shiftYearlyCron(schedule: string, minutes: number, where: string): string {
  const c = parseYearlyCron(schedule, where);
  const t = new Date(Date.UTC(2027, c.mo - 1, c.d, c.h, c.mi) + minutes * 60000);
  return `${t.getUTCMinutes()} ${t.getUTCHours()} ${t.getUTCDate()} ${t.getUTCMonth() + 1} *`;
}

/**
 * The occurrences of a yearly cron window that touch [from, to) (epoch ms): each year's start
 * (the start CronJob's time plus the lead, on the zone's wall clock), the first end after it, and
 * the lead in seconds (start minus the CronJob's time).
 */
export function cronWindowOccurrences(w: CronWindow, from: number, to: number, where: string): { start: number; end: number; leadSeconds: number }[] {
  if (!isTimeZone(w.timeZone)) throw new AppSettingsError(`${where}: time zone "${w.timeZone}" is not an IANA time zone`);
  const f = parseYearlyCron(w.prescaleSchedule, `${where} start`);
  const e = parseYearlyCron(w.endSchedule, `${where} end`);
  const out: { start: number; end: number; leadSeconds: number }[] = [];
  for (let y = new Date(from).getUTCFullYear() - 1; y <= new Date(to).getUTCFullYear(); y++) {
    const fire = zonedTimeToUtc(y, f.mo, f.d, f.h, f.mi, w.timeZone);
    const wall = new Date(Date.UTC(y, f.mo - 1, f.d, f.h, f.mi) + w.leadMinutes * 60000);
    const sy = wall.getUTCFullYear();
    const start = zonedTimeToUtc(sy, wall.getUTCMonth() + 1, wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), w.timeZone);
    let end = zonedTimeToUtc(sy, e.mo, e.d, e.h, e.mi, w.timeZone);
    if (end <= start) end = zonedTimeToUtc(sy + 1, e.mo, e.d, e.h, e.mi, w.timeZone);
    if (end > from && fire < to) out.push({ start, end, leadSeconds: Math.max(0, (start - fire) / 1000) });
  }
  return out;
}
