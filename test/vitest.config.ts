import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/preflight.ts'],
    // a test file that leaves a connection, a server or a child process open fails (test/helpers/leak-guard.ts)
    setupFiles: ['test/helpers/leak-guard.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
