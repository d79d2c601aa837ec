import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { readFileSync } from 'node:fs';
import { NAIVE_TIMESTAMPS } from '../../config-choices.ts';
import { LIMITS } from '../../contract/limits.ts';
import { fromThreadError } from '../../errors.ts';
import { escapeControls } from '../output.ts';
import { wholeNumberFlag } from '../flags.ts';
import type { IngestSummary } from '../../ingest/index.ts';
import { assertReadableFile } from '../../ingest/readable-file.ts';
import { migrateOnOpen, withStore, type GlobalOptions } from '../context.ts';
import { startThread } from '../thread.ts';
import type { IngestThreadInput, IngestThreadMessage } from './ingest-thread.ts';

/**
 * This process's peak resident memory. On Linux from /proc (VmHWM starts afresh at exec), because
 * getrusage's maxrss survives exec and so includes the RSS of the parent that forked this process.
 */
function peakRssMb(): number {
  try {
    // Stryker disable next-line StringLiteral: equivalent: without the encoding, exec reads the Buffer as text all the same
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    // Stryker disable next-line ConditionalExpression: equivalent on Linux, where the tests run: /proc/self/status always has VmHWM
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux
  }
  // Stryker disable next-line ArithmeticOperator: reached only where /proc is not (the tests run on Linux)
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Heap bounds of the ingest thread: enough for two batches in flight, small enough to keep RSS flat. */
const INGEST_HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 24 };

/** Ingests a file in a worker thread with a bounded heap; stdin is ingested on the main thread. */
function ingestFileInThread(input: IngestThreadInput, onMessage: (m: Extract<IngestThreadMessage, { type: 'progress' | 'unreadable' }>) => void): Promise<IngestSummary> {
  return new Promise((resolve, reject) => {
    // the first of these settles the promise; what the thread says or does after that changes nothing
    const outOfHeapHint = '; very long lines need a smaller --max-line-bytes (a longer line is a dead letter that keeps only its first bytes)';
    const thread = startThread({ name: 'ingest', script: 'ingest-thread', from: import.meta.url, workerData: input, heap: INGEST_HEAP, outOfHeapHint }, reject);
    thread.on('message', (m: IngestThreadMessage) => {
      if (m.type === 'done') resolve(m.summary);
      else if (m.type === 'error') reject(fromThreadError(m));
      else onMessage(m);
    });
  });
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('apply events from an NDJSON file ({"topic","key","value"} per line, value an object or a JSON string) through the apply path; "-" reads stdin')
    .argument('<file>', 'NDJSON event file, or - for standard input')
    .option('--json', 'print the summary as JSON')
    .option('--batch-size <n>', `events per transaction, 1 to ${LIMITS.maxBatchEvents}`, String(LIMITS.defaultIngestBatch))
    .option('--max-line-bytes <n>', `a longer line is a dead letter holding its first bytes, length and sha256 (default $INGEST_MAX_LINE_BYTES, else ${LIMITS.maxLineBytes})`)
    .option('--naive-timestamps <rule>', `a timestamp without a UTC offset: ${NAIVE_TIMESTAMPS.join(' or ')} (read as UTC) (default $NAIVE_TIMESTAMPS, else reject)`)
    .action(async (file: string, opts: { json?: boolean; batchSize: string; maxLineBytes?: string; naiveTimestamps?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const { loadConfig } = await import('../../config.ts');
      const config = loadConfig({ db: global.db, naiveTimestamps: opts.naiveTimestamps, maxLineBytes: opts.maxLineBytes });
      const rules = { batchSize: wholeNumberFlag('--batch-size', 1, LIMITS.maxBatchEvents)(opts.batchSize), naiveTimestamps: config.naiveTimestamps, maxLineBytes: config.maxLineBytes };
      // a file that cannot be read is refused before anything is opened
      const totalBytes = file === '-' ? 0 : await assertReadableFile(file);
      const bar =
        process.stderr.isTTY && !opts.json && totalBytes > 0
          ? new cliProgress.SingleBar(
              { format: 'ingest [{bar}] {percentage}% | {events} events | {rate} events/s | {eta_formatted} left', stream: process.stderr, hideCursor: true },
              cliProgress.Presets.shades_classic,
            )
          : null;
      let unreadableShown = 0;
      const onUnreadable = (why: string) => {
        if (unreadableShown++ < 10) process.stderr.write(`${bar ? '\n' : ''}signal-ledger ingest: ${escapeControls(why)} (kept as a dead letter)\n`);
      };
      const onProgress = (read: number, seconds: number, bytes: number) => bar?.update(bytes, { events: read, rate: Math.round(read / Math.max(seconds, 1e-3)) });
      let summary: IngestSummary;
      if (file === '-') {
        const { ingestLines } = await import('../../ingest/index.ts');
        // no bar for standard input (its size is not known), so no progress to relay
        summary = await withStore(global, (store) => ingestLines(store, process.stdin, { ...rules, onUnreadableLine: (_line, why) => onUnreadable(why) }));
      } else {
        bar?.start(totalBytes, 0, { events: 0, rate: 0 });
        summary = await ingestFileInThread(
          { dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate: migrateOnOpen(global), file, ...rules },
          (m) => (m.type === 'progress' ? onProgress(m.read, m.seconds, m.bytes) : onUnreadable(m.why)),
        );
      }
      bar?.update(totalBytes);
      bar?.stop();
      const out = {
        read: summary.read,
        applied: summary.applied,
        duplicates: summary.duplicates,
        dead_letters: summary.deadLetters,
        unreadable_lines: summary.unreadableLines,
        seconds: Number(summary.seconds.toFixed(3)),
        peak_rss_mb: peakRssMb(),
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        process.stdout.write(
          `read ${out.read}, applied ${out.applied}, duplicates ${out.duplicates}, dead letters ${out.dead_letters}, ${out.seconds.toFixed(1)} s (${Math.round(out.read / Math.max(out.seconds, 1e-3))} events/s)\n`,
        );
      }
      if (summary.unreadableLines > 0) {
        process.stderr.write(`signal-ledger ingest: ${summary.unreadableLines} unreadable line(s) in ${escapeControls(file)}; they are recorded as dead letters\n`);
        process.exitCode = 2;
      }
    });
}
