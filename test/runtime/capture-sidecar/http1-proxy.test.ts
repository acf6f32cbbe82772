/**
 * The real sidecar process on the wire, byte for byte: raw client sockets in front of it, a Node.js HTTP server as the
 * model. What RFC 9112 (https://www.rfc-editor.org/rfc/rfc9112) and RFC 9110 (https://www.rfc-editor.org/rfc/rfc9110)
 * ask of an intermediary: ambiguous requests refused before they reach the model, hop-by-hop fields not forwarded,
 * pipelined requests answered in order, `Expect: 100-continue`, interim responses, and a chunked answer to an
 * HTTP/1.0 client.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { LoopbackServer } from '../../fakes/loopback-server';
import { SidecarProcess, startSidecar } from './harness';

interface Seen {
  readonly url: string;
  readonly rawHeaders: string[];
  readonly body: string;
}

/** The model: answers by path; remembers every request it got. */
class ScriptedModel extends LoopbackServer {
  public readonly seen: Seen[] = [];

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      this.seen.push({ url: req.url!, rawHeaders: req.rawHeaders, body });
      if (req.url === '/chunked') {
        // no Content-Length: Node.js answers chunked
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first,');
        setTimeout(() => res.end('second'), 20);
      } else if (req.url === '/early-hints') {
        // 103 Early Hints (RFC 8297) before the final answer
        res.writeEarlyHints({ link: '</model.css>; rel=preload; as=style' });
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '5' });
        res.end('final');
      } else if (req.url === '/te-and-cl') {
        req.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
      } else {
        const out = `${req.method} ${req.url} ${body}`;
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(out, 'latin1')) });
        res.end(out, 'latin1');
      }
    });
  }
}

const model = new ScriptedModel();
let sidecar: SidecarProcess;

beforeAll(async () => {
  await model.start();
  // proxy only (no stream): this file is about the wire
  sidecar = await startSidecar({ UPSTREAM_URL: model.url });
});
afterAll(async () => {
  await sidecar?.stop();
  await model.stop();
});

/**
 * Writes `parts` to a new connection to the sidecar (each after the previous one's `waitFor` text appeared in the
 * reply, if given) and resolves with everything read until the sidecar closes it or `until` matches.
 */
function converse(parts: { send: string; waitFor?: RegExp }[], until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(sidecar.port, '127.0.0.1');
    let reply = '';
    let next = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no end of the conversation; read so far: ${JSON.stringify(reply)}`));
    }, 5000);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(reply);
    };
    const pump = () => {
      while (next < parts.length) {
        const p = parts[next];
        if (p.waitFor && !p.waitFor.test(reply)) return;
        sock.write(p.send, 'latin1');
        next++;
      }
    };
    sock.on('connect', pump);
    sock.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      pump();
      if (until && until.test(reply)) done();
    });
    sock.on('close', done);
    sock.on('error', reject);
  });
}

const statusLines = (reply: string) => reply.match(/HTTP\/1\.1 \d{3}[^\r]*/g) ?? [];

describe('refused before the model sees them (each answered with the status, then the connection is closed)', () => {
  test.each([
    ['an HTTP/1.1 request without Host (RFC 9112 3.2)', 'POST /invocations HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}', '400'],
    ['two Host fields (RFC 9112 3.2)', 'POST /invocations HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 2\r\n\r\n{}', '400'],
    ['Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)', 'POST /invocations HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', '400'],
    ['Transfer-Encoding with Content-Length (RFC 9112 6.3, item 3)', 'POST /invocations HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', '400'],
    ['a transfer coding other than chunked (RFC 9112 6.1)', 'POST /invocations HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', '501'],
    ['a head larger than 16 KiB (RFC 6585 5)', `GET /invocations HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(17 * 1024)}\r\n\r\n`, '431'],
    ['HTTP/2.0 in the request line (RFC 9110 15.6.6)', 'GET /invocations HTTP/2.0\r\nHost: a\r\n\r\n', '505'],
  ])('%s', async (_what, bytes, status) => {
    const before = model.seen.length;
    const reply = await converse([{ send: bytes }]);
    expect(statusLines(reply)).toHaveLength(1);
    expect(reply.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(reply).toMatch(/\r\nConnection: close\r\n/i);
    expect(model.seen.length).toBe(before);
  });
});

test('an HTTP/1.0 request without Host is forwarded with the model\'s host (Host is optional in HTTP/1.0)', async () => {
  const reply = await converse([{ send: 'POST /host10 HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}' }]);
  expect(reply.startsWith('HTTP/1.1 200 ')).toBe(true);
  const seen = model.seen.find((s) => s.url === '/host10')!;
  expect(seen.rawHeaders[seen.rawHeaders.findIndex((h) => h.toLowerCase() === 'host') + 1]).toBe(new URL(model.url).host);
});

test('hop-by-hop fields, and those the Connection field names, are not forwarded (RFC 9110 7.6.1); the inference id is', async () => {
  const reply = await converse([{
    send: 'POST /hop HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n'
      + 'Proxy-Connection: keep-alive\r\nX-Kept: yes\r\nX-Inference-Id: hop-1\r\nContent-Length: 2\r\n\r\n{}',
  }], /\r\n\r\nPOST \/hop \{\}$/);
  expect(reply.startsWith('HTTP/1.1 200 ')).toBe(true);
  expect(reply).toMatch(/\r\nX-Inference-Id: hop-1\r\n/i);
  const names = model.seen.find((s) => s.url === '/hop')!.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  expect(names).toEqual(expect.arrayContaining(['host', 'x-kept', 'x-inference-id', 'content-length']));
  for (const hop of ['x-secret', 'keep-alive', 'te', 'proxy-connection']) expect(names).not.toContain(hop);
});

test('pipelined requests in one write are answered in order on the same connection (RFC 9112 9.3.2)', async () => {
  const one = (n: number) => `POST /pipe-${n} HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n[${n}]`;
  const reply = await converse([{ send: one(1) + one(2) + one(3) }], /POST \/pipe-3 \[3\]$/);
  expect(statusLines(reply)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
  const bodies = [...reply.matchAll(/POST \/pipe-(\d) \[(\d)\]/g)].map((m) => `${m[1]}=${m[2]}`);
  expect(bodies).toEqual(['1=1', '2=2', '3=3']);
});

test('Expect: 100-continue: the client gets 100 Continue, the model gets the body without the expectation (RFC 9110 10.1.1)', async () => {
  const reply = await converse([
    { send: 'POST /continue HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n' },
    { send: 'body', waitFor: /^HTTP\/1\.1 100 Continue\r\n\r\n/ },
  ], /POST \/continue body$/);
  expect(statusLines(reply)).toEqual(['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK']);
  const names = model.seen.find((s) => s.url === '/continue')!.rawHeaders.map((n) => n.toLowerCase());
  expect(names).not.toContain('expect');
});

test('an interim 103 from the model is not forwarded; the final answer is (RFC 9110 15.2)', async () => {
  const reply = await converse([{ send: 'GET /early-hints HTTP/1.1\r\nHost: a\r\n\r\n' }], /\r\n\r\nfinal$/);
  expect(statusLines(reply)).toEqual(['HTTP/1.1 200 OK']);
});

test('a chunked answer reaches an HTTP/1.1 client chunked, and an HTTP/1.0 client close-delimited (RFC 9112 6.3, item 8)', async () => {
  const v11 = await converse([{ send: 'GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n' }], /\r\n0\r\n\r\n$/);
  expect(v11).toMatch(/\r\nTransfer-Encoding: chunked\r\n/i);
  expect(v11.slice(v11.indexOf('\r\n\r\n') + 4)).toBe('6\r\nfirst,\r\n6\r\nsecond\r\n0\r\n\r\n');
  const v10 = await converse([{ send: 'GET /chunked HTTP/1.0\r\n\r\n' }]);
  expect(v10).not.toMatch(/Transfer-Encoding/i);
  expect(v10).toMatch(/\r\nConnection: close\r\n/i);
  expect(v10.slice(v10.indexOf('\r\n\r\n') + 4)).toBe('first,second');
});

test('a chunked request body reaches the model whole', async () => {
  const reply = await converse([{
    send: 'POST /chunked-in HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n',
  }], /POST \/chunked-in \{"a":1\}$/);
  expect(reply.startsWith('HTTP/1.1 200 ')).toBe(true);
  expect(model.seen.find((s) => s.url === '/chunked-in')!.body).toBe('{"a":1}');
});

test('an answer with both Transfer-Encoding and Content-Length is a 502, never forwarded (RFC 9112 6.3, item 3)', async () => {
  const reply = await converse([{ send: 'GET /te-and-cl HTTP/1.1\r\nHost: a\r\n\r\n' }], /\}$/);
  expect(reply.startsWith('HTTP/1.1 502 ')).toBe(true);
  expect(reply).not.toMatch(/hello/);
});
