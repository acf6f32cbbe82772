/**
 * The HTTP/1.1 reverse proxy in front of the model: keep-alive on both sides,
 * bodies streamed (only the first `maxRecordBytes` of a sampled body are
 * kept), status, headers and upstream errors passed through unchanged.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SidecarConfig } from './config';
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

/** The header list without hop-by-hop headers (and without those named in `Connection`). */
function forwardable(raw: string[], connection: string | undefined, skip?: string): string[] {
  const extra = connection ? connection.toLowerCase().split(',').map((s) => s.trim()) : undefined;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || name === skip || (extra && extra.includes(name))) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

export class CaptureProxy {
  public readonly server: http.Server;
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;
  private active = 0;
  private closing = false;

  constructor(
    private readonly cfg: SidecarConfig,
    private readonly sink: RecordSink,
    private readonly counters: Counters,
    private readonly observer?: RequestObserver,
  ) {
    this.host = cfg.upstream.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(cfg.upstream.port || 80);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, scheduling: 'lifo', timeout: cfg.upstreamKeepAliveMs });
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = cfg.keepAliveTimeoutMs;
    this.server.headersTimeout = Math.min(cfg.keepAliveTimeoutMs + 1000, 120_000);
    this.server.requestTimeout = 0; // the upstream timeout governs
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
  }

  public listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.cfg.listenPort, this.cfg.listenHost, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  /** Stops accepting connections; in-flight requests finish, keep-alive connections close after their response. */
  public async close(graceMs: number): Promise<void> {
    this.closing = true;
    this.server.close();
    this.server.closeIdleConnections?.();
    const deadline = Date.now() + graceMs;
    while (this.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.server.closeAllConnections?.();
    this.agent.destroy();
  }

  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    this.counters.clientErrors++;
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon?.();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = performance.now();
    const startedAt = Date.now();
    this.counters.requests++;
    this.active++;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const incomingId = req.headers[INFERENCE_ID];
    const id = typeof incomingId === 'string' && VALID_ID.test(incomingId) ? incomingId : randomUUID();
    const rate = this.cfg.samplingPercent;
    const health = this.cfg.healthPaths.has(path);
    const sampled = rate > 0 && !health && (rate >= 100 || Math.random() * 100 < rate);
    if (!health) this.observer?.begin();
    const reqTap = sampled ? new BodyTap(this.cfg.maxRecordBytes) : undefined;
    const resTap = sampled ? new BodyTap(this.cfg.maxRecordBytes) : undefined;
    let status = 0;
    let timedOut = false;
    res.sendDate = false;

    const headers = forwardable(req.rawHeaders, req.headers.connection, INFERENCE_ID);
    headers.push('X-Inference-Id', id);
    // The body chunks already forwarded, kept (by reference) until the response
    // starts, so a request that hit a keep-alive connection the model had just
    // closed can be sent again on a fresh one.
    let replay: Buffer[] | undefined = [];
    let replayBytes = 0;
    let reqEnded = false;
    let failed = false;
    let upReq!: http.ClientRequest;

    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      if (res.headersSent) {
        // the status is already on the wire: cut the connection so the client sees the failure
        res.destroy(err);
        return;
      }
      this.counters.upstreamErrors++;
      req.resume(); // drain what is left of the body
      status = timedOut ? 504 : 502;
      const body = Buffer.from(JSON.stringify({ error: timedOut ? 'model timed out' : 'model unavailable', detail: err.message, inferenceId: id }));
      resTap?.push(body);
      res.sendDate = true;
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
        'X-Inference-Id': id,
        ...(this.closing ? { Connection: 'close' } : {}),
      });
      res.end(body);
    };

    const send = (retry: boolean) => {
      const r = http.request({
        host: this.host,
        port: this.port,
        method: req.method,
        path: url,
        headers: headers as any,
        agent: this.agent,
      });
      upReq = r;
      r.setNoDelay(true);
      r.setTimeout(this.cfg.upstreamTimeoutMs, () => {
        timedOut = true;
        r.destroy(new Error(`no response from the model within ${this.cfg.upstreamTimeoutMs} ms`));
      });
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (r !== upReq) return;
        if (!retry && replay && !timedOut && !failed && r.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          this.counters.upstreamRetries++;
          send(true);
          return;
        }
        fail(err);
      });
      r.on('response', (upRes) => {
        replay = undefined;
        status = upRes.statusCode ?? 502;
        const out = forwardable(upRes.rawHeaders, upRes.headers.connection);
        if (upRes.headers[INFERENCE_ID] === undefined) out.push('X-Inference-Id', id);
        if (this.closing) out.push('Connection', 'close');
        res.writeHead(status, upRes.statusMessage, out as any);
        if (resTap) upRes.on('data', (chunk: Buffer) => resTap.push(chunk));
        upRes.on('error', (err) => res.destroy(err));
        upRes.on('close', () => {
          if (!upRes.complete) res.destroy();
        });
        upRes.pipe(res);
      });
      if (retry) {
        for (const chunk of replay!) r.write(chunk);
        if (reqEnded) r.end();
        else req.resume();
      }
    };
    send(false);

    req.on('data', (chunk: Buffer) => {
      reqTap?.push(chunk);
      if (failed) return;
      if (replay) {
        if (replayBytes + chunk.length <= REPLAY_MAX_BYTES) {
          replay.push(chunk);
          replayBytes += chunk.length;
        } else {
          replay = undefined;
        }
      }
      const r = upReq;
      if (!r.write(chunk)) {
        req.pause();
        r.once('drain', () => {
          if (r === upReq) req.resume();
        });
      }
    });
    req.on('end', () => {
      reqEnded = true;
      if (!failed) upReq.end();
    });
    req.on('error', () => upReq.destroy());

    res.on('close', () => {
      this.active--;
      const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
      if (!res.writableFinished) {
        if (!health) this.observer?.end();
        upReq.destroy();
        return;
      }
      if (!health) this.observer?.observe(status, latencyMs);
      if (reqTap && resTap) {
        try {
          this.sink.capture(id, startedAt, latencyMs, status, reqTap, resTap);
        } catch (err) {
          log('error', 'could not queue capture record', { inferenceId: id, error: String(err) });
        }
      }
    });
  }
}
