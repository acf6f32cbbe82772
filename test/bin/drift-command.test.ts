/**
 * `cdk-mlops drift`, run in-process through its Command (stdout/stderr captured from console).
 * The JSON contract is checked against the numpy/scipy fixture values.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { COMMANDS } from '../../bin/commands';
import { fixture } from '../monitoring/engine/helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  try {
    const code = await COMMANDS.drift.run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const numeric = fixture('numeric.json');
const categorical = fixture('categorical.json');
const numCase = numeric.cases.find((c: any) => c.name === 'missing values mixed in (null, "", "NaN")');
const catCase = categorical.cases.find((c: any) => c.name === 'new categories in current');

function csvOf(num: unknown[], cat: unknown[]): string {
  const n = Math.max(num.length, cat.length);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  const lines = ['amount,colour'];
  for (let i = 0; i < n; i++) lines.push(`${cell(num[i])},${cell(cat[i])}`);
  return lines.join('\n') + '\n';
}

function jsonlOf(num: unknown[], cat: unknown[]): string {
  const n = Math.max(num.length, cat.length);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ inferenceId: `i${i}`, request: { instances: [{ amount: num[i] ?? null, colour: cat[i] ?? null }] } }));
  }
  return lines.join('\n') + '\n';
}

const refLen = Math.max(numCase.reference.length, catCase.reference.length);
const curLen = Math.max(numCase.current.length, catCase.current.length);
// pad the shorter column with missing values; the expected missingRateDelta is recomputed for the padded rows
function expectedMissingDelta(col: unknown[], curCol: unknown[], isMissing: (v: unknown) => boolean): number {
  const refMissing = col.filter(isMissing).length + (refLen - col.length);
  const curMissing = curCol.filter(isMissing).length + (curLen - curCol.length);
  return curMissing / curLen - refMissing / refLen;
}
const missing = (v: unknown) => v === null || v === '' || v === 'NaN';

test('--json prints the documented contract, last, with scipy-identical statistics (CSV)', async () => {
  const ref = write('ref.csv', csvOf(numCase.reference, catCase.reference));
  const cur = write('cur.csv', csvOf(numCase.current, catCase.current));
  const { code, out, err } = await cli('--reference', ref, '--current', cur, '--json');
  expect(err).toBe('');
  expect(code).toBe(0);
  const last = JSON.parse(out.trim().split('\n').pop()!);
  expect(Object.keys(last)).toEqual(['features', 'drifted', 'records', 'malformed']);
  expect(Object.keys(last.features.amount)).toEqual(['type', 'n', 'psi', 'jensenShannon', 'ksStatistic', 'ksPValue', 'wassersteinNormed', 'missingRateDelta']);
  expect(Object.keys(last.features.colour)).toEqual(['type', 'n', 'psi', 'chiSquare', 'chiSquarePValue', 'jensenShannon', 'lInfinity', 'unseenRate', 'missingRateDelta']);
  for (const k of ['psi', 'jensenShannon', 'ksStatistic', 'ksPValue', 'wassersteinNormed']) {
    expect(Math.abs(last.features.amount[k] - numCase.expected[k])).toBeLessThanOrEqual(1e-9 * Math.abs(numCase.expected[k]) + 1e-15);
  }
  for (const k of ['psi', 'jensenShannon', 'chiSquare', 'chiSquarePValue', 'lInfinity', 'unseenRate']) {
    expect(Math.abs(last.features.colour[k] - catCase.expected[k])).toBeLessThanOrEqual(1e-9 * Math.abs(catCase.expected[k]) + 1e-15);
  }
  expect(last.features.amount.missingRateDelta).toBeCloseTo(expectedMissingDelta(numCase.reference, numCase.current, missing), 12);
  // default thresholds applied to scipy's values
  const e = numCase.expected;
  const amountDrifted = e.psi > 0.2 || e.jensenShannon > 0.1 || e.ksPValue < 0.05 || e.wassersteinNormed > 0.1;
  const k = catCase.expected;
  const colourDrifted = k.psi > 0.2 || k.jensenShannon > 0.1 || k.chiSquarePValue < 0.05;
  expect(last.drifted).toEqual([...(amountDrifted ? ['amount'] : []), ...(colourDrifted ? ['colour'] : [])]);
  expect(last.drifted.length).toBeGreaterThan(0);
  expect(last.records).toEqual({ reference: refLen, current: curLen });
  expect(last.malformed).toEqual({ reference: 0, current: 0 });
});

test('JSON Lines capture records with --json-path give the same statistics as CSV', async () => {
  const ref = write('ref.jsonl', jsonlOf(numCase.reference, catCase.reference));
  const cur = write('cur.jsonl', jsonlOf(numCase.current, catCase.current).replace('\n', '\n{broken\n'));
  const viaPath = await cli('--reference', ref, '--current', cur, '--json', '--json-path', 'request.instances[0]');
  const viaDefault = await cli('--reference', ref, '--current', cur, '--json');
  const fromCsv = await cli('--reference', path.join(dir, 'ref.csv'), '--current', path.join(dir, 'cur.csv'), '--json');
  const a = JSON.parse(viaPath.out.split('\n').pop()!);
  const b = JSON.parse(viaDefault.out.split('\n').pop()!);
  const c = JSON.parse(fromCsv.out.split('\n').pop()!);
  expect(a.features).toEqual(b.features);
  expect(a.features.amount).toEqual(c.features.amount);
  expect(a.features.colour).toEqual(c.features.colour);
  expect(a.malformed).toEqual({ reference: 0, current: 1 });
  expect(viaPath.err).toMatch(/1 malformed row\(s\) in current .*cur\.jsonl skipped \(line 2: not valid JSON\)/);
});

test('the readable table, with a feature spec (types and per-feature thresholds)', async () => {
  const spec = write('spec.json', JSON.stringify({
    features: [{ name: 'amount', type: 'numeric' }, { name: 'colour', thresholds: { psi: 100, jensenShannon: 1, chiSquarePValue: 0 } }],
    thresholds: { ksPValue: 0.5 },
  }));
  const { code, out } = await cli('--reference', path.join(dir, 'ref.csv'), '--current', path.join(dir, 'cur.csv'), '--features', spec);
  expect(code).toBe(0);
  const lines = out.split('\n');
  expect(lines[0]).toMatch(/^feature\s+type\s+n\s+psi\s+js\s+ks\s+ks p\s+w\/std\s+chi2\s+chi2 p\s+l-inf\s+unseen\s+d-missing\s+drift$/);
  expect(lines.find((l) => l.startsWith('amount'))).toMatch(/^amount\s+numeric\s+\d+\s/);
  expect(lines.find((l) => l.startsWith('colour'))).not.toMatch(/DRIFT/);
  expect(out).toMatch(/reference: \d+ rows \(0 malformed\), current: \d+ rows \(0 malformed\)/);
});

describe('errors: clear message on stderr, non-zero exit', () => {
  const ref = () => path.join(dir, 'ref.csv');
  test.each<[string, () => string[], number, RegExp]>([
    ['unreadable reference', () => ['--reference', path.join(dir, 'nope.csv'), '--current', ref()], 1, /cannot read .*nope\.csv: no such file/],
    ['missing named features', () => ['--reference', ref(), '--current', ref(), '--features', write('s1.json', '["amount","height"]')], 1, /reference .*ref\.csv has no feature\(s\) named "height" \(it has: amount, colour\)/],
    ['invalid spec type', () => ['--reference', ref(), '--current', ref(), '--features', write('s2.json', '[{"name":"amount","type":"text"}]')], 1, /features\[0\]: type must be "numeric" or "categorical", got "text"/],
    ['unknown threshold', () => ['--reference', ref(), '--current', ref(), '--features', write('s3.json', '{"features":["amount"],"thresholds":{"pis":1}}')], 1, /unknown threshold "pis"/],
    ['spec not JSON', () => ['--reference', ref(), '--current', ref(), '--features', write('s4.json', '{')], 1, /is not valid JSON/],
    ['no readable rows', () => ['--reference', ref(), '--current', write('empty.jsonl', '{"x":1}\n')], 1, /current .*empty\.jsonl has no readable rows \(1 malformed\)/],
    ['missing --current', () => ['--reference', ref()], 2, /--reference and --current are required/],
    ['unknown option', () => ['--reference', ref(), '--current', ref(), '--jsn'], 2, /unknown option "--jsn"/],
  ])('%s', async (_name, args, code, re) => {
    const r = await cli(...args());
    expect(r.code).toBe(code);
    expect(r.err).toMatch(re);
    expect(r.out).toBe('');
  });
});

test('--help', async () => {
  const r = await cli('--help');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/usage: cdk-mlops drift --reference <file> --current <file>/);
});
