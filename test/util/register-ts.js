// A require hook for child processes of tests that run TypeScript sources directly (e.g. the
// ModelFactory's multi-process synthesis test runs its fixture app again): `.ts` files are
// compiled to CommonJS with esbuild (a devDependency) when they are required.
const fs = require('node:fs');
const esbuild = require('esbuild');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcefile: filename,
    sourcemap: 'inline',
  });
  module._compile(code, filename);
};
