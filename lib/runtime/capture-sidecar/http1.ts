/**
 * The HTTP/1.1 message syntax the proxy needs (RFC 9112), strict: a request or
 * status line and header fields (CRLF line endings, token names, no obs-fold,
 * no control characters in values), message framing (Content-Length or
 * chunked, never both), and a body decoder. Anything else is refused, so the
 * proxy and the model can never disagree on where a message ends.
 */

/** Largest request or response head (Node.js's default `maxHeaderSize`). */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Longest chunk-size line (with extensions) or trailer section. */
const MAX_CHUNK_LINE = 4096;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field value characters: HTAB, visible ASCII, SP, obs-text (RFC 9110 5.5). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_TARGET = /^[\x21-\x7e\x80-\xff]+$/;
const DIGITS = /^[0-9]{1,15}$/;
const HEX = /^[0-9A-Fa-f]{1,12}$/;

/** A message the proxy refuses: `status` is the status line the peer gets (for requests). */
export class HttpError extends Error {
  constructor(public readonly status: string, message: string) {
    super(message);
  }
}

/** Body framing (RFC 9112 6.3). */
export const Framing = {
  None: 0,
  Length: 1,
  Chunked: 2,
  /** Until the connection closes (responses only). */
  Close: 3,
} as const;
export type Framing = typeof Framing[keyof typeof Framing];

/** One parsed head: the first line and the header fields as received. */
export interface Head {
  /** The request line or the status line. */
  readonly first: string;
  /** Header lines exactly as received (without CRLF). */
  readonly lines: string[];
  /** Lower-cased field name of each line. */
  readonly names: string[];
  /** Value of each line, without surrounding whitespace. */
  readonly values: string[];
  /** Content-Length, or -1. */
  readonly contentLength: number;
  /** Transfer-Encoding is present (its value lower-cased), or undefined. */
  readonly transferEncoding?: string;
  /** Lower-cased Connection option tokens. */
  readonly connection: string[];
}

/** Index of the CRLFCRLF ending a head in `data` (searching from `from`), or -1. */
export function headEnd(data: Buffer, from = 0): number {
  return data.indexOf('\r\n\r\n', from, 'latin1');
}

/** Parses the head `data[0, end)` (the bytes before CRLFCRLF). */
export function parseHead(data: Buffer, end: number): Head {
  const text = data.toString('latin1', 0, end);
  const parts = text.split('\r\n');
  const first = parts[0];
  // a bare CR or LF (or another control character) in the start line would end it where the model may not: refused
  if (!FIELD_VALUE.test(first)) throw new HttpError('400 Bad Request', 'control characters in the start line');
  const n = parts.length - 1;
  const lines = new Array<string>(n);
  const names = new Array<string>(n);
  const values = new Array<string>(n);
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection: string[] = [];
  for (let i = 0; i < n; i++) {
    const line = parts[i + 1];
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpError('400 Bad Request', 'header line without a field name');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HttpError('400 Bad Request', `invalid header field name ${JSON.stringify(name)}`);
    // the value without leading and trailing SP/HTAB (OWS), trimmed by hand: a regex replace per field showed up in the profile
    let vs = colon + 1;
    let ve = line.length;
    while (vs < ve && (line.charCodeAt(vs) === 0x20 || line.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (line.charCodeAt(ve - 1) === 0x20 || line.charCodeAt(ve - 1) === 0x09)) ve--;
    const value = line.slice(vs, ve);
    if (!FIELD_VALUE.test(value)) throw new HttpError('400 Bad Request', `invalid characters in header ${name}`);
    const lower = name.toLowerCase();
    lines[i] = line;
    names[i] = lower;
    values[i] = value;
    if (lower === 'content-length') {
      if (!DIGITS.test(value)) throw new HttpError('400 Bad Request', `invalid Content-Length ${JSON.stringify(value)}`);
      if (contentLength >= 0) throw new HttpError('400 Bad Request', 'more than one Content-Length');
      contentLength = Number(value);
    } else if (lower === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value.toLowerCase() : `${transferEncoding}, ${value.toLowerCase()}`;
    } else if (lower === 'connection') {
      connection = connection.concat(value.toLowerCase().split(',').map((s) => s.trim()).filter((s) => s !== ''));
    }
  }
  if (transferEncoding !== undefined && contentLength >= 0) {
    // RFC 9112 6.3: a message with both is a request smuggling attempt or a broken peer
    throw new HttpError('400 Bad Request', 'both Transfer-Encoding and Content-Length');
  }
  return { first, lines, names, values, contentLength, transferEncoding, connection };
}

export interface RequestLine {
  readonly method: string;
  readonly target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minor: number;
}

export function parseRequestLine(line: string): RequestLine {
  const a = line.indexOf(' ');
  const b = line.lastIndexOf(' ');
  if (a <= 0 || b <= a + 1) throw new HttpError('400 Bad Request', 'malformed request line');
  const method = line.slice(0, a);
  const target = line.slice(a + 1, b);
  const version = line.slice(b + 1);
  if (!TOKEN.test(method) || !REQUEST_TARGET.test(target)) throw new HttpError('400 Bad Request', 'malformed request line');
  if (version === 'HTTP/1.1') return { method, target, minor: 1 };
  if (version === 'HTTP/1.0') return { method, target, minor: 0 };
  if (/^HTTP\/\d\.\d$/.test(version)) throw new HttpError('505 HTTP Version Not Supported', `unsupported ${version}`);
  throw new HttpError('400 Bad Request', 'malformed request line');
}

export interface StatusLine {
  readonly status: number;
  readonly reason: string;
  readonly minor: number;
}

export function parseStatusLine(line: string): StatusLine {
  const m = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?$/.exec(line);
  if (!m) throw new HttpError('502 Bad Gateway', 'malformed status line from the model');
  return { minor: Number(m[1]), status: Number(m[2]), reason: m[3] ?? '' };
}

/** Framing of a request body (RFC 9112 6.3): only `chunked` is accepted as a transfer coding. */
export function requestFraming(h: Head): Framing {
  if (h.transferEncoding !== undefined) {
    if (h.transferEncoding !== 'chunked') throw new HttpError('501 Not Implemented', `Transfer-Encoding ${h.transferEncoding} not supported`);
    return Framing.Chunked;
  }
  return h.contentLength > 0 ? Framing.Length : Framing.None;
}

/** Framing of a response body to a request with `method`. */
export function responseFraming(h: Head, status: number, method: string): Framing {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return Framing.None;
  if (h.transferEncoding !== undefined) {
    if (h.transferEncoding === 'chunked') return Framing.Chunked;
    if (h.transferEncoding.endsWith('chunked')) throw new HttpError('502 Bad Gateway', `Transfer-Encoding ${h.transferEncoding} from the model`);
    return Framing.Close;
  }
  if (h.contentLength >= 0) return h.contentLength > 0 ? Framing.Length : Framing.None;
  return Framing.Close;
}

/** Receives decoded body bytes. */
export interface BodySink {
  body(chunk: Buffer): void;
}

const CHUNK_SIZE = 0;
const CHUNK_DATA = 1;
const CHUNK_DATA_END = 2;
const CHUNK_TRAILER = 3;

/** Decodes one message body of the given framing from the bytes of a connection. */
export class BodyDecoder {
  public done: boolean;
  private remaining: number;
  private state = CHUNK_SIZE;
  /** Bytes of a chunk-size, chunk end or trailer line seen in earlier calls. */
  private line = '';
  private trailerBytes = 0;

  constructor(public readonly framing: Framing, length: number) {
    this.remaining = framing === Framing.Length ? length : 0;
    this.done = framing === Framing.None;
  }

  /** Body bytes still expected (Content-Length framing). */
  public remainingLength(): number {
    return this.remaining;
  }

  /** `n` body bytes were taken by the caller directly (Content-Length framing). */
  public consumed(n: number): void {
    this.remaining -= n;
    if (this.remaining === 0) this.done = true;
  }

  /**
   * Consumes body bytes of `data` from `start`, handing decoded bytes to
   * `sink`; returns the offset after the last byte of this body consumed
   * (bytes after it belong to the next message).
   */
  public feed(data: Buffer, start: number, sink: BodySink): number {
    if (this.done) return start;
    if (this.framing === Framing.Close) {
      if (start < data.length) sink.body(start === 0 ? data : data.subarray(start));
      return data.length;
    }
    if (this.framing === Framing.Length) {
      const take = Math.min(this.remaining, data.length - start);
      if (take > 0) sink.body(start === 0 && take === data.length ? data : data.subarray(start, start + take));
      this.remaining -= take;
      if (this.remaining === 0) this.done = true;
      return start + take;
    }
    return this.chunked(data, start, sink);
  }

  private chunked(data: Buffer, o: number, sink: BodySink): number {
    while (o < data.length && !this.done) {
      if (this.state === CHUNK_DATA) {
        const take = Math.min(this.remaining, data.length - o);
        sink.body(data.subarray(o, o + take));
        o += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = CHUNK_DATA_END;
        continue;
      }
      const lf = data.indexOf(10, o);
      const stop = lf < 0 ? data.length : lf + 1;
      this.line += data.toString('latin1', o, stop);
      o = stop;
      if (lf < 0) {
        if (this.line.length > MAX_CHUNK_LINE) throw new HttpError('400 Bad Request', 'chunk line too long');
        continue;
      }
      const line = this.line;
      this.line = '';
      if (line.length < 2 || line.charCodeAt(line.length - 2) !== 13) throw new HttpError('400 Bad Request', 'chunk line not ended by CRLF');
      if (line.length > MAX_CHUNK_LINE) throw new HttpError('400 Bad Request', 'chunk line too long');
      const text = line.slice(0, -2);
      if (this.state === CHUNK_DATA_END) {
        if (text !== '') throw new HttpError('400 Bad Request', 'chunk data longer than its size');
        this.state = CHUNK_SIZE;
      } else if (this.state === CHUNK_SIZE) {
        const semi = text.indexOf(';');
        const size = (semi >= 0 ? text.slice(0, semi) : text).replace(/[ \t]+$/, '');
        if (!HEX.test(size)) throw new HttpError('400 Bad Request', 'invalid chunk size');
        this.remaining = parseInt(size, 16);
        this.state = this.remaining === 0 ? CHUNK_TRAILER : CHUNK_DATA;
      } else {
        // trailer section (discarded, like Node.js's proxying of bodies did): ends at an empty line
        this.trailerBytes += line.length;
        if (this.trailerBytes > MAX_HEAD_BYTES) throw new HttpError('400 Bad Request', 'trailer section too large');
        if (text === '') this.done = true;
      }
    }
    return o;
  }
}
