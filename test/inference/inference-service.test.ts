import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Yaml } from 'cdk8s';
import { InferenceService } from '../../lib';
import { podSpecs, restrictedViolations, validateK8s } from './k8s-checks';

// The cdk8s chart on its own (GitOps): no AWS CDK involved, plain YAML out.
const app = new App();
const svc = new InferenceService(app, 'recsys', {
  modelName: 'recsys',
  image: 'example/recsys@sha256:' + 'b'.repeat(64),
  artifactBucketName: 'models-bucket',
  artifactPrefix: 'recsys/',
  region: 'eu-west-1',
  loadBalancerSourceCidrs: ['10.20.0.0/16'],
  variants: [{ name: 'primary', modelVersion: '41', weight: 80 }],
});
svc.addVariant({ name: 'segment-b2b', modelVersion: '42', weight: 20, minReplicas: 1, maxReplicas: 3 });
svc.addScheduledScaling({ name: 'sale', start: '2026-07-15T00:00', end: '2026-07-17T00:00', timeZone: 'UTC', minReplicas: 10 });
const dir = mkdtempSync(join(tmpdir(), 'cdk-mlops-gitops-'));
const file = join(dir, 'recsys.yaml');
writeFileSync(file, app.synthYaml());
const objs: any[] = Yaml.load(file).filter(Boolean);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('InferenceService standalone (GitOps)', () => {
  test('renders YAML with every object schema-valid and every pod restricted', () => {
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['Namespace', 'Deployment', 'Ingress', 'CronJob']));
    expect(objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['recsys-primary', 'recsys-segment-b2b']);
    for (const o of objs) validateK8s(o);
    for (const p of objs.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test('CPU-only: no GPU resources, tolerations or node selector; region and bucket passed to the init container', () => {
    const pod = objs.find((o) => o.metadata.name === 'recsys-primary' && o.kind === 'Deployment').spec.template.spec;
    expect(pod.tolerations).toBeUndefined();
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } });
    const template = objs.find((o) => o.metadata.name === 'recsys-primary' && o.kind === 'Deployment').spec.template;
    expect(template.metadata.annotations['cdk-mlops.io/model-artifact-uri']).toBe('s3://models-bucket/recsys/41/');
    expect(pod.initContainers[0].env[0].valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['cdk-mlops.io/model-artifact-uri']");
    expect(pod.initContainers[0].env).toEqual(expect.arrayContaining([{ name: 'AWS_REGION', value: 'eu-west-1' }]));
  });

  test('window split by weight (ceil), late variants included', () => {
    const start = objs.find((o) => o.kind === 'CronJob' && o.metadata.name === 'prescale-sale-start');
    // 12 minutes early (CPU model: 2 min node start-up + 600 s startupTimeoutSeconds), across midnight and the month.
    expect(start.spec.schedule).toBe('48 23 14 7 *');
    const patches = start.spec.jobTemplate.spec.template.spec.containers.map((c: any) => [c.args[2], JSON.parse(c.args[7]).spec]);
    expect(patches).toEqual([['recsys-primary', { minReplicas: 8, maxReplicas: 10 }], ['recsys-segment-b2b', { minReplicas: 2, maxReplicas: 3 }]]);
    const policy = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'recsys-allow-serving');
    expect(policy.spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '10.20.0.0/16' } }]);
  });

  test('cdk8s synth runs the weight check', () => {
    const bad = new App();
    new InferenceService(bad, 'm', {
      modelName: 'm', image: 'example/m:1.0.0', artifactBucketName: 'b', artifactPrefix: 'p/',
      variants: [{ name: 'a', modelVersion: '1', weight: 60 }, { name: 'b', modelVersion: '2', weight: 30 }],
    });
    expect(() => bad.synthYaml()).toThrow(/\[cdk-mlops\] m: invalid prop "variants\[\*\]\.weight" \(a=60, b=30\): the integer weights must sum to 100 \(they sum to 90\)/);
  });
});
