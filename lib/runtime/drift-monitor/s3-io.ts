import { createInterface } from 'node:readline';
import { Readable, pipeline } from 'node:stream';
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

/** An object whose body could not be read to its end (e.g. a corrupt gzip stream, or the body stream failed). */
export class ObjectReadError extends Error {
  constructor(public readonly bucket: string, public readonly key: string, cause: unknown) {
    super(`s3://${bucket}/${key}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ObjectReadError';
  }
}

/**
 * The lines of an object, streamed (memory bounded by the longest line, not
 * the object). Objects whose key ends in `.gz` (Firehose GZIP output) are
 * decompressed on the fly. GetObject errors are thrown as they are; an error
 * while reading the body (source stream or decompression) is thrown as an
 * {@link ObjectReadError}, after the lines read before it.
 */
export async function* readLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!res.Body) return;
  let stream = res.Body as Readable;
  if (key.endsWith('.gz')) {
    // pipeline (unlike pipe) forwards a source error: it destroys the gunzip stream with it,
    // so every error reaches the line iterator below. The callback only keeps it from being
    // reported twice.
    const gunzip = createGunzip();
    pipeline(stream, gunzip, () => {});
    stream = gunzip;
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } catch (e) {
    throw new ObjectReadError(bucket, key, e);
  } finally {
    rl.close();
    stream.destroy();
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
