// The operations record of a RetrainTrigger: the one SSM parameter the `cdk-mlops` operator
// commands find a deployed loop by (lib/contracts/operations.ts).
import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { OPERATIONS_RECORD_VERSION, OperationsRecord, operationsRecordName } from '../../contracts/operations';

/** What the trigger knows of itself (tokens allowed). */
export type OperationsRecordFields = Omit<OperationsRecord, 'v' | 'eventBusName' | 'features'>;

/** Writes `/cdk-mlops/operations/<alarmPrefix>`: state machine, record paths, namespaces, table, topic. */
export function renderOperationsRecord(scope: Construct, fields: OperationsRecordFields): ssm.StringParameter {
  const record: OperationsRecord = {
    v: OPERATIONS_RECORD_VERSION,
    ...fields,
    // The trigger's rule listens on the default bus.
    eventBusName: 'default',
    // The state machine takes operator rollbacks (./steps/operator-rollback.ts): the CLI refuses them without this.
    features: ['rollback'],
  };
  return new ssm.StringParameter(scope, 'OperationsRecord', {
    parameterName: operationsRecordName(fields.alarmPrefix),
    description: `cdk-mlops: where the operator commands find the retraining loop ${scope.node.path}`,
    stringValue: Stack.of(scope).toJsonString(record),
  });
}
