import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { parseModelConfig } from '../../lib/contracts/drift-monitor-config';
import {
  DriftFeatureType, DriftMonitor, DriftMonitorProps, DriftStatistic, ModelProblemType, MonitoredModel, MonitoredModelOptions, QualityStatistic,
} from '../../lib/monitoring/drift-monitor';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';

// One shared app for the template assertions, checked by cdk-nag (AwsSolutions).
const app = testApp();
const stack = new Stack(app, 'Mon');
const bucket = new s3.Bucket(stack, 'Capture', { enforceSSL: true, serverAccessLogsPrefix: 'access-logs/', encryption: s3.BucketEncryption.KMS });
const monitor = new DriftMonitor(stack, 'Drift', { captureBucket: bucket, alarmPrefix: 'fleet', namespace: 'Acme/Drift' });
const fraud = monitor.addModel({
  modelName: 'fraud', variants: ['primary', 'canary'], baselineKey: 'baselines/fraud/baseline.json', windowHours: 3,
  features: [{ name: 'amount', type: DriftFeatureType.NUMERIC, psi: 0.3 }, { name: 'country', type: DriftFeatureType.CATEGORICAL }],
  thresholds: { alpha: 0.001 },
  quality: { problemType: ModelProblemType.BINARY, labelDelayHours: 24, minAuc: 0.8, minRecall: 0.5 },
});
const churn = monitor.addModel({ modelName: 'churn', baselineKey: 'baselines/churn.json', datapointsToAlarm: 1, evaluationPeriods: 1 });
const other = s3.Bucket.fromBucketName(stack, 'Other', 'other-capture');
monitor.addModel({ modelName: 'ext', baselineKey: 'baselines/ext.json', captureBucket: other });
const nag = synthWithNag(app);
const template = Template.fromStack(stack);

function policyStatements(): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('DriftMonitor template', () => {
  test('cdk-nag (AwsSolutions) reports nothing unacknowledged', () => {
    expect(nag.synthError).toBeUndefined();
    expect(nag.findings).toEqual([]);
  });

  test('one scheduled rule: 20 minutes past every hour, passing the event time and the shard', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(20 * * * ? *)',
      Targets: [Match.objectLike({
        InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"time":<time>,"shard":0,"shards":1}' },
      })],
    });
  });

  test('one Node.js 24 handler, reserved concurrency 1, failures to a KMS-encrypted queue', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x', Handler: 'index.handler', ReservedConcurrentExecutions: 1, Timeout: 600, MemorySize: 1024,
      Environment: { Variables: { CONFIG_PATH: '/cdk-mlops/drift-monitor/fleet/', NAMESPACE: 'Acme/Drift', MONITOR_NAME: 'fleet', MODEL_CONCURRENCY: '4' } },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 30 });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', Match.arrayWith([':log-group:*'])] } } },
      })]) },
    });
  });

  test('alarm names share the prefix; the fleet health alarm is outside it', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.AlarmName).sort();
    expect(names).toEqual(['fleet-churn-drift', 'fleet-ext-drift', 'fleet-fraud-drift', 'fleet-fraud-quality', 'fleet.unmonitored-models']);
    expect(monitor.alarmPrefix).toBe('fleet');
    expect(names.filter((n) => n.startsWith(`${monitor.alarmPrefix}-`))).toHaveLength(4);
    expect(fraud.alarm.alarmName).toBeDefined();
    expect(churn.qualityAlarm).toBeUndefined();
  });

  test('each model alarm is a plain single-metric alarm: no metric math, explicit missing data, M of N', () => {
    for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[]) {
      expect(a.Properties.Metrics).toBeUndefined();
      expect(a.Properties.TreatMissingData).toBeDefined();
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'fleet-fraud-drift', Namespace: 'Acme/Drift', MetricName: 'DriftedFeatureCount',
      Dimensions: [{ Name: 'ModelName', Value: 'fraud' }], Statistic: 'Maximum', Period: 3600,
      Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2,
      TreatMissingData: 'missing',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'fleet-fraud-quality', MetricName: 'QualityBreachCount', Dimensions: [{ Name: 'ModelName', Value: 'fraud' }],
      Threshold: 1, TreatMissingData: 'missing',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'fleet-churn-drift', EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'fleet.unmonitored-models', MetricName: 'UnmonitoredModels', Dimensions: [{ Name: 'Monitor', Value: 'fleet' }],
      Statistic: 'Sum', TreatMissingData: 'breaching',
    });
  });

  test('per-model configuration: one Standard SSM parameter the handler can parse, thresholds included', () => {
    template.resourceCountIs('AWS::SSM::Parameter', 3);
    const params = Object.values(template.findResources('AWS::SSM::Parameter')) as any[];
    const fraudParam = params.find((p) => p.Properties.Name === '/cdk-mlops/drift-monitor/fleet/fraud');
    expect(fraudParam.Properties.Tier).toBe('Standard');
    // The value embeds the bucket name (a Ref); substitute it and parse with the handler's parser.
    const join = fraudParam.Properties.Value['Fn::Join'][1] as unknown[];
    const text = join.map((x) => (typeof x === 'string' ? x : 'resolved-bucket')).join('');
    const cfg = parseModelConfig(text);
    expect(cfg).toMatchObject({
      model: 'fraud', variants: ['primary', 'canary'], windowHours: 3, minSamples: 100, featureMetrics: true,
      capture: { bucket: 'resolved-bucket', prefix: 'capture/' },
      baseline: { bucket: 'resolved-bucket', key: 'baselines/fraud/baseline.json' },
      features: [{ name: 'amount', type: DriftFeatureType.NUMERIC, thresholds: { psi: 0.3 } }, { name: 'country', type: DriftFeatureType.CATEGORICAL }],
      thresholds: { alpha: 0.001 },
      quality: {
        bucket: 'resolved-bucket', prefix: 'labels/model=fraud/', delayHours: 24, problemType: ModelProblemType.BINARY,
        predictionPath: 'prediction', decisionThreshold: 0.5, minSamples: 30, thresholds: { minAuc: 0.8, minRecall: 0.5 },
      },
    });
  });

  test('least privilege: read-only S3 on the monitored prefixes, metrics only in the namespace, SSM only on the path', () => {
    const statements = policyStatements();
    const actions = new Set(statements.flatMap((s) => [].concat(s.Action)));
    for (const a of actions) {
      expect(a).toMatch(/^(s3:GetObject|s3:ListBucket|cloudwatch:PutMetricData|ssm:GetParametersByPath|logs:CreateLogStream|logs:PutLogEvents|kms:Decrypt|kms:Encrypt|kms:ReEncrypt\*|kms:GenerateDataKey\*|sqs:SendMessage|sqs:GetQueueAttributes|sqs:GetQueueUrl)$/);
    }
    const put = statements.find((s) => s.Action === 'cloudwatch:PutMetricData');
    expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Acme/Drift' } });
    const ssmRead = statements.find((s) => s.Action === 'ssm:GetParametersByPath');
    expect(JSON.stringify(ssmRead.Resource)).toContain(':parameter/cdk-mlops/drift-monitor/fleet"');
    const lists = statements.filter((s) => s.Action === 's3:ListBucket');
    expect(lists.map((s) => s.Condition.StringLike['s3:prefix']).sort()).toEqual([['baselines/*'], ['capture/*'], ['capture/model=ext/*'], ['labels/*']]);
    const gets = statements.filter((s) => s.Action === 's3:GetObject').map((s) => JSON.stringify(s.Resource));
    expect(gets.some((g) => g.includes('/capture/*'))).toBe(true);
    expect(gets.some((g) => g.includes('/baselines/*'))).toBe(true);
    expect(gets.some((g) => g.includes('/labels/*'))).toBe(true);
    expect(gets.some((g) => g.includes(':s3:::other-capture/capture/model=ext/*'))).toBe(true);
    // Decrypt on the capture bucket's key.
    expect(statements.some((s) => s.Action === 'kms:Decrypt' && JSON.stringify(s.Resource).includes('CaptureKey'))).toBe(true);
  });

  test('metrics: names and dimensions of the contract', () => {
    const m = fraud.metricFeatureDrift('amount', DriftStatistic.PSI, { dimensionsMap: { Variant: 'canary' } });
    expect(m.namespace).toBe('Acme/Drift');
    expect(m.metricName).toBe('FeatureDrift');
    expect(m.dimensions).toEqual({ ModelName: 'fraud', Variant: 'canary', Feature: 'amount', Statistic: 'psi' });
    expect(m.statistic).toBe('Maximum');
    expect(m.period.toSeconds()).toBe(3600);
    expect(fraud.metricFeatureDrift('country', DriftStatistic.CHI_SQUARE_P_VALUE).dimensions)
      .toEqual({ ModelName: 'fraud', Variant: 'primary', Feature: 'country', Statistic: 'chiSquarePValue' });
    expect(fraud.metricQuality(QualityStatistic.AUC).dimensions).toEqual({ ModelName: 'fraud', Statistic: 'auc' });
    expect(fraud.metricQuality(QualityStatistic.AUC, { dimensionsMap: { Variant: 'canary' } }).dimensions).toEqual({ ModelName: 'fraud', Variant: 'canary', Statistic: 'auc' });
    expect(fraud.metricSampleCount({ statistic: 'Sum', period: Duration.hours(3) }).statistic).toBe('Sum');
    expect(fraud.metricSampleCount({ period: Duration.hours(3) }).period.toSeconds()).toBe(3 * 3600);
    expect(fraud.metricSampleCount().dimensions).toEqual({ ModelName: 'fraud' });
    expect(fraud.metricDriftedFeatureCount().metricName).toBe('DriftedFeatureCount');
    expect(fraud.metricMalformedRecords({ dimensionsMap: { Variant: 'canary' } }).dimensions).toEqual({ ModelName: 'fraud', Variant: 'canary' });
    expect(fraud.metric('MalformedRecords').dimensions).toEqual({ ModelName: 'fraud' });
    const names = [fraud.metricLabeledSampleCount(), fraud.metricMalformedLabels(), fraud.metricQualityBreachCount()].map((x) => x.metricName);
    expect(names).toEqual(['LabeledSampleCount', 'MalformedLabels', 'QualityBreachCount']);
    expect(monitor.metricUnmonitoredModels().dimensions).toEqual({ Monitor: 'fleet' });
    expect(monitor.metricUnmonitoredModels().statistic).toBe('Sum');
    expect(monitor.metricMonitoredModels().metricName).toBe('MonitoredModels');
    expect(monitor.metric('UnmonitoredModels').dimensions).toEqual({ Monitor: 'fleet' });
    expect(monitor.modelNames.sort()).toEqual(['churn', 'ext', 'fraud']);
  });

  test('grantReadConfig gives another principal read access to the configuration path', () => {
    const s = new Stack(testApp(), 'G');
    const mon = new DriftMonitor(s, 'Drift', { captureBucket: new s3.Bucket(s, 'B') });
    const role = new iam.Role(s, 'Cli', { assumedBy: new iam.AccountRootPrincipal() });
    mon.grantReadConfig(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Cli') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['ssm:GetParametersByPath', 'ssm:GetParameter'] })] },
    });
  });
});

describe('per-model footprint (the thousand-model factory)', () => {
  function synthWith(models: number, quality: boolean) {
    const a = testApp();
    const s = new Stack(a, 'S');
    const mon = new DriftMonitor(s, 'Drift', { captureBucket: new s3.Bucket(s, 'B') });
    for (let i = 0; i < models; i++) {
      mon.addModel({ modelName: `model-${i}`, baselineKey: `baselines/model-${i}.json`, ...(quality ? { quality: { problemType: ModelProblemType.BINARY, minAuc: 0.8 } } : {}) });
    }
    const t = a.synth().getStackByName('S').template;
    const statements = Object.values(t.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((r) => r.Properties.PolicyDocument.Statement);
    const fn = Object.values(t.Resources as Record<string, any>).find((r) => r.Type === 'AWS::Lambda::Function');
    return {
      resources: Object.keys(t.Resources).length,
      bytes: JSON.stringify(t).length,
      statements: statements.length,
      env: Object.keys(fn.Properties.Environment.Variables).length,
    };
  }

  test('a model adds one parameter and one or two alarms; IAM, Lambda and rules stay constant', () => {
    const one = synthWith(1, true);
    const many = synthWith(101, true);
    expect(many.resources - one.resources).toBe(300);
    expect(many.statements).toBe(one.statements);
    expect(many.env).toBe(one.env);
    const bytesPerModel = (many.bytes - one.bytes) / 100;
    expect(bytesPerModel).toBeLessThan(2500);
    const noQuality = synthWith(101, false);
    expect(noQuality.resources - synthWith(1, false).resources).toBe(200);
  });

  test('over 500 resources in a stack is a clear synth error naming the way out', () => {
    const a = testApp();
    const s = new Stack(a, 'Big');
    const mon = new DriftMonitor(s, 'Drift', { captureBucket: new s3.Bucket(s, 'B') });
    for (let i = 0; i < 250; i++) mon.addModel({ modelName: `m-${i}`, baselineKey: `baselines/m-${i}.json` });
    expect(() => a.synth()).toThrow(/stack Big has 5\d\d resources, over CloudFormation's limit of 500.*new MonitoredModel\(otherStack/);
  });

  test('models can live in other stacks of the app: no IAM or Lambda there, no reference per model', () => {
    const a = testApp();
    const home = new Stack(a, 'Home');
    const mon = new DriftMonitor(home, 'Drift', { captureBucket: s3.Bucket.fromBucketName(home, 'B', 'capture-bucket'), alarmPrefix: 'fleet' });
    const shard = new Stack(a, 'Models1');
    for (let i = 0; i < 3; i++) new MonitoredModel(shard, `M${i}`, { monitor: mon, modelName: `m-${i}`, baselineKey: `baselines/m-${i}.json` });
    const t = Template.fromStack(shard);
    t.resourceCountIs('AWS::SSM::Parameter', 3);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.resourceCountIs('AWS::Lambda::Function', 0);
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-mlops/drift-monitor/fleet/m-0', Value: Match.stringLikeRegexp('"bucket":"capture-bucket"') });
    expect(JSON.stringify(t.toJSON())).not.toContain('Fn::ImportValue');
  });

  test('a window shorter than the schedule warns about the unmonitored hours', () => {
    const s = new Stack(testApp(), 'Gap');
    const mon = new DriftMonitor(s, 'Drift', { captureBucket: new s3.Bucket(s, 'B'), schedule: Duration.hours(6) });
    mon.addModel({ modelName: 'gappy', baselineKey: 'baselines/gappy.json', windowHours: 2 });
    mon.addModel({ modelName: 'covered', baselineKey: 'baselines/covered.json', windowHours: 6 });
    Annotations.fromStack(s).hasWarning('/Gap/Drift/Model-gappy', Match.stringLikeRegexp('4 hour\\(s\\) of capture between runs are never compared'));
    Annotations.fromStack(s).hasNoWarning('/Gap/Drift/Model-covered', Match.anyValue());
    Template.fromStack(s).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(20 0/6 * * ? *)' });
    Template.fromStack(s).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Gap-mlops-gappy-drift', Period: 21600 });
  });

  test('a large configuration moves to an Advanced parameter with a warning; too large is an error', () => {
    const s = new Stack(testApp(), 'Cfg');
    const mon = new DriftMonitor(s, 'Drift', { captureBucket: new s3.Bucket(s, 'B') });
    const features = (n: number, len: number) => Array.from({ length: n }, (_, i) => ({ name: `${'f'.repeat(len)}${i}`, psi: 0.3 }));
    mon.addModel({ modelName: 'mid', baselineKey: 'baselines/mid.json', features: features(60, 50) });
    Template.fromStack(s).hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-mlops/drift-monitor/S-mlops/mid'.replace('S-mlops', 'Cfg-mlops'), Tier: 'Advanced' });
    Annotations.fromStack(s).hasWarning('/Cfg/Drift/Model-mid', Match.stringLikeRegexp('Advanced parameter'));
    expect(() => mon.addModel({ modelName: 'big', baselineKey: 'baselines/big.json', features: features(150, 50) }))
      .toThrow(/invalid prop "features".*must fit an SSM parameter \(8192 bytes\)/);
  });
});

describe('invalid props fail with clear errors', () => {
  function monitorWith(props: Partial<DriftMonitorProps>): DriftMonitor {
    const s = new Stack(testApp(), 'V');
    return new DriftMonitor(s, 'Drift', { captureBucket: s3.Bucket.fromBucketName(s, 'B', 'my-bucket'), ...props });
  }
  function modelWith(opts: Partial<MonitoredModelOptions>): MonitoredModel {
    return monitorWith({}).addModel({ modelName: 'fraud', baselineKey: 'baselines/fraud.json', ...opts });
  }

  test.each<[string, () => unknown, RegExp]>([
    ['namespace reserved', () => monitorWith({ namespace: 'AWS/Lambda' }), /V\/Drift: invalid prop "namespace" \("AWS\/Lambda"\): must not start with "AWS\/"/],
    ['alarmPrefix with a space', () => monitorWith({ alarmPrefix: 'my fleet' }), /invalid prop "alarmPrefix" \("my fleet"\): must be 1-100 characters/],
    ['schedule not whole hours', () => monitorWith({ schedule: Duration.minutes(90) }), /invalid prop "schedule" \("1 hour 30 minutes"\): must be a whole number of hours dividing 24/],
    ['schedule in seconds', () => monitorWith({ schedule: Duration.seconds(90) }), /invalid prop "schedule" \("1 minute 30 seconds"\): must be a whole number of hours/],
    ['schedule not dividing a day', () => monitorWith({ schedule: Duration.hours(5) }), /invalid prop "schedule".*1, 2, 3, 4, 6, 8, 12, 24 hours/],
    ['scheduleMinute 60', () => monitorWith({ scheduleMinute: 60 }), /invalid prop "scheduleMinute" \(60\): must be an integer between 0 and 59/],
    ['shards 0', () => monitorWith({ shards: 0 }), /invalid prop "shards" \(0\): must be an integer between 1 and 20/],
    ['timeout over 15 minutes', () => monitorWith({ timeout: Duration.minutes(20) }), /invalid prop "timeout" \("20 minutes"\): must be between 1 and 15 minutes/],
    ['datapointsToAlarm > evaluationPeriods', () => monitorWith({ evaluationPeriods: 3, datapointsToAlarm: 4 }), /invalid prop "datapointsToAlarm" \(4\): must be an integer between 1 and 3/],
    ['evaluation range over 7 days', () => monitorWith({ schedule: Duration.hours(24), evaluationPeriods: 8 }), /invalid prop "evaluationPeriods" \(8\): times the schedule \(1 day\) must be at most 7 days/],
    ['capturePrefix starting with /', () => monitorWith({ capturePrefix: '/capture/' }), /invalid prop "capturePrefix" \("\/capture\/"\): must be empty or a key prefix ending in "\/"/],
    ['configPath without slashes', () => monitorWith({ configPath: 'models' }), /invalid prop "configPath" \("models"\): must start and end with "\/"/],
    ['modelName not a DNS label', () => modelWith({ modelName: 'Fraud_Model' }), /V\/Drift\/Model-Fraud_Model: invalid prop "modelName" \("Fraud_Model"\): must be a DNS-1123 label/],
    ['duplicate model', () => { const m = monitorWith({}); m.addModel({ modelName: 'a', baselineKey: 'baselines/a.json' }); return new MonitoredModel(m, 'Again', { monitor: m, modelName: 'a', baselineKey: 'baselines/a.json' }); }, /invalid prop "modelName" \("a"\): must be unique/],
    ['no variants', () => modelWith({ variants: [] }), /invalid prop "variants" \(\[\]\): must list 1-10 variants/],
    ['variant with capitals', () => modelWith({ variants: ['Primary'] }), /invalid prop "variants\[0\]" \("Primary"\)/],
    ['baseline outside the granted prefix', () => modelWith({ baselineKey: 'models/fraud.json' }), /invalid prop "baselineKey" \("models\/fraud.json"\): must start with the monitor's baselinePrefix "baselines\/"/],
    ['windowHours 0', () => modelWith({ windowHours: 0 }), /invalid prop "windowHours" \(0\): must be an integer between 1 and 168/],
    ['feature type', () => modelWith({ features: [{ name: 'x', type: 'text' as DriftFeatureType }] }), /invalid prop "features\[0\].type" \("text"\): must be one of "numeric", "categorical"/],
    ['duplicate feature', () => modelWith({ features: [{ name: 'x' }, { name: 'x' }] }), /invalid prop "features".*must not repeat a feature name/],
    ['per-feature alpha', () => modelWith({ features: [{ name: 'x', alpha: 0.05 }] }), /invalid prop "features\[0\].alpha" \(0.05\): applies to the whole model/],
    ['alpha over 1', () => modelWith({ thresholds: { alpha: 2 } }), /invalid prop "thresholds.alpha" \(2\): must be a finite number between 0 and 1/],
    ['threshold out of range', () => modelWith({ thresholds: { jensenShannon: 2 } }), /invalid prop "thresholds.jensenShannon" \(2\): must be a finite number between 0 and 1/],
    ['featuresPath unparsable', () => modelWith({ featuresPath: 'request[abc' }), /invalid prop "featuresPath" \("request\[abc"\): must be a JSON path/],
    ['problemType', () => modelWith({ quality: { problemType: 'multiclass' as ModelProblemType, minAccuracy: 0.9 } }), /invalid prop "quality.problemType" \("multiclass"\): must be one of "binary", "regression"/],
    ['regression threshold on binary', () => modelWith({ quality: { problemType: ModelProblemType.BINARY, maxRmse: 3 } }), /invalid prop "quality.maxRmse" \(3\): does not apply to problemType "binary"/],
    ['quality without thresholds', () => modelWith({ quality: { problemType: ModelProblemType.REGRESSION } }), /invalid prop "quality" \(undefined\): needs at least one threshold for the quality alarm: maxRmse, maxMae/],
    ['minAuc over 1', () => modelWith({ quality: { problemType: ModelProblemType.BINARY, minAuc: 1.5 } }), /invalid prop "quality.minAuc" \(1.5\): must be a finite number between 0 and 1/],
    ['negative label delay', () => modelWith({ quality: { problemType: ModelProblemType.BINARY, minAuc: 0.8, labelDelayHours: -1 } }), /invalid prop "quality.labelDelayHours" \(-1\)/],
    ['predictionPath', () => modelWith({ quality: { problemType: ModelProblemType.BINARY, minAuc: 0.8, predictionPath: 'a..b' } }), /invalid prop "quality.predictionPath" \("a..b"\)/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});
