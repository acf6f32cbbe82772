// Pre-bundles every runtime entry point (Lambda handlers, the capture sidecar)
// with esbuild, so that consumers synthesize offline without Docker:
//   lib/runtime/<name>/index.ts  ->  assets/<name>/index.js
// and the CLI, bin/cdk-mlops.ts -> bin/cdk-mlops.js (see bundleCli).
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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
  await bundleCli({ quiet });
  return names;
}

// The `cdk-mlops` CLI ships as one file: its commands, the simulator (with
// aws-local-stepfunctions and the AWS SDK clients the handlers use) and the
// closed-loop example are bundled in, so an installed package needs nothing
// from devDependencies. The peer dependencies stay external (the user's
// copies), and asset paths still resolve: bin/ and lib/ are both one level
// below the package root, so `__dirname/../assets` is the same folder.
const PEERS = ['aws-cdk-lib', 'constructs', 'cdk8s', 'cdk8s-plus-27', '@aws-cdk/lambda-layer-kubectl-v35'];

async function bundleCli({ quiet }) {
  const outfile = join(root, 'bin', 'cdk-mlops.js');
  const result = await build({
    entryPoints: [join(root, 'bin', 'cdk-mlops.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: PEERS.flatMap((p) => [p, `${p}/*`]),
    keepNames: true, // the simulator dispatches SDK commands by class name
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  chmodSync(outfile, 0o755);
  if (!quiet) {
    const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
    console.log(`bundled bin/cdk-mlops.ts -> bin/cdk-mlops.js (${(bytes / 1024).toFixed(0)} KiB, peer dependencies external)`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleAll();
}
