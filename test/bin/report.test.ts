// The HTML reports: `cdk-mlops drift --html` and `cdk-mlops simulate --html`, checked as data and in a
// real headless Chromium (Debian's /usr/bin/chromium): the page renders its pictures, logs nothing
// to the console (no script, no blocked load: the CSP forbids both), and the screenshot is not blank.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../bin/commands';
import { categoryBars, histogram, statisticsOf } from '../../bin/report/drift-report';
import { parseTimeline } from '../../bin/report/timeline-report';
import { DEFAULT_THRESHOLDS } from '../../lib/monitoring/engine/thresholds';
import { countPixels, isWhite, openInChromium } from './report-browser';

/** Deterministic samples (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
}
function pick<T>(r: () => number, items: [T, number][]): T {
  let u = r();
  for (const [v, w] of items) {
    if ((u -= w) < 0) return v;
  }
  return items[items.length - 1][0];
}

/** amount drifts (shifted), age does not; country drifts (a new category), device does not. */
function sample(seed: number, shifted: boolean, n: number): string {
  const r = rng(seed);
  const rows = ['amount,age,country,device'];
  for (let i = 0; i < n; i++) {
    const amount = Math.exp(3 + 0.6 * normal(r) + (shifted ? 0.5 : 0));
    const age = 40 + 12 * normal(r);
    const country = pick(r, shifted ? [['DE', 0.35], ['FR', 0.2], ['US', 0.2], ['BR', 0.25]] : [['DE', 0.5], ['FR', 0.3], ['US', 0.2]]);
    const device = pick(r, [['ios', 0.45], ['android', 0.45], ['web', 0.1]]);
    rows.push(`${amount.toFixed(2)},${age.toFixed(1)},${country},${device}`);
  }
  return rows.join('\n') + '\n';
}

const blueish = (r: number, _g: number, b: number) => b - r > 40 && b > 140;
const orangeish = (r: number, g: number, b: number) => r > 200 && r - b > 80 && g > 100 && g < 215;

describe('drift report (pure)', () => {
  test('histogram shares sum to 1 per side; out-of-range values land in the end bins', () => {
    const ref = Float64Array.from({ length: 1000 }, (_, i) => i / 10);
    const cur = Float64Array.from([...Array.from({ length: 999 }, (_, i) => 50 + i / 20), 1e9]);
    const h = histogram(ref, cur, 20)!;
    expect(h.edges).toHaveLength(21);
    expect(h.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(h.current.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(h.current[19]).toBeGreaterThan(0);
    expect(h.edges[20]).toBeLessThan(1e9);
    // A constant feature still gets a (unit) range.
    expect(histogram(Float64Array.from([5, 5]), Float64Array.from([5]), 2)!.edges).toEqual([4.5, 5, 5.5]);
  });

  test('categories: the most frequent first, the rest in one bar', () => {
    const ref = new Map(Array.from({ length: 15 }, (_, i) => [`c${i}`, 15 - i] as [string, number]));
    const bars = categoryBars(ref, new Map([['new', 50]]), 5);
    expect(bars.map((b) => b.value)).toEqual(['new', 'c0', 'c1', 'c2', '(12 others)']);
    expect(bars[0]).toEqual({ value: 'new', reference: 0, current: 1 });
    expect(bars.reduce((a, b) => a + b.reference, 0)).toBeCloseTo(1, 12);
  });

  test('the statistics shown follow the engine\'s decision: p-value against its Holm level, effects against their floors', () => {
    const f = { type: 'numeric' as const, n: 10, psi: 0.3, jensenShannon: 0.05, ksStatistic: 0.2, ksPValue: 0.01, wassersteinNormed: 0.1, missingRateDelta: 0 };
    const decision = {
      pValue: 0.001, level: 0.0025, significant: true, psiCorrected: 0.25, jensenShannonCorrected: 0.04, material: true, drifted: true,
    };
    const stats = statisticsOf(f, DEFAULT_THRESHOLDS, decision);
    // p 0.001 <= level 0.0025; bias-corrected PSI 0.25 >= 0.2; D 0.2 >= 0.1; W/std 0.1 >= 0.1 (floors are inclusive, as in decide()).
    expect(stats.filter((s) => s.breached).map((s) => s.key)).toEqual(['pValue', 'psi', 'ksStatistic', 'wassersteinNormed']);
    expect(stats.find((s) => s.key === 'psi')).toMatchObject({ value: 0.25, threshold: DEFAULT_THRESHOLDS.psi });
    expect(stats.find((s) => s.key === 'jensenShannon')).toMatchObject({ value: 0.04, breached: false });
    // A feature Holm's procedure did not reach shows its p-value without a level.
    const untested = statisticsOf(f, DEFAULT_THRESHOLDS, { ...decision, level: Number.NaN, significant: false, drifted: false });
    expect(untested[0]).toMatchObject({ key: 'pValue', breached: false });
    expect(untested[0].threshold).toBeUndefined();
  });
});

describe('HTML reports in headless Chromium', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'report-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('cdk-mlops drift --html: drifted features first, a picture per feature, renders offline without console errors', async () => {
    writeFileSync(join(dir, 'ref.csv'), sample(1, false, 3000));
    writeFileSync(join(dir, 'cur.csv'), sample(3, true, 2000));
    const file = join(dir, 'drift.html');
    const errors: string[] = [];
    const logs: string[] = [];
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
    let code: number;
    try {
      code = await COMMANDS.drift.run(['--reference', join(dir, 'ref.csv'), '--current', join(dir, 'cur.csv'), '--html', file, '--json']);
    } finally {
      jest.restoreAllMocks();
    }
    expect(code).toBe(0);
    expect(errors).toEqual([`cdk-mlops: wrote ${file}`]);
    const json = JSON.parse(logs[logs.length - 1]);
    expect(json.drifted.sort()).toEqual(['amount', 'country']);

    const html = readFileSync(file, 'utf8');
    // Self-contained: no script, no URL to fetch, a CSP that forbids both.
    expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    const order = [...html.matchAll(/<section class="card( drifted)?" id="f-([^"]+)"/g)].map((m) => [m[2], Boolean(m[1])]);
    expect(order.slice(0, 2).every(([, d]) => d)).toBe(true);
    expect(order.slice(2).every(([, d]) => !d)).toBe(true);
    expect(order.map(([n]) => n).sort()).toEqual(['age', 'amount', 'country', 'device']);
    // The categorical picture names the category the reference never had.
    expect(html).toContain('BR (new)');

    const page = openInChromium(file);
    expect(page.console).toEqual([]);
    // Rendered: every feature's picture and statistic gauges are in the live DOM.
    expect((page.dom.match(/<svg[^>]*class="hist"/g) ?? []).length).toBe(2);
    expect((page.dom.match(/<svg[^>]*class="cats"/g) ?? []).length).toBe(2);
    expect((page.dom.match(/<tr class="bad">/g) ?? []).length).toBeGreaterThanOrEqual(2);
    // Not blank: the page's own colours are painted (reference blue, current orange).
    const total = page.png.width * page.png.height;
    expect(page.png.width).toBe(1200);
    expect(countPixels(page.png, (r, g, b) => !isWhite(r, g, b)) / total).toBeGreaterThan(0.1);
    expect(countPixels(page.png, blueish)).toBeGreaterThan(2000);
    expect(countPixels(page.png, orangeish)).toBeGreaterThan(2000);
  });

  test('the console check sees a page error (positive control: an injected script the CSP refuses)', () => {
    const file = join(dir, 'control.html');
    writeFileSync(file, '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'"></head><body><p>x</p><script>undefinedFunction()</script></body></html>');
    const page = openInChromium(file, '400,300');
    expect(page.console.length).toBeGreaterThan(0);
    expect(page.console.join('\n')).toMatch(/Content Security Policy/);
  });

  test('cdk-mlops simulate --html: the scenario timeline as lanes of states, renders without console errors', async () => {
    const file = join(dir, 'timeline.html');
    const errors: string[] = [];
    const logs: string[] = [];
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
    let code: number;
    try {
      code = await COMMANDS.simulate.run(['--scenario', 'canary-alarm-rollback', '--html', file]);
    } finally {
      jest.restoreAllMocks();
    }
    expect(code).toBe(0);
    expect(errors).toContain(`cdk-mlops: wrote ${file}`);
    const timeline = logs.join('\n').split('\n');
    const { lanes } = parseTimeline(timeline);
    // The retraining execution and its nested training execution, each with its states in order.
    expect(lanes.map((l) => l.depth)).toEqual([0, 1]);
    const retrain = lanes[0];
    expect(retrain.outcome).toBe('rolled-back');
    const states = retrain.spans.map((s) => s.state);
    expect(states[0]).toBe('LoadModelConfig');
    expect(states).toEqual(expect.arrayContaining(['Train', 'PatchCanary', 'CheckCanaryAlarms', 'CanaryAlarm', 'RestoreTrafficOnRollback', 'ReleaseLock']));
    expect(retrain.spans.find((s) => s.state === 'CanaryAlarm')!.phase).toBe('rollback');
    expect(retrain.spans.find((s) => s.state === 'Bake')!.end).toBeGreaterThan(retrain.spans.find((s) => s.state === 'Bake')!.start);
    for (let i = 1; i < retrain.spans.length; i++) expect(retrain.spans[i].start).toBeGreaterThanOrEqual(retrain.spans[i - 1].start);
    expect(lanes[1].spans.every((s) => s.phase === 'training')).toBe(true);

    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\//i);
    expect(html).toContain('canary-alarm-rollback');
    const page = openInChromium(file);
    expect(page.console).toEqual([]);
    expect((page.dom.match(/<svg[^>]*class="gantt"/g) ?? []).length).toBe(1);
    expect((page.dom.match(/class="chip( err)?"/g) ?? []).length).toBe(lanes.reduce((a, l) => a + l.spans.length, 0));
    const total = page.png.width * page.png.height;
    expect(countPixels(page.png, (r, g, b) => !isWhite(r, g, b)) / total).toBeGreaterThan(0.05);
    // The canary phase's orange and the training phase's blue are painted.
    expect(countPixels(page.png, orangeish)).toBeGreaterThan(50);
    expect(countPixels(page.png, blueish)).toBeGreaterThan(50);
  });
});
