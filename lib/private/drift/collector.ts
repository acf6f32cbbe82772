/** Per-feature value collection shared by the baseline builder and the exact comparison. */
import { FeatureType } from './types';
import { categoryKey, isMissing, toNumber } from './values';

/** A growable Float64 buffer. */
export class FloatBuffer {
  private buf = new Float64Array(1024);
  private len = 0;

  public push(x: number): void {
    if (this.len === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = x;
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
  public numbers: FloatBuffer | undefined = new FloatBuffer();
  /** Category counts (categorical features). */
  public categories: Map<string, number> | undefined;
  /** Numeric features: counts of numeric strings not written as String(number), while few. */
  private nonCanonical: Map<string, number> | undefined = new Map();
  /** False once a non-numeric value was seen (or the type is forced categorical). */
  public numeric = true;

  constructor(public readonly forced?: FeatureType) {
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

  /** Re-keys the numbers seen so far as categories (as written, when the text was remembered). */
  public switchToCategorical(): void {
    if (!this.numeric) return;
    this.numeric = false;
    const cats = new Map<string, number>();
    for (const x of this.numbers!.view()) {
      const k = String(x);
      cats.set(k, (cats.get(k) ?? 0) + 1);
    }
    if (this.nonCanonical) {
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
