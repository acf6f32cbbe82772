import { App } from 'cdk8s';
import { InferenceService, InferenceServiceProps } from '../../lib';
import { podSpecs, restrictedViolations, validateK8s } from './k8s-checks';

// Per-segment models routed by ALB conditions, in the AWS Load Balancer Controller's documented format:
// annotation alb.ingress.kubernetes.io/conditions.<service name> = JSON list of
// {field: "http-header", httpHeaderConfig: {httpHeaderName, values}} or
// {field: "query-string", queryStringConfig: {values: [{key, value}]}}; the rule is the Ingress path whose
// backend service has that name, and rules are evaluated in the order the paths are listed
// (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#conditions).
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
    expect(JSON.parse(a['alb.ingress.kubernetes.io/conditions.recsys-eu'])).toEqual([{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Market', values: ['eu'] } }]);
    expect(JSON.parse(a['alb.ingress.kubernetes.io/conditions.recsys-b2b'])).toEqual([{
      field: 'query-string', queryStringConfig: { values: [{ key: 'tier', value: 'business' }, { key: 'tier', value: 'enterprise' }] },
    }]);
    expect(ing.spec.rules[0].http.paths.map((p: any) => p.backend.service.name)).toEqual(['recsys-eu', 'recsys-b2b', 'weighted-routing']);
    expect(ing.spec.rules[0].http.paths[0].backend.service.port).toEqual({ number: 80 });
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
});
