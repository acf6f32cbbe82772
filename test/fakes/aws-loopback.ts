/**
 * A loopback HTTP server standing in for S3, CloudWatch and SSM, so the
 * handler runs against the REAL AWS SDK v3 clients (pointed at it with
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL_SSM):
 *
 * - S3 (path style, REST-XML): ListObjectsV2 (with prefix, max-keys and
 *   continuation tokens), GetObject and PutObject, on a folder
 *   (`<root>/<bucket>/<key>`); a bucket is a folder that exists.
 * - CloudWatch PutMetricData: AWS JSON 1.0 (`X-Amz-Target:
 *   GraniteServiceVersion20100801.PutMetricData`), gzip bodies accepted; every
 *   call is recorded. Failures can be scripted (status + error type).
 * - SSM GetParametersByPath: AWS JSON 1.1, paginated with NextToken.
 *
 * Its lifecycle (ephemeral 127.0.0.1 port, open sockets destroyed on stop) is the
 * LoopbackServer every fake in this folder shares.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LoopbackServer } from './loopback-server';

export interface RecordedPut {
  readonly namespace: string;
  readonly metricData: Array<{
    MetricName: string; Dimensions?: Array<{ Name: string; Value: string }>; Value?: number; Unit?: string; Timestamp?: number;
  }>;
  readonly bodyBytes: number;
  readonly contentEncoding?: string;
  readonly target: string;
}

export interface ScriptedFailure {
  readonly status: number;
  readonly type: string;
}

export class Loopback extends LoopbackServer {
  public readonly puts: RecordedPut[] = [];
  public readonly requests: Array<{ method: string; url: string; target?: string }> = [];
  /** Failures to return, in order, for the next PutMetricData calls. */
  public readonly putFailures: ScriptedFailure[] = [];
  /** The Path of every GetParametersByPath call. */
  public readonly ssmPaths: string[] = [];
  /** SSM parameters by name. */
  public readonly parameters = new Map<string, string>();
  /** Page size of GetParametersByPath (to exercise NextToken). */
  public ssmPageSize = 2;
  /** Page size of ListObjectsV2 (to exercise continuation tokens). */
  public s3PageSize = 1000;

  constructor(public readonly root: string) {
    super();
  }

  /** The endpoint URL to give the SDK clients (after `start()`). */
  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * The environment that points the real SDK v3 clients (S3, CloudWatch, SSM) at this server (after `start()`):
   * static loopback credentials, and config/credentials files that do not exist, so nothing on the machine is read.
   */
  public clientEnv(): Record<string, string> {
    return {
      AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'loopback', AWS_SECRET_ACCESS_KEY: 'loopback',
      AWS_CONFIG_FILE: path.join(this.root, 'no-config'), AWS_SHARED_CREDENTIALS_FILE: path.join(this.root, 'no-credentials'),
      AWS_ENDPOINT_URL_S3: this.url, AWS_ENDPOINT_URL_CLOUDWATCH: this.url, AWS_ENDPOINT_URL_SSM: this.url,
    };
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.dispatch(req, Buffer.concat(chunks), res);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((e as Error).stack));
      }
    });
  }

  /** Writes an object into the served folder. */
  public putObject(bucket: string, key: string, body: string | Buffer): void {
    const file = path.join(this.root, bucket, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  }

  /** Every datum of every recorded call, flattened. */
  public get datums(): RecordedPut['metricData'] {
    return this.puts.flatMap((p) => p.metricData);
  }

  private dispatch(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const target = req.headers['x-amz-target'] as string | undefined;
    this.requests.push({ method: req.method!, url: req.url!, target });
    if (target?.startsWith('GraniteServiceVersion20100801.')) return this.cloudwatch(req, target, body, res);
    if (target?.startsWith('AmazonSSM.')) return this.ssm(target, body, res);
    return this.s3(req, body, res);
  }

  private cloudwatch(req: http.IncomingMessage, target: string, body: Buffer, res: http.ServerResponse): void {
    if (target !== 'GraniteServiceVersion20100801.PutMetricData') return this.jsonError(res, 400, 'UnknownOperationException', '1.0');
    const encoding = req.headers['content-encoding'] as string | undefined;
    const raw = encoding === 'gzip' ? gunzipSync(body) : body;
    const failure = this.putFailures.shift();
    if (failure) return this.jsonError(res, failure.status, failure.type, '1.0');
    const input = JSON.parse(raw.toString('utf8'));
    this.puts.push({ namespace: input.Namespace, metricData: input.MetricData, bodyBytes: body.length, contentEncoding: encoding, target });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end('{}');
  }

  private ssm(target: string, body: Buffer, res: http.ServerResponse): void {
    if (target !== 'AmazonSSM.GetParametersByPath') return this.jsonError(res, 400, 'UnknownOperationException', '1.1');
    const input = JSON.parse(body.toString('utf8'));
    this.ssmPaths.push(input.Path);
    const prefix: string = input.Path.endsWith('/') ? input.Path : `${input.Path}/`;
    const names = [...this.parameters.keys()]
      .filter((n) => n.startsWith(prefix) && (input.Recursive || !n.slice(prefix.length).includes('/')))
      .sort();
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const size = Math.min(this.ssmPageSize, input.MaxResults ?? 10);
    const page = names.slice(start, start + size);
    const out: any = { Parameters: page.map((n) => ({ Name: n, Type: 'String', Value: this.parameters.get(n), Version: 1 })) };
    if (start + size < names.length) out.NextToken = String(start + size);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(out));
  }

  private s3(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url!, 'http://localhost');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (req.method !== 'GET' && req.method !== 'PUT') return this.s3Error(res, 405, 'MethodNotAllowed');
    if (!bucket || !fs.existsSync(path.join(this.root, decodeURIComponent(bucket)))) return this.s3Error(res, 404, 'NoSuchBucket');
    if (req.method === 'PUT') {
      if (!key) return this.s3Error(res, 400, 'InvalidRequest');
      this.putObject(decodeURIComponent(bucket), key, body);
      res.writeHead(200, { etag: '"x"' });
      res.end();
      return;
    }
    if (url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Math.min(Number(url.searchParams.get('max-keys') ?? 1000), this.s3PageSize);
      const token = url.searchParams.get('continuation-token');
      const all = listFiles(path.join(this.root, bucket)).filter((k) => k.startsWith(prefix)).sort();
      const start = token ? Number(token) : 0;
      const page = all.slice(start, start + max);
      const truncated = start + max < all.length;
      const xml = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
        `<Name>${esc(bucket)}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys>`,
        `<IsTruncated>${truncated}</IsTruncated>`,
        truncated ? `<NextContinuationToken>${start + max}</NextContinuationToken>` : '',
        ...page.map((k) => {
          const st = fs.statSync(path.join(this.root, bucket, k));
          return `<Contents><Key>${esc(k)}</Key><LastModified>${st.mtime.toISOString()}</LastModified><ETag>"x"</ETag><Size>${st.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        }),
        '</ListBucketResult>',
      ].join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(xml);
      return;
    }
    const file = path.join(this.root, bucket, key);
    if (!key || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return this.s3Error(res, 404, 'NoSuchKey');
    const data = fs.readFileSync(file);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length, etag: '"x"' });
    res.end(data);
  }

  private s3Error(res: http.ServerResponse, status: number, code: string): void {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
  }

  private jsonError(res: http.ServerResponse, status: number, type: string, version: string): void {
    res.writeHead(status, { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-query-error': `${type};Sender` });
    res.end(JSON.stringify({ __type: type, message: `${type} (scripted by the loopback server)` }));
  }
}

function listFiles(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
