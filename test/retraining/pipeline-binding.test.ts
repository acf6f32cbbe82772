import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ApprovalPolicy, MetricDirection, RetrainModelOptions, RetrainTrigger, TrainingImage, TrainingPipeline, TrainingPipelineProps } from '../../lib';
import { definitionOf } from '../util/asl';
import { testApp } from '../util/synth';

// A RetrainTrigger bound to a real TrainingPipeline (constructed, not deployed).
function pipeline(stack: Stack, id: string, o: Partial<TrainingPipelineProps> = {}): TrainingPipeline {
  return new TrainingPipeline(stack, id, {
    modelName: 'fraud',
    trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, `${id}Repo`, 'trainer'), 'v1'),
    datasetBucket: s3.Bucket.fromBucketName(stack, `${id}Data`, 'data-bucket'),
    datasetPrefix: 'datasets/',
    outputBucket: s3.Bucket.fromBucketName(stack, `${id}Out`, 'out-bucket'),
    metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=([0-9.]+)' }],
    evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.9 },
    ...o,
  });
}

describe('RetrainTrigger with a TrainingPipeline: approval policy', () => {
  const stack = new Stack(testApp(), 'S');
  const auto = pipeline(stack, 'Auto');
  const manual = pipeline(stack, 'Manual', { approval: ApprovalPolicy.MANUAL });
  new RetrainTrigger(stack, 'OnAuto', { trainingPipeline: auto, alarmPrefix: 'a' });
  new RetrainTrigger(stack, 'OnManual', { trainingPipeline: manual, alarmPrefix: 'b' });
  const annotations = Annotations.fromStack(stack);

  test('the pipeline exposes its (defaulted) approval policy', () => {
    expect(auto.approval).toBe(ApprovalPolicy.AUTO);
    expect(manual.approval).toBe(ApprovalPolicy.MANUAL);
  });

  test('an AUTO-approving pipeline gets a warning on the trigger; a MANUAL one none', () => {
    annotations.hasWarning('/S/OnAuto', Match.stringLikeRegexp('cdk-mlops:auto-approval'));
    annotations.hasWarning('/S/OnAuto', Match.stringLikeRegexp('S/Auto registers candidates as Approved .*ApprovalPolicy.MANUAL'));
    annotations.hasNoWarning('/S/OnManual', Match.anyValue());
  });
});

function modelOptions(stack: Stack, o: Partial<RetrainModelOptions>): RetrainModelOptions {
  const cluster = eks.Cluster.fromClusterAttributes(stack, `Cluster-${o.modelName}`, {
    clusterName: 'gpu',
    clusterEndpoint: 'https://example.eks.amazonaws.com',
    clusterCertificateAuthorityData: 'Q0E=',
  });
  return {
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
    canaryAlarms: [cloudwatch.Alarm.fromAlarmName(stack, `Alarm-${o.modelName}`, `${o.modelName}-canary-errors`)],
    initialModelArtifactUri: 's3://models-bucket/fraud/v7/',
    initialModelVersion: 'v7',
    ...o,
  };
}

describe('RetrainTrigger with a TrainingPipeline: the trained model name', () => {
  const stack = new Stack(testApp(), 'S');
  const training = pipeline(stack, 'P', { approval: ApprovalPolicy.MANUAL });
  const trigger = new RetrainTrigger(stack, 'T', { trainingPipeline: training, alarmPrefix: 'a' });
  const monitorBucket = s3.Bucket.fromBucketName(stack, 'Monitor', 'monitor-bucket');
  // One model trained under its own name, one under the name its trainingInput sets.
  trigger.addModel(modelOptions(stack, { modelName: 'fraud', monitorBaseline: { bucket: monitorBucket, key: 'baselines/fraud.json' } }));
  trigger.addModel(modelOptions(stack, {
    modelName: 'churn', namespace: 'churn', primaryDeployment: 'churn-primary', canaryDeployment: 'churn-canary',
    trainingInput: { modelName: 'churn-v2', instanceType: 'ml.g5.xlarge' },
    monitorBaseline: { bucket: monitorBucket, key: 'baselines/churn.json' },
  }));
  const out = Template.fromStack(stack).toJSON();
  const records = Object.values<any>(out.Resources).filter((r) => r.Type === 'AWS::SSM::Parameter' && !String(r.Properties.Name).startsWith('/cdk-mlops/operations/')).map((r) => JSON.parse(r.Properties.Value));
  const record = (name: string) => records.find((r) => r.modelName === name);
  const machineId = Object.keys(out.Resources).find((id) => id.startsWith('TStateMachine') && out.Resources[id].Type === 'AWS::StepFunctions::StateMachine');
  const asl = definitionOf(out, machineId);
  const reads = JSON.stringify(Object.values<any>(out.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => r.Properties.PolicyDocument.Statement).find((st: any) => st.Sid === 'ReadCandidateBaselines'));

  test('the record\'s trainingInput names the model trained: the model\'s name unless trainingInput sets one', () => {
    expect(record('fraud').trainingInput).toEqual({ modelName: 'fraud' });
    expect(record('churn').trainingInput).toEqual({ modelName: 'churn-v2', instanceType: 'ml.g5.xlarge' });
  });

  test('TrainingContext does not override trainingInput.modelName', () => {
    expect(Object.keys(asl.States.TrainingContext.Parameters).sort()).toEqual(['_champion.$', '_retrainExecutionId.$', '_trigger.$']);
    expect(asl.States.Train.Parameters['Input.$']).toBe('States.JsonMerge($.config.trainingInput, $.trainingContext, false)');
  });

  test('the baseline copy reads the candidate prefix of the model actually trained', () => {
    expect(reads).toContain('/training/models/fraud/*');
    expect(reads).toContain('/training/models/churn-v2/*');
    expect(reads).not.toContain('/training/models/churn/*');
  });

  test('a non-string trainingInput.modelName is rejected', () => {
    const g = new Stack(testApp(), 'G');
    const t = new RetrainTrigger(g, 'T', { trainingPipeline: pipeline(g, 'P', { approval: ApprovalPolicy.MANUAL }), alarmPrefix: 'a' });
    expect(() => t.addModel(modelOptions(g, { modelName: 'fraud', trainingInput: { modelName: 7 } })))
      .toThrow(/invalid prop "trainingInput.modelName" \(7\): must be a string/);
  });
});

describe('RetrainTrigger with a TrainingPipeline: training timeout', () => {
  const stack = new Stack(testApp(), 'S');
  const short = pipeline(stack, 'Short', { approval: ApprovalPolicy.MANUAL, timeout: Duration.days(3) });
  const long = pipeline(stack, 'Long', { approval: ApprovalPolicy.MANUAL });
  const onShort = new RetrainTrigger(stack, 'OnShort', { trainingPipeline: short, alarmPrefix: 'a' });
  const onLong = new RetrainTrigger(stack, 'OnLong', { trainingPipeline: long, alarmPrefix: 'b' });
  const explicit = new RetrainTrigger(stack, 'Explicit', { trainingPipeline: long, alarmPrefix: 'c', trainingTimeout: Duration.hours(30) });
  for (const [t, n] of [[onShort, 'x'], [onLong, 'y'], [explicit, 'z']] as const) t.addModel(modelOptions(stack, { modelName: n }));
  const out = Template.fromStack(stack).toJSON();
  const machine = (prefix: string) => {
    const id = Object.keys(out.Resources).find((k) => k.startsWith(`${prefix}StateMachine`) && out.Resources[k].Type === 'AWS::StepFunctions::StateMachine')!;
    return definitionOf(out, id);
  };
  const record = (name: string) => Object.values<any>(out.Resources).filter((r) => r.Type === 'AWS::SSM::Parameter' && !String(r.Properties.Name).startsWith('/cdk-mlops/operations/'))
    .map((r) => JSON.parse(r.Properties.Value)).find((r) => r.modelName === name);
  const day = 86400;
  // Training, twice the approval timeout (24 h), 6 h for everything else.
  const machineSeconds = (training: number) => training + 2 * day + 6 * 3600;

  test('the pipeline exposes its (defaulted) execution timeout', () => {
    expect(short.timeout.toSeconds()).toBe(3 * day);
    expect(long.timeout.toSeconds()).toBe(14 * day);
  });

  test('the Train step defaults to the pipeline\'s timeout, so a full-length execution is not cut short', () => {
    expect(machine('OnShort').States.Train.TimeoutSeconds).toBe(3 * day);
    expect(machine('OnLong').States.Train.TimeoutSeconds).toBe(14 * day);
    expect(machine('Explicit').States.Train.TimeoutSeconds).toBe(30 * 3600);
  });

  test('the state machine timeout and the lock TTL follow (lock TTL >= state machine timeout)', () => {
    for (const [prefix, model, training] of [['OnShort', 'x', 3 * day], ['OnLong', 'y', 14 * day], ['Explicit', 'z', 30 * 3600]] as const) {
      expect({ prefix, timeout: machine(prefix).TimeoutSeconds }).toEqual({ prefix, timeout: machineSeconds(training) });
      expect({ prefix, ttl: record(model).lockTtlSeconds }).toEqual({ prefix, ttl: machineSeconds(training) + 3600 });
    }
  });
});
