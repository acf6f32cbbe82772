import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DriftMonitor, RetrainModelOptions, RetrainTrigger } from '../../lib';
import { definitionOf, validateAsl } from '../util/asl';
import { testApp } from '../util/synth';

function fixture(id = 'S') {
  const stack = new Stack(testApp(), id);
  const training = sfn.StateMachine.fromStateMachineName(stack, 'Training', 'fraud-training');
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'gpu',
    clusterEndpoint: 'https://example.eks.amazonaws.com',
    clusterCertificateAuthorityData: 'Q0E=',
  });
  const alarm = cloudwatch.Alarm.fromAlarmName(stack, 'CanaryErrors', 'fraud-canary-errors');
  const model = (o: Partial<RetrainModelOptions> = {}): RetrainModelOptions => ({
    modelName: 'fraud',
    cluster,
    namespace: 'fraud',
    primaryDeployment: 'fraud-primary',
    canaryDeployment: 'fraud-canary',
    primaryService: 'fraud-primary',
    canaryService: 'fraud-canary',
    servicePort: 80,
    ingressName: 'fraud',
    ingressActionName: 'weighted-routing',
    canaryAlarms: [alarm],
    initialModelArtifactUri: 's3://models-bucket/fraud/v7/',
    initialModelVersion: 'v7',
    ...o,
  });
  return { stack, training, cluster, alarm, model };
}

// One shared stack for the template assertions.
const f = fixture();
const trigger = new RetrainTrigger(f.stack, 'Retrain', { trainingStateMachine: f.training, alarmPrefix: 'prod-mlops' });
trigger.addModel(f.model());
trigger.addModel(f.model({ modelName: 'churn', namespace: 'churn', primaryDeployment: 'churn-primary', canaryDeployment: 'churn-canary', requireApproval: true }));
const template = Template.fromStack(f.stack);
const json = template.toJSON();

describe('RetrainTrigger template', () => {
  test('one rule (prefix match on the alarm name, ALARM only), one state machine, for any number of models', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::SSM::Parameter', 3); // two model records and the trigger's operations record
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        $or: Match.arrayWith([Match.objectLike({ detail: { alarmName: [{ prefix: 'prod-mlops-' }], state: { value: ['ALARM'] } } })]),
      },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  test('the starter runs on the newest Node.js runtime with the trigger settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: { Variables: Match.objectLike({ ALARM_PREFIX: 'prod-mlops', ALARM_SUFFIXES: '-drift,-quality', MANUAL_SOURCE: 'cdk-mlops.retrain', CONFIG_PREFIX: '/cdk-mlops/retrain/prod-mlops/' }) },
    });
  });

  test('asl-validator accepts the definition', () => {
    expect(validateAsl(definitionOf(json)).errors).toEqual([]);
  });

  test('an imported cluster without kubectl provider: a warning tells which RBAC to bind', () => {
    Annotations.fromStack(f.stack).hasWarning('/S/Retrain', Match.stringLikeRegexp('bind Kubernetes group "cdk-mlops-retrain-[0-9a-f]+" to get/patch of deployments fraud-primary, fraud-canary'));
    template.resourceCountIs('AWS::EKS::AccessEntry', 1);
  });

  test('a schedule adds one scheduled rule', () => {
    const g = fixture('Sched');
    new RetrainTrigger(g.stack, 'Retrain', { trainingStateMachine: g.training, alarmPrefix: 'p', schedule: events.Schedule.rate(Duration.days(30)) });
    const t = Template.fromStack(g.stack);
    t.resourceCountIs('AWS::Events::Rule', 2);
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 days)' });
  });

  test('grantApprove and grantManualStart', () => {
    const g = fixture('Grants');
    const t = new RetrainTrigger(g.stack, 'Retrain', { trainingStateMachine: g.training, alarmPrefix: 'p' });
    const role = new (require('aws-cdk-lib/aws-iam').Role)(g.stack, 'Ops', { assumedBy: new (require('aws-cdk-lib/aws-iam').AccountRootPrincipal)() });
    t.grantApprove(role);
    t.grantManualStart(role);
    const statements = Template.fromStack(g.stack).findResources('AWS::IAM::Policy');
    const text = JSON.stringify(statements);
    expect(text).toContain('states:SendTaskSuccess');
    expect(text).toContain('"events:source":"cdk-mlops.retrain"');
  });
});

describe('RetrainTrigger invalid props', () => {
  const cases: [string, (g: ReturnType<typeof fixture>) => void, RegExp][] = [
    ['no alarm prefix', (g) => new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training }), /invalid prop "alarmPrefix" \(undefined\): give alarmPrefix or driftMonitor/],
    ['no training state machine', (g) => new RetrainTrigger(g.stack, 'T', { alarmPrefix: 'a' }), /invalid prop "trainingStateMachine" \(undefined\): give exactly one of trainingPipeline and trainingStateMachine/],
    ['bad alarm prefix', (g) => new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'has space' }), /S\/T: invalid prop "alarmPrefix" \("has space"\): must be 1-100 characters/],
    ['prefix differs from the drift monitor', (g) => {
      const monitor = new DriftMonitor(g.stack, 'Drift', { captureBucket: new s3.Bucket(g.stack, 'Capture'), alarmPrefix: 'b' });
      new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a', driftMonitor: monitor });
    }, /invalid prop "alarmPrefix" \("a"\): must equal driftMonitor.alarmPrefix \("b"\)/],
    ['empty suffix list', (g) => new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a', alarmSuffixes: [] }), /invalid prop "alarmSuffixes".*at least one suffix/],
    ['approval timeout too short', (g) => new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a', approvalTimeout: Duration.seconds(10) }), /invalid prop "approvalTimeout" \("10 seconds"\): must be between 1 minute and 7 days/],
    ['AWS/ namespace', (g) => new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a', metricNamespace: 'AWS/Retrain' }), /invalid prop "metricNamespace".*must not start with "AWS\/"/],
    ['config path without slashes', (g) => new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a', configPath: 'retrain' }), /invalid prop "configPath" \("retrain"\): must start and end with "\/"/],
  ];
  const modelCases: [string, Partial<RetrainModelOptions>, RegExp][] = [
    ['bad model name', { modelName: 'Fraud_Model' }, /invalid prop "modelName" \("Fraud_Model"\): must be a DNS-1123 label/],
    ['canary weight 0', { canaryWeight: 0 }, /invalid prop "canaryWeight" \(0\): must be an integer between 1 and 50/],
    ['canary weight over half', { canaryWeight: 60 }, /invalid prop "canaryWeight" \(60\): must be an integer between 1 and 50/],
    ['no canary alarms', { canaryAlarms: [] }, /invalid prop "canaryAlarms" \(0\): must hold between 1 and 100 alarms/],
    ['same deployment for both variants', { canaryDeployment: 'fraud-primary' }, /invalid prop "canaryDeployment" \("fraud-primary"\): must differ from primaryDeployment/],
    ['artifact not an s3 URI', { initialModelArtifactUri: 'https://x/y' }, /invalid prop "initialModelArtifactUri" \("https:\/\/x\/y"\): must be an s3:\/\/bucket\/key URI/],
    ['unknown budget period', { budgetPeriod: 'year' as any }, /invalid prop "budgetPeriod" \("year"\): must be one of "day", "week", "month"/],
    ['too many bake checks', { bakeChecks: 12 }, /invalid prop "bakeChecks" \(12\): must be an integer between 1 and 6/],
    ['bake time too short', { bakeTime: Duration.seconds(5) }, /invalid prop "bakeTime" \("5 seconds"\): must be between 1 minute and 7 days/],
    ['zero retrains per period', { maxRetrainsPerPeriod: 0 }, /invalid prop "maxRetrainsPerPeriod" \(0\): must be an integer between 1 and 1000/],
    ['service port out of range', { servicePort: 70000 }, /invalid prop "servicePort" \(70000\): must be an integer between 1 and 65535/],
    ['lock shorter than an execution may run', { maxRunTime: Duration.hours(10) }, /invalid prop "maxRunTime" \("36000 seconds"\): must be between the state machine timeout \(280800 seconds\) and 60 days/],
  ];

  test.each(cases)('%s', (_name, make, message) => {
    expect(() => make(fixture())).toThrow(message);
  });

  test.each(modelCases)('%s', (_name, options, message) => {
    const g = fixture();
    const t = new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a' });
    expect(() => t.addModel(g.model(options))).toThrow(message);
    // Every message names the construct path and the prop.
    expect(() => t.addModel(g.model(options))).toThrow(/^\[cdk-mlops\] S\/T: invalid prop "/);
  });

  test('the DriftMonitor baseline copy: where it reads and writes must be known and well-formed', () => {
    const g = fixture();
    const t = new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a' });
    const monitorBucket = s3.Bucket.fromBucketName(g.stack, 'Monitor', 'monitor-bucket');
    const outputBucket = s3.Bucket.fromBucketName(g.stack, 'Output', 'training-output');
    expect(() => t.addModel(g.model({ monitorBaseline: { bucket: monitorBucket, key: 'baselines/fraud/current.json' } })))
      .toThrow(/S\/T: invalid prop "baselineSource" \(undefined\): is required to copy the champion's baseline when the trigger has a trainingStateMachine/);
    expect(() => t.addModel(g.model({ monitorBaseline: { bucket: monitorBucket, key: 'baselines/fraud/' }, baselineSource: { bucket: outputBucket, prefix: 'models/fraud/' } })))
      .toThrow(/invalid prop "monitorBaseline.key" \("baselines\/fraud\/"\): must be an S3 object key/);
    expect(() => t.addModel(g.model({ monitorBaseline: { bucket: monitorBucket, key: 'baselines/fraud/current.json' }, baselineSource: { bucket: outputBucket, prefix: 'models/fraud' } })))
      .toThrow(/invalid prop "baselineSource.prefix" \("models\/fraud"\): must be an S3 key prefix ending in "\/"/);
    // Well-formed: the record names the destination, the role may read the source prefix and write the key (and its kept copy).
    t.addModel(g.model({ monitorBaseline: { bucket: monitorBucket, key: 'baselines/fraud/current.json' }, baselineSource: { bucket: outputBucket, prefix: 'models/fraud/' } }));
    const out = Template.fromStack(g.stack).toJSON();
    const record = JSON.parse(Object.values<any>(out.Resources).find((r) => r.Type === 'AWS::SSM::Parameter' && !String(r.Properties.Name).startsWith('/cdk-mlops/operations/')).Properties.Value);
    expect(record.monitorBaseline).toEqual({ bucket: 'monitor-bucket', key: 'baselines/fraud/current.json' });
    const statements = Object.values<any>(out.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((r) => r.Properties.PolicyDocument.Statement);
    const text = (sid: string) => JSON.stringify(statements.find((st: any) => st.Sid === sid));
    expect(text('ReadCandidateBaselines')).toContain(':s3:::training-output/models/fraud/*');
    expect(text('ReadCandidateBaselines')).toContain(':s3:::monitor-bucket/baselines/fraud/current.json.previous');
    expect(text('WriteMonitorBaselines')).toContain(':s3:::monitor-bucket/baselines/fraud/current.json"');
    expect(text('WriteMonitorBaselines')).not.toContain('training-output');
    // Imported buckets without a key: no KMS statements.
    expect(statements.some((st: any) => st.Sid === 'DecryptCandidateBaselines' || st.Sid === 'EncryptMonitorBaselines')).toBe(false);
    // A model without a monitor baseline has no such record field.
    const plain = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::SSM::Parameter' && !String(r.Properties.Name).startsWith('/cdk-mlops/operations/')).map((r) => JSON.parse(r.Properties.Value));
    expect(plain.map((r) => r.monitorBaseline)).toEqual([undefined, undefined]);
  });

  test('a model registered twice', () => {
    const g = fixture();
    const t = new RetrainTrigger(g.stack, 'T', { trainingStateMachine: g.training, alarmPrefix: 'a' });
    t.addModel(g.model());
    expect(() => t.addModel(g.model())).toThrow(/invalid prop "modelName" \("fraud"\): is already registered/);
  });
});
