/**
 * `npm run bench:capacity`: the capacity planner over a fleet.
 *
 * 1,000 models, each a 7-day per-minute traffic curve (10,080 points: a daily cycle, a weekly
 * shape, a Black-Friday-like day at 2-4x, noise and short bursts; seeded, different per model),
 * with varied settings (1 or 2 variants, windows on half the models, 1-8 GPUs per node, node and pod
 * start-up, the library's scale-down policy or Kubernetes' default). Curves are generated untimed.
 *
 *  - fleetSeconds: the planner's replay of all 1,000 models in one process (median of 3 passes,
 *    wall time); the target is <= 10 s on this machine (ratioToTarget = fleetSeconds / 10). The
 *    machine is shared, so the process's CPU time (fleetCpuSeconds) and the load average are
 *    reported beside it.
 *  - baseline: the straightforward reference replay (bin/capacity/reference.ts: per-pod objects,
 *    timestamped recommendation and event lists scanned at every sync) on a sample of the same
 *    models, interleaved model by model with the planner; medians per model and their ratio. Both
 *    produce the same series; the bench checks that they are identical on the sample.
 * Prints one JSON line last.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { PlanInput, ScaleTarget, replay } from '../bin/capacity/planner';
import { replayReference } from '../bin/capacity/reference';

const MODELS = Number(process.env.BENCH_MODELS ?? 1000);
const MINUTES = 7 * 24 * 60;
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 6);
const TARGET_SECONDS = 10;
const START = Date.UTC(2026, 10, 23, 0, 0);

class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  public next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x / 4294967296;
  }
  public pick<T>(xs: T[]): T { return xs[Math.floor(this.next() * xs.length)]; }
}

function model(i: number): PlanInput {
  const rng = new Rng(1000003 * (i + 1));
  const base = 50 + rng.next() * 2000;
  const phase = rng.next() * 24;
  const peakDay = 3 + Math.floor(rng.next() * 2); // Thursday or Friday of the week
  const peakGain = 2 + rng.next() * 2;
  const rps = new Float64Array(MINUTES);
  let burst = 0;
  for (let m = 0; m < MINUTES; m++) {
    const day = Math.floor(m / 1440);
    const hour = (m % 1440) / 60;
    const diurnal = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - phase) / 24) * 2 * Math.PI));
    const weekly = day >= 5 ? 0.8 : 1;
    const peak = day === peakDay ? peakGain : 1;
    if (burst > 0) burst--; else if (rng.next() < 0.002) burst = 5 + Math.floor(rng.next() * 20);
    const noise = 1 + (rng.next() - 0.5) * 0.1;
    rps[m] = Math.round(base * diurnal * weekly * peak * noise * (burst > 0 ? 1.5 : 1));
  }
  const rpsPerReplica = rng.pick([50, 100, 200, 400]);
  const gpn = rng.pick([1, 1, 4, 8]);
  const need = Math.ceil((base * peakGain * 1.5) / (rpsPerReplica * 0.7));
  const libraryScaleDown = { stabilizationWindowSeconds: 300, selectPolicy: 'Min' as const, policies: [{ type: 'Percent' as const, value: 10, periodSeconds: 60 }] };
  const mk = (name: string, share: number, windowed: boolean): ScaleTarget => {
    const maxReplicas = Math.max(4, Math.ceil(need * share * rng.pick([0.8, 1.2, 2])));
    const minReplicas = Math.min(maxReplicas, rng.pick([1, 2, 3]));
    return {
      name, trafficShare: share, minReplicas, maxReplicas, rpsPerReplica, targetUtilization: rng.pick([0.6, 0.7]),
      podStartupSeconds: rng.pick([60, 120, 240]), gpusPerPod: 1,
      scaleDown: rng.next() < 0.5 ? libraryScaleDown : undefined,
      windows: windowed ? [{
        name: 'peak', start: START + (peakDay * 1440 - 120) * 60000, end: START + (peakDay + 1) * 1440 * 60000,
        minReplicas: Math.min(maxReplicas, Math.ceil(need * share * 0.6)),
      }] : [],
    };
  };
  const windowed = rng.next() < 0.5;
  const targets = rng.next() < 0.2 ? [mk('primary', 0.9, windowed), mk('canary', 0.1, windowed)] : [mk('primary', 1, windowed)];
  return {
    model: `model-${i}`, start: START, rps, targets, nodeStartupSeconds: rng.pick([120, 300, 420]), gpusPerNode: gpn,
    minNodes: rng.pick([0, 1, 2]), leadTimeSeconds: windowed ? rng.pick([0, 600]) : 0,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main(): void {
  const t0 = performance.now();
  const inputs = Array.from({ length: MODELS }, (_, i) => model(i));
  console.log(`generated ${MODELS} curves of ${MINUTES} minutes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // the fleet: all models, median of 3 passes
  const passes: number[] = [];
  const cpuPasses: number[] = [];
  let checksum = 0;
  let shortModels = 0;
  for (let p = 0; p < 3; p++) {
    const t = performance.now();
    const c0 = process.cpuUsage();
    let sum = 0;
    let short = 0;
    for (const input of inputs) {
      const r = replay(input);
      sum += r.summary.gpuHours + r.summary.minutesShort;
      if (r.summary.minutesShort > 0) short++;
    }
    passes.push((performance.now() - t) / 1000);
    const c = process.cpuUsage(c0);
    cpuPasses.push((c.user + c.system) / 1e6);
    checksum = sum;
    shortModels = short;
    console.log(`fleet pass ${p + 1}: ${passes[p].toFixed(2)} s wall, ${cpuPasses[p].toFixed(2)} s CPU (${short} of ${MODELS} models short in some minute)`);
  }
  const fleetSeconds = median(passes);
  const fleetCpuSeconds = median(cpuPasses);

  // baseline: the reference replay on a sample, interleaved with the planner (planner, reference, reference, planner, ...)
  const fast: number[] = [];
  const ref: number[] = [];
  let identical = true;
  for (let k = 0; k < SAMPLE; k++) {
    const input = inputs[Math.floor((k * MODELS) / SAMPLE)];
    const order = k % 2 === 0 ? ['fast', 'ref'] : ['ref', 'fast'];
    let a: ReturnType<typeof replay> | undefined;
    let b: ReturnType<typeof replay> | undefined;
    for (const which of order) {
      const t = performance.now();
      if (which === 'fast') { a = replay(input); fast.push(performance.now() - t); } else { b = replayReference(input); ref.push(performance.now() - t); }
    }
    const same = JSON.stringify([
      Array.from(a!.series.desiredReplicas), Array.from(a!.series.readyReplicas), Array.from(a!.series.shortRps), a!.summary,
    ]) === JSON.stringify([
      Array.from(b!.series.desiredReplicas), Array.from(b!.series.readyReplicas), Array.from(b!.series.shortRps), b!.summary,
    ]);
    if (!same) identical = false;
    console.log(`sample ${input.model}: planner ${fast[k].toFixed(1)} ms, reference ${ref[k].toFixed(1)} ms, identical ${same}`);
  }
  const perModelMs = median(fast);
  const referencePerModelMs = median(ref);
  console.log(JSON.stringify({
    bench: 'capacity',
    models: MODELS,
    minutesPerModel: MINUTES,
    fleetSeconds: +fleetSeconds.toFixed(3),
    fleetPasses: passes.map((x) => +x.toFixed(3)),
    targetSeconds: TARGET_SECONDS,
    ratioToTarget: +(fleetSeconds / TARGET_SECONDS).toFixed(3),
    fleetCpuSeconds: +fleetCpuSeconds.toFixed(3),
    cpuRatioToTarget: +(fleetCpuSeconds / TARGET_SECONDS).toFixed(3),
    loadAverage1m: +os.loadavg()[0].toFixed(1),
    cores: os.cpus().length,
    fleetPerModelMs: +((fleetSeconds * 1000) / MODELS).toFixed(3),
    sampleModels: SAMPLE,
    samplePlannerMsMedian: +perModelMs.toFixed(3),
    sampleReferenceMsMedian: +referencePerModelMs.toFixed(3),
    referenceOverPlanner: +(referencePerModelMs / perModelMs).toFixed(1),
    identicalToReference: identical,
    modelsShort: shortModels,
    checksum: +checksum.toFixed(3),
    node: process.version,
  }));
}

main();
