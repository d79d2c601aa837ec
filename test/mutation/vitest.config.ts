// The vitest configuration mutation testing (npm run test:mutation) runs. Each pass names its test files
// (testFiles in stryker.*.config.mjs); this is what they may name: unit, PostgreSQL/SQLite integration and
// end-to-end tests (the e2e files that need no Kafka broker: the command line, which test/helpers/cli.ts runs
// from the mutated src/ under Stryker). Left out: the browser test, and the tests of the built dist/ (the
// package-exports test, and the engines-floor tests, which run dist/ under other releases of Node.js).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/**/*.unit.test.ts', 'test/**/*.int.test.ts', 'test/**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**', 'test/package-exports.unit.test.ts', 'test/cli/node-versions.e2e.test.ts', 'test/regressions/cli-prints-nothing-on-node-22-17.e2e.test.ts', 'test/regressions/stdout-closed-early-crashes-with-epipe.e2e.test.ts'],
    globalSetup: ['test/mutation/preflight.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the properties make a tenth of their runs (test/helpers/property-runs.ts)
    env: { MUTATION_TESTING: '1' },
  },
});
