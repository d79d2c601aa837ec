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
