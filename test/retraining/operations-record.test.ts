// The operations record (lib/contracts/operations.ts): every RetrainTrigger writes the one SSM
// parameter the `cdk-mlops` operator commands find the loop by; it must parse with the contract's
// own parser and name the trigger's real resources.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ClosedLoopStack } from '../../examples/closed-loop';
import { OPERATIONS_RECORD_ROOT, parseOperationsRecord } from '../../lib/contracts/operations';
import { testApp } from '../util/synth';

const app = testApp();
const stack = new ClosedLoopStack(app, 'ClosedLoop');
const template = Template.fromStack(stack);

/**
 * The parameter's value as CloudFormation would write it: each `Ref` resolved the way the resource
 * type documents (a state machine's Ref is its ARN; a table's and a topic's Ref their name and ARN),
 * with the logical id in the name so the test can tell which resource it is.
 */
function rendered(value: any): string {
  const resources = template.toJSON().Resources;
  const ref = (p: any): string => {
    const id = p.Ref;
    const type = resources[id]?.Type;
    if (type === 'AWS::StepFunctions::StateMachine') return `arn:aws:states:us-east-1:123456789012:stateMachine:${id}`;
    if (type === 'AWS::SNS::Topic') return `arn:aws:sns:us-east-1:123456789012:${id}`;
    return String(id);
  };
  if (typeof value === 'string') return value;
  return value['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : ref(p))).join(value['Fn::Join'][0]);
}

test('one operations record per trigger, under /cdk-mlops/operations/<alarmPrefix>, that the CLI parser accepts', () => {
  const params = Object.entries<any>(template.findResources('AWS::SSM::Parameter'))
    .filter(([, r]) => String(r.Properties.Name).startsWith(OPERATIONS_RECORD_ROOT));
  expect(params).toHaveLength(1);
  const [logicalId, param] = params[0];
  const trigger = stack.trigger;
  expect(param.Properties.Name).toBe(`${OPERATIONS_RECORD_ROOT}${trigger.alarmPrefix}`);
  const record = parseOperationsRecord(rendered(param.Properties.Value), param.Properties.Name);
  expect(record).toMatchObject({
    v: 1,
    alarmPrefix: trigger.alarmPrefix,
    retrainConfigPath: trigger.configPath,
    retrainMetricNamespace: trigger.metricNamespace,
    eventBusName: 'default',
    // The state machine takes operator rollbacks (steps/operator-rollback.ts): `cdk-mlops rollback` refuses without it.
    features: ['rollback'],
  });
  // The tokens are the trigger's own state machine, table and topic.
  const sm = Stack.of(trigger).getLogicalId(trigger.stateMachine.node.defaultChild as any);
  expect(record.stateMachineArn).toContain(sm);
  expect(record.stateTableName).toContain(Stack.of(trigger).getLogicalId(trigger.table.node.defaultChild as any));
  expect(record.topicArn).toContain(Stack.of(trigger).getLogicalId(trigger.topic.node.defaultChild as any));
  expect(logicalId).toMatch(/OperationsRecord/);
});
