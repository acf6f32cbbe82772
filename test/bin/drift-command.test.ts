/**
 * `cdk-mlops drift`, run in-process through its Command (stdout/stderr captured from console).
 * The JSON contract is checked against the numpy/scipy fixture values.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { fixture } from '../monitoring/engine/helpers';
import { CliRun, runCliCapture } from '../util/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(...argv: string[]): Promise<CliRun> {
  return runCliCapture('drift', argv);
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
  expect(Object.keys(last)).toEqual(['features', 'drifted', 'decisions', 'records', 'malformed']);
  // Why each feature is (not) drifted: the calibrated decision (docs/drift.md, "Decision").
  expect(Object.keys(last.decisions.amount)).toEqual(['pValue', 'level', 'significant', 'psiCorrected', 'jensenShannonCorrected', 'material', 'drifted']);
  expect(last.drifted).toEqual(Object.keys(last.decisions).filter((n) => last.decisions[n].drifted));
  expect(Object.keys(last.features.amount)).toEqual(['type', 'n', 'psi', 'jensenShannon', 'ksStatistic', 'ksPValue', 'wassersteinNormed', 'missingRateDelta']);
  expect(Object.keys(last.features.colour)).toEqual(['type', 'n', 'psi', 'chiSquare', 'chiSquarePValue', 'jensenShannon', 'lInfinity', 'unseenRate', 'missingRateDelta']);
  for (const k of ['psi', 'jensenShannon', 'ksStatistic', 'ksPValue', 'wassersteinNormed']) {
    expect(Math.abs(last.features.amount[k] - numCase.expected[k])).toBeLessThanOrEqual(1e-9 * Math.abs(numCase.expected[k]) + 1e-15);
  }
  for (const k of ['psi', 'jensenShannon', 'chiSquare', 'chiSquarePValue', 'lInfinity', 'unseenRate']) {
    expect(Math.abs(last.features.colour[k] - catCase.expected[k])).toBeLessThanOrEqual(1e-9 * Math.abs(catCase.expected[k]) + 1e-15);
  }
  expect(last.features.amount.missingRateDelta).toBeCloseTo(expectedMissingDelta(numCase.reference, numCase.current, missing), 12);
  // The calibrated decision (docs/drift.md, "Decision") on scipy's values: the numeric feature's
  // test is scipy's KS p-value; Holm's procedure at alpha 0.005 over the two features compared.
  const e = numCase.expected;
  expect(last.decisions.amount.pValue).toBeCloseTo(e.ksPValue, 12);
  const ranked = ['amount', 'colour'].sort((a, b) => last.decisions[a].pValue - last.decisions[b].pValue);
  expect(last.decisions[ranked[0]].level).toBeCloseTo(0.005 / 2, 15);
  for (const name of ranked) {
    const d = last.decisions[name];
    if (Number.isFinite(d.level)) expect(d.significant).toBe(d.pValue <= d.level);
    expect(d.drifted).toBe(d.significant && d.material);
  }
  const a = last.features.amount;
  expect(last.decisions.amount.material).toBe(last.decisions.amount.psiCorrected >= 0.2 || last.decisions.amount.jensenShannonCorrected >= 0.1
    || a.ksStatistic >= 0.1 || a.wassersteinNormed >= 0.1);
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
    features: [{ name: 'amount', type: 'numeric' }, { name: 'colour', thresholds: { psi: 100, jensenShannon: 1 } }],
    thresholds: { alpha: 0.01 },
  }));
  const { code, out } = await cli('--reference', path.join(dir, 'ref.csv'), '--current', path.join(dir, 'cur.csv'), '--features', spec);
  expect(code).toBe(0);
  const lines = out.split('\n');
  expect(lines[0]).toMatch(/^feature\s+type\s+n\s+psi\s+js\s+ks\s+ks p\s+w\/std\s+chi2\s+chi2 p\s+l-inf\s+unseen\s+d-missing\s+drift$/);
  expect(lines.find((l) => l.startsWith('amount'))).toMatch(/^amount\s+numeric\s+\d+\s/);
  expect(lines.find((l) => l.startsWith('colour'))).not.toMatch(/DRIFT/);
  expect(out).toMatch(/reference: \d+ rows \(0 malformed\), current: \d+ rows \(0 malformed\)/);
});

describe('errors: one prefix on stderr, exit 2 for usage and input errors (docs/drift.md)', () => {
  const ref = () => path.join(dir, 'ref.csv');
  test.each<[string, () => string[], number, RegExp]>([
    ['unreadable reference', () => ['--reference', path.join(dir, 'nope.csv'), '--current', ref()], 2, /cannot read reference .*nope\.csv: no such file/],
    ['missing named features', () => ['--reference', ref(), '--current', ref(), '--features', write('s1.json', '["amount","height"]')], 2, /reference .*ref\.csv has no feature\(s\) named "height" \(it has: amount, colour\)/],
    ['invalid spec type', () => ['--reference', ref(), '--current', ref(), '--features', write('s2.json', '[{"name":"amount","type":"text"}]')], 2, /features\[0\]: type must be "numeric" or "categorical", got "text"/],
    ['unknown threshold', () => ['--reference', ref(), '--current', ref(), '--features', write('s3.json', '{"features":["amount"],"thresholds":{"pis":1}}')], 2, /unknown threshold "pis"/],
    ['a former threshold', () => ['--reference', ref(), '--current', ref(), '--features', write('s3b.json', '{"features":["amount"],"thresholds":{"ksPValue":0.05}}')], 2, /unknown threshold "ksPValue"/],
    ['alpha per feature', () => ['--reference', ref(), '--current', ref(), '--features', write('s3c.json', '[{"name":"amount","thresholds":{"alpha":0.01}}]')], 2, /unknown threshold "alpha" \(alpha is model-wide/],
    ['spec not JSON', () => ['--reference', ref(), '--current', ref(), '--features', write('s4.json', '{')], 2, /is not valid JSON/],
    ['no readable rows', () => ['--reference', ref(), '--current', write('empty.jsonl', '{"x":1}\n')], 2, /current .*empty\.jsonl has no readable rows \(1 malformed\)/],
    ['missing --current', () => ['--reference', ref()], 2, /--reference and --current are required/],
    ['unknown option', () => ['--reference', ref(), '--current', ref(), '--jsn'], 2, /unknown option "--jsn"/],
  ])('%s', async (_name, args, code, re) => {
    const r = await cli(...args());
    expect(r.code).toBe(code);
    expect(r.err).toMatch(re);
    // One error line with the one prefix; anything else on stderr is a prefixed warning.
    expect(r.err.split('\n').filter((l) => l.startsWith('cdk-mlops: error: '))).toHaveLength(1);
    expect(r.err.split('\n').every((l) => /^cdk-mlops: (error|warning): /.test(l))).toBe(true);
    expect(r.out).toBe('');
  });
});

test('--help prints the usage on stdout, with the exit codes, and exits 0', async () => {
  const r = await cli('--help');
  expect(r.code).toBe(0);
  expect(r.err).toBe('');
  expect(r.out).toMatch(/usage: cdk-mlops drift --reference <file> --current <file>/);
  expect(r.out).toMatch(/--fail-on-drift\s+exit 1 when a feature drifted/);
  expect(r.out).toMatch(/exit codes: 0 compared .*; 1 drift found with --fail-on-drift;\s+2 usage or input error; 3 internal error/);
});

// ---- strict inputs (issue 13, defect 6: "Drift CLI, wrong results with exit 0" and "other problems") ----

/** A deterministic sample: `n` rows of amount (numeric, shifted by `shift`) and colour (categorical). */
function sample(n: number, shift: number, seed: number): { amount: number[]; colour: string[] } {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const amount: number[] = [];
  const colour: string[] = [];
  for (let i = 0; i < n; i++) {
    amount.push(Math.round((next() * 100 + shift) * 100) / 100);
    colour.push(['red', 'green', 'blue'][Math.floor(next() * 3)]);
  }
  return { amount, colour };
}
const base = sample(400, 0, 1);
const baseCsv = csvOf(base.amount, base.colour);
const shifted = sample(400, 60, 2);
const shiftedCsv = csvOf(shifted.amount, shifted.colour);

describe('strict inputs: errors that used to give wrong results with exit 0', () => {
  const refFile = () => write('base.csv', baseCsv);

  test('a CSV header naming a column twice is an input error (it used to take the second column silently)', async () => {
    const dup = write('dup.csv', baseCsv.replace('amount,colour', 'amount,amount'));
    const r = await cli('--reference', refFile(), '--current', dup);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdk-mlops: error: cannot read current .*dup\.csv: the CSV header names column\(s\) "amount" more than once \(line 1\)$/);
    expect(r.out).toBe('');
  });

  test.each<[string, () => Buffer, RegExp]>([
    ['a NUL byte (binary file)', () => Buffer.concat([Buffer.from('amount,colour\n1,red\n'), Buffer.from([0, 1, 2, 3, 0, 255, 254]), Buffer.from('\n2,blue\n')]), /it is binary \(a NUL byte at offset 20\)/],
    ['bytes that are not UTF-8 (no NUL)', () => Buffer.from(Array.from({ length: 3000 }, (_v, i) => 0x80 + ((i * 37) % 120))), /it is binary or not UTF-8 \(\d+ invalid UTF-8 sequences in the first 3000 bytes\)/],
    ['UTF-16 text', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('amount,colour\n1,red\n', 'utf16le')]), /it is UTF-16 text \(byte-order mark\); convert it to UTF-8/],
  ])('binary input is an input error: %s', async (_name, bytes, re) => {
    const f = path.join(dir, 'binary.dat');
    fs.writeFileSync(f, bytes());
    const r = await cli('--reference', refFile(), '--current', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdk-mlops: error: cannot read current .*binary\.dat: /);
    expect(r.err).toMatch(re);
    expect(r.out).toBe('');
  });

  test('gzip-compressed files are detected by their magic bytes and decompressed (CSV and JSON Lines, any name)', async () => {
    const plain = await cli('--reference', refFile(), '--current', write('shifted.csv', shiftedCsv), '--json');
    expect(plain.code).toBe(0);
    const gzCsv = path.join(dir, 'shifted.csv.gz');
    fs.writeFileSync(gzCsv, zlib.gzipSync(shiftedCsv));
    const noName = path.join(dir, 'shifted-capture');
    fs.writeFileSync(noName, zlib.gzipSync(jsonlOf(shifted.amount, shifted.colour)));
    const viaCsv = await cli('--reference', refFile(), '--current', gzCsv, '--json');
    const viaJsonl = await cli('--reference', refFile(), '--current', noName, '--json');
    expect([viaCsv.code, viaCsv.err, viaJsonl.code, viaJsonl.err]).toEqual([0, '', 0, '']);
    expect(JSON.parse(viaCsv.out)).toEqual(JSON.parse(plain.out));
    expect(JSON.parse(viaJsonl.out)).toEqual(JSON.parse(plain.out));
  });

  test('a truncated gzip file is an input error, not a partial sample', async () => {
    const gz = zlib.gzipSync(shiftedCsv);
    const f = path.join(dir, 'truncated.csv.gz');
    fs.writeFileSync(f, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await cli('--reference', refFile(), '--current', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdk-mlops: error: cannot read current .*truncated\.csv\.gz: the gzip stream is corrupt or truncated/);
  });

  test('no feature in common with the reference is an input error', async () => {
    const other = write('other.csv', baseCsv.replace('amount,colour', 'price,shade'));
    const r = await cli('--reference', refFile(), '--current', other, '--json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdk-mlops: error: no feature in common: reference .*base\.csv has amount, colour; current .*other\.csv has price, shade$/);
    expect(r.out).toBe('');
  });

  test('an unterminated quote is an input error naming the physical line where the quoted field starts', async () => {
    // line 1 header, lines 2-3 a quoted field with a newline, line 4 blank, line 5 fine, line 6 opens a quote that never closes
    const text = 'amount,colour\n1,"dark\nred"\n\n2,blue\n3,"green\n4,red\n5,blue\n';
    const r = await cli('--reference', refFile(), '--current', write('open.csv', text));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdk-mlops: error: cannot read current .*open\.csv: line 6: unterminated quoted field \(the quote opens on line 6 and never closes\): everything after it was read as one field/);
  });
});

describe('strict inputs: line numbers, invalid UTF-8, --json-path, exit codes', () => {
  test('CSV: malformed records are reported with the physical line they start on (quoted newlines, blank lines, CRLF)', async () => {
    const text = 'amount,colour\r\n1,"multi\r\nline"\r\n\r\n2\r\n3,red\r\n\n4,red,extra\r\n5,"x"y\n';
    const r = await cli('--reference', write('base.csv', baseCsv), '--current', write('lines.csv', text), '--json');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/3 malformed row\(s\) in current .*lines\.csv skipped \(line 5: 1 fields, header has 2; line 8: 3 fields, header has 2; line 9: stray quote\)/);
    expect(JSON.parse(r.out).malformed).toEqual({ reference: 0, current: 3 });
  });

  test('JSON Lines: line numbers count blank lines (physical lines)', async () => {
    const good = (a: number) => JSON.stringify({ request: { amount: a, colour: 'red' } });
    const text = [good(1), '', '', '{not json', good(2), '   ', '{"request":"text"}', good(3)].join('\n') + '\n';
    const r = await cli('--reference', write('base.csv', baseCsv), '--current', write('blank.jsonl', text), '--json');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/2 malformed row\(s\) in current .*blank\.jsonl skipped \(line 4: not valid JSON; line 7: no feature object in "request"\)/);
  });

  test('invalid UTF-8 in a record is counted as malformed and the record skipped (a real U+FFFD is data)', async () => {
    const clean = write('clean.csv', 'amount,colour\n1,red\n2,re\uFFFDd\n3,blue\n');
    const bytes = Buffer.concat([Buffer.from('amount,colour\n1,red\n2,re\uFFFDd\n'), Buffer.from('9,bl'), Buffer.from([0xe9]), Buffer.from('u\n3,blue\n')]);
    const dirty = path.join(dir, 'latin1.csv');
    fs.writeFileSync(dirty, bytes);
    const a = await cli('--reference', write('base.csv', baseCsv), '--current', clean, '--json');
    const b = await cli('--reference', write('base.csv', baseCsv), '--current', dirty, '--json');
    expect(b.code).toBe(0);
    expect(b.err).toMatch(/1 malformed row\(s\) in current .*latin1\.csv skipped \(line 4: invalid UTF-8\)/);
    const ja = JSON.parse(a.out);
    const jb = JSON.parse(b.out);
    expect(jb.malformed).toEqual({ reference: 0, current: 1 });
    expect(jb.records).toEqual(ja.records);
    expect(jb.features).toEqual(ja.features);
    // The same in JSON Lines.
    const jl = path.join(dir, 'latin1.jsonl');
    fs.writeFileSync(jl, Buffer.concat([Buffer.from('{"request":{"amount":1,"colour":"red"}}\n{"request":{"amount":2,"colour":"r'), Buffer.from([0xe9]), Buffer.from('d"}}\n')]));
    const c = await cli('--reference', write('base.csv', baseCsv), '--current', jl, '--json');
    expect(c.err).toMatch(/1 malformed row\(s\) in current .*latin1\.jsonl skipped \(line 2: invalid UTF-8\)/);
    expect(JSON.parse(c.out).records.current).toBe(1);
  });

  test('a bad --json-path is a usage error (exit 2), before any file is read', async () => {
    const r = await cli('--reference', path.join(dir, 'does-not-exist.jsonl'), '--current', path.join(dir, 'cur.jsonl'), '--json-path', 'request.instances[x]');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdk-mlops: error: --json-path: invalid JSON path "request\.instances\[x\]": \[x\] must be an index or a quoted key$/);
  });

  test('--json-path with two CSV files is a usage error', async () => {
    const f = write('base.csv', baseCsv);
    const r = await cli('--reference', f, '--current', f, '--json-path', 'request');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--json-path applies to JSON Lines files; both files are CSV/);
  });

  test('--fail-on-drift: exit 1 when a feature drifted, 0 when none did; --json prints only the JSON either way', async () => {
    const ref = write('base.csv', baseCsv);
    const drifted = await cli('--reference', ref, '--current', write('shifted.csv', shiftedCsv), '--json', '--fail-on-drift');
    expect(drifted.code).toBe(1);
    expect(JSON.parse(drifted.out).drifted).toContain('amount');
    const same = await cli('--reference', ref, '--current', ref, '--json', '--fail-on-drift');
    expect(same.code).toBe(0);
    expect(JSON.parse(same.out).drifted).toEqual([]);
    // Without the flag a drift is still exit 0 (a report, not a check).
    expect((await cli('--reference', ref, '--current', write('shifted.csv', shiftedCsv))).code).toBe(0);
  });
});
