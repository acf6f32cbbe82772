// `cdk-mlops simulate --app` rehearses the USER's app (issue 14, item 5): the retraining and training state
// machines and the per-model records are found in the synthesized cloud assembly, not in bundled code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { loadApp } from '../../bin/simulate/run';
import { BUILT_IN_SCENARIOS } from '../../bin/simulate/scenario';
import { ClosedLoopStack } from '../../examples/closed-loop';
import { ModelEndpoint } from '../../lib';
import { CliRun, runCliCapture } from '../util/cli';

// A platform team's app: the closed loop plus a second market-segment model on the same cluster and loop,
// synthesized into a cloud assembly directory as `cdk synth` would write it.
let cdkOut: string;
beforeAll(() => {
  cdkOut = mkdtempSync(join(tmpdir(), 'simapp-cdkout-'));
  const app = new App({ outdir: cdkOut, context: { 'aws:cdk:disable-asset-staging': true }, builtinCloudFormationValidation: false });
  const stack = new ClosedLoopStack(app, 'FraudPlatform');
  const us = new ModelEndpoint(stack, 'EndpointUs', {
    cluster: stack.endpoint.cluster,
    modelName: 'fraud-us',
    image: 'example/fraud-scoring-server:1.4.2',
    modelArtifact: { bucket: stack.endpoint.modelArtifact.bucket, prefix: 'training/models/fraud-us/' },
    port: 8080,
    resources: { cpu: '3', memory: '12Gi', gpuCount: 1 },
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 60 },
    variants: [
      { name: 'primary', modelVersion: 'v3', weight: 100, minReplicas: 2, maxReplicas: 10 },
      { name: 'canary', modelVersion: 'v3', weight: 0, minReplicas: 1, maxReplicas: 2 },
    ],
  });
  const usCanaryErrors = new cloudwatch.Alarm(stack, 'UsCanaryErrors', {
    alarmName: 'fraud-us-canary-errors', metric: us.metricErrors({ variant: 'canary', period: Duration.minutes(1) }), threshold: 5, evaluationPeriods: 3,
  });
  stack.trigger.addModelEndpoint(us, {
    canaryAlarms: [usCanaryErrors],
    modelPackageGroupName: stack.pipeline.modelPackageGroupName,
    trainingInput: { modelName: 'fraud-us' },
  });
  // A stack of the app without any loop: read, searched, ignored.
  new Stack(app, 'Unrelated');
  app.synth();
}, 300_000);

function cli(...argv: string[]): Promise<CliRun> {
  return runCliCapture('simulate', argv);
}

describe('simulate --app <cdk.out>', () => {
  test('finds the loop, both state machines and every model\'s record in the assembly', () => {
    const loaded = loadApp(cdkOut);
    expect(loaded.stackName).toBe('FraudPlatform');
    expect([...loaded.records.keys()].sort()).toEqual(['fraud-scoring', 'fraud-us']);
    expect(Object.keys(loaded.retrain.definition.States)).toContain('Train');
    expect(Object.keys(loaded.training.definition.States)).toContain('TrainModel');
    expect(loaded.records.get('fraud-us').eks.namespace).not.toBe(loaded.records.get('fraud-scoring').eks.namespace);
  });

  test('a built-in scenario runs against the second model (--model fraud-us): the old "no retraining record" limitation is gone', async () => {
    const r = await cli('--app', cdkOut, '--model', 'fraud-us', '--scenario', 'drift-promote', '--json');
    expect(r.err).not.toMatch(/no retraining record/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.outcome).toBe('promoted');
    expect(Object.values(doc.invariants).every(Boolean)).toBe(true);
    // The champion promoted is fraud-us's, trained under its own prefix and registered in its own group.
    expect(doc.championAfter.modelArtifactUri).toMatch(/\/training\/models\/fraud-us\//);
    expect(doc.championAfter.modelPackageArn).toMatch(/\/fraud-us\/2$/);
    expect(doc.states).toContain('PatchCanary');
  }, 120_000);

  test('every built-in scenario ends as expected on the user\'s second model', async () => {
    const r = await cli('--app', cdkOut, '--model', 'fraud-us', '--all', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.scenarios.map((x: any) => [x.scenario, x.outcome])).toEqual(BUILT_IN_SCENARIOS.map((s) => [s.name, s.expect?.outcome]));
  }, 300_000);

  test('a scenario file runs against a model of the app; an unknown --model is a usage error naming the known ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simapp-scen-'));
    const file = join(dir, 'rollback.json');
    writeFileSync(file, JSON.stringify({ name: 'us-rollback', model: 'fraud-us', canary: { alarmAtCheck: 1 }, expect: { outcome: 'rolled-back' } }));
    const ok = await cli('--app', cdkOut, '--scenario-file', file, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ scenario: 'us-rollback', outcome: 'rolled-back' });
    const bad = await cli('--app', cdkOut, '--model', 'fraud-eu');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^cdk-mlops: error: .*"fraud-eu".*fraud-scoring.*fraud-us/);
  }, 120_000);
});

describe('simulate --app <command>', () => {
  test('runs the app command with CDK_OUTDIR set (as cdk synth does) and rehearses what it synthesized', async () => {
    // An "app" that writes the assembly above into the directory it is given.
    const command = `node -e "require('fs').cpSync(${JSON.stringify(cdkOut).replace(/"/g, '\'')}, process.env.CDK_OUTDIR, { recursive: true })"`;
    const r = await cli('--app', command, '--model', 'fraud-us', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).outcome).toBe('promoted');
  }, 120_000);

  test('an app command that fails, or writes no assembly, is a usage error saying so', async () => {
    const failing = await cli('--app', 'node -e "console.error(\'boom in app\'); process.exit(3)"');
    expect(failing.code).toBe(2);
    expect(failing.err).toMatch(/the app command .* exited 3:\nboom in app/);
    const silent = await cli('--app', 'node -e "0"');
    expect(silent.code).toBe(2);
    expect(silent.err).toMatch(/wrote no cloud assembly to CDK_OUTDIR/);
  });

  test('an app without a RetrainTrigger is an error naming the stacks searched and what was looked for', async () => {
    const out = mkdtempSync(join(tmpdir(), 'simapp-empty-'));
    const app = new App({ outdir: out, builtinCloudFormationValidation: false });
    new Stack(app, 'JustServing');
    new Stack(app, 'JustData');
    app.synth();
    const r = await cli('--app', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no RetrainTrigger found in .*: searched 2 stack\(s\) \(JustServing, JustData\) for its starter function \(an AWS::Lambda::Function with ALARM_SUFFIXES in its environment\)/);
    const notAssembly = await cli('--app', tmpdir() === out ? '/' : mkdtempSync(join(tmpdir(), 'simapp-none-')));
    expect(notAssembly.code).toBe(2);
    expect(notAssembly.err).toMatch(/is not a cloud assembly \(no manifest\.json\)/);
  });

  test('--app and --example together are a usage error', async () => {
    const r = await cli('--app', cdkOut, '--example', 'closed-loop');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/give one of --app, --example/);
  });
});
