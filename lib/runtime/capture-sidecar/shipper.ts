/**
 * The bounded in-memory queue between the proxy and Firehose: batching
 * (<= 500 records, <= 4 MB per PutRecordBatch), retries of failed records with
 * exponential backoff and full jitter, spilling to disk when the queue is full,
 * replay once Firehose recovers, and the flush on shutdown.
 */
import { FIREHOSE_MAX_BATCH_BYTES, SidecarConfig } from './config';
import { BatchSender } from './firehose';
import { errorText, log } from './log';
import { Counters, Gauges } from './metrics';
import { SpillStore } from './spill';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Shipper {
  private queue: Buffer[] = [];
  private queueBytes = 0;
  private readonly inFlight = new Set<AbortController>();
  /** Consecutive failed (or partly failed) calls. */
  private streak = 0;
  private nextAttemptAt = 0;
  private retryTimer?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;
  /** Send what is queued even if it is less than a full batch. */
  private flushDue = false;
  private replaying = false;
  private stopping = false;
  private stopped = false;

  constructor(
    private readonly cfg: SidecarConfig,
    private readonly sender: BatchSender | undefined,
    private readonly spill: SpillStore,
    private readonly counters: Counters,
  ) {}

  public start(): void {
    this.tick = setInterval(() => {
      this.flushDue = true;
      // a journal segment lives at most one flush interval before it can be deleted
      this.spill.rotate();
      this.kick();
      this.maybeReplay();
    }, this.cfg.flushIntervalMs);
    this.tick.unref();
    this.maybeReplay();
  }

  public gauges(): Gauges {
    return {
      queueRecords: this.queue.length,
      queueBytes: this.queueBytes,
      spillBytes: this.spill.bytes,
      inFlightBatches: this.inFlight.size,
    };
  }

  /** Queues one serialized record (a JSON line, as bytes). */
  public enqueueRecord(record: Buffer): void {
    if (this.stopped) {
      this.spill.add([record]);
      return;
    }
    if (this.queue.length >= this.cfg.queueMaxRecords || this.queueBytes + record.length > this.cfg.queueMaxBytes) {
      this.spill.add([record]);
      return;
    }
    this.queue.push(record);
    this.queueBytes += record.length;
    if (this.queue.length >= this.cfg.batchRecords || this.queueBytes >= FIREHOSE_MAX_BATCH_BYTES) this.kick();
  }

  /**
   * Flushes everything (queue, in-flight calls, spilled records) within `graceMs`;
   * what cannot be delivered in time is written to the spill directory.
   */
  public async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    this.flushDue = true;
    if (this.tick) clearInterval(this.tick);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      const idle = this.queue.length === 0 && this.inFlight.size === 0 && !this.replaying;
      if (idle && (!this.spill.hasData() || this.streak > 0 || !this.sender)) break;
      this.kick();
      this.maybeReplay();
      await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    }
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const ac of this.inFlight) ac.abort();
    while (this.inFlight.size > 0 || this.replaying) await sleep(5);
    if (this.queue.length > 0) {
      const rest = this.queue;
      this.queue = [];
      this.queueBytes = 0;
      log('warn', 'shutdown grace period over; spilling undelivered records', { records: rest.length });
      this.spill.add(rest);
    }
    await this.spill.close();
  }

  private kick(): void {
    if (this.stopped || !this.sender) return;
    while (this.queue.length > 0 && this.inFlight.size < (this.streak > 0 ? 1 : this.cfg.maxInFlightBatches)) {
      const now = Date.now();
      if (now < this.nextAttemptAt) {
        this.scheduleRetry(this.nextAttemptAt - now);
        return;
      }
      const full = this.queue.length >= this.cfg.batchRecords || this.queueBytes >= FIREHOSE_MAX_BATCH_BYTES;
      if (!full && !this.flushDue && !this.stopping) return;
      void this.send(this.takeBatch());
    }
    if (this.queue.length === 0) this.flushDue = false;
  }

  private takeBatch(): Buffer[] {
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.cfg.batchRecords && bytes + this.queue[n].length <= FIREHOSE_MAX_BATCH_BYTES) {
      bytes += this.queue[n].length;
      n++;
    }
    const batch = this.queue.splice(0, Math.max(1, n));
    this.queueBytes -= bytes;
    return batch;
  }

  /**
   * One PutRecordBatch call with a deadline: the request handler's own
   * timeouts throw (see firehose.ts), and at FIREHOSE_TIMEOUT_MS the call is
   * aborted and given up on whatever the SDK does, so a hung call is retried
   * (or spilled) and never stalls shipping.
   */
  private async send(batch: Buffer[]): Promise<void> {
    const ac = new AbortController();
    this.inFlight.add(ac);
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = Object.assign(new Error(`PutRecordBatch not answered within FIREHOSE_TIMEOUT_MS (${this.cfg.firehoseTimeoutMs} ms); aborted`), { name: 'TimeoutError' });
          ac.abort(err);
          reject(err);
        }, this.cfg.firehoseTimeoutMs);
      });
      const result = await Promise.race([this.sender!.send(batch, ac.signal), deadline]);
      if (result.failed.length === 0) {
        this.counters.delivered += batch.length;
        this.spill.resolve(batch);
        this.onSuccess();
      } else {
        this.counters.delivered += batch.length - result.failed.length;
        this.counters.retried += result.failed.length;
        const failed = new Set(result.failed);
        this.spill.resolve(batch.filter((_, i) => !failed.has(i)));
        this.requeue(result.failed.map((i) => batch[i]));
        this.onFailure(`${result.failed.length} of ${batch.length} records failed (${result.errorCodes.join(', ')})`);
      }
    } catch (err) {
      this.counters.putFailures++;
      this.counters.retried += batch.length;
      this.requeue(batch);
      this.onFailure(errorText(err));
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(ac);
      this.kick();
      this.maybeReplay();
    }
  }

  /** Puts records back at the front; whatever then exceeds the queue limits spills to disk. */
  private requeue(records: Buffer[]): void {
    for (const r of records) this.queueBytes += r.length;
    this.queue = records.concat(this.queue);
    this.flushDue = true;
    if (this.stopped) return;
    let n = this.queue.length;
    let bytes = this.queueBytes;
    while (n > 0 && (n > this.cfg.queueMaxRecords || bytes > this.cfg.queueMaxBytes)) {
      n--;
      bytes -= this.queue[n].length;
    }
    if (n < this.queue.length) {
      const overflow = this.queue.splice(n);
      this.queueBytes = bytes;
      this.spill.add(overflow);
    }
  }

  private onSuccess(): void {
    if (this.streak > 0) log('info', 'Firehose recovered', { failedCalls: this.streak });
    this.streak = 0;
    this.nextAttemptAt = 0;
  }

  private onFailure(reason: string): void {
    this.streak++;
    const cap = this.stopping ? Math.min(this.cfg.retryMaxMs, 1000) : this.cfg.retryMaxMs;
    const ceiling = Math.min(cap, this.cfg.retryBaseMs * 2 ** Math.min(this.streak - 1, 30));
    const delay = Math.random() * ceiling; // full jitter
    this.nextAttemptAt = Math.max(this.nextAttemptAt, Date.now() + delay);
    // log the first failure and then every power of two, not every retry
    if ((this.streak & (this.streak - 1)) === 0) {
      log('warn', 'PutRecordBatch failed; retrying with backoff', { reason, consecutiveFailures: this.streak, queueRecords: this.queue.length, spillBytes: this.spill.bytes });
    }
    this.scheduleRetry(delay);
  }

  private scheduleRetry(delay: number): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
      this.maybeReplay();
    }, Math.max(1, Math.ceil(delay)));
  }

  /** Reads one spill file back into the queue when Firehose is healthy and the queue has room. */
  private maybeReplay(): void {
    if (this.replaying || this.stopped || !this.sender || this.streak > 0 || !this.spill.hasData()) return;
    if (this.queue.length > this.cfg.queueMaxRecords / 2 || this.queueBytes > this.cfg.queueMaxBytes / 2) return;
    this.replaying = true;
    this.spill.take().then((records) => {
      if (records && records.length > 0) {
        if (this.stopped) {
          this.spill.add(records);
          return;
        }
        this.requeue(records);
      }
    }).catch((err) => {
      log('error', 'spill replay failed', { error: errorText(err) });
    }).finally(() => {
      this.replaying = false;
      this.kick();
    });
  }
}
