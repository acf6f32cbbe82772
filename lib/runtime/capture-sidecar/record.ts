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

function serialize(meta: RecordMeta, request: string, response: string, base64: boolean, truncated: boolean): string {
  return '{"inferenceId":' + JSON.stringify(meta.inferenceId)
    + ',"timestamp":' + JSON.stringify(meta.timestamp)
    + ',"modelName":' + JSON.stringify(meta.modelName)
    + ',"modelVersion":' + JSON.stringify(meta.modelVersion)
    + ',"variant":' + JSON.stringify(meta.variant)
    + ',"request":' + request
    + ',"response":' + response
    + (base64 ? ',"encoding":"base64"' : '')
    + ',"latencyMs":' + meta.latencyMs
    + ',"status":' + meta.status
    + ',"truncated":' + truncated
    + '}\n';
}

/**
 * One capture record as a JSON line (ending in `\n`) of at most `maxBytes`.
 * Both bodies are embedded as JSON when both are complete JSON documents;
 * otherwise both are base64 strings and `encoding` is `base64`. When the bodies
 * do not fit, they are cut (base64) and `truncated` is true.
 */
export function buildRecord(meta: RecordMeta, req: BodyTap, res: BodyTap, maxBytes: number): string {
  const reqBytes = req.bytes();
  const resBytes = res.bytes();
  const reqJson = jsonText(reqBytes, req.cut);
  const resJson = reqJson === undefined ? undefined : jsonText(resBytes, res.cut);
  if (reqJson !== undefined && resJson !== undefined) {
    const line = serialize(meta, reqJson, resJson, false, false);
    if (line.length <= maxBytes && Buffer.byteLength(line, 'utf8') <= maxBytes) return line;
  }
  // base64: 4 output bytes per 3 input bytes
  const overhead = Buffer.byteLength(serialize(meta, '""', '""', true, true), 'utf8');
  const avail = Math.max(0, maxBytes - overhead);
  const b64 = (n: number) => 4 * Math.ceil(n / 3);
  let reqPart = reqBytes;
  let resPart = resBytes;
  let truncated = req.cut || res.cut;
  if (b64(reqBytes.length) + b64(resBytes.length) > avail) {
    truncated = true;
    const budget = Math.floor(avail / 4) * 3;
    const half = Math.floor(budget / 6) * 3;
    let reqLen = Math.min(reqBytes.length, Math.max(half, budget - resBytes.length));
    reqLen -= reqLen % 3;
    let resLen = Math.min(resBytes.length, budget - reqLen);
    resLen -= resLen % 3;
    reqPart = reqBytes.subarray(0, reqLen);
    resPart = resBytes.subarray(0, resLen);
  }
  return serialize(meta, '"' + reqPart.toString('base64') + '"', '"' + resPart.toString('base64') + '"', true, truncated);
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
