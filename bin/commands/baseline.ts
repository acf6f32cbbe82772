/**
 * `cdk-mlops baseline`: seeds a model's drift baseline from a reference file, with the same
 * parser (the training pipeline's baseline step) and the same engine (BaselineBuilder) the
 * TrainingPipeline uses, so a model already in production gets a baseline before its first
 * retrain. Documented in docs/drift-monitor.md ("Seeding the first baseline").
 *
 *   cdk-mlops baseline --reference <file> (--out <file> | --s3-uri s3://bucket/key)
 *                      [--features <spec.json>] [--max-rows N] [--region r] [--profile p] [--json]
 *
 * Exit codes (bin/commands/cli.ts): 0 written; 2 usage or input error (no such file, no records,
 * bad spec); 4 the upload to S3 failed (credentials, permissions, no such bucket).
 */
import * as fs from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BaselineBuilder } from '../../lib/monitoring/engine';
import type { FeatureSpec } from '../../lib/monitoring/engine';
import { parseS3Uri, readRecords } from '../../lib/runtime/training-pipeline/baseline';
import { CliError, EXIT, parseArgs, warn } from './cli';
import { loadFeatureSpec } from './drift';
import type { Command } from './index';

const USAGE = `usage: cdk-mlops baseline --reference <file> (--out <file> | --s3-uri s3://bucket/key) [options]

Seeds a model's drift baseline (the file DriftMonitor compares capture windows against) from a
reference sample, with the engine the TrainingPipeline uses.

  --reference <file>   CSV with a header row, or JSON Lines of objects (.csv, .jsonl, .json,
                       .ndjson; optionally .gz)
  --out <file>         write the baseline JSON to a file
  --s3-uri <uri>       upload it, e.g. to the model's DriftMonitor baselineKey:
                       s3://<baseline bucket>/<baselineKey>
  --features <file>    feature spec JSON (as for \`cdk-mlops drift\`); default: every field, types inferred
  --max-rows <n>       read at most n records (default: all)
  --region <r>, --profile <p>   for --s3-uri (default: the standard AWS provider chain)
  --json               print a JSON summary on stdout

exit codes: 0 written, 2 usage or input error, 4 the S3 upload failed (see cdk-mlops --help).`;

interface Args {
  reference: string;
  out?: string;
  s3Uri?: string;
  features?: string;
  maxRows: number;
  region?: string;
  profile?: string;
  json: boolean;
}

function readArgs(argv: string[]): Args {
  const { options: o } = parseArgs(argv, {
    '--reference': 'value', '--out': 'value', '--s3-uri': 'value', '--features': 'value', '--max-rows': 'value',
    '--region': 'value', '--profile': 'value', '--json': 'flag',
  });
  const str = (k: string) => (typeof o[k] === 'string' ? o[k] as string : undefined);
  const args: Args = {
    reference: str('reference') ?? '', out: str('out'), s3Uri: str('s3-uri'), features: str('features'),
    region: str('region'), profile: str('profile'), json: o.json === true, maxRows: Number.POSITIVE_INFINITY,
  };
  if (!args.reference) throw new CliError('--reference is required');
  if (!args.out && !args.s3Uri) throw new CliError('give --out <file> or --s3-uri s3://bucket/key');
  if (args.s3Uri !== undefined && !/^s3:\/\/[^/]+\/.+/.test(args.s3Uri)) throw new CliError(`--s3-uri must look like s3://bucket/key, got "${args.s3Uri}"`);
  const maxRows = str('max-rows');
  if (maxRows !== undefined) {
    const n = Number(maxRows);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--max-rows must be a whole number >= 1, got "${maxRows}"`);
    args.maxRows = n;
  }
  return args;
}

/** Reads the reference file into a baseline; counts malformed records with their record numbers. */
export function buildBaselineFromFile(file: string, features: FeatureSpec[] | undefined, maxRows = Number.POSITIVE_INFINITY): {
  baseline: ReturnType<BaselineBuilder['finish']>; rows: number; malformed: number; examples: string[];
} {
  if (!/\.(csv|jsonl|json|ndjson)(\.gz)?$/i.test(file)) {
    throw new CliError(`${file}: unknown format (give a .csv, .jsonl, .json or .ndjson file, optionally .gz)`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const builder = new BaselineBuilder({ features });
  let rows = 0;
  let malformed = 0;
  let record = 0;
  const examples: string[] = [];
  const full = () => rows >= maxRows;
  try {
    readRecords(file, bytes, (row) => {
      record++;
      if (full()) return;
      builder.add(row);
      rows++;
    }, (why) => {
      record++;
      malformed++;
      if (examples.length < 5) examples.push(`record ${record}: ${why}`);
    }, full);
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
  if (rows === 0) throw new CliError(`${file}: no records${malformed ? ` (${malformed} malformed: ${examples.join('; ')})` : ''}`);
  return { baseline: builder.finish(), rows, malformed, examples };
}

async function upload(uri: string, body: string, region?: string, profile?: string): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  const client = new S3Client({ region, profile, forcePathStyle: !!process.env.AWS_ENDPOINT_URL_S3 || !!process.env.AWS_ENDPOINT_URL });
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  } catch (e) {
    const err = e as Error & { name?: string };
    throw new CliError(`upload to ${uri} failed: ${err.name ?? 'Error'}: ${err.message}`, EXIT.AWS);
  } finally {
    client.destroy();
  }
}

export const baselineCommand: Command = {
  summary: 'seed a model\'s drift baseline from a reference file (same engine as TrainingPipeline)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const args = readArgs(argv);
    let features: FeatureSpec[] | undefined;
    if (args.features) features = loadFeatureSpec(args.features).features;
    const { baseline, rows, malformed, examples } = buildBaselineFromFile(args.reference, features, args.maxRows);
    const body = JSON.stringify(baseline);
    if (args.out) fs.writeFileSync(args.out, body);
    if (args.s3Uri) await upload(args.s3Uri, body, args.region, args.profile);
    const summary = {
      records: rows, malformed, features: Object.keys(baseline.features),
      written: [args.out, args.s3Uri].filter((x): x is string => !!x),
    };
    if (args.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(`baseline of ${summary.features.length} feature(s) from ${rows} record(s) -> ${summary.written.join(', ')}`);
    }
    if (malformed) warn(`skipped ${malformed} malformed record(s): ${examples.join('; ')}`);
    return EXIT.OK;
  },
};
