import * as fs from 'fs';
import * as path from 'path';

export function fixture<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8'));
}

/** |a − e| <= rel·|e| + abs; null expected means NaN. Returns an explanation or undefined. */
export function close(actual: number, expected: number | null, rel: number, abs = 0): string | undefined {
  if (expected === null) return Number.isNaN(actual) ? undefined : `expected NaN, got ${actual}`;
  if (!Number.isFinite(actual)) return `expected ${expected}, got ${actual}`;
  const err = Math.abs(actual - expected);
  return err <= rel * Math.abs(expected) + abs ? undefined : `expected ${expected}, got ${actual} (rel err ${err / Math.abs(expected)})`;
}

/** Asserts every named statistic is close, collecting all mismatches into one failure. */
export function expectClose(label: string, actual: Record<string, any>, expected: Record<string, any>, tol: Record<string, [number, number?]>): void {
  const problems: string[] = [];
  for (const [k, [rel, abs]] of Object.entries(tol)) {
    if (!(k in expected)) continue;
    const p = close(actual[k], expected[k], rel, abs ?? 0);
    if (p) problems.push(`${k}: ${p}`);
  }
  expect(`${label}\n${problems.join('\n')}`).toBe(`${label}\n`);
}
