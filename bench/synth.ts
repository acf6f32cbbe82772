// `npm run bench:synth`: synth cost of N model endpoints on one EKS cluster,
// the library (ModelEndpoint) against the same deployments written directly
// with plain aws-cdk-lib + cdk8s-plus-27 (no cdk-mlops). N = 1, 10, 40.
//
// Fairness: both sides build the identical cluster (plain aws-cdk-lib code,
// shared below) and the same per-model inputs; asset staging is disabled on
// both (the 37 MB kubectl layer would otherwise be copied per run). Every
// measurement is a fresh process (cold: module loading included), wall time
// measured by this parent around the child, peak RSS reported by the child;
// library and plain runs are interleaved and the medians compared.
// CDK 2.276 runs a built-in CloudFormation validation (a WebAssembly rules
// engine) in every synth; its start-up is a fixed cost of several seconds on
// both sides. The headline figure includes it (it is what `cdk synth` costs);
// a second set of runs with CDK_VALIDATION=false isolates the construct and
// template work.
// The last line printed is one JSON object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureTrainingFootprint } from './training-footprint';

const ENDPOINT_COUNTS = [1, 10, 40];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface WorkerResult {
  readonly resources: number;
  readonly templateBytes: number;
  readonly maxRssMb: number;
  readonly k8sObjects: number;
}

// ---------------------------------------------------------------------------
// Worker side: build one app and synthesize it.
// ---------------------------------------------------------------------------

function buildCluster(stack: any): any {
  const { KubectlV35Layer } = require('@aws-cdk/lambda-layer-kubectl-v35');
  const eks = require('aws-cdk-lib/aws-eks-v2');
  return new eks.Cluster(stack, 'Cluster', {
    version: eks.KubernetesVersion.V1_35,
    kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(stack, 'KubectlLayer') },
    defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
    defaultCapacity: 0,
    albController: { version: eks.AlbControllerVersion.V2_17_1 },
  });
}

function modelInputs(i: number) {
  return {
    modelName: `model-${i}`,
    image: `example/model-server:1.${i}.0`,
    prefix: `models/model-${i}/`,
    version: 'v1',
  };
}

function libraryApp(n: number, outdir: string): any {
  const { App, Stack } = require('aws-cdk-lib');
  const s3 = require('aws-cdk-lib/aws-s3');
  const { ModelEndpoint } = require('../lib/inference/model-endpoint');
  const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
  const stack = new Stack(app, 'Bench');
  const cluster = buildCluster(stack);
  const bucket = new s3.Bucket(stack, 'Artifacts');
  for (let i = 0; i < n; i++) {
    const m = modelInputs(i);
    new ModelEndpoint(stack, `Endpoint${i}`, {
      cluster,
      modelName: m.modelName,
      image: m.image,
      modelArtifact: { bucket, prefix: m.prefix },
      resources: { cpu: '2', memory: '8Gi', gpuCount: 1 },
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70 },
      variants: [{ name: 'primary', modelVersion: m.version, weight: 100 }],
      // The plain side has no inference capture; compare the same deployments.
      capture: { enabled: false },
    });
  }
  return app;
}

/** The same deployments, written by hand with aws-cdk-lib + cdk8s-plus-27 L2s. */
function plainApp(n: number, outdir: string): any {
  const { App, Stack } = require('aws-cdk-lib');
  const s3 = require('aws-cdk-lib/aws-s3');
  const iam = require('aws-cdk-lib/aws-iam');
  const eks = require('aws-cdk-lib/aws-eks-v2');
  const cdk8s = require('cdk8s');
  const kplus = require('cdk8s-plus-27');
  const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
  const stack = new Stack(app, 'Bench');
  const cluster = buildCluster(stack);
  const bucket = new s3.Bucket(stack, 'Artifacts');
  for (let i = 0; i < n; i++) {
    const m = modelInputs(i);
    const role = new iam.Role(stack, `PodRole${i}`, { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    role.assumeRolePolicy.addStatements(new iam.PolicyStatement({ actions: ['sts:TagSession'], principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')] }));
    bucket.grantRead(role, `${m.prefix}*`);
    new eks.CfnPodIdentityAssociation(stack, `PodIdentity${i}`, {
      clusterName: cluster.clusterName, namespace: m.modelName, serviceAccount: m.modelName, roleArn: role.roleArn,
    });

    const chart = new cdk8s.Chart(new cdk8s.App(), m.modelName, { namespace: m.modelName });
    new kplus.Namespace(chart, 'Namespace', { metadata: { name: m.modelName, namespace: undefined } });
    const sa = new kplus.ServiceAccount(chart, 'ServiceAccount', { metadata: { name: m.modelName }, automountToken: false });
    const modelVolume = kplus.Volume.fromEmptyDir(chart, 'ModelVolume', 'model');
    const deployment = new kplus.Deployment(chart, 'Deployment', {
      metadata: { name: m.modelName },
      serviceAccount: sa,
      automountServiceAccountToken: false,
      initContainers: [{
        name: 'fetch-model',
        image: 'amazon/aws-cli:2.22.35',
        command: ['aws', 's3', 'cp', '--recursive', `s3://${bucket.bucketName}/${m.prefix}${m.version}/`, '/models/'],
        volumeMounts: [{ volume: modelVolume, path: '/models' }],
        securityContext: { user: 1000, group: 1000 },
      }],
      containers: [{
        name: 'model',
        image: m.image,
        portNumber: 8080,
        resources: { cpu: { request: kplus.Cpu.units(2) }, memory: { request: cdk8s.Size.gibibytes(8), limit: cdk8s.Size.gibibytes(8) } },
        volumeMounts: [{ volume: modelVolume, path: '/models', readOnly: true }],
        readiness: kplus.Probe.fromHttpGet('/ready'),
        liveness: kplus.Probe.fromHttpGet('/live'),
        securityContext: { user: 1000, group: 1000 },
      }],
    });
    const service = deployment.exposeViaService({ name: m.modelName, ports: [{ port: 80, targetPort: 8080 }] });
    new kplus.HorizontalPodAutoscaler(chart, 'Hpa', {
      target: deployment, minReplicas: 2, maxReplicas: 10,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });
    new kplus.Ingress(chart, 'Ingress', {
      metadata: { annotations: { 'alb.ingress.kubernetes.io/scheme': 'internal', 'alb.ingress.kubernetes.io/target-type': 'ip' } },
      className: 'alb',
      defaultBackend: kplus.IngressBackend.fromService(service),
    });
    cluster.addCdk8sChart(`Chart${i}`, chart);
  }
  return app;
}

function runWorker(kind: string, n: number): void {
  const outdir = mkdtempSync(join(tmpdir(), `bench-synth-${kind}-`));
  try {
    const app = kind === 'library' ? libraryApp(n, outdir) : plainApp(n, outdir);
    const assembly = app.synth();
    const stack = assembly.getStackByName('Bench');
    const file = join(assembly.directory, stack.templateFile);
    const template = JSON.parse(readFileSync(file, 'utf8'));
    if (kind === 'library' && Object.values<any>(template.Resources).some((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream')) {
      throw new Error('the library side must not include inference capture (the plain side has none): check the capture opt-out prop');
    }
    let k8sObjects = 0;
    for (const r of Object.values<any>(template.Resources)) {
      if (r.Type === 'Custom::AWSCDK-EKS-KubernetesResource') {
        const m = r.Properties.Manifest;
        const text = typeof m === 'string' ? m : m['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'X')).join('');
        k8sObjects += JSON.parse(text).length;
      }
    }
    const result: WorkerResult = {
      resources: Object.keys(template.Resources).length,
      // The bytes CloudFormation receives (minified), the quantity its 1 MB limit applies to.
      templateBytes: Buffer.byteLength(JSON.stringify(template)),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      k8sObjects,
    };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Parent side: interleaved cold runs, medians.
// ---------------------------------------------------------------------------

function measure(kind: string, n: number, validation = true): WorkerResult & { seconds: number } {
  const env = { ...process.env, ...(validation ? {} : { CDK_VALIDATION: 'false' }) };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [__filename, '--worker', kind, String(n)], { encoding: 'utf8', maxBuffer: 1 << 26, env });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${kind} x${n} failed (exit ${r.status}):\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop()!;
  return { ...JSON.parse(last), seconds };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * The TrainingPipeline figure: CloudFormation resources and template bytes per
 * additional pipeline (and per model on one shared pipeline), measured by
 * bench/training-footprint.ts on synthesized stacks (marginal: N vs 1).
 */
function trainingPipelineFigure(): Record<string, number> {
  const f = measureTrainingFootprint();
  return {
    trainingResourcesPerPipeline: f.resourcesPerPipeline,
    trainingBytesPerPipeline: f.bytesPerPipeline,
    trainingResourcesPerModelOnSharedPipeline: f.resourcesPerModelOnSharedPipeline,
    trainingBytesPerModelOnSharedPipeline: f.bytesPerModelOnSharedPipeline,
  };
}

function main(): void {
  console.log(`bench:synth — ${RUNS} cold runs per point, library and plain interleaved (node ${process.version})`);
  const summary: Record<number, {
    lib: number; plain: number; libNoVal: number; plainNoVal: number; libRes: number; plainRes: number;
    libBytes: number; plainBytes: number; libRss: number; plainRss: number; libObjs: number; plainObjs: number;
  }> = {};
  for (const n of ENDPOINT_COUNTS) {
    const lib: Array<ReturnType<typeof measure>> = [];
    const plain: Array<ReturnType<typeof measure>> = [];
    const libNoVal: number[] = [];
    const plainNoVal: number[] = [];
    // One warm-up pair (file cache), not counted.
    measure('library', n);
    measure('plain', n);
    measure('library', n, false);
    measure('plain', n, false);
    for (let i = 0; i < RUNS; i++) {
      // Alternate which side goes first so drift on the machine hits both equally.
      if (i % 2 === 0) {
        lib.push(measure('library', n));
        plain.push(measure('plain', n));
        libNoVal.push(measure('library', n, false).seconds);
        plainNoVal.push(measure('plain', n, false).seconds);
      } else {
        plainNoVal.push(measure('plain', n, false).seconds);
        libNoVal.push(measure('library', n, false).seconds);
        plain.push(measure('plain', n));
        lib.push(measure('library', n));
      }
    }
    const s = {
      lib: median(lib.map((r) => r.seconds)), plain: median(plain.map((r) => r.seconds)),
      libNoVal: median(libNoVal), plainNoVal: median(plainNoVal),
      libRes: lib[0].resources, plainRes: plain[0].resources,
      libBytes: lib[0].templateBytes, plainBytes: plain[0].templateBytes,
      libRss: median(lib.map((r) => r.maxRssMb)), plainRss: median(plain.map((r) => r.maxRssMb)),
      libObjs: lib[0].k8sObjects, plainObjs: plain[0].k8sObjects,
    };
    summary[n] = s;
    console.log(`endpoints=${String(n).padStart(2)}  library ${s.lib.toFixed(2)} s (${s.libRss} MB, ${s.libRes} resources, ${(s.libBytes / 1024).toFixed(0)} KiB, ${s.libObjs} k8s objects)`
      + `  plain ${s.plain.toFixed(2)} s (${s.plainRss} MB, ${s.plainRes} resources, ${(s.plainBytes / 1024).toFixed(0)} KiB, ${s.plainObjs} k8s objects)  ratio ${(s.lib / s.plain).toFixed(3)}`
      + `  | without CloudFormation validation: library ${s.libNoVal.toFixed(2)} s, plain ${s.plainNoVal.toFixed(2)} s, ratio ${(s.libNoVal / s.plainNoVal).toFixed(3)}`);
  }
  const first = ENDPOINT_COUNTS[0];
  const last = ENDPOINT_COUNTS[ENDPOINT_COUNTS.length - 1];
  const a = summary[first];
  const b = summary[last];
  const perEndpoint = {
    librarySecondsWithoutCfnValidation: round(b.libNoVal),
    plainSecondsWithoutCfnValidation: round(b.plainNoVal),
    ratioWithoutCfnValidation: round(b.libNoVal / b.plainNoVal),
    libraryResourcesPerEndpoint: round((b.libRes - a.libRes) / (last - first), 2),
    plainResourcesPerEndpoint: round((b.plainRes - a.plainRes) / (last - first), 2),
    plainBytesPerEndpoint: Math.round((b.plainBytes - a.plainBytes) / (last - first)),
    libraryK8sObjectsPerEndpoint: round((b.libObjs - a.libObjs) / (last - first), 2),
    plainK8sObjectsPerEndpoint: round((b.plainObjs - a.plainObjs) / (last - first), 2),
  };
  const pipeline = trainingPipelineFigure();
  console.log(`TrainingPipeline: ${pipeline.trainingResourcesPerPipeline} resources and ${pipeline.trainingBytesPerPipeline} template bytes per additional pipeline`
    + ` (${pipeline.trainingResourcesPerModelOnSharedPipeline} resource, ${pipeline.trainingBytesPerModelOnSharedPipeline} bytes per model on one shared pipeline)`);
  console.log(JSON.stringify({
    endpoints: last,
    librarySeconds: round(b.lib),
    plainSeconds: round(b.plain),
    ratio: round(b.lib / b.plain),
    bytesPerEndpoint: Math.round((b.libBytes - a.libBytes) / (last - first)),
    ...perEndpoint,
    ...pipeline,
  }));
}

if (process.argv[2] === '--worker') {
  runWorker(process.argv[3], Number(process.argv[4]));
} else {
  main();
}
