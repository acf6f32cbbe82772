/**
 * A simulated scenario's timeline as a picture (`cdk-mlops simulate --html <file>`): per execution a
 * Gantt lane of its states on the simulated clock (the nested training execution in its own lane),
 * coloured by phase (guard, approval, training, canary, promote, roll back, cleanup, finish), with the
 * failed calls, retries and caught errors marked; then every state in order, and the outcome and
 * invariants. Pure: it reads the scenario result's `timeline` lines (bin/simulate/run.ts renders them).
 */
import { esc, page, r2 } from './html';
import { Phase, PHASE_COLORS, phaseOf } from './phases';

/** One state of an execution on the simulated clock. */
export interface StateSpan {
  readonly state: string;
  readonly type: string;
  readonly start: number;
  end: number;
  readonly phase: Phase;
  /** Calls of the state that failed, retries, caught errors. */
  errors: number;
  retries: number;
  caught?: string;
}

export interface ExecutionLane {
  readonly name: string;
  readonly outcome: string;
  /** 0: the retraining execution; 1: its nested training execution. */
  readonly depth: number;
  readonly spans: StateSpan[];
}

/** What the picture needs from a scenario result (bin/simulate/run.ts ScenarioResult). */
export interface ScenarioLike {
  readonly scenario: string;
  readonly outcome: string;
  readonly expected?: string;
  readonly invariants: Record<string, boolean>;
  readonly simulatedMinutes: number;
  readonly timeline: string[];
}

const CLOCK = /^( *)T\+(\d+):(\d{2}):(\d{2}) {2}(.*)$/;
const CALL = /^( *)T\+(\d+):(\d{2}):(\d{2}) {4}(.*)$/;

function seconds(h: string, m: string, s: string): number {
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** Parses the timeline lines into lanes of state spans. */
export function parseTimeline(lines: string[]): { lanes: ExecutionLane[]; notes: string[] } {
  const lanes: ExecutionLane[] = [];
  const notes: string[] = [];
  // The lane of each indent depth currently open.
  const open: ExecutionLane[] = [];
  const closeLast = (lane: ExecutionLane | undefined, t: number) => {
    const last = lane?.spans[lane.spans.length - 1];
    if (last && last.end < t) last.end = t;
  };
  for (const line of lines) {
    let m: RegExpExecArray | null;
    const top = /^execution (\S+) -> (.+)$/.exec(line);
    if (top) {
      const lane = { name: top[1], outcome: top[2], depth: 0, spans: [] };
      lanes.push(lane);
      open.length = 0;
      open[0] = lane;
      continue;
    }
    const nested = /^( +)nested execution (\S+) \(training state machine\) -> (.+)$/.exec(line);
    if (nested) {
      // The simulator indents a top-level execution's states by 2, each nesting by 4 more.
      const depth = Math.round((nested[1].length - 2) / 4);
      const lane = { name: nested[2], outcome: nested[3], depth, spans: [] };
      lanes.push(lane);
      open[depth] = lane;
      open.length = depth + 1;
      continue;
    }
    if ((m = CALL.exec(line))) {
      const depth = Math.floor(Math.max(0, m[1].length - 4) / 4);
      const lane = open[depth];
      const span = lane?.spans[lane.spans.length - 1];
      const t = seconds(m[2], m[3], m[4]);
      const text = m[5];
      if (!span) continue;
      if (/-> ERROR /.test(text)) span.errors++;
      if (/^retry /.test(text)) span.retries++;
      const caught = /^caught -> (\S+)/.exec(text);
      if (caught) span.caught = caught[1];
      const wait = /^wait (\d+(?:\.\d+)?) s/.exec(text);
      if (wait) span.end = Math.max(span.end, t + Number(wait[1]));
      continue;
    }
    if ((m = CLOCK.exec(line))) {
      const depth = Math.floor(Math.max(0, m[1].length - 2) / 4);
      const lane = open[depth];
      const t = seconds(m[2], m[3], m[4]);
      const entered = /^(\S+) \((\w+)\)$/.exec(m[5]);
      if (!lane) continue;
      closeLast(lane, t);
      if (entered) {
        lane.spans.push({ state: entered[1], type: entered[2], start: t, end: t, phase: phaseOf(entered[1], depth > 0), errors: 0, retries: 0 });
      }
      continue;
    }
    if (/^(scenario|drift engine|alarm|champion|drift monitor baseline|note):? /.test(line)) notes.push(line);
  }
  return { lanes, notes };
}

function clock(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

function ganttSvg(lanes: ExecutionLane[]): string {
  const W = 1100; const L = 260; const R = 16; const laneH = 34; const T = 24;
  const end = Math.max(60, ...lanes.flatMap((l) => l.spans.map((s) => s.end)));
  const x = (t: number) => L + ((W - L - R) * t) / end;
  const H = T + lanes.length * laneH + 26;
  const ticks = Array.from({ length: 6 }, (_, i) => (end * i) / 5).map((t, i) => `<line x1="${r2(x(t))}" y1="${T - 4}" x2="${r2(x(t))}" y2="${H - 22}" stroke="#eaecf0"/>`
    + `<text x="${r2(x(t))}" y="${H - 8}" text-anchor="${i === 0 ? 'start' : i === 5 ? 'end' : 'middle'}">T+${clock(t)}</text>`).join('');
  const rows = lanes.map((lane, i) => {
    const y = T + i * laneH;
    const label = `${lane.depth ? '↳ ' : ''}${lane.name}`;
    const bars = lane.spans.map((s) => {
      const x0 = x(s.start);
      const w = Math.max(x(s.end) - x0, 1.5);
      const title = `${s.state} (${s.type}) T+${clock(s.start)}–T+${clock(s.end)}${s.errors ? `, ${s.errors} failed call(s)` : ''}${s.retries ? `, ${s.retries} retr${s.retries > 1 ? 'ies' : 'y'}` : ''}${s.caught ? `, caught -> ${s.caught}` : ''}`;
      const text = w > 70 ? `<text x="${r2(x0 + 4)}" y="${y + 18}" style="fill:#fff">${esc(s.state.length > Math.floor(w / 7) ? `${s.state.slice(0, Math.max(1, Math.floor(w / 7) - 1))}…` : s.state)}</text>` : '';
      const mark = s.errors || s.caught ? `<rect x="${r2(x0)}" y="${y + 1}" width="${r2(Math.max(w, 3))}" height="4" fill="#d92d20"/>` : '';
      return `<g><title>${esc(title)}</title><rect x="${r2(x0)}" y="${y + 4}" width="${r2(w)}" height="22" fill="${PHASE_COLORS[s.phase]}" rx="2"/>${mark}${text}</g>`;
    }).join('');
    return `<text x="${L - 8}" y="${y + 19}" text-anchor="end">${esc(label.length > 38 ? `${label.slice(0, 37)}…` : label)}</text>`
      + `<text x="${L - 8}" y="${y + 31}" text-anchor="end" style="font-size:10px">${esc(lane.outcome)}</text>${bars}`;
  }).join('');
  return `<svg role="img" aria-label="states of each execution on the simulated clock" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" class="gantt">${ticks}${rows}</svg>`;
}

function legend(): string {
  return `<div class="legend">${(Object.keys(PHASE_COLORS) as Phase[]).filter((p) => p !== 'unknown')
    .map((p) => `<span class="sw" style="background:${PHASE_COLORS[p]}"></span>${p}`).join(' ')}<span class="sw" style="background:#d92d20;height:4px"></span>failed call / caught error</div>`;
}

function steps(lanes: ExecutionLane[]): string {
  return lanes.map((lane) => `<div class="steps"><b>${esc(lane.name)}</b> → ${esc(lane.outcome)}<div class="chips">${lane.spans.map((s) =>
    `<span class="chip${s.errors || s.caught ? ' err' : ''}" style="border-color:${PHASE_COLORS[s.phase]}" title="T+${clock(s.start)}">${esc(s.state)}${s.retries ? ` ↻${s.retries}` : ''}${s.caught ? ` ⚠→${esc(s.caught)}` : ''}</span>`).join('')}</div></div>`).join('');
}

const CSS = `
.chips{display:flex;flex-wrap:wrap;gap:4px;margin:6px 0 12px}
.chip{font-size:12px;border:1px solid;border-left-width:6px;border-radius:4px;padding:1px 6px;background:#fff}
.chip.err{background:#fee4e2}
pre{font-size:11px;background:#f2f4f7;padding:10px;overflow:auto;max-height:420px}
`;

function scenarioSection(r: ScenarioLike): string {
  const { lanes, notes } = parseTimeline(r.timeline);
  const broken = Object.entries(r.invariants).filter(([, v]) => !v).map(([k]) => k);
  const good = (r.expected === undefined || r.outcome === r.expected) && broken.length === 0;
  return `<section class="card${good ? '' : ' drifted'}">
<h2>${esc(r.scenario)} <span class="badge ${good ? 'ok' : 'drift'}">${esc(r.outcome)}${r.expected ? ` (expected ${esc(r.expected)})` : ''}</span>
<span class="badge">${r.simulatedMinutes} simulated minutes</span></h2>
${notes.map((n) => `<div>${esc(n)}</div>`).join('')}
${legend()}
${lanes.length ? ganttSvg(lanes) : '<p>no execution started</p>'}
<h3>every state, in order</h3>
${steps(lanes)}
<table><thead><tr><th>invariant</th><th></th></tr></thead><tbody>${Object.entries(r.invariants).map(([k, v]) =>
  `<tr><td>${esc(k)}</td><td class="${v ? 'good' : 'bad'}">${v ? 'holds' : 'BROKEN'}</td></tr>`).join('')}</tbody></table>
<details><summary>timeline text</summary><pre>${esc(r.timeline.join('\n'))}</pre></details>
</section>`;
}

/** The whole HTML document for one or more scenario results. */
export function renderTimelineHtml(results: ScenarioLike[], now = new Date()): string {
  return page(`Closed-loop simulation: ${results.map((r) => r.scenario).join(', ')}`,
    `cdk-mlops simulate · simulated time, real state machine definitions · generated ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    results.map(scenarioSection).join('\n'), CSS);
}
