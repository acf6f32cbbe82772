/**
 * The drift report as a picture (`cdk-mlops drift --html report.html`): one self-contained HTML file,
 * per feature the reference and current distributions (overlaid histograms for numeric features,
 * paired bars for categorical ones) and each statistic against its threshold, drifted features first.
 * Pure functions: {@link driftReportView} turns a comparison into plain data, {@link renderDriftHtml}
 * renders it.
 */
import type { DriftThresholds } from '../../lib/contracts/drift-thresholds';
import type { SampleComparison } from '../../lib/monitoring/engine';
import { FeatureDecision, ResolvedThresholds, thresholdsFor } from '../../lib/monitoring/engine/thresholds';
import type { CategoricalDrift, DriftReport, FeatureSpec, NumericDrift } from '../../lib/monitoring/engine/types';
import { esc, num, page, pct, r2 } from './html';

/** One statistic of a feature, with its threshold when one applies. */
export interface StatisticView {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  /** The threshold, and which side of it is drift (`above`: value > threshold; `below`: value < threshold). */
  readonly threshold?: number;
  readonly direction?: 'above' | 'below';
  readonly breached: boolean;
}

export interface FeatureView {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  readonly drifted: boolean;
  /** Non-missing values on each side. */
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly statistics: StatisticView[];
  /** Numeric: equal-width bins over the central 99% of both samples (outliers counted in the end bins); shares per side. */
  readonly histogram?: { edges: number[]; reference: number[]; current: number[] };
  /** Categorical: the most frequent categories (then one bar for the rest), shares per side. */
  readonly categories?: { value: string; reference: number; current: number }[];
}

export interface DriftReportView {
  readonly title: string;
  readonly reference: { label: string; rows: number; malformed: number };
  readonly current: { label: string; rows: number; malformed: number };
  /** Drifted features first (most severe PSI first), then the others. */
  readonly features: FeatureView[];
  readonly generatedAt: string;
}

const HISTOGRAM_BINS = 30;
const MAX_CATEGORIES = 12;

/**
 * Statistics of a feature against the engine's decision (lib/monitoring/engine/thresholds.ts,
 * docs/drift.md "Decision"): the test's p-value against its Holm level (significance), then the
 * effect sizes against their floors (PSI and Jensen–Shannon bias-corrected); drifted = both.
 */
export function statisticsOf(f: NumericDrift | CategoricalDrift, t: ResolvedThresholds, d?: FeatureDecision): StatisticView[] {
  const above = (key: string, label: string, value: number, threshold: number): StatisticView =>
    ({ key, label, value, threshold, direction: 'above', breached: value >= threshold });
  const below = (key: string, label: string, value: number, threshold: number): StatisticView =>
    ({ key, label, value, threshold, direction: 'below', breached: value <= threshold });
  const info = (key: string, label: string, value: number): StatisticView => ({ key, label, value, breached: false });
  const test = f.type === 'numeric' ? 'KS' : 'χ² homogeneity';
  const significance = d && Number.isFinite(d.level)
    ? below('pValue', `${test} p-value (Holm level)`, d.pValue, d.level)
    : info('pValue', `${test} p-value (not reached by Holm's procedure)`, d?.pValue ?? Number.NaN);
  const corrected = [
    above('psi', 'PSI, bias-corrected', d?.psiCorrected ?? f.psi, t.psi),
    above('jensenShannon', 'Jensen–Shannon, bias-corrected', d?.jensenShannonCorrected ?? f.jensenShannon, t.jensenShannon),
  ];
  if (f.type === 'numeric') {
    return [
      significance,
      ...corrected,
      above('ksStatistic', 'KS statistic D', f.ksStatistic, t.ksStatistic),
      above('wassersteinNormed', 'Wasserstein / std', f.wassersteinNormed, t.wassersteinNormed),
      info('psiRaw', 'PSI (raw)', f.psi),
      info('missingRateDelta', 'missing-rate change', f.missingRateDelta),
    ];
  }
  return [
    significance,
    ...corrected,
    info('psiRaw', 'PSI (raw)', f.psi),
    info('chiSquare', 'χ² statistic', f.chiSquare),
    info('lInfinity', 'L∞ distance', f.lInfinity),
    info('unseenRate', 'unseen categories', f.unseenRate),
    info('missingRateDelta', 'missing-rate change', f.missingRateDelta),
  ];
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))];
}

/** Equal-width bins over the central 99% of both samples; values beyond fall in the end bins. Shares per side. */
export function histogram(reference: ArrayLike<number>, current: ArrayLike<number>, bins = HISTOGRAM_BINS): FeatureView['histogram'] {
  const sides = [reference, current].filter((s) => s.length > 0);
  if (sides.length === 0) return undefined;
  let lo = Math.min(...sides.map((s) => quantile(s, 0.005)));
  let hi = Math.max(...sides.map((s) => quantile(s, 0.995)));
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const shares = (s: ArrayLike<number>) => {
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < s.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor((s[i] - lo) / width)))]++;
    return counts.map((c) => (s.length ? c / s.length : 0));
  };
  return { edges, reference: shares(reference), current: shares(current) };
}

/** The most frequent categories of either side, then `(N others)`. */
export function categoryBars(reference: Map<string, number>, current: Map<string, number>, max = MAX_CATEGORIES): NonNullable<FeatureView['categories']> {
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const rt = total(reference) || 1;
  const ct = total(current) || 1;
  const all = [...new Set([...reference.keys(), ...current.keys()])].map((value) => ({
    value, reference: (reference.get(value) ?? 0) / rt, current: (current.get(value) ?? 0) / ct,
  }));
  all.sort((a, b) => Math.max(b.reference, b.current) - Math.max(a.reference, a.current) || a.value.localeCompare(b.value));
  if (all.length <= max) return all;
  const rest = all.slice(max - 1);
  return [
    ...all.slice(0, max - 1),
    { value: `(${rest.length} others)`, reference: rest.reduce((a, c) => a + c.reference, 0), current: rest.reduce((a, c) => a + c.current, 0) },
  ];
}

/** The report's data from a finished comparison (its collectors still hold both samples). */
export function driftReportView(cmp: SampleComparison, report: DriftReport & { decisions?: Record<string, FeatureDecision> }, opts: {
  features?: FeatureSpec[]; thresholds?: DriftThresholds;
  reference: { label: string; rows: number; malformed: number }; current: { label: string; rows: number; malformed: number };
  title?: string; now?: Date;
}): DriftReportView {
  const drifted = new Set(report.drifted);
  const features: FeatureView[] = Object.entries(report.features).map(([name, f]) => {
    const r = cmp.reference.collectors.get(name);
    const c = cmp.current.collectors.get(name);
    const statistics = statisticsOf(f, thresholdsFor(name, opts.features, opts.thresholds), report.decisions?.[name]);
    const base = { name, type: f.type, drifted: drifted.has(name), referenceCount: r?.nonMissing ?? 0, currentCount: c?.nonMissing ?? 0, statistics };
    if (f.type === 'numeric') {
      return { ...base, histogram: histogram(r?.numbers?.sorted() ?? new Float64Array(), c?.numbers?.sorted() ?? new Float64Array()) };
    }
    return { ...base, categories: categoryBars(r?.categoryCounts() ?? new Map(), c?.categoryCounts() ?? new Map()) };
  });
  const severity = (f: FeatureView) => {
    const psi = f.statistics.find((s) => s.key === 'psi')?.value;
    return psi === undefined || Number.isNaN(psi) ? -1 : psi;
  };
  features.sort((a, b) => Number(b.drifted) - Number(a.drifted) || severity(b) - severity(a) || a.name.localeCompare(b.name));
  return {
    title: opts.title ?? 'Drift report',
    reference: opts.reference,
    current: opts.current,
    features,
    generatedAt: (opts.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

const REF = '#4c78a8';
const CUR = '#f58518';

function histogramSvg(h: NonNullable<FeatureView['histogram']>, name: string): string {
  const W = 560; const H = 210; const L = 46; const R = 10; const T = 12; const B = 30;
  const peak = Math.max(...h.reference, ...h.current, 1e-9);
  const bw = (W - L - R) / h.reference.length;
  const y = (share: number) => T + (H - T - B) * (1 - share / peak);
  const bars = (shares: number[], color: string) => shares.map((s, i) => (s > 0
    ? `<rect x="${r2(L + i * bw + 0.5)}" y="${r2(y(s))}" width="${r2(Math.max(bw - 1, 0.5))}" height="${r2(H - B - y(s))}" fill="${color}" fill-opacity="0.55"/>` : '')).join('');
  const ticks = [0, 0.5, 1].map((q) => {
    const i = Math.round(q * (h.edges.length - 1));
    const x = L + i * bw;
    return `<line x1="${r2(x)}" y1="${H - B}" x2="${r2(x)}" y2="${H - B + 4}" stroke="#98a2b3"/><text x="${r2(x)}" y="${H - B + 16}" text-anchor="${q === 0 ? 'start' : q === 1 ? 'end' : 'middle'}">${esc(num(h.edges[i]))}</text>`;
  }).join('');
  return `<svg role="img" aria-label="${esc(`histogram of ${name}: reference and current`)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" class="hist">
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#98a2b3"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#98a2b3"/>
<text x="${L - 4}" y="${T + 8}" text-anchor="end">${esc(pct(peak))}</text><text x="${L - 4}" y="${H - B}" text-anchor="end">0</text>
${bars(h.reference, REF)}${bars(h.current, CUR)}${ticks}
</svg>`;
}

function categorySvg(cats: NonNullable<FeatureView['categories']>, name: string): string {
  const W = 560; const L = 150; const R = 120; const rowH = 26;
  const H = Math.max(1, cats.length) * rowH + 10;
  const peak = Math.max(...cats.map((c) => Math.max(c.reference, c.current)), 1e-9);
  const w = (s: number) => ((W - L - R) * s) / peak;
  const rows = cats.map((c, i) => {
    const y = 6 + i * rowH;
    const label = c.value.length > 22 ? `${c.value.slice(0, 21)}…` : c.value;
    const unseen = c.reference === 0 && c.current > 0;
    return `<text x="${L - 6}" y="${y + 15}" text-anchor="end"${unseen ? ' style="fill:#b42318;font-weight:700"' : ''}>${esc(label)}${unseen ? ' (new)' : ''}</text>`
      + `<rect x="${L}" y="${y}" width="${r2(w(c.reference))}" height="10" fill="${REF}"/>`
      + `<rect x="${L}" y="${y + 11}" width="${r2(w(c.current))}" height="10" fill="${CUR}"/>`
      + `<text x="${r2(L + Math.max(w(c.reference), w(c.current)) + 4)}" y="${y + 15}">${esc(pct(c.reference))} → ${esc(pct(c.current))}</text>`;
  }).join('');
  return `<svg role="img" aria-label="${esc(`category shares of ${name}: reference and current`)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" class="cats">
<line x1="${L}" y1="0" x2="${L}" y2="${H}" stroke="#98a2b3"/>${rows}
</svg>`;
}

/** One statistic against its threshold: a bar with the threshold marked (p-values on a −log10 scale). */
function gaugeSvg(s: StatisticView): string {
  const W = 180; const H = 16;
  if (s.threshold === undefined || Number.isNaN(s.value)) return '';
  const logp = (p: number) => -Math.log10(Math.max(p, 1e-300));
  const v = s.direction === 'below' ? logp(s.value) : s.value;
  const t = s.direction === 'below' ? logp(s.threshold) : s.threshold;
  const scale = Math.max(v, t, 1e-12) * 1.25;
  const x = (u: number) => (W * Math.min(u, scale)) / scale;
  const color = s.breached ? '#d92d20' : '#12b76a';
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${s.label} ${num(s.value)} against threshold ${num(s.threshold)}`)}">`
    + `<rect x="0" y="3" width="${W}" height="10" fill="#eaecf0" rx="2"/><rect x="0" y="3" width="${r2(x(v))}" height="10" fill="${color}" rx="2"/>`
    + `<line x1="${r2(x(t))}" y1="0" x2="${r2(x(t))}" y2="${H}" stroke="#1d2329" stroke-width="2"/></svg>`;
}

function featureCard(f: FeatureView): string {
  const rows = f.statistics.map((s) => `<tr class="${s.breached ? 'bad' : ''}"><td>${esc(s.label)}</td><td>${esc(num(s.value))}</td>`
    + `<td>${s.threshold === undefined ? '' : `${s.direction === 'above' ? '&gt;' : '&lt;'} ${esc(num(s.threshold))} is drift`}</td>`
    + `<td>${gaugeSvg(s)}</td><td>${s.threshold === undefined ? '' : s.breached ? '<b>over</b>' : 'within'}</td></tr>`).join('');
  const picture = f.histogram ? histogramSvg(f.histogram, f.name) : f.categories ? categorySvg(f.categories, f.name) : '';
  return `<section class="card${f.drifted ? ' drifted' : ''}" id="f-${esc(f.name)}">
<h2>${esc(f.name)} <span class="badge">${f.type}</span> <span class="badge ${f.drifted ? 'drift' : 'ok'}">${f.drifted ? 'DRIFT' : 'no drift'}</span></h2>
<div class="legend">reference<span class="sw" style="background:${REF}"></span>n = ${f.referenceCount} · current<span class="sw" style="background:${CUR}"></span>n = ${f.currentCount}${f.type === 'numeric' ? ' · shares per bin, bins over the central 99% of both samples' : ' · share of each category'}</div>
<div class="row"><div>${picture}</div>
<table><thead><tr><th>statistic</th><th>value</th><th>threshold</th><th></th><th></th></tr></thead><tbody>${rows}</tbody></table></div>
</section>`;
}

/** The whole HTML document. */
export function renderDriftHtml(view: DriftReportView): string {
  const drifted = view.features.filter((f) => f.drifted);
  const summary = `<div class="summary">
<div class="pill"><b class="${drifted.length ? 'bad' : 'good'}">${drifted.length} of ${view.features.length}</b>features drifted</div>
<div class="pill"><b>${view.reference.rows}</b>reference rows${view.reference.malformed ? ` (${view.reference.malformed} malformed)` : ''}</div>
<div class="pill"><b>${view.current.rows}</b>current rows${view.current.malformed ? ` (${view.current.malformed} malformed)` : ''}</div>
${drifted.length ? `<div class="pill">drifted: ${drifted.map((f) => `<a href="#f-${esc(f.name)}">${esc(f.name)}</a>`).join(', ')}</div>` : ''}
</div>`;
  return page(view.title, `reference ${view.reference.label} vs current ${view.current.label} · generated ${view.generatedAt}`,
    summary + view.features.map(featureCard).join('\n'));
}
