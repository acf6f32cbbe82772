// The key policy statement EventBridge needs to deliver dead letters to a KMS-encrypted queue.
import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * EventBridge sends the events it could not deliver to the KMS-encrypted dead-letter queue as
 * `events.amazonaws.com`, which needs `kms:GenerateDataKey` and `kms:Decrypt` on the queue's key in
 * the KEY POLICY (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html); without it
 * the dead letters are dropped. Scoped to this account's rules: naming the rule ARN itself would make
 * the key depend on the rule, which depends on the queue, which depends on the key.
 */
export function allowEventBridgeDeadLetters(scope: Construct, key: kms.IKey, queue: sqs.IQueue): void {
  const stack = Stack.of(scope);
  const added = key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'EventBridgeDeadLetters',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
    },
  }));
  if (!added.statementAdded) {
    Annotations.of(scope).addWarningV2('cdk-mlops:retrain-dlq-key-policy',
      `encryptionKey ${key.keyArn} is imported: add to its key policy an Allow of kms:Decrypt and kms:GenerateDataKey for the service principal events.amazonaws.com (aws:SourceArn of this account's rules), or events EventBridge fails to deliver are dropped instead of reaching ${queue.node.path}`);
  }
}
