import type { Command } from 'commander';
import { withStore, type GlobalOptions } from '../context.ts';
import { checkTimeFlags } from '../flags.ts';

export function registerDigest(program: Command): void {
  program
    .command('digest')
    .description('print one root (sha256) for the whole ledger, or for everything it had received by --to: keep it outside the database, and `verify --root` proves later that nothing it covers changed')
    .option('--to <time>', 'only what was received at or before this time (RFC 3339 or a date)')
    .option('--json', 'print {"root", "to", "signals", "events", "dead_letters"}')
    .action(async (opts: { to?: string; json?: boolean }, cmd: Command) => {
      await checkTimeFlags({ '--to': opts.to });
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { computeLedgerDigest } = await import('../../store/index.ts');
        const d = await computeLedgerDigest(store, { to: opts.to });
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ root: d.root, to: d.to, signals: d.signals, events: d.events, dead_letters: d.deadLetters })}\n`
            : `${d.root}  ${d.signals} signals, ${d.events} events, ${d.deadLetters} distinct dead letters, received by ${d.to ?? 'now'}\n`,
        );
      }, 'read');
    });
}
