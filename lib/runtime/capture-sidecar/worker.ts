/**
 * The shipping side of the sidecar runs in a worker thread: batching, the
 * PutRecordBatch calls (JSON + base64 + SigV4 over up to 4 MB), retries, spill
 * and replay never block the event loop that proxies requests, so they do not
 * show up in the model's tail latency.
 *
 * Main thread -> worker: { type: 'records', buffer, length } (transferred) | { type: 'stats', id } | { type: 'shutdown', graceMs }
 * Worker -> main thread: { type: 'stats', id, counters, gauges } | { type: 'stopped', counters, gauges }
 */
import { parentPort, Worker } from 'node:worker_threads';
import { loadConfig } from './config';
import { FirehoseSender } from './firehose';
import { errorText, log } from './log';
import { Counters, Gauges } from './metrics';
import { RecordSink } from './proxy';
import { Shipper } from './shipper';
import { SpillStore } from './spill';

/** Counters the worker owns (the proxy owns the rest, and `captured`). */
export const SHIPPER_COUNTERS = ['delivered', 'retried', 'spilled', 'replayed', 'dropped', 'putFailures'] as const;

export interface ShipperStats {
  readonly counters: Pick<Counters, typeof SHIPPER_COUNTERS[number]>;
  readonly gauges: Gauges;
}

/** Entry point of the worker thread. */
export function runShipperWorker(): void {
  const port = parentPort!;
  const cfg = loadConfig();
  const counters = new Counters();
  const spill = new SpillStore(cfg.spillDir, cfg.spillMaxBytes, Math.max(1, Math.floor(cfg.queueMaxRecords / 2)), counters);
  const shipper = new Shipper(cfg, new FirehoseSender(cfg), spill, counters);
  const stats = (): ShipperStats => ({
    counters: Object.fromEntries(SHIPPER_COUNTERS.map((k) => [k, counters[k]])) as ShipperStats['counters'],
    gauges: shipper.gauges(),
  });
  void spill.init().then(() => {
    shipper.start();
    // messages sent before this listener existed were queued by the port
    port.on('message', (m: any) => {
      if (m.type === 'records') {
        // one transferred buffer of JSON lines per message; records are views into it (no copies)
        const data = Buffer.from(m.buffer as ArrayBuffer, 0, m.length as number);
        for (let start = 0, end = data.indexOf(10); end >= 0; start = end + 1, end = data.indexOf(10, start)) {
          shipper.enqueueRecord(data.subarray(start, end + 1));
        }
      } else if (m.type === 'stats') {
        port.postMessage({ type: 'stats', id: m.id, ...stats() });
      } else if (m.type === 'shutdown') {
        void shipper.shutdown(m.graceMs).then(() => {
          port.postMessage({ type: 'stopped', ...stats() });
          port.close();
        });
      }
    });
  });
}

const EMPTY_STATS: ShipperStats = {
  counters: { delivered: 0, retried: 0, spilled: 0, replayed: 0, dropped: 0, putFailures: 0 },
  gauges: { queueRecords: 0, queueBytes: 0, spillBytes: 0, inFlightBatches: 0 },
};

/** How long records wait in the main thread before they are posted to the worker (one message per batch). */
const POST_INTERVAL_MS = 20;

/** The main thread's handle on the worker: a RecordSink that posts records in batches every 20 ms. */
export class ShipperClient implements RecordSink {
  private worker!: Worker;
  private pending = '';
  private timer?: NodeJS.Timeout;
  private seq = 0;
  private readonly waiters = new Map<number, (s: ShipperStats) => void>();
  private onStopped?: (s: ShipperStats) => void;
  private stopping = false;
  /** Totals of workers that exited unexpectedly (their counters are not lost from the metrics). */
  private carried: ShipperStats = EMPTY_STATS;
  private last: ShipperStats = EMPTY_STATS;

  constructor(private readonly file: string, private readonly counters: Counters) {
    this.spawn();
  }

  public enqueue(line: string): void {
    this.counters.captured++;
    this.pending += line;
    if (!this.timer) this.timer = setTimeout(() => this.flush(), POST_INTERVAL_MS);
  }

  /** The worker's counters and gauges, fresh (falls back to the last known after 2 s). */
  public async stats(): Promise<ShipperStats> {
    this.flush();
    const id = ++this.seq;
    const fresh = await new Promise<ShipperStats | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(undefined);
      }, 2000);
      this.waiters.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.worker.postMessage({ type: 'stats', id });
    });
    if (fresh) this.last = fresh;
    return this.combine(this.last);
  }

  /** Flushes everything within `graceMs` (the worker spills what it cannot deliver) and stops the worker. */
  public async shutdown(graceMs: number): Promise<ShipperStats> {
    this.stopping = true;
    this.flush();
    const final = await new Promise<ShipperStats>((resolve) => {
      const timer = setTimeout(() => resolve(this.last), graceMs + 5000);
      this.onStopped = (s) => {
        clearTimeout(timer);
        resolve(s);
      };
      this.worker.postMessage({ type: 'shutdown', graceMs });
    });
    this.last = final;
    await this.worker.terminate();
    return this.combine(final);
  }

  private combine(s: ShipperStats): ShipperStats {
    const counters = { ...s.counters };
    for (const k of SHIPPER_COUNTERS) counters[k] += this.carried.counters[k];
    return { counters, gauges: s.gauges };
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending === '') return;
    // not from the shared pool: its ArrayBuffer is transferred (detached here)
    const length = Buffer.byteLength(this.pending, 'utf8');
    const data = Buffer.allocUnsafeSlow(length);
    data.write(this.pending, 0, 'utf8');
    this.pending = '';
    this.worker.postMessage({ type: 'records', buffer: data.buffer, length }, [data.buffer]);
  }

  private spawn(): void {
    const worker = new Worker(this.file, { env: process.env });
    this.worker = worker;
    worker.on('message', (m: any) => {
      if (m.type === 'stats') {
        this.last = { counters: m.counters, gauges: m.gauges };
        this.waiters.get(m.id)?.(this.last);
        this.waiters.delete(m.id);
      } else if (m.type === 'stopped') {
        this.onStopped?.({ counters: m.counters, gauges: m.gauges });
      }
    });
    worker.on('error', (err) => log('error', 'capture shipping worker failed', { error: errorText(err), stack: err.stack }));
    worker.on('exit', (code) => {
      if (this.stopping || worker !== this.worker) return;
      // the proxy keeps serving; records the worker held in memory are gone (spilled ones are replayed)
      log('error', 'capture shipping worker exited; restarting it', { exitCode: code, lostQueueRecords: this.last.gauges.queueRecords });
      this.carried = this.combine(this.last);
      this.last = EMPTY_STATS;
      this.spawn();
    });
  }
}
