/**
 * `cdk-mlops drift`: exact drift statistics between a reference and a current sample.
 *
 *   cdk-mlops drift --reference <file> --current <file> [--features <spec.json>] [--json] [--json-path <path>]
 *                   [--fail-on-drift] [--html <file>]
 *
 * Files: CSV with a header, or JSON Lines capture records (features read from `request`,
 * or from --json-path), either optionally gzip-compressed. With --json one JSON object is the
 * only output on stdout:
 *   {"features":{"<name>":{…}},"drifted":[…],"decisions":{"<name>":{pValue, level, significant,
 *    psiCorrected, jensenShannonCorrected, material, drifted}},"records":{…},"malformed":{…}}
 * Exit codes (EXIT in ./cli.ts): 0 compared; 1 drift found with --fail-on-drift; 2 usage or
 * input error (unreadable, binary or malformed file, no feature in common, bad spec or
 * --json-path). Documented in docs/drift.md.
 */
import * as fs from 'fs';
import { CategoricalDrift, DriftReport, DriftThresholds, FeatureSpec, NumericDrift, parseJsonPath, SampleComparison, FEATURE_THRESHOLD_KEYS, THRESHOLD_KEYS } from '../../lib/monitoring/engine';
import { readSamples, ReadSummary, SampleReadError } from '../../lib/monitoring/engine/readers';
import { CliError, EXIT, parseArgs, warn } from './cli';
import type { Command } from './index';

const USAGE = `usage: cdk-mlops drift --reference <file> --current <file> [--features <spec.json>] [--json]
                       [--json-path <path>] [--fail-on-drift] [--html <file>]

Exact drift statistics (PSI, Jensen-Shannon, KS, Wasserstein, chi-square) between two samples.

  --reference <file>   reference sample: CSV with a header, or JSON Lines capture records;
                       gzip-compressed files are detected by content and decompressed
  --current <file>     current sample, same formats
  --features <file>    feature spec JSON: [{"name":"age","type":"numeric","thresholds":{"psi":0.25}}, …]
                       or {"features":[…],"thresholds":{…}}; default: every field, types inferred
  --json               print one JSON object on stdout and nothing else (messages go to stderr)
  --json-path <path>   JSON Lines: where the features are in each record, e.g. request.instances[0]
                       (default: request.features, else request.instances[0], else request)
  --fail-on-drift      exit 1 when a feature drifted (for CI)
  --html <file>        also write a self-contained HTML report (histograms or category bars per feature,
                       each statistic against its threshold, drifted features first)

Malformed records (bad JSON, wrong CSV field count, invalid UTF-8) are skipped and counted, with
their line numbers on stderr. A file that cannot be read as a whole (binary, a header naming a
column twice, a quote that never closes) is an error.

exit codes: 0 compared (drifted or not, without --fail-on-drift); 1 drift found with --fail-on-drift;
            2 usage or input error; 3 internal error`;

const OPTIONS = {
  '--reference': 'value', '--current': 'value', '--features': 'value', '--json-path': 'value',
  '--json': 'flag', '--fail-on-drift': 'flag', '--html': 'value',
} as const;

/**
 * Checks a thresholds object: model-wide ones take every key, a feature's only the effect-size
 * floors (alpha is the family's: Holm's correction runs over every compared feature).
 */
function checkThresholds(t: unknown, where: string, perFeature = false): DriftThresholds {
  if (t === undefined) return {};
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new CliError(`${where}: "thresholds" must be an object`);
  const allowed = perFeature ? FEATURE_THRESHOLD_KEYS : THRESHOLD_KEYS;
  for (const [k, v] of Object.entries(t)) {
    if (!allowed.includes(k as keyof DriftThresholds)) {
      const why = perFeature && k === 'alpha' ? ' (alpha is model-wide: set it in the top-level "thresholds")' : '';
      throw new CliError(`${where}: unknown threshold "${k}"${why} (allowed: ${allowed.join(', ')})`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new CliError(`${where}: threshold "${k}" must be a non-negative number, got ${JSON.stringify(v)}`);
    if (k === 'alpha' && !(v > 0 && v < 1)) throw new CliError(`${where}: threshold "alpha" must be in (0, 1), got ${v}`);
  }
  return t as DriftThresholds;
}

/** Reads and validates a feature spec file. */
export function loadFeatureSpec(file: string): { features: FeatureSpec[]; thresholds: DriftThresholds } {
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
    return { name: s.name, type: s.type, thresholds: checkThresholds(s.thresholds, `${where} (${s.name})`, true) };
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
  const { options } = parseArgs(argv, OPTIONS);
  const reference = options.reference as string | undefined;
  const current = options.current as string | undefined;
  if (!reference || !current) throw new CliError('--reference and --current are required (see cdk-mlops drift --help)');
  const jsonPath = options['json-path'] as string | undefined;
  if (jsonPath !== undefined) {
    try {
      parseJsonPath(jsonPath);
    } catch (e) {
      throw new CliError(`--json-path: ${(e as Error).message}`);
    }
  }
  const spec = options.features ? loadFeatureSpec(options.features as string) : undefined;
  const cmp = new SampleComparison({ features: spec?.features, thresholds: spec?.thresholds });
  const read = async (file: string, which: 'reference' | 'current'): Promise<ReadSummary> => {
    const target = which === 'reference' ? cmp.reference : cmp.current;
    let summary: ReadSummary;
    try {
      summary = await readSamples(file, (row) => target.add(row), { jsonPath, trackColumns: true });
    } catch (e) {
      if (e instanceof SampleReadError) throw new CliError(e.message.replace(/^cannot read /, `cannot read ${which} `));
      throw e;
    }
    target.malformed = summary.malformed;
    if (summary.malformed > 0) {
      warn(`${summary.malformed} malformed row(s) in ${which} ${file} skipped (${summary.malformedExamples.join('; ')}${summary.malformed > summary.malformedExamples.length ? '; …' : ''})`);
    }
    if (summary.rows === 0) throw new CliError(`${which} ${file} has no readable rows${summary.malformed ? ` (${summary.malformed} malformed)` : ''}`);
    if (spec) {
      const have = new Set(summary.columns);
      const missing = spec.features.map((f) => f.name).filter((n) => !have.has(n));
      if (missing.length) {
        throw new CliError(`${which} ${file} has no feature(s) named ${missing.map((m) => `"${m}"`).join(', ')} `
          + `(it has: ${listed(summary.columns)})`);
      }
    }
    return summary;
  };
  const ref = await read(reference, 'reference');
  const cur = await read(current, 'current');
  if (jsonPath !== undefined && ref.format === 'csv' && cur.format === 'csv') {
    throw new CliError('--json-path applies to JSON Lines files; both files are CSV');
  }
  if (!spec) {
    const inCurrent = new Set(cur.columns);
    const common = ref.columns.filter((c) => inCurrent.has(c));
    if (common.length === 0) {
      throw new CliError(`no feature in common: reference ${reference} has ${listed(ref.columns)}; current ${current} has ${listed(cur.columns)}`);
    }
    const inReference = new Set(ref.columns);
    const onlyRef = ref.columns.filter((c) => !inCurrent.has(c));
    const onlyCur = cur.columns.filter((c) => !inReference.has(c));
    if (onlyRef.length) warn(`feature(s) only in the reference (all missing in current): ${listed(onlyRef)}`);
    if (onlyCur.length) warn(`feature(s) only in the current sample (all missing in reference): ${listed(onlyCur)}`);
  }
  const report = cmp.result();
  const html = options.html as string | undefined;
  if (html !== undefined) {
    const { driftReportView, renderDriftHtml } = await import('../report/drift-report');
    const view = driftReportView(cmp, report, {
      features: spec?.features, thresholds: spec?.thresholds,
      reference: { label: reference, rows: ref.rows, malformed: ref.malformed },
      current: { label: current, rows: cur.rows, malformed: cur.malformed },
    });
    try {
      fs.writeFileSync(html, renderDriftHtml(view));
    } catch (e) {
      throw new CliError(`cannot write ${html}: ${(e as Error).message}`);
    }
    console.error(`cdk-mlops: wrote ${html}`);
  }
  if (options.json) {
    console.log(toJson({
      features: report.features,
      drifted: report.drifted,
      decisions: report.decisions,
      records: { reference: ref.rows, current: cur.rows },
      malformed: { reference: ref.malformed, current: cur.malformed },
    }));
  } else {
    console.log(renderTable(report));
    console.log('');
    console.log(`reference: ${ref.rows} rows (${ref.malformed} malformed), current: ${cur.rows} rows (${cur.malformed} malformed)`);
    console.log(report.drifted.length ? `drifted: ${report.drifted.join(', ')}` : 'drifted: none');
  }
  return options['fail-on-drift'] && report.drifted.length > 0 ? EXIT.FAILED : EXIT.OK;
}

function listed(names: string[]): string {
  if (names.length === 0) return '(none)';
  return `${names.slice(0, 20).join(', ')}${names.length > 20 ? `, … (${names.length} in all)` : ''}`;
}

/** The `drift` command. */
export const driftCommand: Command = {
  summary: 'drift statistics between a reference and a current sample (CSV or JSON Lines)',
  usage: USAGE,
  run,
};
