/**
 * The simulated CloudWatch metrics: datapoints as PutMetricData stores them (standard resolution) and GetMetricData
 * over them, as the CloudWatch API reference describes it (see getMetricData).
 */
import { simError } from './world';

export class SimMetrics {
  /** Datapoints by metric (namespace, name, dimensions). */
  private readonly datapoints = new Map<string, { ms: number; value: number }[]>();

  /** Records one value of a metric at a time (what PutMetricData of a standard-resolution metric stores). */
  public put(namespace: string, metricName: string, dimensions: { Name: string; Value: string }[], atMs: number, value: number): void {
    const key = metricKey(namespace, metricName, dimensions);
    const list = this.datapoints.get(key) ?? [];
    list.push({ ms: atMs, value });
    this.datapoints.set(key, list);
  }

  /**
   * GetMetricData (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html, its
   * MetricDataQuery and MetricStat pages) over the stored datapoints, at simulated time `nowMs`:
   * - 1-500 queries with unique Ids (a lowercase letter first), each exactly one of MetricStat and Expression;
   *   ReturnData defaults to true, and only those queries come back, in query order;
   * - StartTime inclusive, rounded down to the whole minute when less than 15 days ago (to 5 minutes up to 63 days,
   *   to the hour beyond); EndTime exclusive; StartTime equal to or after EndTime is a ValidationError;
   * - a MetricStat Period must be a multiple of 60 for standard-resolution data (the only kind simulated): otherwise
   *   ValidationError; the periods start at the rounded StartTime; a period with no datapoint has no value;
   * - ScanBy TimestampDescending (the default: newest first) or TimestampAscending; at most MaxDatapoints (default
   *   100,800) datapoints per call, the rest behind NextToken with StatusCode PartialData, otherwise Complete.
   * Expressions: the metric-math forms the library writes (lib/contracts/retrain-record.ts canaryMetricQueries),
   * `IF(<id> <comparison> <number>, <number>, <number>)` (no value where <id> has none), `MAX([<id>, ...])` (per
   * timestamp, the largest value among the series having one) and `RUNNING_SUM(<id>)` (the sum of the values up to
   * each timestamp); any other expression is refused as not simulated.
   * Errors carry the API's code ValidationError.
   */
  public getMetricData(p: any, nowMs: number): any {
    const invalidParam = (message: string) => simError('CloudWatch.ValidationError', message);
    const queries: any[] = p.MetricDataQueries;
    if (!Array.isArray(queries) || queries.length < 1 || queries.length > 500) throw invalidParam('MetricDataQueries must hold 1 to 500 queries');
    const start = Date.parse(String(p.StartTime));
    const end = Date.parse(String(p.EndTime));
    if (Number.isNaN(start) || Number.isNaN(end)) throw invalidParam(`StartTime and EndTime must be timestamps: ${p.StartTime}, ${p.EndTime}`);
    if (start === end) throw invalidParam('The parameter StartTime must not equal parameter EndTime.');
    if (start > end) throw invalidParam('The parameter StartTime must be less than the parameter EndTime.');
    const scanBy = p.ScanBy ?? 'TimestampDescending';
    if (!['TimestampDescending', 'TimestampAscending'].includes(scanBy)) throw invalidParam(`ScanBy must be TimestampDescending or TimestampAscending: ${p.ScanBy}`);
    const max = p.MaxDatapoints ?? 100_800;
    if (!Number.isInteger(max) || max < 1) throw invalidParam(`MaxDatapoints must be a positive integer: ${p.MaxDatapoints}`);
    const age = nowMs - start;
    const rounding = age < 15 * 86_400_000 ? 60_000 : age < 63 * 86_400_000 ? 300_000 : 3_600_000;
    const from = Math.floor(start / rounding) * rounding;
    const byId = new Map<string, any>();
    queries.forEach((q, i) => {
      const where = `MetricDataQueries.member.${i + 1}`;
      if (typeof q?.Id !== 'string' || !/^[a-z][A-Za-z0-9_]{0,254}$/.test(q.Id)) throw invalidParam(`The parameter ${where}.Id must start with a lowercase letter and hold only letters, digits and _: ${q?.Id}`);
      if (byId.has(q.Id)) throw invalidParam(`The parameter ${where}.Id must be unique: ${q.Id}`);
      if ((q.MetricStat === undefined) === (q.Expression === undefined)) throw invalidParam(`${where} must specify exactly one of MetricStat and Expression`);
      if (q.MetricStat) {
        const period = q.MetricStat.Period;
        if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
          throw invalidParam(`The parameter ${where}.MetricStat.Period must be a multiple of 60 for standard-resolution metrics: ${period}`);
        }
        if (!SIMULATED_STATS.includes(q.MetricStat.Stat)) throw invalidParam(`${where}.MetricStat.Stat ${q.MetricStat.Stat} is not simulated (${SIMULATED_STATS.join(', ')})`);
      }
      byId.set(q.Id, q);
    });
    const series = new Map<string, Map<number, number>>();
    const evaluate = (id: string, path: string[]): Map<number, number> => {
      const done = series.get(id);
      if (done) return done;
      const q = byId.get(id);
      if (!q) throw invalidParam(`An expression refers to ${id}, which no query of the request defines`);
      if (path.includes(id)) throw invalidParam(`Circular expression through ${id}`);
      const out = q.MetricStat
        ? this.statSeries(q.MetricStat, from, end)
        : evaluateExpression(String(q.Expression), (ref) => evaluate(ref, [...path, id]), invalidParam);
      series.set(id, out);
      return out;
    };
    const offset = p.NextToken !== undefined ? Number(p.NextToken) : 0;
    let skipped = 0;
    let returned = 0;
    let partial = false;
    const results = queries.filter((q) => q.ReturnData !== false).map((q) => {
      const points = [...evaluate(q.Id, []).entries()].sort((a, b) => (scanBy === 'TimestampAscending' ? a[0] - b[0] : b[0] - a[0]));
      const page = points.filter(() => {
        if (skipped < offset) { skipped++; return false; }
        if (returned >= max) { partial = true; return false; }
        returned++;
        return true;
      });
      return { q, page, cut: page.length < points.length };
    }).map(({ q, page, cut }) => ({
      Id: q.Id,
      Label: q.Label ?? q.Id,
      Timestamps: page.map(([ms]) => new Date(ms).toISOString()),
      Values: page.map(([, v]) => v),
      StatusCode: cut && partial ? 'PartialData' : 'Complete',
    }));
    return { MetricDataResults: results, Messages: [], ...(partial ? { NextToken: String(offset + returned) } : {}) };
  }

  /** One MetricStat's statistic per period from `from` (inclusive) to `end` (exclusive); periods without datapoints have no value. */
  private statSeries(stat: any, from: number, end: number): Map<number, number> {
    const metric = stat.Metric ?? {};
    const points = this.datapoints.get(metricKey(metric.Namespace, metric.MetricName, metric.Dimensions ?? [])) ?? [];
    const periodMs = stat.Period * 1000;
    const out = new Map<number, number>();
    for (let t = from; t < end; t += periodMs) {
      const values = points.filter((d) => d.ms >= t && d.ms < t + periodMs).map((d) => d.value);
      if (values.length === 0) continue;
      const sum = values.reduce((a, b) => a + b, 0);
      const value = stat.Stat === 'Sum' ? sum : stat.Stat === 'Average' ? sum / values.length : stat.Stat === 'Maximum' ? Math.max(...values)
        : stat.Stat === 'Minimum' ? Math.min(...values) : values.length;
      out.set(t, value);
    }
    return out;
  }
}

/** The GetMetricData statistics the simulation computes. */
const SIMULATED_STATS = ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'];

/** A metric's identity: namespace, name and its dimensions (order does not matter). */
function metricKey(namespace: string, metricName: string, dimensions: { Name: string; Value: string }[]): string {
  return JSON.stringify([namespace, metricName, [...dimensions].map((d) => [d.Name, d.Value]).sort()]);
}

/** The metric-math expressions the simulation evaluates (see SimMetrics.getMetricData). */
function evaluateExpression(
  expression: string, seriesOf: (id: string) => Map<number, number>, invalidParam: (m: string) => Error,
): Map<number, number> {
  const num = '(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)';
  const cond = new RegExp(`^IF\\(\\s*([a-z][A-Za-z0-9_]*)\\s*(>=|>|<=|<|==|!=)\\s*${num}\\s*,\\s*${num}\\s*,\\s*${num}\\s*\\)$`).exec(expression.trim());
  if (cond) {
    const [, id, op, threshold, whenTrue, whenFalse] = cond;
    const t = Number(threshold);
    const test = (v: number) => (op === '>=' ? v >= t : op === '>' ? v > t : op === '<=' ? v <= t : op === '<' ? v < t : op === '==' ? v === t : v !== t);
    return new Map([...seriesOf(id).entries()].map(([ms, v]) => [ms, test(v) ? Number(whenTrue) : Number(whenFalse)]));
  }
  const maxOf = /^MAX\(\[\s*([a-z][A-Za-z0-9_]*(?:\s*,\s*[a-z][A-Za-z0-9_]*)*)\s*\]\)$/.exec(expression.trim());
  if (maxOf) {
    const out = new Map<number, number>();
    for (const id of maxOf[1].split(',').map((x) => x.trim())) {
      for (const [ms, v] of seriesOf(id)) out.set(ms, Math.max(out.get(ms) ?? -Infinity, v));
    }
    return out;
  }
  const running = /^RUNNING_SUM\(\s*([a-z][A-Za-z0-9_]*)\s*\)$/.exec(expression.trim());
  if (running) {
    // the sum of the values up to each timestamp, at the timestamps that have a value
    let total = 0;
    return new Map([...seriesOf(running[1]).entries()].sort((a, b) => a[0] - b[0]).map(([ms, v]) => [ms, (total += v)]));
  }
  throw invalidParam(`expression not simulated: ${expression}`);
}
