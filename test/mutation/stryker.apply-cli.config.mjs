// The second pass of npm run test:mutation (the first is stryker.core.config.mjs): the apply path and the CLI
// commands, against the unit and the PostgreSQL/SQLite integration tests. Fold and contract have their own pass
// because several integration test files parse their workloads while vitest collects them, outside any test,
// which makes most fold and contract mutants "static" here (run against every test file, minutes each).
import { mutationRun } from './stryker.shared.mjs';

export default mutationRun({
  name: 'apply-cli',
  mutate: [
    // the apply path: applyBatch and the store modules it writes through
    'src/store/apply-batch.ts',
    'src/store/bulk-sql.ts',
    'src/store/signal-columns.ts',
    'src/store/rollups.ts',
    // the CLI commands: the tests run them through the built dist/cli/main.js (a subprocess), which never
    // runs the mutated src/, so only what unit and integration tests import in-process is covered
    'src/cli/commands/**/*.ts',
  ],
});
