/**
 * The request metrics ModelEndpoint.metricRequests/metricErrors/metricLatency
 * read: published by the sidecar process with the real CloudWatch client to a
 * loopback endpoint.
 */
import * as http from 'node:http';
import { IN_FLIGHT_DIMENSIONS, IN_FLIGHT_METRIC_NAME, INFERENCE_METRICS_NAMESPACE } from '../../../lib/contracts/autoscaling-signal';
import { FakeCloudWatch, MetricDatumJson } from '../../fakes/fake-cloudwatch';
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

// The autoscaling signal (lib/contracts/autoscaling-signal.ts) that each variant's KEDA ScaledObject reads back.
// A statistic set with StorageResolution 1 is a high-resolution datum:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html
test('publishes the in-flight requests gauge per variant as a high-resolution statistic set (the KEDA trigger\'s metric)', async () => {
  const stub = new StubModel();
  const cw = new FakeCloudWatch();
  await stub.start();
  await cw.start();
  const sidecar = await startSidecar({
    UPSTREAM_URL: stub.url,
    CAPTURE_SAMPLING_PERCENT: '0',
    METRICS_NAMESPACE: INFERENCE_METRICS_NAMESPACE,
    METRICS_PUBLISH_INTERVAL_MS: '60000',
    IN_FLIGHT_SAMPLE_MS: '20',
    IN_FLIGHT_PUBLISH_INTERVAL_MS: '200',
    SHUTDOWN_GRACE_MS: '500',
    CLOUDWATCH_ENDPOINT: cw.endpoint,
    MODEL_NAME: 'fraud',
    VARIANT: 'canary',
  });
  const inFlight = () => cw.data(IN_FLIGHT_METRIC_NAME, [...IN_FLIGHT_DIMENSIONS]) as Array<
    MetricDatumJson & { StatisticValues: any; StorageResolution: number }
  >;
  const agents: http.Agent[] = [];
  try {
    // three requests the model never answers stay in flight; health checks do not count
    const pending = [1, 2, 3].map(() => {
      const agent = new http.Agent();
      agents.push(agent);
      return request(`${sidecar.url}/hang`, { agent }).catch(() => undefined);
    });
    for (let i = 0; i < 5; i++) await request(`${sidecar.url}/healthz`);
    await waitFor('a period with 3 requests in flight throughout', () => inFlight().some((d) => d.StatisticValues.Minimum === 3));
    // the clients give up: nothing is in flight any more
    for (const a of agents) a.destroy();
    await Promise.all(pending);
    const before = inFlight().length;
    await waitFor('a period with nothing in flight', () => inFlight().slice(before).some((d) => d.StatisticValues.Maximum === 0));
  } finally {
    for (const a of agents) a.destroy();
    expect(await sidecar.stop()).toBe(0);
    await stub.stop();
    await cw.stop();
  }
  expect(cw.violations).toEqual([]);
  const data = inFlight();
  for (const d of data) {
    expect(d.Dimensions).toEqual([{ Name: 'ModelName', Value: 'fraud' }, { Name: 'Variant', Value: 'canary' }]);
    expect(d.StorageResolution).toBe(1);
    expect(d.Unit).toBe('Count');
    const s = d.StatisticValues;
    expect(s.SampleCount).toBeGreaterThan(0);
    expect(s.Minimum).toBeLessThanOrEqual(s.Sum / s.SampleCount);
    expect(s.Maximum).toBeGreaterThanOrEqual(s.Sum / s.SampleCount);
    expect(s.Maximum).toBeLessThanOrEqual(3);
  }
  expect(cw.calls.every((c) => c.Namespace === INFERENCE_METRICS_NAMESPACE)).toBe(true);
});
