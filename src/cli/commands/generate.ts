import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { COMPRESSIONS } from '../../config-choices.ts';
import { InputError } from '../../errors.ts';
import type { GlobalOptions } from '../context.ts';
import { decimalFlag, wholeNumberFlag } from '../flags.ts';


export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write a realistic, reproducible NDJSON event file (for demos, tests and benchmarks)')
    .option('-o, --output <file>', 'file to write (default standard output)')
    .option('--signals <n>', 'number of signals', wholeNumberFlag('--signals', 1, 100_000_000), 1000)
    .option('--duplicates <fraction>', 'extra lines that repeat an earlier line', decimalFlag('--duplicates', 0, 1), 0.1)
    .option('--out-of-order <fraction>', 'lines delivered later than their neighbours', decimalFlag('--out-of-order', 0, 1), 0.05)
    .option('--bad <fraction>', 'extra lines that break the contract', decimalFlag('--bad', 0, 1), 0.01)
    .option('--seed <n>', 'random seed', wholeNumberFlag('--seed', 0, 2 ** 32 - 1), 42)
    .option('--start <time>', 'time of the first signal (RFC 3339)', '2026-01-05T14:30:00Z')
    .option('--spacing-ms <ms>', 'average milliseconds between two signals', decimalFlag('--spacing-ms', 0.001, 86_400_000), 250)
    .option('--produce', 'publish the events to their Kafka topics (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, ... as for the worker) instead of writing a file')
    .option('--brokers <list>', 'with --produce: Kafka bootstrap brokers (default $KAFKA_BROKERS, else 127.0.0.1:9092)')
    .option('--compression <codec>', `with --produce: codec of the published batches, one of ${COMPRESSIONS.join(', ')} (default $KAFKA_COMPRESSION, else none)`)
    .action(async (opts: { output?: string; signals: number; duplicates: number; outOfOrder: number; bad: number; seed: number; start: string; spacingMs: number; produce?: boolean; brokers?: string; compression?: string }, cmd: Command) => {
      const start = new Date(opts.start);
      if (Number.isNaN(start.getTime())) throw InputError.invalid('--start', `${JSON.stringify(opts.start)} is not a time`);
      const shape = { signals: opts.signals, duplicates: opts.duplicates, outOfOrder: opts.outOfOrder, bad: opts.bad, seed: opts.seed, start, spacingMs: opts.spacingMs };
      const { generateEvents } = await import('../../simulate/generate-events.ts');
      if (opts.produce) {
        if (opts.output !== undefined) throw InputError.invalid('--produce/--output', 'choose one');
        const { loadKafkaConfig } = await import('../../config.ts');
        const config = loadKafkaConfig({ db: cmd.optsWithGlobals<GlobalOptions>().db, brokers: opts.brokers, compression: opts.compression });
        const [{ createKafka, explainingRefusals, produceEventLines, startTracing }, { createLogger }] = await Promise.all([import('../../worker/index.ts'), import('../logger.ts')]);
        const lines = generateEvents({ ...shape, topics: config.topics });
        // with OTEL_EXPORTER_OTLP_ENDPOINT set, one producer span per send, whose context the messages carry
        const tracing = await startTracing(config.tracing);
        // a refused login or certificate: one line naming the setting
        const sent = await explainingRefusals(produceEventLines(createKafka(config.kafka, await createLogger('error')), lines, { compression: config.compression, tracer: tracing.tracer }), config.kafka)
          .finally(async () => {
            if (!(await tracing.shutdown())) process.stderr.write(`signal-ledger: the last spans could not be exported to ${config.tracing.tracesUrl}\n`);
          });
        process.stderr.write(`published ${sent} messages for ${opts.signals} signals to ${config.kafka.brokers.join(',')} (compression ${config.compression})\n`);
        return;
      }
      if (opts.compression !== undefined) throw InputError.invalid('--compression', 'only with --produce');
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
