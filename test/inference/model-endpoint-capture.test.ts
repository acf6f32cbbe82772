/**
 * ModelEndpoint's `capture` option: the capture sidecar in every pod, the
 * stack's CaptureStream, least-privilege grants on the pod role.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CaptureStream } from '../../lib/inference/capture-stream';
import { GpuCluster } from '../../lib/inference/gpu-cluster';
import { ModelEndpoint } from '../../lib/inference/model-endpoint';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';
import { endpointObjects, podSpecs, restrictedViolations, validateK8s } from './k8s-checks';

const app = testApp();
const stack = new Stack(app, 'Capture');
const gpu = new GpuCluster(stack, 'Gpu');
const bucket = new s3.Bucket(stack, 'Artifacts', { enforceSSL: true, encryption: s3.BucketEncryption.S3_MANAGED });
Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'test bucket for model artifacts; access logs are not what this test is about' });
const common = { cluster: gpu.cluster, image: 'example/server:1.0.0', modelArtifact: { bucket, prefix: 'models/' } };

const fraud = new ModelEndpoint(stack, 'Fraud', {
  ...common,
  modelName: 'fraud',
  variants: [{ name: 'primary', modelVersion: 'v7', weight: 90 }, { name: 'canary', modelVersion: 'v8', weight: 10 }],
});
const churn = new ModelEndpoint(stack, 'Churn', {
  ...common,
  modelName: 'churn',
  port: 8081,
  readinessPath: '/v1/ready',
  capture: { samplingPercent: 100, memoryMiB: 512, requestMetrics: false },
  variants: [{ name: 'primary', modelVersion: '3', weight: 100 }],
});
const plain = new ModelEndpoint(stack, 'Plain', {
  ...common,
  modelName: 'plain',
  capture: { enabled: false },
  variants: [{ name: 'primary', modelVersion: '1', weight: 100 }],
});

const nag = synthWithNag(app);
const template = Template.fromStack(stack);
const json = template.toJSON();
const objects = endpointObjects(json);
const deployment = (e: ModelEndpoint, name: string) => objects(e).find((o) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.spec;
const envOf = (c: any) => Object.fromEntries(c.env.map((x: any) => [x.name, x.value]));
const statementsOf = (role: iam.Role) => Object.values(template.findResources('AWS::IAM::Policy', {
  Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as CfnResource) }] },
})).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
const streamId = () => stack.getLogicalId(CaptureStream.of(stack).deliveryStream.node.defaultChild as CfnResource);

test('capture is on by default and every endpoint of the stack shares one CaptureStream', () => {
  expect(fraud.captureStream).toBe(CaptureStream.of(stack));
  expect(churn.captureStream).toBe(fraud.captureStream);
  expect(plain.captureStream).toBeUndefined();
  template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
});

test('each pod runs the capture sidecar in front of the model with the env contract', () => {
  for (const [variant, version] of [['primary', 'v7'], ['canary', 'v8']]) {
    const pod = deployment(fraud, `fraud-${variant}`);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['model', 'capture']);
    const capture = pod.containers[1];
    expect(capture.ports).toEqual([{ name: 'http', containerPort: 8081, protocol: 'TCP' }]);
    expect(capture.image).toBe('CFN-TOKEN'); // resolved by CloudFormation: the sidecar image asset's URI
    const env = envOf(capture);
    expect(env).toMatchObject({
      LISTEN_PORT: '8081',
      UPSTREAM_URL: 'http://127.0.0.1:8080',
      MODEL_NAME: 'fraud',
      VARIANT: variant,
      CAPTURE_SAMPLING_PERCENT: '10',
      SPILL_DIR: '/var/spool/capture',
      SPILL_MAX_BYTES: String(Math.floor(1024 * 1024 * 1024 * 0.9)),
      HEALTH_PATHS: '/ready,/live',
      ADMIN_PORT: '9901',
      METRICS_NAMESPACE: 'CdkMlops/Inference',
      UPSTREAM_TIMEOUT_MS: '60000',
      SHUTDOWN_GRACE_MS: String((60 - 15 - 5) * 1000),
      NODE_OPTIONS: '--max-old-space-size=192',
    });
    // The version recorded is the pod's model-version annotation (pre-set to the variant's, patched by retraining).
    expect(capture.env).toContainEqual({ name: 'MODEL_VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['cdk-mlops.io/model-version']" } } });
    expect(objects(fraud).find((o) => o.kind === 'Deployment' && o.metadata.name === `fraud-${variant}`).spec.template.metadata.annotations['cdk-mlops.io/model-version']).toBe(version);
    expect(env.CAPTURE_STREAM_NAME).toBe('CFN-TOKEN'); // the stream name, resolved by CloudFormation (see below)
    expect(capture.volumeMounts).toContainEqual({ name: 'proxy-spill', mountPath: '/var/spool/capture' });
    expect(pod.volumes).toContainEqual({ name: 'proxy-spill', emptyDir: { sizeLimit: '1024Mi' } });
    expect(capture.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '256Mi' } });
    const model = pod.containers[0];
    expect(model.ports).toBeUndefined();
    expect(envOf(model)).toMatchObject({ HOST: '127.0.0.1', PORT: '8080' });
  }
});

test('the sidecar image is the CaptureStream image asset, pinned by its content hash', () => {
  const raw = JSON.stringify(json.Resources[stack.getLogicalId(fraud.manifest.node.defaultChild as CfnResource)]);
  const hash = CaptureStream.of(stack).sidecarImage.assetHash;
  expect(raw).toContain(`.dkr.ecr.`);
  expect(raw).toContain(`:${hash}`);
  // the stream name env var references the stack's delivery stream
  expect(raw).toMatch(new RegExp(`CAPTURE_STREAM_NAME[^}]*\\{\\\\?"Ref\\\\?":\\\\?"${streamId()}`));
});

test('options: sampling, port clash with the model, health paths, memory, no request metrics', () => {
  const capture = deployment(churn, 'churn-primary').containers.find((c: any) => c.name === 'capture');
  const env = envOf(capture);
  expect(env).toMatchObject({ LISTEN_PORT: '8082', UPSTREAM_URL: 'http://127.0.0.1:8081', CAPTURE_SAMPLING_PERCENT: '100', HEALTH_PATHS: '/v1/ready,/live', NODE_OPTIONS: '--max-old-space-size=384' });
  expect(env.METRICS_NAMESPACE).toBeUndefined();
  expect(capture.resources.limits).toEqual({ memory: '512Mi' });
});

test('the pod role may put records into the capture stream only (and publish request metrics in its namespace)', () => {
  const firehose = statementsOf(fraud.podRole).filter((s: any) => JSON.stringify(s.Action).includes('firehose:'));
  expect(firehose).toEqual([{ Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: { 'Fn::GetAtt': [streamId(), 'Arn'] } }]);
  expect(statementsOf(fraud.podRole)).toContainEqual({
    Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'CdkMlops/Inference' } },
  });
  expect(JSON.stringify(statementsOf(churn.podRole))).not.toContain('cloudwatch:PutMetricData');
  expect(JSON.stringify(statementsOf(plain.podRole))).not.toContain('firehose:');
});

test('capture off: no sidecar, the model serves directly', () => {
  const pod = deployment(plain, 'plain-primary');
  expect(pod.containers.map((c: any) => c.name)).toEqual(['model']);
  expect(pod.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
});

test('every rendered object validates against the Kubernetes schemas and passes PSS restricted', () => {
  for (const e of [fraud, churn, plain]) {
    for (const o of objects(e)) validateK8s(o);
    for (const { where, spec } of objects(e).flatMap(podSpecs)) expect(restrictedViolations(where, spec)).toEqual([]);
  }
});

test('cdk-nag AwsSolutions passes with capture on', () => {
  expect(nag.synthError).toBeUndefined();
  expect(nag.findings).toEqual([]);
});

test('a custom proxy needs capture off', () => {
  const s = new Stack(testApp(), 'Proxy');
  const g = new GpuCluster(s, 'Gpu');
  const b = new s3.Bucket(s, 'B');
  const e = new ModelEndpoint(s, 'E', { cluster: g.cluster, image: 'example/server:1.0.0', modelArtifact: { bucket: b, prefix: 'm/' }, modelName: 'e' });
  expect(() => e.useProxy({ image: 'example/proxy:1.0.0', containerPort: 9000 })).toThrow(/invalid prop "proxy".*set capture: \{ enabled: false \} to use your own/);
  expect(() => new ModelEndpoint(s, 'F', {
    cluster: g.cluster, image: 'example/server:1.0.0', modelArtifact: { bucket: b, prefix: 'm/' }, modelName: 'f',
    proxy: { image: 'example/proxy:1.0.0', containerPort: 9000 },
  })).toThrow(/set capture: \{ enabled: false \}/);
  const ok = new ModelEndpoint(s, 'G', {
    cluster: g.cluster, image: 'example/server:1.0.0', modelArtifact: { bucket: b, prefix: 'm/' }, modelName: 'g',
    capture: { enabled: false }, proxy: { image: 'example/proxy:1.0.0', containerPort: 9000 },
  });
  expect(ok.chart.proxy?.image).toBe('example/proxy:1.0.0');
  expect(() => new ModelEndpoint(s, 'H', {
    cluster: g.cluster, image: 'example/server:1.0.0', modelArtifact: { bucket: b, prefix: 'm/' }, modelName: 'h', capture: { samplingPercent: 101 },
  })).toThrow(/invalid prop "capture.samplingPercent" \(101\)/);
});

test('invalid capture options name the endpoint and the capture.<field> prop', () => {
  const s = new Stack(testApp(), 'S');
  const g = new GpuCluster(s, 'Gpu');
  const b = new s3.Bucket(s, 'B');
  const endpoint = (id: string, capture: object) => new ModelEndpoint(s, id, {
    cluster: g.cluster, image: 'example/server:1.0.0', modelArtifact: { bucket: b, prefix: 'm/' }, modelName: id.toLowerCase(), capture,
  });
  expect(() => endpoint('Port', { port: 8080 })).toThrow(/^\[cdk-mlops\] S\/Port: invalid prop "capture.port" \(8080\): must differ from the model port \(8080\)/);
  expect(() => endpoint('Sampling', { samplingPercent: 150 })).toThrow(/^\[cdk-mlops\] S\/Sampling: invalid prop "capture.samplingPercent" \(150\)/);
  expect(() => endpoint('Cpu', { cpu: 'lots' })).toThrow(/^\[cdk-mlops\] S\/Cpu: invalid prop "capture.cpu" \("lots"\): must be a CPU quantity/);
  expect(() => endpoint('Memory', { memoryMiB: 64 })).toThrow(/^\[cdk-mlops\] S\/Memory: invalid prop "capture.memoryMiB" \(64\)/);
});
