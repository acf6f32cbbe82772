// Where the pre-bundled runtime assets (`assets/<name>/`) are, seen from the code that asks.
// Constructs live in lib/<area>/ (two levels below the package root) and the CLI bundle
// in bin/ (one level below): the first candidate that exists wins, so both resolve the
// package's own assets folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The absolute path of `assets/<name>` in this package. */
export function assetPath(name: string): string {
  const candidates = [
    path.join(__dirname, '..', '..', 'assets', name),
    path.join(__dirname, '..', 'assets', name),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
}
