// Snapshot serializer: replaces asset hashes (64 hex chars, and the
// "asset.<hash>" / "<hash>.zip" forms) so snapshots only change when the
// infrastructure does, not when a handler's bytes do.
const HASH = /[0-9a-f]{64}/g;
module.exports = {
  test: (val) => typeof val === 'string' && /[0-9a-f]{64}/.test(val),
  serialize: (val) => JSON.stringify(val.replace(HASH, '[HASH REMOVED]')),
};
