/**
 * The capture sidecar as a proxy: a real process on loopback in front of a
 * real stub model, with the real Firehose client pointed at a loopback fake.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { FakeFirehose } from '../../fakes/fake-firehose';
import { request, sha256, SidecarProcess, startSidecar, StubModel, waitFor } from './harness';

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
    UPSTREAM_KEEPALIVE_MS: '30000',
    FLUSH_INTERVAL_MS: '50',
    SPILL_DIR: `/tmp/capture-proxy-test-${process.pid}`,
  });
});

afterAll(async () => {
  await sidecar?.stop();
  await stub.stop();
  await firehose.stop();
});

async function recordFor(id: string): Promise<any> {
  let found: any;
  await waitFor(`capture record ${id}`, () => {
    found = firehose.acceptedRecords().find((r) => r.inferenceId === id);
    return found !== undefined;
  });
  return found;
}

test('forwards method, path, query, headers and body unchanged and returns the model response', async () => {
  const body = JSON.stringify({ features: [1, 2, 3], text: 'héllo' });
  const res = await request(`${sidecar.url}/invocations?x=1&y=%20`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Custom': 'abc', 'X-Inference-Id': 'req-0001' },
    body,
  });
  expect(res.status).toBe(200);
  expect(res.headers['x-model-version']).toBe('v1');
  expect(res.headers['x-inference-id']).toBe('req-0001');
  expect(JSON.parse(res.body.toString())).toEqual({ prediction: Buffer.byteLength(body) % 7, n: Buffer.byteLength(body) });
  const seen = stub.seen.find((s) => s.headers['x-inference-id'] === 'req-0001')!;
  expect(seen.method).toBe('POST');
  expect(seen.url).toBe('/invocations?x=1&y=%20');
  expect(seen.headers['x-custom']).toBe('abc');
  expect(seen.headers['content-type']).toBe('application/json');
  expect(seen.bodySha256).toBe(sha256(body));

  const rec = await recordFor('req-0001');
  expect(rec).toMatchObject({
    inferenceId: 'req-0001',
    modelName: 'fraud',
    modelVersion: '7',
    variant: 'primary',
    request: { features: [1, 2, 3], text: 'héllo' },
    response: { prediction: Buffer.byteLength(body) % 7, n: Buffer.byteLength(body) },
    status: 200,
    truncated: false,
  });
  expect(rec.encoding).toBeUndefined();
  expect(rec.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  expect(typeof rec.latencyMs).toBe('number');
  expect(rec.latencyMs).toBeGreaterThanOrEqual(0);
});

test('creates an X-Inference-Id when the request has none and sends it to the model and the client', async () => {
  const res = await request(`${sidecar.url}/invocations`, { method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
  const id = res.headers['x-inference-id'] as string;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(stub.seen.some((s) => s.headers['x-inference-id'] === id)).toBe(true);
  expect((await recordFor(id)).request).toEqual({ a: 1 });
});

test('replaces an invalid incoming X-Inference-Id with a fresh one', async () => {
  const res = await request(`${sidecar.url}/invocations`, { method: 'POST', body: '{}', headers: { 'X-Inference-Id': 'has spaces in it' } });
  expect(res.headers['x-inference-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('passes model error statuses, reason phrases, repeated headers and bodies through unchanged', async () => {
  const res = await request(`${sidecar.url}/status/503`, { headers: { 'X-Inference-Id': 'err-503' } });
  expect(res.status).toBe(503);
  expect(res.statusMessage).toBe('Custom Reason');
  expect(res.headers['x-model-error']).toBe('yes');
  expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  expect(res.body.toString()).toBe('model says no');
  const rec = await recordFor('err-503');
  expect(rec.status).toBe(503);
  expect(rec).toMatchObject({ request: null, encoding: 'base64', responseEncoding: 'base64' });
  expect(rec.requestEncoding).toBeUndefined();
  expect(Buffer.from(rec.response, 'base64').toString()).toBe('model says no');
});

test('answers 504 when the model does not answer within UPSTREAM_TIMEOUT_MS', async () => {
  // its own sidecar, so a slow machine cannot turn the other tests' requests into 504s
  const fh = new FakeFirehose();
  await fh.start();
  const short = await startSidecar({
    UPSTREAM_URL: stub.url,
    FIREHOSE_ENDPOINT: fh.endpoint,
    CAPTURE_STREAM_NAME: fh.streamName,
    CAPTURE_SAMPLING_PERCENT: '100',
    UPSTREAM_TIMEOUT_MS: '500',
    FLUSH_INTERVAL_MS: '50',
    SPILL_DIR: `/tmp/capture-timeout-test-${process.pid}`,
  });
  try {
    const res = await request(`${short.url}/hang`, { headers: { 'X-Inference-Id': 'hang-1' } });
    expect(res.status).toBe(504);
    expect(res.headers['x-inference-id']).toBe('hang-1');
    expect(JSON.parse(res.body.toString()).error).toBe('model timed out');
  } finally {
    expect(await short.stop()).toBe(0); // SIGTERM flushes the record
    await fh.stop();
  }
  expect(fh.acceptedRecords().find((r) => r.inferenceId === 'hang-1').status).toBe(504);
});

test('answers 502 when the model refuses connections, and keeps serving', async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const other = await startSidecar({ UPSTREAM_URL: `http://127.0.0.1:${port}`, CAPTURE_SAMPLING_PERCENT: '0' });
  try {
    const res = await request(`${other.url}/invocations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString()).error).toBe('model unavailable');
    expect((await request(`${other.url}/invocations`, { method: 'POST', body: '{}' })).status).toBe(502);
    expect((await other.metrics()).upstreamErrors).toBe(2);
  } finally {
    expect(await other.stop()).toBe(0);
  }
});

test('a malformed request gets 400 and does not crash the sidecar', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(sidecar.port, '127.0.0.1', () => sock.write('THIS IS NOT HTTP\r\n\x00\x01\r\n\r\n'));
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('close', () => resolve(data));
    sock.on('error', reject);
  });
  expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  // a header without a colon, and a truncated connection mid-headers
  await new Promise<void>((resolve) => {
    const sock = net.connect(sidecar.port, '127.0.0.1', () => {
      sock.write('POST /invocations HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n');
      sock.on('data', () => undefined);
      sock.on('close', () => resolve());
    });
  });
  await new Promise<void>((resolve) => {
    const sock = net.connect(sidecar.port, '127.0.0.1', () => {
      sock.write('POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Len');
      sock.destroy();
      resolve();
    });
  });
  const res = await request(`${sidecar.url}/invocations`, { method: 'POST', body: '{"still":"alive"}' });
  expect(res.status).toBe(200);
  expect(sidecar.proc.exitCode).toBeNull();
  expect((await sidecar.metrics()).clientErrors).toBeGreaterThanOrEqual(2);
});

test('keeps client connections alive and reuses upstream connections', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = stub.connections;
  const reused: boolean[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await request(`${sidecar.url}/invocations`, { method: 'POST', body: `{"i":${i}}`, agent });
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('keep-alive');
    reused.push(res.reusedSocket);
  }
  agent.destroy();
  expect(reused.slice(1).every((r) => r)).toBe(true);
  expect(stub.connections - before).toBeLessThanOrEqual(1);
});

test('a request that hits a keep-alive connection the model just closed is re-sent on a fresh one', async () => {
  const body = JSON.stringify({ replay: 'x'.repeat(3000) });
  const before = (await sidecar.metrics()).upstreamRetries;
  for (let i = 0; i < 3; i++) {
    const res = await request(`${sidecar.url}/drop-reused`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Inference-Id': `drop-${i}` } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).n).toBe(body.length);
  }
  expect(stub.dropped).toBeGreaterThanOrEqual(1);
  expect((await sidecar.metrics()).upstreamRetries - before).toBe(stub.dropped);
  for (let i = 0; i < 3; i++) expect(stub.seen.find((s) => s.headers['x-inference-id'] === `drop-${i}`)!.bodySha256).toBe(sha256(body));
});

test('streams the request body: the model sees the first chunk before the client finishes', async () => {
  const res = await new Promise<string>((resolve, reject) => {
    const req = http.request(`${sidecar.url}/first-chunk`, { method: 'POST', agent: false, headers: { 'Content-Type': 'text/plain' } }, (r) => {
      let data = '';
      r.on('data', (d) => (data += d));
      r.on('end', () => {
        req.end('never-needed');
        resolve(data);
      });
    });
    req.on('error', reject);
    req.flushHeaders();
    req.write('chunk-1');
    // the body is not finished until the response arrived: only streaming can answer
  });
  expect(JSON.parse(res)).toEqual({ firstChunk: 'chunk-1' });
});

test('streams the response body: the client sees the first part before the model finishes', async () => {
  const first = await new Promise<string>((resolve, reject) => {
    const req = http.request(`${sidecar.url}/stream`, { agent: false }, (r) => {
      r.once('data', (d: Buffer) => {
        resolve(d.toString());
        r.resume();
        stub.release();
      });
    });
    req.on('error', reject);
    req.end();
  });
  expect(first).toBe('first-part;');
});

test('health paths are forwarded but not captured', async () => {
  const res = await request(`${sidecar.url}/healthz`, { headers: { 'X-Inference-Id': 'health-1' } });
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe('ok');
  expect(stub.seen.some((s) => s.url === '/healthz')).toBe(true);
  // a later sampled request is delivered, the health check never is
  await request(`${sidecar.url}/invocations`, { method: 'POST', body: '{}', headers: { 'X-Inference-Id': 'after-health' } });
  await recordFor('after-health');
  expect(firehose.acceptedRecords().some((r) => r.inferenceId === 'health-1')).toBe(false);
});

test('exposes its counters in the Prometheus text format', async () => {
  const text = await sidecar.prometheus();
  for (const name of ['captured', 'delivered', 'retried', 'spilled', 'dropped']) {
    expect(text).toMatch(new RegExp(`^# TYPE capture_records_${name}_total counter$`, 'm'));
    expect(text).toMatch(new RegExp(`^capture_records_${name}_total \\d+$`, 'm'));
  }
  expect(text).toMatch(/^capture_records_dropped_total 0$/m);
  expect(firehose.violations).toEqual([]);
});

test('0% sampling proxies everything and captures nothing', async () => {
  const fh = new FakeFirehose();
  await fh.start();
  const zero = await startSidecar({
    UPSTREAM_URL: stub.url,
    FIREHOSE_ENDPOINT: fh.endpoint,
    CAPTURE_STREAM_NAME: fh.streamName,
    CAPTURE_SAMPLING_PERCENT: '0',
    FLUSH_INTERVAL_MS: '20',
    SPILL_DIR: `/tmp/capture-zero-test-${process.pid}`,
  });
  try {
    for (let i = 0; i < 30; i++) {
      const res = await request(`${zero.url}/invocations`, { method: 'POST', body: `{"i":${i}}` });
      expect(res.status).toBe(200);
      expect(res.headers['x-inference-id']).toBeDefined();
    }
    const m = await zero.metrics();
    expect(m.requests).toBe(30);
    expect(m.captured).toBe(0);
  } finally {
    expect(await zero.stop()).toBe(0);
    await fh.stop();
  }
  expect(fh.calls).toHaveLength(0);
});

test('a closed stdout (log reader gone) neither stops the proxy nor its shutdown', async () => {
  const other = await startSidecar({ UPSTREAM_URL: stub.url, CAPTURE_SAMPLING_PERCENT: '0' });
  other.proc.stdout!.destroy();
  for (let i = 0; i < 3; i++) expect((await request(`${other.url}/invocations`, { method: 'POST', body: '{}' })).status).toBe(200);
  expect(await other.stop('SIGTERM')).toBe(0);
});

test('refuses an invalid configuration with a clear message', async () => {
  await expect(startSidecar({ CAPTURE_SAMPLING_PERCENT: '150' })).rejects.toThrow(/invalid configuration.*CAPTURE_SAMPLING_PERCENT.*150.*must be a number between 0 and 100/);
});
