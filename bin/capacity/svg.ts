/**
 * The planner's picture: traffic against Ready capacity over time, pre-scaling windows shaded,
 * minutes short of capacity filled. A self-contained SVG (no scripts, no external fonts or files).
 *
 * Long curves are drawn in at most `MAX_COLUMNS` columns: each column shows its highest traffic and
 * its lowest capacity, so a short minute is never averaged away.
 */
import type { PlanReport } from './planner';

const MAX_COLUMNS = 1200;
const W = 960;
const H = 400;
const M = { left: 70, right: 20, top: 44, bottom: 64 };

export interface SvgWindow {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly minReplicas: number;
  /** The floor rises this long before start (drawn lighter). @default 0 */
  readonly leadSeconds?: number;
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' }[c]!));
}

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

const TIME_STEPS = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60000);

/** Renders the report as an SVG document. `start` is the epoch ms of minute 0. */
export function renderSvg(report: PlanReport, start: number, windows: readonly SvgWindow[]): string {
  const n = report.minutes.length;
  const cols = Math.min(n, MAX_COLUMNS);
  const per = n / cols;
  const traffic: number[] = [];
  const capacity: number[] = [];
  for (let c = 0; c < cols; c++) {
    const a = Math.floor(c * per);
    const b = Math.max(a + 1, Math.floor((c + 1) * per));
    let t = 0;
    let cap = Infinity;
    for (let m = a; m < b && m < n; m++) {
      t = Math.max(t, report.minutes[m].rps);
      cap = Math.min(cap, report.minutes[m].capacityRps);
    }
    traffic.push(t);
    capacity.push(cap);
  }
  const yMaxRaw = Math.max(1, ...traffic, ...capacity) * 1.08;
  const yStep = niceStep(yMaxRaw, 5);
  const yMax = Math.ceil(yMaxRaw / yStep) * yStep;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const end = start + n * 60000;
  const x = (ms: number) => M.left + ((ms - start) / (end - start)) * pw;
  const xc = (c: number) => M.left + (c / cols) * pw;
  const y = (v: number) => M.top + ph - (v / yMax) * ph;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${esc(report.model)}: traffic vs Ready capacity</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="20" font-size="15" font-weight="bold">${esc(report.model)}: traffic vs Ready capacity</text>`);
  const s = report.summary;
  out.push(`<text x="${M.left}" y="36" fill="#444">peak ${report.peakRps} rps · ${s.minutesShort} minute(s) short · ${s.shortRequests} requests over capacity · peak ${s.peakReadyReplicas} Ready replicas · ${s.gpuHours} GPU hours</text>`);

  // windows
  for (const w of windows) {
    const a = Math.max(start, w.start);
    const b = Math.min(end, w.end);
    // the lead time: the floor is up, the window not yet open
    const la = Math.max(start, w.start - (w.leadSeconds ?? 0) * 1000);
    const lb = Math.min(end, w.start);
    if (lb > la) out.push(`<rect x="${f(x(la))}" y="${M.top}" width="${f(Math.max(1, x(lb) - x(la)))}" height="${ph}" fill="#f2c94c" fill-opacity="0.12"/>`);
    if (b <= a) continue;
    out.push(`<rect x="${f(x(a))}" y="${M.top}" width="${f(Math.max(1, x(b) - x(a)))}" height="${ph}" fill="#f2c94c" fill-opacity="0.25"/>`);
    out.push(`<text x="${f(x(a) + 4)}" y="${M.top + 14}" fill="#8a6d00">${esc(w.name)} (min ${w.minReplicas})</text>`);
  }

  // grid and axes
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${Number(v.toPrecision(6))}</text>`);
  }
  const span = end - start;
  const tStep = TIME_STEPS.find((st) => span / st <= 10) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const first = Math.ceil(start / tStep) * tStep;
  for (let t = first; t <= end; t += tStep) {
    const iso = new Date(t).toISOString();
    const label = tStep >= 1440 * 60000 ? iso.slice(5, 10) : span > 1440 * 60000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
    out.push(`<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${f(x(t))}" y="${M.top + ph + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 26}" text-anchor="middle">time (UTC), ${esc(new Date(start).toISOString().slice(0, 16))}Z to ${esc(new Date(end).toISOString().slice(0, 16))}Z</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">requests per second</text>`);

  // shortfall: filled between capacity and traffic where traffic is higher
  const short: string[] = [];
  for (let c = 0; c < cols; c++) {
    if (traffic[c] > capacity[c]) {
      short.push(`M${f(xc(c))},${f(y(capacity[c]))}H${f(xc(c + 1))}V${f(y(traffic[c]))}H${f(xc(c))}Z`);
    }
  }
  if (short.length) out.push(`<path d="${short.join('')}" fill="#eb5757" fill-opacity="0.45"/>`);

  // capacity (step) and traffic (line)
  const cap: string[] = [];
  for (let c = 0; c < cols; c++) cap.push(`${c === 0 ? 'M' : 'L'}${f(xc(c))},${f(y(capacity[c]))}H${f(xc(c + 1))}`);
  out.push(`<path d="${cap.join('')}" fill="none" stroke="#27ae60" stroke-width="2"/>`);
  const tr: string[] = [];
  for (let c = 0; c < cols; c++) tr.push(`${c === 0 ? 'M' : 'L'}${f((xc(c) + xc(c + 1)) / 2)},${f(y(traffic[c]))}`);
  out.push(`<path d="${tr.join('')}" fill="none" stroke="#2f80ed" stroke-width="1.5"/>`);

  // legend
  const ly = H - 10;
  const items: [string, string][] = [['#2f80ed', 'traffic (rps)'], ['#27ae60', 'Ready capacity (rps)'], ['#eb5757', 'short'], ['#f2c94c', 'pre-scaling window']];
  if (windows.some((w) => (w.leadSeconds ?? 0) > 0)) items.push(['#f9e4a5', 'lead time (floor raised)']);
  let lx = M.left;
  for (const [colour, text] of items) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="14" height="10" fill="${colour}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly}">${esc(text)}</text>`);
    lx += 30 + text.length * 6.5;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
