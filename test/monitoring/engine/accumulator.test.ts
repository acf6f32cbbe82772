/**
 * The streaming path (BaselineBuilder → DriftAccumulator) against the exact numpy/scipy
 * values. PSI, JS, missingRateDelta, the edges and the reference shares are exact (the
 * current window is binned on the baseline's edges, which are numpy's edges bit for bit).
 * KS and Wasserstein come from the baseline's quantile sketch: the tests check that the
 * exact scipy values lie inside the engine's bounds and that the KS gap obeys the stated
 * bound ⌈(n−1)/(k−1)⌉/n for a sketch of k points over n reference values.
 */
import {
  BaselineBuilder, compareSamples, DriftAccumulator, validateBaseline,
} from '../../../lib/monitoring/engine';
import { expectClose, fixture } from './helpers';

const numeric = fixture('numeric.json');
const categorical = fixture('categorical.json');

function rows(values: unknown[], name = 'f'): Record<string, unknown>[] {
  return values.map((v) => ({ [name]: v }));
}

function run(reference: unknown[], current: unknown[], sketchSize: number) {
  const b = new BaselineBuilder({ sketchSize });
  for (const r of rows(reference)) b.add(r);
  // the baseline survives a JSON round trip (what the Lambda reads)
  const baseline = validateBaseline(JSON.parse(JSON.stringify(b.finish())));
  const acc = new DriftAccumulator(baseline);
  for (const r of rows(current)) acc.add(r);
  return { baseline, report: acc.result(), bounds: acc.sketchBounds() };
}

const numericCases = numeric.cases.filter((c: any) => c.expected.psi !== null);

describe.each([16, 1000])('numeric, sketch of %i points', (k) => {
  test.each<[string, any]>(numericCases.map((c: any) => [c.name, c]))('%s', (_n, c: any) => {
    const { baseline, report, bounds } = run(c.reference, c.current, k);
    const base = baseline.features.f;
    if (base.type !== 'numeric') throw new Error('expected numeric');
    // edges are numpy's to the bit; shares, mean and std are exact
    expect(base.edges).toEqual(c.extra.edges);
    expectClose('reference', base, { shares0: c.extra.refShares[0], mean: c.extra.mean, std: c.extra.std }, { mean: [1e-12, 1e-15], std: [1e-9, 1e-15] });
    base.shares.forEach((s, i) => expect(Math.abs(s - c.extra.refShares[i])).toBeLessThanOrEqual(1e-15));

    const f = report.features.f;
    expectClose(c.name, f, c.expected, { n: [0], psi: [1e-9, 1e-15], jensenShannon: [1e-9, 1e-12], missingRateDelta: [1e-9, 1e-15] });

    const exactKs = c.expected.ksStatistic;
    const b = bounds.f;
    const n = base.count;
    const slack = 1e-12;
    expect(b.ksLower).toBeLessThanOrEqual(exactKs + slack);
    expect(b.ksUpper).toBeGreaterThanOrEqual(exactKs - slack);
    const gap = Math.ceil((n - 1) / (k - 1)) / n;
    expect(b.ksUpper - b.ksLower).toBeLessThanOrEqual(gap + slack);
    expect(Math.abs(f.type === 'numeric' ? f.ksStatistic - exactKs : NaN)).toBeLessThanOrEqual(gap + slack);

    const exactW = c.expected.wassersteinNormed;
    expect(b.wassersteinLower).toBeLessThanOrEqual(exactW * (1 + 1e-9) + 1e-12);
    expect(b.wassersteinUpper).toBeGreaterThanOrEqual(exactW * (1 - 1e-9) - 1e-12);

    if (base.sketch.exact) {
      // every distinct reference value is a sketch point: KS and its p-value are exact
      expectClose(`${c.name} (exact sketch)`, f, c.expected, { ksStatistic: [1e-12], ksPValue: [1e-9, 1e-300] });
    }
  });
});

test('the sketch bounds shrink with the sketch size (heavy-tailed case)', () => {
  const c = numeric.cases.find((x: any) => x.name.startsWith('heavy-tailed'));
  const widths = [8, 64, 512].map((k) => {
    const b = run(c.reference, c.current, k).bounds.f;
    return b.ksUpper - b.ksLower;
  });
  expect(widths[1]).toBeLessThan(widths[0]);
  expect(widths[2]).toBeLessThan(widths[1]);
  expect(widths[2]).toBeLessThanOrEqual(Math.ceil(2999 / 511) / 3000 + 1e-12);
});

test('integer features keep every distinct value: streaming KS equals scipy exactly', () => {
  const c = numeric.cases.find((x: any) => x.name === 'integers with ties at the edges');
  const { baseline, report } = run(c.reference, c.current, 16);
  expect((baseline.features.f as any).sketch.exact).toBe(true);
  expectClose(c.name, report.features.f, c.expected, { ksStatistic: [1e-12], ksPValue: [1e-9], wassersteinNormed: [1e-9] });
});

describe('categorical via baseline', () => {
  test.each<[string, any]>(categorical.cases.map((c: any) => [c.name, c]))('%s', (_n, c: any) => {
    const b = new BaselineBuilder();
    for (const r of rows(c.reference)) b.add(r);
    const baseline = validateBaseline(JSON.parse(JSON.stringify(b.finish())));
    const acc = new DriftAccumulator(baseline);
    for (const r of rows(c.current)) acc.add(r);
    const f = acc.result().features.f;
    // inferred as categorical on the reference alone; 'mixed numbers and words' stays categorical too
    expect(f.type).toBe('categorical');
    expectClose(c.name, f, c.expected, {
      n: [0], psi: [1e-9, 1e-15], jensenShannon: [1e-9, 1e-12], chiSquare: [1e-9], chiSquarePValue: [1e-9, 1e-300],
      lInfinity: [1e-9, 1e-15], unseenRate: [1e-12], missingRateDelta: [1e-9, 1e-15],
    });
  });
});

test('top-k baseline pools the rest as "other" (unseen categories cannot be told apart from it)', () => {
  const ref = [...Array(50).fill('a'), ...Array(30).fill('b'), ...Array(15).fill('c'), ...Array(5).fill('d')];
  const b = new BaselineBuilder({ topK: 2 });
  ref.forEach((v) => b.add({ f: v }));
  const baseline = b.finish();
  const fb = baseline.features.f;
  expect(fb).toMatchObject({ type: 'categorical', count: 100, shares: { a: 0.5, b: 0.3 } });
  expect((fb as any).otherShare).toBeCloseTo(0.2, 15);
  const acc = new DriftAccumulator(baseline);
  // the same distribution, with "d" replaced by a never-seen "z": pooled with "other", no drift
  [...Array(50).fill('a'), ...Array(30).fill('b'), ...Array(15).fill('c'), ...Array(5).fill('z')].forEach((v) => acc.add({ f: v }));
  const f = acc.result().features.f as any;
  expect(f.psi).toBeCloseTo(0, 12);
  expect(f.chiSquare).toBeCloseTo(0, 9);
  expect(f.unseenRate).toBe(0);
  // the exact comparison sees the unseen category
  const exact = compareSamples(ref.map((v) => ({ f: v })), [...ref.slice(0, 95), 'z', 'z', 'z', 'z', 'z'].map((v) => ({ f: v })));
  expect((exact.features.f as any).unseenRate).toBeCloseTo(0.05, 15);
});

test('memory is bounded: the accumulator state does not grow with the window', () => {
  const b = new BaselineBuilder({ sketchSize: 100 });
  for (let i = 0; i < 5000; i++) b.add({ x: Math.sin(i) * 10, c: `k${i % 7}` });
  const baseline = b.finish();
  const acc = new DriftAccumulator(baseline);
  const size = () => JSON.stringify(acc).length;
  for (let i = 0; i < 1000; i++) acc.add({ x: Math.cos(i) * 10, c: `k${i % 5}` });
  const s1 = size();
  for (let i = 0; i < 100000; i++) acc.add({ x: Math.cos(i) * 10 + (i % 3), c: `k${i % 5}` });
  // counters change digits, never length class: within 10% after 100x more records
  expect(size()).toBeLessThan(s1 * 1.1);
  expect(acc.result().n).toBe(101000);
});

test('a non-number in a numeric feature counts as missing; malformed records are counted', () => {
  const b = new BaselineBuilder();
  [1, 2, 3, 4].forEach((x) => b.add({ x }));
  const acc = new DriftAccumulator(b.finish());
  acc.add({ x: 'oops' });
  acc.add({ x: 2 });
  acc.add({});
  acc.addMalformed();
  const r = acc.result();
  expect(r.n).toBe(3);
  expect(r.malformed).toBe(1);
  expect(r.features.x.n).toBe(1);
  expect(r.features.x.missingRateDelta).toBeCloseTo(2 / 3, 15);
});

test('an empty window reports n = 0 and no statistics, and nothing drifts', () => {
  const b = new BaselineBuilder();
  [1, 2, 3].forEach((x) => b.add({ x, c: 'a' }));
  const r = new DriftAccumulator(b.finish()).result();
  expect(r.n).toBe(0);
  expect(r.drifted).toEqual([]);
  expect(r.features.x.psi).toBeNaN();
  expect(r.features.c.psi).toBeNaN();
});

test('per-feature thresholds and features not in the baseline', () => {
  const b = new BaselineBuilder();
  for (let i = 0; i < 200; i++) b.add({ x: i, y: i });
  const baseline = b.finish();
  expect(() => new DriftAccumulator(baseline, { features: [{ name: 'nope' }] })).toThrow(/feature "nope" is not in the baseline \(it has: x, y\)/);
  const acc = new DriftAccumulator(baseline, {
    features: [{ name: 'x' }, { name: 'y', thresholds: { psi: 100, jensenShannon: 100, ksStatistic: 100, wassersteinNormed: 100 } }],
  });
  for (let i = 0; i < 200; i++) acc.add({ x: i + 50, y: i + 50 });
  expect(acc.result().drifted).toEqual(['x']);
});

test('the Wasserstein estimate stays within its bounds and close to scipy', () => {
  const errors: number[] = [];
  for (const c of numericCases) {
    const { report, bounds } = run(c.reference, c.current, 1000);
    const b = bounds.f;
    const w = (report.features.f as any).wassersteinNormed;
    expect(w).toBe(b.wassersteinEstimate);
    expect(w).toBeGreaterThanOrEqual(b.wassersteinLower);
    expect(w).toBeLessThanOrEqual(b.wassersteinUpper);
    if (c.expected.wassersteinNormed > 0) errors.push(Math.abs(w - c.expected.wassersteinNormed) / c.expected.wassersteinNormed);
  }
  errors.sort((a, b) => a - b);
  // median relative error over the fixture cases (tiny samples included)
  expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.01);
});

test('maxValues: a reproducible uniform sample bounds the builder memory; missing share stays exact', () => {
  const build = () => {
    const b = new BaselineBuilder({ maxValues: 2000 });
    let s = 12345;
    for (let i = 0; i < 50000; i++) {
      s = (s * 16807) % 2147483647;
      const u = s / 2147483647;
      b.add({ x: i % 10 === 0 ? null : u * 100, c: i < 40000 ? u : 'word' }); // c turns categorical late
    }
    return b.finish();
  };
  const a = build();
  const x = validateBaseline(JSON.parse(JSON.stringify(a))).features.x as any;
  expect(x.count).toBe(2000);
  expect(x.sampledFrom).toBe(45000);
  expect(x.missingShare).toBe(0.1);
  // uniform(0, 100): the deciles of a 2000-value sample are within a few units of 10, 20 … 90
  x.edges.forEach((e: number, i: number) => expect(Math.abs(e - 10 * (i + 1))).toBeLessThan(5));
  expect(build().features.x).toEqual(a.features.x);
  const c = a.features.c as any;
  expect(c.type).toBe('categorical');
  const total = Object.values(c.shares as Record<string, number>).reduce((p, q) => p + q, 0) + c.otherShare;
  expect(total).toBeCloseTo(1, 12);
  expect(c.shares.word).toBeCloseTo(10000 / 50000, 12); // the sampled numbers stand for all 40,000
  expect(() => new BaselineBuilder({ maxValues: 3 })).toThrow(/maxValues must be an integer >= 10/);
});

test('high-cardinality windows: distinct unseen categories beyond the cap are pooled, counts stay exact', () => {
  const b = new BaselineBuilder();
  ['a', 'b', '__proto__', 'constructor'].forEach((v) => b.add({ id: v }));
  const baseline = validateBaseline(JSON.parse(JSON.stringify(b.finish())));
  expect(Object.keys((baseline.features.id as any).shares).sort()).toEqual(['__proto__', 'a', 'b', 'constructor']);
  const acc = new DriftAccumulator(baseline);
  const cur = ['a', '__proto__', 'constructor', 'toString', ...Array.from({ length: 25000 }, (_, i) => `user-${i}`)];
  cur.forEach((v) => acc.add({ id: v }));
  const f = acc.result().features.id as any;
  expect(f.n).toBe(cur.length);
  expect(f.unseenRate).toBeCloseTo(25001 / cur.length, 15);
  // chi-square pools unseen values in one bucket either way: identical to the exact comparison
  const exact = compareSamples(['a', 'b', '__proto__', 'constructor'].map((v) => ({ id: v })), cur.map((v) => ({ id: v })));
  expect(f.chiSquare / (exact.features.id as any).chiSquare).toBeCloseTo(1, 12);
  expect((exact.features.id as any).unseenRate).toBeCloseTo(f.unseenRate, 15);
});
