/**
 * The alarm that starts the loop comes from the real drift engine: a reference
 * window (the training data) and a current window of capture records are
 * generated, the engine builds the baseline and compares the capture window
 * with its real default thresholds. The model's drift alarm goes to ALARM when
 * at least one feature drifted (the DriftMonitor alarm's threshold).
 */
import { BaselineBuilder, DEFAULT_THRESHOLDS, DriftAccumulator, featuresFromCaptureRecord } from '../../lib/monitoring/engine';

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const CATEGORIES = ['grocery', 'electronics', 'travel', 'fashion', 'gaming'];

/** One transaction of the fraud model; `shift` (in standard deviations) drifts the distributions. */
function row(r: () => number, shift: number): Record<string, unknown> {
  const cat = r() < 0.15 * Math.min(shift, 3) ? 'gaming' : CATEGORIES[Math.floor(r() * 4)];
  return {
    amount: Math.round(Math.exp(3.5 + 0.9 * (normal(r) + shift * 0.6)) * 100) / 100,
    distance_km: Math.round(Math.abs(normal(r) * 20 + 15 + shift * 12) * 10) / 10,
    hour: Math.min(23, Math.max(0, Math.round(14 + 4 * normal(r)))),
    merchant_category: cat,
  };
}

export interface DriftOutcome {
  readonly referenceRows: Record<string, unknown>[];
  readonly currentRecords: number;
  readonly drifted: string[];
  readonly statistics: Record<string, Record<string, unknown>>;
  readonly thresholds: Record<string, number>;
}

/** Generates both windows and runs the engine. */
export function detectDrift(opts: { shift: number; rows: number; seed: number; modelName: string; t0: Date }): DriftOutcome {
  const ref = rng(opts.seed);
  const referenceRows = Array.from({ length: opts.rows }, () => row(ref, 0));
  const builder = new BaselineBuilder();
  for (const r of referenceRows) builder.add(r);
  const baseline = builder.finish();

  const cur = rng(opts.seed + 1);
  const acc = new DriftAccumulator(baseline);
  for (let i = 0; i < opts.rows; i++) {
    // A capture record as the sidecar writes it (ARCHITECTURE.md, "Capture record").
    const record = {
      inferenceId: `sim-${i}`,
      timestamp: new Date(opts.t0.getTime() - (opts.rows - i) * 1000).toISOString(),
      modelName: opts.modelName,
      modelVersion: '1',
      variant: 'primary',
      request: { features: row(cur, opts.shift) },
      response: { score: 0.1 },
      latencyMs: 7,
      status: 200,
      truncated: false,
    };
    const features = featuresFromCaptureRecord(record);
    if (features) acc.add(features); else acc.addMalformed();
  }
  const report = acc.result();
  const statistics: Record<string, Record<string, unknown>> = {};
  for (const [name, f] of Object.entries(report.features)) {
    const s: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f)) s[k] = typeof v === 'number' ? Math.round(v * 10000) / 10000 : v;
    statistics[name] = s;
  }
  return { referenceRows, currentRecords: report.n, drifted: report.drifted, statistics, thresholds: { ...DEFAULT_THRESHOLDS } };
}

/** CSV of the reference rows (the training data the pipeline's baseline step reads). */
export function toCsv(rows: Record<string, unknown>[]): string {
  const header = Object.keys(rows[0] ?? {});
  return [header.join(','), ...rows.map((r) => header.map((h) => String(r[h] ?? '')).join(','))].join('\n') + '\n';
}
