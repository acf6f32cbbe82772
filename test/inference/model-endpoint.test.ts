import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { GpuCluster, ModelEndpoint, PodCredentials } from '../../lib';
import { testApp } from '../util/synth';
import { manifestObjects, podSpecs, restrictedViolations, validateK8s } from './k8s-checks';

// One app, synthesized once, shared by every test of this file.
const app = testApp();
const stack = new Stack(app, 'Endpoints');
const gpu = new GpuCluster(stack, 'Gpu');
const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
const bucket = new s3.Bucket(stack, 'Artifacts', { encryptionKey: key, encryption: s3.BucketEncryption.KMS, enforceSSL: true });

const fraud = new ModelEndpoint(stack, 'Fraud', {
  cluster: gpu.cluster,
  modelName: 'fraud-scoring',
  image: 'example/fraud-server:1.4.2',
  modelArtifact: { bucket, prefix: 'models/fraud-scoring/' },
  resources: { cpu: '3', memory: '12Gi', gpuCount: 1 },
  autoscaling: { minReplicas: 2, maxReplicas: 20, targetCpuUtilization: 60, customMetric: { metricName: 'http_requests_per_second', targetAverageValue: '200' } },
  variants: [{ name: 'primary', modelVersion: 'v7', weight: 90, maxReplicas: 30 }],
  allowedNamespaces: ['checkout'],
  capture: { enabled: false }, // this test plugs its own proxy into the hook (useProxy below)
});
// Mutators after construction: late binding must reflect them.
fraud.addVariant({ name: 'canary', modelVersion: 'v8', weight: 10, minReplicas: 1, maxReplicas: 4 });
fraud.addScheduledScaling({ name: 'black-friday', start: '2026-11-26T18:00', end: '2026-12-01T06:00', timeZone: 'America/New_York', minReplicas: 20, maxReplicas: 34 });
fraud.useProxy({
  image: 'example/capture-proxy:0.3.0',
  containerPort: 8081,
  env: { SAMPLE_RATE: '0.1' },
  resources: { cpu: '200m', memory: '192Mi' },
  spillVolume: { mountPath: '/var/spool/capture', sizeLimit: '2Gi' },
});

// A CPU-only model with IRSA, an imported bucket without a key, an internet-facing HTTPS ALB,
// and a window whose floor the variants cap (warning).
const cpu = new ModelEndpoint(stack, 'Churn', {
  cluster: gpu.cluster,
  modelName: 'churn',
  namespace: 'churn-prod',
  image: 'example/churn@sha256:' + 'a'.repeat(64),
  modelArtifact: { bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'shared-models'), prefix: 'churn/' },
  podCredentials: PodCredentials.IRSA,
  internetFacing: true,
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
  variants: [{ name: 'primary', modelVersion: '2026-11-20.1', weight: 100, minReplicas: 1, maxReplicas: 2, artifactKey: 'churn/special/model.tar.gz' }],
  scheduledScaling: [{ name: 'month-end', start: '2026-11-30T00:00', end: '2026-11-30T23:00', timeZone: 'Europe/Berlin', minReplicas: 10 }],
  capture: { enabled: false }, // the no-proxy pod shape is checked below (capture is tested in test/capture)
});

const template = Template.fromStack(stack);
const json = template.toJSON();
const manifests = manifestObjects(json);
const fraudId = stack.getLogicalId(fraud.manifest.node.defaultChild as any);
const churnId = stack.getLogicalId(cpu.manifest.node.defaultChild as any);
const fraudObjs = manifests[fraudId];
const churnObjs = manifests[churnId];
const find = (objs: any[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o;
};

describe('rendered Kubernetes objects', () => {
  test('one manifest per endpoint with the expected objects', () => {
    const kinds = (objs: any[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds(fraudObjs)).toEqual([
      'CronJob/prescale-black-friday-end', 'CronJob/prescale-black-friday-start',
      'Deployment/fraud-scoring-canary', 'Deployment/fraud-scoring-primary',
      'HorizontalPodAutoscaler/fraud-scoring-canary', 'HorizontalPodAutoscaler/fraud-scoring-primary',
      'Ingress/fraud-scoring', 'Namespace/fraud-scoring',
      'NetworkPolicy/default-deny-ingress', 'NetworkPolicy/fraud-scoring-allow-serving',
      'PodDisruptionBudget/fraud-scoring-canary', 'PodDisruptionBudget/fraud-scoring-primary',
      'Role/fraud-scoring-prescaler', 'RoleBinding/fraud-scoring-prescaler',
      'Service/fraud-scoring', 'Service/fraud-scoring-canary', 'Service/fraud-scoring-primary',
      'ServiceAccount/fraud-scoring', 'ServiceAccount/fraud-scoring-prescaler',
    ]);
    expect(fraudObjs[0].kind).toBe('Namespace');
    expect(churnObjs.filter((o) => o.kind === 'Deployment')).toHaveLength(1);
  });

  test('every rendered object validates against the kubernetes-models 4.5 schemas', () => {
    const all = [...fraudObjs, ...churnObjs, ...fraud.chart.toJson(), ...cpu.chart.toJson()];
    expect(all.length).toBeGreaterThan(30);
    for (const obj of all) {
      expect(() => validateK8s(obj)).not.toThrow();
    }
  });

  test('every pod spec (Deployments and CronJobs) passes Pod Security Standards "restricted"', () => {
    const pods = [...fraudObjs, ...churnObjs].flatMap(podSpecs);
    expect(pods.map((p) => p.where).sort()).toEqual([
      'CronJob/prescale-black-friday-end', 'CronJob/prescale-black-friday-start',
      'CronJob/prescale-month-end-end', 'CronJob/prescale-month-end-start',
      'Deployment/churn-primary', 'Deployment/fraud-scoring-canary', 'Deployment/fraud-scoring-primary',
    ]);
    for (const p of pods) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test('the checker catches violations (so the test above means something)', () => {
    const bad = {
      hostNetwork: true,
      volumes: [{ name: 'h', hostPath: { path: '/' } }],
      containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] } }, ports: [{ containerPort: 80, hostPort: 80 }] }],
    };
    const v = restrictedViolations('Pod/bad', bad);
    expect(v).toEqual(expect.arrayContaining([
      'Pod/bad: host namespaces', 'Pod/bad: volume h of type hostPath', 'Pod/bad/c: allowPrivilegeEscalation must be false',
      'Pod/bad/c: capabilities must drop ALL', 'Pod/bad/c: adds capability SYS_ADMIN', 'Pod/bad/c: runAsNonRoot must be true',
      'Pod/bad/c: seccompProfile must be RuntimeDefault or Localhost', 'Pod/bad/c: hostPort 80', 'Pod/bad/c: readOnlyRootFilesystem must be true',
      'Pod/bad/c: cpu and memory requests required', 'Pod/bad/c: memory limit required',
    ]));
  });

  test('namespace enforces Pod Security "restricted"; every object carries the prune label', () => {
    const ns = find(fraudObjs, 'Namespace', 'fraud-scoring');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const prune = json.Resources[fraudId].Properties.PruneLabel;
    expect(prune).toMatch(/^aws\.cdk\.eks\/prune-c[0-9a-f]{40,}$/);
    for (const o of fraudObjs) expect(o.metadata.labels[prune]).toBe('');
    for (const o of fraudObjs.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('fraud-scoring');
    expect(fraud.namespace).toBe('fraud-scoring');
    expect(fraud.serviceName).toBe('fraud-scoring');
    expect(cpu.namespace).toBe('churn-prod');
  });

  test('GPU deployment: scheduling, resources, probes, rollout, shutdown, zone spread', () => {
    const d = find(fraudObjs, 'Deployment', 'fraud-scoring-primary');
    expect(d.spec.replicas).toBeUndefined();
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = d.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('fraud-scoring');
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'cdk-mlops.io/node-pool': 'gpu' });
    expect(pod.topologySpreadConstraints[0]).toEqual({
      topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'fraud-scoring', 'cdk-mlops.io/variant': 'primary' } },
    });
    const model = pod.containers.find((c: any) => c.name === 'model');
    expect(model.image).toBe('example/fraud-server:1.4.2');
    expect(model.resources).toEqual({
      requests: { 'cpu': '3', 'memory': '12Gi', 'nvidia.com/gpu': 1 },
      limits: { 'memory': '12Gi', 'nvidia.com/gpu': 1 },
    });
    expect(model.readinessProbe.httpGet.path).toBe('/ready');
    expect(model.livenessProbe.httpGet.path).toBe('/live');
    expect(model.readinessProbe).not.toEqual(model.livenessProbe);
    expect(model.startupProbe.failureThreshold * model.startupProbe.periodSeconds).toBe(600);
    expect(model.lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
    expect(model.volumeMounts).toEqual([{ name: 'model', mountPath: '/models', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }]);
    const env = Object.fromEntries(model.env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ MODEL_NAME: 'fraud-scoring', VARIANT: 'primary', MODEL_DIR: '/models', PORT: '8080' });
    // The version is the pod annotation the retraining loop patches, not a value baked into the container.
    expect(model.env).toContainEqual({ name: 'MODEL_VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['cdk-mlops.io/model-version']" } } });
  });

  test('the model each variant loads is a pod-template annotation (pre-set to its artifact) that the init container reads through the downward API', () => {
    const primaryDeployment = find(fraudObjs, 'Deployment', 'fraud-scoring-primary');
    const primary = primaryDeployment.spec.template.spec;
    const canary = find(fraudObjs, 'Deployment', 'fraud-scoring-canary');
    expect(primaryDeployment.spec.template.metadata.annotations).toEqual({
      'cdk-mlops.io/model-artifact-uri': 's3://CFN-TOKEN/models/fraud-scoring/v7/',
      'cdk-mlops.io/model-version': 'v7',
    });
    expect(canary.spec.template.metadata.annotations).toEqual({
      'cdk-mlops.io/model-artifact-uri': 's3://CFN-TOKEN/models/fraud-scoring/v8/',
      'cdk-mlops.io/model-version': 'v8',
    });
    // The Deployment carries the version annotation the retraining patch also writes; no version label goes stale.
    expect(primaryDeployment.metadata.annotations).toEqual({ 'cdk-mlops.io/model-version': 'v7' });
    expect(primaryDeployment.spec.template.metadata.labels['app.kubernetes.io/version']).toBeUndefined();
    const [init] = primary.initContainers;
    expect(init.name).toBe('fetch-model');
    expect(init.image).toMatch(/^amazon\/aws-cli:\d+\.\d+\.\d+$/);
    expect(init.env[0]).toEqual({ name: 'MODEL_ARTIFACT_URI', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['cdk-mlops.io/model-artifact-uri']" } } });
    expect(init.env).toContainEqual({ name: 'MODEL_DIR', value: '/models' });
    expect(init.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const script: string = init.command[2];
    // Nothing is baked in: the same script serves every variant and every patched model.
    expect(script).not.toContain('s3://CFN-TOKEN');
    expect(canary.spec.template.spec.initContainers[0].command).toEqual(init.command);
    expect(init.command[2]).toMatch(/^set -eu\n/);
    // Only the emptyDirs are written (read-only root filesystem).
    expect(init.volumeMounts).toEqual([{ name: 'model', mountPath: '/models' }, { name: 'tmp', mountPath: '/tmp' }]);
    expect(init.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(primary.volumes[0]).toEqual({ name: 'model', emptyDir: { sizeLimit: '20Gi' } });
    // A variant's single-object artifactKey is the annotation's initial value.
    const churn = find(churnObjs, 'Deployment', 'churn-primary').spec.template;
    expect(churn.metadata.annotations['cdk-mlops.io/model-artifact-uri']).toBe('s3://shared-models/churn/special/model.tar.gz');
    expect(churn.spec.initContainers[0].command).toEqual(init.command);
    expect(fraud.chart.artifactUriForVariant('canary')).toBe(`s3://${bucket.bucketName}/models/fraud-scoring/v8/`);
  });

  describe('the init container script, run with sh against a local stand-in for `aws s3 cp`', () => {
    // The stand-in maps s3://<bucket>/<key> to <root>/s3/<bucket>/<key> and implements the three
    // forms the script uses: --recursive prefix copy, object to file, object to stdout ("-").
    const init = find(fraudObjs, 'Deployment', 'fraud-scoring-primary').spec.template.spec.initContainers[0];
    const root = mkdtempSync(join(tmpdir(), 'fetch-model-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'aws'), [
      '#!/bin/sh',
      'shift 2; rec=; while [ "${1#--}" != "$1" ]; do [ "$1" = --recursive ] && rec=1; shift; done',
      `src="${root}/s3/\${1#s3://}"`,
      'if [ -n "$rec" ]; then cp -R "$src". "$2"; elif [ "$2" = - ]; then cat "$src"; else cp "$src" "$2"; fi',
    ].join('\n'), { mode: 0o755 });
    const put = (key: string, body: string) => { mkdirSync(join(root, 's3', dirname(key)), { recursive: true }); writeFileSync(join(root, 's3', key), body); };
    put('art/models/v7/weights.bin', 'w7');
    put('art/training/job-1/output/model.onnx', 'onnx');
    mkdirSync(join(root, 'src', 'code'), { recursive: true });
    writeFileSync(join(root, 'src', 'model.pt'), 'pt');
    writeFileSync(join(root, 'src', 'code', 'inference.py'), 'py');
    mkdirSync(join(root, 's3', 'art', 'training', 'job-2', 'output'), { recursive: true });
    execFileSync('tar', ['-czf', join(root, 's3', 'art', 'training', 'job-2', 'output', 'model.tar.gz'), '-C', join(root, 'src'), '.']);
    let n = 0;
    // An image without Python: only the tools the tar fallback needs.
    const noPython = join(root, 'no-python');
    mkdirSync(noPython);
    for (const tool of ['sh', 'cat', 'cp', 'rm', 'touch', 'tar', 'gzip']) {
      const at = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(at, join(noPython, tool));
    }
    const run = (uri: string, path = `${bin}:${process.env.PATH}`) => {
      const dir = join(root, `models-${++n}`);
      mkdirSync(dir);
      const env: Record<string, string> = { PATH: path, TMPDIR: root, MODEL_ARTIFACT_URI: uri };
      for (const e of init.env) if (e.value !== undefined) env[e.name] = e.value;
      env.MODEL_DIR = dir;
      const r = spawnSync(init.command[0], init.command.slice(1), { env, encoding: 'utf8' });
      const files: string[] = [];
      const walk = (d: string, rel: string) => {
        for (const f of readdirSync(d, { withFileTypes: true })) {
          if (f.isDirectory()) walk(join(d, f.name), `${rel}${f.name}/`);
          else files.push(`${rel}${f.name}`);
        }
      };
      walk(dir, '');
      return { status: r.status, stderr: r.stderr, files: files.sort(), read: (f: string) => readFileSync(join(dir, f), 'utf8') };
    };

    test('a prefix is copied recursively', () => {
      const r = run('s3://art/models/v7/');
      expect(r.status).toBe(0);
      expect(r.files).toEqual(['weights.bin']);
    });
    test('a SageMaker model.tar.gz is streamed and extracted into the model directory', () => {
      const r = run('s3://art/training/job-2/output/model.tar.gz');
      expect(r.status).toBe(0);
      expect(r.files).toEqual(['code/inference.py', 'model.pt']);
      expect(r.read('model.pt')).toBe('pt');
      const withTar = run('s3://art/training/job-2/output/model.tar.gz', `${bin}:${noPython}`);
      expect([withTar.status, withTar.files]).toEqual([0, ['code/inference.py', 'model.pt']]);
    });
    test('another single object is copied as is', () => {
      const r = run('s3://art/training/job-1/output/model.onnx');
      expect([r.status, r.files]).toEqual([0, ['model.onnx']]);
    });
    test('a missing object or a URI that is not s3://bucket/key fails the pod start', () => {
      expect(run('s3://art/training/job-9/output/model.tar.gz').status).not.toBe(0);
      const empty = run('');
      expect(empty.status).toBe(64);
      expect(empty.stderr).toMatch(/annotation cdk-mlops\.io\/model-artifact-uri must be s3:\/\/<bucket>\/<key>/);
      expect(run('/etc/passwd').status).toBe(64);
    });
  });

  test('proxy hook: Service, ALB and probes target the proxy; the model listens on localhost', () => {
    const pod = find(fraudObjs, 'Deployment', 'fraud-scoring-canary').spec.template.spec;
    const model = pod.containers.find((c: any) => c.name === 'model');
    const proxy = pod.containers.find((c: any) => c.name === 'proxy');
    expect(model.ports).toBeUndefined();
    expect(model.env).toEqual(expect.arrayContaining([{ name: 'HOST', value: '127.0.0.1' }]));
    expect(model.readinessProbe.httpGet.port).toBe(8081);
    expect(proxy.image).toBe('example/capture-proxy:0.3.0');
    expect(proxy.ports).toEqual([{ name: 'http', containerPort: 8081, protocol: 'TCP' }]);
    expect(Object.fromEntries(proxy.env.map((e: any) => [e.name, e.value]))).toEqual({
      SAMPLE_RATE: '0.1', LISTEN_PORT: '8081', UPSTREAM_URL: 'http://127.0.0.1:8080', MODEL_NAME: 'fraud-scoring',
      MODEL_VERSION: undefined, VARIANT: 'canary', NAMESPACE: 'fraud-scoring', SPILL_DIR: '/var/spool/capture',
    });
    expect(proxy.resources).toEqual({ requests: { cpu: '200m', memory: '192Mi' }, limits: { memory: '192Mi' } });
    expect(proxy.securityContext).toEqual(model.securityContext);
    expect(proxy.volumeMounts).toEqual([{ name: 'proxy-tmp', mountPath: '/tmp' }, { name: 'proxy-spill', mountPath: '/var/spool/capture' }]);
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'proxy-spill', emptyDir: { sizeLimit: '2Gi' } }]));
    // The Service targets the named port "http", which only the proxy declares.
    expect(find(fraudObjs, 'Service', 'fraud-scoring-canary').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    // Without a proxy the model declares the port and binds all interfaces.
    const churn = find(churnObjs, 'Deployment', 'churn-primary').spec.template.spec.containers;
    expect(churn).toHaveLength(1);
    expect(churn[0].ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(find(churnObjs, 'Deployment', 'churn-primary').spec.template.spec.nodeSelector).toBeUndefined();
  });

  test('HPA autoscaling/v2: bounds per variant, CPU + custom metric, fast up / stabilised down', () => {
    const primary = find(fraudObjs, 'HorizontalPodAutoscaler', 'fraud-scoring-primary');
    const canary = find(fraudObjs, 'HorizontalPodAutoscaler', 'fraud-scoring-canary');
    expect(primary.apiVersion).toBe('autoscaling/v2');
    expect(primary.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fraud-scoring-primary' });
    expect([primary.spec.minReplicas, primary.spec.maxReplicas]).toEqual([2, 30]);
    expect([canary.spec.minReplicas, canary.spec.maxReplicas]).toEqual([1, 4]);
    expect(primary.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '200' } } },
    ]);
    expect(primary.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(primary.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    const pdb = find(fraudObjs, 'PodDisruptionBudget', 'fraud-scoring-primary');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'fraud-scoring', 'cdk-mlops.io/variant': 'primary' } } });
  });

  test('ALB Ingress: internal by default, weighted target groups across variants (added late)', () => {
    const ing = find(fraudObjs, 'Ingress', 'fraud-scoring');
    const a = ing.metadata.annotations;
    expect(ing.spec.ingressClassName).toBe('alb');
    expect(a['alb.ingress.kubernetes.io/scheme']).toBe('internal');
    expect(a['alb.ingress.kubernetes.io/target-type']).toBe('ip');
    expect(a['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/ready');
    expect(JSON.parse(a['alb.ingress.kubernetes.io/actions.weighted-routing']).forwardConfig.targetGroups).toEqual([
      { serviceName: 'fraud-scoring-primary', servicePort: '80', weight: 90 },
      { serviceName: 'fraud-scoring-canary', servicePort: '80', weight: 10 },
    ]);
    expect(ing.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'weighted-routing', port: { name: 'use-annotation' } } });
    const pub = find(churnObjs, 'Ingress', 'churn').metadata.annotations;
    expect(pub['alb.ingress.kubernetes.io/scheme']).toBe('internet-facing');
    expect(pub['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTP":80},{"HTTPS":443}]');
    expect(pub['alb.ingress.kubernetes.io/ssl-redirect']).toBe('443');
  });

  test('NetworkPolicies: default deny, then only the VPC (load balancer) and named namespaces on the serving port', () => {
    expect(find(fraudObjs, 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    const allow = find(fraudObjs, 'NetworkPolicy', 'fraud-scoring-allow-serving').spec;
    expect(allow.ingress).toEqual([{
      from: [{ ipBlock: { cidr: 'CFN-TOKEN' } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'checkout' } } }],
      ports: [{ port: 'http', protocol: 'TCP' }],
    }]);
    // The CIDR token is the cluster VPC's CIDR block.
    expect(JSON.stringify(json.Resources[fraudId].Properties.Manifest)).toContain('{"Fn::GetAtt":["GpuVpc979DAD19","CidrBlock"]}');
  });

  test('pre-scaling: CronJobs in the window\'s time zone patch only this model\'s HPAs under a narrow Role', () => {
    const start = find(fraudObjs, 'CronJob', 'prescale-black-friday-start');
    const end = find(fraudObjs, 'CronJob', 'prescale-black-friday-end');
    // Starts 15 minutes early: GPU node start-up (GpuCluster.gpuNodeStartup, 5 min) + startupTimeoutSeconds (600 s).
    expect(start.spec.schedule).toBe('45 17 26 11 *');
    expect(end.spec.schedule).toBe('0 6 1 12 *');
    expect(start.spec.timeZone).toBe('America/New_York');
    const patches = (cj: any) => Object.fromEntries(
      cj.spec.jobTemplate.spec.template.spec.containers.map((c: any) => [c.args[2], JSON.parse(c.args[7])]),
    );
    // 20 replicas split 90/10 (ceil), within the window ceiling 34 split the same way.
    expect(patches(start)).toEqual({
      'fraud-scoring-primary': { spec: { minReplicas: 18, maxReplicas: 31 } },
      'fraud-scoring-canary': { spec: { minReplicas: 2, maxReplicas: 4 } },
    });
    expect(patches(end)).toEqual({
      'fraud-scoring-primary': { spec: { minReplicas: 2, maxReplicas: 30 } },
      'fraud-scoring-canary': { spec: { minReplicas: 1, maxReplicas: 4 } },
    });
    const pod = start.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('fraud-scoring-prescaler');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.containers[0].command).toEqual(['kubectl']);
    expect(find(fraudObjs, 'Role', 'fraud-scoring-prescaler').rules).toEqual([{
      apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'],
      resourceNames: ['fraud-scoring-primary', 'fraud-scoring-canary'], verbs: ['get', 'patch'],
    }]);
    expect(find(fraudObjs, 'RoleBinding', 'fraud-scoring-prescaler').subjects).toEqual([{ kind: 'ServiceAccount', name: 'fraud-scoring-prescaler', namespace: 'fraud-scoring' }]);
  });
});

describe('CloudFormation', () => {
  test('pod role via EKS Pod Identity reads exactly the artifact prefix and decrypts with the bucket key', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: { Ref: Match.stringLikeRegexp('^GpuCluster') },
      Namespace: 'fraud-scoring',
      ServiceAccount: 'fraud-scoring',
      RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(fraud.podRole.node.defaultChild as any), 'Arn'] },
    });
    // One for this model's pods (capture is off in this file's endpoints), one for GpuCluster's KEDA operator.
    expect(Object.values<any>(template.findResources('AWS::EKS::PodIdentityAssociation')).map((a) => a.Properties.Namespace).sort()).toEqual(['fraud-scoring', 'keda']);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'pods.eks.amazonaws.com' } }),
          Match.objectLike({ Action: 'sts:TagSession', Principal: { Service: 'pods.eks.amazonaws.com' } }),
        ]),
      },
    });
    const policies = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::IAM::Policy'
      && r.Properties.Roles.some((x: any) => x.Ref === stack.getLogicalId(fraud.podRole.node.defaultChild as any)));
    expect(policies).toHaveLength(1);
    const bucketId = stack.getLogicalId(bucket.node.defaultChild as any);
    const keyId = stack.getLogicalId(key.node.defaultChild as any);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'ReadModelArtifacts', Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/models/fraud-scoring/*']] } },
      { Sid: 'ListModelArtifacts', Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['models/fraud-scoring/*'] } } },
      { Sid: 'DecryptModelArtifacts', Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] }, Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } } },
    ]);
  });

  test('IRSA: the role trusts the cluster OIDC provider for exactly the model service account, annotated on it', () => {
    const roleId = stack.getLogicalId(cpu.podRole.node.defaultChild as any);
    const role = json.Resources[roleId].Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(JSON.stringify(role.AssumeRolePolicyDocument.Statement[0].Condition)).toContain('IrsaConditions');
    const cond = Object.values<any>(json.Resources).filter((r) => r.Type === 'Custom::AWSCDKCfnJson' && JSON.stringify(r).includes('churn-prod'));
    expect(cond).toHaveLength(1);
    expect(JSON.stringify(cond[0].Properties.Value)).toContain(':sub\\":\\"system:serviceaccount:churn-prod:churn\\"');
    const sa = find(churnObjs, 'ServiceAccount', 'churn');
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('CFN-TOKEN');
    expect(sa.automountServiceAccountToken).toBe(false);
    // No key on the imported bucket, so no kms statement.
    const policy = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId));
    expect(policy.Properties.PolicyDocument.Statement.map((s: any) => s.Sid)).toEqual(['ReadModelArtifacts', 'ListModelArtifacts']);
  });

  test('the manifest waits for the pod identity association and the load balancer controller', () => {
    const deps: string[] = json.Resources[fraudId].DependsOn;
    expect(deps).toEqual(expect.arrayContaining([stack.getLogicalId(fraud.node.findChild('PodIdentity') as any)]));
    expect(deps.some((d) => /AlbController/.test(d))).toBe(true);
    expect(json.Resources[fraudId].Properties.ClusterName).toEqual(stack.resolve(gpu.cluster.clusterName));
  });

  test('GpuCluster: 1.35 on EKS Auto Mode with a GPU NodePool, the ALB controller, logging, KMS secrets, private endpoint', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Version: '1.35',
      ComputeConfig: { Enabled: true, NodePools: ['system', 'general-purpose'], NodeRoleArn: Match.anyValue() },
      EncryptionConfig: [{ Provider: { KeyArn: Match.anyValue() }, Resources: ['secrets'] }],
      Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }, { Type: 'controllerManager' }, { Type: 'scheduler' }] } },
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
    });
    const objs = Object.values(manifests).flat();
    const pool = objs.find((o) => o.kind === 'NodePool');
    expect(pool.spec.template.metadata.labels).toEqual({ 'cdk-mlops.io/node-pool': 'gpu' });
    expect(pool.spec.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'amazon-vpc-cni').data).toEqual({ 'enable-network-policy-controller': 'true' });
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-load-balancer-controller' });
    // Auto Mode runs the Pod Identity Agent and the NVIDIA device plugin on its nodes: neither is installed. The one
    // add-on is CloudWatch Observability (Container Insights for the dashboards; test/inference/container-insights.test.ts).
    expect(Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::EKS::Addon').map((r) => r.Properties.AddonName)).toEqual(['amazon-cloudwatch-observability']);
    expect(Object.values<any>(json.Resources).filter((r) => r.Type === 'Custom::AWSCDK-EKS-HelmChart').map((r) => r.Properties.Chart))
      .toEqual(['keda', 'aws-load-balancer-controller']);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC' });
  });

  test('a window the variants cannot honour gets a warning', () => {
    Annotations.fromStack(stack).hasWarning('/Endpoints/Churn', Match.stringLikeRegexp('month-end.*asks for 10 replicas.*cap the floor at 2'));
  });
});

describe('metrics', () => {
  test('latency/errors/requests from the proxy namespace, replicas/cpu/restarts from Container Insights', () => {
    const lat = fraud.metricLatency({ variant: 'canary' });
    expect([lat.namespace, lat.metricName, lat.statistic]).toEqual(['CdkMlops/Inference', 'LatencyMs', 'p99']);
    expect(lat.dimensions).toEqual({ ModelName: 'fraud-scoring', Variant: 'canary' });
    expect(fraud.metricErrors().dimensions).toEqual({ ModelName: 'fraud-scoring' });
    expect(fraud.metricErrors().statistic).toBe('Sum');
    expect(fraud.metricRequests().metricName).toBe('Requests');
    const rep = fraud.metricReplicas({ variant: 'primary' });
    expect([rep.namespace, rep.metricName]).toEqual(['ContainerInsights', 'service_number_of_running_pods']);
    expect(stack.resolve(rep.dimensions)).toEqual({ ClusterName: stack.resolve(gpu.cluster.clusterName), Namespace: 'fraud-scoring', Service: 'fraud-scoring-primary' });
    expect(fraud.metricCpuUtilization().metricName).toBe('pod_cpu_utilization');
    expect(fraud.metricRestarts().metricName).toBe('pod_number_of_container_restarts');
  });

  test('every metricXxx is metric(name, props) with its statistic; metric() picks dimensions by namespace', () => {
    const own = fraud.metric('InFlightRequests', { variant: 'canary', statistic: 'Average' });
    expect([own.namespace, own.dimensions, own.period.toSeconds()]).toEqual(['CdkMlops/Inference', { ModelName: 'fraud-scoring', Variant: 'canary' }, 60]);
    const ci = fraud.metric('pod_memory_utilization', { namespace: 'ContainerInsights' });
    expect(stack.resolve(ci.dimensions)).toEqual({ ClusterName: stack.resolve(gpu.cluster.clusterName), Namespace: 'fraud-scoring', Service: 'fraud-scoring' });
    expect(stack.resolve(fraud.metricErrors({ variant: 'primary' }))).toEqual(stack.resolve(fraud.metric('Errors', { variant: 'primary', statistic: 'Sum' })));
  });

  test('grantReadArtifacts: read under the artifact prefix only (plus the bucket key)', () => {
    const s = new Stack(testApp(), 'Grant');
    const g = new GpuCluster(s, 'Gpu');
    const b = new s3.Bucket(s, 'B', { encryptionKey: new kms.Key(s, 'K'), encryption: s3.BucketEncryption.KMS });
    const e = new ModelEndpoint(s, 'E', { cluster: g.cluster, modelName: 'e', image: 'example/e:1.0.0', modelArtifact: { bucket: b, prefix: 'models/e/' }, capture: { enabled: false } });
    const reader = new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    expect(e.grantReadArtifacts(reader).success).toBe(true);
    const doc = JSON.stringify(s.resolve((reader.node.findChild('DefaultPolicy') as iam.Policy).document));
    expect(doc).toContain('/models/e/*');
    expect(doc).toContain('kms:Decrypt');
  });
});
