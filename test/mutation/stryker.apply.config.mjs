// The second pass of npm run test:mutation (the first is stryker.core.config.mjs, the third
// stryker.cli.config.mjs): the apply path, against the SQLite/PostgreSQL integration tests that write through
// it. Fold and contract have their own pass because several integration test files parse their workloads
// while vitest collects them, outside any test, which makes most fold and contract mutants "static" here
// (run against every test file, minutes each).
import { mutationRun } from './stryker.shared.mjs';

export default mutationRun({
  name: 'apply',
  // applyBatch and the store modules it writes through
  mutate: ['src/store/apply-batch.ts', 'src/store/apply-transaction.ts', 'src/store/bulk-sql.ts', 'src/store/entity-columns.ts', 'src/store/signal-columns.ts', 'src/store/rollups.ts', 'src/store/rollup-measures.ts', 'src/store/stored-fold-state.ts'],
  testFiles: [
    'test/store/apply-batch.int.test.ts',
    'test/store/apply-batch.safety-net.int.test.ts',
    'test/store/apply-batch.results.int.test.ts',
    'test/store/apply-batch.retries.int.test.ts',
    'test/store/apply-batch.edges.int.test.ts',
    'test/store/apply-batch.fuzz.int.test.ts',
    'test/store/apply-batch.concurrent.int.test.ts',
    'test/store/entity-columns.int.test.ts',
    'test/store/stored-fold-state.unit.test.ts',
    'test/numeric/exact-decimal.unit.test.ts',
    'test/rules/*.int.test.ts',
    'test/ingest/batch-applier.int.test.ts',
    'test/regressions/*.int.test.ts',
    // the rollups, against the analytics oracle, and the loader's rows against the apply path's
    'test/analytics/analytics.inputs.int.test.ts',
    'test/analytics/analytics.percentile-ties.int.test.ts',
    'test/analytics/analytics-loader.int.test.ts',
  ],
});
