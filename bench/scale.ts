/**
 * npm run bench:scale [-- --models <n>] — what a fleet of n models costs at synth.
 *
 * Each measurement is a fresh Node process (cold: module loading included)
 * that builds the example fleet app (examples/model-factory.ts) with n models
 * and synthesizes it into a temporary cloud assembly the way `cdk synth` does
 * (asset staging on); the parent records that process's wall time and its
 * peak RSS (the child's own `process.resourceUsage().maxRSS`, reported at
 * exit), then reads every template the child wrote.
 *
 * resourcesPerModel and bytesPerModel are marginal, (T(n) - T(1)) / (n - 1)
 * over every stack of the app, measured in the same run: what one more model
 * adds, its share of the per-shard overhead included.
 *
 * Each size is measured in --rounds rounds (default 3) that interleave the sizes; wall time and
 * peak RSS are medians over the rounds.
 *
 * Without --models: 10, 100 and 1,000 models, then the naive composition (one
 * ModelEndpoint, TrainingPipeline, DriftMonitor and RetrainTrigger per model in
 * one stack, beside one cluster, as a user would write without the factory):
 * its per-model cost, the model count at which the stack crosses 500
 * resources, and the error CDK gives when synthesizing that many.
 *
 * Prints one JSON line last: the measurement with the most models.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Measurement {
  models: number;
  wallSeconds: number;
  peakRssMb: number;
  stacks: number;
  maxResourcesPerStack: number;
  maxTemplateBytes: number;
  totalResources: number;
  totalBytes: number;
  resourcesPerModel?: number;
  bytesPerModel?: number;
  guardErrors?: string[];
  error?: string;
}

// ---- child: build and synthesize one app ------------------------------------------------
function child(mode: string, models: number, outdir: string): void {
  const { App } = require('aws-cdk-lib');
  // The output directory comes from CDK_OUTDIR (as under `cdk synth`), so the factory's child processes
  // (this same command, run again) write where the factory tells them.
  const app = new App();
  if (mode === 'factory' || mode === 'processes') {
    const { ModelFactoryStack, fleetSpecs } = require('../examples/model-factory');
    const factory = mode === 'processes' ? { synthesisProcesses: {} } : {};
    new ModelFactoryStack(app, 'Fleet', { models: fleetSpecs(models), factory });
  } else {
    const { naiveApp } = require('./scale-naive');
    naiveApp(app, models);
  }
  let error: string | undefined;
  try {
    app.synth();
  } catch (e) {
    error = (e as Error).message;
  }
  const rssMb = process.resourceUsage().maxRSS / 1024;
  fs.writeFileSync(path.join(outdir, 'bench-child.json'), JSON.stringify({ rssMb, error }));
}

/** RSS (MB) of a process and all its descendants now, from /proc (Linux); undefined elsewhere. */
function treeRssMb(root: number): number | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
      rss.set(Number(e), (Number(fields[21]) * 4096) / 1024 / 1024);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    total += rss.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

// ---- parent ------------------------------------------------------------------------------
async function measure(mode: string, models: number): Promise<Measurement> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-scale-${mode}-`));
  const start = process.hrtime.bigint();
  const proc = spawn(process.execPath, [__filename, '--child', mode, String(models), outdir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CDK_OUTDIR: outdir },
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
  // Peak RSS of the whole process tree (the factory's child processes included), sampled every 100 ms.
  let treePeakMb = 0;
  const sample = () => { treePeakMb = Math.max(treePeakMb, treeRssMb(proc.pid!) ?? 0); };
  const timer = setInterval(sample, 100);
  const status = await new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  clearInterval(timer);
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const reportFile = path.join(outdir, 'bench-child.json');
  if (!fs.existsSync(reportFile)) {
    throw new Error(`child (${mode}, ${models}) exited with ${status}: ${stderr}`);
  }
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  // The sampled tree peak, or the process's own peak when sampling saw less (a short run, or no /proc).
  report.rssMb = Math.max(report.rssMb, treePeakMb);
  let stacks = 0; let maxResources = 0; let maxBytes = 0; let totalResources = 0; let totalBytes = 0;
  const guardErrors: string[] = [];
  const { StackLimits } = require('../lib/fleet/stack-limits');
  for (const f of fs.readdirSync(outdir).filter((x) => x.endsWith('.template.json'))) {
    const text = fs.readFileSync(path.join(outdir, f), 'utf8');
    const template = JSON.parse(text);
    const resources = Object.keys(template.Resources ?? {}).length;
    const bytes = Buffer.byteLength(text);
    // The guard's own check, on the file CloudFormation would receive.
    const usage = { stackName: f, resources, outputs: Object.keys(template.Outputs ?? {}).length, templateBytes: bytes };
    if (mode !== 'naive') guardErrors.push(...StackLimits.check(usage).errors);
    stacks++;
    totalResources += resources;
    totalBytes += bytes;
    maxResources = Math.max(maxResources, resources);
    maxBytes = Math.max(maxBytes, bytes);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return {
    models, wallSeconds: round(wallSeconds, 2), peakRssMb: Math.round(report.rssMb), stacks,
    maxResourcesPerStack: maxResources, maxTemplateBytes: maxBytes, totalResources, totalBytes, guardErrors,
    ...(report.error ? { error: firstLine(report.error) } : {}),
  };
}

function marginal(m: Measurement, base: Measurement): Measurement {
  return {
    ...m,
    resourcesPerModel: round((m.totalResources - base.totalResources) / (m.models - base.models), 2),
    bytesPerModel: Math.round((m.totalBytes - base.totalBytes) / (m.models - base.models)),
  };
}

function line(m: Measurement): string {
  const { models, wallSeconds, peakRssMb, stacks, maxResourcesPerStack, maxTemplateBytes, resourcesPerModel, bytesPerModel } = m;
  return JSON.stringify({ models, wallSeconds, peakRssMb, stacks, maxResourcesPerStack, maxTemplateBytes, resourcesPerModel, bytesPerModel });
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' ').slice(0, 400);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], Number(args[2]), args[3]);
  const i = args.indexOf('--models');
  const requested = i >= 0 ? Number(args[i + 1]) : undefined;
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 2)) throw new Error('--models must be an integer >= 2');
  console.error(`node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model}`);

  // Rounds interleave the sizes (1 model, then each n) so load changes on a shared machine hit
  // every size alike; wall time and RSS are the medians over the rounds (counts do not vary).
  const roundsIndex = args.indexOf('--rounds');
  // Large fleets (over 2,000 models) use the multi-process path (synthesisProcesses), and are compared with
  // 1,000 models synthesized the same way in the same run (time ratio, linearity).
  const large = requested !== undefined && requested > 2000;
  const mode = large ? 'processes' : 'factory';
  const rounds = roundsIndex >= 0 ? Number(args[roundsIndex + 1]) : (large ? 1 : 3);
  const sizes = requested !== undefined ? (large ? [1000, requested] : [requested]) : [10, 100, 1000];
  const samples = new Map<number, Measurement[]>();
  for (let round = 0; round < rounds; round++) {
    for (const n of [1, ...sizes]) {
      const m = await measure(mode, n);
      samples.set(n, [...(samples.get(n) ?? []), m]);
      console.error(`round ${round + 1}/${rounds} ${mode} ${String(n).padStart(5)} model(s): ${m.wallSeconds} s, ${m.peakRssMb} MB (load ${os.loadavg()[0].toFixed(2)})` +
        `${m.error ? ` ERROR ${m.error}` : ''}`);
    }
  }
  const medianOf = (n: number): Measurement => {
    const ms = samples.get(n)!;
    return { ...ms[0], wallSeconds: median(ms.map((m) => m.wallSeconds)), peakRssMb: median(ms.map((m) => m.peakRssMb)) };
  };
  const failed = [...samples.values()].flat().find((m) => m.error);
  if (failed) throw new Error(`bench:scale: the factory failed to synthesize ${failed.models} model(s): ${failed.error}`);
  const base = medianOf(1);
  console.error(`factory    1 model : ${line(base)}`);
  const results: Measurement[] = [];
  for (const n of sizes) {
    const m = marginal(medianOf(n), base);
    results.push(m);
    console.error(`factory ${String(n).padStart(4)} models: ${line(m)}${m.error ? ` ERROR ${m.error}` : ''}`);
  }
  let extra: Record<string, unknown> = {};
  if (requested === undefined) {
    const by = new Map(results.map((r) => [r.models, r]));
    const r100 = by.get(100)!; const r1000 = by.get(1000)!;
    console.error(`time 1000 / 100 models: ${round(r1000.wallSeconds / r100.wallSeconds, 2)} (target <= 12)`);

    // Naive composition: per-model cost from 1 and 2 models, then synthesize at the crossing.
    const n1 = await measure('naive', 1);
    const n2 = await measure('naive', 2);
    const perModel = n2.totalResources - n1.totalResources;
    const fixed = n1.totalResources - perModel;
    const crossing = Math.ceil((501 - fixed) / perModel);
    const atCrossing = await measure('naive', crossing);
    const below = await measure('naive', crossing - 1);
    const bytesPerModel = n2.totalBytes - n1.totalBytes;
    const overMb = Math.ceil((1_048_577 - (n1.totalBytes - bytesPerModel)) / bytesPerModel);
    console.error(`naive: ${perModel} resources and ${bytesPerModel} bytes of template per model (+${fixed} resources shared); ` +
      `the template passes CloudFormation's 1 MB at ${overMb} models; ` +
      `${crossing - 1} models = ${below.maxResourcesPerStack} resources, ${below.maxTemplateBytes} bytes (${below.error ? `fails: ${below.error}` : 'synthesizes'}); ` +
      `${crossing} models = ${atCrossing.maxResourcesPerStack || fixed + crossing * perModel} resources: ${atCrossing.error ?? 'no error'}`);
    extra = {
      timeRatio1000to100: round(r1000.wallSeconds / r100.wallSeconds, 2),
      naiveResourcesPerModel: perModel,
      naiveBytesPerModel: bytesPerModel,
      naiveTemplateOver1MbAt: overMb,
      naiveFailsAt: atCrossing.error ? crossing : null,
    };
  }
  if (large) {
    const r1000 = results[0]; const rn = results[1];
    extra = {
      synthesis: 'synthesisProcesses (25 shards per process)',
      [`timeRatio${requested}to1000`]: round(rn.wallSeconds / r1000.wallSeconds, 2),
      wallSeconds1000: r1000.wallSeconds,
      peakRssMb1000: r1000.peakRssMb,
      resourcesPerModelTotal: round(rn.totalResources / rn.models, 2),
      guardErrors: rn.guardErrors!.length,
      loadAverage1m: round(os.loadavg()[0], 2),
    };
  }
  const last = JSON.parse(line(results[results.length - 1]));
  console.log(JSON.stringify({ ...last, ...extra }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
