import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The published package ships bin/cdk-mlops.js as one bundled file (jest's
// global setup runs scripts/bundle.mjs). An installed package has only the
// peer dependencies beside it: run the CLI from such a layout, with none of
// the devDependencies (aws-local-stepfunctions, the AWS SDK clients) reachable.
const root = join(__dirname, '..', '..');
const PEERS = ['aws-cdk-lib', 'constructs', 'cdk8s', 'cdk8s-plus-27', '@aws-cdk/lambda-layer-kubectl-v35'];

describe('the packaged cdk-mlops CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdk-mlops-pkg-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'node_modules', '@aws-cdk'), { recursive: true });
    cpSync(join(root, 'bin', 'cdk-mlops.js'), join(dir, 'bin', 'cdk-mlops.js'));
    cpSync(join(root, 'assets'), join(dir, 'assets'), { recursive: true });
    for (const p of PEERS) symlinkSync(join(root, 'node_modules', p), join(dir, 'node_modules', p), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('runs the closed-loop simulation with only the peer dependencies installed', () => {
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'cdk-mlops.js'), 'simulate', '--scenario', 'candidate-worse', '--json'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' },
    });
    expect(r.stderr).not.toMatch(/Cannot find module/);
    expect(r.status).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(last.scenario).toBe('candidate-worse');
    expect(last.outcome).toBe('rejected');
    expect(last.trainingJobsStarted).toBe(1);
  });

  test('reports an unknown command with a non-zero exit', () => {
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'cdk-mlops.js'), 'bogus'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "bogus"/);
  });
});
