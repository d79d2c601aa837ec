// The third pass of npm run test:mutation: the CLI commands, against the tests that run the command line
// (test/helpers/cli.ts runs the mutated src/cli/main.ts as a subprocess under Stryker, with the active mutant
// in its environment, and brings the subprocess's coverage back: test/mutation/cli-coverage.mjs) and the
// command-line reference test (docs/cli.md against every command's --help, in process).
import { findTestBroker } from '../helpers/kafka-broker.ts';
import { mutationRun, partOf } from './stryker.shared.mjs';

// The commands' broker tests (test/cli/kafka-commands.broker.e2e.test.ts, replay-json-mixed-with-log-lines)
// share one broker for the whole pass: found or started here, in Stryker's own process, before its test
// runner processes start (they inherit KAFKA_BROKERS; test/mutation/preflight.ts provides it to the tests).
// A broker started here is sent SIGTERM when Stryker exits (a killed Stryker leaves it running, and the
// next run uses it).
const broker = await findTestBroker();
process.env.KAFKA_BROKERS = broker.brokers;
process.once('exit', () => void broker.release());

// The whole pass takes about 6 h on two cores (each mutant runs the commands its tests start, as
// subprocesses): MUTATION_CLI_PART=<name>:<file>,<file> runs it on some of the commands, with its reports
// named cli-<name>; docs/tests.md says how the parts add up.
// A part's files are named from src/cli/commands/, without the extension: ingest,../thread
const part = partOf('MUTATION_CLI_PART', 'src/cli/commands', 'ingest:ingest,../thread');

export default mutationRun({
  name: part ? `cli-${part.name}` : 'cli',
  mutate: part?.files ?? ['src/cli/commands/**/*.ts', 'src/cli/thread.ts'],
  testFiles: [
    // the commands' threads, started in process (src/cli/thread.ts)
    'test/cli/thread.unit.test.ts',
    // test/cli/ but node-versions.e2e.test.ts, which runs the built dist/ under other releases of Node.js
    'test/cli/cli-reference.unit.test.ts',
    'test/cli/dead-letters.e2e.test.ts',
    'test/cli/export.e2e.test.ts',
    'test/cli/generate-and-tables.e2e.test.ts',
    'test/cli/ingest.e2e.test.ts',
    'test/cli/kafka-commands.e2e.test.ts',
    'test/cli/kafka-commands.broker.e2e.test.ts',
    'test/cli/main.e2e.test.ts',
    'test/cli/report-tables.e2e.test.ts',
    'test/cli/signals-history.e2e.test.ts',
    'test/cli/rebuild.e2e.test.ts',
    'test/cli/terminal.e2e.test.ts',
    'test/cli/verify.e2e.test.ts',
    'test/cli/worker.e2e.test.ts',
    'test/rules/cli.e2e.test.ts',
    // the end-to-end regressions of the commands, but those that run the worker against the broker (each
    // takes tens of seconds, and would rerun for every worker mutant they reach). Also left out:
    // report-fails-on-read-only-sqlite, which runs the command as another user, who cannot read Stryker's
    // sandbox (created readable by its owner only)
    ...[
      'audit-trail-json-in-camel-case',
      'concurrent-ingest-database-is-locked',
      'control-characters-reach-the-terminal',
      'deep-json-nesting-overflows-the-stack',
      'event-id-reused-by-another-signal-fails-its-batch',
      'exit-codes-undocumented',
      'file-ingest-exited-1-on-a-signal-ledger-error',
      'flag-choice-exits-1-with-the-whole-usage',
      'invalid-utf8-line-stored-as-replacement-character',
      'limit-accepts-hex-and-exponents',
      'metrics-port-taken-exited-1',
      'lone-surrogate-in-string-value-lost-from-dead-letter',
      'naive-timestamps-from-utcnow-isoformat',
      'no-migrate-wrote-into-an-unmigrated-database',
      'object-value-numbers-rounded-on-file-ingest',
      'oversized-line-runs-ingest-out-of-memory',
      'password-in-error-lines',
      'password-in-start-log',
      'replay-json-mixed-with-log-lines',
      'read-commands-create-missing-database',
      'signals-list-from-reported-as-startDate',
      'sigterm-while-the-broker-is-unreachable-waits-30-s',
      'unstorable-text-and-year-10000-diverge-databases',
    ].map((name) => `test/regressions/${name}.e2e.test.ts`),
  ],
  // these tests import no command module: the coverage Stryker uses is what the subprocesses report
  related: false,
});
