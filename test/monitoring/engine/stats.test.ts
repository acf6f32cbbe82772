/**
 * The drift engine's exact statistics against numpy/scipy (fixtures written by
 * test/drift/fixtures/generate.py). Tolerances: 1e-9 relative where the computation is
 * exact in both implementations (PSI, JS, Wasserstein, chi-square, KS statistic, edges);
 * p-values see the individual tests.
 */
import { compareSamples, kolmogorovSf, ks2sampPValue } from '../../../lib/monitoring/engine';
import { close, expectClose, fixture } from './helpers';

const numeric = fixture('numeric.json');
const categorical = fixture('categorical.json');
const ks = fixture('ks.json');

const EXACT = 1e-9;
const NUMERIC_TOL: Record<string, [number, number?]> = {
  n: [0], psi: [EXACT, 1e-15], jensenShannon: [EXACT, 1e-12], ksStatistic: [EXACT], wassersteinNormed: [EXACT, 1e-15],
  missingRateDelta: [EXACT, 1e-15], ksPValue: [1e-9, 1e-300],
};
const CATEGORICAL_TOL: Record<string, [number, number?]> = {
  n: [0], psi: [EXACT, 1e-15], jensenShannon: [EXACT, 1e-12], chiSquare: [EXACT], chiSquarePValue: [1e-9, 1e-300],
  lInfinity: [EXACT, 1e-15], unseenRate: [EXACT], missingRateDelta: [EXACT, 1e-15],
};

function rows(values: unknown[], name = 'f'): Record<string, unknown>[] {
  return values.map((v) => ({ [name]: v }));
}

describe('numeric features vs numpy/scipy', () => {
  test.each<[string, any]>(numeric.cases.map((c: any) => [c.name, c]))('%s', (_name, c: any) => {
    const report = compareSamples(rows(c.reference), rows(c.current));
    const f = report.features.f;
    expect(f.type).toBe('numeric');
    expectClose(c.name, f, c.expected, NUMERIC_TOL);
  });
});

describe('categorical features vs numpy/scipy', () => {
  test.each<[string, any]>(categorical.cases.map((c: any) => [c.name, c]))('%s', (_name, c: any) => {
    const report = compareSamples(rows(c.reference), rows(c.current));
    const f = report.features.f;
    expect(f.type).toBe('categorical');
    expectClose(c.name, f, c.expected, CATEGORICAL_TOL);
  });
});

describe('KS p-values', () => {
  // exact two-sample lattice probabilities: both sides run an exact recursion in doubles
  test('exact branch (max(n1, n2) <= 10,000) matches scipy to 1e-9 relative', () => {
    const problems: string[] = [];
    for (const pt of ks.exact) {
      const r = ks2sampPValue(pt.d, pt.n1, pt.n2);
      expect(r.method).toBe('exact');
      const p = close(r.pValue, pt.p, 1e-9, 1e-300);
      if (p) problems.push(`n1=${pt.n1} n2=${pt.n2} d=${pt.d}: ${p}`);
    }
    expect(problems).toEqual([]);
    expect(ks.exact.length).toBeGreaterThan(50);
  });

  // scipy.stats.kstwo.sf over every regime of its algorithm (Ruben–Gambino, Durbin matrix,
  // Pomeranz, 2·smirnov, Pelz–Good); we use the Durbin matrix where scipy uses Pomeranz
  // (both exact). The Birnbaum–Tingey sum of smirnov needs double-double accumulation of its
  // large log terms (as scipy does) to reach 1e-9 at n = 400,000.
  test('asymptotic branch: kstwo.sf matches scipy', () => {
    const problems: string[] = [];
    for (const pt of ks.kstwo) {
      const p = close(kolmogorovSf(pt.n, pt.x), pt.sf, 1e-9, 1e-15);
      if (p) problems.push(`n=${pt.n} x=${pt.x}: ${p}`);
    }
    expect(problems).toEqual([]);
  });
});
