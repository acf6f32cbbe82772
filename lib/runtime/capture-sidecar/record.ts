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

  /** Bytes kept (at most the cap). */
  public get length(): number {
    return this.kept;
  }

  /** Copies the kept bytes into `target` at `offset`; returns the offset after them. */
  public copyTo(target: Buffer, offset: number): number {
    for (const c of this.chunks) offset += c.copy(target, offset);
    return offset;
  }
}

/**
 * A sampled exchange as the proxy hands it to the shipping worker: a binary
 * frame (fixed header, inference id, raw request bytes, raw response bytes),
 * so validating the bodies and serializing the record happen off the event loop.
 * Header: startedAt f64, latencyMs f64, status u16, flags u8 (1 = request cut,
 * 2 = response cut), id length u8, request length u32, response length u32.
 */
export const FRAME_HEADER_BYTES = 28;

/** Bytes `writeFrame` needs for this exchange (the id is ASCII, at most 255 characters). */
export function frameBytes(id: string, req: BodyTap, res: BodyTap): number {
  return FRAME_HEADER_BYTES + id.length + req.length + res.length;
}

/** Writes one frame at `offset` (room checked by the caller); returns the offset after it. */
export function writeFrame(
  b: Buffer, offset: number, id: string, startedAt: number, latencyMs: number, status: number, req: BodyTap, res: BodyTap,
): number {
  b.writeDoubleLE(startedAt, offset);
  b.writeDoubleLE(latencyMs, offset + 8);
  b.writeUInt16LE(status, offset + 16);
  b[offset + 18] = (req.cut ? 1 : 0) | (res.cut ? 2 : 0);
  b[offset + 19] = id.length;
  b.writeUInt32LE(req.length, offset + 20);
  b.writeUInt32LE(res.length, offset + 24);
  let o = offset + FRAME_HEADER_BYTES;
  o += b.write(id, o, 'latin1');
  o = req.copyTo(b, o);
  return res.copyTo(b, o);
}

/** Decodes the frames in `data` and calls `each` with the record of every one (bodies are views into `data`). */
export function readFrames(
  data: Buffer, model: { modelName: string; modelVersion: string; variant: string }, maxBytes: number,
  each: (line: string | undefined, id: string, err?: unknown) => void,
): void {
  let o = 0;
  while (o + FRAME_HEADER_BYTES <= data.length) {
    const startedAt = data.readDoubleLE(o);
    const latencyMs = data.readDoubleLE(o + 8);
    const status = data.readUInt16LE(o + 16);
    const flags = data[o + 18];
    const idLen = data[o + 19];
    const reqLen = data.readUInt32LE(o + 20);
    const resLen = data.readUInt32LE(o + 24);
    o += FRAME_HEADER_BYTES;
    const id = data.toString('latin1', o, o + idLen);
    o += idLen;
    const req = data.subarray(o, o + reqLen);
    o += reqLen;
    const res = data.subarray(o, o + resLen);
    o += resLen;
    let line: string;
    try {
      line = buildRecordFromBytes({
        inferenceId: id,
        timestamp: new Date(startedAt).toISOString(),
        modelName: model.modelName,
        modelVersion: model.modelVersion,
        variant: model.variant,
        latencyMs,
        status,
      }, req, (flags & 1) !== 0, res, (flags & 2) !== 0, maxBytes);
    } catch (err) {
      each(undefined, id, err);
      continue;
    }
    each(line, id);
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
 * cut (base64) and `truncated` is true. Takes the kept bytes of both bodies and
 * whether each was cut.
 */
export function buildRecordFromBytes(
  meta: RecordMeta, reqBytes: Buffer, reqCut: boolean, resBytes: Buffer, resCut: boolean, maxBytes: number,
): string {
  const reqJson = jsonText(reqBytes, reqCut);
  const resJson = jsonText(resBytes, resCut);
  if (!reqCut && !resCut) {
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
