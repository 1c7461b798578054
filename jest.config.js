/**
 * Two projects: `unit` (pure tables and real sockets against the simulator, no Temporal server) and
 * `temporal` (workflows on a real dev server started once by the global setup).
 */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  clearMocks: true,
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/integration/**/*.test.ts'] },
    {
      ...common,
      displayName: 'temporal',
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/temporal-global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/temporal-global-teardown.ts',
    },
  ],
};
