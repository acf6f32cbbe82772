/**
 * The request metrics ModelEndpoint.metricRequests/metricErrors/metricLatency
 * read: published by the sidecar process with the real CloudWatch client to a
 * loopback endpoint.
 */
import { FakeCloudWatch } from '../../fakes/fake-cloudwatch';
import { request, startSidecar, StubModel, waitFor } from './harness';

test('publishes Requests, Errors (5xx) and a LatencyMs histogram per model and per variant, without health checks', async () => {
  const stub = new StubModel();
  const cw = new FakeCloudWatch();
  await stub.start();
  await cw.start();
  const sidecar = await startSidecar({
    UPSTREAM_URL: stub.url,
    CAPTURE_SAMPLING_PERCENT: '0',
    METRICS_NAMESPACE: 'CdkMlops/Inference',
    METRICS_PUBLISH_INTERVAL_MS: '200',
    CLOUDWATCH_ENDPOINT: cw.endpoint,
    MODEL_NAME: 'fraud',
    VARIANT: 'canary',
  });
  try {
    for (let i = 0; i < 20; i++) await request(`${sidecar.url}/invocations`, { method: 'POST', body: '{}' });
    for (let i = 0; i < 3; i++) await request(`${sidecar.url}/status/503`);
    await request(`${sidecar.url}/status/404`);
    for (let i = 0; i < 5; i++) await request(`${sidecar.url}/healthz`);
    const sum = (metric: string, dims: string[]) => cw.data(metric, dims).reduce((a, d) => a + (d.Value ?? 0), 0);
    await waitFor('24 requests published', () => sum('Requests', ['ModelName']) === 24);
  } finally {
    expect(await sidecar.stop()).toBe(0);
    await stub.stop();
    await cw.stop();
  }
  expect(cw.violations).toEqual([]);
  expect(cw.calls.every((c) => c.Namespace === 'CdkMlops/Inference')).toBe(true);
  for (const dims of [['ModelName'], ['ModelName', 'Variant']]) {
    const sum = (metric: string) => cw.data(metric, dims).reduce((a, d) => a + (d.Value ?? 0), 0);
    expect(sum('Requests')).toBe(24);
    expect(sum('Errors')).toBe(3);
    const latency = cw.data('LatencyMs', dims);
    expect(latency.flatMap((d) => d.Counts!).reduce((a, c) => a + c, 0)).toBe(24);
    expect(latency.every((d) => d.Unit === 'Milliseconds' && d.Values!.every((v) => v > 0))).toBe(true);
    expect(cw.data('Requests', dims)[0].Dimensions).toEqual(dims.map((Name) => ({ Name, Value: Name === 'ModelName' ? 'fraud' : 'canary' })));
  }
});
