// The "baseline" action: reads the training (or validation) channel of the
// run's dataset and computes the drift baseline DriftMonitor compares capture
// windows against, with the same engine code the monitor uses; stores it as
// baseline.json beside the model artifact (…/<job>/output/baseline.json).
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
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

/** Splits one CSV line (RFC 4180 quoting). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Yields the records of one data file: CSV with a header row, or JSON Lines (optionally gzipped). */
export function* recordsOf(key: string, bytes: Uint8Array): Generator<Record<string, unknown>> {
  let name = key.toLowerCase();
  let data = bytes;
  if (name.endsWith('.gz')) { data = gunzipSync(bytes); name = name.slice(0, -3); }
  const text = Buffer.from(data).toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (name.endsWith('.csv')) {
    const header = splitCsvLine(lines[0] ?? '');
    for (const line of lines.slice(1)) {
      const cells = splitCsvLine(line);
      const row: Record<string, unknown> = {};
      header.forEach((h, i) => { row[h] = cells[i] === undefined || cells[i] === '' ? null : cells[i]; });
      yield row;
    }
  } else if (name.endsWith('.jsonl') || name.endsWith('.json') || name.endsWith('.ndjson')) {
    for (const line of lines) {
      try {
        const v = JSON.parse(line);
        if (v && typeof v === 'object' && !Array.isArray(v)) yield v as Record<string, unknown>;
      } catch { /* a malformed line is skipped */ }
    }
  }
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: m[1], key: m[2] };
}

export async function computeBaselineWith(
  s3: S3Like, event: BaselineEvent, getObject: GetObject, builder: BaselineBuilderLike,
): Promise<{ uri: string; bucket: string; key: string; recordCount: number; featureCount: number; files: number }> {
  const prefix = `${event.settings.datasetPrefix}${event.settings.baselineChannel}/`;
  const max = event.settings.baselineMaxRows;
  let rows = 0;
  let files = 0;
  let token: string | undefined;
  outer: do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: event.datasetBucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (String(o.Key).endsWith('/')) continue;
      const res = await getObject(event.datasetBucket, o.Key);
      const bytes = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      files++;
      for (const row of recordsOf(o.Key, bytes)) {
        builder.add(row);
        if (++rows >= max) break outer;
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (rows === 0) throw new Error(`no CSV or JSON Lines records under s3://${event.datasetBucket}/${prefix}`);
  const baseline = builder.finish();
  const artifact = parseS3Uri(event.modelArtifactUri);
  const key = `${artifact.key.replace(/[^/]*$/, '')}baseline.json`;
  await s3.send(new PutObjectCommand({ Bucket: artifact.bucket, Key: key, Body: JSON.stringify(baseline), ContentType: 'application/json' }));
  return { uri: `s3://${artifact.bucket}/${key}`, bucket: artifact.bucket, key, recordCount: baseline.recordCount, featureCount: Object.keys(baseline.features).length, files };
}
