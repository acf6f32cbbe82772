/**
 * Test harness: a stub model server and the capture sidecar run as a real
 * process (the bundled assets/capture-sidecar/index.js), all on loopback.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { LoopbackServer } from '../../fakes/loopback-server';

export const SIDECAR = path.join(__dirname, '..', '..', '..', 'assets', 'capture-sidecar', 'index.js');

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly bodySha256: string;
  readonly bodyBytes: number;
}

/**
 * The stub model. Routes:
 * - `POST /invocations`: answers `{"prediction":..., "n": <bytes received>}` (JSON)
 * - `POST /echo`: answers the request body with the request's content type
 * - `GET /big?bytes=N`: answers N bytes of JSON
 * - `GET /status/<code>`: answers that status with `X-Model-Error: yes` and a text body
 * - `GET /hang`: never answers
 * - `POST /first-chunk`: answers as soon as the first body chunk arrives (streaming check)
 * - `GET /stream`: writes a chunk, then the rest when `release()` is called
 * - `POST /drop-reused`: like `/invocations` on a fresh connection; on a reused one the connection is closed without an answer
 * - `GET /healthz`: `ok`
 */
export class StubModel extends LoopbackServer {
  public readonly seen: SeenRequest[] = [];
  /** Requests `/drop-reused` answered by closing the (reused) connection. */
  public dropped = 0;
  private releaseStream?: () => void;

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Lets a pending `/stream` response finish. */
  public release(): void {
    this.releaseStream?.();
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stub');
    if (url.pathname === '/first-chunk') {
      req.once('data', (c: Buffer) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ firstChunk: c.toString('utf8') }));
        req.resume();
      });
      return;
    }
    if (url.pathname === '/hang') return;
    const socket = req.socket as Socket & { served?: number };
    socket.served = (socket.served ?? 0) + 1;
    if (url.pathname === '/drop-reused' && socket.served > 1) {
      // the model closing a keep-alive connection just as the proxy reuses it
      this.dropped++;
      socket.destroy();
      return;
    }
    const hash = createHash('sha256');
    let n = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      hash.update(c);
      n += c.length;
      if (url.pathname === '/echo') chunks.push(c);
    });
    req.on('end', () => {
      this.seen.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, bodySha256: hash.digest('hex'), bodyBytes: n });
      if (url.pathname === '/invocations' || url.pathname === '/drop-reused') {
        const body = JSON.stringify({ prediction: n % 7, n });
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Model-Version': 'v1' });
        res.end(body);
      } else if (url.pathname === '/echo') {
        res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/octet-stream' });
        res.end(Buffer.concat(chunks));
      } else if (url.pathname === '/big') {
        const bytes = Number(url.searchParams.get('bytes') ?? '1000');
        const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.max(0, bytes - 10)) }));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
        res.end(body);
      } else if (url.pathname.startsWith('/status/')) {
        res.writeHead(Number(url.pathname.slice(8)), 'Custom Reason', { 'Content-Type': 'text/plain', 'X-Model-Error': 'yes', 'Set-Cookie': ['a=1', 'b=2'] });
        res.end('model says no');
      } else if (url.pathname === '/stream') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first-part;');
        this.releaseStream = () => res.end('second-part');
      } else if (url.pathname === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  }
}

export interface SidecarProcess {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly adminPort: number;
  readonly logs: any[];
  readonly url: string;
  /** The counters from the admin port (`/metrics.json`). */
  metrics(): Promise<Record<string, number>>;
  /** The Prometheus text from the admin port (`/metrics`). */
  prometheus(): Promise<string>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** Spawns `node assets/capture-sidecar/index.js` with the given environment and waits until it listens. */
export async function startSidecar(env: Record<string, string>): Promise<SidecarProcess> {
  // CAPTURE_SIDECAR_NODE: run the sidecar on another Node.js (e.g. 22 or 24) than the tests
  const proc = spawn(process.env.CAPTURE_SIDECAR_NODE ?? process.execPath, [SIDECAR], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret-test',
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      LISTEN_PORT: '0',
      LISTEN_HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      METRICS_LOG_INTERVAL_MS: '0',
      RETRY_BASE_MS: '10',
      RETRY_MAX_MS: '200',
      MODEL_NAME: 'fraud',
      MODEL_VERSION: '7',
      VARIANT: 'primary',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // never leave a sidecar behind when a test fails before stopping it
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  proc.once('exit', () => process.removeListener('exit', reap));
  const logs: any[] = [];
  let buf = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const listening = new Promise<any>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const entry = JSON.parse(line);
          logs.push(entry);
          if (entry.msg === 'listening') resolve(entry);
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => logs.push({ stderr: d.toString('utf8') }));
    void exited.then((code) => reject(new Error(`sidecar exited with ${code} before listening: ${JSON.stringify(logs)}`)));
  });
  const started = await listening;
  const admin = `http://127.0.0.1:${started.adminPort}`;
  return {
    proc,
    port: started.port,
    adminPort: started.adminPort,
    logs,
    url: `http://127.0.0.1:${started.port}`,
    exited,
    metrics: async () => JSON.parse((await request(admin + '/metrics.json')).body.toString('utf8')),
    prometheus: async () => (await request(admin + '/metrics')).body.toString('utf8'),
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}

export interface Response {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
  readonly reusedSocket: boolean;
}

/** One HTTP request; resolves with the whole response. */
export function request(
  url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode!,
        statusMessage: res.statusMessage!,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
        body: Buffer.concat(chunks),
        reusedSocket: req.reusedSocket,
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Polls until `check` returns true (or throws after `timeoutMs` with `what`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Runs `n` tasks with at most `concurrency` at a time. */
export async function runConcurrently(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await task(next++);
  });
  await Promise.all(workers);
}

/** How often each id occurs. */
export function countIds(records: { inferenceId: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.inferenceId, (counts.get(r.inferenceId) ?? 0) + 1);
  return counts;
}
