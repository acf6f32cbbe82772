// Promotions survive redeploys (issue 11, item 4). A `cdk deploy` re-applies the rendered manifest, which puts the
// rendered model annotations back on the Deployments; the champion therefore lives in an SSM parameter the state
// machine writes (PutParameter, https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html)
// and no template declares, and the model pods' init container reads it (GetParameter,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html: ParameterNotFound when
// the name does not exist, i.e. before the first promotion).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClosedLoop, loadModelFactory, LoadedStack, runScenario } from '../../bin/simulate/run';
import { BUILT_IN_SCENARIOS, Scenario } from '../../bin/simulate/scenario';
import { MODEL_URI_ANNOTATION } from '../../lib/contracts/endpoint-wiring';
import { championParameterName } from '../../lib/contracts/retrain-record';

const builtin = (name: string): Scenario => BUILT_IN_SCENARIOS.find((s) => s.name === name)!;

let loaded: LoadedStack;
let model: string;
let record: any;
beforeAll(() => {
  loaded = loadClosedLoop();
  model = [...loaded.records.keys()][0];
  record = loaded.records.get(model);
});

const deploymentOf = (variant: 'primaryDeployment' | 'canaryDeployment') => loaded.k8sObjects.find((o) => o?.kind === 'Deployment'
  && o.metadata?.name === record.eks[variant] && o.metadata?.namespace === record.eks.namespace);
const envOf = (container: any, name: string) => container.env.find((e: any) => e.name === name);

describe('the rendered init container reads the champion parameter', () => {
  test('the primary and canary pods name <configPath>champions/<model> and the rendered artifact they fall back to', () => {
    for (const variant of ['primaryDeployment', 'canaryDeployment'] as const) {
      const d = deploymentOf(variant);
      const init = d.spec.template.spec.initContainers[0];
      expect(envOf(init, 'CHAMPION_PARAMETER').value).toBe(championParameterName(loaded.configPrefix, model));
      expect(envOf(init, 'CHAMPION_PARAMETER').value).toBe(`${loaded.configPrefix}champions/${model}`);
      expect(envOf(init, 'RENDERED_MODEL_ARTIFACT_URI').value).toBe(d.spec.template.metadata.annotations[MODEL_URI_ANNOTATION]);
      // Pod Security "restricted" is untouched.
      expect(init.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    }
  });

  describe('the script, run with sh against a local stand-in for the AWS CLI', () => {
    const root = mkdtempSync(join(tmpdir(), 'champion-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    // `aws ssm get-parameter ... --output text` prints the value, or fails with the CLI's error line on stderr
    // (exit 254); `aws s3 cp` records what it copied.
    writeFileSync(join(bin, 'aws'), [
      '#!/bin/sh',
      'echo "$*" >> "$CALLS"',
      'if [ "$1 $2" = "ssm get-parameter" ]; then',
      '  case "$SSM" in',
      '    missing) echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: " >&2; exit 254;;',
      '    denied) echo "An error occurred (AccessDeniedException) when calling the GetParameter operation: not authorized" >&2; exit 254;;',
      '    *) printf \'%s\\n\' "$SSM"; exit 0;;',
      '  esac',
      'fi',
      'exit 0',
    ].join('\n'), { mode: 0o755 });
    let n = 0;
    const run = (annotation: string | undefined, ssm: string) => {
      const init = deploymentOf('primaryDeployment').spec.template.spec.initContainers[0];
      const dir = join(root, `run-${++n}`);
      mkdirSync(dir);
      const calls = join(dir, 'calls');
      const env: Record<string, string> = { PATH: `${bin}:${process.env.PATH}`, TMPDIR: dir, CALLS: calls, SSM: ssm };
      for (const e of init.env) if (e.value !== undefined) env[e.name] = e.value;
      env.MODEL_DIR = dir;
      env.MODEL_ARTIFACT_URI = annotation ?? envOf(init, 'RENDERED_MODEL_ARTIFACT_URI').value;
      const r = spawnSync(init.command[0], init.command.slice(1), { env, encoding: 'utf8' });
      const lines = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
      return { status: r.status, stderr: r.stderr, calls: lines, copied: lines.filter((l) => l.startsWith('s3 cp')).map((l) => l.split(' ').find((w) => w.startsWith('s3://'))) };
    };
    const champion = JSON.stringify({ modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-scoring/2', modelArtifactUri: 's3://artifacts/training/models/fraud-scoring/job-2/', modelVersion: '2', promotedBy: 'exec-1' });

    test('the rendered annotation and a champion: the champion is loaded (a redeploy keeps the promotion)', () => {
      const r = run(undefined, champion);
      expect(r.status).toBe(0);
      expect(r.calls[0]).toBe(`ssm get-parameter --name ${championParameterName(loaded.configPrefix, model)} --query Parameter.Value --output text`);
      expect(r.copied).toEqual(['s3://artifacts/training/models/fraud-scoring/job-2/']);
    });
    test('no champion yet (ParameterNotFound, a first deploy): the rendered artifact is loaded', () => {
      const rendered = envOf(deploymentOf('primaryDeployment').spec.template.spec.initContainers[0], 'RENDERED_MODEL_ARTIFACT_URI').value;
      const r = run(undefined, 'missing');
      expect(r.status).toBe(0);
      expect(r.copied).toEqual([rendered]);
    });
    test('any other error reading the parameter fails the pod start (kubelet retries) and loads nothing', () => {
      const r = run(undefined, 'denied');
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/AccessDeniedException/);
      expect(r.copied).toEqual([]);
    });
    test('a value without modelArtifactUri is refused (exit 64), not loaded', () => {
      const r = run(undefined, '{"modelVersion":"2"}');
      expect(r.status).toBe(64);
      expect(r.copied).toEqual([]);
    });
    test('an annotation the loop patched (a canary candidate, a rollback) is loaded as it is, without reading the parameter', () => {
      const r = run('s3://artifacts/training/models/fraud-scoring/job-3/', champion);
      expect(r.status).toBe(0);
      expect(r.calls.some((c) => c.startsWith('ssm'))).toBe(false);
      expect(r.copied).toEqual(['s3://artifacts/training/models/fraud-scoring/job-3/']);
    });
  });
});

describe('IAM: the pods read exactly their champion parameter, the state machine writes the champion folder', () => {
  const statements = (roleMatch: (r: any) => boolean) => Object.values<any>(loaded.template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((ref: any) => roleMatch(ref)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  const roleIdOf = (pred: (r: any) => boolean) => Object.entries<any>(loaded.template.Resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && pred(r))![0];

  test('the model pod role: ssm:GetParameter on the one parameter ARN, no wildcard', () => {
    // The role EKS Pod Identity gives the model's namespace.
    const association = Object.values<any>(loaded.template.Resources).find((r) => r.Type === 'AWS::EKS::PodIdentityAssociation' && r.Properties.Namespace === record.eks.namespace);
    const podRole = association.Properties.RoleArn['Fn::GetAtt'][0];
    const ssm = statements((ref) => ref.Ref === podRole).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ssm:')));
    expect(ssm).toHaveLength(1);
    expect(ssm[0].Action).toBe('ssm:GetParameter');
    const arn = JSON.stringify(ssm[0].Resource);
    expect(arn).toContain(`:parameter${championParameterName(loaded.configPrefix, model)}"`);
    expect(arn).not.toContain('*');
  });

  test('the state machine role: ssm:PutParameter on <configPath>champions/* only', () => {
    const smRole = roleIdOf((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('states.amazonaws.com') && JSON.stringify(r.Properties.Description ?? '').includes('retraining state machine'));
    const put = statements((ref) => ref.Ref === smRole).filter((s) => [s.Action].flat().includes('ssm:PutParameter'));
    expect(put).toHaveLength(1);
    expect(put[0].Action).toBe('ssm:PutParameter');
    expect(JSON.stringify(put[0].Resource)).toMatch(new RegExp(`:parameter${loaded.configPrefix}champions/\\*"`));
  });
});

describe('the definition publishes the champion on promotion and puts it back when the promotion is undone', () => {
  test('PublishChampion writes the promoted candidate (Overwrite) before the champion record; the cleanup restores it', () => {
    const S = loaded.retrain.definition.States;
    expect(S.MonitorBaselineNeeded.Default).toBe('ChampionValue');
    expect(S.UpdateMonitorBaseline.Next).toBe('ChampionValue');
    expect(S.ChampionValue.Next).toBe('PublishChampion');
    expect(S.PublishChampion).toMatchObject({
      Type: 'Task',
      Resource: expect.stringMatching(/:states:::aws-sdk:ssm:putParameter$/),
      Parameters: { 'Name.$': `States.Format('${loaded.configPrefix}champions/{}', $.modelName)`, 'Value.$': 'States.JsonToString($.championValue)', 'Overwrite': true, 'Type': 'String' },
      Next: 'RecordChampion',
    });
    expect(S.PublishChampion.Catch[0].Next).toBe('Cleanup');
    expect(S.CleanupRestoreChampion.Parameters['Value.$']).toBe('States.JsonToString($.champion)');
  });
});

describe('simulate: deploy -> promote -> redeploy keeps the champion', () => {
  test('drift-promote: after the redeploy re-applies the rendered manifest, the primary still loads the promoted model', async () => {
    const r = await runScenario(loaded, builtin('drift-promote'));
    expect(r.outcome).toBe('promoted');
    expect(r.championAfter.modelArtifactUri).not.toBe(r.championBefore.modelArtifactUri);
    expect(r.primaryLoadsAfterRedeploy).toBe(r.championAfter.modelArtifactUri);
    expect(r.invariants.redeployKeepsChampion).toBe(true);
    expect(r.timeline.join('\n')).toMatch(/redeploy \(rendered manifest re-applied\): the primary loads .* \(the champion\)/);
  });

  test('canary-alarm-rollback: nothing was published; the redeploy keeps the first champion (the rendered model)', async () => {
    const r = await runScenario(loaded, builtin('canary-alarm-rollback'));
    expect(r.outcome).toBe('rolled-back');
    expect(r.primaryLoadsAfterRedeploy).toBe(r.championBefore.modelArtifactUri);
    expect(r.invariants.redeployKeepsChampion).toBe(true);
  });

  test('a failure after PublishChampion puts the champion parameter back: the redeploy loads the old champion', async () => {
    const r = await runScenario(loaded, {
      name: 'record-champion-fails',
      faults: [{ state: 'RecordChampion', error: 'DynamoDB.AccessDeniedException', times: 10 }],
      expect: { outcome: 'failed' },
    } as Scenario);
    expect(r.outcome).toBe('failed');
    expect(r.states).toEqual(expect.arrayContaining(['PublishChampion', 'CleanupRestoreChampion']));
    expect(r.championAfter).toEqual(r.championBefore);
    expect(r.primaryLoadsAfterRedeploy).toBe(r.championBefore.modelArtifactUri);
    expect(r.invariants).toMatchObject({ redeployKeepsChampion: true, primaryServesChampion: true });
  });

  test('the model factory: a promoted fleet model survives the redeploy; the shared pod role reads champions by namespace tag', async () => {
    const factory = loadModelFactory(2);
    const r = await runScenario(factory, builtin('drift-promote'));
    expect(r.outcome).toBe('promoted');
    expect(r.invariants.redeployKeepsChampion).toBe(true);
    const abac = Object.values<any>(factory.template.Resources).filter((x) => x.Type === 'AWS::IAM::Policy')
      .flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => s.Sid === 'ReadOwnModelChampion');
    expect(abac.length).toBeGreaterThan(0);
    for (const s of abac) {
      expect(s.Action).toBe('ssm:GetParameter');
      expect(JSON.stringify(s.Resource)).toContain(`:parameter${factory.configPrefix}champions/\${aws:PrincipalTag/kubernetes-namespace}"`);
    }
  });
});
