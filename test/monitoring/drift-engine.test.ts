/** The jsii facade `DriftEngine` (exported from lib/index.ts). */
import { DriftBaseline, DriftEngine, DriftFeatureType } from '../../lib';
import { fixture } from './engine/helpers';

const numeric = fixture('numeric.json');
const c = numeric.cases.find((x: any) => x.name === 'integers with ties at the edges');
const rows = (vals: unknown[]) => vals.map((v, i) => ({ f: v, tag: i % 2 ? 'odd' : 'even' }));

test('compare: exact statistics, absent fields for what does not apply', () => {
  const r = DriftEngine.compare(rows(c.reference), rows(c.current));
  expect(r.records).toBe(c.current.length);
  const f = r.features.find((x) => x.name === 'f')!;
  expect(f.type).toBe('numeric');
  expect(f.psi).toBeCloseTo(c.expected.psi, 12);
  expect(f.ksPValue! / c.expected.ksPValue).toBeCloseTo(1, 9);
  expect(f.chiSquare).toBeUndefined();
  const tag = r.features.find((x) => x.name === 'tag')!;
  expect(tag.type).toBe('categorical');
  expect(tag.ksStatistic).toBeUndefined();
  expect(tag.drifted).toBe(false);
  expect(r.drifted).toEqual(r.features.filter((x) => x.drifted).map((x) => x.name));
});

test('buildBaseline → JSON → compareToBaseline, with per-feature thresholds', () => {
  const built = DriftEngine.buildBaseline(rows(c.reference), { sketchSize: 50 });
  expect(built.featureNames).toEqual(['f', 'tag']);
  expect(built.recordCount).toBe(c.reference.length);
  expect(DriftEngine.validateBaseline(built.toJson())).toBe(2);
  const baseline = DriftBaseline.fromJson(built.toJson());
  expect(baseline.toJson()).toBe(built.toJson());
  const r = DriftEngine.compareToBaseline(baseline, rows(c.current), {
    features: [{ name: 'f', thresholds: { psi: 10, jensenShannon: 10, ksStatistic: 10, wassersteinNormed: 10 } }],
  });
  expect(r.features.map((x) => x.name)).toEqual(['f']);
  expect(r.features[0].ksStatistic).toBeCloseTo(c.expected.ksStatistic, 12); // integers: the sketch is exact
  expect(r.drifted).toEqual([]);
  expect(() => DriftEngine.compare([], [], { features: [{ name: 'x', type: 'text' as DriftFeatureType }] })).toThrow(/type must be "numeric" or "categorical"/);
  expect(() => DriftEngine.validateBaseline('{"schemaVersion":9}')).toThrow(/schemaVersion must be 1/);
});

test('defaults and capture records', () => {
  expect(DriftEngine.defaultThresholds()).toEqual({ alpha: 0.005, psi: 0.2, jensenShannon: 0.1, ksStatistic: 0.1, wassersteinNormed: 0.1 });
  expect(DriftEngine.featuresFromCaptureRecord({ request: { instances: [{ a: 1 }] } })).toEqual({ a: 1 });
});
