// npm run test:mutation:core (and the first pass of npm run test:mutation): src/fold and src/contract against
// the unit tests, which pin these pure layers; exits 1 below the 85 % target (MUTATION_BREAK=off:
// never, as npm run test:mutation does so that its second pass still runs).
import { mutationRun } from './stryker.shared.mjs';

const breakAt = process.env.MUTATION_BREAK === 'off' ? null : Number(process.env.MUTATION_BREAK ?? 85);

export default mutationRun({
  name: 'core',
  // not the validators Ajv compiled (src/contract/generated), which a test holds equal to what npm run schemas writes
  mutate: ['src/fold/**/*.ts', 'src/contract/**/*.ts', '!src/contract/generated/**'],
  // The unit tests that pin these layers. Left out: unit tests of other layers (the codecs, settings, database
  // URLs, exactAdd, the architecture test), which import the contract too and would only add minutes.
  testFiles: [
    'test/fold/**/*.unit.test.ts',
    'test/contract/**/*.unit.test.ts',
    'test/rules/*.unit.test.ts',
    'test/regressions/*.unit.test.ts',
    'test/errors.unit.test.ts',
  ],
  breakAt,
});
