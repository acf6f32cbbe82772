/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, following the algorithm of
 * scipy.stats.ks_2samp(method='auto'):
 * - statistic D = max |F1 − F2| over the pooled values;
 * - exact p-value when max(n1, n2) <= 10,000: the lattice-path probability
 *   that a random path from (0,0) to (n1,n2) leaves the band
 *   |x/n1 − y/n2| < D (Hodges 1958; for n1 = n2 the reflection series, for
 *   n1 ≠ n2 the "inside" recursion of Viehmann 2021 that yields 1 − p directly);
 * - otherwise the asymptotic p-value kstwo.sf(D, round(n1·n2/(n1+n2))), the
 *   one-sample two-sided Kolmogorov distribution evaluated as in
 *   Simard & L'Ecuyer (2011): Ruben–Gambino closed forms, the Durbin matrix,
 *   2·smirnov (Birnbaum–Tingey) and the Pelz–Good expansion.
 * Pure TypeScript, no Node APIs.
 */
import { logFactorial } from './stats';

/** Largest sample for which the exact p-value is used (scipy's MAX_AUTO_N). */
export const KS_MAX_EXACT_N = 10000;

/** KS statistic of two ascending samples: max over the pooled values of |F_a − F_b|. */
export function ksStatisticSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n || j < m) {
    const x = j >= m || (i < n && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return d;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy.round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** Result of the two-sample test. */
export interface KsResult {
  /** The statistic (in the exact branch rounded to the lattice h / lcm(n1, n2), as scipy does). */
  readonly statistic: number;
  readonly pValue: number;
  /** Which p-value was used. */
  readonly method: 'exact' | 'asymptotic';
}

/** p-value of a two-sided two-sample KS statistic d with sample sizes n1, n2 (scipy 'auto'). */
export function ks2sampPValue(d: number, n1: number, n2: number): KsResult {
  if (!(n1 > 0 && n2 > 0) || d !== d) return { statistic: NaN, pValue: NaN, method: 'exact' };
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    const dr = h / lcm;
    if (h === 0) return { statistic: dr, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: dr, pValue: p, method: 'exact' };
    d = dr; // numerical failure: fall back to asymptotic as scipy does
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: clip01(kolmogorovSf(roundHalfEven(en), d)), method: 'asymptotic' };
}

/** Two-sample KS on two ascending samples. */
export function ks2sampSorted(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  return ks2sampPValue(ksStatisticSorted(a, b), a.length, b.length);
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * P(D_{n,n} >= h/n): by reflection, 2 Σ_{k>=1} (−1)^{k−1} C(2n, n−kh) / C(2n, n),
 * each ratio a product of h factors, evaluated Horner-style from the innermost term
 * to avoid subtractive cancellation.
 */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    // A_k = C(2n, n-(k+1)h) / C(2n, n-kh) written as a product of h ratios.
    let a = 1;
    for (let j = 0; j < h; j++) a = ((n - k * h - j) * a) / (n + k * h + j + 1);
    p = a * (1 - p);
  }
  return 2 * p;
}

/**
 * P(path leaves the band) for n1 ≠ n2: Q(x, y) = probability that a uniformly random
 * lattice path from (0,0) to (x,y) has touched the boundary |ng·x − mg·y| >= h.
 * Q = 1 outside the band, and inside Q(x,y) = (x·Q(x−1,y) + y·Q(x,y−1)) / (x+y)
 * (the two predecessors weighted by their share of the paths). One column is kept.
 */
function probOutsideBand(n1: number, n2: number, g: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const mg = m / g;
  const ng = n / g;
  const col = new Float64Array(n + 1).fill(1);
  // column x = 0: inside for mg*y < h, and every path there is the straight one
  let hi = Math.min(Math.ceil(h / mg) - 1, n);
  for (let y = 0; y <= hi; y++) col[y] = 0;
  let lo = 0;
  for (let x = 1; x <= m; x++) {
    const newLo = Math.max(Math.floor((ng * x - h) / mg) + 1, 0);
    const newHi = Math.min(Math.ceil((ng * x + h) / mg) - 1, n);
    if (newHi < newLo) return 1;
    for (let y = lo; y < newLo && y <= n; y++) col[y] = 1;
    for (let y = hi + 1; y <= newHi; y++) col[y] = 1; // above the old window: outside before
    let left = newLo === 0 ? 0 : col[newLo - 1];
    for (let y = newLo; y <= newHi; y++) {
      left = (x * col[y] + y * left) / (x + y);
      col[y] = left;
    }
    lo = newLo;
    hi = newHi;
  }
  return col[n];
}

// ---- one-sample two-sided Kolmogorov distribution (scipy kstwo) -------------

/** Survival function of the two-sided one-sample KS statistic D_n at x (scipy.stats.kstwo.sf(x, n)). */
export function kolmogorovSf(n: number, x: number): number {
  if (!(n > 0) || !Number.isInteger(n) || x !== x) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    const cdf = n <= 140
      ? productCdfSmall(n, t)
      : Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * Math.pow(1 - x, n));
  if (x >= 0.5) return clip01(2 * smirnov(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clip01(1 - durbinCdf(n, x));
    return clip01(2 * smirnov(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnov(n, x));
  let cdf: number;
  if (nx2 >= 18) cdf = 1;
  else if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) cdf = durbinCdf(n, x);
  else cdf = pelzGoodCdf(n, x);
  return clip01(1 - cdf);
}

/** Ruben–Gambino for 1/(2n) < x <= 1/n: n!/n^n (2nx − 1)^n as a product. */
function productCdfSmall(n: number, t: number): number {
  let p = 1;
  const f = 2 * t - 1;
  for (let i = 1; i <= n; i++) p *= i * (1 / n) * f;
  return p;
}

// B_{2j} / (2j (2j − 1)) for j = 8 … 1 (Bernoulli numbers), highest order first.
const STIRLING = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];

/** ln(n!/n^n) by Stirling's series with n·ln n removed up front. */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  const u = rn / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * u + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

const E128 = 2 ** 128;

/**
 * P(D_n < d) by Durbin's matrix (Marsaglia–Tsang–Wang): with d = (k − h)/n,
 * H is (2k−1)², P = n!/n^n · (H^n)[k−1][k−1], powers scaled by 2^128 to stay in range.
 */
export function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - Math.pow(h, j)) * fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let P: Float64Array<ArrayBufferLike> | undefined; // H^(bits so far); undefined = identity
  let base: Float64Array<ArrayBufferLike> = H;
  let expP = 0;
  let expBase = 0;
  let nn = n;
  while (nn > 0) {
    if (nn % 2) {
      P = P ? matMul(P, base, m) : base.slice();
      expP += expBase;
    }
    nn = Math.floor(nn / 2);
    if (nn > 0) {
      base = matMul(base, base, m);
      expBase *= 2;
      if (Math.abs(base[(k - 1) * m + (k - 1)]) > E128) {
        for (let i = 0; i < base.length; i++) base[i] /= E128;
        expBase += 128;
      }
    }
  }
  let p = P![(k - 1) * m + (k - 1)];
  let expnt = expP;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < 1 / E128) {
      p *= E128;
      expnt -= 128;
    }
  }
  return p * Math.pow(2, expnt);
}

function matMul(a: Float64Array<ArrayBufferLike>, b: Float64Array<ArrayBufferLike>, m: number): Float64Array<ArrayBufferLike> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      const bo = l * m;
      const oo = i * m;
      for (let j = 0; j < m; j++) out[oo + j] += ail * b[bo + j];
    }
  }
  return out;
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const SQRT3 = Math.sqrt(3);

/**
 * Pelz–Good (1976) expansion of P(D_n <= x):
 * K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^{3/2} with z = x√n, each K_i written as a
 * theta-function series in q = exp(−π²/(8z²)) suitable for small z.
 */
export function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  // Σ over odd m = 2k−1 of c(m) q^{m²}, Horner in q^{8k} from the largest k down.
  for (let k = maxk; k >= 1; k--) {
    const mo = 2 * k - 1;
    const m2 = mo * mo;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = Math.pow(q, 8 * k);
    s0 = s0 * qp + 1;
    s1 = s1 * qp + (k1a + k1b * m2);
    s2 = s2 * qp + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  s0 = (s0 * q * SQRT2PI) / z;
  s1 = (s1 * q * SQRT2PI) / (6 * z4);
  s2 = (s2 * q * SQRT2PI) / (72 * Math.pow(z, 7));
  s3 = (s3 * q * SQRT2PI) / (6480 * Math.pow(z, 10));
  // The sums over all integers k: K2 gets π²k² q^{k²}, K3 gets (3π²k²z² − π⁴k⁴) q^{k²}.
  q = Math.exp(-PI2 / 2 / z2);
  let e2 = 0;
  let e3 = 0;
  const sqrt3z = SQRT3 * z;
  for (let k = maxk; k >= 1; k--) {
    const k2 = k * k;
    const qk = Math.pow(q, k2);
    const kpi = Math.PI * k;
    e2 += k2 * qk;
    e3 += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  s2 += (e2 * PI2 * SQRT2PI) / (-36 * z2 * z);
  s3 += (e3 * PI2 * SQRT2PI) / (216 * z6);
  return s0 + s1 / Math.sqrt(n) + s2 / n + s3 / Math.pow(n, 1.5);
}

/** Error-free sum: a + b = s + e exactly. */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}

const SPLITTER = 134217729; // 2^27 + 1
/** Error-free product (Dekker): a · b = p + e exactly. */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

/**
 * One-sided Smirnov survival function P(D_n^+ >= x), Birnbaum–Tingey:
 * x Σ_{j=0}^{⌊n(1−x)⌋} C(n,j) (1 − x − j/n)^{n−j} (x + j/n)^{j−1}.
 * Each term is formed in log space; ln C(n, j) and the two power logs are large
 * (up to ~n·ln 2) and cancel, so they are accumulated with error-free transformations
 * (double-double) and only the small result is rounded.
 */
export function smirnov(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  if (n === 1) return 1 - x;
  const nx = n * x;
  const jmax = Math.floor(n - nx);
  let cHi = 0; // ln C(n, j) as a double-double
  let cLo = 0;
  const logs = new Float64Array(jmax + 1);
  let maxLog = -Infinity;
  for (let j = 0; j <= jmax; j++) {
    if (j > 0) {
      const [s, e] = twoSum(cHi, Math.log(n - j + 1) - Math.log(j));
      cHi = s;
      cLo += e;
    }
    const a = -(j + nx) / n; // (1 − x − j/n) − 1
    if (a <= -1) {
      logs[j] = -Infinity;
      continue;
    }
    const [p, pe] = twoProd(n - j, Math.log1p(a));
    const [q, qe] = twoProd(j - 1, Math.log((nx + j) / n));
    const [s1, e1] = twoSum(cHi, p);
    const [s2, e2] = twoSum(s1, q);
    const lt = s2 + (e1 + e2 + pe + qe + cLo);
    logs[j] = lt;
    if (lt > maxLog) maxLog = lt;
  }
  let sum = 0;
  for (let j = 0; j <= jmax; j++) sum += Math.exp(logs[j] - maxLog);
  return x * sum * Math.exp(maxLog);
}

/** ln C(n, k) (for callers that need it). */
export function logBinomial(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}
