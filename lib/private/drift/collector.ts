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

/** Raw keys of numeric-looking values are kept up to this many distinct keys, for a later switch to categorical. */
const RAW_KEY_LIMIT = 100_000;

/** Everything seen for one feature in one sample. */
export class FeatureCollector {
  public nonMissing = 0;
  /** Numeric values while the feature may still be numeric. */
  public numbers: FloatBuffer | undefined = new FloatBuffer();
  /** Category counts: always for categorical features, else the raw keys of numeric values while few. */
  public categories: Map<string, number> | undefined = new Map();
  /** False once a non-numeric value was seen (or the type is forced categorical). */
  public numeric = true;

  constructor(public readonly forced?: FeatureType) {
    if (forced === 'categorical') {
      this.numeric = false;
      this.numbers = undefined;
    }
  }

  public add(v: unknown): void {
    if (isMissing(v)) return;
    if (this.numeric) {
      const x = toNumber(v);
      if (x === x) {
        this.nonMissing++;
        this.numbers!.push(x);
        if (this.categories) {
          const k = categoryKey(v);
          this.categories.set(k, (this.categories.get(k) ?? 0) + 1);
          if (this.categories.size > RAW_KEY_LIMIT) this.categories = undefined;
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

  /** Re-keys the numbers seen so far as categories (their raw text when it was kept). */
  public switchToCategorical(): void {
    if (!this.numeric) return;
    this.numeric = false;
    if (!this.categories) {
      const cats = new Map<string, number>();
      for (const x of this.numbers!.view()) {
        const k = String(x);
        cats.set(k, (cats.get(k) ?? 0) + 1);
      }
      this.categories = cats;
    }
    this.numbers = undefined;
  }

  /** Category counts (categorical features). */
  public categoryCounts(): Map<string, number> {
    if (this.numeric) this.switchToCategorical();
    return this.categories!;
  }
}
