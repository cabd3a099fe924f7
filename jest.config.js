/** Unit tests beside the code; integration tests run once per engine against real services. */
const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
};
const integration = (engine) => ({
  ...base,
  displayName: `integration:${engine}`,
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  setupFiles: [`<rootDir>/test/support/engine.${engine}.ts`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
});
module.exports = {
  testTimeout: 120000,
  projects: [{ ...base, displayName: 'unit', testMatch: ['<rootDir>/{src,workers,buildpacks,ui/src}/**/*.test.ts'] }, integration('docker'), integration('podman')],
};
