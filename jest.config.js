// One Jest run for the whole workspace: `unit` (specs beside the code, may use the real Postgres and
// NATS) and `e2e` (boots the real apps as processes). SWC transforms with decorator metadata.
const { swcOptions, jestModuleNameMapper } = require('./tools/scripts/swc-options.cjs');

const swc = swcOptions();
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swc, sourceMaps: 'inline' }] };
const common = {
  transform,
  moduleNameMapper: jestModuleNameMapper(),
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/tools/scripts/jest-setup.cjs'],
};

module.exports = {
  rootDir: __dirname,
  // Global option (Jest ignores it per project): e2e tests boot processes and may wait for events.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '/apps/platform-e2e/'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/platform-e2e/src/**/*.e2e.ts'],
      globalSetup: '<rootDir>/apps/platform-e2e/src/support/global-setup.ts',
      globalTeardown: '<rootDir>/apps/platform-e2e/src/support/global-teardown.ts',
    },
  ],
};
