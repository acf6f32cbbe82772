/**
 * Delivery guarantees of the capture sidecar: every sampled inference id
 * arrives exactly once through throttling, per-record failures, outages
 * (spill to disk and replay) and SIGTERM.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeFirehose } from '../../fakes/fake-firehose';
import { countIds, request, runConcurrently, SidecarProcess, startSidecar, StubModel, waitFor } from './harness';

const stub = new StubModel();
beforeAll(() => stub.start());
afterAll(() => stub.stop());

const spillDir = () => mkdtempSync(path.join(os.tmpdir(), 'capture-spill-'));
const spillFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

async function withFirehose(fn: (fh: FakeFirehose) => Promise<void>): Promise<void> {
  const fh = new FakeFirehose();
  await fh.start();
  try {
    await fn(fh);
  } finally {
    await fh.stop();
  }
  expect(fh.violations).toEqual([]);
}

function sidecarFor(fh: FakeFirehose, env: Record<string, string> = {}): Promise<SidecarProcess> {
  return startSidecar({
    UPSTREAM_URL: stub.url,
    FIREHOSE_ENDPOINT: fh.endpoint,
    CAPTURE_STREAM_NAME: fh.streamName,
    CAPTURE_SAMPLING_PERCENT: '100',
    FLUSH_INTERVAL_MS: '50',
    SPILL_DIR: spillDir(),
    ...env,
  });
}

async function send(sidecar: SidecarProcess, ids: string[], concurrency = 16): Promise<void> {
  await runConcurrently(ids.length, concurrency, async (i) => {
    const res = await request(`${sidecar.url}/invocations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Inference-Id': ids[i] },
      body: JSON.stringify({ i, features: [i, i * 2, i * 3] }),
    });
    expect(res.status).toBe(200);
  });
}

function expectExactlyOnce(fh: FakeFirehose, ids: string[]): void {
  const counts = countIds(fh.acceptedRecords());
  const missing = ids.filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect({ missing, duplicated, total: counts.size }).toEqual({ missing: [], duplicated: [], total: ids.length });
}

test('100% sampling: every inference id arrives exactly once, in batches within the Firehose limits', () => withFirehose(async (fh) => {
  const sidecar = await sidecarFor(fh);
  const ids = Array.from({ length: 1200 }, (_, i) => `load-${i}`);
  await send(sidecar, ids, 32);
  await waitFor('all records delivered', () => fh.accepted.length >= ids.length);
  // the fake records a call before the sidecar has read the answer: wait for its counters too
  await waitFor('delivered counted', async () => (await sidecar.metrics()).delivered >= ids.length);
  const m = await sidecar.metrics();
  expect(await sidecar.stop()).toBe(0);
  expectExactlyOnce(fh, ids);
  expect(m).toMatchObject({ captured: 1200, delivered: 1200, dropped: 0, spilled: 0 });
  expect(Math.max(...fh.calls.map((c) => c.records.length))).toBeLessThanOrEqual(500);
  const rec = fh.acceptedRecords().find((r) => r.inferenceId === 'load-5');
  expect(rec.request).toEqual({ i: 5, features: [5, 10, 15] });
}));

test('throttled calls and per-record failures (FailedPutCount) are retried until every record is delivered once', () => withFirehose(async (fh) => {
  const failedOnce = new Set<string>();
  fh.throttle = (call) => call % 3 === 1;
  fh.failRecord = (data) => {
    const id = JSON.parse(data.toString()).inferenceId as string;
    const n = Number(id.split('-')[1]);
    if (n % 4 === 0 && !failedOnce.has(id)) {
      failedOnce.add(id);
      return n % 8 === 0 ? 'ServiceUnavailableException' : 'InternalFailure';
    }
    return undefined;
  };
  const sidecar = await sidecarFor(fh);
  const ids = Array.from({ length: 400 }, (_, i) => `retry-${i}`);
  await send(sidecar, ids);
  await waitFor('all records delivered', () => fh.accepted.length >= ids.length);
  // the fake records a call before the sidecar has read the answer: wait for its counters too
  await waitFor('delivered counted', async () => (await sidecar.metrics()).delivered >= ids.length);
  const m = await sidecar.metrics();
  expect(await sidecar.stop()).toBe(0);
  expectExactlyOnce(fh, ids);
  expect(fh.calls.some((c) => c.outcome === 'throttled')).toBe(true);
  expect(fh.calls.some((c) => c.outcome === 'partial')).toBe(true);
  expect(failedOnce.size).toBe(100);
  expect(m.retried).toBeGreaterThanOrEqual(100);
  expect(m).toMatchObject({ captured: 400, delivered: 400, dropped: 0 });
}));

test.each(['503', 'reset'] as const)('a sustained outage (%s) spills to disk and everything is replayed once Firehose recovers', (style) => withFirehose(async (fh) => {
  fh.outage = style;
  const dir = spillDir();
  const sidecar = await sidecarFor(fh, { QUEUE_MAX_RECORDS: '20', SPILL_DIR: dir });
  const ids = Array.from({ length: 300 }, (_, i) => `outage-${style}-${i}`);
  await send(sidecar, ids);
  await waitFor('records spilled to disk', async () => spillFiles(dir).length > 0 && (await sidecar.metrics()).spilled >= 250);
  expect(fh.accepted).toHaveLength(0);
  const during = await sidecar.metrics();
  expect(during.queueRecords).toBeLessThanOrEqual(20);
  fh.outage = false;
  await waitFor('all records delivered after recovery', () => fh.accepted.length >= ids.length);
  await waitFor('spill directory drained', () => spillFiles(dir).length === 0);
  await waitFor('delivered counted', async () => (await sidecar.metrics()).delivered >= ids.length);
  const m = await sidecar.metrics();
  expect(await sidecar.stop()).toBe(0);
  expectExactlyOnce(fh, ids);
  expect(m.dropped).toBe(0);
  expect(m.replayed).toBeGreaterThanOrEqual(250);
  expect(m.delivered).toBe(300);
}));

test('SIGTERM flushes every queued record before the process exits', () => withFirehose(async (fh) => {
  // a flush interval of 10 minutes: only the shutdown path can send these
  const sidecar = await sidecarFor(fh, { FLUSH_INTERVAL_MS: '600000' });
  const ids = Array.from({ length: 120 }, (_, i) => `term-${i}`);
  await send(sidecar, ids);
  expect(fh.calls).toHaveLength(0);
  expect((await sidecar.metrics()).queueRecords).toBe(120);
  expect(await sidecar.stop('SIGTERM')).toBe(0);
  expectExactlyOnce(fh, ids);
  expect(sidecar.logs.find((l) => l.msg === 'stopped')).toMatchObject({ captured: 120, delivered: 120, dropped: 0 });
}));

test('SIGTERM during an outage spills to the spill directory; the next process replays it', () => withFirehose(async (fh) => {
  fh.outage = '503';
  const dir = spillDir();
  const first = await sidecarFor(fh, { SPILL_DIR: dir, SHUTDOWN_GRACE_MS: '300' });
  const ids = Array.from({ length: 80 }, (_, i) => `restart-${i}`);
  await send(first, ids);
  expect(await first.stop('SIGTERM')).toBe(0);
  expect(fh.accepted).toHaveLength(0);
  expect(spillFiles(dir).length).toBeGreaterThan(0);
  expect(first.logs.find((l) => l.msg === 'stopped')).toMatchObject({ captured: 80, delivered: 0, dropped: 0, spilled: 80 });

  fh.outage = false;
  const second = await sidecarFor(fh, { SPILL_DIR: dir });
  await waitFor('spilled records replayed', () => fh.accepted.length >= ids.length);
  await waitFor('spill directory drained', () => spillFiles(dir).length === 0);
  expect(await second.stop()).toBe(0);
  expectExactlyOnce(fh, ids);
}));

test('when the spill directory is full, each lost record is counted and logged', () => withFirehose(async (fh) => {
  fh.outage = '503';
  const sidecar = await sidecarFor(fh, { QUEUE_MAX_RECORDS: '5', SPILL_MAX_BYTES: '3000' });
  const ids = Array.from({ length: 40 }, (_, i) => `full-${i}`);
  await send(sidecar, ids, 4);
  await waitFor('drops counted', async () => (await sidecar.metrics()).dropped > 0);
  fh.outage = false;
  await waitFor('queue and spill delivered', async () => {
    const m = await sidecar.metrics();
    return m.delivered + m.dropped === 40;
  });
  const m = await sidecar.metrics();
  expect(await sidecar.stop()).toBe(0);
  const dropLogs = sidecar.logs.filter((l) => l.msg === 'capture record dropped');
  expect(dropLogs).toHaveLength(m.dropped);
  const dropped = new Set(dropLogs.map((l) => l.inferenceId));
  const delivered = countIds(fh.acceptedRecords());
  // every id is either delivered exactly once or dropped (and logged), never both, never silently lost
  for (const id of ids) expect([id, (delivered.get(id) ?? 0) + (dropped.has(id) ? 1 : 0)]).toEqual([id, 1]);
  expect(m.captured).toBe(40);
}));
