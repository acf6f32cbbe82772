// Factory models get the DriftMonitor baseline copy on promotion (issue 11, "Fleet isolation", second bullet), with
// grants that do not grow with the fleet: ONE s3:GetObject on the shared pipeline's candidates prefix and ONE
// Get/Put on the monitor baselines' prefix, instead of object ARNs per model (an IAM role's inline policies are
// limited to 10,240 characters in all: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { loadModelFactory, runScenario } from '../../bin/simulate/run';
import { fleetSpecs, ModelFactoryStack } from '../../examples/model-factory';
import { RetrainModelOptions, RetrainTrigger, RetrainTriggerProps } from '../../lib';
import { testApp } from '../util/synth';

/** The platform stack of a fleet of n models, synthesized; and the records of its shards. */
function fleet(n: number) {
  const app = testApp({ builtinCloudFormationValidation: false });
  const stack = new ModelFactoryStack(app, 'Fleet', { models: fleetSpecs(n) });
  const assembly = app.synth();
  const platform = assembly.getStackByName(stack.stackName).template;
  const shards = stack.factory.shardStacks.map((s) => assembly.getStackByName(s.stackName).template);
  return { stack, platform, shards };
}

/** The policy statements of the retraining state machine's role (the role Step Functions assumes with the trigger's definition). */
function stateMachineStatements(template: any): any[] {
  const roleId = Object.entries<any>(template.Resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine'
    && JSON.stringify(r.Properties.DefinitionString ?? '').includes('CheckCanaryAlarms'))![1].Properties.RoleArn['Fn::GetAtt'][0];
  return Object.values<any>(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

describe('ModelFactory: the baseline copy on promotion', () => {
  const two = fleet(2);
  const twenty = fleet(20);

  test('every factory model\'s record names its monitor baseline (the key its MonitoredModel compares against)', () => {
    for (const shard of twenty.shards) {
      for (const param of Object.values<any>(shard.Resources).filter((r) => r.Type === 'AWS::SSM::Parameter')) {
        const value = JSON.stringify(param.Properties.Value);
        const model = /\\"modelName\\":\\"([a-z0-9-]+)\\"/.exec(value)![1];
        // The drift record's baselineKey and the retraining record's monitorBaseline.key are the same object.
        expect(value).toContain(`\\"monitorBaseline\\":{\\"bucket\\":`);
        expect(value).toContain(`\\"key\\":\\"training/models/${model}/baseline.json\\"`);
        expect(value.split(`training/models/${model}/baseline.json`).length - 1).toBeGreaterThanOrEqual(2);
      }
    }
  });

  test('the state machine role\'s policy is the same for 2 and 20 models: prefix grants for the baseline copy', () => {
    const a = stateMachineStatements(two.platform);
    const b = stateMachineStatements(twenty.platform);
    expect(JSON.stringify(b)).toEqual(JSON.stringify(a));
    const bySid = (sid: string) => b.find((s) => s.Sid === sid);
    const resources = (sid: string) => JSON.stringify([bySid(sid).Resource].flat());
    expect(bySid('ReadCandidateBaselines').Action).toBe('s3:GetObject');
    expect([bySid('ReadCandidateBaselines').Resource].flat()).toHaveLength(1);
    expect(resources('ReadCandidateBaselines')).toMatch(/"\/training\/models\/\*"\]/);
    expect(bySid('WriteMonitorBaselines').Action).toBe('s3:PutObject');
    expect(resources('WriteMonitorBaselines')).toEqual(resources('ReadCandidateBaselines'));
    // KMS through S3 on the artifact bucket's key only.
    expect(bySid('DecryptCandidateBaselines').Condition.StringEquals['kms:ViaService']).toBeDefined();
    expect(bySid('EncryptMonitorBaselines').Action).toBe('kms:GenerateDataKey');
    // No model name in any statement of the role.
    expect(JSON.stringify(b)).not.toMatch(/fraud-0|churn-0/);
  });
});

describe('simulate: a factory model\'s promotion copies the candidate\'s baseline over the monitor\'s', () => {
  test('drift-promote on fraud-0000: the monitor baseline is the new champion\'s; a rollback leaves it', async () => {
    const loaded = loadModelFactory();
    const record = loaded.records.get('fraud-0000');
    expect(record.monitorBaseline.key).toBe('training/models/fraud-0000/baseline.json');
    const promoted = await runScenario(loaded, { name: 'factory-promote', model: 'fraud-0000' });
    expect(promoted.outcome).toBe('promoted');
    expect(promoted.states).toEqual(expect.arrayContaining(['BackupMonitorBaseline', 'UpdateMonitorBaseline']));
    expect(promoted.monitorBaseline?.changed).toBe(true);
    expect(promoted.monitorBaseline?.sameAs).toMatch(/^s3:\/\/[^/]+\/training\/models\/fraud-0000\/.+\/output\/baseline\.json$/);
    expect(promoted.invariants.monitorBaselineFollowsChampion).toBe(true);
    const rolledBack = await runScenario(loaded, { name: 'factory-rollback', model: 'fraud-0000', canary: { alarmAtCheck: 1 } });
    expect(rolledBack.outcome).toBe('rolled-back');
    expect(rolledBack.monitorBaseline?.changed).toBe(false);
    expect(rolledBack.invariants.monitorBaselineFollowsChampion).toBe(true);
  }, 300_000);
});

describe('RetrainTrigger: baseline prefixes covering many models', () => {
  function fixture() {
    const stack = new Stack(testApp(), 'S');
    const training = sfn.StateMachine.fromStateMachineName(stack, 'Training', 'fleet-training');
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
      clusterName: 'gpu', clusterEndpoint: 'https://example.eks.amazonaws.com', clusterCertificateAuthorityData: 'Q0E=',
    });
    const bucket = s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts');
    const other = s3.Bucket.fromBucketName(stack, 'Other', 'other-bucket');
    const model = (name: string, o: Partial<RetrainModelOptions> = {}): RetrainModelOptions => ({
      modelName: name, cluster, namespace: name, primaryDeployment: `${name}-primary`, canaryDeployment: `${name}-canary`,
      primaryService: `${name}-primary`, canaryService: `${name}-canary`, servicePort: 80, ingressName: name,
      ingressActionName: 'weighted-routing', canaryAlarms: [cloudwatch.Alarm.fromAlarmName(stack, `A-${name}`, `fleet-${name}-canary-errors`)],
      initialModelArtifactUri: `s3://artifacts/models/${name}/v1/`, initialModelVersion: 'v1',
      monitorBaseline: { bucket, key: `models/${name}/baseline.json` },
      baselineSource: { bucket, prefix: `models/${name}/` },
      ...o,
    });
    const trigger = (props: Partial<RetrainTriggerProps> = {}) => new RetrainTrigger(stack, 'T', {
      trainingStateMachine: training, alarmPrefix: 'fleet',
      candidateBaselinePrefix: { bucket, prefix: 'models/' }, monitorBaselinePrefix: { bucket, prefix: 'models/' }, ...props,
    });
    const statements = () => stateMachineStatements(testTemplate(stack));
    return { stack, bucket, other, model, trigger, statements };
  }
  const testTemplate = (stack: Stack) => (stack.node.root as App).synth().getStackByName(stack.stackName).template;

  test('covered models add nothing; a model outside the prefixes gets its own ARNs', () => {
    const f = fixture();
    const t = f.trigger();
    for (let i = 0; i < 5; i++) t.addModel(f.model(`m${i}`));
    t.addModel(f.model('outside', { monitorBaseline: { bucket: f.other, key: 'elsewhere/outside.json' }, baselineSource: { bucket: f.other, prefix: 'runs/outside/' } }));
    const statements = f.statements();
    const text = (sid: string) => JSON.stringify(statements.find((s) => s.Sid === sid).Resource);
    expect(text('ReadCandidateBaselines')).toContain(':s3:::artifacts/models/*');
    expect(text('ReadCandidateBaselines')).not.toMatch(/models\/m[0-9]/);
    expect(text('ReadCandidateBaselines')).toContain(':s3:::other-bucket/runs/outside/*');
    expect(text('WriteMonitorBaselines')).toContain(':s3:::other-bucket/elsewhere/outside.json.previous');
    expect(text('WriteMonitorBaselines')).toContain(':s3:::artifacts/models/*');
  });

  test.each([
    ['an empty prefix', { candidateBaselinePrefix: { prefix: '' } }, /^\[cdk-mlops\] S\/T: invalid prop "candidateBaselinePrefix.prefix" \(""\): must be a literal, non-empty S3 key prefix ending in "\/"/],
    ['a prefix without the trailing slash', { monitorBaselinePrefix: { prefix: 'models' } }, /^\[cdk-mlops\] S\/T: invalid prop "monitorBaselinePrefix.prefix" \("models"\)/],
    ['a leading slash', { monitorBaselinePrefix: { prefix: '/models/' } }, /invalid prop "monitorBaselinePrefix.prefix" \("\/models\/"\)/],
    ['a wildcard', { candidateBaselinePrefix: { prefix: 'models/*/' } }, /invalid prop "candidateBaselinePrefix.prefix" \("models\/\*\/"\)/],
  ])('rejects %s with the library error naming the construct path', (_what, override, message) => {
    const f = fixture();
    const props: any = {};
    for (const [k, v] of Object.entries(override)) props[k] = { bucket: f.bucket, ...v };
    expect(() => f.trigger(props)).toThrow(message);
  });
});
