import type { Command } from 'commander';
import { withStore, type GlobalOptions } from '../context.ts';
import { wholeNumberFlag } from '../flags.ts';
import { escapeControls } from '../output.ts';
import { lazyBar } from '../progress.ts';

export function registerRebuild(program: Command): void {
  program
    .command('rebuild')
    .description('recompute every record, fold state and rollup from the audit trail (after a fold rule changed, or drift verify found), in batches; safe beside a running worker on PostgreSQL; run again after a kill, it ends the same (exit 1 when a signal had to be left as it is)')
    .option('--batch-size <n>', 'signals per transaction, 1 to 10000', wholeNumberFlag('--batch-size', 1, 10_000), 500)
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { batchSize: number; json?: boolean }, cmd: Command) => {
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { rebuildLedger } = await import('../../store/index.ts');
        const bar = lazyBar('rebuild [{bar}] {value}/{total} signals | {eta_formatted} left', !opts.json);
        const started = performance.now();
        const r = await rebuildLedger(store, {
          pageSize: opts.batchSize,
          onProgress: (done, total) => bar.update(done, total),
          onSkipped: (id, why) => process.stderr.write(`${bar.drawn ? '\n' : ''}signal-ledger rebuild: signal ${escapeControls(JSON.stringify(id))} left as it is: ${escapeControls(why)}\n`),
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ signals: r.signals, changed: r.changed, created: r.created, skipped: r.skipped, seconds: Number(seconds.toFixed(3)) })}\n`
            : `rebuilt ${r.signals} signals: ${r.changed} records changed, ${r.created} created, ${r.skipped} left as they are; rollups rebuilt; ${seconds.toFixed(1)} s\n`,
        );
        if (r.skipped > 0) process.exitCode = 1;
      });
    });
}
