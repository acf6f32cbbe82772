/**
 * The HTTP/1.1 reverse proxy in front of the model, on raw TCP sockets
 * (`node:net`) with the strict message syntax of http1.ts: keep-alive on both
 * sides (a LIFO pool of upstream sockets), bodies streamed (only the first
 * `maxRecordBytes` of a sampled body are kept), status, reason phrase and
 * headers passed through unchanged except hop-by-hop ones, upstream errors
 * answered 502/504. (About 710 lines on purpose: the connection classes, CaptureProxy, Upstream and
 * ClientConn, share one Exchange per request; http1.ts already holds the message syntax.)
 *
 * Why not `node:http`: a `--cpu-prof` profile under the bench load (see
 * docs/capture.md) showed the sidecar spending most of its CPU in Node's HTTP
 * server and client objects (IncomingMessage/ServerResponse/ClientRequest,
 * the agent, stream and event machinery) around two socket writes per request.
 * Here a request costs one read and one write on each side: the head is
 * parsed once, re-serialized with the first body bytes into one buffer and
 * written with one write(); the same for the response. Sampling is decided
 * before any copy; an unsampled exchange keeps no bytes.
 */
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { SidecarConfig } from './config';
import {
  BodyDecoder, BodySink, Framing, Head, headEnd, HttpError, MAX_HEAD_BYTES,
  parseHead, parseRequestLine, parseStatusLine, requestFraming, responseFraming,
} from './http1';
import { log } from './log';
import { Counters } from './metrics';
import { BodyTap } from './record';

/** Hop-by-hop headers (RFC 9110 7.6.1): not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
const INFERENCE_ID = 'x-inference-id';
/** Request bodies up to this size can be re-sent when a reused upstream connection turns out closed. */
const REPLAY_MAX_BYTES = 64 * 1024;
/** Accepted incoming inference ids: 1-128 visible ASCII characters. */
const VALID_ID = /^[\x21-\x7e]{1,128}$/;
const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

export interface RecordSink {
  /** One sampled exchange; the record is built (bodies validated, serialized) by the sink, off the event loop. */
  capture(inferenceId: string, startedAt: number, latencyMs: number, status: number, req: BodyTap, res: BodyTap): void;
}

export interface RequestObserver {
  /** A request (health checks excluded) was received; `observe` follows once it is over, answered or not. */
  begin(): void;
  /** A begun request was answered. */
  observe(status: number, latencyMs: number): void;
  /** A begun request ended without a complete response (the client or the model went away). */
  end(): void;
}

/** Buffer.prototype.latin1Write (Node.js 20-24; Buffer#write with 'latin1' when absent). */
const latin1Write: ((this: Buffer, s: string, offset: number, length: number) => number) | undefined = (Buffer.prototype as any).latin1Write;

/** `head` (a latin1 string) followed by `body[start, end)`, in one new buffer: one write() for both. */
function withBody(head: string, body: Buffer | undefined, start: number, end: number): Buffer {
  const n = head.length;
  const out = Buffer.allocUnsafe(n + (body ? end - start : 0));
  // latin1Write: Buffer#write without its encoding dispatch (the heads are latin1 text)
  if (latin1Write) latin1Write.call(out, head, 0, n);
  else out.write(head, 0, n, 'latin1');
  if (body && end > start) out.set(start === 0 && end === body.length ? body : body.subarray(start, end), n);
  return out;
}

/** The header lines of `h` to forward: without hop-by-hop ones, those named in Connection, `skip` and `skip2`. */
function forwardLines(h: Head, skip: string, skip2 = ''): string {
  let out = '';
  const extra = h.connection.length > 0 ? h.connection : undefined;
  for (let i = 0; i < h.lines.length; i++) {
    const name = h.names[i];
    if (HOP_BY_HOP.has(name) || name === skip || name === skip2 || (extra !== undefined && extra.includes(name))) continue;
    out += h.lines[i] + '\r\n';
  }
  return out;
}

export class CaptureProxy {
  public readonly server: net.Server;
  /** Idle upstream connections, most recently used last. */
  private readonly pool: Upstream[] = [];
  private readonly clients = new Set<ClientConn>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly upstreamHostHeader: string;
  /** Exchanges begun and not yet over. */
  public active = 0;
  public closing = false;

  constructor(
    public readonly cfg: SidecarConfig,
    public readonly sink: RecordSink,
    public readonly counters: Counters,
    public readonly observer?: RequestObserver,
  ) {
    this.upstreamHostHeader = cfg.upstream.host;
    // allowHalfOpen: the end of the client's side is handled here (ClientConn.onEnd)
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      const conn = new ClientConn(this, socket);
      this.clients.add(conn);
      socket.once('close', () => this.clients.delete(conn));
    });
    // closes upstream connections idle for longer than UPSTREAM_KEEPALIVE_MS (also checked when one is taken)
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.floor(cfg.upstreamKeepAliveMs / 2)));
    this.sweeper.unref();
  }

  /** The Host header for an HTTP/1.0 request without one (HTTP/1.1 requires one, RFC 9112 3.2). */
  public get hostHeader(): string {
    return this.upstreamHostHeader;
  }

  public listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.cfg.listenPort, this.cfg.listenHost, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections; in-flight requests finish, keep-alive connections close after their response. */
  public async close(graceMs: number): Promise<void> {
    this.closing = true;
    this.server.close();
    for (const c of this.clients) c.closeIfIdle();
    const deadline = Date.now() + graceMs;
    while (this.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const c of this.clients) c.socket.destroy();
    clearInterval(this.sweeper);
    for (const u of this.pool.splice(0)) u.socket.destroy();
  }

  /** An idle upstream connection (reused) or a new one. */
  public acquire(now: number): Upstream {
    while (this.pool.length > 0) {
      const u = this.pool.pop()!;
      if (now - u.idleSince <= this.cfg.upstreamKeepAliveMs && !u.socket.destroyed) return u;
      u.socket.destroy();
    }
    const port = Number(this.cfg.upstream.port || 80);
    const host = this.cfg.upstream.hostname.replace(/^\[|\]$/g, '');
    return new Upstream(this, net.connect({ port, host, noDelay: true }));
  }

  /** A new upstream connection (never a pooled one). */
  public acquireFresh(): Upstream {
    return this.acquire(Number.POSITIVE_INFINITY);
  }

  public release(u: Upstream): void {
    u.ex = undefined;
    u.reused = true;
    u.idleSince = performance.now();
    if (u.socket.isPaused()) u.socket.resume();
    this.pool.push(u);
  }

  public forget(u: Upstream): void {
    const i = this.pool.indexOf(u);
    if (i >= 0) this.pool.splice(i, 1);
  }

  private sweep(): void {
    const now = performance.now();
    while (this.pool.length > 0 && now - this.pool[0].idleSince > this.cfg.upstreamKeepAliveMs) this.pool.shift()!.socket.destroy();
  }
}

/** A connection to the model. Its listeners stay for its lifetime and dispatch to the exchange using it. */
class Upstream {
  public ex?: Exchange;
  public reused = false;
  public idleSince = 0;
  private err?: Error;

  constructor(private readonly proxy: CaptureProxy, public readonly socket: net.Socket) {
    // inactivity while a request is in flight (while idle, the keep-alive limit above is shorter)
    socket.setTimeout(proxy.cfg.upstreamTimeoutMs);
    socket.on('data', (d: Buffer) => {
      if (this.ex) this.ex.onUpstreamData(d);
      else socket.destroy(); // bytes from the model on an idle connection: it cannot be reused
    });
    socket.on('drain', () => this.ex?.onUpstreamDrain());
    socket.on('end', () => this.ex?.onUpstreamEnd());
    socket.on('timeout', () => {
      if (this.ex) this.ex.timedOut = true;
      socket.destroy();
    });
    socket.on('error', (err) => (this.err = err));
    socket.on('close', () => {
      this.proxy.forget(this);
      const ex = this.ex;
      this.ex = undefined;
      ex?.onUpstreamClosed(this, this.err);
    });
  }
}

/** A client connection: requests are handled one at a time (pipelined ones wait, read but not parsed). */
class ClientConn {
  public ex?: Exchange;
  /** Bytes read and not yet parsed. */
  private buf?: Buffer;
  private ended = false;
  private dead = false;

  constructor(public readonly proxy: CaptureProxy, public readonly socket: net.Socket) {
    socket.setTimeout(proxy.cfg.keepAliveTimeoutMs);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.ex?.onClientDrain());
    socket.on('end', () => this.onEnd());
    socket.on('timeout', () => this.onTimeout());
    socket.on('error', () => {
      this.proxy.counters.clientErrors++;
      socket.destroy();
    });
    socket.on('close', () => {
      this.dead = true;
      this.ex?.onClientClosed();
    });
  }

  public closeIfIdle(): void {
    if (!this.ex) this.socket.destroy();
  }

  /** The exchange is over on both sides: go on with the next request. */
  public next(): void {
    this.ex = undefined;
    if (this.dead) return;
    if (this.proxy.closing) {
      this.socket.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    const data = this.buf;
    this.buf = undefined;
    if (data) this.process(data);
    if (this.ended && !this.ex && !this.dead) this.socket.end();
  }

  /** The client gets an error status (if nothing was answered yet) and the connection closes. */
  public refuse(err: HttpError): void {
    this.proxy.counters.clientErrors++;
    this.buf = undefined;
    if (this.ex?.headSent || this.dead) {
      this.socket.destroy();
      return;
    }
    this.socket.end(`HTTP/1.1 ${err.status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    this.dead = true;
  }

  private onData(chunk: Buffer): void {
    if (this.dead) return;
    const data = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = undefined;
    this.process(data);
  }

  private process(data: Buffer): void {
    let o = 0;
    try {
      while (o < data.length && !this.dead) {
        const ex = this.ex;
        if (ex && !ex.reqDone) {
          o = ex.onRequestBytes(data, o);
          continue;
        }
        if (ex) {
          // a pipelined request: parsed once this exchange is over
          this.buf = data.subarray(o);
          this.socket.pause();
          return;
        }
        const end = headEnd(data, o);
        if (end < 0) {
          if (data.length - o > MAX_HEAD_BYTES) throw new HttpError('431 Request Header Fields Too Large', 'request head too large');
          this.buf = o === 0 ? data : data.subarray(o);
          return;
        }
        if (end - o > MAX_HEAD_BYTES) throw new HttpError('431 Request Header Fields Too Large', 'request head too large');
        const head = parseHead(o === 0 ? data : data.subarray(o), end - o);
        this.ex = new Exchange(this, head);
        o = this.ex.start(data, end + 4);
      }
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const ex = this.ex;
      this.refuse(err);
      ex?.abort();
    }
  }

  private onEnd(): void {
    this.ended = true;
    if (this.ex) {
      // the client went away before its answer (as Node.js's HTTP server treats it: the request is aborted)
      this.socket.destroy();
      return;
    }
    if (this.buf) this.proxy.counters.clientErrors++; // a truncated head
    this.socket.end();
  }

  private onTimeout(): void {
    // while a request is in flight the upstream timeout governs; the timer is re-armed by the next write
    if (this.ex) return;
    if (this.buf) {
      this.refuse(new HttpError('408 Request Timeout', 'request head not received in time'));
      return;
    }
    this.socket.destroy();
  }
}

/** One request and its response. */
class Exchange implements BodySink {
  public reqDone = false;
  public headSent = false;
  public timedOut = false;
  private readonly proxy: CaptureProxy;
  private readonly id: string;
  private readonly method: string;
  private readonly started: number;
  private readonly startedAt: number;
  private readonly health: boolean;
  private readonly reqTap?: BodyTap;
  private readonly resTap?: BodyTap;
  private readonly keepAlive: boolean;
  private readonly http10: boolean;
  private readonly reqDecoder: BodyDecoder;
  /** The request body is sent upstream chunked (it came chunked). */
  private readonly chunkedUp: boolean;
  private upstream?: Upstream;
  /** What was written upstream, kept (by reference) until the response starts, to re-send on a fresh connection. */
  private replay?: Buffer[] = [];
  private replayBytes = 0;
  private retried = false;
  private waitUpstreamDrain = false;
  /** The upstream head still to be written (with the first body bytes, if any). */
  private upHead?: string;
  // response
  private resBuf?: Buffer;
  private resDecoder?: BodyDecoder;
  private chunkedDown = false;
  private closeAfter = false;
  /** The upstream connection can go back to the pool once the response is complete. */
  private upstreamReusable = true;
  private status = 0;
  private resDone = false;
  private over = false;
  /** Receives the decoded response body. */
  private readonly responseSink: BodySink = {
    body: (chunk: Buffer) => {
      this.resTap?.push(chunk);
      if (this.chunkedDown) {
        this.writeDown(Buffer.from(chunk.length.toString(16) + '\r\n', 'latin1'));
        this.writeDown(chunk);
        this.writeDown(CRLF);
      } else {
        this.writeDown(chunk);
      }
    },
  };

  constructor(private readonly conn: ClientConn, head: Head) {
    const proxy = conn.proxy;
    this.proxy = proxy;
    this.started = performance.now();
    this.startedAt = Date.now();
    proxy.counters.requests++;
    const line = parseRequestLine(head.first);
    const framing = requestFraming(head);
    this.method = line.method;
    this.http10 = line.minor === 0;
    this.keepAlive = this.http10 ? head.connection.includes('keep-alive') : !head.connection.includes('close');
    this.reqDecoder = new BodyDecoder(framing, head.contentLength);
    this.chunkedUp = framing === Framing.Chunked;
    let incomingId: string | undefined;
    let hosts = 0;
    let expectContinue = false;
    for (let i = 0; i < head.names.length; i++) {
      const n = head.names[i];
      if (n === INFERENCE_ID) incomingId ??= head.values[i];
      else if (n === 'host') hosts++;
      else if (n === 'expect' && head.values[i].toLowerCase() === '100-continue') expectContinue = true;
    }
    // RFC 9112 3.2: 400 for an HTTP/1.1 request without Host and for any request with more than one
    if (hosts > 1 || (hosts === 0 && !this.http10)) throw new HttpError('400 Bad Request', hosts > 1 ? 'more than one Host' : 'no Host');
    // RFC 9112 6.1: the framing of an HTTP/1.0 message with Transfer-Encoding is faulty (a smuggling vector)
    if (this.http10 && head.transferEncoding !== undefined) throw new HttpError('400 Bad Request', 'Transfer-Encoding in an HTTP/1.0 request');
    const hasHost = hosts === 1;
    this.id = incomingId !== undefined && VALID_ID.test(incomingId) ? incomingId : randomUUID();
    const target = line.target;
    const q = target.indexOf('?');
    this.health = proxy.cfg.healthPaths.has(q >= 0 ? target.slice(0, q) : target);
    const rate = proxy.cfg.samplingPercent;
    if (rate > 0 && !this.health && (rate >= 100 || Math.random() * 100 < rate)) {
      this.reqTap = new BodyTap(proxy.cfg.maxRecordBytes);
      this.resTap = new BodyTap(proxy.cfg.maxRecordBytes);
    }
    proxy.active++;
    if (!this.health) proxy.observer?.begin();
    // Expect: 100-continue is answered here (below), so the model gets the body straight away
    const lines = forwardLines(head, INFERENCE_ID, expectContinue ? 'expect' : '');
    this.upHead = `${line.method} ${target} HTTP/1.1\r\n${lines}`
      + (hasHost ? '' : `Host: ${proxy.hostHeader}\r\n`)
      + `X-Inference-Id: ${this.id}\r\n`
      + (this.chunkedUp ? 'Transfer-Encoding: chunked\r\n' : '')
      + '\r\n';
    // the client waits for this before it sends the body; the model gets the body without waiting
    if (expectContinue && !this.http10) conn.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
  }

  /** Sends the request upstream with the body bytes of `data` from `o`; returns the offset after them. */
  public start(data: Buffer, o: number): number {
    this.upstream = this.proxy.acquire(this.started);
    this.upstream.ex = this;
    if (this.reqDecoder.framing === Framing.Length) {
      // the common case: head and (the first part of) the body in one write
      const end = Math.min(data.length, o + this.reqDecoder.remainingLength());
      const out = withBody(this.upHead!, data, o, end);
      this.upHead = undefined;
      if (end > o) {
        this.reqTap?.push(data.subarray(o, end));
        this.reqDecoder.consumed(end - o);
      }
      this.writeUp(out);
      this.checkRequestDone();
      return end;
    }
    if (this.reqDecoder.done) {
      const out = withBody(this.upHead!, undefined, 0, 0);
      this.upHead = undefined;
      this.writeUp(out);
      this.checkRequestDone();
      return o;
    }
    const out = withBody(this.upHead!, undefined, 0, 0);
    this.upHead = undefined;
    this.writeUp(out);
    return this.onRequestBytes(data, o);
  }

  /** More request body bytes; returns the offset after those that belong to this request. */
  public onRequestBytes(data: Buffer, o: number): number {
    const next = this.reqDecoder.feed(data, o, this);
    if (this.chunkedUp && this.reqDecoder.done && this.upstream) this.writeUp(LAST_CHUNK);
    this.checkRequestDone();
    return next;
  }

  /** A decoded request body part (BodySink). */
  public body(chunk: Buffer): void {
    this.reqTap?.push(chunk);
    if (!this.upstream || this.resDone) return;
    if (this.chunkedUp) {
      const s = this.upstream.socket;
      s.cork();
      this.writeUp(Buffer.from(chunk.length.toString(16) + '\r\n', 'latin1'));
      this.writeUp(chunk);
      this.writeUp(CRLF);
      s.uncork();
    } else {
      this.writeUp(chunk);
    }
  }

  private writeUp(b: Buffer): void {
    if (this.replay) {
      if (this.replayBytes + b.length <= REPLAY_MAX_BYTES) {
        this.replay.push(b);
        this.replayBytes += b.length;
      } else {
        this.replay = undefined;
      }
    }
    if (!this.upstream!.socket.write(b) && !this.reqDone) {
      this.waitUpstreamDrain = true;
      this.conn.socket.pause();
    }
  }

  public onUpstreamDrain(): void {
    if (!this.waitUpstreamDrain) return;
    this.waitUpstreamDrain = false;
    if (!this.reqDone) this.conn.socket.resume();
  }

  private checkRequestDone(): void {
    if (this.reqDone || !this.reqDecoder.done) return;
    this.reqDone = true;
    if (this.waitUpstreamDrain) {
      this.waitUpstreamDrain = false;
      this.conn.socket.resume();
    }
    if (this.resDone) this.conn.next();
  }

  // ---- response ----

  public onUpstreamData(d: Buffer): void {
    try {
      if (this.resDecoder) {
        this.forwardBody(d, 0);
        return;
      }
      let data = this.resBuf ? Buffer.concat([this.resBuf, d]) : d;
      this.resBuf = undefined;
      for (;;) {
        const end = headEnd(data);
        if (end < 0) {
          if (data.length > MAX_HEAD_BYTES) throw new HttpError('502 Bad Gateway', 'response head from the model too large');
          this.resBuf = data;
          return;
        }
        const head = parseHead(data, end);
        const sl = parseStatusLine(head.first);
        if (sl.status >= 100 && sl.status < 200) {
          if (sl.status === 101) throw new HttpError('502 Bad Gateway', 'the model switched protocols');
          data = data.subarray(end + 4); // interim response (100 Continue, 103 Early Hints): not forwarded
          if (data.length === 0) return;
          continue;
        }
        this.respond(head, sl.status, sl.reason, sl.minor, data, end + 4);
        return;
      }
    } catch (err) {
      this.upstream?.socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private respond(head: Head, status: number, reason: string, minor: number, data: Buffer, o: number): void {
    this.replay = undefined;
    this.status = status;
    const framing = responseFraming(head, status, this.method);
    const decoder = new BodyDecoder(framing, head.contentLength);
    this.resDecoder = decoder;
    const upstreamKeepAlive = minor === 0 ? head.connection.includes('keep-alive') : !head.connection.includes('close');
    if (!upstreamKeepAlive || framing === Framing.Close) this.upstreamReusable = false;
    let framingHeader = '';
    if (framing === Framing.Chunked || framing === Framing.Close) {
      // the length is not known: chunked to an HTTP/1.1 client, close-delimited to an HTTP/1.0 one
      if (this.http10) this.closeAfter = true;
      else {
        this.chunkedDown = true;
        framingHeader = 'Transfer-Encoding: chunked\r\n';
      }
    }
    if (!this.keepAlive || this.proxy.closing) this.closeAfter = true;
    const hasId = head.names.includes(INFERENCE_ID);
    const connection = this.closeAfter ? 'Connection: close\r\n'
      : this.http10 ? 'Connection: keep-alive\r\n'
        : `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.proxy.cfg.keepAliveTimeoutMs / 1000)}\r\n`;
    const out = `HTTP/1.1 ${status} ${reason}\r\n${forwardLines(head, '')}`
      + (hasId ? '' : `X-Inference-Id: ${this.id}\r\n`)
      + framingHeader + connection + '\r\n';
    this.headSent = true;
    if (framing === Framing.Length) {
      const end = Math.min(data.length, o + decoder.remainingLength());
      this.resTap?.push(data.subarray(o, end));
      decoder.consumed(end - o);
      this.writeDown(withBody(out, data, o, end));
      if (decoder.done) this.finish();
      return;
    }
    this.writeDown(withBody(out, undefined, 0, 0));
    if (decoder.done) {
      this.finish();
      return;
    }
    this.forwardBody(data, o);
  }

  private forwardBody(data: Buffer, o: number): void {
    const decoder = this.resDecoder!;
    const sink = this.responseSink;
    if (this.chunkedDown) this.conn.socket.cork();
    decoder.feed(data, o, sink);
    if (decoder.done && this.chunkedDown) this.writeDown(LAST_CHUNK);
    if (this.chunkedDown) this.conn.socket.uncork();
    if (decoder.done) this.finish();
  }

  private writeDown(b: Buffer): void {
    if (this.over) return;
    if (!this.conn.socket.write(b)) this.upstream?.socket.pause();
  }

  public onClientDrain(): void {
    const u = this.upstream;
    if (u && u.socket.isPaused()) u.socket.resume();
  }

  public onUpstreamEnd(): void {
    // close-delimited response: the end of the connection is the end of the body
    if (this.resDecoder?.framing === Framing.Close && !this.resDone) {
      if (this.chunkedDown) this.writeDown(LAST_CHUNK);
      this.resDecoder.done = true;
      this.upstreamReusable = false;
      this.finish();
    }
  }

  /** The response was forwarded completely. */
  private finish(): void {
    if (this.resDone) return;
    this.resDone = true;
    const u = this.upstream;
    this.upstream = undefined;
    if (u) {
      u.ex = undefined;
      if (this.upstreamReusable && this.reqDone && !u.socket.destroyed) this.proxy.release(u);
      else u.socket.destroy();
    }
    this.complete(true);
    if (this.closeAfter) {
      this.conn.socket.end();
      return;
    }
    // the rest of the request body (if the model answered early) is read and discarded first
    if (this.reqDone) this.conn.next();
  }

  /** Counts the exchange once: answered, or not. */
  private complete(answered: boolean): void {
    if (this.over) return;
    this.over = true;
    const p = this.proxy;
    p.active--;
    if (!answered) {
      if (!this.health) p.observer?.end();
      return;
    }
    const latencyMs = Math.round((performance.now() - this.started) * 1000) / 1000;
    if (!this.health) p.observer?.observe(this.status, latencyMs);
    if (this.reqTap && this.resTap) {
      try {
        p.sink.capture(this.id, this.startedAt, latencyMs, this.status, this.reqTap, this.resTap);
      } catch (err) {
        log('error', 'could not queue capture record', { inferenceId: this.id, error: String(err) });
      }
    }
  }

  public onUpstreamClosed(u: Upstream, err: Error | undefined): void {
    if (u !== this.upstream || this.resDone) return;
    this.upstream = undefined;
    if (this.resDecoder?.framing === Framing.Close) {
      this.onUpstreamEnd();
      return;
    }
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const reset = err === undefined || code === 'ECONNRESET' || code === 'EPIPE';
    if (!this.retried && u.reused && this.replay && !this.timedOut && !this.headSent && !this.resBuf && reset && !this.conn.socket.destroyed) {
      // the model closed a keep-alive connection just as it was reused: send the request again on a fresh one
      this.retried = true;
      this.proxy.counters.upstreamRetries++;
      const fresh = this.proxy.acquireFresh();
      fresh.ex = this;
      this.upstream = fresh;
      for (const b of this.replay) fresh.socket.write(b);
      return;
    }
    this.fail(err ?? new Error('the model closed the connection before answering'));
  }

  /** Answers 502 (504 after the upstream timeout), or cuts the client connection when the status was already sent. */
  private fail(err: Error): void {
    if (this.headSent) {
      this.conn.socket.destroy();
      return;
    }
    this.proxy.counters.upstreamErrors++;
    this.status = this.timedOut ? 504 : 502;
    const timeout = `no response from the model within ${this.proxy.cfg.upstreamTimeoutMs} ms`;
    const body = Buffer.from(JSON.stringify({
      error: this.timedOut ? 'model timed out' : 'model unavailable',
      detail: this.timedOut ? timeout : err.message,
      inferenceId: this.id,
    }));
    this.resTap?.push(body);
    if (this.proxy.closing || !this.keepAlive) this.closeAfter = true;
    const head = `HTTP/1.1 ${this.status} ${this.timedOut ? 'Gateway Timeout' : 'Bad Gateway'}\r\n`
      + `Date: ${new Date().toUTCString()}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n`
      + `X-Inference-Id: ${this.id}\r\n${this.closeAfter ? 'Connection: close' : 'Connection: keep-alive'}\r\n\r\n`;
    this.headSent = true;
    this.upstreamReusable = false;
    this.writeDown(withBody(head, body, 0, body.length));
    this.finish();
  }

  /** The client went away. */
  public onClientClosed(): void {
    if (!this.resDone) {
      this.resDone = true;
      this.upstream?.socket.destroy();
      this.upstream = undefined;
    }
    this.complete(false);
  }

  /** The request was refused mid-way (malformed body). */
  public abort(): void {
    this.onClientClosed();
  }
}
