/** Per-feature value collection shared by the baseline builder and the exact comparison. */
import { FeatureSpec, FeatureType } from './types';
import { categoryKey, isMissing, toNumber } from './values';

/**
 * A growable Float64 buffer; with a `cap`, a uniform reservoir sample (Algorithm R, with a
 * fixed-seed xorshift generator so baselines are reproducible) of at most `cap` values.
 */
export class FloatBuffer {
  private buf = new Float64Array(1024);
  private len = 0;
  /** Values pushed (>= length once sampling started). */
  public seen = 0;
  private rng = 0x9e3779b9;

  constructor(private readonly cap = Infinity) {}

  public push(x: number): void {
    this.seen++;
    if (this.len >= this.cap) {
      let r = this.rng;
      r ^= r << 13; r >>>= 0;
      r ^= r >>> 17;
      r ^= r << 5; r >>>= 0;
      this.rng = r;
      const j = Math.floor((r / 4294967296) * this.seen); // uniform in [0, seen)
      if (j < this.cap) this.buf[j] = x;
      return;
    }
    if (this.len === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = x;
  }

  /** True when values were dropped (only a sample is kept). */
  public get sampled(): boolean {
    return this.seen > this.len;
  }

  public get length(): number {
    return this.len;
  }

  /** The values sorted ascending (a copy). */
  public sorted(): Float64Array {
    return this.buf.slice(0, this.len).sort();
  }

  /** The values in insertion order (a view). */
  public view(): Float64Array {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * Numeric-looking strings whose text differs from String(number) ("1.50", "007") are
 * remembered up to this many distinct texts, so a later switch to categorical keys them as written.
 */
const RAW_KEY_LIMIT = 100_000;

/** Everything seen for one feature in one sample. */
export class FeatureCollector {
  public nonMissing = 0;
  /** Numeric values while the feature may still be numeric. */
  public numbers: FloatBuffer | undefined;
  /** Category counts (categorical features). */
  public categories: Map<string, number> | undefined;
  /** Numeric features: counts of numeric strings not written as String(number), while few. */
  private nonCanonical: Map<string, number> | undefined = new Map();
  /** False once a non-numeric value was seen (or the type is forced categorical). */
  public numeric = true;

  /** @param maxValues numeric values kept (a uniform sample beyond it); default all */
  constructor(public readonly forced?: FeatureType, maxValues?: number) {
    this.numbers = new FloatBuffer(maxValues);
    if (forced === 'categorical') {
      this.numeric = false;
      this.numbers = undefined;
      this.categories = new Map();
    }
  }

  public add(v: unknown): void {
    if (isMissing(v)) return;
    if (this.numeric) {
      const x = toNumber(v);
      if (x === x) {
        this.nonMissing++;
        this.numbers!.push(x);
        if (typeof v === 'string' && this.nonCanonical && String(x) !== v) {
          this.nonCanonical.set(v, (this.nonCanonical.get(v) ?? 0) + 1);
          if (this.nonCanonical.size > RAW_KEY_LIMIT) this.nonCanonical = undefined;
        }
        return;
      }
      if (this.forced === 'numeric') return; // not a number in a numeric feature: treated as missing
      this.switchToCategorical();
    }
    this.nonMissing++;
    const k = categoryKey(v);
    const cats = this.categories!;
    cats.set(k, (cats.get(k) ?? 0) + 1);
  }

  /**
   * Re-keys the numbers seen so far as categories (as written, when the text was remembered).
   * When only a sample of the numbers was kept, each sampled value counts for seen / kept values.
   */
  public switchToCategorical(): void {
    if (!this.numeric) return;
    this.numeric = false;
    const nums = this.numbers!;
    const sampled = nums.sampled;
    const w = sampled ? nums.seen / nums.length : 1;
    const cats = new Map<string, number>();
    for (const x of nums.view()) {
      const k = String(x);
      cats.set(k, (cats.get(k) ?? 0) + w);
    }
    if (this.nonCanonical && !sampled) {
      for (const [text, c] of this.nonCanonical) {
        const k = String(toNumber(text));
        const left = cats.get(k)! - c;
        if (left > 0) cats.set(k, left); else cats.delete(k);
        cats.set(text, (cats.get(text) ?? 0) + c);
      }
    }
    this.categories = cats;
    this.numbers = undefined;
    this.nonCanonical = undefined;
  }

  /** Category counts (categorical features). */
  public categoryCounts(): Map<string, number> {
    if (this.numeric) this.switchToCategorical();
    return this.categories!;
  }
}

/**
 * Collects one sample row by row: a {@link FeatureCollector} per feature (the
 * given features, or every field seen with its type inferred), the row count.
 */
export class SampleCollector {
  public rows = 0;
  /** Rows the caller could not parse (counted by the caller). */
  public malformed = 0;
  public readonly collectors = new Map<string, FeatureCollector>();

  /** @param maxValues numeric values kept per feature (see {@link FeatureCollector}); default all */
  constructor(private readonly specs?: FeatureSpec[], private readonly maxValues?: number) {
    if (specs) for (const s of specs) this.collectors.set(s.name, new FeatureCollector(s.type, maxValues));
  }

  /** Adds one row (field name → value). */
  public add(row: Record<string, unknown>): void {
    this.rows++;
    if (this.specs) {
      for (const [name, c] of this.collectors) c.add(row[name]);
      return;
    }
    for (const name in row) {
      let c = this.collectors.get(name);
      if (!c) {
        c = new FeatureCollector(undefined, this.maxValues);
        this.collectors.set(name, c);
      }
      c.add(row[name]);
    }
  }
}
