// Jest runs TypeScript through @swc/jest: it only strips types (fast on two
// cores); `npm run typecheck` is the one type checker. Unit tests live beside
// the code (src/**/*.test.ts) and need nothing running; integration tests
// (test/integration) share one real kube-apiserver + etcd per run, started by
// the harness's global setup.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
};

export default {
  reporters: ['default', '<rootDir>/test/harness/jest-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/harness/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/jest-global-teardown.ts',
    },
  ],
};
