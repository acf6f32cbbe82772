import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FraudScoringStack } from '../../examples/fraud-scoring';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';
import { manifestObjects, podSpecs, restrictedViolations, validateK8s } from './k8s-checks';

// The example exactly as `bin/examples.ts` builds it: cdk-nag (AwsSolutions)
// registered as a policy-validation plugin, so synth throws on any finding
// that is not acknowledged. One synth for the whole file.
const app = testApp();
const stack = new FraudScoringStack(app, 'FraudScoring');
const nag = synthWithNag(app);
const template = Template.fromStack(stack);
const json = template.toJSON();

describe('fraud-scoring example', () => {
  test('cdk-nag AwsSolutions: synth with the plugin passes (zero unacknowledged findings)', () => {
    expect(nag.synthError).toBeUndefined();
    // The same check through the cdk-nag API, on the synthesized tree.
    expect(nag.findings).toEqual([]);
  });

  test('every acknowledgement carries a specific reason', () => {
    const acks = app.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>)));
    expect(acks.length).toBeGreaterThan(10);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(60);
  });

  test('90/10 canary and a Black-Friday window on a GPU service', () => {
    const [objs] = Object.values(manifestObjects(json)).filter((o) => o.some((x: any) => x.kind === 'Namespace' && x.metadata.name === 'fraud-scoring'));
    const ing = objs.find((o: any) => o.kind === 'Ingress');
    expect(JSON.parse(ing.metadata.annotations['alb.ingress.kubernetes.io/actions.weighted-routing']).forwardConfig.targetGroups.map((t: any) => t.weight)).toEqual([90, 10]);
    const start = objs.find((o: any) => o.kind === 'CronJob' && o.metadata.name === 'prescale-black-friday-start');
    expect([start.spec.schedule, start.spec.timeZone]).toEqual(['45 17 26 11 *', 'America/New_York']);
    for (const o of objs) validateK8s(o);
    for (const p of objs.flatMap(podSpecs)) expect(restrictedViolations(p.where, p.spec)).toEqual([]);
    const gpuPods = objs.filter((o: any) => o.kind === 'Deployment').map((d: any) => d.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']);
    expect(gpuPods).toEqual([1, 1]);
  });

  test('environment-agnostic', () => {
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  test('snapshot', () => {
    expect(json).toMatchSnapshot();
  });
});
