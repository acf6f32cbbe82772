import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FraudTrainingStack } from '../../examples/training';
import { MetricDirection, TrainingImage, TrainingPipeline, TrainingPipelineProps } from '../../lib/training/training-pipeline';
import { definitionOf, stateNames, validateAsl } from '../util/asl';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';

const DIGEST = `sha256:${'0f'.repeat(32)}`;

function baseProps(stack: Stack): TrainingPipelineProps {
  return {
    modelName: 'fraud',
    trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'trainer'), 'v1'),
    datasetBucket: s3.Bucket.fromBucketName(stack, 'Data', 'data-bucket'),
    datasetPrefix: 'datasets/',
    outputBucket: s3.Bucket.fromBucketName(stack, 'Out', 'out-bucket'),
    metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=([0-9.]+)' }],
    evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9 },
  };
}

describe('synthesized template', () => {
  let template: Template;
  let asl: any;
  let pipeline: TrainingPipeline;
  let starter: iam.Role;
  beforeAll(() => {
    const app = testApp();
    const stack = new Stack(app, 'T');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    pipeline = new TrainingPipeline(stack, 'P', {
      ...baseProps(stack),
      checkpointPrefix: 'checkpoints/',
      useSpotInstances: true,
      maxWait: Duration.hours(30),
      instanceCount: 2,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
    starter = new iam.Role(stack, 'Starter', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    pipeline.grantStartExecution(starter);
    template = Template.fromStack(stack);
    asl = definitionOf(template.toJSON());
  });

  test('a Standard state machine with ALL logging to a KMS-encrypted log group and X-Ray tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the synthesized definition is valid ASL', () => {
    expect(validateAsl(asl).errors).toEqual([]);
    expect(asl.TimeoutSeconds).toBe(14 * 24 * 3600);
  });

  test('every Task retries with FULL jitter, catches to the failure path and has an explicit timeout', () => {
    const tasks = Object.entries<any>(asl.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(10);
    for (const [name, s] of tasks) {
      expect({ name, retry: s.Retry?.length > 0 }).toEqual({ name, retry: true });
      for (const r of s.Retry) {
        expect(r).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2, IntervalSeconds: 5, MaxAttempts: 6 });
        expect(r.ErrorEquals).not.toContain('States.ALL');
      }
      expect({ name, catch: s.Catch?.[0]?.ErrorEquals }).toEqual({ name, catch: ['States.ALL'] });
      expect({ name, timeout: typeof s.TimeoutSeconds }).toEqual({ name, timeout: 'number' });
    }
    // Failures of the main path go through RecordFailure -> NotifyFailure -> TrainingFailed; a failed
    // notification is counted and the execution goes where it was going (issue 13, defect 3).
    const catchTargets = new Set(tasks.map(([, s]) => s.Catch[0].Next));
    expect([...catchTargets].sort()).toEqual([
      'CountFailureNotificationFailure', 'CountOutcomeNotificationFailure', 'ErrorDefaults', 'NotifyFailure', 'TrainingErrorDefaults', 'TrainingFailed', 'Verdict?',
    ]);
    expect(asl.States.NotifyOutcome.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.notificationFailure', Next: 'CountOutcomeNotificationFailure' }]);
    expect(asl.States.CountOutcomeNotificationFailure.Next).toBe('Verdict?');
    expect(asl.States.NotifyFailure.Catch[0].Next).toBe('CountFailureNotificationFailure');
    expect(asl.States.CountFailureNotificationFailure.Next).toBe('TrainingFailed');
    expect(asl.States.LiftError.Next).toBe('RecordFailure');
    expect(asl.States.TrainingLiftError.Next).toBe('CapacityFailure?');
    expect(asl.States.TrainingFailed).toMatchObject({ Type: 'Fail', Error: 'TrainingPipelineFailed', CausePath: '$.error.Cause' });
    expect(asl.States.NotifyFailure.Resource).toBe('arn:aws:states:::sns:publish');
  });

  test('training task: .sync, spot, checkpoints, isolation and ICC encryption on, VPC, name from the execution', () => {
    const t = asl.States.TrainModel;
    expect(t.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(t.Parameters).toMatchObject({
      'TrainingJobName.$': '$.attempt.jobName',
      'EnableNetworkIsolation': true,
      'EnableInterContainerTrafficEncryption': true,
      'EnableManagedSpotTraining.$': '$.job.enableSpot',
      'CheckpointConfig': { 'S3Uri.$': '$.job.checkpointUri' },
      'VpcConfig': { SecurityGroupIds: [expect.any(String)], Subnets: [expect.any(String), expect.any(String)] },
      'OutputDataConfig': { KmsKeyId: expect.stringMatching(/^arn:/) },
    });
    // The frame limit (timeout / 2) plus 2 h for provisioning and upload.
    expect(t.TimeoutSeconds).toBe(7 * 24 * 3600 + 7200);
    expect(asl.States.NextTrainingAttempt.Parameters['jobName.$']).toBe("States.Format('{}-{}', $.job.nameBase, States.MathAdd($.attempt.number, 1))");
  });

  test('every state is reachable and the terminal states are named', () => {
    const names = stateNames(asl);
    expect(names).toEqual(expect.arrayContaining(['ModelRegistered', 'CandidateRejected', 'TrainingFailed']));
    const targets = new Set<string>([asl.StartAt]);
    for (const s of Object.values<any>(asl.States)) {
      if (s.Next) targets.add(s.Next);
      if (s.Default) targets.add(s.Default);
      for (const c of s.Choices ?? []) targets.add(c.Next);
      for (const c of s.Catch ?? []) targets.add(c.Next);
    }
    expect(names.filter((n) => !targets.has(n))).toEqual([]);
  });

  test('iam:PassRole only for the training role and only to SageMaker', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values<any>(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const pass = statements.filter((s) => [].concat(s.Action).includes('iam:PassRole' as never));
    expect(pass).toHaveLength(1);
    expect(pass[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    expect(pass[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PTrainingRole/), 'Arn'] });
  });

  test('training role reads only the dataset prefix and writes only the models and checkpoint prefixes', () => {
    const role = Object.entries<any>(template.findResources('AWS::IAM::Policy'))
      .find(([id]) => id.startsWith('PTrainingRoleDefaultPolicy'))![1].Properties.PolicyDocument.Statement;
    const s3Statements = role.filter((s: any) => [].concat(s.Action).some((a: string) => a.startsWith('s3:')));
    const render = (r: any): string => JSON.stringify(r);
    const read = s3Statements.filter((s: any) => [].concat(s.Action).includes('s3:GetObject' as never));
    expect(read.map((s: any) => render(s.Resource))).toEqual([
      expect.stringContaining('/datasets/*'), expect.stringContaining('/checkpoints/*'),
    ]);
    const write = s3Statements.filter((s: any) => [].concat(s.Action).includes('s3:PutObject' as never));
    expect(write).toHaveLength(1);
    expect(write[0].Resource.map(render)).toEqual([expect.stringContaining('/training/models/*'), expect.stringContaining('/checkpoints/*')]);
    const list = s3Statements.filter((s: any) => [].concat(s.Action).includes('s3:ListBucket' as never));
    expect(list.map((s: any) => s.Condition.StringLike['s3:prefix'])).toEqual([['datasets/*'], ['checkpoints/*']]);
    expect(JSON.stringify(role)).not.toMatch(/"s3:\*"|"s3:Put\*"|"s3:Get\*"/);
  });

  test('the VPC security group only talks to itself and HTTPS inside the VPC', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]),
    });
  });

  test('one model package group per model, retained', () => {
    template.hasResource('AWS::SageMaker::ModelPackageGroup', {
      Properties: { ModelPackageGroupName: 'fraud' }, DeletionPolicy: 'Retain',
    });
    expect(pipeline.modelPackageGroupName).toBe('fraud');
  });

  test('grantStartExecution lets a caller start, describe and stop executions (startExecution.sync)', () => {
    const policy = Object.entries<any>(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('StarterDefaultPolicy'))![1];
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [].concat(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution']));
  });

  test('metrics', () => {
    expect(pipeline.metricSucceeded().metricName).toBe('ExecutionsSucceeded');
    expect(pipeline.metricFailed().metricName).toBe('ExecutionsFailed');
    expect(pipeline.metricDuration().metricName).toBe('ExecutionTime');
    const m = pipeline.metricNotificationFailures({ period: Duration.minutes(1) });
    expect(m).toMatchObject({ namespace: 'CdkMlops/TrainingPipeline', metricName: 'NotificationFailures', statistic: 'Sum' });
    expect(m.period.toMinutes()).toBe(1);
    expect(pipeline.metric('Other').namespace).toBe(TrainingPipeline.NAMESPACE);
  });

  test('a failed notification is a metric with an alarm; the state machine may put only that namespace', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkMlops/TrainingPipeline', MetricName: 'NotificationFailures', Statistic: 'Sum', Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'StateMachine', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PStateMachine'), 'Name'] } }],
    });
    expect(pipeline.notificationFailureAlarm).toBeDefined();
    const count = asl.States.CountOutcomeNotificationFailure;
    expect(count.Resource).toBe('arn:aws:states:::aws-sdk:cloudwatch:putMetricData');
    expect(count.Parameters).toEqual({
      Namespace: 'CdkMlops/TrainingPipeline',
      MetricData: [{ MetricName: 'NotificationFailures', Dimensions: [{ 'Name': 'StateMachine', 'Value.$': '$$.StateMachine.Name' }], Value: 1, Unit: 'Count' }],
    });
    const smPolicy = Object.entries<any>(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('PStateMachineRoleDefaultPolicy'))![1];
    expect(smPolicy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
      Sid: 'NotificationFailureMetric', Action: 'cloudwatch:PutMetricData', Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'CdkMlops/TrainingPipeline' } },
    }));
  });

  // Error names per "Learning to use AWS service SDK integrations in Step Functions"
  // (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): an AWS SDK
  // integration raises `<ServiceName>.<ErrorName>`, both PascalCase, the error name always with the
  // `Exception` suffix (S3's SlowDown is S3.SlowDownException). The optimized sns:publish integration
  // raises `SNS.`; the shared lists (lib/contracts/integration-errors.ts) hold both SNS spellings.
  test('Retry lists use the error names the integrations raise', () => {
    const errorsOf = (state: string) => asl.States[state].Retry[0].ErrorEquals as string[];
    for (const state of ['NotifyOutcome', 'NotifyFailure']) {
      expect(errorsOf(state)).toEqual(expect.arrayContaining(['Sns.ThrottledException', 'SNS.ThrottledException', 'Sns.KmsThrottlingException', 'SNS.KmsThrottlingException']));
      expect(errorsOf(state).filter((e) => /KMSAccessDenied|KmsAccessDenied/i.test(e))).toEqual([]); // permanent: not retried
    }
    expect(errorsOf('RecordFailure')).toEqual(['S3.SlowDownException', 'S3.InternalErrorException', 'S3.ServiceUnavailableException', 'S3.S3Exception']);
    expect(errorsOf('FindChampion')).toEqual(expect.arrayContaining(['SageMaker.ThrottlingException', 'SageMaker.InternalFailureException', 'SageMaker.ServiceUnavailableException']));
    expect(errorsOf('ResolveImageDigest')).toEqual(expect.arrayContaining(['Ecr.ThrottlingException', 'Ecr.ServerException']));
    expect(errorsOf('CountOutcomeNotificationFailure')).toEqual(expect.arrayContaining(['CloudWatch.CloudWatchException']));
    for (const [name, s] of Object.entries<any>(asl.States)) {
      if (!String(s.Resource ?? '').includes(':aws-sdk:')) continue;
      for (const e of s.Retry[0].ErrorEquals as string[]) {
        expect({ name, e, ok: /^[A-Z][A-Za-z0-9]*\.[A-Z][A-Za-z0-9]*Exception$/.test(e) }).toEqual({ name, e, ok: true });
      }
    }
  });

  test('grantReadOutputs: read the model outputs prefix and decrypt with the output key', () => {
    const stack = Stack.of(pipeline);
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const grant = pipeline.grantReadOutputs(reader);
    expect(grant.success).toBe(true);
    const statements = stack.resolve((reader.node.findChild('DefaultPolicy') as iam.Policy).document.toJSON()).Statement;
    expect(JSON.stringify(statements)).toContain('out-bucket/training/models/*');
    expect(statements.flatMap((x: any) => [].concat(x.Action))).toEqual(expect.arrayContaining(['s3:GetObject*', 'kms:Decrypt']));
  });
});

test('a prefixed pipeline scopes the registry by prefix and addModel adds groups', () => {
  const stack = new Stack(testApp(), 'Prefixed');
  const p = new TrainingPipeline(stack, 'P', { ...baseProps(stack), modelPackageGroupPrefix: 'ml-' });
  expect(p.addModel('churn')).toBe('ml-churn');
  const t = Template.fromStack(stack);
  t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 2);
  expect(JSON.stringify(t.toJSON())).toContain('model-package/ml-*/*');
});

test('a prefixed pipeline is cdk-nag (AwsSolutions) clean on its own: its registry wildcards carry their reasons', () => {
  // Before, only the ModelFactory acknowledged model-package/<prefix>*/* for its shared pipeline.
  const app = testApp();
  const stack = new Stack(app, 'PrefixedNag');
  new TrainingPipeline(stack, 'P', { ...baseProps(stack), modelPackageGroupPrefix: 'ml-' });
  const nag = synthWithNag(app);
  expect(nag.synthError).toBeUndefined();
  expect(nag.findings).toEqual([]);
});

test('addModel holds to the 40-character DNS-label limit its message names', () => {
  const stack = new Stack(testApp(), 'Added');
  const p = new TrainingPipeline(stack, 'P', { ...baseProps(stack), modelPackageGroupPrefix: 'ml-' });
  expect(() => p.addModel('b'.repeat(41))).toThrow(/Added\/P: invalid prop "modelName" \("b{41}"\): must be a DNS-1123 label of 1-40 characters/);
  expect(() => p.addModel('Churn_2')).toThrow(/invalid prop "modelName" \("Churn_2"\)/);
  expect(p.addModel('c'.repeat(40))).toBe(`ml-${'c'.repeat(40)}`);
});

test('an image pinned by digest needs no ECR lookup permission', () => {
  const stack = new Stack(testApp(), 'Pinned');
  new TrainingPipeline(stack, 'P', { ...baseProps(stack), trainingImage: TrainingImage.fromImageUri(`registry.example.com/trainer@${DIGEST}`) });
  expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('ecr:DescribeImages');
});

describe('invalid props', () => {
  const cases: [string, (s: Stack) => Partial<TrainingPipelineProps>, RegExp][] = [
    ['maxWait < maxRuntime', () => ({ useSpotInstances: true, checkpointPrefix: 'ck/', maxRuntime: Duration.hours(10), maxWait: Duration.hours(5) }), /"maxWait" \(18000\): must be >= maxRuntime \(36000 s\)/],
    ['CPU type without opt-in', () => ({ instanceType: 'ml.m5.xlarge' }), /"instanceType" \("ml.m5.xlarge"\): must be a GPU\/accelerator type.*allowCpuInstances/],
    ['instanceCount 0', () => ({ instanceCount: 0 }), /"instanceCount" \(0\): must be an integer between 1 and 100/],
    ['bad metric regex', () => ({ metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=([0-9.]+' }] }), /"metricDefinitions\[val_auc\]\.regex".*must be a valid regular expression/],
    ['metric regex without a capture group', () => ({ metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=[0-9.]+' }] }), /must contain a capture group/],
    ['missing checkpoint with spot', () => ({ useSpotInstances: true, maxWait: Duration.hours(30) }), /"checkpointPrefix" \(undefined\): is required with useSpotInstances/],
    ['spot without maxWait', () => ({ useSpotInstances: true, checkpointPrefix: 'ck/' }), /"maxWait" \(undefined\): is required with spot/],
    ['maxWait without spot', () => ({ maxWait: Duration.hours(30) }), /"maxWait" \(108000\): is only allowed with spot training/],
    ['objective not among the metric definitions', () => ({ evaluation: { metricName: 'auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9 } }), /"evaluation.metricName" \("auc"\): must be one of the metric definitions \(val_auc\)/],
    ['negative minImprovement', () => ({ evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9, minImprovement: -1 } }), /"evaluation.minImprovement" \(-1\)/],
    ['not a SageMaker instance type', () => ({ instanceType: 'g5.xlarge' }), /"instanceType" \("g5.xlarge"\): must be a SageMaker instance type/],
    ['dataset prefix without trailing slash', () => ({ datasetPrefix: 'datasets' }), /"datasetPrefix" \("datasets"\): must be a non-empty S3 key prefix/],
    ['model name not a DNS label', () => ({ modelName: 'Fraud_Model' }), /"modelName" \("Fraud_Model"\)/],
    ['unpinned non-ECR image', () => ({ trainingImage: TrainingImage.fromImageUri('images.example.com/library/pytorch:2.4') }), /"trainingImage".*pinned by digest/],
    ['maxRuntime beyond the frame limit', () => ({ maxRuntime: Duration.days(10) }), /"maxRuntime" \(864000\): must be an integer between 1 and 604800/],
    ['timeout over 24 days', () => ({ timeout: Duration.days(30) }), /"timeout" \("30 days"\): must be at most 24 days/],
    ['timeout over 24 days, not whole days', () => ({ timeout: Duration.hours(601) }), /"timeout" \("25 days 1 hour"\): must be at most 24 days/],
    ['model name over 40 characters', () => ({ modelName: 'a'.repeat(41) }), /"modelName" \("a{41}"\): must be 1-40 /],
    ['too many training attempts', () => ({ maxTrainingAttempts: 20 }), /"maxTrainingAttempts" \(20\)/],
    ['input mode', () => ({ inputMode: 'Stream' as any }), /"inputMode" \("Stream"\): must be one of "FastFile", "File", "Pipe"/],
    ['duplicate metric names', () => ({ metricDefinitions: [{ name: 'val_auc', regex: 'a=(1)' }, { name: 'val_auc', regex: 'b=(2)' }] }), /metric names must be unique/],
    ['uppercase group prefix', () => ({ modelPackageGroupPrefix: 'ML-' }), /"modelPackageGroupPrefix" \("ML-"\)/],
    ['baseline channel not a channel', () => ({ channels: ['train'], baselineChannel: 'holdout' }), /"baselineChannel" \("holdout"\): must be one of the channels \(train\)/],
    // Issue 13, defect 6 and issue 14, item 1.
    ['duplicate channel names', () => ({ channels: ['train', 'validation', 'train'] }), /"channels" \(\["train","validation","train"\]\): channel names must be unique \("train" is listed twice\)/],
    ['a size that does not exist', () => ({ instanceType: 'ml.g5.13xlarge' }), /"instanceType" \("ml.g5.13xlarge"\): must be a real size: ml.g5 comes in xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge/],
    ['a p4d size that does not exist', () => ({ instanceType: 'ml.p4d.12xlarge' }), /"instanceType" \("ml.p4d.12xlarge"\): must be a real size: ml.p4d comes in 24xlarge/],
    ['a CPU size that does not exist', () => ({ instanceType: 'ml.m5.3xlarge', allowCpuInstances: true }), /"instanceType" \("ml.m5.3xlarge"\): must be a real size: ml.m5 comes in/],
    ['not a training family', () => ({ instanceType: 'ml.x9z.xlarge', allowCpuInstances: true }), /"instanceType" \("ml.x9z.xlarge"\): must be a SageMaker training instance type; "x9z" is not a training instance family/],
    ['ECR image tagged latest', (s) => ({ trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(s, 'Latest', 'trainer'), 'latest') }), /"trainingImage" \("tag latest"\): must be pinned: a version tag other than "latest" or a digest/],
    ['ECR image without a tag', (s) => ({ trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(s, 'Untagged', 'trainer')) }), /"trainingImage" \("tag latest"\): must be pinned/],
    ['literal ECR URI tagged latest', () => ({ trainingImage: TrainingImage.fromImageUri('123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer:latest') }), /"trainingImage" \("123456789012.dkr.ecr.eu-west-1.amazonaws.com\/trainer:latest"\): must be pinned/],
    ['literal ECR URI without a tag', () => ({ trainingImage: TrainingImage.fromImageUri('123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer') }), /"trainingImage" .*must be pinned/],
    ['token model name', () => ({ modelName: Lazy.string({ produce: () => 'fraud' }) }), /"modelName" \(".*Token.*"\): must be a literal string, not a token/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    const stack = new Stack(testApp(), 'Invalid');
    let error: Error | undefined;
    try {
      new TrainingPipeline(stack, 'Pipeline', { ...baseProps(stack), ...props(stack) });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('MlopsValidationError');
    expect(error?.message).toMatch(/^\[cdk-mlops\] Invalid\/Pipeline: invalid prop /);
    expect(error?.message).toMatch(message);
  });

  test.each([
    ['a digest', (s: Stack) => TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(s, 'R', 'trainer'), DIGEST)],
    ['a version tag', (s: Stack) => TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(s, 'R', 'trainer'), '2.4.0-cu124')],
    ['a literal ECR URI with a version tag', () => TrainingImage.fromImageUri('123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer:2026.11.1')],
    ['a literal ECR URI by digest', () => TrainingImage.fromImageUri(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer@${DIGEST}`)],
  ])('a pinned image is accepted: %s', (_name, image) => {
    const stack = new Stack(testApp(), 'PinnedOk');
    expect(() => new TrainingPipeline(stack, 'P', { ...baseProps(stack), trainingImage: image(stack) })).not.toThrow();
  });

  test.each(['ml.g5.48xlarge', 'ml.g4dn.xlarge', 'ml.p5.48xlarge', 'ml.p4de.24xlarge', 'ml.trn1.32xlarge', 'ml.g6e.12xlarge', 'ml.p3.16xlarge'])('a real accelerated size is accepted: %s', (instanceType) => {
    const stack = new Stack(testApp(), 'SizeOk');
    expect(() => new TrainingPipeline(stack, 'P', { ...baseProps(stack), instanceType })).not.toThrow();
  });

  test('addModel with a token name reports MlopsValidationError', () => {
    const stack = new Stack(testApp(), 'TokenModel');
    const p = new TrainingPipeline(stack, 'P', baseProps(stack));
    expect(() => p.addModel(Lazy.string({ produce: () => 'churn' }))).toThrow(/TokenModel\/P: invalid prop "modelName" .*must be a literal string, not a token/);
  });

  test('a CPU type is accepted with allowCpuInstances', () => {
    const stack = new Stack(testApp(), 'Cpu');
    expect(() => new TrainingPipeline(stack, 'P', { ...baseProps(stack), instanceType: 'ml.m5.xlarge', allowCpuInstances: true })).not.toThrow();
  });
});

test('the example is cdk-nag (AwsSolutions) clean and its definition valid', () => {
  const app = testApp();
  const stack = new FraudTrainingStack(app, 'FraudTraining');
  const nag = synthWithNag(app);
  expect(nag.synthError).toBeUndefined();
  expect(nag.findings).toEqual([]);
  const t = Template.fromStack(stack);
  expect(validateAsl(definitionOf(t.toJSON())).errors).toEqual([]);
  t.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
  t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 2);
});
