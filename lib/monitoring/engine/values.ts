/**
 * Value handling shared by the drift engine: what counts as missing, what
 * parses as a number, and how a categorical value is keyed.
 */

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Missing: `undefined`, `null`, a NaN number, or a string that is empty,
 * `NaN`/`nan` or `null` (after trimming whitespace, case-insensitive).
 */
export function isMissing(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return v !== v;
  if (typeof v === 'string') {
    const len = v.length;
    if (len === 0) return true;
    if (len > 5 && v.charCodeAt(0) > 32 && v.charCodeAt(len - 1) > 32) return false;
    const t = v.trim().toLowerCase();
    return t === '' || t === 'nan' || t === 'null';
  }
  return false;
}

/**
 * The value as a finite number, or NaN when it does not parse as one.
 * Numbers pass through (non-finite ones give NaN); strings must be a plain
 * decimal literal (optional sign, digits, optional fraction and exponent),
 * surrounding whitespace allowed. Booleans and objects are not numbers.
 */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string') {
    let s = v;
    const c0 = s.charCodeAt(0);
    const cl = s.charCodeAt(s.length - 1);
    if (c0 <= 32 || cl <= 32) s = s.trim();
    if (!NUMBER_RE.test(s)) return NaN;
    const x = Number(s);
    return Number.isFinite(x) ? x : NaN;
  }
  return NaN;
}

/** The category a value belongs to: strings as they are, other scalars via String(), objects as JSON. */
export function categoryKey(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
