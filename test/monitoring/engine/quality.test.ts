import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BinaryQualityAccumulator, RegressionQualityAccumulator, parseBinaryLabel, parseFiniteNumber, rocAuc,
} from '../../../lib/monitoring/engine/quality';

interface Fixture {
  readonly name: string;
  readonly kind: 'binary' | 'regression';
  readonly threshold?: number;
  readonly scores?: number[];
  readonly labels?: number[];
  readonly predictions?: number[];
  readonly actuals?: number[];
  readonly expected: Record<string, number>;
}

const fixtures: Fixture[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'quality.json'), 'utf8'),
).cases;

describe('quality metrics against numpy/scipy fixtures (gen_quality.py)', () => {
  test.each(fixtures.filter((f) => f.kind === 'binary').map((f) => [f.name, f] as const))('binary %s', (_name, f) => {
    const acc = new BinaryQualityAccumulator(f.threshold);
    f.scores!.forEach((s, i) => acc.add(s, f.labels![i] as 0 | 1));
    const r = acc.result()!;
    expect(r.n).toBe(f.expected.n);
    expect(r.positives).toBe(f.expected.positives);
    for (const k of ['accuracy', 'precision', 'recall', 'f1'] as const) {
      expect(r[k]).toBeCloseTo(f.expected[k], 12);
    }
    if (f.expected.auc === undefined) {
      expect(r.auc).toBeUndefined();
    } else {
      expect(r.auc).toBeCloseTo(f.expected.auc, 12);
    }
  });

  test.each(fixtures.filter((f) => f.kind === 'regression').map((f) => [f.name, f] as const))('regression %s', (_name, f) => {
    const acc = new RegressionQualityAccumulator();
    f.predictions!.forEach((p, i) => acc.add(p, f.actuals![i]));
    const r = acc.result()!;
    expect(r.n).toBe(f.expected.n);
    expect(r.rmse).toBeCloseTo(f.expected.rmse, 9);
    expect(r.mae).toBeCloseTo(f.expected.mae, 9);
  });

  test('the fixtures cover ties, one class, tiny samples and a custom threshold', () => {
    const names = fixtures.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['ties-rounded-500', 'only-negatives', 'tiny-2', 'all-tied', 'imbalanced-5000-thr0.3']));
  });
});

describe('quality edge cases', () => {
  test('empty accumulators have no result', () => {
    expect(new BinaryQualityAccumulator().result()).toBeUndefined();
    expect(new RegressionQualityAccumulator().result()).toBeUndefined();
  });

  test('AUC: perfect, inverted, and ties count one half', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
    expect(rocAuc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(rocAuc([0.3, 0.5, 0.5, 0.7], [0, 1, 0, 1])).toBeCloseTo(0.875, 12);
    expect(rocAuc([1, 2], [1, 1])).toBeUndefined();
  });

  test('a score equal to the decision threshold is predicted positive', () => {
    const acc = new BinaryQualityAccumulator(0.5);
    acc.add(0.5, 1);
    acc.add(0.49, 0);
    expect(acc.result()).toMatchObject({ accuracy: 1, precision: 1, recall: 1, f1: 1, auc: 1 });
  });

  test('non-finite inputs are rejected rather than poisoning the metric', () => {
    expect(() => new BinaryQualityAccumulator().add(NaN, 1)).toThrow(/finite/);
    expect(() => new RegressionQualityAccumulator().add(1, Infinity)).toThrow(/finite/);
    expect(() => new BinaryQualityAccumulator(NaN)).toThrow(/decisionThreshold/);
  });

  test('label and number parsing', () => {
    expect([1, true, '1', 'TRUE', 'positive', 0, false, '0', 'false', 'no'].map(parseBinaryLabel))
      .toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect([2, 'maybe', null, undefined, {}].map(parseBinaryLabel)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect([1.5, '2.5', ' ', 'x', NaN, Infinity, null, true].map(parseFiniteNumber))
      .toEqual([1.5, 2.5, undefined, undefined, undefined, undefined, undefined, 1]);
  });
});
