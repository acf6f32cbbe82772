// Pins the aws-cdk-lib internal the ModelFactory relies on (lib/fleet/private/local-reference.ts): a
// CfnReference given a value for a consuming stack resolves there to that value, with no export.
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { assignLocalValue } from '../../lib/fleet/private/local-reference';
import { testApp } from '../util/synth';

function stacks() {
  const app = testApp();
  const producer = new Stack(app, 'Producer', { env: { account: '123456789012', region: 'us-east-1' } });
  const consumer = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'us-east-1' } });
  const bucket = new s3.Bucket(producer, 'Bucket');
  const cfn = bucket.node.defaultChild as CfnResource;
  // A consumer resource naming the producer's bucket (Ref) and its ARN (Fn::GetAtt).
  new ssm.StringParameter(consumer, 'Uses', { stringValue: `${bucket.bucketName}|${bucket.bucketArn}` });
  return { app, producer, consumer, cfn };
}

const synth = (app: ReturnType<typeof testApp>, s: Stack) => app.synth().getStackByName(s.stackName).template;

test('without a local value, aws-cdk-lib exports the reference from the producer and imports it in the consumer', () => {
  const { app, producer, consumer } = stacks();
  const text = JSON.stringify(synth(app, consumer));
  expect(text).toContain('Fn::ImportValue');
  expect(Object.keys(synth(app, producer).Outputs ?? {}).length).toBeGreaterThan(0);
});

test('with a local value per attribute, the consumer reads its own parameters and the producer exports nothing', () => {
  const { app, producer, consumer, cfn } = stacks();
  const names: string[] = [];
  const local = (name: string) => () => { names.push(name); return ssm.StringParameter.valueForStringParameter(consumer, name); };
  expect(assignLocalValue(cfn, 'Ref', consumer, local('/platform/bucket-name'))).toBe(true);
  expect(assignLocalValue(cfn, 'Arn', consumer, local('/platform/bucket-arn'))).toBe(true);
  // A second assignment for the same stack is a no-op (and does not even compute the value).
  expect(assignLocalValue(cfn, 'Ref', consumer, local('/platform/other'))).toBe(false);
  expect(names).toEqual(['/platform/bucket-name', '/platform/bucket-arn']);

  const template = synth(app, consumer);
  const text = JSON.stringify(template);
  expect(text).not.toContain('Fn::ImportValue');
  const params = Template.fromJSON(template).findParameters('*', { Type: 'AWS::SSM::Parameter::Value<String>' });
  expect(Object.values<any>(params).map((p) => p.Default).filter((d) => d.startsWith('/platform/')).sort()).toEqual(['/platform/bucket-arn', '/platform/bucket-name']);
  const value = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::SSM::Parameter').Properties.Value;
  const refs = JSON.stringify(value).match(/"Ref":"([^"]+)"/g) ?? [];
  expect(refs.every((r) => Object.keys(params).some((id) => r.includes(id)))).toBe(true);
  expect(synth(app, producer).Outputs ?? {}).toEqual({});
});

test('a token that is not a CfnReference is left alone', () => {
  const { consumer } = stacks();
  const plain = new CfnResource(consumer, 'Plain', { type: 'AWS::SQS::Queue' });
  // A reference inside the consumer itself: no cross-stack value to assign, but still a CfnReference.
  expect(assignLocalValue(plain, 'Ref', consumer, () => 'not-a-token')).toBe(false);
});
