/**
 * `cdk-mlops capacity`: does the endpoint hold a traffic peak, and what does it cost in GPU hours?
 *
 *   cdk-mlops capacity --traffic <curve.csv> --rps-per-replica N --pod-startup S --node-startup S
 *                      (--min N --max N --gpus-per-node N [--window START/END=MIN[:MAX]]... | --app <cdk.out> --model NAME)
 *                      [--json] [--svg <file>]
 *
 * Replays the curve minute by minute through the HPA algorithm, with node provisioning and pod
 * start-up delays (bin/capacity/planner.ts describes the model). Documented in docs/model-endpoint.md
 * ("Black Friday playbook").
 * Exit codes (bin/commands/cli.ts): 0 planned (whether or not capacity was short), 2 invalid input
 * (usage, unreadable or malformed traffic file, invalid or missing setting, unusable app).
 */
import * as fs from 'fs';
import { AppSettings, AppSettingsError, cronWindowOccurrences, readAppSettings } from '../capacity/app';
import { PlanInput, PlanInputError, PlanReport, PrescaleWindow, ScaleTarget, plan } from '../capacity/planner';
import { renderSvg, SvgWindow } from '../capacity/svg';
import { parseIsoTime, parseTraffic, TrafficFileError } from '../capacity/traffic';
import { CliError, EXIT, warn } from './cli';
import type { Command } from './index';

const USAGE = `usage: cdk-mlops capacity --traffic <curve.csv> [settings] [--json] [--svg <file>]

  --traffic <file>           CSV "time,rps": ISO 8601 times with an offset (2026-11-27T14:05Z), increasing
  --json                     print {"model","peakRps","minutes":[…],"summary":{…}} and nothing else
  --svg <file>               write traffic vs Ready capacity (windows shaded) as an SVG
 settings from a synthesized app (flags below override them):
  --app <cdk.out> --model <name> [--stack <stack>] [--segment <s>] [--variant <v>]
 settings from flags:
  --model <name>             name in the report (default "model")
  --min N --max N            HPA minReplicas / maxReplicas (per HPA)
  --rps-per-replica N        requests per second one Ready replica sustains within its latency target (required)
  --target-utilization U     HPA target as a fraction of that capacity (default: the app's metric, else 0.7)
  --pod-startup SECONDS      pod placed on a Ready node -> pod Ready (required)
  --node-startup SECONDS     GPU node launched -> node Ready (required for GPU pods; an app with
                             a GPU NodePool: GpuCluster's default gpuNodeStartup, 300)
  --gpus-per-node N          GPUs per node (default: the app's GPU NodePool, the smallest GPU count of
                             its instance families that holds a pod; or its node group's instance type)
  --gpus-per-pod N           GPUs per pod (default: the app's Deployment, else 1)
  --min-nodes N --max-nodes N  GPU node limits (default: the app's NodePool, 0 / its nvidia.com/gpu
                             limit / GPUs per node; or its node group; else 0 / unlimited)
  --window START/END=MIN[:MAX]  pre-scaling window, repeatable (replaces the app's windows), e.g.
                             --window 2026-11-27T00:00Z/2026-11-28T06:00Z=40
  --lead-time SECONDS        raise every window's floor this long before its START (default: an app
                             window's own lead time, when its start CronJob fires; else 0)

exit codes: 0 planned (short or not; see summary.minutesShort), 2 usage or input error (see cdk-mlops --help).`;


interface Args {
  traffic?: string;
  json: boolean;
  svg?: string;
  app?: string;
  model?: string;
  stack?: string;
  segment?: string;
  variant?: string;
  min?: number;
  max?: number;
  rpsPerReplica?: number;
  targetUtilization?: number;
  podStartup?: number;
  nodeStartup?: number;
  gpusPerNode?: number;
  gpusPerPod?: number;
  minNodes?: number;
  maxNodes?: number;
  leadTime?: number;
  windows: string[];
}

function number(flag: string, v: string, kind: 'int' | 'number', min: number, exclusive = false): number {
  const n = Number(v);
  const ok = v.trim() !== '' && Number.isFinite(n) && (kind === 'number' || Number.isInteger(n)) && (exclusive ? n > min : n >= min);
  if (!ok) throw new CliError(`${flag} must be ${kind === 'int' ? 'an integer' : 'a number'} ${exclusive ? '>' : '>='} ${min}, got "${v}"`);
  return n;
}

function parseArgs(argv: string[]): Args | 'help' {
  const a: Args = { json: false, windows: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new CliError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help': case '-h': return 'help';
      case '--traffic': a.traffic = value(); break;
      case '--json': a.json = true; break;
      case '--svg': a.svg = value(); break;
      case '--app': a.app = value(); break;
      case '--model': a.model = value(); break;
      case '--stack': a.stack = value(); break;
      case '--segment': a.segment = value(); break;
      case '--variant': a.variant = value(); break;
      case '--min': a.min = number(flag, value(), 'int', 0); break;
      case '--max': a.max = number(flag, value(), 'int', 1); break;
      case '--rps-per-replica': a.rpsPerReplica = number(flag, value(), 'number', 0, true); break;
      case '--target-utilization': a.targetUtilization = number(flag, value(), 'number', 0, true); break;
      case '--pod-startup': a.podStartup = number(flag, value(), 'number', 0); break;
      case '--node-startup': a.nodeStartup = number(flag, value(), 'number', 0); break;
      case '--gpus-per-node': a.gpusPerNode = number(flag, value(), 'int', 1); break;
      case '--gpus-per-pod': a.gpusPerPod = number(flag, value(), 'int', 0); break;
      case '--min-nodes': a.minNodes = number(flag, value(), 'int', 0); break;
      case '--max-nodes': a.maxNodes = number(flag, value(), 'int', 1); break;
      case '--lead-time': a.leadTime = number(flag, value(), 'number', 0); break;
      case '--window': a.windows.push(value()); break;
      default: throw new CliError(`unknown option "${arg}"`);
    }
  }
  if (!a.traffic) throw new CliError(`--traffic is required`);
  if (a.app && !a.model) throw new CliError('--app needs --model <name> (the app.kubernetes.io/name of the endpoint)');
  if (!a.app && (a.stack || a.segment || a.variant)) throw new CliError('--stack, --segment and --variant need --app');
  if (a.targetUtilization !== undefined && a.targetUtilization > 1) {
    throw new CliError(`--target-utilization is a fraction of a replica's capacity, in (0, 1]; got ${a.targetUtilization}`);
  }
  return a;
}

/** Parses `START/END=MIN[:MAX]`. */
export function parseWindowFlag(text: string): PrescaleWindow {
  const m = /^([^/=]+)\/([^=]+)=(\d+)(?::(\d+))?$/.exec(text.trim());
  if (!m) throw new CliError(`--window "${text}": expected START/END=MINREPLICAS[:MAXREPLICAS] with ISO 8601 times, e.g. 2026-11-27T00:00Z/2026-11-28T06:00Z=40`);
  const start = parseIsoTime(m[1]);
  const end = parseIsoTime(m[2]);
  if (Number.isNaN(start)) throw new CliError(`--window "${text}": START "${m[1]}" is not an ISO 8601 time with an offset (e.g. 2026-11-27T00:00Z)`);
  if (Number.isNaN(end)) throw new CliError(`--window "${text}": END "${m[2]}" is not an ISO 8601 time with an offset (e.g. 2026-11-28T06:00Z)`);
  if (end <= start) throw new CliError(`--window "${text}": END must be after START`);
  return { name: `window ${m[1]}`, start, end, minReplicas: Number(m[3]), maxReplicas: m[4] !== undefined ? Number(m[4]) : undefined };
}

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new CliError(`missing ${what}`);
  return v;
}

/** Builds the planner's input from the flags and (if given) the app. */
export function buildInput(args: Args, curve: { start: number; rps: Float64Array }, notes: string[]): { input: PlanInput; svgWindows: SvgWindow[] } {
  const end = curve.start + curve.rps.length * 60000;
  let app: AppSettings | undefined;
  if (args.app) {
    app = readAppSettings(args.app, args.model!, { stack: args.stack, segment: args.segment, variant: args.variant });
    notes.push(`settings of ${app.model} from stack ${app.stack}: ${app.targets.map((t) => t.name).join(', ')}`, ...app.notes);
  }
  const flagWindows = args.windows.map(parseWindowFlag);
  const rpsPerReplica = required(args.rpsPerReplica, '--rps-per-replica (what one Ready replica sustains within its latency target; nothing in a template says it)');
  const podStartup = required(args.podStartup, '--pod-startup SECONDS (pod placed on a Ready node -> Ready: image pull, model download and load, readiness probe)');
  const svgWindows: SvgWindow[] = [];
  const targets: ScaleTarget[] = [];
  const appTargets = app?.targets ?? [undefined];
  if (app && app.targets.length > 1 && app.targets.some((t) => t.trafficShare === undefined)) {
    throw new CliError(`model ${app.model} has ${app.targets.length} HPAs (${app.targets.map((t) => t.name).join(', ')}) and the Ingress does not say how traffic splits between them: choose one with --variant`);
  }
  for (const t of appTargets) {
    const where = t && appTargets.length > 1 ? `${t.name}: ` : '';
    const share = t?.trafficShare ?? 1;
    let targetUtilization = args.targetUtilization;
    if (targetUtilization === undefined && t) {
      targetUtilization = t.targetUtilization(rpsPerReplica);
      notes.push(`${t.name}: ${t.metricNotes.join('; ') || 'no metrics'}`);
      if (targetUtilization !== undefined) notes.push(`${t.name}: target utilization ${+targetUtilization.toFixed(4)} (the HPA's)`);
    }
    if (targetUtilization === undefined) {
      targetUtilization = 0.7;
      if (t) notes.push(`${t.name}: no metric gives a target utilization; using the default 0.7`);
    }
    if (targetUtilization > 1) throw new CliError(`${where}the HPA's target (${+targetUtilization.toFixed(4)} of a replica's capacity) is above its capacity: check --rps-per-replica or pass --target-utilization`);
    const minReplicas = args.min ?? t?.minReplicas;
    const maxReplicas = args.max ?? t?.maxReplicas;
    let windows: PrescaleWindow[];
    if (flagWindows.length > 0 || !t) {
      // a model-wide floor split by traffic share, as ModelEndpoint splits a window across variants
      windows = flagWindows.map((w) => ({
        ...w,
        minReplicas: Math.ceil(w.minReplicas * (appTargets.length > 1 ? share : 1)),
        maxReplicas: w.maxReplicas !== undefined ? Math.ceil(w.maxReplicas * (appTargets.length > 1 ? share : 1)) : undefined,
      }));
    } else {
      windows = [];
      for (const cw of t.windows) {
        for (const occ of cronWindowOccurrences(cw, curve.start - 31 * 86400000, end, `${t.name} window ${cw.name}`)) {
          windows.push({
            name: cw.name, start: occ.start, end: occ.end, minReplicas: cw.minReplicas, maxReplicas: cw.maxReplicas, leadTimeSeconds: occ.leadSeconds,
          });
        }
      }
    }
    for (const w of windows) {
      if (!svgWindows.some((s) => s.start === w.start && s.end === w.end)) {
        svgWindows.push({ name: w.name ?? 'window', start: w.start, end: w.end, minReplicas: w.minReplicas, leadSeconds: args.leadTime ?? w.leadTimeSeconds ?? 0 });
      } else if (appTargets.length > 1) {
        const s = svgWindows.find((x) => x.start === w.start && x.end === w.end)!;
        svgWindows[svgWindows.indexOf(s)] = { ...s, minReplicas: s.minReplicas + w.minReplicas };
      }
    }
    targets.push({
      name: t?.name ?? args.model ?? 'model',
      trafficShare: share,
      minReplicas: required(minReplicas, '--min N (the HPA minReplicas)'),
      maxReplicas: required(maxReplicas, '--max N (the HPA maxReplicas)'),
      rpsPerReplica,
      targetUtilization,
      scaleUp: t?.scaleUp,
      scaleDown: t?.scaleDown,
      podStartupSeconds: podStartup,
      gpusPerPod: args.gpusPerPod ?? t?.gpusPerPod ?? 1,
      windows,
    });
  }
  const gpuPods = targets.some((t) => t.gpusPerPod > 0);
  let gpusPerNode = args.gpusPerNode ?? app?.gpusPerNode;
  const podGpus = Math.max(0, ...targets.map((t) => t.gpusPerPod));
  if (args.gpusPerNode === undefined && gpusPerNode !== undefined && app?.nodeGpuCounts && podGpus > gpusPerNode) {
    // --gpus-per-pod asks for more GPUs than the app's pods: the NodePool's smallest instance that holds one
    gpusPerNode = app.nodeGpuCounts.find((n) => n >= podGpus);
    if (gpusPerNode !== undefined) notes.push(`${podGpus}-GPU pods: ${gpusPerNode} GPU(s) per node, the smallest the NodePool allows that holds one`);
  }
  if (gpuPods) gpusPerNode = required(gpusPerNode, '--gpus-per-node N (not readable from the app)');
  let maxNodes = args.maxNodes ?? app?.maxNodes;
  if (args.maxNodes === undefined && app?.maxGpus !== undefined && gpusPerNode !== undefined) {
    // the NodePool limits GPUs: as many nodes as fit in the limit
    maxNodes = Math.floor(app.maxGpus / gpusPerNode);
    if (maxNodes < 1) throw new CliError(`the GPU NodePool's limit (${app.maxGpus} nvidia.com/gpu) holds no ${gpusPerNode}-GPU node: check --gpus-per-node or the cluster's maxGpus`);
  }
  const input: PlanInput = {
    model: args.model ?? 'model',
    start: curve.start,
    rps: curve.rps,
    targets,
    nodeStartupSeconds: gpuPods
      ? required(args.nodeStartup ?? app?.nodeStartupSeconds, '--node-startup SECONDS (GPU node launched -> Ready with nvidia.com/gpu advertised)')
      : (args.nodeStartup ?? 0),
    gpusPerNode: gpusPerNode ?? 1,
    minNodes: args.minNodes ?? app?.minNodes,
    maxNodes,
    leadTimeSeconds: args.leadTime,
  };
  return { input, svgWindows };
}

function fmt(x: number): string {
  if (x === 0) return '0';
  if (Math.abs(x) >= 100) return String(Math.round(x));
  return String(+x.toFixed(1));
}

/** The readable summary: settings, one row per period (at most ~48), the verdict. */
export function renderTable(report: PlanReport, input: PlanInput): string {
  const lines: string[] = [];
  const n = report.minutes.length;
  lines.push(`capacity plan for ${report.model}: ${n} minute(s) from ${report.minutes[0].t} to ${report.minutes[n - 1].t}, peak ${fmt(report.peakRps)} rps`);
  for (const t of input.targets) {
    lines.push(`  ${t.name}: ${(t.trafficShare * 100).toFixed(0)}% of traffic, replicas ${t.minReplicas}-${t.maxReplicas}, ${fmt(t.rpsPerReplica)} rps/replica at target ${t.targetUtilization}, `
      + `pod start-up ${t.podStartupSeconds} s, ${t.gpusPerPod} GPU/pod, ${(t.windows ?? []).length} window(s)`);
    for (const w of t.windows ?? []) {
      const lead = input.leadTimeSeconds ?? w.leadTimeSeconds ?? 0;
      lines.push(`    window ${w.name ?? ''}: ${new Date(w.start).toISOString()} to ${new Date(w.end).toISOString()}, min ${w.minReplicas}${w.maxReplicas !== undefined ? `, max ${w.maxReplicas}` : ''}`
        + `${lead > 0 ? `, floor from ${new Date(w.start - lead * 1000).toISOString()} (lead ${fmt(lead)} s)` : ''}`);
    }
  }
  lines.push(`  nodes: ${input.gpusPerNode} GPU(s) each, start-up ${input.nodeStartupSeconds} s, ${input.minNodes ?? 0}-${input.maxNodes ?? 'unlimited'}; `
    + `lead time ${input.leadTimeSeconds !== undefined ? `${input.leadTimeSeconds} s (--lead-time)`
      : input.targets.some((t) => (t.windows ?? []).some((w) => (w.leadTimeSeconds ?? 0) > 0)) ? 'each window\'s own' : '0 s'}`);
  lines.push('');
  const steps = [1, 5, 15, 30, 60, 120, 180, 360, 720, 1440];
  const step = steps.find((s) => n / s <= 48) ?? 1440;
  const head = ['from', 'max rps', 'min ready', 'min capacity', 'max short rps', 'short min', 'max desired'];
  const rows: string[][] = [];
  for (let a = 0; a < n; a += step) {
    let maxRps = 0;
    let minReady = Infinity;
    let minCap = Infinity;
    let maxShort = 0;
    let shortMin = 0;
    let maxDesired = 0;
    for (let m = a; m < Math.min(n, a + step); m++) {
      const x = report.minutes[m];
      maxRps = Math.max(maxRps, x.rps);
      minReady = Math.min(minReady, x.readyReplicas);
      minCap = Math.min(minCap, x.capacityRps);
      maxShort = Math.max(maxShort, x.shortRps);
      if (x.shortRps > 0) shortMin++;
      maxDesired = Math.max(maxDesired, x.desiredReplicas);
    }
    rows.push([report.minutes[a].t, fmt(maxRps), String(minReady), fmt(minCap), fmt(maxShort), String(shortMin), String(maxDesired)]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  lines.push(`per ${step} minute(s):`);
  lines.push(line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  lines.push('');
  const s = report.summary;
  lines.push(s.minutesShort === 0
    ? `holds: Ready capacity covers the traffic in every minute (peak ${s.peakReadyReplicas} Ready replicas), ${s.gpuHours} GPU hours`
    : `SHORT: ${s.minutesShort} minute(s) over capacity, ${s.shortRequests} requests above what Ready replicas sustain; peak ${s.peakReadyReplicas} Ready replicas, ${s.gpuHours} GPU hours`);
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      console.log(USAGE);
      return EXIT.OK;
    }
    let text: string;
    try {
      text = fs.readFileSync(args.traffic!, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read --traffic ${args.traffic}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    const curve = parseTraffic(text, args.traffic!);
    const notes: string[] = [];
    const { input, svgWindows } = buildInput(args, curve, notes);
    const report = plan(input);
    if (args.svg) {
      try {
        fs.writeFileSync(args.svg, renderSvg(report, input.start, svgWindows));
      } catch (e) {
        throw new CliError(`cannot write --svg ${args.svg}: ${(e as Error).message}`);
      }
    }
    for (const n of notes) warn(n);
    if (args.json) {
      console.log(JSON.stringify(report));
    } else {
      console.log(renderTable(report, input));
      if (args.svg) console.log(`picture: ${args.svg}`);
    }
    return EXIT.OK;
  } catch (e) {
    if (e instanceof TrafficFileError || e instanceof PlanInputError || e instanceof AppSettingsError) throw new CliError(e.message);
    throw e;
  }
}

/** The `capacity` command. */
export const capacityCommand: Command = {
  summary: 'capacity plan for a traffic peak: replays the curve through the HPA, node and pod start-up',
  usage: USAGE,
  run,
};
