/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // jsii writes lib/**/*.js beside the sources: resolve .ts first so tests never run stale output.
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json', 'node'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/util/global-setup.js',
  setupFiles: ['<rootDir>/test/util/polyfills.js'],
  snapshotSerializers: ['<rootDir>/testing/template-serializer.js', '<rootDir>/test/util/asset-hash-serializer.js'],
  testTimeout: 120000,
  maxWorkers: 2,
};
