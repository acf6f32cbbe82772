/**
 * The shipping side of the sidecar runs in a worker thread: batching, the
 * PutRecordBatch calls (JSON + base64 + SigV4 over up to 4 MB), retries, spill
 * and replay never block the event loop that proxies requests, so they do not
 * show up in the model's tail latency.
 *
 * Every record is appended to the write-ahead journal in the spill directory
 * (spill.ts) as soon as it is built, so a SIGKILL loses at most the frames not
 * yet posted (POST_INTERVAL_MS, 50 ms) and those not yet read by the worker.
 *
 * Main thread -> worker: { type: 'frames', buffer, length } (transferred; see writeFrame in record.ts)
 *   | { type: 'stats', id } | { type: 'shutdown', graceMs }
 * Worker -> main thread: { type: 'stats', id, counters, gauges } | { type: 'stopped', counters, gauges }
 */
import { parentPort, Worker } from 'node:worker_threads';
import { loadConfig, SidecarConfig } from './config';
import { FirehoseSender } from './firehose';
import { errorText, log } from './log';
import { Counters, Gauges } from './metrics';
import { RecordSink } from './proxy';
import { BodyTap, frameBytes, RecordWriter, writeFrame } from './record';
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
  const writer = new RecordWriter(cfg, cfg.maxRecordBytes);
  const stats = (): ShipperStats => ({
    counters: Object.fromEntries(SHIPPER_COUNTERS.map((k) => [k, counters[k]])) as ShipperStats['counters'],
    gauges: shipper.gauges(),
  });
  void spill.init().then(() => {
    shipper.start();
    // messages sent before this listener existed were queued by the port
    port.on('message', (m: any) => {
      if (m.type === 'frames') {
        // one transferred buffer of capture frames per message: the records are built here, off the proxy's event loop
        const data = Buffer.from(m.buffer as ArrayBuffer, 0, m.length as number);
        const { records, bytes } = buildRecords(data, cfg, counters, writer);
        // write-ahead: on disk (the kernel's page cache) before anything else can happen to them
        spill.journalAppend(records, bytes);
        for (const r of records) shipper.enqueueRecord(r);
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

/**
 * Builds the record of every frame in `data`: the JSON lines back to back in
 * one buffer (`bytes`, written to the journal with one write()) and one view
 * into it per record. A frame whose record cannot be built is logged and
 * counted as dropped (so delivered + dropped still adds up to captured).
 */
export function buildRecords(
  data: Buffer, cfg: SidecarConfig, counters: Counters, writer = new RecordWriter(cfg, cfg.maxRecordBytes),
): { records: Buffer[]; bytes: Buffer } {
  return writer.build(data, (inferenceId, err) => {
    counters.dropped++;
    log('error', 'could not build capture record; dropped', { inferenceId, error: String(err) });
  });
}

/** `buildRecords`, handing each record to `enqueue`. */
export function ingestFrames(data: Buffer, cfg: SidecarConfig, counters: Counters, enqueue: (record: Buffer) => void): void {
  for (const r of buildRecords(data, cfg, counters).records) enqueue(r);
}

/** Stats of a shipper that has shipped nothing (also what the proxy reports when shipping is off). */
export const EMPTY_STATS: ShipperStats = {
  counters: { delivered: 0, retried: 0, spilled: 0, replayed: 0, dropped: 0, putFailures: 0 },
  gauges: { queueRecords: 0, queueBytes: 0, spillBytes: 0, inFlightBatches: 0 },
};

/** How long records wait in the main thread before they are posted to the worker (one message per batch). */
const POST_INTERVAL_MS = 50;
const PENDING_INITIAL_BYTES = 64 * 1024;

/** The main thread's handle on the worker: a RecordSink that posts records in batches every 50 ms. */
export class ShipperClient implements RecordSink {
  private worker!: Worker;
  /** Capture frames not yet posted (not from the shared pool: its ArrayBuffer is transferred). */
  private pending = Buffer.allocUnsafeSlow(PENDING_INITIAL_BYTES);
  private used = 0;
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

  private readonly flushNow = () => this.flush();

  public capture(inferenceId: string, startedAt: number, latencyMs: number, status: number, req: BodyTap, res: BodyTap): void {
    const need = frameBytes(inferenceId, req, res);
    if (this.used + need > this.pending.length) this.grow(need);
    this.used = writeFrame(this.pending, this.used, inferenceId, startedAt, latencyMs, status, req, res);
    this.counters.captured++;
    if (!this.timer) this.timer = setTimeout(this.flushNow, POST_INTERVAL_MS);
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.pending.length * 2, this.used + need));
    this.pending.copy(next, 0, 0, this.used);
    this.pending = next;
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
    if (this.used === 0) return;
    const data = this.pending;
    const length = this.used;
    // the next buffer is sized like this one was (no repeated growing under steady load), up to 1 MiB
    this.pending = Buffer.allocUnsafeSlow(Math.min(Math.max(PENDING_INITIAL_BYTES, data.length), 1024 * 1024));
    this.used = 0;
    this.worker.postMessage({ type: 'frames', buffer: data.buffer, length }, [data.buffer]);
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
      // the records it held are counted as dropped, as of its last stats (frames posted since then are not known)
      const lost = this.last.gauges.queueRecords;
      log('error', 'capture shipping worker exited; restarting it', { exitCode: code, lostQueueRecords: lost });
      const carried = this.combine(this.last);
      carried.counters.dropped += lost;
      this.carried = carried;
      this.last = EMPTY_STATS;
      this.spawn();
    });
  }
}
