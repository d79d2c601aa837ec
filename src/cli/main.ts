#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { describeError, LedgerError } from '../errors.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerReport } from './commands/report.ts';
import { registerReplay } from './commands/replay.ts';
import { registerSignals } from './commands/signals.ts';
import { registerTopics } from './commands/topics.ts';
import { registerWorker } from './commands/worker.ts';

/** Builds the `signal-ledger` command line. */
export function createProgram(): Command {
  const program = new Command('signal-ledger')
    .description('a complete, trustworthy record of every trading signal, from generation to execution')
    .option('--db <url>', 'database URL (sqlite:///path.db, sqlite:///:memory:, postgresql://user:pass@host:port/db); default $DATABASE_URL, else sqlite:///data/signals.db')
    .option('--no-migrate', 'PostgreSQL: do not apply pending migrations on open')
    .showHelpAfterError()
    .exitOverride();
  registerWorker(program);
  registerIngest(program);
  registerReplay(program);
  registerTopics(program);
  registerSignals(program);
  registerReport(program);
  registerMigrate(program);
  registerGenerate(program);
  return program;
}

/** Runs the command line; every failure is one clear line on stderr and a non-zero exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`signal-ledger: ${describeError(error)}\n`);
    return error instanceof LedgerError ? 2 : 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2));
}
