import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration suites start real servers (moto, SMTP); their set-up may install moto once.
    hookTimeout: 300_000,
    testTimeout: 30_000,
    pool: 'forks',
  },
});
