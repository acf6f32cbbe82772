/**
 * Streaming comparison of a current window against a baseline: one pass,
 * memory bounded by the bins and the sketch (never by the number of records).
 */
import type { DriftThresholds } from '../../contracts/drift-thresholds';
import { categoricalDrift } from './categorical';
import { ks2sampPValue } from './ks';
import { binOf } from './quantile';
import { jensenShannonDistance, psi } from './stats';
import { decide, EngineFeatureSpec, FeatureDecision, FeatureEvidence, homogeneityTest, numericUndefined, categoricalUndefined } from './thresholds';
import {
  Baseline, CategoricalBaseline, CategoricalDrift, DriftReport,
  NumericBaseline, NumericDrift,
} from './types';
import { categoryKey, isMissing, toNumber } from './values';

/** Options of {@link DriftAccumulator}. */
export interface DriftAccumulatorOptions {
  /** Features to compare (names must be in the baseline); default: every baseline feature. */
  readonly features?: EngineFeatureSpec[];
  /** Thresholds for `drifted` (per-feature overrides come from `features`). */
  readonly thresholds?: DriftThresholds;
}

/** KS and Wasserstein bounds of a sketch-based comparison (see docs/drift.md). */
export interface SketchBounds {
  /** Sketch estimate of the KS statistic (a lower bound of the exact one). */
  readonly ksLower: number;
  /** Upper bound of the exact KS statistic. */
  readonly ksUpper: number;
  /** Lower bound of the exact normalised Wasserstein distance. */
  readonly wassersteinLower: number;
  /** The reported estimate (between the bounds). */
  readonly wassersteinEstimate: number;
  /** Upper bound of the exact normalised Wasserstein distance. */
  readonly wassersteinUpper: number;
}

class NumericState {
  public n = 0;
  public missing = 0;
  public readonly bins: Float64Array;
  /** eq[j]: current values equal to sketch point j. */
  public readonly eq: Float64Array;
  /** cnt[j]: current values in interval j: (−∞, v0), (v0, v1) … (v_last, ∞). */
  public readonly cnt: Float64Array;
  /** off[j]: Σ (x − left end) in interval j (for j = 0: Σ (v0 − x)). */
  public readonly off: Float64Array;
  public readonly values: Float64Array;
  public readonly edges: Float64Array;

  /**
   * The bin of every sketch position (2j+1: equal to point j; 2j: strictly between points
   * j−1 and j, with the ends open), or −1 where an edge lies strictly inside the interval.
   */
  private posBin: Int8Array = new Int8Array(0);

  constructor(public readonly base: NumericBaseline) {
    this.bins = new Float64Array(base.edges.length + 1);
    this.edges = Float64Array.from(base.edges);
    this.values = Float64Array.from(base.sketch.values);
    const k = this.values.length;
    this.eq = new Float64Array(k);
    this.cnt = new Float64Array(k + 1);
    this.off = new Float64Array(k + 1);
  }

  public init(): this {
    const v = this.values;
    const e = this.edges;
    const k = v.length;
    const pos = new Int8Array(2 * k + 1);
    for (let j = 0; j <= k; j++) {
      const lo = j === 0 ? -Infinity : v[j - 1];
      const hi = j === k ? Infinity : v[j];
      let below = 0;
      let inside = false;
      for (let i = 0; i < e.length; i++) {
        if (e[i] <= lo) below++;
        else if (e[i] < hi) inside = true;
      }
      pos[2 * j] = inside ? -1 : below;
      if (j < k) {
        let atOrBelow = 0;
        for (let i = 0; i < e.length; i++) if (e[i] < v[j]) atOrBelow++;
        pos[2 * j + 1] = atOrBelow;
      }
    }
    this.posBin = pos;
    return this;
  }

  public add(x: number): void {
    this.n++;
    const v = this.values;
    // first index with v[i] >= x
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v[mid] < x) lo = mid + 1; else hi = mid;
    }
    let p: number;
    if (lo < v.length && v[lo] === x) {
      this.eq[lo]++;
      p = 2 * lo + 1;
    } else {
      this.cnt[lo]++;
      this.off[lo] += lo === 0 ? v[0] - x : x - v[lo - 1];
      p = 2 * lo;
    }
    let b = this.posBin[p];
    if (b < 0) {
      b = binOf(this.edges, x);
    }
    this.bins[b]++;
  }
}

/** Distinct never-seen categories counted one by one per feature; beyond this they are pooled. */
export const MAX_UNSEEN_CATEGORIES = 10000;

class CategoricalState {
  public n = 0;
  public missing = 0;
  public readonly counts = new Map<string, number>();
  public readonly known: Set<string>;
  public unseenKeys = 0;
  /** Values of never-seen categories beyond MAX_UNSEEN_CATEGORIES distinct ones (pooled). */
  public overflow = 0;
  constructor(public readonly base: CategoricalBaseline) {
    this.known = new Set(Object.keys(base.shares));
  }

  public add(k: string): void {
    this.n++;
    const counts = this.counts;
    const c = counts.get(k);
    if (c !== undefined) {
      counts.set(k, c + 1);
    } else if (this.known.has(k)) {
      counts.set(k, 1);
    } else if (this.unseenKeys < MAX_UNSEEN_CATEGORIES) {
      this.unseenKeys++;
      counts.set(k, 1);
    } else {
      this.overflow++;
    }
  }
}

/** Streams current rows and compares them with a baseline. */
export class DriftAccumulator {
  private readonly names: string[];
  private readonly specs: EngineFeatureSpec[] | undefined;
  private readonly thresholds: DriftThresholds | undefined;
  private readonly states: (NumericState | CategoricalState)[];
  // the same states split by type, so the per-row loops stay monomorphic
  private readonly numNames: string[] = [];
  private readonly numStates: NumericState[] = [];
  private readonly catNames: string[] = [];
  private readonly catStates: CategoricalState[] = [];
  private rows = 0;
  private malformed = 0;

  constructor(baseline: Baseline, opts: DriftAccumulatorOptions = {}) {
    this.specs = opts.features;
    this.thresholds = opts.thresholds;
    this.names = opts.features ? opts.features.map((f) => f.name) : Object.keys(baseline.features);
    this.states = this.names.map((name) => {
      const b = baseline.features[name];
      if (!b) throw new Error(`feature "${name}" is not in the baseline (it has: ${Object.keys(baseline.features).join(', ') || 'none'})`);
      if (b.type === 'numeric') {
        const st = new NumericState(b).init();
        this.numNames.push(name);
        this.numStates.push(st);
        return st;
      }
      const st = new CategoricalState(b);
      this.catNames.push(name);
      this.catStates.push(st);
      return st;
    });
  }

  /** Adds one current row (field name → value). */
  public add(row: Record<string, unknown>): void {
    this.rows++;
    const nn = this.numNames;
    const ns = this.numStates;
    for (let i = 0; i < nn.length; i++) {
      const v = row[nn[i]];
      const s = ns[i];
      // a non-number in a numeric feature counts as missing
      const x = typeof v === 'number' ? v : toNumber(v); // missing values parse as NaN
      if (x === x && x !== Infinity && x !== -Infinity) s.add(x); else s.missing++;
    }
    const cn = this.catNames;
    const cs = this.catStates;
    for (let i = 0; i < cn.length; i++) {
      const v = row[cn[i]];
      const s = cs[i];
      if (isMissing(v)) {
        s.missing++;
        continue;
      }
      s.add(typeof v === 'string' ? v : categoryKey(v));
    }
  }

  /** Counts a record that could not be read. */
  public addMalformed(): void {
    this.malformed++;
  }

  /** Well-formed records added. */
  public get recordCount(): number {
    return this.rows;
  }

  /** The report so far (may be called repeatedly), with the decision behind `drifted` per feature. */
  public result(): DriftReport & { decisions: Record<string, FeatureDecision> } {
    const features: DriftReport['features'] = {};
    const evidence: Record<string, FeatureEvidence> = {};
    for (let i = 0; i < this.names.length; i++) {
      const s = this.states[i];
      const name = this.names[i];
      const [drift, e] = s instanceof NumericState ? this.numeric(s) : this.categorical(s);
      features[name] = drift;
      evidence[name] = e;
    }
    const decisions = decide(evidence, this.specs, this.thresholds);
    const drifted = this.names.filter((name) => decisions[name].drifted);
    return { n: this.rows, malformed: this.malformed, features, drifted, decisions };
  }

  /** Sketch bounds of KS and normalised Wasserstein per numeric feature (NaN when either side is empty). */
  public sketchBounds(): Record<string, SketchBounds> {
    const out: Record<string, SketchBounds> = {};
    for (let i = 0; i < this.names.length; i++) {
      const s = this.states[i];
      if (s instanceof NumericState) out[this.names[i]] = sketchCompare(s);
    }
    return out;
  }

  private missingDelta(missing: number, baseShare: number): number {
    return this.rows > 0 ? missing / this.rows - baseShare : NaN;
  }

  private numeric(s: NumericState): [NumericDrift, FeatureEvidence] {
    const b = s.base;
    const missingRateDelta = this.missingDelta(s.missing, b.missingShare);
    if (s.n === 0 || b.count === 0) {
      const u = numericUndefined(s.n, missingRateDelta);
      return [u, { ...u, pValue: NaN, referenceCount: b.count, currentCount: s.n, cells: 0 }];
    }
    const cur = Array.from(s.bins, (c) => c / s.n);
    const sk = sketchCompare(s);
    const ks = ks2sampPValue(sk.ksLower, b.count, s.n);
    const drift: NumericDrift = {
      type: 'numeric',
      n: s.n,
      psi: psi(b.shares, cur),
      jensenShannon: jensenShannonDistance(b.shares, cur),
      ksStatistic: ks.statistic,
      ksPValue: ks.pValue,
      wassersteinNormed: sk.wassersteinEstimate,
      missingRateDelta,
    };
    let cells = 0;
    for (let i = 0; i < cur.length; i++) if (cur[i] > 0 || b.shares[i] > 0) cells++;
    return [drift, { ...drift, pValue: ks.pValue, referenceCount: b.count, currentCount: s.n, cells }];
  }

  private categorical(s: CategoricalState): [CategoricalDrift, FeatureEvidence] {
    const b = s.base;
    const missingRateDelta = this.missingDelta(s.missing, b.missingShare);
    if (s.n === 0 || b.count === 0) {
      const u = categoricalUndefined(s.n, missingRateDelta);
      return [u, { ...u, pValue: NaN, referenceCount: b.count, currentCount: s.n, cells: 0 }];
    }
    const ref = new Map<string, number>(Object.entries(b.shares));
    let counts = s.counts;
    if (b.otherShare > 0) {
      // Categories beyond the baseline's top-k are indistinguishable from unseen ones: pool both as "other".
      const OTHER = '\u0000other';
      ref.set(OTHER, b.otherShare);
      counts = new Map();
      for (const [k, c] of s.counts) {
        const key = s.known.has(k) ? k : OTHER;
        counts.set(key, (counts.get(key) ?? 0) + c);
      }
      if (s.overflow > 0) counts.set(OTHER, (counts.get(OTHER) ?? 0) + s.overflow);
    } else if (s.overflow > 0) {
      // more distinct unseen categories than tracked: the rest form one pooled unseen category
      // (chi-square and unseenRate pool unseen values anyway; PSI/JS/L∞ see one category for them)
      counts = new Map(s.counts);
      counts.set('\u0000unseen-overflow', s.overflow);
    }
    const drift = categoricalDrift(ref, counts, s.n, missingRateDelta);
    return [drift, { ...drift, ...categoricalEvidence(ref, b.count, counts, s.n) }];
  }
}

/** The homogeneity test of current counts against reference shares of `n` values, over the union of categories. */
export function categoricalEvidence(
  reference: Map<string, number>, n: number, counts: Map<string, number>, m: number,
): Pick<FeatureEvidence, 'pValue' | 'referenceCount' | 'currentCount' | 'cells'> {
  const a: number[] = [];
  const c: number[] = [];
  for (const [k, share] of reference) {
    a.push(share * n);
    c.push(counts.get(k) ?? 0);
  }
  for (const [k, o] of counts) {
    if (reference.has(k)) continue;
    a.push(0);
    c.push(o);
  }
  const t = homogeneityTest(a, n, c, m);
  return { pValue: t.pValue, referenceCount: n, currentCount: m, cells: t.cells };
}

/**
 * KS and Wasserstein of the current window against the baseline's sketch.
 * KS: the exact ECDF difference at every sketch point and just below it (a lower bound);
 * inside an interval between points the reference ECDF is only known to lie between its
 * values at the ends, which gives the upper bound.
 * Wasserstein: per interval |∫F_r − ∫F_c| (both integrals exact from counts and offsets),
 * a lower bound that is exact whenever F_r − F_c keeps its sign inside each interval;
 * the upper bound adds 2·width·min(max F_r − F_c, max F_c − F_r) per interval. The
 * estimate models F_r − F_c as linear inside an interval where its sign changes between the
 * interval's ends (exact when it does not change sign).
 */
function sketchCompare(s: NumericState): SketchBounds {
  const b = s.base;
  const sk = b.sketch;
  const n = b.count;
  const m = s.n;
  if (n === 0 || m === 0) return { ksLower: NaN, ksUpper: NaN, wassersteinLower: NaN, wassersteinUpper: NaN, wassersteinEstimate: NaN };
  const v = sk.values;
  const k = v.length;
  let below = 0; // current values < v[j]
  let ksLo = 0;
  let ksHi = 0;
  let w = s.off[0] / m; // left tail: F_r = 0, ∫F_c = Σ (v0 − x) / m
  let wHi = w;
  let wEst = w;
  for (let j = 0; j < k; j++) {
    below += s.cnt[j];
    const fcLt = below / m;
    const fcLe = (below + s.eq[j]) / m;
    const frLt = sk.lt[j] / n;
    const frLe = sk.le[j] / n;
    ksLo = Math.max(ksLo, Math.abs(frLt - fcLt), Math.abs(frLe - fcLe));
    below += s.eq[j];
    if (j + 1 < k) {
      const width = v[j + 1] - v[j];
      const cntC = s.cnt[j + 1];
      const fcNextLt = (below + cntC) / m;
      const frNextLt = sk.lt[j + 1] / n;
      const pos = Math.max(0, frNextLt - fcLe); // max of F_r − F_c inside
      const neg = Math.max(0, fcNextLt - frLe); // max of F_c − F_r inside
      ksHi = Math.max(ksHi, pos, neg);
      const innerR = sk.lt[j + 1] - sk.le[j];
      const intR = width * frLe + (innerR * width - sk.innerOffset[j]) / n;
      const intC = width * fcLe + (cntC * width - s.off[j + 1]) / m;
      const lower = Math.abs(intR - intC);
      const upper = lower + 2 * width * Math.min(pos, neg);
      w += lower;
      wHi += upper;
      // Estimate: where F_r − F_c changes sign across the interval, model it as linear between
      // its values at the two ends: ∫|f| = width·(f0² + f1²) / (2(|f0| + |f1|)), kept in [lower, upper].
      const f0 = frLe - fcLe;
      const f1 = frNextLt - fcNextLt;
      let est = lower;
      if (f0 * f1 < 0) est = Math.min(upper, Math.max(lower, (width * (f0 * f0 + f1 * f1)) / (2 * (Math.abs(f0) + Math.abs(f1)))));
      wEst += est;
    }
  }
  const right = s.off[k] / m; // right tail: F_r = 1, ∫(1 − F_c) = Σ (x − v_last) / m
  w += right;
  wHi += right;
  wEst += right;
  const scale = Math.max(b.std, 0.001);
  return {
    ksLower: ksLo,
    ksUpper: Math.max(ksLo, ksHi),
    wassersteinLower: w / scale,
    wassersteinUpper: wHi / scale,
    wassersteinEstimate: wEst / scale,
  };
}
