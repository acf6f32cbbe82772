/**
 * Distribution distances and special functions used by the drift engine.
 * Pure TypeScript, no Node APIs.
 */

/** Replacement for a zero share in PSI (no renormalisation). */
export const PSI_EPSILON = 0.0001;

/** PSI = Σ (c − r) · ln(c / r), zero shares replaced by 0.0001. */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] === 0 ? PSI_EPSILON : reference[i];
    const c = current[i] === 0 ? PSI_EPSILON : current[i];
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/** Jensen–Shannon distance, base 2, on raw shares (sqrt of the divergence). */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i];
    const b = q[i];
    const m = (a + b) / 2;
    if (a > 0) s += a * Math.log(a / m);
    if (b > 0) s += b * Math.log(b / m);
  }
  const js = s / 2 / Math.LN2;
  return Math.sqrt(js > 0 ? js : 0);
}

/** max |p − q|. */
export function lInfinity(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i] - q[i]));
  return m;
}

/** Mean and population standard deviation (two-pass). */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / n) };
}

/**
 * Wasserstein-1 distance between two ascending samples (scipy.stats.wasserstein_distance):
 * ∫ |F_u − F_v| over the pooled values.
 */
export function wassersteinSorted(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const n = u.length;
  const m = v.length;
  if (n === 0 || m === 0) return NaN;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(u[0], v[0]);
  while (i < n || j < m) {
    const x = j >= m || (i < n && u[i] <= v[j]) ? u[i] : v[j];
    total += Math.abs(i / n - j / m) * (x - prev);
    prev = x;
    while (i < n && u[i] === x) i++;
    while (j < m && v[j] === x) j++;
  }
  return total;
}

// ---- special functions ----------------------------------------------------

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS_G + 2; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const LOG_FACTORIAL_CACHE: number[] = [0, 0];

/** ln n! for a non-negative integer n (exact sum below 256, ln Γ above). */
export function logFactorial(n: number): number {
  if (n < 256) {
    for (let k = LOG_FACTORIAL_CACHE.length; k <= n; k++) LOG_FACTORIAL_CACHE[k] = LOG_FACTORIAL_CACHE[k - 1] + Math.log(k);
    return LOG_FACTORIAL_CACHE[n];
  }
  return logGamma(n + 1);
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a):
 * series for P when x < a + 1, Lentz continued fraction for Q otherwise.
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || x !== x) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const lnPre = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // P(a, x) = e^{-x} x^a / Γ(a+1) Σ x^k / ((a+1)…(a+k))
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let k = 0; k < 100000; k++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-17) break;
    }
    const p = sum * Math.exp(lnPre);
    return p > 1 ? 0 : 1 - p;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lnPre) * h;
}

/** Chi-square survival function with k degrees of freedom. */
export function chiSquareSf(x: number, k: number): number {
  return gammaQ(k / 2, x / 2);
}
