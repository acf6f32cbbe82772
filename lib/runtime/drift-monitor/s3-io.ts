import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';

/** Every object key under a prefix (paginated ListObjectsV2), in S3's (lexicographic) order. */
export async function* listKeys(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<string> {
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1000 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) {
      if (o.Key && !o.Key.endsWith('/')) yield o.Key;
    }
  }
}

/**
 * The lines of an object, streamed (memory bounded by the longest line, not
 * the object). Objects whose key ends in `.gz` (Firehose GZIP output) are
 * decompressed on the fly.
 */
export async function* readLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!res.Body) return;
  let stream = res.Body as Readable;
  if (key.endsWith('.gz')) stream = stream.pipe(createGunzip());
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

/** Reads a whole (small) JSON object, e.g. a baseline. */
export async function readJson(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = res.Body ? await (res.Body as any).transformToString('utf-8') : '';
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`s3://${bucket}/${key} is not JSON: ${(e as Error).message}`);
  }
}
