// Bundles the runtime handlers once before the suite, so constructs that load
// them with Code.fromAsset find assets/<name>/index.js (esbuild: ~1 s).
module.exports = async () => {
  const { bundleAll } = await import('../../scripts/bundle.mjs');
  await bundleAll({ quiet: true });
};
