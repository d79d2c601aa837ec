import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { COMPRESSIONS, loadKafkaConfig } from '../../config.ts';
import type { GlobalOptions } from '../context.ts';

const fraction = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new Error(`${name}: must be a number from 0 to 1`);
  return n;
};

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write a realistic, reproducible NDJSON event file (for demos, tests and benchmarks)')
    .option('-o, --output <file>', 'file to write (default standard output)')
    .option('--signals <n>', 'number of signals', (v) => Number(v), 1000)
    .option('--duplicates <fraction>', 'extra lines that repeat an earlier line', fraction('--duplicates'), 0.1)
    .option('--out-of-order <fraction>', 'lines delivered later than their neighbours', fraction('--out-of-order'), 0.05)
    .option('--bad <fraction>', 'extra lines that break the contract', fraction('--bad'), 0.01)
    .option('--seed <n>', 'random seed', (v) => Number(v), 42)
    .option('--start <time>', 'time of the first signal (RFC 3339)', '2026-01-05T14:30:00Z')
    .option('--spacing-ms <ms>', 'average milliseconds between two signals', (v) => Number(v), 250)
    .option('--produce', 'publish the events to their Kafka topics (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, ... as for the worker) instead of writing a file')
    .option('--brokers <list>', 'with --produce: Kafka bootstrap brokers (default $KAFKA_BROKERS, else 127.0.0.1:9092)')
    .option('--compression <codec>', `with --produce: codec of the published batches, one of ${COMPRESSIONS.join(', ')} (default $KAFKA_COMPRESSION, else none)`)
    .action(async (opts: { output?: string; signals: number; duplicates: number; outOfOrder: number; bad: number; seed: number; start: string; spacingMs: number; produce?: boolean; brokers?: string; compression?: string }, cmd: Command) => {
      if (!Number.isInteger(opts.signals) || opts.signals < 1) throw new Error('--signals: must be a whole number of at least 1');
      if (!(opts.spacingMs > 0)) throw new Error('--spacing-ms: must be a positive number of milliseconds');
      const start = new Date(opts.start);
      if (Number.isNaN(start.getTime())) throw new Error(`--start: ${JSON.stringify(opts.start)} is not a time`);
      const shape = { signals: opts.signals, duplicates: opts.duplicates, outOfOrder: opts.outOfOrder, bad: opts.bad, seed: opts.seed, start, spacingMs: opts.spacingMs };
      const { generateEvents } = await import('../../simulate/generate-events.ts');
      if (opts.produce) {
        if (opts.output !== undefined) throw new Error('--produce and --output: choose one');
        const config = loadKafkaConfig({ db: cmd.optsWithGlobals<GlobalOptions>().db, brokers: opts.brokers, compression: opts.compression });
        const [{ createKafka, produceEventLines }, { createLogger }] = await Promise.all([import('../../worker/index.ts'), import('../logger.ts')]);
        const lines = generateEvents({ ...shape, topics: config.topics });
        const sent = await produceEventLines(createKafka(config.kafka, await createLogger('error')), lines, { compression: config.compression });
        process.stderr.write(`published ${sent} messages for ${opts.signals} signals to ${config.kafka.brokers.join(',')} (compression ${config.compression})\n`);
        return;
      }
      if (opts.compression !== undefined) throw new Error('--compression: only with --produce');
      const out = opts.output ? createWriteStream(opts.output) : process.stdout;
      let lines = 0;
      for (const line of generateEvents(shape)) {
        if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
        lines++;
      }
      if (opts.output) {
        (out as ReturnType<typeof createWriteStream>).end();
        await once(out, 'finish');
        process.stderr.write(`wrote ${lines} lines for ${opts.signals} signals to ${opts.output}\n`);
      }
    });
}
