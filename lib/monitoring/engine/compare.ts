/** Exact comparison of two full samples (the CLI's path). */
import type { DriftThresholds } from '../../contracts/drift-thresholds';
import { categoricalEvidence } from './accumulator';
import { binShares } from './baseline';
import { categoricalDrift } from './categorical';
import { FeatureCollector, SampleCollector } from './collector';
import { ks2sampSorted } from './ks';
import { edgesOf } from './quantile';
import { jensenShannonDistance, meanStd, psi, wassersteinSorted } from './stats';
import { categoricalUndefined, decide, EngineFeatureSpec, FeatureDecision, FeatureEvidence, numericUndefined } from './thresholds';
import { CategoricalDrift, DriftReport, NumericDrift } from './types';

/** Options of {@link compareSamples} / {@link SampleComparison}. */
export interface CompareOptions {
  /** Features to compare; default: every field seen (reference fields first), types inferred. */
  readonly features?: EngineFeatureSpec[];
  /** Thresholds for `drifted`. */
  readonly thresholds?: DriftThresholds;
}

/** Exact statistics of two full samples, fed row by row (reference and current may be interleaved). */
export class SampleComparison {
  public readonly reference: SampleCollector;
  public readonly current: SampleCollector;
  constructor(private readonly opts: CompareOptions = {}) {
    this.reference = new SampleCollector(opts.features);
    this.current = new SampleCollector(opts.features);
  }

  public result(): DriftReport & { decisions: Record<string, FeatureDecision> } {
    const names = this.opts.features
      ? this.opts.features.map((f) => f.name)
      : [...new Set([...this.reference.collectors.keys(), ...this.current.collectors.keys()])];
    const features: DriftReport['features'] = {};
    const evidence: Record<string, FeatureEvidence> = {};
    for (const name of names) {
      const r = this.reference.collectors.get(name) ?? new FeatureCollector();
      const c = this.current.collectors.get(name) ?? new FeatureCollector();
      const numeric = r.numeric && c.numeric;
      if (!numeric) {
        r.switchToCategorical();
        c.switchToCategorical();
      }
      const missingRateDelta = rate(this.current.rows - c.nonMissing, this.current.rows)
        - rate(this.reference.rows - r.nonMissing, this.reference.rows);
      if (numeric) {
        const ref = r.numbers!.sorted();
        const cur = c.numbers!.sorted();
        const f = numericExact(ref, cur, missingRateDelta);
        features[name] = f;
        evidence[name] = { ...f, pValue: f.ksPValue, referenceCount: ref.length, currentCount: cur.length, cells: numericCells(ref, cur) };
      } else {
        const refCounts = r.categoryCounts();
        const curCounts = c.categoryCounts();
        const f = categoricalExact(refCounts, r.nonMissing, curCounts, c.nonMissing, missingRateDelta);
        features[name] = f;
        const shares = new Map<string, number>();
        for (const [k, v] of refCounts) shares.set(k, v / r.nonMissing);
        evidence[name] = r.nonMissing > 0 && c.nonMissing > 0
          ? { ...f, ...categoricalEvidence(shares, r.nonMissing, curCounts, c.nonMissing) }
          : { ...f, pValue: NaN, referenceCount: r.nonMissing, currentCount: c.nonMissing, cells: 0 };
      }
    }
    const decisions = decide(evidence, this.opts.features, this.opts.thresholds);
    return {
      n: this.current.rows,
      malformed: this.current.malformed,
      features,
      drifted: names.filter((name) => decisions[name].drifted),
      decisions,
    };
  }
}

function rate(missing: number, rows: number): number {
  return rows > 0 ? missing / rows : NaN;
}

/** Bins (on the reference's decile edges) holding values of either sample. */
function numericCells(ref: Float64Array, cur: Float64Array): number {
  if (ref.length === 0 || cur.length === 0) return 0;
  const edges = edgesOf(ref);
  const r = binShares(ref, edges);
  const c = binShares(cur, edges);
  let cells = 0;
  for (let i = 0; i < r.length; i++) if (r[i] > 0 || c[i] > 0) cells++;
  return cells;
}

/** Exact numeric drift of two ascending samples. */
export function numericExact(ref: Float64Array, cur: Float64Array, missingRateDelta: number): NumericDrift {
  if (ref.length === 0 || cur.length === 0) return numericUndefined(cur.length, missingRateDelta);
  const edges = edgesOf(ref);
  const r = binShares(ref, edges);
  const c = binShares(cur, edges);
  const ks = ks2sampSorted(ref, cur);
  const { std } = meanStd(ref);
  return {
    type: 'numeric',
    n: cur.length,
    psi: psi(r, c),
    jensenShannon: jensenShannonDistance(r, c),
    ksStatistic: ks.statistic,
    ksPValue: ks.pValue,
    wassersteinNormed: wassersteinSorted(ref, cur) / Math.max(std, 0.001),
    missingRateDelta,
  };
}

/** Exact categorical drift from the two samples' category counts. */
export function categoricalExact(
  refCounts: Map<string, number>, refN: number, curCounts: Map<string, number>, curN: number, missingRateDelta: number,
): CategoricalDrift {
  if (refN === 0 || curN === 0) return categoricalUndefined(curN, missingRateDelta);
  const shares = new Map<string, number>();
  for (const [k, v] of refCounts) shares.set(k, v / refN);
  return categoricalDrift(shares, curCounts, curN, missingRateDelta);
}

/** Exact statistics from two full samples. */
export function compareSamples(
  reference: Iterable<Record<string, unknown>>,
  current: Iterable<Record<string, unknown>>,
  opts: CompareOptions = {},
): DriftReport {
  const cmp = new SampleComparison(opts);
  for (const row of reference) cmp.reference.add(row);
  for (const row of current) cmp.current.add(row);
  return cmp.result();
}
