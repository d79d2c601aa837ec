/**
 * How many runs a fast-check property makes. Under mutation testing (test/mutation/vitest.config.ts sets
 * MUTATION_TESTING=1) every mutant that survives reruns every property covering it, in instrumented code
 * about three times slower: there each property makes a tenth of its runs, at least 50. The full counts
 * run in npm test; a mutant only a full count catches is reported as survived, never hidden.
 */
export const MUTATION_TESTING = process.env.MUTATION_TESTING === '1';

export function propertyRuns(runs: number): number {
  return MUTATION_TESTING ? Math.max(50, Math.ceil(runs / 10)) : runs;
}

/**
 * How long a property that stops on time (fast-check's interruptAfterTimeLimit, the fuzz suites) may run: under
 * mutation testing a third, since every surviving mutant it covers waits its whole limit out (the apply pass's
 * survivors in apply-transaction.ts each reran 65 s of fuzzing). A mutant only a longer run catches is reported
 * as survived, never hidden.
 */
export function propertyTimeLimit(ms: number): number {
  return MUTATION_TESTING ? Math.ceil(ms / 3) : ms;
}
