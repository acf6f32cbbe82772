import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { App } from 'cdk8s';
import { readAppSettings } from '../../bin/capacity/app';
import { GpuCluster, InferenceService, InferenceServiceProps, ModelEndpoint } from '../../lib';
import { testApp } from '../util/synth';
import { podSpecs, restrictedViolations, validateK8s } from './k8s-checks';

// Per-segment models routed by ALB conditions, in the AWS Load Balancer Controller's documented format:
// annotation alb.ingress.kubernetes.io/conditions.<conditions-name> = JSON list of
// {field: "http-header", httpHeaderConfig: {httpHeaderName, values}} or
// {field: "query-string", queryStringConfig: {values: [{key, value}]}}; "The conditions-name in the annotation must
// match the serviceName in the Ingress rules. It can be a either real serviceName or an annotation based action name
// when servicePort is use-annotation"; rules are evaluated in the order the paths are listed
// (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#conditions).
// Each segment is routed by its own forward action (actions.<name>, forwardConfig.targetGroups with serviceName,
// servicePort and weight, same page, #actions), so a retrain can shift a share of the segment to its canary.
const base: InferenceServiceProps = {
  modelName: 'recsys', image: 'example/recsys:1.0.0', artifactBucketName: 'b', artifactPrefix: 'recsys/',
  variants: [{ name: 'primary', modelVersion: 'v7', weight: 90 }, { name: 'canary', modelVersion: 'v8', weight: 10 }],
};
function render(props: Partial<InferenceServiceProps>): any[] {
  return new InferenceService(new App(), 'recsys', { ...base, ...props }).toJson();
}
const objs = (() => {
  const app = new App();
  const svc = new InferenceService(app, 'recsys', {
    ...base,
    segments: [
      { name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu', minReplicas: 1, maxReplicas: 4 },
      { name: 'b2b', match: { queryParameter: 'tier', values: ['business', 'enterprise'] }, modelVersion: 'v7-b2b' },
    ],
  });
  expect(svc.segments.map((s) => s.name)).toEqual(['eu', 'b2b']);
  return svc.toJson();
})();
const find = (kind: string, name: string) => objs.find((o: any) => o.kind === kind && o.metadata.name === name);

describe('per-segment models', () => {
  test('each segment has its own Deployment, Service, HPA and PDB serving its model version', () => {
    for (const seg of ['eu', 'b2b']) {
      for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) expect(find(kind, `recsys-${seg}`)).toBeDefined();
    }
    expect(find('Deployment', 'recsys-eu').spec.template.metadata.annotations['cdk-mlops.io/model-version']).toBe('v7-eu');
    expect(find('Service', 'recsys-eu').spec.selector).toEqual({ 'app.kubernetes.io/name': 'recsys', 'cdk-mlops.io/variant': 'eu' });
    expect(find('HorizontalPodAutoscaler', 'recsys-eu').spec).toMatchObject({ minReplicas: 1, maxReplicas: 4 });
    for (const o of objs) validateK8s(o);
    for (const p of objs.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test('ALB conditions route to the segment Services, then a default route to the weighted variants', () => {
    const ing = find('Ingress', 'recsys');
    const a = ing.metadata.annotations;
    expect(JSON.parse(a['alb.ingress.kubernetes.io/conditions.weighted-routing-eu'])).toEqual([{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Market', values: ['eu'] } }]);
    expect(JSON.parse(a['alb.ingress.kubernetes.io/conditions.weighted-routing-b2b'])).toEqual([{
      field: 'query-string', queryStringConfig: { values: [{ key: 'tier', value: 'business' }, { key: 'tier', value: 'enterprise' }] },
    }]);
    expect(ing.spec.rules[0].http.paths.map((p: any) => p.backend.service.name)).toEqual(['weighted-routing-eu', 'weighted-routing-b2b', 'weighted-routing']);
    expect(ing.spec.rules[0].http.paths[0].backend.service.port).toEqual({ name: 'use-annotation' });
    // Without a canary, all of the segment's traffic goes to its own Service.
    expect(JSON.parse(a['alb.ingress.kubernetes.io/actions.weighted-routing-eu']).forwardConfig.targetGroups)
      .toEqual([{ serviceName: 'recsys-eu', servicePort: '80', weight: 100 }]);
    // No conditions keyed by a name no rule uses (the controller would ignore them).
    expect(Object.keys(a).filter((k) => k.includes('/conditions.')).sort()).toEqual(['alb.ingress.kubernetes.io/conditions.weighted-routing-b2b', 'alb.ingress.kubernetes.io/conditions.weighted-routing-eu']);
    const weighted = JSON.parse(a['alb.ingress.kubernetes.io/actions.weighted-routing']).forwardConfig.targetGroups;
    expect(weighted.map((t: any) => [t.serviceName, t.weight])).toEqual([['recsys-primary', 90], ['recsys-canary', 10]]);
  });

  test('the model-wide Service selects only the default route\'s pods, never a segment\'s', () => {
    expect(find('Service', 'recsys').spec.selector).toEqual({ 'app.kubernetes.io/name': 'recsys', 'cdk-mlops.io/segment': 'default' });
    expect(find('Deployment', 'recsys-primary').spec.template.metadata.labels['cdk-mlops.io/segment']).toBe('default');
    expect(find('Deployment', 'recsys-eu').spec.template.metadata.labels['cdk-mlops.io/segment']).toBe('eu');
  });

  test.each([
    ['a match on nothing', [{ name: 'eu', match: { values: ['eu'] }, modelVersion: 'v1' }], /segments\[0\]\.match.*exactly one of header and queryParameter/],
    ['an empty value list', [{ name: 'eu', match: { header: 'X-Market', values: [] }, modelVersion: 'v1' }], /segments\[0\]\.match\.values.*an empty list matches nothing/],
    ['overlapping matches (header names compare case-insensitively)', [
      { name: 'eu', match: { header: 'X-Market', values: ['eu', 'uk'] }, modelVersion: 'v1' },
      { name: 'uk', match: { header: 'x-market', values: ['UK'] }, modelVersion: 'v2' },
    ], /segments\[1\]\.match.*overlaps segment "eu".*uk/],
    ['a segment named like a variant', [{ name: 'canary', match: { header: 'X-A', values: ['a'] }, modelVersion: 'v1' }], /segments\[0\]\.name.*must differ from every variant name/],
  ])('%s is a validation error', (_what, segments, error) => {
    expect(() => render({ segments: segments as any })).toThrow(error);
  });

  test('a segment canary: its own Deployment, Service, autoscaler and PDB, 0-weight in the segment\'s action, labelled with the segment', () => {
    const app = new App();
    const svc = new InferenceService(app, 'recsys', {
      ...base,
      segments: [
        { name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu', minReplicas: 2, maxReplicas: 6 },
        { name: 'us', match: { header: 'X-Market', values: ['us'] }, modelVersion: 'v7-us' },
      ],
    });
    const canary = svc.addSegmentCanary('eu');
    expect(canary).toMatchObject({ name: 'eu-canary', modelVersion: 'v7-eu', weight: 0, minReplicas: 1, maxReplicas: 6 });
    expect(svc.hasSegmentCanary('eu')).toBe(true);
    expect(svc.hasSegmentCanary('us')).toBe(false);
    const out = svc.toJson();
    const get = (kind: string, name: string) => out.find((o: any) => o.kind === kind && o.metadata.name === name);
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) expect(get(kind, 'recsys-eu-canary')).toBeDefined();
    expect(get('Deployment', 'recsys-us-canary')).toBeUndefined();
    const pod = get('Deployment', 'recsys-eu-canary').spec.template;
    expect(pod.metadata.labels).toMatchObject({ 'cdk-mlops.io/variant': 'eu-canary', 'cdk-mlops.io/segment': 'eu' });
    expect(pod.metadata.annotations['cdk-mlops.io/model-version']).toBe('v7-eu');
    // The segment's Service keeps selecting only the segment's own pods; the model-wide Service only the default route's.
    expect(get('Service', 'recsys-eu').spec.selector).toEqual({ 'app.kubernetes.io/name': 'recsys', 'cdk-mlops.io/variant': 'eu' });
    expect(get('Service', 'recsys-eu-canary').spec.selector).toEqual({ 'app.kubernetes.io/name': 'recsys', 'cdk-mlops.io/variant': 'eu-canary' });
    expect(get('Service', 'recsys').spec.selector['cdk-mlops.io/segment']).toBe('default');
    const a = get('Ingress', 'recsys').metadata.annotations;
    expect(JSON.parse(a['alb.ingress.kubernetes.io/actions.weighted-routing-eu']).forwardConfig.targetGroups).toEqual([
      { serviceName: 'recsys-eu', servicePort: '80', weight: 100 }, { serviceName: 'recsys-eu-canary', servicePort: '80', weight: 0 },
    ]);
    expect(JSON.parse(a['alb.ingress.kubernetes.io/actions.weighted-routing-us']).forwardConfig.targetGroups).toEqual([
      { serviceName: 'recsys-us', servicePort: '80', weight: 100 },
    ]);
    // The artifact the canary renders is the segment's.
    expect(svc.artifactUriForVariant('eu-canary')).toBe(svc.artifactUriForVariant('eu'));
    for (const o of out) validateK8s(o);
    for (const p of out.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test.each([
    ['an unknown segment', (svc: InferenceService) => svc.addSegmentCanary('apac'), /segment.*apac.*must name a segment \(eu\)/],
    ['a second canary of a segment', (svc: InferenceService) => { svc.addSegmentCanary('eu'); svc.addSegmentCanary('eu'); }, /segment.*eu.*already has a canary/],
    ['a canary named like a variant', (svc: InferenceService) => { svc.addVariant({ name: 'eu-canary', modelVersion: 'v1', weight: 0 }); svc.addSegmentCanary('eu'); },
      /cannot get a canary: a variant is already named eu-canary/],
  ])('%s is a validation error', (_what, act, error) => {
    const svc = new InferenceService(new App(), 'recsys', { ...base, segments: [{ name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu' }] });
    expect(() => act(svc)).toThrow(error);
  });
});

describe('pre-scaling windows of segments', () => {
  const segments = [
    { name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu', minReplicas: 1, maxReplicas: 8 },
    { name: 'us', match: { header: 'X-Market', values: ['us'] }, modelVersion: 'v7-us', minReplicas: 2, maxReplicas: 30 },
  ];
  const bf = { start: '2026-11-27T00:00', end: '2026-11-28T06:00', leadTimeMinutes: 20 };
  const cronJobs = (out: any[]) => out.filter((o) => o.kind === 'CronJob');
  const patches = (job: any) => job.spec.jobTemplate.spec.template.spec.containers.map((c: any) => [c.args[2], JSON.parse(c.args[7]).spec]);

  test('a window naming a segment patches only that segment\'s autoscaler, with its own floor; a model window patches the default route', () => {
    const out = render({
      segments,
      scheduledScaling: [
        { name: 'bf-model', timeZone: 'America/New_York', minReplicas: 20, ...bf },
        { name: 'bf-us', timeZone: 'America/New_York', minReplicas: 12, maxReplicas: 40, segment: 'us', ...bf },
        // The same dates in another time zone: it overlaps the others, but targets another segment.
        { name: 'bf-eu', timeZone: 'Europe/Berlin', minReplicas: 6, segment: 'eu', ...bf },
      ],
    });
    const job = (name: string) => cronJobs(out).find((o) => o.metadata.name === name);
    expect(patches(job('prescale-bf-us-start'))).toEqual([['recsys-us', { minReplicas: 12, maxReplicas: 40 }]]);
    expect(patches(job('prescale-bf-us-end'))).toEqual([['recsys-us', { minReplicas: 2, maxReplicas: 30 }]]);
    expect(patches(job('prescale-bf-eu-start'))).toEqual([['recsys-eu', { minReplicas: 6, maxReplicas: 8 }]]);
    expect(patches(job('prescale-bf-model-start')).map(([n]: any) => n)).toEqual(['recsys-primary', 'recsys-canary']);
    // Each segment window starts its lead time before the window, in its own time zone (yearly cron, 20 minutes earlier).
    expect(job('prescale-bf-eu-start').spec).toMatchObject({ schedule: '40 23 26 11 *', timeZone: 'Europe/Berlin' });
    // The pre-scaler may patch exactly the autoscalers some window patches.
    const role = out.find((o) => o.kind === 'Role' && o.metadata.name === 'recsys-prescaler');
    expect(role.rules[0].resourceNames.sort()).toEqual(['recsys-canary', 'recsys-eu', 'recsys-primary', 'recsys-us']);
    for (const o of out) validateK8s(o);
    for (const p of out.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test('a segment window does not raise the segment\'s canary (docs/model-endpoint.md, "Windows of a segment"): it keeps its own bounds', () => {
    const svc = new InferenceService(new App(), 'recsys', { ...base, segments, scheduledScaling: [{ name: 'bf-eu', timeZone: 'UTC', minReplicas: 6, segment: 'eu', ...bf }] });
    svc.addSegmentCanary('eu', { minReplicas: 2, maxReplicas: 4 });
    const out = svc.toJson();
    const job = (name: string) => cronJobs(out).find((o) => o.metadata.name === name);
    expect(patches(job('prescale-bf-eu-start'))).toEqual([['recsys-eu', { minReplicas: 6, maxReplicas: 8 }]]);
    expect(patches(job('prescale-bf-eu-end'))).toEqual([['recsys-eu', { minReplicas: 1, maxReplicas: 8 }]]);
    expect(out.find((o) => o.kind === 'Role' && o.metadata.name === 'recsys-prescaler').rules[0].resourceNames).toEqual(['recsys-eu']);
    // The canary's autoscaler is rendered with the bounds given to addSegmentCanary, which no CronJob patches.
    const hpa = out.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'recsys-eu-canary');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
  });

  test('with only a segment window, the pre-scaler may patch that segment\'s autoscaler and nothing else', () => {
    const out = render({ segments, scheduledScaling: [{ name: 'bf-eu', timeZone: 'UTC', minReplicas: 6, segment: 'eu', ...bf }] });
    expect(out.find((o) => o.kind === 'Role' && o.metadata.name === 'recsys-prescaler').rules[0].resourceNames).toEqual(['recsys-eu']);
  });

  test('on KEDA (request-driven scaling) a segment window patches the segment\'s ScaledObject', () => {
    const out = render({
      segments, scaleOnInFlightRequests: true, region: 'us-east-1',
      scheduledScaling: [{ name: 'bf-eu', timeZone: 'UTC', minReplicas: 6, segment: 'eu', ...bf }],
    });
    const start = cronJobs(out).find((o) => o.metadata.name === 'prescale-bf-eu-start');
    const c = start.spec.jobTemplate.spec.template.spec.containers;
    expect(c.map((x: any) => x.args.slice(0, 3))).toEqual([['patch', 'scaledobject', 'recsys-eu']]);
    expect(JSON.parse(c[0].args[7])).toEqual({ spec: { minReplicaCount: 6, maxReplicaCount: 8 } });
    const scaled = out.find((o) => o.kind === 'ScaledObject' && o.metadata.name === 'recsys-eu');
    expect(scaled.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 8 });
    expect(out.find((o) => o.kind === 'Role' && o.metadata.name === 'recsys-prescaler').rules[0]).toMatchObject({ apiGroups: ['keda.sh'], resources: ['scaledobjects'], resourceNames: ['recsys-eu'] });
    for (const o of out) validateK8s(o);
  });

  test.each([
    ['a window naming an unknown segment', [{ name: 'bf', timeZone: 'UTC', minReplicas: 6, segment: 'apac', ...bf }], /scheduledScaling\[0\]\.segment.*apac.*must name a segment of the model \(eu, us\)/],
    ['two overlapping windows of one segment', [
      { name: 'bf1', timeZone: 'UTC', minReplicas: 6, segment: 'eu', ...bf },
      { name: 'bf2', timeZone: 'UTC', minReplicas: 6, segment: 'eu', start: '2026-11-27T12:00', end: '2026-11-29T00:00' },
    ], /scheduledScaling\[1\].*must not overlap window "bf1"/],
  ])('%s is a validation error', (_what, windows, error) => {
    expect(() => render({ segments, scheduledScaling: windows as any })).toThrow(error);
  });
});

describe('the capacity planner reads a segment\'s own autoscalers and windows from a synthesized app', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let out: string;
  beforeAll(() => {
    const app = testApp({ outdir: path.join(dir, 'cdk.out') });
    const stack = new Stack(app, 'Shop');
    const gpu = new GpuCluster(stack, 'Gpu', { gpuMaxSize: 40 });
    const endpoint = new ModelEndpoint(stack, 'Endpoint', {
      cluster: gpu.cluster, modelName: 'shop', image: 'example/shop:1.0.0', resources: { gpuCount: 1 },
      modelArtifact: { bucket: s3.Bucket.fromBucketName(stack, 'B', 'artifacts'), prefix: 'models/shop/' },
      variants: [{ name: 'primary', modelVersion: 'v7', weight: 90 }, { name: 'canary', modelVersion: 'v7', weight: 10, minReplicas: 1, maxReplicas: 4 }],
      segments: [{ name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu', minReplicas: 1, maxReplicas: 8 }],
      scheduledScaling: [{ name: 'bf', start: '2026-11-27T00:00', end: '2026-11-28T06:00', timeZone: 'America/New_York', minReplicas: 20 }],
    });
    endpoint.addScheduledScaling({ name: 'bf-eu', start: '2026-11-27T00:00', end: '2026-11-28T06:00', timeZone: 'Europe/Berlin', minReplicas: 6, segment: 'eu' });
    endpoint.addSegmentCanary('eu', { maxReplicas: 2 });
    out = app.synth().directory;
  });

  test('--segment eu: the segment\'s ScaledObjects (its own and its canary\'s), its window on its own autoscaler only', () => {
    const s = readAppSettings(out, 'shop', { segment: 'eu' });
    expect(s.targets.map((t) => [t.name, t.segment, t.minReplicas, t.maxReplicas])).toEqual([['shop-eu', 'eu', 1, 8], ['shop-eu-canary', 'eu', 1, 2]]);
    const [eu, canary] = s.targets;
    // The default lead: ceil((GPU node start-up 300 s + model start-up 600 s) / 60) = 15 minutes before midnight in Berlin.
    expect(eu.windows).toEqual([{
      name: 'bf-eu', timeZone: 'Europe/Berlin', minReplicas: 6, maxReplicas: 8, leadMinutes: 15,
      prescaleSchedule: '45 23 26 11 *', startSchedule: '0 0 27 11 *', endSchedule: '0 6 28 11 *',
    }]);
    expect(canary.windows).toEqual([]);
  });

  test('a segment window above the segment\'s maxReplicas is capped, with a warning naming the segment\'s ceiling', () => {
    const stack = new Stack(testApp(), 'Capped');
    const gpu = new GpuCluster(stack, 'Gpu', { gpuMaxSize: 40 });
    const endpoint = new ModelEndpoint(stack, 'Endpoint', {
      cluster: gpu.cluster, modelName: 'shop', image: 'example/shop:1.0.0',
      modelArtifact: { bucket: s3.Bucket.fromBucketName(stack, 'B', 'artifacts'), prefix: 'models/shop/' },
      variants: [{ name: 'primary', modelVersion: 'v7', weight: 100 }],
      segments: [{ name: 'eu', match: { header: 'X-Market', values: ['eu'] }, modelVersion: 'v7-eu', minReplicas: 1, maxReplicas: 8 }],
    });
    endpoint.addScheduledScaling({ name: 'bf-eu', start: '2026-11-27T00:00', end: '2026-11-28T06:00', timeZone: 'UTC', minReplicas: 12, segment: 'eu' });
    expect(endpoint.chart.windowBounds(endpoint.chart.scheduledScalingWindows[0])).toEqual({ eu: [8, 8] });
    Annotations.fromStack(stack).hasWarning('/Capped/Endpoint', Match.stringLikeRegexp('window "bf-eu" asks for 12 replicas but .*\\(eu<=8\\) cap the floor at 8'));
  });

  test('the default route: the weighted variants and the model\'s window, no segment autoscaler', () => {
    const s = readAppSettings(out, 'shop');
    expect(s.targets.map((t) => t.name)).toEqual(['shop-primary', 'shop-canary']);
    // 90% of the window's 20 is 18, capped by the primary's maxReplicas (the default 10).
    expect(s.targets[0].windows.map((w) => [w.name, w.minReplicas])).toEqual([['bf', 10]]);
  });
});

