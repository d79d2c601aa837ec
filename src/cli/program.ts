import { Command, CommanderError } from 'commander';
import { describeError, ErrorCode, LedgerError } from '../errors.ts';
import { PACKAGE_VERSION } from '../node-version.ts';
import { registerDeadLetters } from './commands/dead-letters.ts';
import { registerDigest } from './commands/digest.ts';
import { registerExport } from './commands/export.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerRebuild } from './commands/rebuild.ts';
import { registerReport } from './commands/report.ts';
import { registerReplay } from './commands/replay.ts';
import { registerSignals } from './commands/signals.ts';
import { registerTopics } from './commands/topics.ts';
import { registerVerify } from './commands/verify.ts';
import { registerWorker } from './commands/worker.ts';
import { escapeControls, hideUrls } from './output.ts';

const EXIT_CODES = `
Exit codes:
  0    done
  1    an unexpected error, a usage error (unknown command or flag), or a Node.js
       older than 22.17; verify: a record or rollup differs from its events;
       rebuild: a signal had to be left as it is (a payload no longer parses)
  2    a signal-ledger error: a bad flag, setting or database URL; a database
       that is unavailable, missing, or too old to read (or to write under
       --no-migrate); unreadable input (also ingest when some lines were
       unreadable: they are kept as dead letters)
  3    signals get/history: no signal with that id (or none yet at --as-of or
       --known-at)
  4    worker/replay with --on-invalid stop: a message broke the contract; its
       offset is not committed (the log names its topic, partition and offset)
  130  worker: a second SIGTERM/SIGINT stopped it at once
`;

/** Builds the `signal-ledger` command line. */
export function createProgram(): Command {
  const program = new Command('signal-ledger')
    .description('a complete, trustworthy record of every trading signal, from generation to execution')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version and exit')
    .option('--db <url>', 'database URL (sqlite:///path.db, sqlite:///:memory:, postgresql://user:pass@host:port/db); default $DATABASE_URL, else sqlite:///data/signals.db')
    .option('--no-migrate', 'PostgreSQL: apply no migrations on open, and refuse a database that lacks some (run migrate first)')
    .addHelpText('after', EXIT_CODES)
    .configureOutput({ outputError: (text, write) => write(hideUrls(text).split('\n').map(escapeControls).join('\n')) })
    .showHelpAfterError()
    .exitOverride();
  registerWorker(program);
  registerIngest(program);
  registerReplay(program);
  registerTopics(program);
  registerSignals(program);
  registerReport(program);
  registerVerify(program);
  registerDigest(program);
  registerRebuild(program);
  registerExport(program);
  registerDeadLetters(program);
  registerMigrate(program);
  registerGenerate(program);
  return program;
}

/** The exit code of a failure: see EXIT_CODES. */
function exitCodeOf(error: unknown): number {
  if (!(error instanceof LedgerError)) return 1;
  return error.code === ErrorCode.ContractViolation ? 4 : 2;
}

/** Runs the command line; every failure is one clear line on stderr and a non-zero exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    // the message may quote data or arguments; it must not drive the terminal
    process.stderr.write(`signal-ledger: ${escapeControls(describeError(error))}\n`);
    return exitCodeOf(error);
  }
}
