// The vitest configuration mutation testing (npm run test:mutation) runs: the unit tests and the
// PostgreSQL/SQLite integration tests, no Kafka broker. Left out: the *.e2e.test.ts files (Kafka broker,
// or the built dist/cli/main.js run as a subprocess, which never runs the mutated src/), the browser test,
// and the package-exports test (it imports the built dist/, not src/).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/**/*.unit.test.ts', 'test/**/*.int.test.ts'],
    exclude: ['**/node_modules/**', 'test/package-exports.unit.test.ts'],
    globalSetup: ['test/mutation/preflight.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the properties make a tenth of their runs (test/helpers/property-runs.ts)
    env: { MUTATION_TESTING: '1' },
  },
});
