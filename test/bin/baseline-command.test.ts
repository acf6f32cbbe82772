// `cdk-mlops baseline`: seeds a drift baseline from a reference file with the engine the
// TrainingPipeline uses, to a file or to S3 (the real S3 client against the loopback fake).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBaselineFromFile } from '../../bin/commands/baseline';
import { BaselineBuilder, validateBaseline } from '../../lib/monitoring/engine';
import { Loopback } from '../fakes/aws-loopback';
import { CliRun, runCliCapture } from '../util/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baseline-cmd-'));
const csv = path.join(dir, 'reference.csv');
const rows = Array.from({ length: 500 }, (_, i) => ({ amount: (i * 7919) % 1000 / 10, country: ['us', 'de', 'fr'][i % 3] }));
fs.writeFileSync(csv, ['amount,country', ...rows.map((r) => `${r.amount},${r.country}`), '1,2,3'].join('\n'));

function run(argv: string[]): Promise<CliRun> {
  return runCliCapture('baseline', argv);
}

test('--help prints the usage on stdout and exits 0', async () => {
  const r = await run(['--help']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^usage: cdk-mlops baseline/);
});

test('writes the same baseline the engine builds from the same rows, and counts the malformed row', async () => {
  const file = path.join(dir, 'baseline.json');
  const r = await run(['--reference', csv, '--out', file, '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out)).toEqual({ records: 500, malformed: 1, features: ['amount', 'country'], written: [file] });
  const written = validateBaseline(JSON.parse(fs.readFileSync(file, 'utf8')));
  const direct = new BaselineBuilder();
  for (const row of rows) direct.add({ amount: String(row.amount), country: row.country });
  expect({ ...written, createdAt: undefined }).toEqual({ ...JSON.parse(JSON.stringify(direct.finish())), createdAt: undefined });
  expect(written.recordCount).toBe(500);
});

test('--max-rows stops reading; a feature spec picks and types the features', async () => {
  const spec = path.join(dir, 'spec.json');
  fs.writeFileSync(spec, JSON.stringify([{ name: 'country', type: 'categorical' }]));
  const { baseline, rows: n } = buildBaselineFromFile(csv, [{ name: 'country', type: 'categorical' }], 30);
  expect(n).toBe(30);
  expect(Object.keys(baseline.features)).toEqual(['country']);
  const r = await run(['--reference', csv, '--out', path.join(dir, 'b2.json'), '--features', spec, '--max-rows', '30', '--json']);
  expect(JSON.parse(r.out).records).toBe(30);
});

test('uploads to S3 with the standard client (loopback endpoint, no real address)', async () => {
  const root = path.join(dir, 's3');
  fs.mkdirSync(path.join(root, 'monitor-bucket'), { recursive: true });
  const server = new Loopback(root);
  await server.start();
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: 'true', ...server.clientEnv() });
  try {
    const ok = await run(['--reference', csv, '--s3-uri', 's3://monitor-bucket/baselines/fraud/current.json']);
    expect(ok.code).toBe(0);
    const stored = fs.readFileSync(path.join(root, 'monitor-bucket', 'baselines/fraud/current.json'), 'utf8');
    expect(validateBaseline(JSON.parse(stored)).recordCount).toBe(500);
    const missing = await run(['--reference', csv, '--s3-uri', 's3://no-such-bucket/b.json']);
    expect(missing.code).toBe(4);
    expect(missing.err).toMatch(/cdk-mlops: error: upload to s3:\/\/no-such-bucket\/b.json failed: NoSuchBucket/);
  } finally {
    process.env = saved;
    await server.stop();
  }
});

test.each([
  [['--out', 'x.json'], /--reference is required/],
  [['--reference', csv], /give --out <file> or --s3-uri/],
  [['--reference', csv, '--s3-uri', 'bucket/key'], /--s3-uri must look like s3:\/\/bucket\/key/],
  [['--reference', csv, '--out', 'x', '--max-rows', '0'], /--max-rows must be a whole number >= 1/],
  [['--reference', path.join(dir, 'nope.csv'), '--out', 'x'], /cannot read .*nope.csv: no such file/],
  [['--reference', path.join(dir, 'data.parquet'), '--out', 'x'], /unknown format/],
  [['--reference', csv, '--out', 'x', '--bogus'], /unknown option "--bogus"/],
  [['--reference', csv, '--out', 'x', '--out', 'y'], /option --out given twice/],
])('usage and input errors exit 2 with one message: %j', async (argv, message) => {
  const r = await run(argv as string[]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message as RegExp);
  expect(r.err.split('\n')[0]).toMatch(/^cdk-mlops: error: /);
});

test('a file with a header and no records is an input error', async () => {
  const empty = path.join(dir, 'empty.csv');
  fs.writeFileSync(empty, 'amount,country\n');
  const r = await run(['--reference', empty, '--out', path.join(dir, 'e.json')]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/empty.csv: no records/);
});
