/**
 * Throughput of the DriftMonitor handler (runMonitor) through the real SDK clients against the
 * loopback server: N capture records x 25 features (20 numeric, 5 categorical) in one hour.
 * Not a test (no timing assertions). Run:
 *   npx esbuild test/runtime/drift-monitor/throughput.ts --bundle --platform=node --target=node20 --outfile=.bench/dm-throughput.js \
 *     && node .bench/dm-throughput.js 100000
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { BaselineBuilder } from '../../../lib/monitoring/engine';
import { runMonitor } from '../../../lib/runtime/drift-monitor/handler';
import { Loopback } from '../../fakes/aws-loopback';

async function main() {
  const N = Number(process.argv[2] ?? 100000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dmbench-'));
  const server = new Loopback(root);
  await server.start();
  Object.assign(process.env, server.clientEnv());
  let seed = 1;
  const r = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const row = () => {
    const o: Record<string, unknown> = {};
    for (let f = 0; f < 20; f++) o[`n${f}`] = r() * 100 + f;
    for (let f = 0; f < 5; f++) o[`c${f}`] = `cat${Math.floor(r() * 20)}`;
    return o;
  };
  const b = new BaselineBuilder();
  for (let i = 0; i < 20000; i++) b.add(row());
  server.putObject('bkt', 'baselines/m.json', JSON.stringify(b.finish()));
  const perObject = 10000;
  for (let o = 0; o * perObject < N; o++) {
    const lines: string[] = [];
    for (let i = o * perObject; i < Math.min(N, (o + 1) * perObject); i++) {
      lines.push(JSON.stringify({ inferenceId: `i${i}`, timestamp: '2026-11-27T09:00:00Z', modelName: 'm', modelVersion: '1', variant: 'primary', request: row(), response: { prediction: r() }, latencyMs: 5, status: 200, truncated: false }));
    }
    server.putObject('bkt', `capture/model=m/variant=primary/dt=2026-11-27/hour=09/part-${o}.jsonl`, lines.join('\n'));
  }
  server.parameters.set('/cfg/m', JSON.stringify({ v: 1, model: 'm', capture: { bucket: 'bkt', prefix: 'capture/' }, variants: ['primary'], baseline: { bucket: 'bkt', key: 'baselines/m.json' }, windowHours: 1, minSamples: 100, featureMetrics: true }));
  const bytes = fs.readdirSync(path.join(root, 'bkt/capture/model=m/variant=primary/dt=2026-11-27/hour=09')).reduce((a, f) => a + fs.statSync(path.join(root, 'bkt/capture/model=m/variant=primary/dt=2026-11-27/hour=09', f)).size, 0);
  const t0 = process.hrtime.bigint();
  const s = await runMonitor({ time: '2026-11-27T10:20:00Z' }, { configPath: '/cfg/', namespace: 'B', monitorName: 'b', concurrency: 1, s3: new S3Client({}), cloudwatch: new CloudWatchClient({ maxAttempts: 1 }), ssm: new SSMClient({}) });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
  console.log(JSON.stringify({
    records: N,
    features: 25,
    megabytes: +(bytes / 1e6).toFixed(1),
    seconds: +seconds.toFixed(2),
    recordsPerSecond: Math.round(N / seconds),
    metricsSent: s.metricsSent,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}
main();
