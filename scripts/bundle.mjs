// Pre-bundles every runtime entry point (Lambda handlers, the capture sidecar)
// with esbuild, so that consumers synthesize offline without Docker:
//   lib/runtime/<name>/index.ts  ->  assets/<name>/index.js
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runtimeDir = join(root, 'lib', 'runtime');

export async function bundleAll({ quiet = false } = {}) {
  const names = existsSync(runtimeDir)
    ? readdirSync(runtimeDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(runtimeDir, d.name, 'index.ts')))
      .map((d) => d.name)
    : [];
  for (const name of names) {
    const outdir = join(root, 'assets', name);
    mkdirSync(outdir, { recursive: true });
    const result = await build({
      entryPoints: [join(runtimeDir, name, 'index.ts')],
      outfile: join(outdir, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
    });
    if (!quiet) {
      const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
      console.log(`bundled lib/runtime/${name} -> assets/${name}/index.js (${(bytes / 1024).toFixed(0)} KiB)`);
    }
  }
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleAll();
}
