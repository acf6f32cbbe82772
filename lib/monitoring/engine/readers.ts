/**
 * File readers for the drift engine (Node only: fs). Streaming: memory does not grow with
 * the file. CSV with a header, or JSON Lines capture records whose features are read from
 * `request` (see featuresFromCaptureRecord).
 */
import * as fs from 'fs';
import { StringDecoder } from 'string_decoder';
import { featuresFromCaptureRecord } from './capture';
import { CsvParser, LineSplitter } from './csv';

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
  /** First few malformed-row explanations ("line 12: …"). */
  readonly malformedExamples: string[];
}

/** Options of {@link readSamples}. */
export interface ReadOptions {
  /** Format; default: by extension (.csv → csv; .jsonl/.ndjson/.json → jsonl), else by the first character. */
  readonly format?: SampleFormat;
  /** JSON Lines only: where the features are (see featuresFromCaptureRecord). */
  readonly jsonPath?: string;
  /** Bytes per read; default 1 MiB. */
  readonly chunkSize?: number;
  /** Track feature names seen (JSON Lines); default true. */
  readonly trackColumns?: boolean;
}

/** The format of a file by its extension, else by its first non-blank character ('{' → jsonl). */
export function detectFormat(file: string): SampleFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return head.startsWith('{') ? 'jsonl' : 'csv';
  } finally {
    fs.closeSync(fd);
  }
}

const MAX_EXAMPLES = 5;
const MAX_COLUMNS = 10000;

/**
 * Streams the rows of a CSV or JSON Lines file to `onRow`. Throws (rejects) with a clear
 * message when the file cannot be opened or read.
 */
export async function readSamples(
  file: string,
  onRow: (row: Record<string, unknown>) => void,
  opts: ReadOptions = {},
): Promise<ReadSummary> {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new Error('is a directory');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const format = opts.format ?? detectFormat(file);
  let rows = 0;
  let malformed = 0;
  let line = 0;
  const examples: string[] = [];
  const bad = (why: string) => {
    malformed++;
    if (examples.length < MAX_EXAMPLES) examples.push(`${format === 'csv' ? 'record' : 'line'} ${line}: ${why}`);
  };
  let columns: string[] = [];
  let sink: { write(s: string): void; end(): void };
  if (format === 'csv') {
    const csv = new CsvParser((row) => {
      line++;
      rows++;
      onRow(row);
    }, (why) => {
      line++;
      bad(why);
    });
    sink = {
      write: (s) => csv.write(s),
      end: () => {
        csv.end();
        columns = csv.columns ?? [];
      },
    };
  } else {
    const seen = new Set<string>();
    const track = opts.trackColumns ?? true;
    const jsonPath = opts.jsonPath;
    sink = new LineSplitter((text) => {
      line++;
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch {
        bad('not valid JSON');
        return;
      }
      const features = featuresFromCaptureRecord(rec, jsonPath);
      if (!features) {
        bad(jsonPath ? `no feature object at ${jsonPath}` : 'no feature object in "request"');
        return;
      }
      if (track && seen.size < MAX_COLUMNS) for (const k in features) seen.add(k);
      rows++;
      onRow(features);
    });
    const end = sink.end.bind(sink);
    sink.end = () => {
      end();
      columns = [...seen];
    };
  }
  const decoder = new StringDecoder('utf8');
  const stream = fs.createReadStream(file, { highWaterMark: opts.chunkSize ?? 1 << 20 });
  let first = true;
  try {
    for await (const chunk of stream) {
      let s = decoder.write(chunk as Buffer);
      if (first) {
        first = false;
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      }
      sink.write(s);
    }
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  sink.write(decoder.end());
  sink.end();
  return { format, rows, malformed, columns, malformedExamples: examples };
}
