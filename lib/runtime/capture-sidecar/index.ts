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
import { InferenceMetrics } from './cloudwatch';
import { ConfigError, loadConfig, SidecarConfig } from './config';
import { FirehoseSender } from './firehose';
import { errorText, log } from './log';
import { Counters, countersJson, prometheusText } from './metrics';
import { CaptureProxy } from './proxy';
import { Shipper } from './shipper';
import { SpillStore } from './spill';

function startAdmin(cfg: SidecarConfig, counters: Counters, shipper: Shipper, isStopping: () => boolean): Promise<http.Server> {
  const admin = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      const body = prometheusText(counters, shipper.gauges());
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    } else if (path === '/metrics.json') {
      const body = JSON.stringify(countersJson(counters, shipper.gauges()));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
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
  const spill = new SpillStore(cfg.spillDir, cfg.spillMaxBytes, Math.max(1, Math.floor(cfg.queueMaxRecords / 2)), counters);
  if (cfg.streamName !== '') await spill.init();
  const sender = cfg.streamName !== '' ? new FirehoseSender(cfg) : undefined;
  const shipper = new Shipper(cfg, sender, spill, counters);
  const requestMetrics = new InferenceMetrics(cfg);
  const proxy = new CaptureProxy(cfg, shipper, counters, requestMetrics.enabled ? requestMetrics : undefined);
  let stopping = false;

  const port = await proxy.listen();
  const admin = await startAdmin(cfg, counters, shipper, () => stopping);
  shipper.start();
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
    setInterval(() => log('info', 'counters', countersJson(counters, shipper.gauges())), cfg.metricsLogIntervalMs).unref();
  }

  const shutdown = async (signal: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + cfg.shutdownGraceMs;
    log('info', 'shutting down: finishing requests and flushing capture records', { signal, graceMs: cfg.shutdownGraceMs });
    await proxy.close(Math.max(0, Math.floor((deadline - Date.now()) / 2)));
    requestMetrics.stop();
    const remaining = Math.max(0, deadline - Date.now());
    await Promise.all([
      shipper.shutdown(remaining),
      // best effort, bounded by the grace period
      Promise.race([requestMetrics.publish(), new Promise((r) => setTimeout(r, remaining).unref())]),
    ]);
    log('info', 'stopped', countersJson(counters, shipper.gauges()));
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

main().catch((err) => {
  log('error', 'capture sidecar failed to start', { error: errorText(err) });
  process.exit(1);
});
