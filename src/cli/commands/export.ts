import type { Command } from 'commander';
import { once } from 'node:events';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { pipeline, type Writable } from 'node:stream';
// the module, not its named exports (see ingest-lines.ts)
import zlib from 'node:zlib';
import { describeError, InputError } from '../../errors.ts';
import { withStore, type GlobalOptions } from '../context.ts';
import { checkTimeFlags } from '../flags.ts';
import { escapeControls } from '../output.ts';

/** The compressor a file's name asks for: .gz gzip, .zst zstd, anything else none. */
function compressorOf(file: string): { stream: Writable & NodeJS.ReadableStream; name: string } | null {
  if (file.endsWith('.gz')) return { stream: zlib.createGzip(), name: 'gzip' };
  if (file.endsWith('.zst')) return { stream: zlib.createZstdCompress(), name: 'zstd' };
  return null;
}

/** The output file, created or emptied; a path that cannot be written is one line naming --output. */
async function openOutput(file: string, shown: string): Promise<FileHandle> {
  try {
    return await open(file, 'w');
  } catch (error) {
    throw InputError.invalid('--output', `cannot write ${JSON.stringify(shown)}: ${describeError(error)}`);
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the audit trail and the dead letters as NDJSON in the ingest format, in the order they were recorded: a backup, an archive beyond Kafka\'s retention, or the way from SQLite to PostgreSQL (ingest it into an empty database)')
    .option('--from <time>', 'only what was received at or after (RFC 3339 or a date)')
    .option('--to <time>', 'only what was received before (exclusive)')
    .option('-o, --output <file>', 'write to FILE (gzip when it ends in .gz, zstd in .zst) instead of stdout')
    .action(async (opts: { from?: string; to?: string; output?: string }, cmd: Command) => {
      await checkTimeFlags({ '--from': opts.from, '--to': opts.to });
      await withStore(cmd.optsWithGlobals<GlobalOptions>(), async (store) => {
        const { exportLedger } = await import('../../store/index.ts');
        // a file is written under a temporary name and renamed once complete: a failed or killed export never
        // leaves a file that looks like a whole backup. What is not a regular file (a device, a pipe) is written
        // as it is.
        const output = opts.output;
        const regular = output === undefined ? false : await stat(output).then((st) => st.isFile(), () => true);
        const partial = output === undefined ? null : regular ? `${output}.partial` : output;
        const file = partial === null ? null : (await openOutput(partial, output as string)).createWriteStream();
        const compressor = output === undefined ? null : compressorOf(output);
        // a write error (a full disk) destroys both streams, and the export fails with one line, as any error does
        let failed: Error | null = null;
        const done = compressor !== null && file !== null ? new Promise<void>((resolve) => pipeline(compressor.stream, file, (error) => ((failed ??= error ?? null), resolve()))) : null;
        file?.on('error', (error: Error) => (failed ??= error));
        const out: Writable = compressor?.stream ?? file ?? process.stdout;
        const write = async (line: string) => {
          if (failed !== null) throw failed;
          // the database is read no faster than the lines are written (once() rejects when the stream fails)
          if (!out.write(`${line}\n`)) await once(out, 'drain');
        };
        try {
          const counts = await exportLedger(store, { from: opts.from, to: opts.to }, write);
          if (file === null) return;
          out.end();
          await (done ?? once(file, 'close'));
          if (failed !== null) throw failed;
          if (regular) await rename(partial as string, output as string);
          process.stderr.write(`exported ${counts.events} events and ${counts.deadLetters} dead letters to ${escapeControls(output as string)}${compressor ? ` (${compressor.name})` : ''}\n`);
        } catch (error) {
          file?.destroy();
          if (regular) await rm(partial as string, { force: true });
          if (output !== undefined) throw InputError.invalid('--output', `cannot write ${JSON.stringify(output)}: ${describeError(error)}`);
          throw error;
        }
      }, 'read');
    });
}
