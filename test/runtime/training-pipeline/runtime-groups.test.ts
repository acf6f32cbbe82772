// createModelPackageGroupsAtRunTime: one pipeline for many models without one
// CloudFormation resource per model (what ModelFactory uses). Template and IAM
// assertions, then executions of the synthesized definition.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MetricDirection, TrainingImage, TrainingPipeline } from '../../../lib/training/training-pipeline';
import { describeImages, FakeS3, lambdaTask, RegistrySimulator, s3PutObject, TopicSimulator, TrainingSimulator } from '../../training/simulators';
import { definitionOf, runAsl, taskError, validateAsl } from '../../util/asl';
import { testApp } from '../../util/synth';

const DATA = 'fleet-datasets';
const OUT = 'fleet-models';

function props(stack: Stack) {
  return {
    modelName: 'churn',
    trainingImage: TrainingImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'fleet-trainer'), 'v1'),
    datasetBucket: s3.Bucket.fromBucketName(stack, 'Data', DATA),
    datasetPrefix: 'datasets/',
    outputBucket: s3.Bucket.fromBucketName(stack, 'Out', OUT),
    channels: ['train', 'validation'],
    metricDefinitions: [{ name: 'val_auc', regex: 'val_auc=([0-9.]+)' }],
    evaluation: { metricName: 'val_auc', direction: MetricDirection.MAXIMIZE, threshold: 0.8 },
  };
}

const stack = new Stack(testApp(), 'RunTimeGroups');
const pipeline = new TrainingPipeline(stack, 'Fleet', { ...props(stack), modelPackageGroupPrefix: 'mlops-', createModelPackageGroupsAtRunTime: true });
const names = ['ltv', 'eta', 'rank'].map((m) => pipeline.addModel(m));
const template = Template.fromStack(stack);
const asl = definitionOf(template.toJSON());

test('no model package group resource, whatever the number of models', () => {
  template.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
  expect(pipeline.modelPackageGroupName).toBe('mlops-churn');
  expect(names).toEqual(['mlops-ltv', 'mlops-eta', 'mlops-rank']);
});

test('the state machine may create groups under the prefix only', () => {
  const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [].concat(s.Action).includes('sagemaker:CreateModelPackageGroup' as never));
  expect(statements).toHaveLength(1);
  expect(JSON.stringify(statements[0].Resource)).toContain(':model-package-group/mlops-*');
});

test('the definition is valid ASL and ensures the group before registering', () => {
  expect(validateAsl(asl)).toEqual({ isValid: true, errors: [] });
  expect(asl.States.EvaluateCandidate.Next).toBe('EnsureModelPackageGroup');
  expect(asl.States.EnsureModelPackageGroup.Next).toBe('RegisterModelPackage');
});

test('EnsureModelPackageGroup catches every error (States.Timeout too), so registration decides and a failure takes the failure path', () => {
  expect(asl.States.EnsureModelPackageGroup.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'RegisterModelPackage' }]);
});

function world(groupExists: boolean) {
  const store = new FakeS3();
  const rows = (n: number) => ['amount,merchant,label', ...Array.from({ length: n }, (_, i) => `${i * 3.5},${['a', 'b'][i % 2]},${i % 4 === 0 ? 1 : 0}`)].join('\n');
  store.put(DATA, 'datasets/eta/train/part-0000.csv', rows(200));
  store.put(DATA, 'datasets/eta/validation/part-0000.csv', rows(80));
  const registry = new RegistrySimulator();
  const topic = new TopicSimulator();
  const created: string[] = [];
  const fn = lambdaTask(store);
  const handlers = {
    SnapshotDataset: fn,
    ResolveImageDigest: describeImages,
    TrainModel: new TrainingSimulator(store, ['complete'], { val_auc: 0.9 }).handle,
    ComputeBaseline: fn,
    EvaluateCandidate: fn,
    EnsureModelPackageGroup: (req: any) => {
      if (groupExists) throw taskError('SageMaker.ValidationException', `Model Package Group ${req.ModelPackageGroupName} already exists`);
      created.push(req.ModelPackageGroupName);
      return { ModelPackageGroupArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package-group/${req.ModelPackageGroupName}` };
    },
    RegisterModelPackage: registry.create,
    NotifyOutcome: topic.publish,
    RecordFailure: s3PutObject(store),
    NotifyFailure: topic.publish,
  };
  return { created, handlers, topic, run: () => runAsl(asl, { modelName: 'eta' }, { handlers, executionName: 'retrain-eta-1' }) };
}

test('a new model: the group is created, then the candidate registered in it', async () => {
  const w = world(false);
  const r = await w.run();
  expect(r.status).toBe('SUCCEEDED');
  expect(w.created).toEqual(['mlops-eta']);
  expect(r.path).toEqual(expect.arrayContaining(['EvaluateCandidate', 'EnsureModelPackageGroup', 'RegisterModelPackage', 'ModelRegistered']));
  expect(r.output.modelPackageGroupName).toBe('mlops-eta');
});

test('an existing group: the error is caught and registration goes on', async () => {
  const w = world(true);
  const r = await w.run();
  expect(r.status).toBe('SUCCEEDED');
  expect(w.created).toEqual([]);
  expect(r.caught).toContain('EnsureModelPackageGroup');
  expect(r.output.modelPackageArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-eta/1');
});

test('a timed-out group creation: registration in the missing group fails and the failure is recorded and notified', async () => {
  const w = world(false);
  const handlers = w.handlers as any;
  handlers.EnsureModelPackageGroup = () => { throw taskError('States.Timeout', 'Task timed out'); };
  handlers.RegisterModelPackage = (req: any) => { throw taskError('SageMaker.ResourceNotFound', `Model Package Group ${req.ModelPackageGroupName} does not exist`); };
  const r = await w.run();
  expect(r.status).toBe('FAILED');
  expect(r.path).toEqual(expect.arrayContaining(['EnsureModelPackageGroup', 'RegisterModelPackage', 'RecordFailure', 'NotifyFailure']));
  expect(w.topic.messages.some((m: any) => JSON.stringify(m).includes('SageMaker.ResourceNotFound'))).toBe(true);
});

test('needs a prefix; the default keeps one resource per model', () => {
  const s = new Stack(testApp(), 'NoPrefix');
  expect(() => new TrainingPipeline(s, 'P', { ...props(s), createModelPackageGroupsAtRunTime: true }))
    .toThrow(/invalid prop "createModelPackageGroupsAtRunTime" \(true\): needs a modelPackageGroupPrefix/);
  const d = new Stack(testApp(), 'Default');
  const p = new TrainingPipeline(d, 'P', { ...props(d), modelPackageGroupPrefix: 'ml-' });
  p.addModel('x');
  Template.fromStack(d).resourceCountIs('AWS::SageMaker::ModelPackageGroup', 2);
});
