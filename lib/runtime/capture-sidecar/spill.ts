/**
 * The spill directory (the pod's emptyDir) holds two kinds of files, sharing
 * the SPILL_MAX_BYTES budget:
 *
 * - the write-ahead journal (`*.wal`): every record the shipping worker
 *   receives is appended, in one write() per batch of frames (every 50 ms), to
 *   the current journal segment before it is queued. A segment is closed after
 *   1 MiB or one flush interval and deleted once every record in it is
 *   resolved (acknowledged by Firehose, durably spilled, or dropped and
 *   counted). The kernel keeps written pages when the process is killed, so a
 *   SIGKILL or an OOM kill loses only records not yet written (see
 *   docs/capture.md); a new process replays the segments it finds.
 * - spill files (`*.jsonl`): records that do not fit in the in-memory queue
 *   during a sustained Firehose outage, written to a temporary name and
 *   renamed, so a file is either complete or absent. A spill file is replayed
 *   once Firehose recovers and deleted only when all its records are resolved.
 *
 * Both are JSON Lines. Replaying a journal segment may send records Firehose
 * had already acknowledged: delivery is at least once (readers de-duplicate on
 * inferenceId).
 */
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorText, log } from './log';
import { Counters } from './metrics';
import { inferenceIdOf } from './record';

const SUFFIX = '.jsonl';
const JOURNAL_SUFFIX = '.wal';
const FILE_BYTES = 1024 * 1024;
/** A journal segment is closed (and can be deleted once resolved) at this size. */
const SEGMENT_BYTES = 1024 * 1024;

/** A file whose records are (partly) in memory: deleted when the last one is resolved. */
interface Segment {
  readonly file: string;
  readonly name: string;
  /** Records of this file not yet resolved. */
  pending: number;
  /** Bytes of the file (counted in `used`). */
  bytes: number;
  /** The current journal segment (still appended to). */
  open: boolean;
}

/**
 * Which file an in-memory record is stored in (journal segment or replayed
 * spill file): a property of the record's Buffer, so it lives exactly as long
 * as the record (a WeakMap did the same at the cost of an ephemeron per
 * record for the garbage collector).
 */
const OWNER = Symbol('captureSegment');
type Owned = Buffer & { [OWNER]?: Segment };

export class SpillStore {
  /** Bytes on disk (journal and spill files) plus bytes waiting to be written. */
  private used = 0;
  /** Bytes of spill files not yet replayed, plus pending spill writes. */
  private queuedSpill = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private usable = false;
  /** Spill files read back and not yet resolved (not to be read twice). */
  private readonly taken = new Set<string>();
  private journal?: { seg: Segment; fd: number };
  private journalWarned = false;

  /**
   * @param maxFileRecords at most this many records per file (half the queue, so a replayed file fits)
   * @param journalEnabled append every record to the write-ahead journal
   */
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly maxFileRecords: number,
    private readonly counters: Counters,
    private readonly journalEnabled = true,
  ) {}

  /**
   * Creates the directory and counts what an earlier run left there: spill
   * files, and journal segments (renamed to spill files, so they are replayed
   * like them).
   */
  public async init(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
      let recovered = 0;
      for (const name of (await fs.readdir(this.dir)).sort()) {
        const file = path.join(this.dir, name);
        if (name.endsWith('.tmp')) {
          await fs.rm(file, { force: true });
          continue;
        }
        let spillName = name;
        if (name.endsWith(JOURNAL_SUFFIX)) {
          const size = (await fs.stat(file)).size;
          if (size === 0) {
            await fs.rm(file, { force: true });
            continue;
          }
          spillName = name.slice(0, -JOURNAL_SUFFIX.length) + SUFFIX;
          await fs.rename(file, path.join(this.dir, spillName));
          recovered += size;
        }
        if (spillName.endsWith(SUFFIX)) {
          const size = (await fs.stat(path.join(this.dir, spillName))).size;
          this.used += size;
          this.queuedSpill += size;
        }
      }
      this.usable = true;
      if (this.used > 0) {
        log('info', 'spill directory holds records from an earlier run; replaying them', { spillDir: this.dir, bytes: this.used, journalBytes: recovered });
      }
    } catch (err) {
      log('error', 'spill directory unusable; records that do not fit in memory will be dropped', { spillDir: this.dir, error: errorText(err) });
    }
  }

  /** Bytes in the spill directory (journal and spill files). */
  public get bytes(): number {
    return this.used;
  }

  /** True when spill files wait to be replayed. */
  public hasData(): boolean {
    return this.queuedSpill > 0;
  }

  /**
   * Appends records to the journal with one write() (`data` is the records
   * back to back; each record is a view into it). Called before the records
   * are queued. When the budget is exhausted or the write fails, the records
   * are kept in memory only (logged once).
   */
  public journalAppend(records: Buffer[], data: Buffer): void {
    if (!this.journalEnabled || !this.usable || records.length === 0) return;
    if (this.used + data.length > this.maxBytes) {
      this.journalWarning('spill budget exhausted');
      return;
    }
    try {
      if (!this.journal) {
        const name = `${this.nextName()}${JOURNAL_SUFFIX}`;
        const file = path.join(this.dir, name);
        const fd = fsSync.openSync(file, 'w');
        this.journal = { seg: { file, name, pending: 0, bytes: 0, open: true }, fd };
      }
      const { seg, fd } = this.journal;
      let off = 0;
      while (off < data.length) off += fsSync.writeSync(fd, data, off, data.length - off);
      seg.bytes += data.length;
      this.used += data.length;
      seg.pending += records.length;
      for (const r of records) (r as Owned)[OWNER] = seg;
      this.journalWarned = false;
      if (seg.bytes >= SEGMENT_BYTES) this.rotate();
    } catch (err) {
      this.journalWarning(errorText(err));
      this.rotate();
    }
  }

  /** Closes the current journal segment (deleted as soon as all its records are resolved). */
  public rotate(): void {
    const j = this.journal;
    if (!j) return;
    this.journal = undefined;
    try {
      fsSync.closeSync(j.fd);
    } catch {
      // already closed
    }
    j.seg.open = false;
    if (j.seg.pending <= 0) this.release(j.seg);
  }

  /**
   * These records no longer need the file they came from: Firehose
   * acknowledged them, they were written to a spill file, or they were dropped.
   */
  public resolve(records: Buffer[]): void {
    for (const r of records) {
      const seg = (r as Owned)[OWNER];
      if (!seg) continue;
      (r as Owned)[OWNER] = undefined;
      if (--seg.pending <= 0 && !seg.open) this.release(seg);
    }
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
      this.queuedSpill += r.length;
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

  /** Flushes spill writes and closes the journal (its segment stays only if records in it are unresolved). */
  public async close(): Promise<void> {
    await this.flush();
    this.rotate();
    await this.chain; // the deletion of a resolved segment
  }

  /**
   * Reads the oldest spill file not yet read back and returns its records
   * (they go back to the in-memory queue). The file is deleted once every
   * record in it is resolved, so a crash before that replays it again.
   */
  public async take(): Promise<Buffer[] | undefined> {
    await this.flush();
    let names: string[];
    try {
      names = (await fs.readdir(this.dir)).filter((n) => n.endsWith(SUFFIX) && !this.taken.has(n)).sort();
    } catch (err) {
      log('error', 'cannot list spill directory', { spillDir: this.dir, error: errorText(err) });
      return undefined;
    }
    if (names.length === 0) {
      this.queuedSpill = this.pendingBytes; // nothing left to read back
      return undefined;
    }
    const name = names[0];
    const file = path.join(this.dir, name);
    const data = await fs.readFile(file);
    this.queuedSpill = Math.max(0, this.queuedSpill - data.length);
    const records: Buffer[] = [];
    let start = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
      if (i > start) records.push(data.subarray(start, i + 1));
      start = i + 1;
    }
    if (start < data.length) {
      // the end of a journal segment the process was killed while writing
      log('warn', 'incomplete last record in a replayed file; skipped', { file: name, bytes: data.length - start });
    }
    const seg: Segment = { file, name, pending: records.length, bytes: data.length, open: false };
    this.taken.add(name);
    for (const r of records) (r as Owned)[OWNER] = seg;
    if (records.length === 0) this.release(seg);
    this.counters.replayed += records.length;
    return records;
  }

  private journalWarning(reason: string): void {
    if (this.journalWarned) return;
    this.journalWarned = true;
    log('warn', 'capture records not journaled (kept in memory only until delivered or spilled)', { spillDir: this.dir, reason });
  }

  /** Deletes a file whose records are all resolved. */
  private release(seg: Segment): void {
    this.used = Math.max(0, this.used - seg.bytes);
    seg.bytes = 0;
    // stays in `taken` until it is gone, so take() never reads it again
    // unlink, not fs.rm: rm's recursive machinery (lstat first) showed up in the profile
    this.chain = this.chain.then(() => fs.unlink(seg.file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return;
      log('error', 'cannot delete a delivered spill or journal file', { file: seg.file, error: errorText(err) });
    }).then(() => {
      this.taken.delete(seg.name);
    });
  }

  private nextName(): string {
    return `${String(Date.now()).padStart(15, '0')}-${process.pid}-${String(this.seq++).padStart(9, '0')}`;
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
    const name = this.nextName();
    const tmp = path.join(this.dir, name + '.tmp');
    const file = path.join(this.dir, name + SUFFIX);
    this.chain = this.chain.then(async () => {
      try {
        await fs.writeFile(tmp, Buffer.concat(records, bytes));
        await fs.rename(tmp, file);
        // durable in the spill file: the journal segment (or older spill file) they came from is no longer needed
        this.resolve(records);
      } catch (err) {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        this.used -= bytes;
        this.queuedSpill = Math.max(0, this.queuedSpill - bytes);
        this.counters.spilled -= records.length;
        log('error', 'spill write failed', { spillDir: this.dir, error: errorText(err) });
        for (const r of records) this.drop(r, 'spill write failed');
      }
    });
  }

  private drop(record: Buffer, reason: string): void {
    this.counters.dropped++;
    log('error', 'capture record dropped', { reason, inferenceId: inferenceIdOf(record), bytes: record.length, dropped: this.counters.dropped });
    this.resolve([record]);
  }
}
