/** numpy-compatible quantiles and the reference bin edges. */

/** The probabilities of the 9 bin edges: 0.1, 0.2 … 0.9 (each i / 10). */
export const EDGE_PROBABILITIES: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i / 10);

/**
 * numpy.quantile(sorted, q, method='linear') on an ascending array, with
 * numpy's exact floating-point steps (virtual index (n-1)*q, floor, and its
 * two-sided lerp), so edges are bit-identical to numpy's.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const vi = (n - 1) * q;
  if (vi >= n - 1) return sorted[n - 1];
  if (vi < 0) return sorted[0];
  const lo = Math.floor(vi);
  const t = vi - lo;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The 9 reference edges of an ascending sample. */
export function edgesOf(sorted: ArrayLike<number>): number[] {
  return EDGE_PROBABILITIES.map((q) => quantileSorted(sorted, q));
}

/**
 * The bin of x among 10 right-closed bins (−∞, e1], (e1, e2] … (e9, +∞):
 * the number of edges strictly below x (a value equal to an edge falls in the lower bin).
 */
export function binOf(edges: ArrayLike<number>, x: number): number {
  let i = 0;
  const n = edges.length;
  while (i < n && edges[i] < x) i++;
  return i;
}

/** Number of elements of an ascending array that are <= x (numpy searchsorted side='right'). */
export function countLe(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Number of elements of an ascending array that are < x (numpy searchsorted side='left'). */
export function countLt(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}
