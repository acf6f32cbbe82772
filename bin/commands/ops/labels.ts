/**
 * `cdk-mlops labels put <model> --file labels.csv|labels.jsonl`: ground truth entered by hand, in the
 * DriftMonitor's label format (docs/drift-monitor.md, "Data layout"): JSON Lines
 * `{"inferenceId": "...", "label": ...}` under the model's labels prefix, in the hour partition of
 * arrival `<prefix>dt=YYYY-MM-DD/hour=HH/`. Every row is validated as the monitor reads it (an id,
 * a label of the model's problem type, optionally a `type` column that must match it); rejected rows
 * are listed with their line numbers and never written.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseBinaryLabel, parseFiniteNumber } from '../../../lib/monitoring/engine/quality';
import type { Command } from '../index';
import { AwsClients, checkModelName, COMMON_FLAGS_HELP, EXIT, OpsError, ParsedArgs, runCommand } from './common';
import { findLoops, findModel } from './discovery';

const USAGE = `usage: cdk-mlops labels put <model> --file <labels.csv|labels.jsonl> [--format csv|jsonl] [--dry-run] [--json] [common options]

Writes ground-truth labels for the model's quality monitoring. Rows: an id (column/field
"inferenceId" or "id"), a label ("label" or "value"; binary: 0/1, true/false, yes/no, positive/negative;
regression: a number) and optionally a "type" that must be the model's problem type. CSV needs a
header row. Rejected rows are reported with their line numbers; the accepted rows are written
(exit 7 when any row was rejected). --dry-run validates without writing.

${COMMON_FLAGS_HELP}`;

export type ProblemType = 'binary' | 'regression';

export interface LabelValidation {
  accepted: { line: number; inferenceId: string; label: number }[];
  rejected: { line: number; reason: string }[];
}

const ID_KEYS = ['inferenceId', 'id'];
const VALUE_KEYS = ['label', 'value'];

/** Splits one CSV line (RFC 4180 quoting, one physical line per record); undefined when malformed. */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i === line.length) return out;
      if (line[i] !== ',') return undefined;
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

function checkRow(row: Record<string, unknown>, problemType: ProblemType, line: number, seen: Map<string, number>, v: LabelValidation): void {
  const idKey = ID_KEYS.find((k) => row[k] !== undefined && row[k] !== '');
  const valueKey = VALUE_KEYS.find((k) => row[k] !== undefined && row[k] !== '');
  const id = idKey ? row[idKey] : undefined;
  if (typeof id !== 'string' || id.trim() === '') return void v.rejected.push({ line, reason: 'no inference id ("inferenceId" or "id")' });
  if (id.length > 1024 || [...id].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return void v.rejected.push({ line, reason: 'the inference id must be at most 1024 characters without control characters' });
  const type = row.type;
  if (type !== undefined && type !== '' && type !== problemType) {
    return void v.rejected.push({ line, reason: `type ${JSON.stringify(type)} does not match the model's problem type "${problemType}"` });
  }
  if (!valueKey) return void v.rejected.push({ line, reason: 'no label ("label" or "value")' });
  const raw = row[valueKey];
  const label = problemType === 'binary' ? parseBinaryLabel(raw) : (typeof raw === 'boolean' ? undefined : parseFiniteNumber(raw));
  if (label === undefined) {
    return void v.rejected.push({ line, reason: `label ${JSON.stringify(raw)} is not ${problemType === 'binary' ? 'a binary label (0/1, true/false, yes/no, positive/negative)' : 'a finite number'}` });
  }
  const first = seen.get(id);
  if (first !== undefined) return void v.rejected.push({ line, reason: `inference id ${JSON.stringify(id)} is already labelled on line ${first}` });
  seen.set(id, line);
  v.accepted.push({ line, inferenceId: id, label });
}

/** Validates a labels file's text; line numbers are 1-based physical lines. */
export function validateLabels(text: string, format: 'csv' | 'jsonl', problemType: ProblemType): LabelValidation {
  const v: LabelValidation = { accepted: [], rejected: [] };
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (format === 'jsonl') {
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(l);
      } catch {
        return void v.rejected.push({ line: i + 1, reason: 'not JSON' });
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row)) return void v.rejected.push({ line: i + 1, reason: 'not a JSON object' });
      checkRow(row as Record<string, unknown>, problemType, i + 1, seen, v);
    });
    return v;
  }
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) return v;
  const header = splitCsvLine(lines[headerIndex])?.map((h) => h.trim());
  if (!header || !header.some((h) => ID_KEYS.includes(h)) || !header.some((h) => VALUE_KEYS.includes(h))) {
    throw new OpsError(`line ${headerIndex + 1}: the CSV header must name an id column ("inferenceId" or "id") and a label column ("label" or "value"), got ${JSON.stringify(lines[headerIndex])}`, EXIT.ROWS_REJECTED);
  }
  const unknown = header.filter((h) => ![...ID_KEYS, ...VALUE_KEYS, 'type'].includes(h));
  if (unknown.length) throw new OpsError(`line ${headerIndex + 1}: unknown CSV column(s) ${unknown.join(', ')} (allowed: inferenceId|id, label|value, type)`, EXIT.ROWS_REJECTED);
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = splitCsvLine(lines[i]);
    if (!fields || fields.length !== header.length) {
      v.rejected.push({ line: i + 1, reason: fields ? `${fields.length} fields, the header has ${header.length}` : 'malformed CSV quoting' });
      continue;
    }
    checkRow(Object.fromEntries(header.map((h, j) => [h, fields[j].trim()])), problemType, i + 1, seen, v);
  }
  return v;
}

/** The object key of an upload arriving at `now`: `<prefix>dt=YYYY-MM-DD/hour=HH/manual-<stamp>-<hash>.jsonl`. */
export function labelObjectKey(prefix: string, now: Date, body: string): string {
  const iso = now.toISOString();
  const stamp = iso.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return `${prefix}dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/manual-${stamp}-${hash}.jsonl`;
}

async function put(args: ParsedArgs, aws: AwsClients): Promise<number> {
  if (args.positional[0] !== 'put' || args.positional.length !== 2) throw new OpsError(`expected "put <model>"\n${USAGE}`, EXIT.USAGE);
  const name = checkModelName(args.positional[1], USAGE);
  const file = args.values.get('--file');
  if (!file) throw new OpsError(`--file is required\n${USAGE}`, EXIT.USAGE);
  const format = (args.values.get('--format') ?? (/\.csv$/i.test(file) ? 'csv' : /\.(jsonl|ndjson|json)$/i.test(file) ? 'jsonl' : undefined));
  if (format !== 'csv' && format !== 'jsonl') throw new OpsError(`cannot tell the format of ${file}: name it .csv or .jsonl, or pass --format csv|jsonl\n${USAGE}`, EXIT.USAGE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new OpsError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT.USAGE);
  }
  const model = await findModel(name, await findLoops(args, aws), aws, args);
  const quality = model.monitor?.quality;
  if (!quality) {
    throw new OpsError(`model "${name}" has no quality monitoring (its DriftMonitor config has no "quality"): labels would never be read. Add quality to the model's MonitoredModel first`, EXIT.UNSUPPORTED);
  }
  const problemType = quality.problemType as ProblemType;
  const v = validateLabels(text, format, problemType);
  let key: string | undefined;
  if (v.accepted.length && !args.flags.has('--dry-run')) {
    const body = v.accepted.map((a) => JSON.stringify({ inferenceId: a.inferenceId, label: a.label })).join('\n') + '\n';
    key = labelObjectKey(quality.prefix, new Date(), body);
    await aws.s3.send(new PutObjectCommand({ Bucket: quality.bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }));
  }
  if (args.flags.has('--json')) {
    console.log(JSON.stringify({ model: name, problemType, accepted: v.accepted.length, rejected: v.rejected, written: key ? `s3://${quality.bucket}/${key}` : null }));
  } else {
    for (const r of v.rejected.slice(0, 100)) console.log(`${file}:${r.line}: rejected: ${r.reason}`);
    if (v.rejected.length > 100) console.log(`… and ${v.rejected.length - 100} more rejected rows`);
    console.log(`accepted ${v.accepted.length}, rejected ${v.rejected.length} (${problemType} labels of ${name})`);
    console.log(key ? `wrote s3://${quality.bucket}/${key}` : args.flags.has('--dry-run') ? 'dry run: nothing written' : 'nothing written');
  }
  return v.rejected.length ? EXIT.ROWS_REJECTED : EXIT.OK;
}

export const labelsCommand: Command = {
  summary: 'labels put <model> --file f: enter ground truth by hand (validated rows)',
  usage: USAGE,
  run: (argv) => runCommand('labels', USAGE, argv, { values: ['--file', '--format'], flags: ['--dry-run', '--json'] }, put),
};
