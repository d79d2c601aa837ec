// The second pass of npm run test:mutation (the first is stryker.core.config.mjs, the third
// stryker.cli.config.mjs): the apply path, against the SQLite/PostgreSQL integration tests that write through
// it. Fold and contract have their own pass because several integration test files parse their workloads
// while vitest collects them, outside any test, which makes most fold and contract mutants "static" here
// (run against every test file, minutes each).
import { mutationRun, partOf } from './stryker.shared.mjs';

// applyBatch and the store modules it writes through
const FILES = ['apply-batch', 'apply-transaction', 'bulk-sql', 'entity-columns', 'signal-columns', 'rollups', 'rollup-measures', 'stored-fold-state'];

// The whole pass takes about 3 h on two cores (each mutant of apply-transaction.ts reruns the fuzz suite and the
// analytics tests that cover it): MUTATION_APPLY_PART=<name>:<file>,<file> runs it on some of its files, named
// from src/store/ without the extension, with its reports named apply-<name>; docs/tests.md says how the parts
// add up (node scripts/mutation-scores.ts takes every part's report at once).
// Parts must not overlap: the scores add every report's mutants up.
const part = partOf('MUTATION_APPLY_PART', 'src/store', 'tx:apply-transaction');
const chosen = part?.files ?? FILES.map((f) => `src/store/${f}.ts`);
const outside = chosen.filter((f) => !FILES.some((known) => f === `src/store/${known}.ts`));
if (outside.length > 0) throw new Error(`MUTATION_APPLY_PART names files outside the apply path: ${outside.join(', ')} (it has ${FILES.join(', ')})`);

export default mutationRun({
  name: part ? `apply-${part.name}` : 'apply',
  mutate: chosen,
  testFiles: [
    'test/store/apply-batch.int.test.ts',
    'test/store/apply-batch.safety-net.int.test.ts',
    'test/store/apply-batch.results.int.test.ts',
    'test/store/apply-batch.retries.int.test.ts',
    'test/store/apply-batch.edges.int.test.ts',
    'test/store/apply-batch.fuzz.int.test.ts',
    'test/store/apply-batch.concurrent.int.test.ts',
    'test/store/entity-columns.int.test.ts',
    // COPY's text format against the JSON arrays, and a taken key in a COPY
    'test/store/copy-rows.int.test.ts',
    // the rollup contributions of rows being written (contributionsOfRows), against the database's
    'test/store/rollup-contributions.int.test.ts',
    // dead-letters retry applies through applyBatch without writing dead letters (writeNoDeadLetters)
    'test/store/retry-dead-letters.int.test.ts',
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
