// Dead letters arrive: EventBridge sends the events it cannot deliver to a rule target's dead-letter queue as
// the service principal events.amazonaws.com, so the queue's KMS key POLICY must allow it kms:GenerateDataKey and
// kms:Decrypt (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html). The synthesized key
// policies are evaluated as KMS does for a service principal (bin/simulate/key-policy.ts).
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template as Assertions } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Template } from '../../bin/simulate/cfn';
import { keyPolicyAllowsService, ruleDeadLetters } from '../../bin/simulate/key-policy';
import { ClosedLoopStack } from '../../examples/closed-loop';
import { RetrainTrigger } from '../../lib';
import { testApp } from '../util/synth';

test('the evaluator: the account-root statement does not let a service principal use a key; a matching service statement does', () => {
  const root = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' };
  const events1 = {
    Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*',
    Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/*' } },
  };
  const request = (arn: string) => ({ service: 'events.amazonaws.com', action: 'kms:GenerateDataKey', context: { 'aws:SourceArn': arn } });
  expect(keyPolicyAllowsService({ Statement: [root] }, request('arn:aws:events:us-east-1:123456789012:rule/r'))).toBe(false);
  expect(keyPolicyAllowsService({ Statement: [root, events1] }, request('arn:aws:events:us-east-1:123456789012:rule/r'))).toBe(true);
  expect(keyPolicyAllowsService({ Statement: [root, events1] }, request('arn:aws:events:us-east-1:999999999999:rule/r'))).toBe(false);
  expect(keyPolicyAllowsService({ Statement: [events1, { ...events1, Effect: 'Deny' }] }, request('arn:aws:events:us-east-1:123456789012:rule/r'))).toBe(false);
});

test('RetrainTrigger: EventBridge may use the key of the rules\' dead-letter queue (alarm rule and schedule rule)', () => {
  const stack = new Stack(testApp(), 'S');
  new RetrainTrigger(stack, 'T', {
    trainingStateMachine: sfn.StateMachine.fromStateMachineName(stack, 'Training', 'training'),
    alarmPrefix: 'fleet-mlops',
    schedule: events.Schedule.cron({ day: '1', hour: '3', minute: '0' }),
  });
  const found = ruleDeadLetters(Assertions.fromStack(stack).toJSON() as Template, 'S');
  expect(found).toHaveLength(2);
  expect(found.every((f) => f.allowed)).toBe(true);
});

test('RetrainTrigger with an imported key: a warning says which key policy statement to add', () => {
  const stack = new Stack(testApp(), 'S');
  new RetrainTrigger(stack, 'T', {
    trainingStateMachine: sfn.StateMachine.fromStateMachineName(stack, 'Training', 'training'),
    alarmPrefix: 'fleet-mlops',
    encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
  });
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('events\\.amazonaws\\.com'));
  expect(JSON.stringify(warnings)).toMatch(/kms:Decrypt and kms:GenerateDataKey for the service principal events\.amazonaws\.com/);
});

test('the closed-loop example: every rule dead-letter queue\'s key lets EventBridge send', () => {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true }, builtinCloudFormationValidation: false } as any);
  const stack = new ClosedLoopStack(app, 'ClosedLoop');
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  const found = ruleDeadLetters(template, stack.stackName);
  expect(found.length).toBeGreaterThan(0);
  expect(found.filter((f) => !f.allowed)).toEqual([]);
});
