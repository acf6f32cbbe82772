/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/util/global-setup.js',
  setupFiles: ['<rootDir>/test/util/polyfills.js'],
  snapshotSerializers: ['<rootDir>/test/util/asset-hash-serializer.js'],
  testTimeout: 120000,
  maxWorkers: 2,
};
