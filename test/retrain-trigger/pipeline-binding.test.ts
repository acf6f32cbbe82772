import { Stack } from 'aws-cdk-lib';
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
  const records = Object.values<any>(out.Resources).filter((r) => r.Type === 'AWS::SSM::Parameter').map((r) => JSON.parse(r.Properties.Value));
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
