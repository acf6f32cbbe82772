/** The sidecar's own counters, exported in the Prometheus text format. */
export class Counters {
  /** Records built for sampled inferences. */
  public captured = 0;
  /** Records Firehose acknowledged. */
  public delivered = 0;
  /** Record sends retried (each failed record re-queued counts once). */
  public retried = 0;
  /** Records written to the spill directory. */
  public spilled = 0;
  /** Records read back from the spill directory. */
  public replayed = 0;
  /** Records lost because the spill directory was full or unwritable. */
  public dropped = 0;
  /** Requests proxied (sampled or not). */
  public requests = 0;
  /** Requests answered 502/504 because the model failed or timed out. */
  public upstreamErrors = 0;
  /** Requests re-sent on a fresh connection because a reused keep-alive connection was closed by the model. */
  public upstreamRetries = 0;
  /** Malformed requests rejected before reaching the model. */
  public clientErrors = 0;
  /** Failed PutRecordBatch calls (whole call). */
  public putFailures = 0;
}

export interface Gauges {
  readonly queueRecords: number;
  readonly queueBytes: number;
  readonly spillBytes: number;
  readonly inFlightBatches: number;
}

const HELP: Record<keyof Counters, string> = {
  captured: 'Capture records built for sampled inferences.',
  delivered: 'Capture records acknowledged by Kinesis Data Firehose.',
  retried: 'Capture records re-queued after a failed or throttled PutRecordBatch.',
  spilled: 'Capture records written to the spill directory.',
  replayed: 'Capture records read back from the spill directory.',
  dropped: 'Capture records lost because the spill directory was full or unwritable.',
  requests: 'Requests proxied to the model.',
  upstreamErrors: 'Requests answered 502 or 504 because the model was unreachable or timed out.',
  upstreamRetries: 'Requests re-sent on a fresh connection after the model closed a reused keep-alive connection.',
  clientErrors: 'Malformed requests rejected by the sidecar.',
  putFailures: 'PutRecordBatch calls that failed as a whole.',
};

const NAMES: Record<keyof Counters, string> = {
  captured: 'capture_records_captured_total',
  delivered: 'capture_records_delivered_total',
  retried: 'capture_records_retried_total',
  spilled: 'capture_records_spilled_total',
  replayed: 'capture_records_replayed_total',
  dropped: 'capture_records_dropped_total',
  requests: 'capture_proxy_requests_total',
  upstreamErrors: 'capture_proxy_upstream_errors_total',
  upstreamRetries: 'capture_proxy_upstream_retries_total',
  clientErrors: 'capture_proxy_client_errors_total',
  putFailures: 'capture_firehose_put_failures_total',
};

export function prometheusText(c: Counters, g: Gauges): string {
  const lines: string[] = [];
  for (const key of Object.keys(NAMES) as (keyof Counters)[]) {
    lines.push(`# HELP ${NAMES[key]} ${HELP[key]}`, `# TYPE ${NAMES[key]} counter`, `${NAMES[key]} ${c[key]}`);
  }
  const gauge = (name: string, help: string, v: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
  gauge('capture_queue_records', 'Capture records waiting in memory.', g.queueRecords);
  gauge('capture_queue_bytes', 'Bytes of capture records waiting in memory.', g.queueBytes);
  gauge('capture_spill_bytes', 'Bytes of capture records in the spill directory.', g.spillBytes);
  gauge('capture_firehose_in_flight_batches', 'PutRecordBatch calls in flight.', g.inFlightBatches);
  const cpu = process.cpuUsage();
  lines.push('# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.', '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
  const mem = process.memoryUsage();
  lines.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${mem.rss}`);
  return lines.join('\n') + '\n';
}

export function countersJson(c: Counters, g: Gauges): Record<string, number> {
  const cpu = process.cpuUsage();
  return { ...c, ...g, cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage().rss };
}
