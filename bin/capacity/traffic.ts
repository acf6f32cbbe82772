/**
 * The traffic curve of `cdk-mlops capacity`: CSV `time,rps`, ISO 8601 times with a UTC offset
 * (`2026-11-27T14:05Z`, `2026-11-27T09:05:00-05:00`), strictly increasing.
 *
 * Resampled to whole minutes: a minute with several points takes their highest rps; a minute with
 * none holds the previous point's value (the curve is a step function). An optional header line
 * `time,rps`, blank lines and `#` comments are skipped.
 */

/** A malformed traffic file; names the file and line. */
export class TrafficFileError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'TrafficFileError';
  }
}

export interface TrafficCurve {
  /** Epoch milliseconds of minute 0. */
  readonly start: number;
  /** Requests per second, one value per minute. */
  readonly rps: Float64Array;
  /** Points read. */
  readonly points: number;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;
/** The longest curve accepted: one year of minutes. */
export const MAX_MINUTES = 366 * 24 * 60;

/** Parses an ISO 8601 date-time with an offset; NaN when malformed or not a real date. */
export function parseIsoTime(text: string): number {
  const m = ISO.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, s ? +s : 0, frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== +y || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d
    || +h > 23 || +mi > 59 || (s !== undefined && +s > 59)) return NaN;
  if (zone === 'Z') return ms;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offH = +digits.slice(0, 2);
  const offM = +digits.slice(2, 4);
  if (offH > 23 || offM > 59) return NaN;
  return ms - sign * (offH * 60 + offM) * 60000;
}

/** Parses the CSV text of a traffic curve. */
export function parseTraffic(text: string, file: string): TrafficCurve {
  const lines = text.split(/\r?\n/);
  const times: number[] = [];
  const values: number[] = [];
  let lastTime = -Infinity;
  let lastLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (times.length === 0 && lastLine === 0 && /^time$/i.test(cells[0]) && /^rps$/i.test(cells[1] ?? '')) {
      if (cells.length !== 2) throw new TrafficFileError(file, lineNo, `the header must be "time,rps", got "${line}"`);
      lastLine = lineNo;
      continue;
    }
    if (cells.length !== 2) throw new TrafficFileError(file, lineNo, `expected 2 columns "time,rps", got ${cells.length}: "${line}"`);
    const t = parseIsoTime(cells[0]);
    if (Number.isNaN(t)) throw new TrafficFileError(file, lineNo, `"${cells[0]}" is not an ISO 8601 time with a UTC offset (e.g. 2026-11-27T14:05Z)`);
    if (!/^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cells[1])) throw new TrafficFileError(file, lineNo, `rps "${cells[1]}" is not a number >= 0`);
    const v = Number(cells[1]);
    if (!Number.isFinite(v)) throw new TrafficFileError(file, lineNo, `rps "${cells[1]}" is not a finite number`);
    if (t <= lastTime) throw new TrafficFileError(file, lineNo, `time ${cells[0]} is not after the previous point (line ${lastLine}): times must increase`);
    lastTime = t;
    lastLine = lineNo;
    times.push(t);
    values.push(v);
  }
  if (times.length === 0) throw new TrafficFileError(file, Math.max(1, lines.length), 'no data points (expected lines "time,rps")');
  const start = Math.floor(times[0] / 60000) * 60000;
  const minutes = Math.floor((times[times.length - 1] - start) / 60000) + 1;
  if (minutes > MAX_MINUTES) throw new TrafficFileError(file, lastLine, `the curve spans ${minutes} minutes; at most ${MAX_MINUTES} (one year)`);
  const rps = new Float64Array(minutes);
  let k = 0;
  let held = values[0];
  for (let m = 0; m < minutes; m++) {
    const end = start + (m + 1) * 60000;
    let seen = false;
    let max = 0;
    while (k < times.length && times[k] < end) {
      if (!seen || values[k] > max) max = values[k];
      seen = true;
      held = values[k];
      k++;
    }
    rps[m] = seen ? max : held;
  }
  return { start, rps, points: times.length };
}
