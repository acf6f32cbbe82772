/**
 * The capture sidecar: an HTTP/1.1 proxy in each inference pod that forwards
 * every request to the model on localhost unchanged and ships a sample of
 * request/response pairs (capture records) to Kinesis Data Firehose.
 *
 * Configuration: environment variables, see config.ts and docs/capture.md.
 * Runtime code: bundled by `npm run bundle` to assets/capture-sidecar/index.js,
 * never exported from lib/index.ts.
 */
import * as http from 'node:http';
import { isMainThread } from 'node:worker_threads';
import { InferenceMetrics } from './cloudwatch';
import { ConfigError, loadConfig, SidecarConfig } from './config';
import { errorText, log } from './log';
import { Counters, countersJson, Gauges, prometheusText } from './metrics';
import { CaptureProxy, RecordSink } from './proxy';
import { EMPTY_STATS, runShipperWorker, SHIPPER_COUNTERS, ShipperClient, ShipperStats } from './worker';

/** The proxy's counters with the shipping worker's. */
function merged(counters: Counters, s: ShipperStats): { counters: Counters; gauges: Gauges } {
  const all = Object.assign(new Counters(), counters);
  for (const k of SHIPPER_COUNTERS) all[k] = s.counters[k];
  return { counters: all, gauges: s.gauges };
}

function startAdmin(
  cfg: SidecarConfig, snapshot: () => Promise<{ counters: Counters; gauges: Gauges }>, isStopping: () => boolean,
): Promise<http.Server> {
  const admin = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' || path === '/metrics.json') {
      void snapshot().then(({ counters, gauges }) => {
        const json = path === '/metrics.json';
        const body = json ? JSON.stringify(countersJson(counters, gauges)) : prometheusText(counters, gauges);
        res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
    } else if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok\n');
    } else if (path === '/readyz') {
      res.writeHead(isStopping() ? 503 : 200, { 'Content-Type': 'text/plain' });
      res.end(isStopping() ? 'stopping\n' : 'ok\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    admin.once('error', reject);
    admin.listen(cfg.adminPort, cfg.listenHost, () => resolve(admin));
  });
}

async function main(): Promise<void> {
  let cfg: SidecarConfig;
  try {
    cfg = loadConfig();
  } catch (err) {
    log('error', 'invalid configuration', { error: err instanceof ConfigError ? err.message : errorText(err) });
    process.exit(1);
  }
  const counters = new Counters();
  // shipping (Firehose, retries, spill) runs in a worker thread, off the proxy's event loop
  const shipper = cfg.streamName !== '' ? new ShipperClient(__filename, counters) : undefined;
  const sink: RecordSink = shipper ?? { capture: () => undefined };
  const snapshot = async () => merged(counters, shipper ? await shipper.stats() : EMPTY_STATS);
  const requestMetrics = new InferenceMetrics(cfg);
  const proxy = new CaptureProxy(cfg, sink, counters, requestMetrics.enabled ? requestMetrics : undefined);
  let stopping = false;

  const port = await proxy.listen();
  const admin = await startAdmin(cfg, snapshot, () => stopping);
  requestMetrics.start();
  log('info', 'listening', {
    port,
    adminPort: (admin.address() as { port: number }).port,
    upstream: cfg.upstream.origin,
    streamName: cfg.streamName || undefined,
    samplingPercent: cfg.samplingPercent,
    modelName: cfg.modelName,
    modelVersion: cfg.modelVersion,
    variant: cfg.variant,
    metricsNamespace: cfg.metricsNamespace || undefined,
    node: process.version,
  });
  if (cfg.streamName === '') log('warn', 'CAPTURE_STREAM_NAME is not set: proxying without capture');

  if (cfg.metricsLogIntervalMs > 0) {
    setInterval(() => void snapshot().then((m) => log('info', 'counters', countersJson(m.counters, m.gauges))), cfg.metricsLogIntervalMs).unref();
  }

  const shutdown = async (signal: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + cfg.shutdownGraceMs;
    log('info', 'shutting down: finishing requests and flushing capture records', { signal, graceMs: cfg.shutdownGraceMs });
    await proxy.close(Math.max(0, Math.floor((deadline - Date.now()) / 2)));
    requestMetrics.stop();
    const remaining = Math.max(0, deadline - Date.now());
    const [final] = await Promise.all([
      shipper ? shipper.shutdown(remaining) : Promise.resolve(EMPTY_STATS),
      // best effort, bounded by the grace period
      Promise.race([requestMetrics.publish(), new Promise((r) => setTimeout(r, remaining).unref())]),
    ]);
    const m = merged(counters, final);
    log('info', 'stopped', countersJson(m.counters, m.gauges));
    admin.close();
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    log('error', 'uncaught exception; flushing and exiting', { error: errorText(err), stack: err.stack });
    void shutdown('uncaughtException', 1);
  });
}

if (isMainThread) {
  main().catch((err) => {
    log('error', 'capture sidecar failed to start', { error: errorText(err) });
    process.exit(1);
  });
} else {
  runShipperWorker();
}
