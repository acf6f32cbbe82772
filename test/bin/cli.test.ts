/**
 * The `cdk-mlops` dispatcher (bin/commands/index.ts), in-process: CLI conventions of
 * issue 14 ("What to build" item 7): help on stdout with exit 0, --version, one error
 * prefix, documented exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../bin/commands';
import { CliError, EXIT, parseArgs } from '../../bin/commands/cli';
import { CliRun, runCliCapture } from '../util/cli';

function cli(...argv: string[]): Promise<CliRun> {
  return runCliCapture(undefined, argv);
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));

describe('help goes to stdout and exits 0', () => {
  test.each([['--help'], ['-h'], ['help']])('cdk-mlops %s', async (flag) => {
    const r = await cli(flag);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/^usage: cdk-mlops <command> \[options\]/);
    for (const name of Object.keys(COMMANDS)) expect(r.out).toMatch(new RegExp(`^  ${name}\\s+${COMMANDS[name].summary.replace(/[()]/g, '\\$&')}$`, 'm'));
    // The documented exit codes.
    expect(r.out).toMatch(/exit codes:\n {2}0 {2}success\n {2}1 {2}the check failed: drift found \(drift --fail-on-drift\), a scenario did not end as expected\n.*\n {2}2 {2}usage or input error: .*\n {2}3 {2}internal error.*\n {2}4 {2}an AWS call failed/);
  });

  test.each(Object.keys(COMMANDS))('cdk-mlops %s --help = cdk-mlops help <command>', async (name) => {
    const a = await cli(name, '--help');
    const b = await cli('help', name);
    const c = await cli(name, '--json', '-h');
    expect([a.code, a.err, b.code, b.err, c.code, c.err]).toEqual([0, '', 0, '', 0, '']);
    expect(a.out).toMatch(new RegExp(`^usage: cdk-mlops ${name} `));
    expect(b.out).toBe(a.out);
    expect(c.out).toBe(a.out);
    expect(a.out).toMatch(/exit codes: 0 /);
  });
});

test('--version prints the package version', async () => {
  for (const flag of ['--version', '-V', 'version']) {
    expect(await cli(flag)).toEqual({ code: 0, out: pkg.version, err: '' });
  }
});

describe('usage errors: exit 2, one line with the one prefix, nothing on stdout', () => {
  test.each<[string[], RegExp]>([
    [['bogus'], /^cdk-mlops: error: unknown command "bogus" \(commands: (\w+, )*drift, simulate/],
    [['--bogus'], /^cdk-mlops: error: unknown option "--bogus" \(see cdk-mlops --help\)$/],
    [['help', 'bogus'], /^cdk-mlops: error: unknown command "bogus"/],
    [['--version', 'x'], /^cdk-mlops: error: --version takes no arguments$/],
    [['drift', '--reference'], /^cdk-mlops: error: option --reference needs a value; see cdk-mlops drift --help$/],
    [['drift', 'extra.csv'], /^cdk-mlops: error: unexpected argument "extra\.csv"; see cdk-mlops drift --help$/],
    [['drift', '--json', '--json'], /^cdk-mlops: error: option --json given twice; see cdk-mlops drift --help$/],
  ])('cdk-mlops %p', async (argv, re) => {
    const r = await cli(...argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(re);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
  });

  test('no arguments: the usage on stderr, exit 2', async () => {
    const r = await cli();
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toMatch(/^usage: cdk-mlops <command>/);
  });
});

test('an unexpected error in a command is an internal error (exit 3) with the same prefix; a CliError keeps its code', async () => {
  const boom = { summary: 'test', usage: 'usage: cdk-mlops boom', run: async (): Promise<number> => { throw new TypeError('x is undefined'); } };
  const check = { summary: 'test', usage: 'usage: cdk-mlops check', run: async (): Promise<number> => { throw new CliError('drifted', EXIT.FAILED); } };
  COMMANDS.boom = boom;
  COMMANDS.check = check;
  try {
    expect(await cli('boom')).toEqual({ code: 3, out: '', err: 'cdk-mlops: error: internal error in boom: x is undefined' });
    expect(await cli('check')).toEqual({ code: 1, out: '', err: 'cdk-mlops: error: drifted' });
  } finally {
    delete COMMANDS.boom;
    delete COMMANDS.check;
  }
});

test('parseArgs: --name value, --name=value, flags, --', () => {
  const spec = { '--a': 'value', '--b': 'flag' } as const;
  expect(parseArgs(['--a', 'x', '--b'], spec)).toEqual({ options: { a: 'x', b: true }, positionals: [] });
  expect(parseArgs(['--a=--x'], spec)).toEqual({ options: { a: '--x' }, positionals: [] });
  expect(parseArgs(['p', '--', '--b'], spec, { allowPositionals: true })).toEqual({ options: {}, positionals: ['p', '--b'] });
  expect(() => parseArgs(['--b=1'], spec)).toThrow('option --b takes no value');
  expect(() => parseArgs(['--a='], spec)).toThrow('option --a needs a non-empty value');
  expect(() => parseArgs(['--a', '--b'], spec)).toThrow('option --a needs a value');
});
