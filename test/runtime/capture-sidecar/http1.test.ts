/**
 * The proxy's HTTP/1.1 message syntax (http1.ts) against RFC 9112 (https://www.rfc-editor.org/rfc/rfc9112) and
 * RFC 9110 (https://www.rfc-editor.org/rfc/rfc9110): the head, the request and status lines, the framing rules of
 * RFC 9112 6.3 and the chunked coding of RFC 9112 7.1. The proxy and the model must never disagree on where a message
 * ends, so every ambiguous message is refused, with the status the RFC names where it names one.
 */
import {
  BodyDecoder, BodySink, Framing, HttpError, parseHead, parseRequestLine, parseStatusLine, requestFraming, responseFraming,
} from '../../../lib/runtime/capture-sidecar/http1';

/** parseHead on the text of a head (without the final CRLFCRLF). */
const head = (text: string) => {
  const b = Buffer.from(text, 'latin1');
  return parseHead(b, b.length);
};

/** The HttpError `f` throws (fails if it throws none or another error). */
function refusal(f: () => unknown): HttpError {
  try {
    f();
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('no HttpError thrown');
}

class Collect implements BodySink {
  public readonly parts: Buffer[] = [];
  public body(chunk: Buffer): void {
    this.parts.push(Buffer.from(chunk));
  }
  public get text(): string {
    return Buffer.concat(this.parts).toString('latin1');
  }
}

describe('head (RFC 9112 2.2, 5)', () => {
  test('fields as received, names lower-cased, values without surrounding whitespace (OWS, RFC 9110 5.5)', () => {
    const h = head('POST /invocations HTTP/1.1\r\nHost: model\r\nX-Custom:  \tSpaced Value \t\r\nContent-Length: 12\r\nConnection: keep-alive, X-Hop');
    expect(h.first).toBe('POST /invocations HTTP/1.1');
    expect(h.lines).toEqual(['Host: model', 'X-Custom:  \tSpaced Value \t', 'Content-Length: 12', 'Connection: keep-alive, X-Hop']);
    expect(h.names).toEqual(['host', 'x-custom', 'content-length', 'connection']);
    expect(h.values).toEqual(['model', 'Spaced Value', '12', 'keep-alive, X-Hop']);
    expect(h.contentLength).toBe(12);
    expect(h.transferEncoding).toBeUndefined();
    expect(h.connection).toEqual(['keep-alive', 'x-hop']);
  });

  test('repeated Connection and Transfer-Encoding fields combine as one list (RFC 9110 5.3)', () => {
    const h = head('GET / HTTP/1.1\r\nConnection: close\r\nconnection: ,Upgrade ,\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked');
    expect(h.connection).toEqual(['close', 'upgrade']);
    expect(h.transferEncoding).toBe('gzip, chunked');
  });

  test.each([
    ['a line without a colon', 'GET / HTTP/1.1\r\nHost x'],
    ['an empty field name', 'GET / HTTP/1.1\r\n: value'],
    ['whitespace between the field name and the colon (RFC 9112 5.1: MUST be rejected with 400)', 'GET / HTTP/1.1\r\nHost : x'],
    ['an obs-fold continuation line (RFC 9112 5.2: a server rejects it with 400 or replaces it)', 'GET / HTTP/1.1\r\nX-A: one\r\n two'],
    ['a bare CR in a value (RFC 9112 2.2)', 'GET / HTTP/1.1\r\nX-A: one\rtwo'],
    ['a bare LF as a line ending (RFC 9112 2.2: this parser accepts CRLF only)', 'GET / HTTP/1.1\nHost: x'],
    ['a NUL in a value (RFC 9110 5.5: CTLs other than HTAB are invalid)', 'GET / HTTP/1.1\r\nX-A: a\x00b'],
    ['a separator in a field name (RFC 9110 5.1: a token)', 'GET / HTTP/1.1\r\nX(A): 1'],
    ['two Content-Length fields (RFC 9112 6.3, item 5)', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5'],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nContent-Length: 5, 5'],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nContent-Length: +5'],
    ['a hexadecimal Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 0x10'],
    ['an empty Content-Length', 'POST / HTTP/1.1\r\nContent-Length: '],
    ['both Transfer-Encoding and Content-Length (RFC 9112 6.3, item 3: a smuggling attempt)', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked'],
  ])('refuses %s with 400', (_what, text) => {
    expect(refusal(() => head(text)).status).toBe('400 Bad Request');
  });
});

describe('request line (RFC 9112 3)', () => {
  test('method, target and version', () => {
    expect(parseRequestLine('POST /invocations?x=1 HTTP/1.1')).toEqual({ method: 'POST', target: '/invocations?x=1', minor: 1 });
    expect(parseRequestLine('GET * HTTP/1.0')).toEqual({ method: 'GET', target: '*', minor: 0 });
  });

  test('another HTTP version gets 505 (RFC 9110 15.6.6); a malformed line gets 400', () => {
    expect(refusal(() => parseRequestLine('GET / HTTP/2.0')).status).toBe('505 HTTP Version Not Supported');
    for (const line of ['GET / http/1.1', 'GET /a b HTTP/1.1', 'GET HTTP/1.1', 'G(T / HTTP/1.1', 'GET /\x7f HTTP/1.1', ' GET / HTTP/1.1', 'GET  / HTTP/1.1']) {
      expect(refusal(() => parseRequestLine(line)).status).toBe('400 Bad Request');
    }
  });
});

describe('status line (RFC 9112 4)', () => {
  test('status and reason phrase; the reason may be empty or absent', () => {
    expect(parseStatusLine('HTTP/1.1 404 Not Found')).toEqual({ minor: 1, status: 404, reason: 'Not Found' });
    expect(parseStatusLine('HTTP/1.0 200 ')).toEqual({ minor: 0, status: 200, reason: '' });
    expect(parseStatusLine('HTTP/1.1 204')).toEqual({ minor: 1, status: 204, reason: '' });
  });

  test('a malformed status line from the model is a 502', () => {
    for (const line of ['HTTP/1.1 20 OK', 'HTTP/1.2 200 OK', 'HTTP/1.1 099 Low', 'HTTP/1.1 200 O\rK', 'ICY 200 OK']) {
      expect(refusal(() => parseStatusLine(line)).status).toBe('502 Bad Gateway');
    }
  });
});

describe('framing (RFC 9112 6.3)', () => {
  test('requests: chunked, a length, or no body; any other transfer coding is 501 (RFC 9112 6.1)', () => {
    expect(requestFraming(head('POST / HTTP/1.1\r\nTransfer-Encoding: chunked'))).toBe(Framing.Chunked);
    expect(requestFraming(head('POST / HTTP/1.1\r\nContent-Length: 3'))).toBe(Framing.Length);
    expect(requestFraming(head('POST / HTTP/1.1\r\nContent-Length: 0'))).toBe(Framing.None);
    // item 7: a request with neither has no body
    expect(requestFraming(head('GET / HTTP/1.1'))).toBe(Framing.None);
    expect(refusal(() => requestFraming(head('POST / HTTP/1.1\r\nTransfer-Encoding: gzip'))).status).toBe('501 Not Implemented');
    expect(refusal(() => requestFraming(head('POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked'))).status).toBe('501 Not Implemented');
  });

  test('responses: no body for HEAD, 1xx, 204 and 304 (item 1); chunked (item 4); close-delimited otherwise (items 4 and 8)', () => {
    const chunked = head('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked');
    const length = head('HTTP/1.1 200 OK\r\nContent-Length: 10');
    expect(responseFraming(length, 200, 'HEAD')).toBe(Framing.None);
    expect(responseFraming(length, 204, 'POST')).toBe(Framing.None);
    expect(responseFraming(length, 304, 'GET')).toBe(Framing.None);
    expect(responseFraming(chunked, 200, 'POST')).toBe(Framing.Chunked);
    expect(responseFraming(length, 200, 'POST')).toBe(Framing.Length);
    expect(responseFraming(head('HTTP/1.1 200 OK\r\nContent-Length: 0'), 200, 'POST')).toBe(Framing.None);
    // chunked not the final coding: read until the server closes
    expect(responseFraming(head('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip'), 200, 'POST')).toBe(Framing.Close);
    expect(responseFraming(head('HTTP/1.0 200 OK'), 200, 'POST')).toBe(Framing.Close);
    // chunked after another coding would reach the client decoded but still gzip-coded: refused
    expect(refusal(() => responseFraming(head('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked'), 200, 'POST')).status).toBe('502 Bad Gateway');
  });
});

describe('body decoding', () => {
  const CHUNKED = '5;name=value\r\nhello\r\n7 \r\n, world\r\n0\r\nX-Trailer: discarded\r\n\r\n';
  const NEXT = 'GET /next HTTP/1.1\r\n\r\n';

  test('chunked (RFC 9112 7.1): extensions ignored, trailers discarded, and the offset after the body returned', () => {
    const data = Buffer.from(CHUNKED + NEXT, 'latin1');
    const d = new BodyDecoder(Framing.Chunked, -1);
    const sink = new Collect();
    const end = d.feed(data, 0, sink);
    expect(sink.text).toBe('hello, world');
    expect(d.done).toBe(true);
    expect(data.toString('latin1', end)).toBe(NEXT);
  });

  test('chunked, fed one byte at a time, decodes the same bytes and stops at the same place', () => {
    const data = Buffer.from(CHUNKED + NEXT, 'latin1');
    const d = new BodyDecoder(Framing.Chunked, -1);
    const sink = new Collect();
    let o = 0;
    while (!d.done) {
      const slice = data.subarray(o, o + 1);
      expect(d.feed(slice, 0, sink)).toBe(1);
      o++;
    }
    expect(sink.text).toBe('hello, world');
    expect(data.toString('latin1', o)).toBe(NEXT);
  });

  test.each([
    ['a chunk size that is not hexadecimal', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['a negative chunk size', '-5\r\nhello\r\n0\r\n\r\n'],
    ['a chunk size of more than 12 digits', '1000000000000\r\n'],
    ['chunk data longer than its size', '3\r\nhello\r\n0\r\n\r\n'],
    ['a chunk line ended by a bare LF', '5\nhello\r\n0\r\n\r\n'],
  ])('chunked: %s is 400', (_what, text) => {
    const d = new BodyDecoder(Framing.Chunked, -1);
    expect(refusal(() => d.feed(Buffer.from(text, 'latin1'), 0, new Collect())).status).toBe('400 Bad Request');
  });

  test('chunked: a chunk-size line longer than 4 KiB is refused before it is complete', () => {
    const d = new BodyDecoder(Framing.Chunked, -1);
    expect(refusal(() => d.feed(Buffer.from(`5;${'x'.repeat(5000)}`, 'latin1'), 0, new Collect())).status).toBe('400 Bad Request');
  });

  test('Content-Length: exactly that many bytes, across feeds; the rest belongs to the next message', () => {
    const d = new BodyDecoder(Framing.Length, 8);
    const sink = new Collect();
    expect(d.feed(Buffer.from('abc'), 0, sink)).toBe(3);
    expect(d.done).toBe(false);
    expect(d.remainingLength()).toBe(5);
    const data = Buffer.from('xxdefghNEXT');
    expect(d.feed(data, 2, sink)).toBe(7);
    expect(d.done).toBe(true);
    expect(sink.text).toBe('abcdefgh');
    expect(d.feed(data, 7, sink)).toBe(7); // a finished body takes nothing more
  });

  test('close-delimited: everything until the end of the connection; no framing: nothing', () => {
    const close = new BodyDecoder(Framing.Close, -1);
    const sink = new Collect();
    expect(close.feed(Buffer.from('part one, '), 0, sink)).toBe(10);
    expect(close.feed(Buffer.from('..part two'), 2, sink)).toBe(10);
    expect(sink.text).toBe('part one, part two');
    expect(close.done).toBe(false);
    const none = new BodyDecoder(Framing.None, -1);
    expect(none.done).toBe(true);
    expect(none.feed(Buffer.from('GET'), 0, sink)).toBe(0);
  });
});
