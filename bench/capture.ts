/**
 * npm run bench:capture — what the capture sidecar costs a fast model.
 *
 * A stub model answers a ~1 KB JSON body after a fixed 5 ms. autocannon drives
 * the same load (BENCH_CONNECTIONS keep-alive connections, POST of a ~1 KB JSON
 * body) straight at the stub, through the sidecar at 0% sampling and through
 * the sidecar at 100% sampling (Firehose = a loopback recorder speaking the
 * PutRecordBatch JSON protocol, in its own process), interleaved in rounds in one run. Reports the
 * medians over rounds of throughput ratios and added p99 latency (per-request
 * latencies from autocannon's response events, so sub-millisecond), and the
 * sidecar's CPU time per request (its own process.cpuUsage(), read from its
 * admin port), with the stub's own CPU per request as the calibration of the
 * machine's speed (a shared machine slows every figure down). A fourth target,
 * `relay`, is the floor of any proxy written on Node.js sockets: a byte relay
 * (each client connection pinned to its own model connection, bytes forwarded
 * as they arrive, nothing parsed, nothing captured), measured the same way in
 * the same rounds; `cpuOverRelay*` is what the sidecar costs above it. Prints
 * one JSON line last.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
// autocannon has no bundled types
const autocannon = require('autocannon');

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MODEL_DELAY_MS = 5;
// BENCH_SIDECAR: another bundle of the sidecar (e.g. an older commit's, for a before/after under the same machine load)
const SIDECAR = process.env.BENCH_SIDECAR ?? path.join(__dirname, '..', 'assets', 'capture-sidecar', 'index.js');

/**
 * BENCH_CPU_LIMIT_MILLICORES: run each sidecar under a CPU limit, as a container's `resources.limits.cpu` does (the
 * CFS bandwidth controller: `cpu.cfs_quota_us` per `cpu.cfs_period_us` with cgroup v1, `cpu.max` with v2; see the
 * Kubernetes page "Resource Management for Pods and Containers"). Each sidecar gets its own cgroup, like its own pod.
 * Needs a writable cgroup file system (root on Linux); the run fails otherwise.
 */
const CPU_LIMIT_MILLICORES = process.env.BENCH_CPU_LIMIT_MILLICORES ? Number(process.env.BENCH_CPU_LIMIT_MILLICORES) : undefined;

/** Moves process `pid` (all its threads) into a new cgroup limited to `millicores`; returns a function removing it. */
function limitCpu(pid: number, millicores: number, name: string): () => void {
  const period = 100_000;
  const quota = Math.round((millicores / 1000) * period);
  const v1 = '/sys/fs/cgroup/cpu';
  const dir = fs.existsSync(`${v1}/cpu.cfs_quota_us`) ? `${v1}/${name}` : `/sys/fs/cgroup/${name}`;
  fs.mkdirSync(dir);
  if (dir.startsWith(v1)) {
    fs.writeFileSync(`${dir}/cpu.cfs_period_us`, String(period));
    fs.writeFileSync(`${dir}/cpu.cfs_quota_us`, String(quota));
  } else {
    fs.writeFileSync(`${dir}/cpu.max`, `${quota} ${period}`);
  }
  fs.writeFileSync(`${dir}/cgroup.procs`, String(pid));
  return () => {
    try {
      fs.rmdirSync(dir);
    } catch {
      // still has a process (it is being killed): left for the next boot
    }
  };
}

const RESPONSE = (() => {
  const base = { prediction: 0.8731, label: 'fraud', model: 'fraud-scoring', version: '7', scores: [] as number[] };
  while (JSON.stringify(base).length < 1000) base.scores.push(Math.round(Math.sin(base.scores.length) * 1e4) / 1e4);
  return Buffer.from(JSON.stringify(base));
})();
const REQUEST = (() => {
  const base = { customer: 'c-123456', amount: 129.99, currency: 'EUR', features: [] as number[] };
  while (JSON.stringify(base).length < 1000) base.features.push(Math.round(Math.cos(base.features.length) * 1e4) / 1e4);
  return JSON.stringify(base);
})();

/** Child mode: the stub model (its own process, so it does not share an event loop with the load generator). */
function runStub(): void {
  const server = http.createServer((req, res) => {
    if (req.url === '/__cpu') {
      const cpu = process.cpuUsage();
      res.end(JSON.stringify({ cpuMicros: cpu.user + cpu.system }));
      return;
    }
    req.resume();
    req.on('end', () => setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(RESPONSE.length) });
      res.end(RESPONSE);
    }, MODEL_DELAY_MS));
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port })));
  process.on('SIGTERM', () => process.exit(0));
}

/**
 * Child mode: a loopback Firehose that accepts every PutRecordBatch and counts
 * records. Its own process, like the stub: parsing a ~1.5 MB batch blocks an
 * event loop for ~4 ms, which in the load generator's process would delay the
 * responses autocannon is timing (and only in the 100% runs).
 */
function runRecorder(): void {
  let records = 0;
  let calls = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/__records') {
      res.end(JSON.stringify({ records, calls, connections }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const n = body.Records.length;
      records += n;
      calls++;
      const out = JSON.stringify({ FailedPutCount: 0, Encrypted: true, RequestResponses: Array.from({ length: n }, (_, i) => ({ RecordId: `r${records - n + i}` })) });
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': String(Buffer.byteLength(out)) });
      res.end(out);
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port })));
  process.on('SIGTERM', () => process.exit(0));
}

/**
 * Child mode: the relay, the cheapest proxy Node.js sockets allow (see the header). Its admin port answers the
 * sidecar's `/metrics.json` fields the bench reads: CPU time and requests (one per chunk from a client; the bench's
 * requests arrive in one chunk each, which the run's request total confirms).
 */
function runRelay(): void {
  const upstream = new URL(process.env.UPSTREAM_URL!);
  let requests = 0;
  const server = net.createServer({ noDelay: true }, (client) => {
    const model = net.connect({ port: Number(upstream.port), host: upstream.hostname, noDelay: true });
    client.on('data', (d: Buffer) => {
      requests++;
      model.write(d);
    });
    model.on('data', (d: Buffer) => client.write(d));
    client.on('close', () => model.destroy());
    model.on('close', () => client.destroy());
    client.on('error', () => undefined);
    model.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    const admin = http.createServer((_req, res) => {
      const cpu = process.cpuUsage();
      res.end(JSON.stringify({ cpuMicros: cpu.user + cpu.system, requests }));
    });
    admin.listen(0, '127.0.0.1', () => console.log(JSON.stringify({
      msg: 'listening', port: (server.address() as AddressInfo).port, adminPort: (admin.address() as AddressInfo).port,
    })));
  });
  process.on('SIGTERM', () => process.exit(0));
}

interface Child {
  proc: ChildProcess;
  port: number;
  adminPort?: number;
}

function startChild(args: string[], env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'listening') resolve({ proc, port: entry.port, adminPort: entry.adminPort });
        } catch {
          // not JSON
        }
      }
    });
    proc.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

async function getJson(url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve(JSON.parse(data)));
    }).on('error', reject);
  });
}

/**
 * CPU time (µs) of the sidecar's main thread (the proxy) and of all its other
 * threads (the shipping worker, V8's and libuv's background threads), from
 * /proc/<pid>/task/<tid>/stat (utime + stime, fields 14-15; proc(5)); undefined where /proc is absent.
 */
function threadCpuMicros(pid: number | undefined): { main: number; others: number } | undefined {
  if (pid === undefined || !fs.existsSync(`/proc/${pid}/task`)) return undefined;
  const tick = 1e6 / 100; // USER_HZ
  let main = 0;
  let others = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const micros = (Number(fields[11]) + Number(fields[12])) * tick;
    if (Number(tid) === pid) main += micros;
    else others += micros;
  }
  return { main, others };
}

interface RunResult {
  rps: number;
  p99Ms: number;
  p50Ms: number;
  requests: number;
  cpuMicrosPerRequest?: number;
  stubCpuPercent: number;
  /** The stub model's own CPU per request: a Node.js HTTP server doing almost nothing, the calibration of the machine's speed. */
  stubCpuMicrosPerRequest: number;
  /** The sidecar's main thread (proxy) and other threads (shipping worker, V8/libuv background threads), per request. */
  mainThreadMicrosPerRequest?: number;
  otherThreadsMicrosPerRequest?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function load(port: number, durationS: number, adminPort: number | undefined, stubPort: number, pid?: number): Promise<RunResult> {
  const threadsBefore = threadCpuMicros(pid);
  const before = adminPort ? await getJson(`http://127.0.0.1:${adminPort}/metrics.json`) : undefined;
  const stubBefore = await getJson(`http://127.0.0.1:${stubPort}/__cpu`);
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/invocations`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: REQUEST,
    connections: CONNECTIONS,
    duration: durationS,
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await instance;
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const stubAfter = await getJson(`http://127.0.0.1:${stubPort}/__cpu`);
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`load run on :${port} had ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`);
  }
  const after = adminPort ? await getJson(`http://127.0.0.1:${adminPort}/metrics.json`) : undefined;
  const threadsAfter = threadCpuMicros(pid);
  const served = before && after ? Math.max(1, after.requests - before.requests) : 1;
  // the per-request figures divide by the target's own count: it must agree with the load generator's
  // (up to the requests in flight when the run stopped)
  if (before && after && Math.abs(served - result['2xx']) > 2 * CONNECTIONS) {
    throw new Error(`the target on :${port} counted ${served} requests, the load generator ${result['2xx']}`);
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: result['2xx'] / result.duration,
    p99Ms: percentile(sorted, 99),
    p50Ms: percentile(sorted, 50),
    requests: result['2xx'],
    cpuMicrosPerRequest: before && after ? (after.cpuMicros - before.cpuMicros) / Math.max(1, after.requests - before.requests) : undefined,
    stubCpuPercent: (100 * (stubAfter.cpuMicros - stubBefore.cpuMicros)) / 1e6 / wallS,
    stubCpuMicrosPerRequest: (stubAfter.cpuMicros - stubBefore.cpuMicros) / Math.max(1, result['2xx']),
    mainThreadMicrosPerRequest: threadsBefore && threadsAfter ? (threadsAfter.main - threadsBefore.main) / served : undefined,
    otherThreadsMicrosPerRequest: threadsBefore && threadsAfter ? (threadsAfter.others - threadsBefore.others) / served : undefined,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function threadSplit(suffix: string, runs: RunResult[]): Record<string, number> {
  if (runs.some((x) => x.mainThreadMicrosPerRequest === undefined)) return {};
  return {
    [`mainThreadMicrosPerRequest${suffix}`]: round(median(runs.map((x) => x.mainThreadMicrosPerRequest!)), 1),
    [`otherThreadsMicrosPerRequest${suffix}`]: round(median(runs.map((x) => x.otherThreadsMicrosPerRequest!)), 1),
  };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const recorder = await startChild([__filename, 'recorder'], {});
  const recorderEndpoint = `http://127.0.0.1:${recorder.port}`;
  const stub = await startChild([__filename, 'stub'], {});
  const sidecarEnv = (sampling: string) => ({
    LISTEN_PORT: '0',
    LISTEN_HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    UPSTREAM_URL: `http://127.0.0.1:${stub.port}`,
    CAPTURE_STREAM_NAME: 'bench',
    CAPTURE_SAMPLING_PERCENT: sampling,
    FIREHOSE_ENDPOINT: recorderEndpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    SPILL_DIR: path.join(os.tmpdir(), `capture-bench-spill-${process.pid}-${sampling}`),
    METRICS_LOG_INTERVAL_MS: '0',
    MODEL_NAME: 'fraud-scoring',
    MODEL_VERSION: '7',
    VARIANT: 'primary',
  });
  const s0 = await startChild([SIDECAR], sidecarEnv('0'));
  const s100 = await startChild([SIDECAR], sidecarEnv('100'));
  const unlimit = CPU_LIMIT_MILLICORES === undefined ? [] : [s0, s100].map((c, i) => limitCpu(c.proc.pid!, CPU_LIMIT_MILLICORES, `cdk-mlops-bench-${process.pid}-${i}`));
  const relay = await startChild([__filename, 'relay'], { UPSTREAM_URL: `http://127.0.0.1:${stub.port}` });
  const targets = {
    direct: { port: stub.port, adminPort: undefined as number | undefined, pid: undefined as number | undefined },
    sidecar0: { port: s0.port, adminPort: s0.adminPort, pid: s0.proc.pid },
    sidecar100: { port: s100.port, adminPort: s100.adminPort, pid: s100.proc.pid },
    relay: { port: relay.port, adminPort: relay.adminPort, pid: relay.proc.pid },
  };
  type Name = keyof typeof targets;
  const names = Object.keys(targets) as Name[];
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${DURATION_S} s per target, model delay ${MODEL_DELAY_MS} ms, ~${RESPONSE.length} B response, ~${REQUEST.length} B request`);
  for (const n of names) await load(targets[n].port, 2, targets[n].adminPort, stub.port, targets[n].pid); // warm-up

  const results: Record<Name, RunResult[]> = { direct: [], sidecar0: [], sidecar100: [], relay: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) {
      const res = await load(targets[n].port, DURATION_S, targets[n].adminPort, stub.port, targets[n].pid);
      results[n].push(res);
      console.log(`round ${r + 1} ${n.padEnd(10)} ${res.rps.toFixed(0).padStart(6)} req/s  p50 ${res.p50Ms.toFixed(2)} ms  p99 ${res.p99Ms.toFixed(2)} ms`
        + `  stub CPU ${res.stubCpuPercent.toFixed(0)}% (${res.stubCpuMicrosPerRequest.toFixed(1)} us/req)`
        + (res.cpuMicrosPerRequest !== undefined ? `  sidecar CPU ${res.cpuMicrosPerRequest.toFixed(1)} us/req` : ''));
    }
  }

  // every sampled request must have reached the recorder: stop the 100% sidecar (SIGTERM flushes) and compare
  const final = await getJson(`http://127.0.0.1:${s100.adminPort}/metrics.json`);
  const exited = new Promise((r) => s100.proc.on('exit', r));
  s100.proc.kill('SIGTERM');
  await exited;
  s0.proc.kill('SIGTERM');
  relay.proc.kill('SIGTERM');
  stub.proc.kill('SIGTERM');
  const { records: recordsDelivered } = await getJson(`${recorderEndpoint}/__records`);
  await new Promise((r) => setTimeout(r, 200)); // the sidecars' exits
  unlimit.forEach((f) => f());
  recorder.proc.kill('SIGTERM');

  const ratio = (n: Name) => median(results[n].map((x, i) => x.rps / results.direct[i].rps));
  const added = (n: Name) => median(results[n].map((x, i) => x.p99Ms - results.direct[i].p99Ms));
  const summary = {
    samplingPercent: 100,
    directRps: round(median(results.direct.map((x) => x.rps)), 1),
    sidecarRps: round(median(results.sidecar100.map((x) => x.rps)), 1),
    throughputRatio: round(ratio('sidecar100')),
    directP99Ms: round(median(results.direct.map((x) => x.p99Ms))),
    sidecarP99Ms: round(median(results.sidecar100.map((x) => x.p99Ms))),
    addedP99Ms: round(added('sidecar100')),
    cpuMicrosPerRequest: round(median(results.sidecar100.map((x) => x.cpuMicrosPerRequest!)), 1),
    sidecar0Rps: round(median(results.sidecar0.map((x) => x.rps)), 1),
    throughputRatio0: round(ratio('sidecar0')),
    sidecar0P99Ms: round(median(results.sidecar0.map((x) => x.p99Ms))),
    addedP99Ms0: round(added('sidecar0')),
    cpuMicrosPerRequest0: round(median(results.sidecar0.map((x) => x.cpuMicrosPerRequest!)), 1),
    directP50Ms: round(median(results.direct.map((x) => x.p50Ms))),
    sidecarP50Ms: round(median(results.sidecar100.map((x) => x.p50Ms))),
    stubCpuPercentMax: round(Math.max(...names.flatMap((n) => results[n].map((x) => x.stubCpuPercent))), 1),
    // calibration: the stub (a bare node:http server) per request in the direct runs, and the sidecar's CPU in units of it
    stubCpuMicrosPerRequest: round(median(results.direct.map((x) => x.stubCpuMicrosPerRequest)), 1),
    cpuPerStubRequest: round(median(results.sidecar100.map((x, i) => x.cpuMicrosPerRequest! / results.direct[i].stubCpuMicrosPerRequest)), 2),
    cpuPerStubRequest0: round(median(results.sidecar0.map((x, i) => x.cpuMicrosPerRequest! / results.direct[i].stubCpuMicrosPerRequest)), 2),
    // the floor: the byte relay in the same rounds, and the sidecar's CPU above it (per round, then the median)
    relayCpuMicrosPerRequest: round(median(results.relay.map((x) => x.cpuMicrosPerRequest!)), 1),
    relayThroughputRatio: round(ratio('relay')),
    relayAddedP99Ms: round(added('relay')),
    cpuOverRelay: round(median(results.sidecar100.map((x, i) => x.cpuMicrosPerRequest! - results.relay[i].cpuMicrosPerRequest!)), 1),
    cpuOverRelay0: round(median(results.sidecar0.map((x, i) => x.cpuMicrosPerRequest! - results.relay[i].cpuMicrosPerRequest!)), 1),
    // where the sidecar CPU goes (Linux /proc, 1/100 s ticks): the proxy thread, and all other threads
    // (shipping worker, V8 and libuv background threads)
    ...threadSplit('', results.sidecar100),
    ...threadSplit('0', results.sidecar0),
    captured: final.captured,
    recordsDelivered,
    connections: CONNECTIONS,
    ...(CPU_LIMIT_MILLICORES !== undefined ? { sidecarCpuLimitMillicores: CPU_LIMIT_MILLICORES } : {}),
    rounds: ROUNDS,
    durationS: DURATION_S,
    node: process.version,
    cpus: os.cpus().length,
    // other work on the machine during the run (1-minute load average before/after): >cpus means contention
    loadAverage1m: [round(loadBefore, 2), round(os.loadavg()[0], 2)],
  };
  if (summary.recordsDelivered < summary.captured) throw new Error(`only ${summary.recordsDelivered} of ${summary.captured} captured records reached the recorder`);
  console.log(JSON.stringify(summary));
}

if (process.argv[2] === 'stub') {
  runStub();
} else if (process.argv[2] === 'recorder') {
  runRecorder();
} else if (process.argv[2] === 'relay') {
  runRelay();
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
