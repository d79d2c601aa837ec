import type { Command } from 'commander';
import { withStore, type GlobalOptions } from '../context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date (PostgreSQL migrations; SQLite creates missing tables)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withStore({ ...cmd.optsWithGlobals<GlobalOptions>(), migrate: false }, async (store) => {
        const { migrate } = await import('../../store/index.ts');
        const applied = await migrate(store);
        process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'schema is up to date\n');
      });
    });
}
