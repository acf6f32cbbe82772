// Per-segment rows on a model's dashboard (issue 12, item 5): RetrainTrigger.addModelEndpoint(endpoint, { segment })
// extends the endpoint's ModelDashboard (no dashboard per segment) with the segment's serving metrics (capture sidecar
// `CdkMlops/Inference`, ModelName + Variant of the segment and its canary), its drift (DriftMonitor metrics with
// dimensions ModelName + Segment, docs/drift-monitor.md) and the retraining outcomes of `<model>-<segment>`.
import { Template } from 'aws-cdk-lib/assertions';
import { ModelDashboard, ModelEndpoint } from '../../lib';
import { METRIC } from '../../lib/contracts/drift-monitor-config';
import { shopWithSegments } from '../util/shop-segments';
import { tokenText } from '../util/token-text';

/** Every metric array of a widget as [namespace, name, ...dimension pairs] (CloudWatch's "." repeats resolved). */
function metricsOf(w: any): string[][] {
  const out: string[][] = [];
  let prev: string[] = [];
  for (const row of (w.properties?.metrics ?? []) as any[][]) {
    const full = row.filter((x: any) => typeof x === 'string').map((p: string, i: number) => (p === '.' ? prev[i] : p));
    out.push(full);
    prev = full;
  }
  return out;
}
const dim = (m: string[], name: string) => (m.indexOf(name) >= 0 ? m[m.indexOf(name) + 1] : undefined);

function build(order: 'model-first' | 'segments-first') {
  const { stack, endpoint, monitor, trigger, canaryErrors } = shopWithSegments({ stackId: 'Shop' });
  const model = () => trigger.addModelEndpoint(endpoint, { canaryAlarms: [canaryErrors('canary')], trainingInput: { modelName: 'shop' } });
  const segments = () => { for (const seg of ['eu', 'us']) trigger.addModelEndpoint(endpoint, { segment: seg, canaryAlarms: [canaryErrors(`${seg}-canary`)] }); };
  if (order === 'model-first') { model(); segments(); } else { segments(); model(); }
  const template = Template.fromStack(stack);
  const dashboards = Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))
    .map((r) => ({ name: tokenText(r.Properties.DashboardName), widgets: JSON.parse(tokenText(r.Properties.DashboardBody)).widgets as any[] }));
  return { stack, endpoint, monitor, dashboards, template };
}

describe('segments on the model dashboard (RetrainTrigger.addModelEndpoint with segment)', () => {
  const { dashboards, monitor, template } = build('model-first');
  const model = dashboards.find((d) => d.name === 'Shop-shop')!;
  const titled = (re: RegExp) => model.widgets.filter((w) => re.test(w.properties?.title ?? ''));

  test('the segments extend the model\'s dashboard: one dashboard for the model, none per segment', () => {
    // The DriftMonitor's fleet dashboard and the model's.
    expect(dashboards.map((d) => d.name).sort()).toEqual(['Shop-mlops-fleet', 'Shop-shop']);
    const headers = model.widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown);
    expect(headers.filter((h: string) => h.startsWith('### Segment'))).toEqual([
      '### Segment `eu` of shop, monitored and retrained as `shop-eu`',
      '### Segment `us` of shop, monitored and retrained as `shop-us`',
    ]);
  });

  test('traffic, latency and errors of each segment\'s variant and its canary (capture sidecar metrics, ModelName + Variant)', () => {
    for (const seg of ['eu', 'us']) {
      for (const [re, metric] of [[/requests per minute/, 'Requests'], [/latency/, 'LatencyMs'], [/5xx errors/, 'Errors']] as const) {
        const [w] = titled(new RegExp(`^shop / ${seg}: ${re.source}`));
        const series = metricsOf(w);
        expect(series.every((m) => m[0] === ModelEndpoint.METRICS_NAMESPACE && m[1] === metric && dim(m, 'ModelName') === 'shop')).toBe(true);
        // RetrainTrigger rendered the segment's canary (addSegmentCanary) before adding the rows.
        expect([...new Set(series.map((m) => dim(m, 'Variant')))]).toEqual([seg, `${seg}-canary`]);
      }
      const [replicas] = titled(new RegExp(`^shop / ${seg}: running replicas`));
      expect(metricsOf(replicas).map((m) => dim(m, 'Service'))).toEqual([`shop-${seg}`, `shop-${seg}-canary`]);
    }
  });

  test('drift of each segment from the DriftMonitor\'s segment metrics (dimensions ModelName + Segment)', () => {
    for (const seg of ['eu', 'us']) {
      const [drifted] = titled(new RegExp(`^shop / ${seg}: drifted features`));
      const series = metricsOf(drifted);
      expect(series.map((m) => [m[0], m[1], dim(m, 'ModelName'), dim(m, 'Segment')])).toEqual([
        [monitor.namespace, METRIC.driftedFeatureCount, 'shop', seg],
        [monitor.namespace, METRIC.sampleCount, 'shop', seg],
      ]);
      const perFeature = titled(new RegExp(`^shop / ${seg}: .* per feature`));
      expect(perFeature).toHaveLength(2);
      const expressions = perFeature.flatMap((w) => w.properties.metrics.map((row: any[]) => row[0].expression));
      expect(expressions).toHaveLength(4);
      for (const e of expressions) {
        expect(e).toContain(`FROM SCHEMA("${monitor.namespace}", ModelName, Segment, Variant, Feature, Statistic) WHERE ModelName = 'shop' AND Segment = '${seg}'`);
      }
      const [alarms] = model.widgets.filter((w) => w.type === 'alarm' && w.properties.title === `shop / ${seg}: alarms`);
      const [driftAlarm] = Object.entries<any>(template.findResources('AWS::CloudWatch::Alarm'))
        .filter(([, r]) => r.Properties.AlarmName !== undefined && tokenText(r.Properties.AlarmName).endsWith(`-shop-${seg}-drift`));
      expect(alarms.properties.alarms).toEqual([`\${GetAtt:${driftAlarm[0]}.Arn}`]);
    }
  });

  test('retraining outcomes of <model>-<segment> per day', () => {
    for (const seg of ['eu', 'us']) {
      const [w] = titled(new RegExp(`^shop / ${seg}: retraining outcomes of shop-${seg}`));
      const series = metricsOf(w);
      expect(series.length).toBeGreaterThanOrEqual(9);
      expect(series.every((m) => m[1] === 'RetrainOutcome' && dim(m, 'ModelName') === `shop-${seg}`)).toBe(true);
    }
    // The model's own outcomes stay the model's.
    const [own] = titled(/^shop: retraining outcomes per day/);
    expect(metricsOf(own).every((m) => dim(m, 'ModelName') === 'shop')).toBe(true);
  });

  test('registering the segments before the model gives the same dashboard content', () => {
    const other = build('segments-first').dashboards.find((d) => d.name === 'Shop-shop')!;
    const titles = (ws: any[]) => ws.map((w) => w.properties?.title ?? w.properties?.markdown).sort();
    expect(titles(other.widgets)).toEqual(titles(model.widgets));
  });
});

describe('ModelDashboard.addSegment validation', () => {
  const { stack, endpoint, monitor } = build('model-first');
  const dashboard = endpoint.node.findChild('Dashboard') as ModelDashboard;

  test('rejects a segment the endpoint does not have, a segment added twice and the drift registration of another segment', () => {
    expect(() => dashboard.addSegment({ segment: 'apac' })).toThrow(/invalid prop "segment" \("apac"\): must be a segment of shop \(eu, us\)/);
    expect(() => dashboard.addSegment({ segment: 'eu' })).toThrow(/invalid prop "segment" \("eu"\): already has rows on this dashboard/);
    const standalone = new ModelDashboard(stack, 'Standalone', { endpoint });
    expect(() => standalone.addSegment({ segment: 'eu', monitoredModel: monitor.findModel('shop', 'us') }))
      .toThrow(/invalid prop "monitoredModel" \("shop-us"\): must be the drift registration of segment eu of shop/);
  });
});
