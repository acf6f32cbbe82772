/**
 * `npm run bench:drift`: the streaming drift engine vs numpy/scipy on the same capture file.
 *
 * Generates (in a temp dir) a reference of 100,000 capture records and current windows of
 * 1,000,000 and 100,000 records (JSON Lines, 20 numeric + 5 categorical features in
 * `request`). Both sides load their reference untimed (ours: the baseline JSON built from
 * the reference file; numpy: the reference file parsed into arrays), then time the same
 * work: parse the current capture file and compute every feature's statistics. Runs
 * alternate (engine, numpy, numpy, engine, …) in separate processes; medians are reported.
 * Our peak RSS is the child's `process.resourceUsage().maxRSS`; the heap it still holds
 * after a full GC at the end (`retainedHeapMb`) shows what the engine keeps.
 * Prints one JSON line last.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BaselineBuilder, DriftAccumulator, DriftReport, validateBaseline } from '../lib/monitoring/engine';
import { readSamples } from '../lib/monitoring/engine/readers';

const NUMERIC = 20;
const CATEGORICAL = 5;
const REFERENCE_RECORDS = 100_000;
const BIG = 1_000_000;
const SMALL = 100_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3); // BENCH_ROUNDS=0: only generate (with BENCH_DIR)

// ---- child: the engine's timed work ----------------------------------------
async function engineChild(baselineFile: string, currentFile: string): Promise<void> {
  const baseline = validateBaseline(JSON.parse(fs.readFileSync(baselineFile, 'utf8')));
  const t0 = process.hrtime.bigint();
  const acc = new DriftAccumulator(baseline);
  const summary = await readSamples(currentFile, (row) => acc.add(row), { format: 'jsonl', trackColumns: false });
  for (let i = 0; i < summary.malformed; i++) acc.addMalformed();
  const report = acc.result();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  // what the engine still holds after a full GC (the child runs with --expose-gc)
  (globalThis as any).gc?.();
  const retainedHeapMb = process.memoryUsage().heapUsed / 1048576;
  process.stdout.write(JSON.stringify({ seconds, maxRssMb, retainedHeapMb, acc: acc.recordCount, report }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
}

// ---- data ------------------------------------------------------------------
class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  public next(): number { // xorshift32
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x / 4294967296;
  }
  public normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

const CATS: string[][] = [
  ['red', 'green', 'blue', 'cyan', 'black'],
  Array.from({ length: 20 }, (_, i) => `merchant-${i}`),
  Array.from({ length: 50 }, (_, i) => `region-${i}`),
  ['web', 'ios', 'android'],
  Array.from({ length: 12 }, (_, i) => `month-${i + 1}`),
];

function numericValue(rng: Rng, f: number, drift: boolean): string {
  if (f % 7 === 3 && rng.next() < 0.01) return 'null'; // some missing values
  const shift = drift && f < 5 ? 0.3 : 0;
  switch (f % 4) {
    case 0: return (f + (1 + f / 10) * (rng.normal() + shift)).toFixed(4);
    case 1: return Math.exp(0.5 * rng.normal() + shift).toFixed(4);
    case 2: return String(Math.floor(rng.next() * (drift && f < 5 ? 22 : 20)));
    default: return (rng.normal() * 100 + shift * 100).toFixed(2);
  }
}

function categoricalValue(rng: Rng, c: number, drift: boolean): string {
  const cats = CATS[c];
  if (drift && c === 1 && rng.next() < 0.02) return '"merchant-new"';
  const u = rng.next();
  const i = drift && c === 0 ? Math.floor(u * u * cats.length) : Math.floor(u * cats.length);
  return `"${cats[i]}"`;
}

function writeCapture(files: { file: string; records: number }[], drift: boolean, seed: number): void {
  const rng = new Rng(seed);
  const fds = files.map((f) => fs.openSync(f.file, 'w'));
  const max = Math.max(...files.map((f) => f.records));
  let batch: string[] = [];
  const flush = (i: number) => {
    const text = batch.join('');
    files.forEach((f, k) => { if (i <= f.records) fs.writeSync(fds[k], text); });
    batch = [];
  };
  for (let i = 1; i <= max; i++) {
    const fields: string[] = [];
    for (let f = 0; f < NUMERIC; f++) fields.push(`"f${String(f).padStart(2, '0')}":${numericValue(rng, f, drift)}`);
    for (let c = 0; c < CATEGORICAL; c++) fields.push(`"c${c}":${categoricalValue(rng, c, drift)}`);
    batch.push(`{"inferenceId":"inf-${i}","timestamp":"2026-11-27T10:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:00.000Z",`
      + `"modelName":"fraud","modelVersion":"7","variant":"primary","request":{${fields.join(',')}},`
      + `"response":{"score":${rng.next().toFixed(4)}},"latencyMs":${5 + Math.floor(rng.next() * 10)},"status":200,"truncated":false}\n`);
    if (batch.length === 10000 || i === max || files.some((f) => f.records === i)) flush(i);
  }
  fds.forEach((fd) => fs.closeSync(fd));
}

// ---- parent ----------------------------------------------------------------
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function runEngine(baseline: string, current: string): { seconds: number; maxRssMb: number; retainedHeapMb: number; report: DriftReport } {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--engine-child', baseline, current], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`engine child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function runNumpy(reference: string, current: string, spec: string): { seconds: number; features: Record<string, any> } {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', [path.join(__dirname, 'drift_numpy.py'), reference, current, spec], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`numpy child failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  // BENCH_DIR keeps the generated files (and reuses them) for profiling
  const keep = process.env.BENCH_DIR;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-bench-drift-'));
  if (keep) fs.mkdirSync(keep, { recursive: true });
  try {
    const refFile = path.join(dir, 'reference.jsonl');
    const bigFile = path.join(dir, 'current-1m.jsonl');
    const smallFile = path.join(dir, 'current-100k.jsonl');
    let t = Date.now();
    if (!keep || !fs.existsSync(smallFile)) {
      writeCapture([{ file: refFile, records: REFERENCE_RECORDS }], false, 42);
      writeCapture([{ file: bigFile, records: BIG }, { file: smallFile, records: SMALL }], true, 7);
    }
    console.error(`generated ${REFERENCE_RECORDS} + ${BIG} records (${(fs.statSync(bigFile).size / 1e6).toFixed(0)} MB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const names = [...Array.from({ length: NUMERIC }, (_, f) => `f${String(f).padStart(2, '0')}`), ...Array.from({ length: CATEGORICAL }, (_, c) => `c${c}`)];
    const specs = names.map((name) => ({ name, type: name.startsWith('f') ? 'numeric' as const : 'categorical' as const }));
    const specFile = path.join(dir, 'features.json');
    fs.writeFileSync(specFile, JSON.stringify(specs));
    t = Date.now();
    const builder = new BaselineBuilder({ features: specs });
    await readSamples(refFile, (row) => builder.add(row), { format: 'jsonl', trackColumns: false });
    const baselineFile = path.join(dir, 'baseline.json');
    const baselineText = JSON.stringify(builder.finish());
    fs.writeFileSync(baselineFile, baselineText);
    console.error(`baseline from ${REFERENCE_RECORDS} records: ${((Date.now() - t) / 1000).toFixed(1)} s, ${(baselineText.length / 1024).toFixed(0)} KiB`);

    if (ROUNDS === 0) return;
    const times: Record<string, { engine: number[]; numpy: number[]; rss: number[]; heap: number[] }> = {
      big: { engine: [], numpy: [], rss: [], heap: [] }, small: { engine: [], numpy: [], rss: [], heap: [] },
    };
    const lastBig: { engine?: DriftReport; numpy?: Record<string, any> } = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, file] of [['big', bigFile], ['small', smallFile]] as const) {
        const order = round % 2 === 0 ? ['engine', 'numpy'] : ['numpy', 'engine'];
        for (const side of order) {
          if (side === 'engine') {
            const r = runEngine(baselineFile, file);
            times[key].engine.push(r.seconds);
            times[key].rss.push(r.maxRssMb);
            times[key].heap.push(r.retainedHeapMb);
            if (key === 'big') lastBig.engine = r.report;
          } else {
            const r = runNumpy(refFile, file, specFile);
            times[key].numpy.push(r.seconds);
            if (key === 'big') lastBig.numpy = r.features;
          }
        }
        console.error(`round ${round + 1} ${key}: engine ${times[key].engine.at(-1)!.toFixed(2)} s (${times[key].rss.at(-1)!.toFixed(0)} MB), numpy ${times[key].numpy.at(-1)!.toFixed(2)} s`);
      }
    }

    // agreement on the last 1M run: exact statistics must match, KS within the sketch bound
    let maxPsiDiff = 0;
    let maxKsDiff = 0;
    let maxChiRel = 0;
    for (const name of names) {
      const a: any = lastBig.engine!.features[name];
      const b = lastBig.numpy![name];
      maxPsiDiff = Math.max(maxPsiDiff, Math.abs(a.psi - b.psi), Math.abs(a.jensenShannon - b.jensenShannon));
      if (a.type === 'numeric') maxKsDiff = Math.max(maxKsDiff, Math.abs(a.ksStatistic - b.ksStatistic));
      else maxChiRel = Math.max(maxChiRel, Math.abs(a.chiSquare - b.chiSquare) / Math.abs(b.chiSquare));
    }
    console.error(`agreement (1M): max |Δpsi|,|Δjs| ${maxPsiDiff.toExponential(1)}, max |ΔKS| ${maxKsDiff.toExponential(1)} (sketch bound ~${(1 / 999).toExponential(1)}), max rel Δchi2 ${maxChiRel.toExponential(1)}`);

    const seconds = median(times.big.engine);
    const numpySeconds = median(times.big.numpy);
    const out = {
      records: BIG,
      features: NUMERIC + CATEGORICAL,
      seconds: round3(seconds),
      peakRssMb: round3(Math.max(...times.big.rss)),
      numpySeconds: round3(numpySeconds),
      ratio: round3(seconds / numpySeconds),
      records100k: SMALL,
      seconds100k: round3(median(times.small.engine)),
      peakRssMb100k: round3(Math.max(...times.small.rss)),
      numpySeconds100k: round3(median(times.small.numpy)),
      ratio100k: round3(median(times.small.engine) / median(times.small.numpy)),
      retainedHeapMb: round3(median(times.big.heap)),
      retainedHeapMb100k: round3(median(times.small.heap)),
      rounds: ROUNDS,
      referenceRecords: REFERENCE_RECORDS,
      maxAbsDiffPsiJs: maxPsiDiff,
      maxAbsDiffKs: maxKsDiff,
    };
    console.log(JSON.stringify(out));
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[2] === '--engine-child') {
  engineChild(process.argv[3], process.argv[4]).catch((e) => { console.error(e); process.exit(1); });
} else {
  main().catch((e) => { console.error(e); process.exit(1); });
}
