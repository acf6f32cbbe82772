// Each segment of a model has its own champion, retraining and canary (issue 12, item 5). A stack serving `shop` with
// an EU and a US segment: the DriftMonitor watches each segment as `shop-<segment>`, the RetrainTrigger registers each
// as its own retraining record, and the REAL retraining and training state machines run locally
// (aws-local-stepfunctions, through bin/simulate) after the EU segment's drift alarm goes to ALARM. Only the EU
// segment is retrained, canaried (through its own ALB forward action) and promoted; the US segment's champion,
// Deployments and traffic are never touched.
import '../../bin/simulate/polyfill';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { extract, LoadedStack, matchesPattern, runScenario, ScenarioResult } from '../../bin/simulate/run';
import { World } from '../../bin/simulate/world';
import { DriftMonitor, ModelEndpoint, RetrainTrigger, TrainingPipeline } from '../../lib';
import { MODEL_URI_ANNOTATION } from '../../lib/contracts/endpoint-wiring';
import { modelFromAlarmName } from '../../lib/runtime/retrain-starter/starter';
import { podSpecs, restrictedViolations, validateK8s } from '../inference/k8s-checks';
import { synthWithNag } from '../util/nag';
import { shopWithSegments } from '../util/shop-segments';

interface Built { app: App; stack: Stack; endpoint: ModelEndpoint; monitor: DriftMonitor; trigger: RetrainTrigger; pipeline: TrainingPipeline }

/** The shop model with its segments registered with the trigger (each monitored and retrained on its own). */
function build(options: { segments?: Array<'eu' | 'us'>; artifactPrefix?: string; stackId?: string } = {}): Built {
  const { app, stack, endpoint, monitor, trigger, pipeline, canaryErrors } = shopWithSegments({ stackId: 'SegmentLoop', ...options });
  trigger.addModelEndpoint(endpoint, { canaryAlarms: [canaryErrors('canary')], trainingInput: { modelName: 'shop' } });
  for (const seg of options.segments ?? ['eu', 'us']) {
    trigger.addModelEndpoint(endpoint, { segment: seg, canaryAlarms: [canaryErrors(`${seg}-canary`)], bakeTime: Duration.minutes(20) });
  }
  return { app, stack, endpoint, monitor, trigger, pipeline };
}

let built: Built;
let loaded: LoadedStack;
beforeAll(() => {
  built = build();
  const assembly = built.app.synth();
  loaded = extract(assembly.getStackByName(built.stack.stackName).template, built.stack.stackName);
});

const deployment = (name: string) => loaded.k8sObjects.find((o) => o?.kind === 'Deployment' && o.metadata?.name === name);
const envOf = (d: any, name: string) => d.spec.template.spec.initContainers[0].env.find((e: any) => e.name === name);

describe('the synthesized loop: one record, champion and canary per segment', () => {
  test('a record per segment, named <model>-<segment>, next to the model\'s', () => {
    expect([...loaded.records.keys()].sort()).toEqual(['shop', 'shop-eu', 'shop-us']);
    const eu = loaded.records.get('shop-eu');
    expect(eu.modelName).toBe('shop-eu');
    expect(eu.eks).toMatchObject({ namespace: 'shop', primaryDeployment: 'shop-eu', canaryDeployment: 'shop-eu-canary', ingressName: 'shop' });
    expect(eu.initialChampion).toMatchObject({ modelVersion: 'v7-eu', modelArtifactUri: expect.stringMatching(/^s3:\/\/.+\/training\/models\/shop-eu\/v7-eu\/$/) });
    // Its own training (dataset, outputs, package group) and its own DriftMonitor baseline.
    expect(eu.trainingInput).toEqual({ modelName: 'shop-eu' });
    expect(eu.monitorBaseline.key).toBe('baselines/shop-eu.json');
    // The canary shifts weight inside the segment's own forward action only.
    const canaryPatch = eu.eks.ingressCanaryPatch.metadata.annotations;
    expect(Object.keys(canaryPatch)).toEqual(['alb.ingress.kubernetes.io/actions.weighted-routing-eu']);
    expect(JSON.parse(canaryPatch['alb.ingress.kubernetes.io/actions.weighted-routing-eu']).forwardConfig.targetGroups).toEqual([
      { serviceName: 'shop-eu', servicePort: '80', weight: 90 }, { serviceName: 'shop-eu-canary', servicePort: '80', weight: 10 },
    ]);
  });

  test('each segment\'s pods (and its canary\'s) read the segment\'s champion parameter; the default route reads the model\'s', () => {
    const prefix = loaded.configPrefix;
    for (const [name, champion] of [['shop-eu', 'shop-eu'], ['shop-eu-canary', 'shop-eu'], ['shop-us', 'shop-us'], ['shop-us-canary', 'shop-us'],
      ['shop-primary', 'shop'], ['shop-canary', 'shop']]) {
      const d = deployment(name);
      expect(d).toBeDefined();
      expect(envOf(d, 'CHAMPION_PARAMETER').value).toBe(`${prefix}champions/${champion}`);
      expect(envOf(d, 'RENDERED_MODEL_ARTIFACT_URI').value).toBe(d.spec.template.metadata.annotations[MODEL_URI_ANNOTATION]);
    }
    expect(deployment('shop-eu-canary').spec.template.metadata.labels).toMatchObject({ 'cdk-mlops.io/variant': 'eu-canary', 'cdk-mlops.io/segment': 'eu' });
  });

  test('the loop may get/patch exactly the segment\'s two Deployments and the Ingress', () => {
    const role = loaded.k8sObjects.find((o) => o?.kind === 'Role' && o.metadata?.name === 'cdk-mlops-retrain-shop-eu');
    expect(role.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['shop-eu', 'shop-eu-canary'], verbs: ['get', 'patch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], resourceNames: ['shop'], verbs: ['get', 'patch'] },
    ]);
  });

  test('every rendered object validates against kubernetes-models and Pod Security "restricted"', () => {
    const objects = loaded.k8sObjects.filter((o) => o?.metadata?.namespace === 'shop' || o?.kind === 'Namespace');
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) validateK8s(o);
    for (const p of objects.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
  });

  test('the segment\'s drift alarm matches the trigger\'s rule and the starter maps it to the segment\'s record', () => {
    const euAlarm = built.monitor.findModel('shop', 'eu')!.alarm;
    const name = loaded.template.Resources[built.stack.getLogicalId(euAlarm.node.defaultChild as any)].Properties.AlarmName;
    expect(name).toBe(`${built.monitor.alarmPrefix}-shop-eu-drift`);
    const event = { 'source': 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', 'detail': { alarmName: name, state: { value: 'ALARM' } } };
    expect(loaded.rulePatterns.some((p) => matchesPattern(p, event))).toBe(true);
    expect(modelFromAlarmName(name, loaded.starterSettings)).toBe('shop-eu');
    expect(modelFromAlarmName(`${built.monitor.alarmPrefix}-shop-drift`, loaded.starterSettings)).toBe('shop');
  });
});

describe('the EU segment drifts: executed locally, only the EU segment is retrained, canaried and promoted', () => {
  let result: ScenarioResult;
  const calls: Array<{ execution: string; state: string; service: string; params: any }> = [];
  beforeAll(async () => {
    const original = World.prototype.call;
    const spy = jest.spyOn(World.prototype, 'call').mockImplementation(async function (this: World, exec, state, service, params, context) {
      calls.push({ execution: exec.name, state, service, params });
      return original.call(this, exec, state, service, params, context);
    });
    try {
      result = await runScenario(loaded, { name: 'eu-segment-drifts', model: 'shop-eu' });
    } finally {
      spy.mockRestore();
    }
  }, 120_000);

  test('the EU alarm starts the EU segment\'s retraining, which promotes its candidate', () => {
    expect(result.drift.alarm).toMatch(/-shop-eu-drift$/);
    expect(result.starter).toEqual([expect.objectContaining({ status: 'started', name: expect.stringMatching(/^shop-eu-alarm-/) })]);
    expect(result.outcome).toBe('promoted');
    expect(result.championBefore.modelVersion).toBe('v7-eu');
    expect(result.championAfter.modelArtifactUri).toMatch(/\/training\/models\/shop-eu\/.+\/output\/model\.tar\.gz$/);
    expect(result.states).toEqual(expect.arrayContaining(['Train', 'PatchCanary', 'ShiftTraffic', 'PatchPrimary', 'Promoted']));
    // Every invariant of the closed loop holds for the segment: the segment's pods serve (and after a redeploy keep)
    // its new champion, traffic is back on the segment's Service, the segment's monitor baseline follows the champion.
    expect(result.invariants).toEqual(Object.fromEntries(Object.keys(result.invariants).map((k) => [k, true])));
  });

  test('the Kubernetes calls touch only the EU segment\'s Deployments and its forward action', () => {
    const kube = calls.filter((c) => c.service === 'eks:call' || c.service === 'kube:in-vpc');
    expect(kube.length).toBeGreaterThan(4);
    const paths = new Set(kube.map((c) => c.params.Path));
    expect([...paths].sort()).toEqual([
      '/apis/apps/v1/namespaces/shop/deployments/shop-eu',
      '/apis/apps/v1/namespaces/shop/deployments/shop-eu-canary',
      '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop',
    ]);
    const ingressPatches = kube.filter((c) => c.params.Method === 'PATCH' && c.params.Path.endsWith('/ingresses/shop'));
    expect(ingressPatches.length).toBeGreaterThanOrEqual(2);
    for (const p of ingressPatches) {
      const body = typeof p.params.RequestBody === 'string' ? JSON.parse(p.params.RequestBody) : p.params.RequestBody;
      expect(Object.keys(body.metadata.annotations)).toEqual(['alb.ingress.kubernetes.io/actions.weighted-routing-eu']);
    }
  });

  test('only the EU segment\'s champion parameter, lock and model package group are written; the US segment\'s are untouched', () => {
    const written = calls.filter((c) => c.service === 'aws-sdk:ssm:putParameter').map((c) => c.params.Name);
    expect(written).toEqual([`${loaded.configPrefix}champions/shop-eu`]);
    const keys = calls.filter((c) => c.service.startsWith('dynamodb:')).map((c) => c.params.Key?.pk?.S ?? c.params.Item?.pk?.S);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /#shop-eu(#|$)/.test(String(k)))).toBe(true);
    const groups = calls.filter((c) => c.service.startsWith('aws-sdk:sagemaker:')).map((c) => c.params.ModelPackageGroupName ?? c.params.ModelPackageArn ?? c.params.ModelPackageName);
    expect(groups.every((g) => String(g).includes('shop-eu'))).toBe(true);
    const everything = JSON.stringify(calls.map((c) => c.params));
    expect(everything).not.toMatch(/shop-us|champions\/shop"|deployments\/shop-(primary|canary)/);
    // The training job trained the EU segment's data.
    const job = calls.find((c) => c.service === 'sagemaker:createTrainingJob.sync')!;
    expect(JSON.stringify(job.params.InputDataConfig)).toMatch(/datasets\/shop-eu\//);
  });
});

test('the segment loop synthesizes with no unacknowledged cdk-nag finding (AwsSolutions)', () => {
  const nag = synthWithNag(build({ stackId: 'Nag' }).app);
  expect((nag.synthError as Error | undefined)?.message).toBeUndefined();
  expect(nag.findings).toEqual([]);
}, 120_000);

describe('bad input is the library\'s validation error', () => {
  test.each([
    ['an unknown segment', (b: Built) => b.trigger.addModelEndpoint(b.endpoint, { segment: 'apac', canaryAlarms: [cloudwatch.Alarm.fromAlarmName(b.stack, 'A', 'a')] }),
      /segment.*apac.*must name a segment of .*\(eu, us\)/],
    ['a segment retrained twice', (b: Built) => b.trigger.addModelEndpoint(b.endpoint, { segment: 'eu', canaryAlarms: [cloudwatch.Alarm.fromAlarmName(b.stack, 'A', 'a')] }),
      /segment.*eu.*already registered with this RetrainTrigger as "shop-eu"/],
    ['primaryVariant with a segment', (b: Built) => b.trigger.addModelEndpoint(b.endpoint, { segment: 'eu', primaryVariant: 'primary', canaryAlarms: [cloudwatch.Alarm.fromAlarmName(b.stack, 'A', 'a')] }),
      /primaryVariant.*must be left out with segment/],
  ])('%s', (_what, act, error) => {
    const b = build({ stackId: 'Bad' });
    expect(() => act(b)).toThrow(error);
  });

  test('an endpoint whose pods cannot read the segment\'s candidates (artifact prefix of the model only)', () => {
    expect(() => build({ stackId: 'Narrow', artifactPrefix: 'training/models/shop/', segments: [] })).not.toThrow();
    expect(() => build({ stackId: 'Narrow2', artifactPrefix: 'training/models/shop/', segments: ['eu'] }))
      .toThrow(/cdk-mlops:artifact-prefix: a prefix of "training\/models\/shop-eu\/"/);
  });
});
