import type { Command } from 'commander';
import { once } from 'node:events';
import { type FileHandle, open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { createGzip, createZstdCompress } from 'node:zlib';
import { describeError, InputError } from '../../errors.ts';
import { withStore, type GlobalOptions } from '../context.ts';
import { checkTimeFlags } from '../flags.ts';
import { escapeControls } from '../output.ts';

/** The compressor a file's name asks for: .gz gzip, .zst zstd, anything else none. */
function compressorOf(file: string): { stream: Writable & NodeJS.ReadableStream; name: string } | null {
  if (file.endsWith('.gz')) return { stream: createGzip(), name: 'gzip' };
  if (file.endsWith('.zst')) return { stream: createZstdCompress(), name: 'zstd' };
  return null;
}

/** The output file, created or emptied; a path that cannot be written is one line naming --output. */
async function openOutput(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'w');
  } catch (error) {
    throw InputError.invalid('--output', `cannot write ${JSON.stringify(file)}: ${describeError(error)}`);
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
        const { exportLines } = await import('../../store/index.ts');
        const counts = { events: 0, deadLetters: 0 };
        const file = opts.output === undefined ? null : (await openOutput(opts.output)).createWriteStream();
        const compressor = opts.output === undefined ? null : compressorOf(opts.output);
        if (compressor !== null && file !== null) compressor.stream.pipe(file);
        const out: Writable = compressor?.stream ?? file ?? process.stdout;
        for await (const line of exportLines(store, { from: opts.from, to: opts.to }, counts)) {
          // the database is read no faster than the lines are written
          if (!out.write(`${line}\n`)) await once(out, 'drain');
        }
        if (file !== null) {
          out.end();
          await once(file, 'close');
          process.stderr.write(`exported ${counts.events} events and ${counts.deadLetters} dead letters to ${escapeControls(opts.output as string)}${compressor ? ` (${compressor.name})` : ''}\n`);
        }
      }, 'read');
    });
}
