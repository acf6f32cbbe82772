// Lets a child process of the multi-process synthesis test run the TypeScript app directly
// (node -r test/util/register-ts.js test/fleet/fixtures/process-group-app.ts): .ts files are transpiled to CommonJS on require,
// with the TypeScript compiler the project already depends on (no type checking; jest checks types).
// A .js file with a .ts beside it outside node_modules (jsii's output in lib/) loads the .ts instead,
// so the children run the same sources as the jest parent, never stale compiled output.
// test/util/*.js is not ignored (.gitignore), so it is committed like the other test helpers.
const fs = require('node:fs');
const ts = require('typescript');

function compileTs(module, filename) {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true, inlineSourceMap: true },
  });
  module._compile(outputText, filename);
}

const loadJs = require.extensions['.js'];
require.extensions['.ts'] = compileTs;
require.extensions['.js'] = function (module, filename) {
  const source = filename.replace(/\.js$/, '.ts');
  if (!filename.includes(`${require('node:path').sep}node_modules${require('node:path').sep}`) && fs.existsSync(source)) return compileTs(module, source);
  return loadJs(module, filename);
};
