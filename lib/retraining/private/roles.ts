// The retraining state machine role's rights: records, state, notifications, training, canary
// alarms, the outcome metric and the model registry (statements whose resources grow per model are lazy).
import { ArnFormat, Lazy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { championParameterName } from '../../contracts/retrain-record';

/** What the grants cover; the sets fill as models register (read at synth). */
export interface RetrainGrantTargets {
  readonly configPath: string;
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly metricNamespace: string;
  readonly canaryAlarmNamePrefix?: string;
  readonly alarmArns: ReadonlySet<string>;
  readonly modelPackageGroupPrefix?: string;
  readonly packageGroups: ReadonlySet<string>;
}

/** Grants the retraining state machine's role everything its definition calls, but the Kubernetes API and S3 baselines. */
export function grantRetrainStateMachine(role: iam.Role, training: sfn.IStateMachine, o: RetrainGrantTargets): void {
const stack = Stack.of(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReadModelRecords',
    actions: ['ssm:GetParameter'],
    resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${o.configPath.slice(1)}*` })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'PublishChampions',
    actions: ['ssm:PutParameter'],
    resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${championParameterName(o.configPath, '').slice(1)}*` })],
  }));
  o.table.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  o.topic.grantPublish(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'StartTraining',
    actions: ['states:StartExecution'],
    resources: [training.stateMachineArn],
  }));
  const trainingName = stack.splitArn(training.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '*';
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'FollowTraining',
    actions: ['states:DescribeExecution', 'states:StopExecution'],
    resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${trainingName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'SyncRule',
    actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' })],
  }));
  // with a prefix now; otherwise when the first model with a canary alarm registers (watchCanaryAlarms)
  if (o.canaryAlarmNamePrefix !== undefined) watchCanaryAlarms(role, o);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'OutcomeMetric',
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': o.metricNamespace } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'FindApprovedPackages',
    // ListModelPackages has no resource-level permissions (Service Authorization Reference, Amazon SageMaker).
    actions: ['sagemaker:ListModelPackages'],
    resources: ['*'],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ApproveOrRejectCandidates',
    // Describe: who approved a package that is not the champion (the reconciliation at the start of an execution).
    actions: ['sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage'],
    resources: Lazy.list({
      produce: () => [...(o.modelPackageGroupPrefix !== undefined ? [`${o.modelPackageGroupPrefix}*`] : []), ...o.packageGroups]
        .map((g) => stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${g}/*` })),
    }),
  }));
}

/**
 * The state of the canary alarms, and their state changes since the bake started (one alarm per call): the alarm
 * name prefix and every alarm outside it. Added only once there is an alarm to watch: a trigger whose models are all
 * judged by canary metrics has none, and a statement without resources is a malformed policy for IAM.
 */
export function watchCanaryAlarms(role: iam.Role, o: Pick<RetrainGrantTargets, 'canaryAlarmNamePrefix' | 'alarmArns'>): void {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WatchCanaryAlarms',
    actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'],
    resources: Lazy.list({
      produce: () => [
        ...(o.canaryAlarmNamePrefix !== undefined ? [stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${o.canaryAlarmNamePrefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] : []),
        ...o.alarmArns,
      ],
    }),
  }));
}
