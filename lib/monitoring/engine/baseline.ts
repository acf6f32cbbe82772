/** Building and validating a drift baseline from a reference sample. */
import { SampleCollector } from './collector';
import { countLe, countLt, edgesOf } from './quantile';
import { meanStd } from './stats';
import { Baseline, CategoricalBaseline, FeatureSpec, NumericBaseline, QuantileSketch } from './types';

/** Default number of points in a numeric feature's quantile sketch. */
export const DEFAULT_SKETCH_SIZE = 1000;
/** Default number of categories a categorical baseline keeps (the rest is pooled as "other"). */
export const DEFAULT_TOP_K = 1000;

/** Options of {@link BaselineBuilder}. */
export interface BaselineBuilderOptions {
  /** The features (and optionally their types); default: every field seen, types inferred. */
  readonly features?: FeatureSpec[];
  /** Points in each numeric quantile sketch (>= 2); default 1000. */
  readonly sketchSize?: number;
  /** Categories kept per categorical feature; default 1000. */
  readonly topK?: number;
  /**
   * Numeric values kept per feature; beyond it a uniform reservoir sample of this size is
   * kept and edges, shares, mean, std and the sketch come from the sample (`sampledFrom`
   * records how many values were seen; `missingShare` stays exact). Default: every value (exact).
   */
  readonly maxValues?: number;
}

/**
 * Builds a {@link Baseline} from reference rows. Keeps every non-missing numeric
 * value (8 bytes each) so that edges, shares, mean and std are exact.
 */
export class BaselineBuilder {
  private readonly sketchSize: number;
  private readonly topK: number;
  private readonly maxValues: number | undefined;
  private readonly sample: SampleCollector;

  constructor(opts: BaselineBuilderOptions = {}) {
    this.sketchSize = opts.sketchSize ?? DEFAULT_SKETCH_SIZE;
    this.topK = opts.topK ?? DEFAULT_TOP_K;
    if (!Number.isInteger(this.sketchSize) || this.sketchSize < 2) {
      throw new Error(`sketchSize must be an integer >= 2, got ${this.sketchSize}`);
    }
    if (!Number.isInteger(this.topK) || this.topK < 1) throw new Error(`topK must be an integer >= 1, got ${this.topK}`);
    this.maxValues = opts.maxValues;
    if (this.maxValues !== undefined && (!Number.isInteger(this.maxValues) || this.maxValues < 10)) {
      throw new Error(`maxValues must be an integer >= 10, got ${this.maxValues}`);
    }
    this.sample = new SampleCollector(opts.features, this.maxValues);
  }

  /** Adds one reference row (field name → value). */
  public add(row: Record<string, unknown>): void {
    this.sample.add(row);
  }

  /** Records added so far. */
  public get recordCount(): number {
    return this.sample.rows;
  }

  /** The baseline of everything added. */
  public finish(): Baseline {
    const rows = this.sample.rows;
    const features: Baseline['features'] = {};
    for (const [name, c] of this.sample.collectors) {
      if (c.numeric) {
        const nb = numericBaseline(c.numbers!.sorted(), rows, this.sketchSize, c.nonMissing);
        if (c.numbers!.sampled) nb.sampledFrom = c.nonMissing;
        features[name] = nb;
      } else {
        features[name] = categoricalBaseline(c.categoryCounts(), c.nonMissing, rows, this.topK);
      }
    }
    return { schemaVersion: 1, createdAt: new Date().toISOString(), recordCount: rows, features };
  }
}

/**
 * Baseline of one numeric feature from its ascending non-missing values (or a uniform sample
 * of them, with `nonMissing` the number of values seen).
 */
export function numericBaseline(sorted: Float64Array, rows: number, sketchSize: number, nonMissing = sorted.length): NumericBaseline {
  const n = sorted.length;
  const missingShare = rows > 0 ? (rows - nonMissing) / rows : 0;
  if (n === 0) {
    return {
      type: 'numeric', count: 0, missingShare, edges: [], shares: [], mean: 0, std: 0,
      sketch: { size: sketchSize, exact: true, values: [], le: [], lt: [], innerOffset: [] },
    };
  }
  const edges = edgesOf(sorted);
  const shares = binShares(sorted, edges);
  const { mean, std } = meanStd(sorted);
  return { type: 'numeric', count: n, missingShare, edges, shares, mean, std, sketch: buildSketch(sorted, sketchSize) };
}

/** Shares of the 10 right-closed bins of an ascending sample. */
export function binShares(sorted: ArrayLike<number>, edges: number[]): number[] {
  const n = sorted.length;
  const shares: number[] = [];
  let prev = 0;
  for (let i = 0; i <= edges.length; i++) {
    const upto = i < edges.length ? countLe(sorted, edges[i]) : n;
    shares.push((upto - prev) / n);
    prev = upto;
  }
  return shares;
}

/**
 * The quantile sketch of an ascending sample: every distinct value when there are at most
 * `size`, otherwise the values at ranks round(i·(n−1)/(size−1)), i = 0…size−1 (deduplicated),
 * so at most ⌈(n−1)/(size−1)⌉ − 1 reference values lie strictly between two consecutive points.
 */
export function buildSketch(sorted: Float64Array, size: number): QuantileSketch {
  const n = sorted.length;
  const distinct: number[] = [];
  for (let i = 0; i < n && distinct.length <= size; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  }
  let values: number[];
  let exact: boolean;
  if (distinct.length <= size) {
    values = distinct;
    exact = true;
  } else {
    values = [];
    for (let i = 0; i < size; i++) {
      const x = sorted[Math.round((i * (n - 1)) / (size - 1))];
      if (values.length === 0 || values[values.length - 1] !== x) values.push(x);
    }
    exact = false;
  }
  const le = values.map((v) => countLe(sorted, v));
  const lt = values.map((v) => countLt(sorted, v));
  const innerOffset: number[] = [];
  for (let j = 0; j + 1 < values.length; j++) {
    let s = 0;
    const v = values[j];
    for (let i = le[j]; i < lt[j + 1]; i++) s += sorted[i] - v;
    innerOffset.push(s);
  }
  return { size, exact, values, le, lt, innerOffset };
}

/** Baseline of one categorical feature: the top-k categories by count (ties by name) plus "other". */
export function categoricalBaseline(counts: Map<string, number>, nonMissing: number, rows: number, topK: number): CategoricalBaseline {
  const missingShare = rows > 0 ? (rows - nonMissing) / rows : 0;
  // shares over the counted values (equal to nonMissing unless the column was sampled as numbers first)
  let total = 0;
  for (const c of counts.values()) total += c;
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // no prototype: a category may be called "__proto__" or "constructor"
  const shares: Record<string, number> = Object.create(null);
  let kept = 0;
  for (const [k, c] of entries.slice(0, topK)) {
    shares[k] = c / total;
    kept += c;
  }
  const otherShare = total > 0 ? (total - kept) / total : 0;
  return { type: 'categorical', count: nonMissing, missingShare, shares, otherShare };
}

function fail(path: string, what: string): never {
  throw new Error(`invalid drift baseline: ${path ? `${path} ` : ''}${what}`);
}

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkNumArray(v: unknown, path: string, len?: number): void {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    fail(path, 'must be an array of finite numbers');
  }
  if (len !== undefined && v.length !== len) fail(path, `must have ${len} elements, has ${v.length}`);
}

function checkShare(v: unknown, path: string): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(path, `must be a number in [0, 1], got ${JSON.stringify(v)}`);
}

/** Checks the shape of a parsed baseline JSON and returns it typed; throws an Error naming the first problem. */
export function validateBaseline(value: unknown): Baseline {
  if (!isObj(value)) fail('', 'must be a JSON object');
  if (value.schemaVersion !== 1) {
    fail('schemaVersion', `must be 1 (this engine reads schema version 1), got ${JSON.stringify(value.schemaVersion)}`);
  }
  if (typeof value.createdAt !== 'string') fail('createdAt', 'must be an ISO-8601 string');
  if (!Number.isInteger(value.recordCount) || value.recordCount < 0) fail('recordCount', 'must be a non-negative integer');
  if (!isObj(value.features)) fail('features', 'must be an object of feature name → baseline');
  for (const [name, f] of Object.entries(value.features)) {
    const p = `features.${name}`;
    if (!isObj(f)) fail(p, 'must be an object');
    if (!Number.isInteger(f.count) || f.count < 0) fail(`${p}.count`, 'must be a non-negative integer');
    checkShare(f.missingShare, `${p}.missingShare`);
    if (f.type === 'numeric') {
      const nb = f.count > 0;
      checkNumArray(f.edges, `${p}.edges`, nb ? 9 : undefined);
      checkNumArray(f.shares, `${p}.shares`, nb ? 10 : undefined);
      if (typeof f.mean !== 'number' || !Number.isFinite(f.mean)) fail(`${p}.mean`, 'must be a finite number');
      if (typeof f.std !== 'number' || !(f.std >= 0)) fail(`${p}.std`, 'must be a non-negative number');
      const s = f.sketch;
      if (!isObj(s)) fail(`${p}.sketch`, 'must be an object');
      checkNumArray(s.values, `${p}.sketch.values`);
      const k = s.values.length;
      if (nb && k === 0) fail(`${p}.sketch.values`, 'must not be empty when count > 0');
      for (let i = 1; i < k; i++) if (!(s.values[i] > s.values[i - 1])) fail(`${p}.sketch.values`, 'must be strictly ascending');
      checkNumArray(s.le, `${p}.sketch.le`, k);
      checkNumArray(s.lt, `${p}.sketch.lt`, k);
      checkNumArray(s.innerOffset, `${p}.sketch.innerOffset`, Math.max(k - 1, 0));
      if (nb && (s.lt[0] !== 0 || s.le[k - 1] !== f.count)) {
        fail(`${p}.sketch`, 'must start at the reference minimum and end at its maximum (lt[0] = 0, le[last] = count)');
      }
      if (typeof s.exact !== 'boolean') fail(`${p}.sketch.exact`, 'must be a boolean');
      if (f.sampledFrom !== undefined && (!Number.isInteger(f.sampledFrom) || f.sampledFrom < f.count)) {
        fail(`${p}.sampledFrom`, 'must be an integer >= count');
      }
      if (!Number.isInteger(s.size)) fail(`${p}.sketch.size`, 'must be an integer');
    } else if (f.type === 'categorical') {
      if (!isObj(f.shares)) fail(`${p}.shares`, 'must be an object of category → share');
      for (const [c, v] of Object.entries(f.shares)) checkShare(v, `${p}.shares[${JSON.stringify(c)}]`);
      checkShare(f.otherShare, `${p}.otherShare`);
    } else {
      fail(`${p}.type`, `must be "numeric" or "categorical", got ${JSON.stringify(f.type)}`);
    }
  }
  return value as Baseline;
}
