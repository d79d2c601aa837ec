import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { stat } from 'node:fs/promises';
import { ingestLines } from '../../ingest/index.ts';
import { withStore, type GlobalOptions } from '../context.ts';

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('apply events from an NDJSON file ({"topic","key","value"} per line, value an object or a JSON string) through the apply path; "-" reads stdin')
    .argument('<file>', 'NDJSON event file, or - for standard input')
    .option('--json', 'print the summary as JSON')
    .option('--batch-size <n>', 'events per transaction', (v) => Number(v), 1000)
    .action(async (file: string, opts: { json?: boolean; batchSize: number }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1 || opts.batchSize > 5000) {
        throw new Error('--batch-size: must be a whole number from 1 to 5000');
      }
      await withStore(global, async (store) => {
        const totalBytes = file === '-' ? 0 : (await stat(file).catch(() => ({ size: 0 }))).size;
        const bar =
          process.stderr.isTTY && !opts.json && totalBytes > 0
            ? new cliProgress.SingleBar(
                { format: 'ingest [{bar}] {percentage}% | {events} events | {rate} events/s | {eta_formatted} left', stream: process.stderr, hideCursor: true },
                cliProgress.Presets.shades_classic,
              )
            : null;
        bar?.start(totalBytes, 0, { events: 0, rate: 0 });
        let unreadableShown = 0;
        const summary = await ingestLines(store, file === '-' ? process.stdin : file, {
          batchSize: opts.batchSize,
          onProgress: (s, bytes) => bar?.update(bytes, { events: s.read, rate: Math.round(s.read / Math.max(s.seconds, 1e-3)) }),
          onUnreadableLine: (line, why) => {
            if (unreadableShown++ < 10) process.stderr.write(`${bar ? '\n' : ''}signal-ledger ingest: ${why} (kept as a dead letter)\n`);
          },
        });
        bar?.update(totalBytes);
        bar?.stop();
        const out = {
          read: summary.read,
          applied: summary.applied,
          duplicates: summary.duplicates,
          dead_letters: summary.deadLetters,
          unreadable_lines: summary.unreadableLines,
          seconds: Number(summary.seconds.toFixed(3)),
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
        else {
          process.stdout.write(
            `read ${out.read}, applied ${out.applied}, duplicates ${out.duplicates}, dead letters ${out.dead_letters}, ${out.seconds.toFixed(1)} s (${Math.round(out.read / Math.max(out.seconds, 1e-3))} events/s)\n`,
          );
        }
        if (summary.unreadableLines > 0) {
          process.stderr.write(`signal-ledger ingest: ${summary.unreadableLines} unreadable line(s) in ${file}; they are recorded as dead letters\n`);
          process.exitCode = 2;
        }
      });
    });
}
