/**
 * How the capture sidecar records bodies: JSON embedded as JSON, anything else
 * base64 with `encoding`, bodies over the cap cut with `truncated: true`,
 * while the client and the model always see the whole body.
 */
import { randomBytes } from 'node:crypto';
import { FakeFirehose } from '../../fakes/fake-firehose';
import { request, runConcurrently, sha256, SidecarProcess, startSidecar, StubModel, waitFor } from './harness';

const MAX_RECORD = 1000 * 1024;
const stub = new StubModel();
const firehose = new FakeFirehose();
let sidecar: SidecarProcess;

beforeAll(async () => {
  await stub.start();
  await firehose.start();
  sidecar = await startSidecar({
    UPSTREAM_URL: stub.url,
    FIREHOSE_ENDPOINT: firehose.endpoint,
    CAPTURE_STREAM_NAME: firehose.streamName,
    CAPTURE_SAMPLING_PERCENT: '100',
    FLUSH_INTERVAL_MS: '50',
    SPILL_DIR: `/tmp/capture-bodies-test-${process.pid}`,
  });
});

afterAll(async () => {
  expect(await sidecar.stop()).toBe(0);
  await stub.stop();
  await firehose.stop();
  expect(firehose.violations).toEqual([]);
});

async function recordFor(id: string): Promise<{ record: any; bytes: number }> {
  let data: Buffer | undefined;
  await waitFor(`capture record ${id}`, () => {
    data = firehose.accepted.find((b) => JSON.parse(b.toString()).inferenceId === id);
    return data !== undefined;
  });
  return { record: JSON.parse(data!.toString()), bytes: data!.length };
}

test('non-JSON bodies are recorded base64 with encoding, byte for byte', async () => {
  const body = randomBytes(5000);
  const res = await request(`${sidecar.url}/echo`, { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream', 'X-Inference-Id': 'bin-1' } });
  expect(sha256(res.body)).toBe(sha256(body));
  const { record } = await recordFor('bin-1');
  expect(record).toMatchObject({ encoding: 'base64', requestEncoding: 'base64', responseEncoding: 'base64' });
  expect(record.truncated).toBe(false);
  expect(Buffer.from(record.request, 'base64').equals(body)).toBe(true);
  expect(Buffer.from(record.response, 'base64').equals(body)).toBe(true);
});

test('each body is encoded on its own: a binary request with a JSON answer keeps the answer as JSON', async () => {
  const body = randomBytes(2000);
  const res = await request(`${sidecar.url}/invocations`, { method: 'POST', body, headers: { 'Content-Type': 'image/png', 'X-Inference-Id': 'mixed-1' } });
  const { record } = await recordFor('mixed-1');
  expect(record).toMatchObject({ encoding: 'base64', requestEncoding: 'base64', truncated: false });
  expect(record.responseEncoding).toBeUndefined();
  expect(Buffer.from(record.request, 'base64').equals(body)).toBe(true);
  expect(record.response).toEqual(JSON.parse(res.body.toString()));
});

test('text that is not JSON, and invalid UTF-8, are base64 too', async () => {
  await request(`${sidecar.url}/echo`, { method: 'POST', body: 'hello, not json', headers: { 'Content-Type': 'text/plain', 'X-Inference-Id': 'text-1' } });
  const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
  await request(`${sidecar.url}/echo`, { method: 'POST', body: bad, headers: { 'Content-Type': 'application/json', 'X-Inference-Id': 'utf8-1' } });
  const text = (await recordFor('text-1')).record;
  expect(text.encoding).toBe('base64');
  expect(Buffer.from(text.request, 'base64').toString()).toBe('hello, not json');
  const utf8 = (await recordFor('utf8-1')).record;
  expect(utf8.encoding).toBe('base64');
  expect(Buffer.from(utf8.request, 'base64').equals(bad)).toBe(true);
});

test('pretty-printed JSON stays one JSON line; an empty body is null', async () => {
  const pretty = JSON.stringify({ a: [1, 2], s: 'line\nbreak' }, null, 2);
  await request(`${sidecar.url}/echo`, { method: 'POST', body: pretty, headers: { 'Content-Type': 'application/json', 'X-Inference-Id': 'pretty-1' } });
  const { record } = await recordFor('pretty-1');
  expect(record.request).toEqual({ a: [1, 2], s: 'line\nbreak' });
  expect(record.response).toEqual({ a: [1, 2], s: 'line\nbreak' });
  expect(record.encoding).toBeUndefined();
  await request(`${sidecar.url}/healthz-not`, { headers: { 'X-Inference-Id': 'empty-1' } });
  const empty = (await recordFor('empty-1')).record;
  expect(empty.request).toBeNull();
  expect(empty.status).toBe(404);
});

test('a request body over the cap reaches the model whole; the record is cut to 1,000 KiB with truncated', async () => {
  const body = Buffer.from(JSON.stringify({ features: Array.from({ length: 300_000 }, (_, i) => i % 1000) }));
  expect(body.length).toBeGreaterThan(MAX_RECORD);
  const res = await request(`${sidecar.url}/echo`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Inference-Id': 'big-req' } });
  expect(res.status).toBe(200);
  expect(sha256(res.body)).toBe(sha256(body));
  expect(stub.seen.find((s) => s.headers['x-inference-id'] === 'big-req')!.bodySha256).toBe(sha256(body));
  const { record, bytes } = await recordFor('big-req');
  expect(bytes).toBeLessThanOrEqual(MAX_RECORD);
  expect(record.truncated).toBe(true);
  expect(record).toMatchObject({ encoding: 'base64', requestEncoding: 'base64', responseEncoding: 'base64' });
  const kept = Buffer.from(record.request, 'base64');
  expect(kept.length).toBeGreaterThan(300 * 1024);
  expect(kept.equals(body.subarray(0, kept.length))).toBe(true);
});

test('a response body over the cap reaches the client whole; the record is cut', async () => {
  const res = await request(`${sidecar.url}/big?bytes=2500000`, { headers: { 'X-Inference-Id': 'big-res' } });
  expect(res.body.length).toBeGreaterThanOrEqual(2_499_990);
  const { record, bytes } = await recordFor('big-res');
  expect(bytes).toBeLessThanOrEqual(MAX_RECORD);
  expect(record.truncated).toBe(true);
  const kept = Buffer.from(record.response, 'base64');
  expect(kept.equals(res.body.subarray(0, kept.length))).toBe(true);
  expect(kept.length).toBeGreaterThan(700 * 1024);
});

test('two complete JSON bodies that together exceed the record limit are cut', async () => {
  const body = Buffer.from(JSON.stringify({ pad: 'y'.repeat(600 * 1024) }));
  await request(`${sidecar.url}/echo`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Inference-Id': 'pair-big' } });
  const { record, bytes } = await recordFor('pair-big');
  expect(bytes).toBeLessThanOrEqual(MAX_RECORD);
  expect(record.truncated).toBe(true);
  expect(record.encoding).toBe('base64');
});

test('many large records are batched within 4 MiB per PutRecordBatch call', async () => {
  const body = Buffer.from(JSON.stringify({ pad: 'z'.repeat(900 * 1024) }));
  await runConcurrently(12, 6, async (i) => {
    await request(`${sidecar.url}/invocations`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Inference-Id': `batch-big-${i}` } });
  });
  for (let i = 0; i < 12; i++) await recordFor(`batch-big-${i}`);
  for (const call of firehose.calls) expect(call.records.reduce((a, r) => a + r.length, 0)).toBeLessThanOrEqual(4 * 1024 * 1024);
});
