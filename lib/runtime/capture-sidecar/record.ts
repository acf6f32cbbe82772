/**
 * Building capture records (the CaptureRecord contract in lib/capture-record.ts)
 * from the bytes the proxy saw, without ever holding more than the cap.
 */
import * as buffer from 'node:buffer';

const isUtf8: (b: Buffer) => boolean = typeof (buffer as any).isUtf8 === 'function'
  ? (buffer as any).isUtf8
  : (b: Buffer) => Buffer.from(b.toString('utf8'), 'utf8').equals(b);

/** Collects the first `cap` bytes of a body that is streamed through. */
export class BodyTap {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes seen, including those beyond the cap. */
  public seen = 0;

  constructor(private readonly cap: number) {}

  public push(chunk: Buffer): void {
    this.seen += chunk.length;
    if (this.kept >= this.cap) return;
    const room = this.cap - this.kept;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** True when the body was longer than the cap. */
  public get cut(): boolean {
    return this.seen > this.kept;
  }

  public bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.kept);
  }
}

export interface RecordMeta {
  readonly inferenceId: string;
  readonly timestamp: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly variant: string;
  readonly latencyMs: number;
  readonly status: number;
}

/** The JSON text of a body when it is complete, valid UTF-8 JSON; `null` for an empty body. */
function jsonText(body: Buffer, cut: boolean): string | undefined {
  if (cut) return undefined;
  if (body.length === 0) return 'null';
  if (!isUtf8(body)) return undefined;
  const text = body.toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  // Outside strings, CR/LF are insignificant whitespace (inside strings they must
  // be escaped), so replacing them keeps the value and makes one line.
  return text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 ? text.replace(/[\r\n]/g, ' ') : text;
}

function serialize(meta: RecordMeta, request: string, response: string, requestB64: boolean, responseB64: boolean, truncated: boolean): string {
  return '{"inferenceId":' + JSON.stringify(meta.inferenceId)
    + ',"timestamp":' + JSON.stringify(meta.timestamp)
    + ',"modelName":' + JSON.stringify(meta.modelName)
    + ',"modelVersion":' + JSON.stringify(meta.modelVersion)
    + ',"variant":' + JSON.stringify(meta.variant)
    + ',"request":' + request
    + ',"response":' + response
    + (requestB64 || responseB64 ? ',"encoding":"base64"' : '')
    + (requestB64 ? ',"requestEncoding":"base64"' : '')
    + (responseB64 ? ',"responseEncoding":"base64"' : '')
    + ',"latencyMs":' + meta.latencyMs
    + ',"status":' + meta.status
    + ',"truncated":' + truncated
    + '}\n';
}

const fits = (line: string, maxBytes: number) => line.length <= maxBytes && Buffer.byteLength(line, 'utf8') <= maxBytes;
const b64 = (body: Buffer) => '"' + body.toString('base64') + '"';

/**
 * One capture record as a JSON line (ending in `\n`) of at most `maxBytes`.
 * A body that is a complete JSON document is embedded as JSON; any other body
 * is a base64 string, flagged by `requestEncoding`/`responseEncoding` (and
 * `encoding`, set when either is base64). When the bodies do not fit, both are
 * cut (base64) and `truncated` is true.
 */
export function buildRecord(meta: RecordMeta, req: BodyTap, res: BodyTap, maxBytes: number): string {
  const reqBytes = req.bytes();
  const resBytes = res.bytes();
  const reqJson = jsonText(reqBytes, req.cut);
  const resJson = jsonText(resBytes, res.cut);
  if (!req.cut && !res.cut) {
    const line = serialize(meta, reqJson ?? b64(reqBytes), resJson ?? b64(resBytes), reqJson === undefined, resJson === undefined, false);
    if (fits(line, maxBytes)) return line;
  }
  // does not fit: both bodies base64 (4 output bytes per 3 input bytes), cut to share the budget
  const overhead = Buffer.byteLength(serialize(meta, '""', '""', true, true, true), 'utf8');
  const avail = Math.max(0, maxBytes - overhead);
  const budget = Math.floor(avail / 4) * 3;
  const half = Math.floor(budget / 6) * 3;
  let reqLen = Math.min(reqBytes.length, Math.max(half, budget - resBytes.length));
  reqLen -= reqLen % 3;
  let resLen = Math.min(resBytes.length, budget - reqLen);
  resLen -= resLen % 3;
  return serialize(meta, b64(reqBytes.subarray(0, reqLen)), b64(resBytes.subarray(0, resLen)), true, true, true);
}

/** The inference id at the start of a serialized record (for logs), without parsing the whole line. */
export function inferenceIdOf(line: Buffer | string): string {
  const head = (typeof line === 'string' ? line.slice(0, 300) : line.subarray(0, 300).toString('utf8'));
  const m = /^\{"inferenceId":("(?:[^"\\]|\\.)*")/.exec(head);
  if (!m) return 'unknown';
  try {
    return JSON.parse(m[1]);
  } catch {
    return 'unknown';
  }
}
