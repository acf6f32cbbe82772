/** Categorical drift statistics. */
import { chiSquareSf, jensenShannonDistance, lInfinity, psi } from './stats';
import { CategoricalDrift } from './types';

/** Expected share of the pooled "unseen" bucket in the chi-square test. */
export const UNSEEN_EXPECTED_SHARE = 0.0001;

/**
 * Categorical drift of current counts against reference shares.
 * PSI, JS and L∞ run over the union of categories (reference order, then unseen ones);
 * chi-square over the reference categories (e = share × m) plus, when the current sample
 * has categories the reference never saw, one pooled bucket with e = 0.0001 × m;
 * df = buckets − 1 (with a single bucket the p-value is 1: one bucket cannot show drift).
 */
export function categoricalDrift(
  reference: Map<string, number>,
  counts: Map<string, number>,
  m: number,
  missingRateDelta: number,
): CategoricalDrift {
  const r: number[] = [];
  const c: number[] = [];
  let chi = 0;
  let buckets = 0;
  for (const [k, share] of reference) {
    const o = counts.get(k) ?? 0;
    r.push(share);
    c.push(o / m);
    if (share > 0) {
      const e = share * m;
      chi += ((o - e) * (o - e)) / e;
      buckets++;
    }
  }
  let unseen = 0;
  for (const [k, o] of counts) {
    if (reference.has(k)) continue;
    unseen += o;
    r.push(0);
    c.push(o / m);
  }
  if (unseen > 0) {
    const e = UNSEEN_EXPECTED_SHARE * m;
    chi += ((unseen - e) * (unseen - e)) / e;
    buckets++;
  }
  const df = buckets - 1;
  return {
    type: 'categorical',
    n: m,
    psi: psi(r, c),
    chiSquare: chi,
    chiSquarePValue: df > 0 ? chiSquareSf(chi, df) : 1,
    jensenShannon: jensenShannonDistance(r, c),
    lInfinity: lInfinity(r, c),
    unseenRate: unseen / m,
    missingRateDelta,
  };
}
