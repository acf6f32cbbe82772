/**
 * Deadlines on every PutRecordBatch call: a Firehose call that hangs (the
 * connection is accepted but never answered, or the answer stops halfway) is
 * given up on, retried or spilled, and never stalls shipping.
 *
 * Why the sidecar needs more than `requestTimeout`: in @smithy/node-http-handler
 * 4.x (the AWS SDK for JavaScript v3's Node.js request handler), a breach of
 * `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set —
 * see NodeHttpHandlerOptions in @smithy/types (http/httpHandlerInitialization.d.ts:
 * "If exceeded, a warning will be emitted unless throwOnRequestTimeout=true, in
 * which case a TimeoutError will be thrown") and the SDK's UPGRADING.md. The
 * SDK's `abortSignal` option (AWS SDK for JavaScript v3 Developer Guide,
 * "Abort requests"; smithy's HttpHandlerOptions.abortSignal) cancels a call.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../../lib/runtime/capture-sidecar/config';
import { BatchResult, BatchSender, requestHandlerOptions } from '../../../lib/runtime/capture-sidecar/firehose';
import { Counters } from '../../../lib/runtime/capture-sidecar/metrics';
import { Shipper } from '../../../lib/runtime/capture-sidecar/shipper';
import { SpillStore } from '../../../lib/runtime/capture-sidecar/spill';
import { FakeFirehose } from '../../fakes/fake-firehose';
import { countIds, request, runConcurrently, startSidecar, StubModel, waitFor } from './harness';

const stub = new StubModel();
beforeAll(() => stub.start());
afterAll(() => stub.stop());

const spillDir = () => mkdtempSync(path.join(os.tmpdir(), 'capture-deadline-'));

test('the request handler throws on its request, socket and connection timeouts (throwOnRequestTimeout)', () => {
  const o = requestHandlerOptions({ firehoseTimeoutMs: 700, maxInFlightBatches: 4 });
  expect(o).toMatchObject({ requestTimeout: 700, throwOnRequestTimeout: true, socketTimeout: 700, connectionTimeout: 700 });
  expect(requestHandlerOptions({ firehoseTimeoutMs: 10_000, maxInFlightBatches: 4 }).connectionTimeout).toBe(3000);
});

test('a call that never settles, even when aborted, is given up at FIREHOSE_TIMEOUT_MS and its records are sent again', async () => {
  const cfg = loadConfig({ CAPTURE_STREAM_NAME: 's', FIREHOSE_TIMEOUT_MS: '200', FLUSH_INTERVAL_MS: '20', RETRY_BASE_MS: '5', RETRY_MAX_MS: '20' });
  const counters = new Counters();
  const calls: { n: number; aborted: boolean }[] = [];
  const sent: Buffer[] = [];
  const sender: BatchSender = {
    send: (records: Buffer[], signal: AbortSignal): Promise<BatchResult> => {
      const call = { n: records.length, aborted: false };
      calls.push(call);
      signal.addEventListener('abort', () => { call.aborted = true; });
      // the first call hangs forever and ignores its abort signal (the worst a request handler could do)
      if (calls.length === 1) return new Promise(() => undefined);
      sent.push(...records);
      return Promise.resolve({ failed: [], errorCodes: [] });
    },
  };
  const spill = new SpillStore(spillDir(), 1 << 20, 100, counters);
  await spill.init();
  const shipper = new Shipper(cfg, sender, spill, counters);
  shipper.start();
  const records = Array.from({ length: 10 }, (_, i) => Buffer.from(`{"inferenceId":"r-${i}"}\n`));
  for (const r of records) shipper.enqueueRecord(r);
  await waitFor('records sent again after the hung call', () => sent.length >= 10, 5000);
  await shipper.shutdown(1000);
  expect(calls[0]).toEqual({ n: 10, aborted: true });
  expect(sent.map(String)).toEqual(records.map(String));
  expect(counters).toMatchObject({ delivered: 10, putFailures: 1, retried: 10, dropped: 0 });
});

test.each(['no-answer', 'stalled-body'] as const)('a hung Firehose (%s) does not stall capture: after it recovers every record is delivered within a bounded time', async (style) => {
  const fh = new FakeFirehose();
  await fh.start();
  try {
    fh.hang = style;
    const timeoutMs = 500;
    const sidecar = await startSidecar({
      UPSTREAM_URL: stub.url,
      FIREHOSE_ENDPOINT: fh.endpoint,
      CAPTURE_STREAM_NAME: fh.streamName,
      CAPTURE_SAMPLING_PERCENT: '100',
      FLUSH_INTERVAL_MS: '50',
      FIREHOSE_TIMEOUT_MS: String(timeoutMs),
      QUEUE_MAX_RECORDS: '100',
      SPILL_DIR: spillDir(),
    });
    const ids = Array.from({ length: 300 }, (_, i) => `hang-${style}-${i}`);
    await runConcurrently(ids.length, 16, async (i) => {
      const res = await request(`${sidecar.url}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Inference-Id': ids[i] },
        body: JSON.stringify({ i }),
      });
      expect(res.status).toBe(200);
    });
    // hung calls are given up on and retried: at most FIREHOSE_MAX_IN_FLIGHT (4) calls start before the
    // first failure, then one at a time, so 6 given-up calls include retries of given-up ones
    await waitFor('hung calls given up and retried', async () => (await sidecar.metrics()).putFailures >= 6, 15_000);
    const during = await sidecar.metrics();
    expect(fh.accepted).toHaveLength(0);
    // (on a loaded machine a call can also time out before its whole request reached the fake)
    expect(fh.calls.filter((c) => c.outcome === 'hung').length).toBeGreaterThanOrEqual(1);
    // every captured record is accounted for: queued in memory or spilled, none delivered, none dropped
    expect(during.delivered).toBe(0);
    expect(during.dropped).toBe(0);
    expect(during.captured).toBe(ids.length);

    fh.hang = false;
    // bound: one call still hanging (FIREHOSE_TIMEOUT_MS) + one backoff (RETRY_MAX_MS 200 in the harness)
    // + flush and replay ticks, with a wide margin for a loaded machine; before deadlines were
    // enforced, nothing at all was delivered 30 s after recovery
    await waitFor('all records delivered after recovery', () => new Set(fh.acceptedRecords().map((r) => r.inferenceId)).size >= ids.length, 15_000);
    await waitFor('counters settled', async () => {
      const m = await sidecar.metrics();
      return m.delivered + m.dropped >= m.captured && m.queueRecords === 0 && m.inFlightBatches === 0;
    }, 15_000);
    const m = await sidecar.metrics();
    expect(await sidecar.stop()).toBe(0);
    const counts = countIds(fh.acceptedRecords());
    expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    // delivered + dropped + still spilled accounts for every captured record
    expect(m.delivered + m.dropped + (m.spilled - m.replayed)).toBe(m.captured);
    expect(m).toMatchObject({ captured: 300, delivered: 300, dropped: 0 });
    expect(m.spilled).toBe(m.replayed);
    expect(fh.violations).toEqual([]);
  } finally {
    await fh.stop();
  }
});
