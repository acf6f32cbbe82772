// The RetrainTrigger rule's pattern, evaluated with the EventBridge matching rules the User Guide documents
// (bin/simulate/event-pattern.ts; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
// `$or` is ANDed with its sibling fields, `prefix` matches the start of a string, a pattern array is an OR.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { matchesEventPattern } from '../../bin/simulate/event-pattern';
import { RetrainTrigger } from '../../lib';
import { testApp } from '../util/synth';

describe('the matcher implements the documented rules', () => {
  const cases: [string, any, any, boolean][] = [
    ['$or branches are ANDed with sibling fields (docs: "$or" example with a sibling source)',
      { source: ['aws.cloudwatch'], $or: [{ 'detail-type': ['A'] }, { source: ['other'] }] }, { 'source': 'other', 'detail-type': 'B' }, false],
    ['$or: one branch matching is enough', { $or: [{ 'detail-type': ['A'] }, { source: ['other'] }] }, { 'source': 'other', 'detail-type': 'B' }, true],
    ['a pattern array is an OR of values', { source: ['a', 'b'] }, { source: 'b' }, true],
    ['matching is exact and case-sensitive', { source: ['a'] }, { source: 'A' }, false],
    ['an event array matches when any element does', { resources: ['arn:x'] }, { resources: ['arn:y', 'arn:x'] }, true],
    ['prefix matches the start of a string', { detail: { alarmName: [{ prefix: 'p-' }] } }, { detail: { alarmName: 'p-fraud-drift' } }, true],
    ['prefix does not match elsewhere in the string', { detail: { alarmName: [{ prefix: 'p-' }] } }, { detail: { alarmName: 'xp-fraud' } }, false],
    ['a field the pattern names must be present', { detail: { state: { value: ['ALARM'] } } }, { detail: {} }, false],
    ['exists: false matches an absent field', { detail: { x: [{ exists: false }] } }, { detail: {} }, true],
    ['fields the pattern does not name are ignored', { source: ['a'] }, { source: 'a', extra: 1 }, true],
    ['anything-but excludes the listed values', { source: [{ 'anything-but': ['a'] }] }, { source: 'a' }, false],
    ['numeric ranges', { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, { detail: { n: 5 } }, true],
  ];
  test.each(cases)('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
});

describe('the rule of a RetrainTrigger', () => {
  const stack = new Stack(testApp(), 'S');
  new RetrainTrigger(stack, 'T', { trainingStateMachine: sfn.StateMachine.fromStateMachineName(stack, 'Training', 'training'), alarmPrefix: 'fleet-mlops' });
  const rule = Object.values<any>(Template.fromStack(stack).findResources('AWS::Events::Rule'))[0];
  const pattern = rule.Properties.EventPattern;
  const alarm = (alarmName: string, value: string) => ({
    'version': '0', 'id': 'e1', 'detail-type': 'CloudWatch Alarm State Change', 'source': 'aws.cloudwatch', 'account': '123456789012',
    'time': '2026-11-27T09:00:00Z', 'region': 'us-east-1', 'resources': [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
    'detail': { alarmName, state: { value }, previousState: { value: 'OK' } },
  });
  // The request docs/retrain-trigger.md documents (`aws events put-events`).
  const manual = (source: string, detailType: string) => ({
    'version': '0', 'id': 'e2', 'detail-type': detailType, source, 'account': '123456789012', 'time': '2026-11-27T09:00:00Z',
    'region': 'us-east-1', 'resources': [], 'detail': { modelName: 'fraud', reason: 'new labels' },
  });
  const table: [string, boolean, any][] = [
    ['a model drift alarm going to ALARM', true, alarm('fleet-mlops-fraud-drift', 'ALARM')],
    ['a model quality alarm going to ALARM', true, alarm('fleet-mlops-churn-quality', 'ALARM')],
    ['a manual retrain request', true, manual('cdk-mlops.retrain', 'Retrain Requested')],
    ['a model alarm going back to OK', false, alarm('fleet-mlops-fraud-drift', 'OK')],
    ['an alarm of another prefix', false, alarm('other-fraud-drift', 'ALARM')],
    ['an alarm whose name only starts with the prefix without the dash', false, alarm('fleet-mlopsx-fraud-drift', 'ALARM')],
    ['a manual request with another detail type', false, manual('cdk-mlops.retrain', 'Retrain Cancelled')],
    ['the retrain detail type from another source', false, manual('my.app', 'Retrain Requested')],
    ['an alarm-shaped event from another source', false, { ...alarm('fleet-mlops-fraud-drift', 'ALARM'), source: 'my.app' }],
  ];
  test.each(table)('%s: matches = %s', (_name, expected, event) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  test('the pattern has "$or" as its only top-level field', () => {
    expect(Object.keys(pattern)).toEqual(['$or']);
  });
});
