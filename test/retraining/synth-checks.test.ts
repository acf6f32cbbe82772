// Per-model retraining settings and the endpoint/pipeline wiring fail at synth (issue 14, item 1), not weeks
// later when an alarm fires: the trainingInput literals are checked with the code the pipeline's handler runs.
import { App, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ClosedLoopStack } from '../../examples/closed-loop';
import { fleetSpecs, ModelFactoryStack } from '../../examples/model-factory';
import { ModelEndpoint, RetrainEndpointOptions } from '../../lib';
import { MlopsValidationError } from '../../lib/core/validation';
import { testApp } from '../util/synth';

/** The closed-loop example plus a second model `fraud-us` on the same cluster and loop, with `o` changed. */
function addSecondModel(o: { prefix?: string; trainingInput?: RetrainEndpointOptions['trainingInput'] }): () => void {
  const stack = new ClosedLoopStack(new App({ context: { 'aws:cdk:disable-asset-staging': true } }), 'P');
  return () => {
    const us = new ModelEndpoint(stack, 'EndpointUs', {
      cluster: stack.endpoint.cluster,
      modelName: 'fraud-us',
      image: 'example/fraud-scoring-server:1.4.2',
      modelArtifact: { bucket: stack.endpoint.modelArtifact.bucket, prefix: o.prefix ?? 'training/models/fraud-us/' },
      port: 8080,
      resources: { cpu: '3', memory: '12Gi', gpuCount: 1 },
      autoscaling: { minReplicas: 2, maxReplicas: 10 },
      variants: [
        { name: 'primary', modelVersion: 'v3', weight: 100, minReplicas: 2, maxReplicas: 10 },
        { name: 'canary', modelVersion: 'v3', weight: 0, minReplicas: 1, maxReplicas: 2 },
      ],
    });
    const alarm = new cloudwatch.Alarm(stack, 'UsErrors', {
      metric: us.metricErrors({ variant: 'canary', period: Duration.minutes(1) }), threshold: 5, evaluationPeriods: 3,
    });
    stack.trigger.addModelEndpoint(us, { canaryAlarms: [alarm], trainingInput: o.trainingInput ?? { modelName: 'fraud-us' } });
  };
}

function errorOf(f: () => void): MlopsValidationError {
  try {
    f();
  } catch (e) {
    if (e instanceof MlopsValidationError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('RetrainTrigger.addModelEndpoint: trainingInput literals are checked at synth', () => {
  test('a correct second model is accepted', () => {
    expect(addSecondModel({})).not.toThrow();
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a CPU instance type', { modelName: 'fraud-us', instanceType: 'ml.m5.xlarge' },
      /P\/Retrain: invalid prop "models\[fraud-us\]\.trainingInput\.instanceType" \("ml\.m5\.xlarge"\): must be a GPU\/accelerator type/],
    ['a size that does not exist', { modelName: 'fraud-us', instanceType: 'ml.g5.13xlarge' },
      /P\/Retrain: invalid prop "models\[fraud-us\]\.trainingInput\.instanceType" \("ml\.g5\.13xlarge"\)/],
    ['an unknown key', { modelName: 'fraud-us', instanceTyp: 'ml.g5.2xlarge' },
      /P\/Retrain: invalid prop "models\[fraud-us\]\.trainingInput(\.instanceTyp)?".*instanceTyp/],
    ['direction: \'up\'', { modelName: 'fraud-us', evaluation: { metricName: 'validation:auc', direction: 'up', threshold: 0.8 } },
      /P\/Retrain: invalid prop "models\[fraud-us\]\.trainingInput\.evaluation\.direction" \("up"\)/],
    ['an objective missing from metricDefinitions', { modelName: 'fraud-us', evaluation: { metricName: 'validation:f1', direction: 'maximize', threshold: 0.8 } },
      /P\/Retrain: invalid prop "models\[fraud-us\]\.trainingInput\.evaluation\.metricName" \("validation:f1"\): must be one of the metric definitions \(validation:auc\)/],
  ])('%s fails with MlopsValidationError naming the path and the prop', (_what, trainingInput, re) => {
    const e = errorOf(addSecondModel({ trainingInput }));
    expect(e.message).toMatch(re);
  });
});

describe('cdk-mlops:artifact-prefix: the endpoint must be able to read the champion the pipeline writes', () => {
  test('an endpoint prefix outside <modelOutputPrefix><model>/ fails, saying what to set', () => {
    const e = errorOf(addSecondModel({ prefix: 'models/fraud-us/' }));
    expect(e.message).toMatch(/P\/Retrain: invalid prop "addModelEndpoint\(P\/EndpointUs\)\.modelArtifact\.prefix" \("models\/fraud-us\/"\)/);
    expect(e.message).toMatch(/cdk-mlops:artifact-prefix: a prefix of "training\/models\/fraud-us\/", where P\/Training writes the candidates/);
    expect(e.message).toMatch(/set the ModelEndpoint's modelArtifact\.prefix to "training\/models\/fraud-us\/"/);
  });

  test('another model\'s prefix fails too; a broader prefix that still contains the champion is accepted', () => {
    expect(errorOf(addSecondModel({ prefix: 'training/models/fraud-scoring/' })).message).toMatch(/cdk-mlops:artifact-prefix/);
    expect(addSecondModel({ prefix: 'training/models/' })).not.toThrow();
  });
});

describe('ModelFactory: a spec\'s training settings are checked at synth', () => {
  test.each<[string, string, RegExp]>([
    ['a CPU instance type', 'ml.c5.xlarge', /must be a GPU\/accelerator type/],
    ['a size that does not exist', 'ml.g5.13xlarge', /ml\.g5\.13xlarge/],
  ])('%s fails naming the factory and models[<name>].training.instanceType', (_what, instanceType, re) => {
    const [spec] = fleetSpecs(1);
    const e = errorOf(() => new ModelFactoryStack(testApp(), 'Fleet', { models: [{ ...spec, training: { ...spec.training, instanceType } }] }));
    expect(e.message).toMatch(new RegExp(`invalid prop "models\\[${spec.modelName}\\]\\.training\\.instanceType" \\("${instanceType.replace(/\./g, '\\.')}"\\)`));
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(/Fleet\/Factory|Fleet\//);
  });
});
