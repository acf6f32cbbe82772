import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { App as Cdk8sApp } from 'cdk8s';
import { GpuCluster, InferenceService, ModelEndpoint, ModelEndpointProps } from '../../lib';
import { testApp } from '../util/synth';

// One cluster shared by every case; nothing here is synthesized.
const app = testApp();
const stack = new Stack(app, 'V');
const cluster = new eks.Cluster(stack, 'Cluster', {
  version: eks.KubernetesVersion.V1_35,
  kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(stack, 'Layer') },
  defaultCapacity: 0,
  defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
});
const bucket = new s3.Bucket(stack, 'Bucket');

let n = 0;
function base(): ModelEndpointProps {
  return {
    cluster,
    modelName: 'fraud',
    image: 'example/server:1.2.3',
    modelArtifact: { bucket, prefix: 'models/fraud/' },
    variants: [{ name: 'primary', modelVersion: 'v1', weight: 100 }],
  };
}
/** Builds an endpoint with overrides; returns it with its construct path. */
function build(over: Partial<ModelEndpointProps>) {
  const id = `E${n++}`;
  // Each endpoint its own model (namespace): one namespace per cluster is itself a rule (tested below).
  return { id, path: `V/${id}`, make: () => new ModelEndpoint(stack, id, { ...base(), modelName: `fraud-${id.toLowerCase()}`, ...over }) };
}
/** The error must name the construct path, the prop and what is allowed. */
function expectInvalid(over: Partial<ModelEndpointProps>, prop: string, allowed: RegExp) {
  const { path, make } = build(over);
  let err: any;
  try {
    make();
  } catch (e) {
    err = e;
  }
  expect(err).toBeDefined();
  expect(err.name).toBe('MlopsValidationError');
  expect(err.constructPath).toBe(path);
  expect(err.prop).toBe(prop);
  expect(err.message).toContain(`[cdk-mlops] ${path}: invalid prop "${prop}"`);
  expect(err.message).toMatch(allowed);
}

const bf = { name: 'black-friday', start: '2026-11-26T18:00', end: '2026-12-01T06:00', timeZone: 'America/New_York', minReplicas: 10 };

describe('invalid props name the construct path, the prop and what is allowed', () => {
  test('minReplicas > maxReplicas', () => {
    expectInvalid({ autoscaling: { minReplicas: 5, maxReplicas: 3 } }, 'autoscaling.minReplicas', /\(5\): must be <= autoscaling.maxReplicas \(3\)/);
  });
  test('variant minReplicas > its maxReplicas', () => {
    expectInvalid({ variants: [{ name: 'primary', modelVersion: 'v1', weight: 100, minReplicas: 4, maxReplicas: 2 }] }, 'variants[0].minReplicas', /must be <= variants\[0\].maxReplicas \(2\)/);
  });
  test('image tagged latest', () => {
    expectInvalid({ image: 'example/server:latest' }, 'image', /must be pinned: "<repository>:<tag>" with a tag other than "latest"/);
  });
  test('image without a tag (a registry port is not a tag)', () => {
    expectInvalid({ image: 'registry.local:5000/server' }, 'image', /must be pinned/);
  });
  test('image with a malformed digest', () => {
    expectInvalid({ image: 'example/server@sha256:abc' }, 'image', /"<repository>@sha256:<64 hex digits>"/);
  });
  test('bad model name', () => {
    expectInvalid({ modelName: 'Fraud_Scoring' }, 'modelName', /lower-case letters, digits and '-', starting with a letter/);
  });
  test('negative GPU count', () => {
    expectInvalid({ resources: { gpuCount: -1 } }, 'resources.gpuCount', /\(-1\): must be an integer between 0 and 16/);
  });
  test('memory not a quantity', () => {
    expectInvalid({ resources: { memory: '12 GB' } }, 'resources.memory', /must be a memory quantity such as "512Mi"/);
  });
  test('weight outside 0-100', () => {
    expectInvalid({ variants: [{ name: 'primary', modelVersion: 'v1', weight: 120 }] }, 'variants[0].weight', /must be an integer between 0 and 100/);
  });
  test('duplicate variant names', () => {
    expectInvalid({ variants: [{ name: 'a', modelVersion: 'v1', weight: 50 }, { name: 'a', modelVersion: 'v2', weight: 50 }] }, 'variants[1].name', /must be unique among the variants/);
  });
  test('model version that cannot be a label value', () => {
    expectInvalid({ variants: [{ name: 'primary', modelVersion: 'v1/beta', weight: 100 }] }, 'variants[0].modelVersion', /usable as a Kubernetes label value/);
  });
  test('inverted pre-scaling window', () => {
    expectInvalid({ scheduledScaling: [{ ...bf, end: '2026-11-20T00:00' }] }, 'scheduledScaling[0].end', /must be after start \(2026-11-26T18:00\)/);
  });
  test('overlapping pre-scaling windows (compared across time zones)', () => {
    // 2026-12-01T10:00 Europe/London is 05:00 New York, before the first window ends (06:00).
    expectInvalid({ scheduledScaling: [bf, { name: 'cyber-week', start: '2026-12-01T10:00', end: '2026-12-03T00:00', timeZone: 'Europe/London', minReplicas: 5 }] },
      'scheduledScaling[1]', /must not overlap window "black-friday"/);
  });
  test('unknown time zone', () => {
    expectInvalid({ scheduledScaling: [{ ...bf, timeZone: 'America/Gotham' }] }, 'scheduledScaling[0].timeZone', /must be an IANA time zone name/);
  });
  test('impossible window date', () => {
    expectInvalid({ scheduledScaling: [{ ...bf, start: '2026-02-30T10:00' }] }, 'scheduledScaling[0].start', /must be a local date-time "YYYY-MM-DDTHH:mm"/);
  });
  test('artifact prefix with a wildcard or without a trailing slash', () => {
    expectInvalid({ modelArtifact: { bucket, prefix: 'models/*' } }, 'modelArtifact.prefix', /ending in "\/" without a leading "\/" or wildcards/);
    expectInvalid({ modelArtifact: { bucket, prefix: 'models/fraud' } }, 'modelArtifact.prefix', /ending in "\/"/);
  });
  test('variant artifact outside the prefix the pod role can read', () => {
    expectInvalid({ variants: [{ name: 'primary', modelVersion: 'v1', weight: 100, artifactKey: 'other/model.tar.gz' }] }, 'variants[0].artifactKey', /must lie under modelArtifact.prefix \("models\/fraud\/"\)/);
  });
  test('preStop sleep not shorter than the grace period', () => {
    expectInvalid({ preStopSleepSeconds: 30, terminationGracePeriodSeconds: 30 }, 'preStopSleepSeconds', /must be < terminationGracePeriodSeconds \(30\)/);
  });
  test('proxy on the model port', () => {
    expectInvalid({ proxy: { image: 'example/proxy:1.0.0', containerPort: 8080 } }, 'proxy.containerPort', /must differ from the model port \(8080\)/);
  });
  test('proxy image not pinned', () => {
    expectInvalid({ proxy: { image: 'example/proxy', containerPort: 8081 } }, 'proxy.image', /must be pinned/);
  });
  test('certificate that is not an ACM ARN', () => {
    expectInvalid({ internetFacing: true, certificateArn: 'my-cert' }, 'certificateArn', /must be an ACM certificate ARN/);
  });
  test('port out of range', () => {
    expectInvalid({ port: 70000 }, 'port', /must be an integer between 1 and 65535/);
  });
});

describe('checks that need the whole tree', () => {
  test('weights must sum to 100 (checked at synth, after addVariant)', () => {
    const { make, path } = build({ variants: [{ name: 'primary', modelVersion: 'v1', weight: 90 }] });
    const e = make();
    expect(e.node.validate()).toEqual([
      `[cdk-mlops] ${path}: invalid prop "variants[*].weight" (primary=90): the integer weights must sum to 100 (they sum to 90)`,
    ]);
    e.addVariant({ name: 'canary', modelVersion: 'v2', weight: 10 });
    expect(e.node.validate()).toEqual([]);
  });
  test('at least one variant', () => {
    const { make, path } = build({ variants: undefined });
    expect(make().node.validate()[0]).toBe(`[cdk-mlops] ${path}: invalid prop "variants" ([]): must contain at least one variant (pass "variants" or call addVariant())`);
  });
  test('mutators validate too: duplicate variant, overlapping window, second proxy', () => {
    const { make, path } = build({ scheduledScaling: [bf], capture: { enabled: false } }); // own proxy: capture off
    const e = make();
    expect(() => e.addVariant({ name: 'primary', modelVersion: 'v2', weight: 0 })).toThrow(`[cdk-mlops] ${path}: invalid prop "variants["primary"].name" ("primary"): must be unique among the variants (existing: primary)`);
    expect(() => e.addScheduledScaling({ ...bf, name: 'again', start: '2026-11-30T00:00', end: '2026-12-02T00:00' })).toThrow(/invalid prop "scheduledScaling\[1\]".*must not overlap window "black-friday"/);
    e.useProxy({ image: 'example/proxy:1.0.0', containerPort: 8081 });
    expect(() => e.useProxy({ image: 'example/proxy:2.0.0', containerPort: 8082 })).toThrow(/invalid prop "proxy".*only one proxy sidecar is supported/);
  });
  test('the standalone chart validates with its own path', () => {
    expect(() => new InferenceService(new Cdk8sApp(), 'svc', {
      modelName: 'm', image: 'example/m:1', artifactBucketName: 'b', artifactPrefix: 'p/', autoscaling: { minReplicas: 0 },
    })).toThrow('[cdk-mlops] svc: invalid prop "autoscaling.minReplicas" (0): must be an integer between 1 and 1000');
  });
  test('one model per namespace per cluster: a second endpoint with the same modelName (or namespace) names the first', () => {
    const first = build({ modelName: 'churn' });
    first.make();
    const second = build({ modelName: 'churn' });
    expect(second.make).toThrow(`[cdk-mlops] ${second.path}: invalid prop "modelName" ("churn"): must be unique per cluster: ModelEndpoint ${first.path} already renders namespace "churn" on this cluster`);
    const third = build({ modelName: 'churn-v2', namespace: 'churn' });
    expect(third.make).toThrow(`[cdk-mlops] ${third.path}: invalid prop "namespace" ("churn"): must be unique per cluster`);
    // Another cluster may hold a model of the same name.
    const otherStack = new Stack(app, 'Other');
    const other = new eks.Cluster(otherStack, 'Cluster', {
      version: eks.KubernetesVersion.V1_35,
      kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(otherStack, 'Layer') },
      defaultCapacity: 0,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
    });
    expect(() => new ModelEndpoint(otherStack, 'Churn', { ...base(), cluster: other, modelName: 'churn', modelArtifact: { bucket: s3.Bucket.fromBucketName(otherStack, 'B', 'other-models'), prefix: 'm/' } })).not.toThrow();
  });
  test.each([
    [{ clusterName: '' }, 'clusterName', /must be 1-100 characters/],
    [{ clusterName: 'bad name!' }, 'clusterName', /must be 1-100 characters/],
    [{ clusterName: 'a'.repeat(101) }, 'clusterName', /must be 1-100 characters/],
    [{ clusterName: '集群' }, 'clusterName', /ASCII letters, digits/],
    [{ nvidiaDevicePluginVersion: '' }, 'nvidiaDevicePluginVersion', /must be a pinned chart version/],
    [{ nvidiaDevicePluginVersion: 'latest' }, 'nvidiaDevicePluginVersion', /must be a pinned chart version/],
    [{ gpuInstanceTypes: [] }, 'gpuInstanceTypes', /must not be empty/],
  ])('GpuCluster rejects %j', (props, prop, allowed) => {
    let err: any;
    try {
      new GpuCluster(new Stack(testApp(), 'G'), 'Gpu', props);
    } catch (e) {
      err = e;
    }
    expect(err?.name).toBe('MlopsValidationError');
    expect(err.message).toContain(`G/Gpu: invalid prop "${prop}"`);
    expect(err.message).toMatch(allowed);
  });
  test('gpuCount above the GPUs of the largest instance of the pool\'s families fails at synth (a pod cannot span nodes)', () => {
    const st = new Stack(testApp(), 'P');
    const gpu = new GpuCluster(st, 'Gpu', { gpuInstanceFamilies: ['g5g'], maxGpus: 64 }); // g5g: at most 2 GPUs per instance
    const make = (gpuCount: number) => () => new ModelEndpoint(st, `E${gpuCount}`, {
      ...base(), cluster: gpu.cluster, modelName: `m${gpuCount}`, resources: { cpu: '1', memory: '2Gi', gpuCount },
    });
    expect(make(4)).toThrow(/P\/E4: invalid prop "resources.gpuCount" \(4\): must be <= 2, the most GPUs one node of the GPU pool's instance families has/);
    expect(make(2)).not.toThrow();
    // The default families (g5, g6, g6e) have 8-GPU sizes.
    const other = new Stack(testApp(), 'Q');
    const big = new GpuCluster(other, 'Gpu', { maxGpus: 64 });
    expect(() => new ModelEndpoint(other, 'E', {
      ...base(), cluster: big.cluster, modelArtifact: { bucket: s3.Bucket.fromBucketName(other, 'B', 'other-models'), prefix: 'm/' },
      resources: { cpu: '1', memory: '2Gi', gpuCount: 9 },
    })).toThrow(/must be <= 8/);
  });
  test('GpuCluster accepts an EKS-valid name', () => {
    expect(() => new GpuCluster(new Stack(testApp(), 'G'), 'Gpu', { clusterName: 'ml-prod_1' })).not.toThrow();
  });
  test('GpuCluster bounds', () => {
    expect(() => new GpuCluster(new Stack(testApp(), 'G'), 'Gpu', { gpuMinSize: 5, gpuMaxSize: 2 }))
      .toThrow('[cdk-mlops] G/Gpu: invalid prop "gpuMinSize" (5): must be <= gpuMaxSize (2)');
  });
});
