#!/usr/bin/env node
// Compares the CloudFormation templates of two cloud assemblies (`cdk.out` folders),
// ignoring asset hashes and CDK version-reporting metadata, so a refactoring can prove it changed nothing it did not mean to.
//   node scripts/compare-assemblies.mjs <before/cdk.out> <after/cdk.out> [--verbose]
// Exit 0: the same templates; 1: differences (listed per stack and JSON path); 2: usage.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [before, after] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const verbose = process.argv.includes('--verbose');
if (!before || !after || !existsSync(before) || !existsSync(after)) {
  console.error('usage: compare-assemblies.mjs <before cdk.out> <after cdk.out> [--verbose]');
  process.exit(2);
}

const HASH = /[0-9a-f]{64}/g;
/** Normalizes a template: asset hashes become a placeholder. */
function load(dir, file) {
  const t = JSON.parse(readFileSync(join(dir, file), 'utf8').replace(HASH, '<asset-hash>'));
  // Version reporting (`--no-version-reporting` or not) is not the app's content.
  delete t.Resources?.CDKMetadata;
  delete t.Conditions?.CDKMetadataAvailable;
  if (t.Conditions && Object.keys(t.Conditions).length === 0) delete t.Conditions;
  return t;
}

/** Lists the JSON paths where two values differ. */
function diff(a, b, path, out) {
  if (out.length > 200) return out;
  if (a === b) return out;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    out.push({ path, before: a, after: b });
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) diff(a[k], b[k], `${path}/${k}`, out);
  return out;
}

const templates = (dir) => readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort();
const names = new Set([...templates(before), ...templates(after)]);
let differences = 0;
for (const name of [...names].sort()) {
  const inBefore = existsSync(join(before, name));
  const inAfter = existsSync(join(after, name));
  if (!inBefore || !inAfter) {
    console.log(`${name}: only in ${inBefore ? 'before' : 'after'}`);
    differences++;
    continue;
  }
  const d = diff(load(before, name), load(after, name), '', []);
  if (d.length === 0) {
    console.log(`${name}: identical`);
    continue;
  }
  differences += d.length;
  console.log(`${name}: ${d.length} difference(s)`);
  for (const x of d) {
    const show = (v) => (v === undefined ? '(absent)' : JSON.stringify(v));
    const line = `  ${x.path}\n    - ${show(x.before)}\n    + ${show(x.after)}`;
    console.log(verbose ? line : line.split('\n').map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l)).join('\n'));
  }
}
process.exit(differences === 0 ? 0 : 1);
