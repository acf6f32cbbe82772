/**
 * `cdk-mlops baseline`: seeds a model's drift baseline from a reference file, with the same
 * parser (the training pipeline's baseline step) and the same engine (BaselineBuilder) the
 * TrainingPipeline uses, so a model already in production gets a baseline before its first
 * retrain. Documented in docs/drift-monitor.md ("Seeding the first baseline").
 *
 *   cdk-mlops baseline --reference <file> (--out <file> | --s3-uri s3://bucket/key)
 *                      [--features <spec.json>] [--max-rows N] [--region r] [--profile p] [--json]
 *
 * Exit codes: 0 written; 2 usage or input error (no such file, no records, bad spec);
 * 3 the upload to S3 failed (credentials, permissions, no such bucket).
 */
import * as fs from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BaselineBuilder } from '../../lib/monitoring/engine';
import type { FeatureSpec } from '../../lib/monitoring/engine';
import { parseS3Uri, readRecords } from '../../lib/runtime/training-pipeline/baseline';
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

Exit codes: 0 written; 2 usage or input error; 3 the S3 upload failed.`;

class BaselineError extends Error {
  constructor(message: string, public readonly code: number) {
    super(message);
  }
}

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

function parseArgs(argv: string[]): Args | 'help' {
  const out: Partial<Args> = { json: false, maxRows: Number.POSITIVE_INFINITY };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new BaselineError(`${flag} needs a value`, 2);
      return v;
    };
    switch (flag) {
      case '--help': case '-h': return 'help';
      case '--reference': out.reference = value(); break;
      case '--out': out.out = value(); break;
      case '--s3-uri': out.s3Uri = value(); break;
      case '--features': out.features = value(); break;
      case '--region': out.region = value(); break;
      case '--profile': out.profile = value(); break;
      case '--json': out.json = true; break;
      case '--max-rows': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new BaselineError(`--max-rows must be a whole number >= 1, got "${v}"`, 2);
        out.maxRows = n;
        break;
      }
      default: throw new BaselineError(`unknown option "${a}"`, 2);
    }
  }
  if (!out.reference) throw new BaselineError('--reference is required', 2);
  if (!out.out && !out.s3Uri) throw new BaselineError('give --out <file> or --s3-uri s3://bucket/key', 2);
  if (out.s3Uri !== undefined && !/^s3:\/\/[^/]+\/.+/.test(out.s3Uri)) {
    throw new BaselineError(`--s3-uri must look like s3://bucket/key, got "${out.s3Uri}"`, 2);
  }
  return out as Args;
}

/** Reads the reference file into a baseline; counts malformed records with their record numbers. */
export function buildBaselineFromFile(file: string, features: FeatureSpec[] | undefined, maxRows = Number.POSITIVE_INFINITY): {
  baseline: ReturnType<BaselineBuilder['finish']>; rows: number; malformed: number; examples: string[];
} {
  if (!/\.(csv|jsonl|json|ndjson)(\.gz)?$/i.test(file)) {
    throw new BaselineError(`${file}: unknown format (give a .csv, .jsonl, .json or .ndjson file, optionally .gz)`, 2);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BaselineError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 2);
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
    throw new BaselineError(`${file}: ${(e as Error).message}`, 2);
  }
  if (rows === 0) throw new BaselineError(`${file}: no records${malformed ? ` (${malformed} malformed: ${examples.join('; ')})` : ''}`, 2);
  return { baseline: builder.finish(), rows, malformed, examples };
}

async function upload(uri: string, body: string, region?: string, profile?: string): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  const client = new S3Client({ region, profile, forcePathStyle: !!process.env.AWS_ENDPOINT_URL_S3 || !!process.env.AWS_ENDPOINT_URL });
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  } catch (e) {
    const err = e as Error & { name?: string };
    throw new BaselineError(`upload to ${uri} failed: ${err.name ?? 'Error'}: ${err.message}`, 3);
  } finally {
    client.destroy();
  }
}

export const baselineCommand: Command = {
  summary: 'seed a model\'s drift baseline from a reference file (same engine as TrainingPipeline)',
  async run(argv: string[]): Promise<number> {
    try {
      const args = parseArgs(argv);
      if (args === 'help') {
        console.log(USAGE);
        return 0;
      }
      let features: FeatureSpec[] | undefined;
      if (args.features) {
        try {
          features = loadFeatureSpec(args.features).features;
        } catch (e) {
          throw new BaselineError((e as Error).message, 2);
        }
      }
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
        if (malformed) console.error(`skipped ${malformed} malformed record(s): ${examples.join('; ')}`);
      }
      return 0;
    } catch (e) {
      if (e instanceof BaselineError) {
        console.error(`cdk-mlops baseline: error: ${e.message}`);
        if (e.code === 2 && /needs a value|unknown option|required|give --out|--s3-uri must|--max-rows/.test(e.message)) console.error(USAGE);
        return e.code;
      }
      throw e;
    }
  },
};
