// The "baseline" action: reads the training (or validation) channel of the
// run's dataset and computes the drift baseline DriftMonitor compares capture
// windows against, with the same engine code the monitor uses; stores it as
// baseline.json beside the model artifact (…/<job>/output/baseline.json).
import { StringDecoder } from 'node:string_decoder';
import { gunzipSync } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { CsvParser, LineSplitter } from '../../monitoring/engine/csv';
import type { S3Like } from './index';

export interface BaselineEvent {
  readonly datasetBucket: string;
  /** s3://bucket/key of model.tar.gz (DescribeTrainingJob ModelArtifacts.S3ModelArtifacts). */
  readonly modelArtifactUri: string;
  readonly settings: { datasetPrefix: string; baselineChannel: string; baselineMaxRows: number; features?: { name: string; type?: 'numeric' | 'categorical' }[] };
}

/** What the handler needs from the drift engine's BaselineBuilder. */
export interface BaselineBuilderLike {
  add(row: Record<string, unknown>): void;
  finish(): { recordCount: number; features: Record<string, unknown> };
}

export type GetObject = (bucket: string, key: string) => Promise<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>;

/** Bytes decoded and fed to the parser at a time (lets reading stop at `baselineMaxRows`). */
const CHUNK_BYTES = 1 << 16;

/**
 * Reads the records of one data file with the drift engine's parsers: CSV with a header row
 * (CsvParser: RFC 4180 quoting incl. quoted newlines, BOM stripped, header names trimmed, a
 * record with the wrong field count is malformed) or JSON Lines of plain objects (LineSplitter +
 * JSON.parse), optionally gzipped. Empty CSV cells become null. Other files yield nothing.
 * `onRow` gets each well-formed record, `onMalformed` each malformed one; reading stops once
 * `stop()` returns true (checked between chunks, so a few more rows may still be delivered).
 */
export function readRecords(
  key: string, bytes: Uint8Array,
  onRow: (row: Record<string, unknown>) => void,
  onMalformed: (reason: string) => void,
  stop: () => boolean = () => false,
): void {
  let name = key.toLowerCase();
  let data = bytes;
  if (name.endsWith('.gz')) { data = gunzipSync(bytes); name = name.slice(0, -3); }
  let sink: { write(s: string): void; end(): void };
  if (name.endsWith('.csv')) {
    sink = new CsvParser((cells) => {
      const row: Record<string, unknown> = {};
      for (const h of Object.keys(cells)) row[h] = cells[h] === '' ? null : cells[h];
      onRow(row);
    }, onMalformed);
  } else if (name.endsWith('.jsonl') || name.endsWith('.json') || name.endsWith('.ndjson')) {
    sink = new LineSplitter((line) => {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        onMalformed('not valid JSON');
        return;
      }
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) onRow(v as Record<string, unknown>);
      else onMalformed('not a JSON object');
    });
  } else {
    return;
  }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new StringDecoder('utf8');
  let first = true;
  for (let off = 0; off < buf.length; off += CHUNK_BYTES) {
    if (stop()) return;
    let s = decoder.write(buf.subarray(off, off + CHUNK_BYTES));
    if (first && s.length > 0) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    sink.write(s);
  }
  if (stop()) return;
  sink.write(decoder.end());
  sink.end();
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: m[1], key: m[2] };
}

export async function computeBaselineWith(
  s3: S3Like, event: BaselineEvent, getObject: GetObject, builder: BaselineBuilderLike,
): Promise<{ uri: string; bucket: string; key: string; recordCount: number; featureCount: number; files: number; malformedRows: number }> {
  const prefix = `${event.settings.datasetPrefix}${event.settings.baselineChannel}/`;
  const max = event.settings.baselineMaxRows;
  let rows = 0;
  let malformedRows = 0;
  let files = 0;
  let token: string | undefined;
  const full = () => rows >= max;
  outer: do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: event.datasetBucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (String(o.Key).endsWith('/')) continue;
      const res = await getObject(event.datasetBucket, o.Key);
      const bytes = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      files++;
      let bad = 0;
      const examples: string[] = [];
      let record = 0;
      readRecords(o.Key, bytes, (row) => {
        record++;
        if (full()) return;
        builder.add(row);
        rows++;
      }, (why) => {
        record++;
        if (full()) return;
        bad++;
        if (examples.length < 5) examples.push(`record ${record}: ${why}`);
      }, full);
      if (bad > 0) {
        malformedRows += bad;
        console.warn(JSON.stringify({ baseline: { malformedRows: bad, object: `s3://${event.datasetBucket}/${o.Key}`, examples } }));
      }
      if (full()) break outer;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (rows === 0) throw new Error(`no CSV or JSON Lines records under s3://${event.datasetBucket}/${prefix}`);
  const baseline = builder.finish();
  const artifact = parseS3Uri(event.modelArtifactUri);
  const key = `${artifact.key.replace(/[^/]*$/, '')}baseline.json`;
  await s3.send(new PutObjectCommand({ Bucket: artifact.bucket, Key: key, Body: JSON.stringify(baseline), ContentType: 'application/json' }));
  return { uri: `s3://${artifact.bucket}/${key}`, bucket: artifact.bucket, key, recordCount: baseline.recordCount, featureCount: Object.keys(baseline.features).length, files, malformedRows };
}
