/**
 * File readers for the drift engine (Node only: fs, zlib). Streaming: memory does not grow
 * with the file. CSV with a header, or JSON Lines capture records whose features are read
 * from `request` (see featuresFromCaptureRecord); either may be gzip-compressed (detected by
 * the gzip magic bytes, whatever the file name).
 *
 * A file that cannot be read as a whole is a {@link SampleReadError}: not found, a
 * directory, a corrupt gzip stream, binary content, a CSV header naming a column twice, a
 * CSV quote left open up to the end of the file. A bad record inside a readable file is
 * counted and skipped (malformed), with its physical line number.
 */
import * as fs from 'fs';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'zlib';
import { featuresFromCaptureRecord, parseJsonPath } from './capture';
import { CsvParser, LineSplitter } from './csv';
import { INVALID_UTF8_MARK, Utf8Decoder } from './utf8';

/** A file that cannot be read as samples (the message names the file and says why). */
export class SampleReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleReadError';
  }
}

/** Supported file formats. */
export type SampleFormat = 'csv' | 'jsonl';

/** What a reader saw. */
export interface ReadSummary {
  readonly format: SampleFormat;
  /** Well-formed rows passed to `onRow`. */
  readonly rows: number;
  /** Rows that could not be read (bad JSON, no features at the path, wrong field count). */
  readonly malformed: number;
  /** CSV header, or the union of feature names seen in JSON Lines (first-seen order, up to 10,000). */
  readonly columns: string[];
  /** First few malformed-row explanations ("line 12: …", physical lines of the (decompressed) file). */
  readonly malformedExamples: string[];
  /** Whether the file was gzip-compressed (and decompressed while reading). */
  readonly gzip: boolean;
  /** Invalid UTF-8 sequences seen (the records holding them are counted as malformed). */
  readonly invalidUtf8: number;
}

/** Options of {@link readSamples}. */
export interface ReadOptions {
  /**
   * Format; default: by extension (.csv → csv; .jsonl/.ndjson/.json → jsonl; a trailing .gz
   * ignored), else by the first non-blank character of the (decompressed) content ('{' → jsonl).
   */
  readonly format?: SampleFormat;
  /** JSON Lines only: where the features are (see featuresFromCaptureRecord). */
  readonly jsonPath?: string;
  /** Bytes per read; default 1 MiB. */
  readonly chunkSize?: number;
  /** Track feature names seen (JSON Lines); default true. */
  readonly trackColumns?: boolean;
}

/** The format a file name implies (a trailing `.gz` ignored), or undefined. */
export function formatOfName(file: string): SampleFormat | undefined {
  const lower = file.toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  return undefined;
}

/** The format of content by its first non-blank character ('{' → jsonl, else csv). */
export function formatOfContent(head: string): SampleFormat {
  return head.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** Whether the bytes start with the gzip magic number (1f 8b, RFC 1952 section 2.3.1). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The first bytes of a file. */
function readHead(file: string, bytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The format of a file: by its name, else by its first non-blank character (of the
 * decompressed content when it is gzip-compressed).
 */
export function detectFormat(file: string): SampleFormat {
  const byName = formatOfName(file);
  if (byName) return byName;
  let head = readHead(file, 4096);
  if (isGzip(head)) {
    try {
      head = gunzipSync(fs.readFileSync(file), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, 4096);
    } catch {
      return 'csv';
    }
  }
  return formatOfContent(head.toString('utf8'));
}

const MAX_EXAMPLES = 5;
const MAX_COLUMNS = 10000;
/** Bytes of (decompressed) content inspected before any record is read. */
export const SNIFF_BYTES = 64 * 1024;
/** Invalid UTF-8 sequences in the first SNIFF_BYTES over which a file is binary (with at least BINARY_MIN_INVALID of them). */
export const BINARY_INVALID_SHARE = 0.1;
const BINARY_MIN_INVALID = 8;

/**
 * Why the first bytes of a file are not text, or undefined when they are: a NUL byte (as
 * git and grep decide), or more than 10 % of the bytes in invalid UTF-8 sequences (at least
 * 8 of them; fewer are counted per record as malformed).
 */
export function binaryReason(head: Uint8Array): string | undefined {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return 'it is UTF-16 text (byte-order mark); convert it to UTF-8';
  }
  const nul = head.indexOf(0);
  if (nul >= 0) return `it is binary (a NUL byte at offset ${nul})`;
  const d = new Utf8Decoder();
  d.write(head);
  if (d.invalidSequences >= BINARY_MIN_INVALID && d.invalidSequences > BINARY_INVALID_SHARE * head.length) {
    return `it is binary or not UTF-8 (${d.invalidSequences} invalid UTF-8 sequences in the first ${head.length} bytes)`;
  }
  return undefined;
}

/**
 * Streams the rows of a CSV or JSON Lines file (optionally gzip-compressed) to `onRow`.
 * Rejects with a {@link SampleReadError} when the file cannot be read as samples (see the
 * module comment); malformed records are counted, never thrown.
 */
export async function readSamples(
  file: string,
  onRow: (row: Record<string, unknown>) => void,
  opts: ReadOptions = {},
): Promise<ReadSummary> {
  const fail = (why: string): never => { throw new SampleReadError(`cannot read ${file}: ${why}`); };
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) fail('is a directory');
  } catch (e) {
    if (e instanceof SampleReadError) throw e;
    fail((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  const jsonPath = opts.jsonPath;
  if (jsonPath !== undefined) {
    try {
      parseJsonPath(jsonPath);
    } catch (e) {
      throw new SampleReadError((e as Error).message);
    }
  }
  let gzip: boolean;
  try {
    gzip = isGzip(readHead(file, 2));
  } catch (e) {
    return fail((e as Error).message);
  }

  const raw = fs.createReadStream(file, { highWaterMark: opts.chunkSize ?? 1 << 20 });
  let source: AsyncIterable<Buffer> = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: Math.max(64, Math.min(opts.chunkSize ?? 1 << 16, 1 << 20)) });
    raw.on('error', (e) => gunzip.destroy(e));
    source = raw.pipe(gunzip);
  }

  let format: SampleFormat | undefined = opts.format ?? formatOfName(file);
  let rows = 0;
  let malformed = 0;
  const examples: string[] = [];
  const bad = (line: number, why: string) => {
    malformed++;
    if (examples.length < MAX_EXAMPLES) examples.push(`line ${line}: ${why}`);
  };
  const decoder = new Utf8Decoder();
  let csv: CsvParser | undefined;
  let lines: LineSplitter | undefined;
  const seen = new Set<string>();
  const track = opts.trackColumns ?? true;
  let checkedHeader = false;
  let unterminated: string | undefined;
  let totalBytes = 0;

  const start = (head: string): void => {
    format ??= formatOfContent(head);
    if (format === 'csv') {
      csv = new CsvParser((row) => {
        rows++;
        onRow(row);
      }, (why, line) => {
        if (why.startsWith('unterminated quoted field')) unterminated = `line ${line}: ${why}`;
        bad(line, why);
      });
    } else {
      lines = new LineSplitter((text, line) => {
        if (decoder.invalidSequences > 0 && text.indexOf(INVALID_UTF8_MARK) >= 0) {
          bad(line, 'invalid UTF-8');
          return;
        }
        let rec: unknown;
        try {
          rec = JSON.parse(text);
        } catch {
          bad(line, 'not valid JSON');
          return;
        }
        const features = featuresFromCaptureRecord(rec, jsonPath);
        if (!features) {
          bad(line, jsonPath ? `no feature object at ${jsonPath}` : 'no feature object in "request"');
          return;
        }
        if (track && seen.size < MAX_COLUMNS) for (const k in features) seen.add(k);
        rows++;
        onRow(features);
      });
    }
  };
  const feed = (text: string): void => {
    if (text.length === 0) return;
    if (csv) {
      csv.write(text);
      if (!checkedHeader && csv.columns) {
        checkedHeader = true;
        const dup = csv.duplicateColumns;
        if (dup.length > 0) fail(`the CSV header names column(s) ${dup.map((d) => `"${d}"`).join(', ')} more than once (line 1)`);
        if (csv.columns.some((c) => c.indexOf(INVALID_UTF8_MARK) >= 0)) fail('the CSV header is not valid UTF-8 (line 1)');
      }
    } else {
      lines!.write(text);
    }
  };

  // The first SNIFF_BYTES are inspected (binary? format?) before any record is parsed.
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let started = false;
  let first = true;
  const begin = (): void => {
    const head = Buffer.concat(pending);
    pending.length = 0;
    const why = binaryReason(head.subarray(0, SNIFF_BYTES));
    if (why) fail(why + (gzip ? ' (after gunzip)' : ''));
    let text = decoder.write(head);
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    start(text);
    started = true;
    feed(text);
  };
  try {
    for await (const chunk of source) {
      totalBytes += (chunk as Buffer).length;
      if (started) {
        feed(decoder.write(chunk as Buffer));
        continue;
      }
      pending.push(chunk as Buffer);
      pendingBytes += (chunk as Buffer).length;
      if (pendingBytes >= SNIFF_BYTES) begin();
    }
  } catch (e) {
    if (e instanceof SampleReadError) throw e;
    const err = e as NodeJS.ErrnoException;
    fail(gzip && /^Z_|incorrect header|invalid|unexpected end/i.test(`${err.code ?? ''} ${err.message}`)
      ? `the gzip stream is corrupt or truncated (${err.message})` : err.message);
  } finally {
    raw.destroy();
  }
  if (!started) begin();
  feed(decoder.end());
  let columns: string[];
  if (csv) {
    csv.end();
    columns = csv.columns ?? [];
    if (csv.unterminatedHeader !== undefined) fail(`the CSV header has a quote that opens on line ${csv.unterminatedHeader} and never closes`);
    if (!checkedHeader && csv.columns) {
      const dup = csv.duplicateColumns;
      if (dup.length > 0) fail(`the CSV header names column(s) ${dup.map((d) => `"${d}"`).join(', ')} more than once (line 1)`);
    }
    if (unterminated) fail(`${unterminated}: everything after it was read as one field; close the quote or escape it as ""`);
  } else {
    lines!.end();
    columns = [...seen];
  }
  const invalid = decoder.invalidSequences;
  if (invalid >= BINARY_MIN_INVALID && invalid > BINARY_INVALID_SHARE * totalBytes) {
    fail(`it is binary or not UTF-8 (${invalid} invalid UTF-8 sequences in ${totalBytes} bytes)`);
  }
  return { format: format!, rows, malformed, columns, malformedExamples: examples, gzip, invalidUtf8: decoder.invalidSequences };
}
