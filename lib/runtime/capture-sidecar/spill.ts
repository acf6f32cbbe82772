/**
 * The spill directory (the pod's emptyDir): where capture records go when the
 * in-memory queue is full during a sustained Firehose outage, and where they
 * are replayed from once Firehose recovers. Files are JSON Lines, written to a
 * temporary name and renamed, so a file is either complete or absent.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorText, log } from './log';
import { inferenceIdOf } from './record';
import { Counters } from './metrics';

const SUFFIX = '.jsonl';
const FILE_BYTES = 1024 * 1024;

export class SpillStore {
  /** Bytes on disk plus bytes waiting to be written. */
  private used = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private usable = false;

  /**
   * @param maxFileRecords at most this many records per file (half the queue, so a replayed file fits)
   */
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly maxFileRecords: number,
    private readonly counters: Counters,
  ) {}

  /** Creates the directory and counts what an earlier run left there (replayed later). */
  public async init(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
      for (const name of await fs.readdir(this.dir)) {
        const file = path.join(this.dir, name);
        if (name.endsWith('.tmp')) {
          await fs.rm(file, { force: true });
        } else if (name.endsWith(SUFFIX)) {
          this.used += (await fs.stat(file)).size;
        }
      }
      this.usable = true;
      if (this.used > 0) log('info', 'spill directory holds records from an earlier run; replaying them', { spillDir: this.dir, bytes: this.used });
    } catch (err) {
      log('error', 'spill directory unusable; records that do not fit in memory will be dropped', { spillDir: this.dir, error: errorText(err) });
    }
  }

  public get bytes(): number {
    return this.used;
  }

  public hasData(): boolean {
    return this.used > 0;
  }

  /** Diverts records to disk; a record that does not fit in SPILL_MAX_BYTES is dropped (counted and logged). */
  public add(records: Buffer[]): void {
    for (const r of records) {
      if (!this.usable || this.used + r.length > this.maxBytes) {
        this.drop(r, this.usable ? 'spill directory full' : 'spill directory unusable');
        continue;
      }
      this.pending.push(r);
      this.pendingBytes += r.length;
      this.used += r.length;
      this.counters.spilled++;
      if (this.pendingBytes >= FILE_BYTES || this.pending.length >= this.maxFileRecords) this.writeOut();
    }
    if (this.pending.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.writeOut();
      }, 100);
    }
  }

  /** Writes whatever is pending and waits for every write. */
  public async flush(): Promise<void> {
    this.writeOut();
    await this.chain;
  }

  /**
   * Removes the oldest spill file and returns its records (they go back to the
   * in-memory queue; SIGTERM spills them again if they cannot be delivered).
   */
  public async take(): Promise<Buffer[] | undefined> {
    await this.flush();
    let names: string[];
    try {
      names = (await fs.readdir(this.dir)).filter((n) => n.endsWith(SUFFIX)).sort();
    } catch (err) {
      log('error', 'cannot list spill directory', { spillDir: this.dir, error: errorText(err) });
      return undefined;
    }
    if (names.length === 0) {
      this.used = this.pendingBytes; // nothing on disk
      return undefined;
    }
    const file = path.join(this.dir, names[0]);
    const data = await fs.readFile(file);
    await fs.rm(file, { force: true });
    this.used = Math.max(0, this.used - data.length);
    const records: Buffer[] = [];
    let start = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
      if (i > start) records.push(Buffer.from(data.subarray(start, i + 1)));
      start = i + 1;
    }
    this.counters.replayed += records.length;
    return records;
  }

  private writeOut(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const records = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${String(this.seq++).padStart(9, '0')}`;
    const tmp = path.join(this.dir, name + '.tmp');
    const file = path.join(this.dir, name + SUFFIX);
    this.chain = this.chain.then(async () => {
      try {
        await fs.writeFile(tmp, Buffer.concat(records, bytes));
        await fs.rename(tmp, file);
      } catch (err) {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        this.used -= bytes;
        this.counters.spilled -= records.length;
        log('error', 'spill write failed', { spillDir: this.dir, error: errorText(err) });
        for (const r of records) this.drop(r, 'spill write failed');
      }
    });
  }

  private drop(record: Buffer, reason: string): void {
    this.counters.dropped++;
    log('error', 'capture record dropped', { reason, inferenceId: inferenceIdOf(record), bytes: record.length, dropped: this.counters.dropped });
  }
}
