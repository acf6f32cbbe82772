/**
 * `cdk-mlops drift`: exact drift statistics between a reference and a current sample.
 *
 *   cdk-mlops drift --reference <file> --current <file> [--features <spec.json>] [--json] [--json-path <path>]
 *
 * Files: CSV with a header, or JSON Lines capture records (features read from `request`,
 * or from --json-path). With --json one JSON object is printed last:
 *   {"features":{"<name>":{…}},"drifted":[…],"records":{…},"malformed":{…}}
 * Exit codes: 0 compared, 1 unreadable input / missing features / bad spec, 2 usage error.
 * Documented in docs/drift.md.
 */
import * as fs from 'fs';
import type { Command } from './index';
import { CategoricalDrift, DriftReport, DriftThresholds, FeatureSpec, NumericDrift, SampleComparison, THRESHOLD_KEYS } from '../../lib/monitoring/engine';
import { readSamples, ReadSummary } from '../../lib/monitoring/engine/readers';

const USAGE = `usage: cdk-mlops drift --reference <file> --current <file> [--features <spec.json>] [--json] [--json-path <path>]

  --reference <file>   reference sample: CSV with a header, or JSON Lines capture records
  --current <file>     current sample, same formats
  --features <file>    feature spec JSON: [{"name":"age","type":"numeric","thresholds":{"psi":0.25}}, …]
                       or {"features":[…],"thresholds":{…}}; default: every field, types inferred
  --json               print one JSON object (last line) instead of a table
  --json-path <path>   JSON Lines: where the features are in each record, e.g. request.instances[0]
                       (default: request.features, else request.instances[0], else request)`;

/** Thrown for a user error: printed without a stack, exit code 1 (or 2 for usage). */
class CliError extends Error {
  constructor(message: string, public readonly code = 1) {
    super(message);
  }
}

interface Args {
  reference: string;
  current: string;
  features?: string;
  json: boolean;
  jsonPath?: string;
}

function parseArgs(argv: string[]): Args | 'help' {
  const out: Partial<Args> = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new CliError(`${flag} needs a value\n${USAGE}`, 2);
      return v;
    };
    switch (flag) {
      case '--help': case '-h': return 'help';
      case '--reference': out.reference = value(); break;
      case '--current': out.current = value(); break;
      case '--features': out.features = value(); break;
      case '--json-path': out.jsonPath = value(); break;
      case '--json': out.json = true; break;
      default: throw new CliError(`unknown option "${a}"\n${USAGE}`, 2);
    }
  }
  if (!out.reference || !out.current) throw new CliError(`--reference and --current are required\n${USAGE}`, 2);
  return out as Args;
}

function checkThresholds(t: unknown, where: string): Partial<DriftThresholds> {
  if (t === undefined) return {};
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new CliError(`${where}: "thresholds" must be an object`);
  for (const [k, v] of Object.entries(t)) {
    if (!THRESHOLD_KEYS.includes(k as keyof DriftThresholds)) {
      throw new CliError(`${where}: unknown threshold "${k}" (allowed: ${THRESHOLD_KEYS.join(', ')})`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new CliError(`${where}: threshold "${k}" must be a non-negative number, got ${JSON.stringify(v)}`);
  }
  return t as Partial<DriftThresholds>;
}

/** Reads and validates a feature spec file. */
export function loadFeatureSpec(file: string): { features: FeatureSpec[]; thresholds: Partial<DriftThresholds> } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read feature spec ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CliError(`feature spec ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const root = Array.isArray(doc) ? { features: doc } : doc;
  if (typeof root !== 'object' || root === null || !Array.isArray((root as any).features)) {
    throw new CliError(`feature spec ${file} must be an array of features or {"features": [...], "thresholds": {...}}`);
  }
  const thresholds = checkThresholds((root as any).thresholds, file);
  const seen = new Set<string>();
  const features = ((root as any).features as unknown[]).map((f, i): FeatureSpec => {
    const where = `${file}: features[${i}]`;
    const spec = typeof f === 'string' ? { name: f } : f;
    if (typeof spec !== 'object' || spec === null || typeof (spec as any).name !== 'string' || !(spec as any).name) {
      throw new CliError(`${where} must be a name or an object with a non-empty "name"`);
    }
    const s = spec as any;
    if (seen.has(s.name)) throw new CliError(`${where}: feature "${s.name}" is listed twice`);
    seen.add(s.name);
    if (s.type !== undefined && s.type !== 'numeric' && s.type !== 'categorical') {
      throw new CliError(`${where}: type must be "numeric" or "categorical", got ${JSON.stringify(s.type)}`);
    }
    const unknown = Object.keys(s).filter((k) => !['name', 'type', 'thresholds'].includes(k));
    if (unknown.length) throw new CliError(`${where}: unknown key(s) ${unknown.join(', ')} (allowed: name, type, thresholds)`);
    return { name: s.name, type: s.type, thresholds: checkThresholds(s.thresholds, `${where} (${s.name})`) };
  });
  if (features.length === 0) throw new CliError(`feature spec ${file} lists no features`);
  return { features, thresholds };
}

/** JSON with NaN/±Infinity written as null. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

function fmt(x: number | undefined): string {
  if (x === undefined) return '';
  if (!Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(2);
  if (a >= 1000) return String(Math.round(x));
  return x.toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** The readable table. */
export function renderTable(report: DriftReport): string {
  const head = ['feature', 'type', 'n', 'psi', 'js', 'ks', 'ks p', 'w/std', 'chi2', 'chi2 p', 'l-inf', 'unseen', 'd-missing', 'drift'];
  const drifted = new Set(report.drifted);
  const rows = Object.entries(report.features).map(([name, f]) => {
    const num = f.type === 'numeric' ? (f as NumericDrift) : undefined;
    const cat = f.type === 'categorical' ? (f as CategoricalDrift) : undefined;
    return [
      name, f.type, String(f.n), fmt(f.psi), fmt(f.jensenShannon), fmt(num?.ksStatistic), fmt(num?.ksPValue),
      fmt(num?.wassersteinNormed), fmt(cat?.chiSquare), fmt(cat?.chiSquarePValue), fmt(cat?.lInfinity),
      fmt(cat?.unseenRate), fmt(f.missingRateDelta), drifted.has(name) ? 'DRIFT' : '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function run(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      console.log(USAGE);
      return 0;
    }
    const spec = args.features ? loadFeatureSpec(args.features) : undefined;
    const cmp = new SampleComparison({ features: spec?.features, thresholds: spec?.thresholds });
    const read = async (file: string, which: 'reference' | 'current'): Promise<ReadSummary> => {
      const target = which === 'reference' ? cmp.reference : cmp.current;
      const summary = await readSamples(file, (row) => target.add(row), { jsonPath: args.jsonPath, trackColumns: true });
      target.malformed = summary.malformed;
      if (summary.malformed > 0) {
        console.error(`cdk-mlops drift: ${summary.malformed} malformed row(s) in ${which} ${file} skipped (${summary.malformedExamples.join('; ')})`);
      }
      if (summary.rows === 0) throw new CliError(`${which} ${file} has no readable rows${summary.malformed ? ` (${summary.malformed} malformed)` : ''}`);
      if (spec) {
        const have = new Set(summary.columns);
        const missing = spec.features.map((f) => f.name).filter((n) => !have.has(n));
        if (missing.length) {
          throw new CliError(`${which} ${file} has no feature(s) named ${missing.map((m) => `"${m}"`).join(', ')} `
            + `(it has: ${summary.columns.slice(0, 20).join(', ')}${summary.columns.length > 20 ? ', …' : ''})`);
        }
      }
      return summary;
    };
    const ref = await read(args.reference, 'reference');
    const cur = await read(args.current, 'current');
    const report = cmp.result();
    if (args.json) {
      console.log(toJson({
        features: report.features,
        drifted: report.drifted,
        records: { reference: ref.rows, current: cur.rows },
        malformed: { reference: ref.malformed, current: cur.malformed },
      }));
    } else {
      console.log(renderTable(report));
      console.log('');
      console.log(`reference: ${ref.rows} rows (${ref.malformed} malformed), current: ${cur.rows} rows (${cur.malformed} malformed)`);
      console.log(report.drifted.length ? `drifted: ${report.drifted.join(', ')}` : 'drifted: none');
    }
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      console.error(`cdk-mlops drift: ${e.message}`);
      return e.code;
    }
    console.error(`cdk-mlops drift: ${(e as Error).message}`);
    return 1;
  }
}

/** The `drift` command. */
export const driftCommand: Command = {
  summary: 'drift statistics between a reference and a current sample (CSV or JSON Lines)',
  run,
};
