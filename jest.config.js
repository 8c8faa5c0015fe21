// Tests are TypeScript, transformed by swc (type-checking is `npm run typecheck`).
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  testTimeout: 60000,
  // Two workers: Jest's default (cores - 1) is one on the 2-core CI machine, which ran the suite serially in 19 of CI's 20 minutes.
  maxWorkers: 2,
  // One temporary directory per run, removed at its end (test/helpers/temp-root-setup.ts).
  globalSetup: '<rootDir>/test/helpers/temp-root-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/temp-root-teardown.ts',
};
