/**
 * Calibration of the drift decision (docs/drift.md, "Decision"): how often a DriftMonitor run
 * with the default thresholds flags a model with 20 numeric + 5 categorical features as drifted.
 *
 * - null: reference and window drawn from the same distributions (target: <= 1% at every n >= 100);
 * - shift0.5: one numeric feature's mean shifted by 0.5 sigma (target: >= 95% at n >= 1,000);
 * - shift0.02: the same feature shifted by 0.02 sigma at n = 200,000 (target: <= 5%).
 *
 * Each trial draws a fresh reference (the training data: max(n, 5,000) rows), builds the baseline and streams the window through the
 * DriftAccumulator, as the monitor's handler does. `nullSameSize` repeats the null case with a
 * reference as small as the window. The previous rule (any statistic over a fixed cut-off:
 * PSI 0.2, JS 0.1, KS p 0.05, W 0.1, chi-square p 0.05) is evaluated on the same reports.
 * Seeded (the simulator's mulberry32 `rng`): the same figures on every run. Prints one JSON line last.
 */
import { rng } from '../bin/simulate/drift';
import { BaselineBuilder, DEFAULT_THRESHOLDS, DriftAccumulator, DriftReport } from '../lib/monitoring/engine';

const TRIALS = Number(process.env.TRIALS ?? 200);
const MID_TRIALS = Number(process.env.MID_TRIALS ?? 50);
const BIG_TRIALS = Number(process.env.BIG_TRIALS ?? 10);
const SIZES = [100, 300, 1000, 2000, 5000, 20000];
const trialsAt = (n: number) => (n > 5000 ? MID_TRIALS : TRIALS);
const BIG = 200_000;
const MIN_REFERENCE = 5_000;

function normal(r: () => number): number {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Categorical features: cardinality and Zipf exponent (rare categories included). */
const CATEGORICAL = [
  { name: 'c0', k: 2, s: 0.5 }, { name: 'c1', k: 5, s: 1 }, { name: 'c2', k: 12, s: 1.1 },
  { name: 'c3', k: 30, s: 1.2 }, { name: 'c4', k: 80, s: 1.3 },
].map((c) => {
  const w = Array.from({ length: c.k }, (_, i) => 1 / Math.pow(i + 1, c.s));
  const total = w.reduce((x, y) => x + y, 0);
  let acc = 0;
  return { name: c.name, cdf: w.map((x) => (acc += x / total)), labels: w.map((_, i) => `${c.name}-${i}`) };
});

/** 20 numeric features of assorted shapes; n0 (standard normal, sigma 1) is the one shifted. */
const NUMERIC: Array<(r: () => number) => number> = [];
for (let i = 0; i < 20; i++) {
  switch (i % 5) {
    case 0: NUMERIC.push((r) => normal(r)); break;
    case 1: NUMERIC.push((r) => Math.exp(1 + 0.8 * normal(r))); break; // log-normal
    case 2: NUMERIC.push((r) => -Math.log(1 - r()) * 3); break; // exponential
    case 3: NUMERIC.push((r) => Math.floor(r() * 24)); break; // integer with ties (hour of day)
    default: NUMERIC.push((r) => 100 * r()); break; // uniform
  }
}

function row(r: () => number, shift: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < NUMERIC.length; i++) out[`n${i}`] = NUMERIC[i](r) + (i === 0 ? shift : 0);
  for (const c of CATEGORICAL) {
    const u = r();
    let j = 0;
    while (j < c.cdf.length - 1 && u > c.cdf[j]) j++;
    out[c.name] = c.labels[j];
  }
  return out;
}

/** The rule before the calibrated decision: any statistic over a fixed cut-off. */
function oldRuleDrifted(report: DriftReport): boolean {
  return Object.values(report.features).some((f) => f.psi > 0.2 || f.jensenShannon > 0.1
    || (f.type === 'numeric' ? f.ksPValue < 0.05 || f.wassersteinNormed > 0.1 : f.chiSquarePValue < 0.05));
}

interface Rates { flagged: number; oldRule: number; trials: number }

function run(seed: number, n: number, referenceRows: number, shifts: number[], trials: number): Rates[] {
  const rates = shifts.map(() => ({ flagged: 0, oldRule: 0, trials }));
  for (let t = 0; t < trials; t++) {
    const r = rng(seed * 1_000_003 + t);
    const b = new BaselineBuilder();
    for (let i = 0; i < referenceRows; i++) b.add(row(r, 0));
    const baseline = b.finish();
    shifts.forEach((shift, s) => {
      const acc = new DriftAccumulator(baseline);
      for (let i = 0; i < n; i++) acc.add(row(r, shift));
      const report = acc.result();
      if (report.drifted.length > 0) rates[s].flagged++;
      if (oldRuleDrifted(report)) rates[s].oldRule++;
    });
  }
  return rates;
}

const rate = (x: Rates, k: 'flagged' | 'oldRule') => Math.round((x[k] / x.trials) * 10000) / 10000;
const started = Date.now();
const out: Record<string, any> = {
  trials: { upTo5000: TRIALS, n20000: MID_TRIALS, n200000: BIG_TRIALS }, numericFeatures: NUMERIC.length, categoricalFeatures: CATEGORICAL.length,
  thresholds: { ...DEFAULT_THRESHOLDS }, referenceRows: `max(n, ${MIN_REFERENCE})`,
  null: {}, shift05: {}, nullSameSize: {}, shift002: {}, oldRule: { null: {}, shift05: {}, nullSameSize: {}, shift002: {} },
};
for (const n of SIZES) {
  const [nul, s05] = run(n, n, Math.max(n, MIN_REFERENCE), [0, 0.5], trialsAt(n));
  out.null[n] = rate(nul, 'flagged');
  out.shift05[n] = rate(s05, 'flagged');
  out.oldRule.null[n] = rate(nul, 'oldRule');
  out.oldRule.shift05[n] = rate(s05, 'oldRule');
  console.error(`n=${n}: null ${out.null[n]} (old ${out.oldRule.null[n]}), 0.5 sigma ${out.shift05[n]} (old ${out.oldRule.shift05[n]})`);
}
for (const n of [100, 300]) {
  const [same] = run(7 * n + 1, n, n, [0], TRIALS);
  out.nullSameSize[n] = rate(same, 'flagged');
  out.oldRule.nullSameSize[n] = rate(same, 'oldRule');
  console.error(`n=${n}, reference ${n}: null ${out.nullSameSize[n]} (old ${out.oldRule.nullSameSize[n]})`);
}
{
  const [nul, s002] = run(BIG, BIG, BIG, [0, 0.02], BIG_TRIALS);
  out.null[BIG] = rate(nul, 'flagged');
  out.shift002[BIG] = rate(s002, 'flagged');
  out.oldRule.null[BIG] = rate(nul, 'oldRule');
  out.oldRule.shift002[BIG] = rate(s002, 'oldRule');
  console.error(`n=${BIG}: null ${out.null[BIG]} (old ${out.oldRule.null[BIG]}), 0.02 sigma ${out.shift002[BIG]} (old ${out.oldRule.shift002[BIG]})`);
}
const maxNull = Math.max(...Object.values(out.null as Record<string, number>), ...Object.values(out.nullSameSize as Record<string, number>));
const minShift = Math.min(...SIZES.filter((n) => n >= 1000).map((n) => out.shift05[n] as number));
out.targets = {
  nullMax: maxNull,
  nullOk: maxNull <= 0.01,
  shift05Min: minShift,
  shift05Ok: minShift >= 0.95,
  shift002: out.shift002[BIG],
  shift002Ok: out.shift002[BIG] <= 0.05,
};
out.seconds = Math.round((Date.now() - started) / 100) / 10;
console.log(JSON.stringify(out));
