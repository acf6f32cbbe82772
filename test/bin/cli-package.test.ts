import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
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

  const run = (...argv: string[]) => spawnSync(process.execPath, [join(dir, 'bin', 'cdk-mlops.js'), ...argv], { cwd: dir, encoding: 'utf8' });

  test('reports an unknown command with exit 2 and the one error prefix', () => {
    const r = run('bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cdk-mlops: error: unknown command "bogus"/);
    expect(r.stdout).toBe('');
  });

  test('--help on stdout with exit 0; --version prints the version of the installed package.json', () => {
    const help = run('--help');
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^usage: cdk-mlops <command>[\s\S]*exit codes:/);
    const version = run('--version');
    expect([version.status, version.stdout, version.stderr]).toEqual([0, `${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`, '']);
  });

  test('the process exit code: drift --fail-on-drift exits 1 when a feature drifted, 0 otherwise; a bad input exits 2', () => {
    const rows = (shift: number) => ['x', ...Array.from({ length: 300 }, (_v, i) => String((i % 50) + shift))].join('\n') + '\n';
    writeFileSync(join(dir, 'ref.csv'), rows(0));
    writeFileSync(join(dir, 'cur.csv'), rows(40));
    const drifted = run('drift', '--reference', 'ref.csv', '--current', 'cur.csv', '--fail-on-drift', '--json');
    expect([drifted.status, JSON.parse(drifted.stdout).drifted]).toEqual([1, ['x']]);
    expect(run('drift', '--reference', 'ref.csv', '--current', 'ref.csv', '--fail-on-drift').status).toBe(0);
    const bad = run('drift', '--reference', 'ref.csv', '--current', 'missing.csv');
    expect([bad.status, bad.stderr]).toEqual([2, 'cdk-mlops: error: cannot read current missing.csv: no such file\n']);
  });
});
