// Settings the mutation passes share: stryker.core.config.mjs (npm run test:mutation:core, and the first pass
// of npm run test:mutation), stryker.apply.config.mjs and stryker.cli.config.mjs (its second and third).
// Reports: test-results/mutation/.
import fs from 'node:fs';
import path from 'node:path';

// The architecture test reads the source files from disk. In Stryker's sandbox they are instrumented
// copies (each starts with a function that reads process.env.__STRYKER_ACTIVE_MUTANT__), so under
// Stryker it reads the original src/ instead; the test runner processes inherit this variable.
process.env.SIGNAL_LEDGER_SOURCE_DIR = path.resolve('src');

/**
 * `related`: run a mutant only against test files that import its file (vitest's --related), besides the
 * per-test coverage; false for tests that reach the code through a subprocess (the command line).
 * @param {{ name: string, mutate: string[], testFiles?: string[], breakAt?: number | null, related?: boolean }} run
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function mutationRun({ name, mutate, testFiles = [], breakAt = null, related = true }) {
  // Static mutants (in code that runs when a module loads: constants, schema definitions) need every
  // related test file run afresh, about 30 s each here: left out (reported as Ignored, not in the score)
  // unless MUTATION_STATIC=1.
  const ignoreStatic = process.env.MUTATION_STATIC !== '1';
  return {
    testRunner: 'vitest',
    vitest: { configFile: 'test/mutation/vitest.config.ts', related },
    coverageAnalysis: 'perTest',
    mutate,
    testFiles,
    ignoreStatic,
    // Stryker rewrites tsconfig.json's extends/references through the TypeScript JS API, which
    // TypeScript 7 does not have: nothing here needs the rewrite, so point it at a file that is not there.
    tsconfigFile: 'test/mutation/no-tsconfig-to-rewrite.json',
    checkers: [],
    concurrency: 2,
    timeoutMS: 10_000,
    timeoutFactor: 2,
    dryRunTimeoutMinutes: 20,
    thresholds: { high: 85, low: 75, break: breakAt },
    // event-recorder: each mutant's result as a file as soon as it is known, so a run stopped before its end
    // still counts (node scripts/mutation-scores.ts test-results/mutation/<name>.events)
    reporters: ['clear-text', 'progress-append-only', 'html', 'json', 'event-recorder'],
    eventReporter: { baseDir: `test-results/mutation/${name}.events` },
    clearTextReporter: { reportTests: false, reportMutants: false, reportScoreTable: true },
    htmlReporter: { fileName: `test-results/mutation/${name}.html` },
    jsonReporter: { fileName: `test-results/mutation/${name}.json` },
    // used with --incremental (stryker run CONFIG --incremental): only mutants in changed code, or covered by changed tests, run again
    incrementalFile: `test-results/mutation/${name}.incremental.json`,
    tempDirName: 'test-results/.stryker-tmp',
    // Not needed by the tests the mutation runs use (the package-exports test, which needs dist/, is left out).
    ignorePatterns: ['/dist', '/.cache', '/data', '/.ci', '/test-results', '*.db', '*.db-wal', '*.db-shm'],
  };
}

/**
 * The part of a pass an environment variable names, as <name>:<file>,<file> (the files named from `dir`, without
 * the extension): undefined when the variable is not set, an error when it names no part, no file or a file
 * that is not there (a pass over nothing would report no mutants, not a mistake).
 * @param {string} variable
 * @param {string} dir
 * @param {string} example
 * @returns {{ name: string, files: string[] } | undefined}
 */
export function partOf(variable, dir, example) {
  const given = process.env[variable];
  if (given === undefined) return undefined;
  const [name, list, ...rest] = given.split(':');
  if (!name || !list || rest.length > 0) throw new Error(`${variable} is <name>:<file>,<file>, for example ${example}; got ${JSON.stringify(given)}`);
  const files = list.split(',').map((f) => path.normalize(`${dir}/${f}.ts`));
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) throw new Error(`${variable} names files that are not there: ${missing.join(', ')}`);
  return { name, files };
}
