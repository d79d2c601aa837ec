import type { Command } from 'commander';
import { withStore, type GlobalOptions } from '../context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date (PostgreSQL migrations; SQLite adds what the file lacks and rewrites what an older version stored)')
    .option('--rebuild-rollups', "recompute the analytics rollups from the signal rows (after rows were changed outside signal-ledger's write path)")
    .action(async (opts: { rebuildRollups?: boolean }, cmd: Command) => {
      // opened as it is: this command applies the migrations and says which
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { migrate, rebuildRollups } = await import('../../store/index.ts');
        const applied = await migrate(store);
        process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'schema is up to date\n');
        if (opts.rebuildRollups) {
          await rebuildRollups(store);
          process.stdout.write('rollups rebuilt from the signal rows\n');
        }
      }, 'write', false);
    });
}
