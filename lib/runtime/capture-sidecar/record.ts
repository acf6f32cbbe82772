/**
 * Building capture records (the CaptureRecord contract in lib/capture-record.ts)
 * from the bytes the proxy saw, without ever holding more than the cap.
 */
import { isUtf8, JSON_MULTI_LINE, JSON_ONE_LINE, jsonKind, NOT_JSON, Q } from './json-scan';

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
    // TypedArray#set: a V8 builtin, cheaper than Buffer#copy's argument handling for small chunks
    for (const c of this.chunks) {
      target.set(c, offset);
      offset += c.length;
    }
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
  for (let k = 0; k < id.length; k++) b[o++] = id.charCodeAt(k); // latin1 (the proxy's ids are printable ASCII)
  o = req.copyTo(b, o);
  return res.copyTo(b, o);
}

export interface ModelFields {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly variant: string;
}

/**
 * Writes capture records as bytes, straight from the frames: the bodies are
 * validated in place (`jsonKind`) and copied, or base64-encoded once, into the
 * output; no JavaScript string is built for a body. A record that does not
 * fit in `maxBytes` (or whose bodies were cut) takes the slow path,
 * `buildRecordFromBytes`, which produces the same line.
 */
export class RecordWriter {
  /** `,"modelName":...,"variant":...,"request":` (UTF-8). */
  private readonly middle: Buffer;
  private out = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private minute = NaN;
  private minuteBytes = Buffer.alloc(0);

  constructor(private readonly model: ModelFields, private readonly maxBytes: number) {
    this.middle = Buffer.from(',"modelName":' + JSON.stringify(model.modelName) + ',"modelVersion":' + JSON.stringify(model.modelVersion)
      + ',"variant":' + JSON.stringify(model.variant) + ',"request":', 'utf8');
  }

  /**
   * The records of every frame in `data`, back to back in `bytes` (one view
   * per record in `records`). A frame whose record cannot be built is passed
   * to `onError`.
   */
  public build(data: Buffer, onError: (inferenceId: string, err: unknown) => void): { records: Buffer[]; bytes: Buffer } {
    this.out = Buffer.allocUnsafe(Math.max(4096, data.length + (data.length >> 1)));
    this.used = 0;
    const ends: number[] = [];
    readFrames(data, (id, startedAt, latencyMs, status, req, reqCut, res, resCut) => {
      try {
        this.record(id, startedAt, latencyMs, status, req, reqCut, res, resCut);
        ends.push(this.used);
      } catch (err) {
        onError(id, err);
      }
    });
    const bytes = this.out.subarray(0, this.used);
    const records = new Array<Buffer>(ends.length);
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      records[i] = bytes.subarray(start, ends[i]);
      start = ends[i];
    }
    return { records, bytes };
  }

  private room(n: number): void {
    if (this.out.length - this.used >= n) return;
    const next = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.used + n));
    this.out.copy(next, 0, 0, this.used);
    this.out = next;
  }

  /**
   * `YYYY-MM-DDTHH:MM:` of the minute `minute` (ms since the epoch, a
   * multiple of 60,000) as bytes: a record's timestamp is this and `ss.mmmZ`
   * (the same text as `Date.prototype.toISOString`, without a Date per record).
   */
  private minutePrefix(minute: number): Buffer {
    if (minute !== this.minute) {
      this.minute = minute;
      const iso = new Date(minute).toISOString();
      this.minuteBytes = Buffer.from(iso.slice(0, iso.length - 7), 'latin1');
    }
    return this.minuteBytes;
  }

  private record(id: string, startedAt: number, latencyMs: number, status: number, req: Buffer, reqCut: boolean, res: Buffer, resCut: boolean): void {
    const reqKind = reqCut ? NOT_JSON : bodyKind(req);
    const resKind = resCut ? NOT_JSON : bodyKind(res);
    const ms = Math.trunc(startedAt); // as the Date constructor does
    // the id as JSON: printable ASCII without quote or backslash is written as it is (UUIDs, ids the proxy accepts)
    const idJson = PLAIN_ID.test(id) ? undefined : JSON.stringify(id);
    const tail = (reqKind === NOT_JSON || resKind === NOT_JSON ? ',"encoding":"base64"' : '')
      + (reqKind === NOT_JSON ? ',"requestEncoding":"base64"' : '')
      + (resKind === NOT_JSON ? ',"responseEncoding":"base64"' : '')
      + ',"latencyMs":' + latencyMs + ',"status":' + status + ',"truncated":false}\n';
    const minute = ms - (((ms % 60000) + 60000) % 60000);
    const prefix = Number.isFinite(ms) ? this.minutePrefix(minute) : undefined;
    const idBytes = idJson === undefined ? id.length + 2 : Buffer.byteLength(idJson, 'utf8');
    // {"inferenceId": id ,"timestamp":" prefix ss.mmmZ " middle req ,"response": res tail
    const size = 15 + idBytes + 14 + (prefix ? prefix.length + 7 : 0) + 1 + this.middle.length + bodyBytes(req, reqKind) + 12
      + bodyBytes(res, resKind) + tail.length;
    if (reqCut || resCut || size > this.maxBytes || !prefix) {
      // cut bodies, or too large: both base64 and cut to share the budget (the slow path)
      const line = buildRecordFromBytes({
        inferenceId: id, timestamp: new Date(startedAt).toISOString(), ...this.model, latencyMs, status,
      }, req, reqCut, res, resCut, this.maxBytes);
      this.room(line.length * 3);
      this.used += this.out.write(line, this.used, 'utf8');
      return;
    }
    this.room(size);
    const out = this.out;
    let o = this.used;
    o += HEAD_ID.copy(out, o);
    if (idJson === undefined) {
      out[o++] = Q;
      o += out.write(id, o, 'latin1');
      out[o++] = Q;
    } else {
      o += out.write(idJson, o, 'utf8');
    }
    o += HEAD_TIMESTAMP.copy(out, o);
    o += prefix.copy(out, o);
    const r = ms - minute;
    const sec = Math.floor(r / 1000);
    const milli = r - sec * 1000;
    out[o] = 0x30 + Math.floor(sec / 10);
    out[o + 1] = 0x30 + (sec % 10);
    out[o + 2] = 0x2e; // .
    out[o + 3] = 0x30 + Math.floor(milli / 100);
    out[o + 4] = 0x30 + (Math.floor(milli / 10) % 10);
    out[o + 5] = 0x30 + (milli % 10);
    out[o + 6] = 0x5a; // Z
    out[o + 7] = Q;
    o += 8;
    o += this.middle.copy(out, o);
    o = writeBody(out, o, req, reqKind);
    o += RESPONSE_KEY.copy(out, o);
    o = writeBody(out, o, res, resKind);
    o += out.write(tail, o, 'latin1');
    this.used = o;
  }
}

const PLAIN_ID = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const HEAD_ID = Buffer.from('{"inferenceId":', 'latin1');
const HEAD_TIMESTAMP = Buffer.from(',"timestamp":"', 'latin1');
const RESPONSE_KEY = Buffer.from(',"response":', 'latin1');

/** The kind of a complete body: an empty body is JSON `null`. */
function bodyKind(body: Buffer): number {
  if (body.length === 0) return JSON_ONE_LINE;
  return jsonKind(body); // checks UTF-8 too
}

function bodyBytes(body: Buffer, kind: number): number {
  if (kind === NOT_JSON) return 2 + 4 * Math.ceil(body.length / 3);
  return body.length === 0 ? 4 : body.length;
}

function writeBody(out: Buffer, o: number, body: Buffer, kind: number): number {
  if (kind === NOT_JSON) {
    out[o++] = Q;
    o += out.write(body.toString('base64'), o, 'latin1');
    out[o++] = Q;
    return o;
  }
  if (body.length === 0) return o + out.write('null', o, 'latin1');
  body.copy(out, o);
  if (kind === JSON_MULTI_LINE) {
    // CR/LF occur only between tokens in valid JSON (inside strings they are escaped): spaces keep the value on one line
    for (let k = o, end = o + body.length; k < end; k++) if (out[k] === 0x0a || out[k] === 0x0d) out[k] = 0x20;
  }
  return o + body.length;
}

/** Decodes the frames in `data`, calling `each` with the fields of every one (bodies are views into `data`). */
export function readFrames(
  data: Buffer,
  each: (id: string, startedAt: number, latencyMs: number, status: number, req: Buffer, reqCut: boolean, res: Buffer, resCut: boolean) => void,
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
    each(id, startedAt, latencyMs, status, req, (flags & 1) !== 0, res, (flags & 2) !== 0);
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

// The JSON check is in json-scan.ts; its verdicts are re-exported for the worker and the tests.
export { JSON_MULTI_LINE, JSON_ONE_LINE, jsonKind, NOT_JSON } from './json-scan';
