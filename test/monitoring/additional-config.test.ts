// additionalConfig / configParameterTier: one SSM record per model shared with another reader
// (ModelFactory stores the RetrainTrigger record in it), still parsed by the handler.
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { parseModelConfig } from '../../lib/contracts/drift-monitor-config';
import { DriftMonitor } from '../../lib/monitoring/drift-monitor';
import { testApp } from '../util/synth';

const stack = new Stack(testApp(), 'Shared');
const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: s3.Bucket.fromBucketName(stack, 'Capture', 'capture-bucket'), alarmPrefix: 'fleet' });
const retrainRecord = { schemaVersion: 1, modelName: 'churn', cooldownSeconds: 21600, eks: { clusterName: 'gpu', certificateAuthority: 'Q'.repeat(4500) } };
const shared = monitor.addModel({
  modelName: 'churn', baselineKey: 'baselines/churn.json',
  additionalConfig: retrainRecord, configParameterTier: ssm.ParameterTier.INTELLIGENT_TIERING,
});
monitor.addModel({ modelName: 'plain', baselineKey: 'baselines/plain.json' });
// The same record without a tier: Standard cannot hold it, so Advanced with the warning (control).
monitor.addModel({ modelName: 'big', baselineKey: 'baselines/big.json', additionalConfig: retrainRecord });
const template = Template.fromStack(stack);
const params = template.findResources('AWS::SSM::Parameter');
const byName = (name: string) => Object.values<any>(params).find((p) => p.Properties.Name === `${monitor.configPath}${name}`)!.Properties;

test('the record holds both readers\' keys in one parameter, of the requested tier, without the Advanced warning', () => {
  const record = JSON.parse(byName('churn').Value);
  expect(record).toMatchObject(retrainRecord);
  expect(record).toMatchObject({ v: 1, model: 'churn', baseline: { bucket: 'capture-bucket', key: 'baselines/churn.json' } });
  expect(parseModelConfig(byName('churn').Value).model).toBe('churn');
  expect(byName('churn').Tier).toBe('Intelligent-Tiering');
  expect(stack.resolve(shared.configParameter.parameterName)).toEqual({
    Ref: stack.getLogicalId(shared.configParameter.node.defaultChild as ssm.CfnParameter),
  });
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Advanced parameter'));
  expect(warnings.map((w) => w.id)).toEqual(['/Shared/Drift/Model-big']);
  expect(byName('big').Tier).toBe('Advanced');
});

test('without the options nothing changes', () => {
  expect(Object.keys(JSON.parse(byName('plain').Value)).sort()).toEqual(['baseline', 'capture', 'featureMetrics', 'minSamples', 'model', 'v', 'variants', 'windowHours']);
  expect(byName('plain').Tier).toBe('Standard');
});

test('additional keys must not reuse the handler\'s own', () => {
  expect(() => monitor.addModel({ modelName: 'clash', baselineKey: 'baselines/clash.json', additionalConfig: { model: 'x', quality: {} } }))
    .toThrow(/invalid prop "additionalConfig" \(\["model","quality"\]\): must not reuse the monitor's own keys/);
});
