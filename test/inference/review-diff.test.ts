// Reviews are readable: changing one prop of a ModelEndpoint gives a small snapshot diff
// (issue 14: 20 changed lines or fewer, each 200 characters or fewer), because the template
// serializer (testing/template-serializer.js) prints every Kubernetes manifest as objects.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DIFF_EQUAL, diffLinesRaw } from 'jest-diff';
import { format } from 'pretty-format';
import { GpuCluster, ModelEndpoint } from '../../lib';
import { testApp } from '../util/synth';
const serializer = require('../../testing/template-serializer.js');
const hashes = require('../util/asset-hash-serializer.js');

function snapshotOf(minReplicas: number, raw?: (json: any) => void): string[] {
  const app = testApp();
  const stack = new Stack(app, 'Review');
  const gpu = new GpuCluster(stack, 'Gpu');
  const bucket = new s3.Bucket(stack, 'Artifacts', { enforceSSL: true });
  new ModelEndpoint(stack, 'Fraud', {
    cluster: gpu.cluster,
    modelName: 'fraud-scoring',
    image: 'example/fraud-server:1.4.2',
    modelArtifact: { bucket, prefix: 'models/fraud-scoring/' },
    resources: { cpu: '3', memory: '12Gi', gpuCount: 1 },
    autoscaling: { minReplicas, maxReplicas: 20 },
    variants: [{ name: 'primary', modelVersion: 'v7', weight: 100 }],
  });
  const json = Template.fromStack(stack).toJSON();
  raw?.(json);
  // What jest writes into a .snap file (the serializers the jest config registers).
  return format(json, { plugins: [serializer, hashes], indent: 2, escapeString: false, printFunctionName: false }).split('\n');
}

test('a one-prop change (autoscaling.minReplicas 2 -> 3) gives <= 20 changed lines of <= 200 characters', () => {
  const before = snapshotOf(2);
  const after = snapshotOf(3);
  const changed = diffLinesRaw(before, after).filter((d) => d[0] !== DIFF_EQUAL).map((d) => d[1]);
  expect(changed.length).toBeGreaterThan(0); // the change is visible...
  expect(changed.length).toBeLessThanOrEqual(20); // ...and small
  for (const line of changed) expect(line.length).toBeLessThanOrEqual(200);
  // The default (request-driven) autoscaler is the variant's KEDA ScaledObject.
  expect(changed.some((l) => /"minReplicaCount": 3/.test(l))).toBe(true);
});

test('the serializer prints manifests as objects and drops aws-cdk-lib mappings', () => {
  let rawJson: any;
  const text = snapshotOf(2, (j) => { rawJson = j; }).join('\n');
  // The raw template holds both (the capture stream's Firehose brings aws-cdk-lib's CIDR map).
  expect(Object.keys(rawJson.Mappings ?? {})).toContain('awscdkawskinesisfirehoseCidrBlocks');
  expect(JSON.stringify(rawJson)).toMatch(/[0-9a-f]{64}/);
  expect(text).toContain('"kind": "ScaledObject"');
  expect(text).not.toContain('awscdkawskinesisfirehoseCidrBlocks');
  expect(text).not.toMatch(/[0-9a-f]{64}/);
});
