import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { migrateOnOpen, type GlobalOptions } from '../context.ts';
import { createLogger } from '../logger.ts';
import { addKafkaOptions, addMessageRuleOptions, kafkaFlags } from './worker.ts';

export function registerReplay(program: Command): void {
  addKafkaOptions(
    addMessageRuleOptions(program
      .command('replay')
      .description('re-read every topic from its beginning under a fresh consumer group into the database (a backfill), stopping at the end offsets taken at start')
      .option('--from-beginning', 'start every partition at its earliest offset (what replay always does; accepted for scripts that say it)')
      .option('--group-id <id>', 'the replay\'s consumer group (default: a fresh one, <KAFKA_GROUP_ID>.replay.<time>)')
      .option('--json', 'print the summary as JSON')),
  ).action(async (opts: { brokers?: string; groupId?: string; json?: boolean; onInvalid?: string; naiveTimestamps?: string }, cmd: Command) => {
    const global = cmd.optsWithGlobals<GlobalOptions>();
    const [{ loadKafkaConfig }, { EVENT_KINDS }] = await Promise.all([import('../../config.ts'), import('../../contract/index.ts')]);
    const config = loadKafkaConfig(kafkaFlags(global, { brokers: opts.brokers, onInvalid: opts.onInvalid, naiveTimestamps: opts.naiveTimestamps }));
    // on stderr: stdout holds the summary alone (--json is read by scripts)
    const [{ openStore }, { activeTraceIds, createKafka, createWorker, createWorkerMetrics, explainingRefusals, fetchPartitionOffsets, startTracing }] = await Promise.all([import('../../store/index.ts'), import('../../worker/index.ts')]);
    const tracing = await startTracing(config.tracing);
    const logger = await createLogger(process.stderr.isTTY ? 'warn' : config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr, tracing.tracer === null ? undefined : activeTraceIds);
    const groupId = opts.groupId ?? `${config.groupId}.replay.${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const topics = EVENT_KINDS.map((k) => config.topics[k]);

    // the end of each partition now: the replay stops there, whatever arrives meanwhile
    // a refused login or certificate: one line naming the setting (explainingRefusals)
    const offsets = await explainingRefusals(fetchPartitionOffsets(createKafka(config.kafka, logger), topics), config.kafka);
    const stopAt = new Map([...offsets].map(([k, o]) => [k, o.high]));
    const starts = new Map([...offsets].map(([k, o]) => [k, o.low]));
    const total = [...offsets.values()].reduce((n, o) => n + Number(o.high - o.low), 0);
    const bars = process.stderr.isTTY && !opts.json ? new cliProgress.MultiBar({ format: '{partition} [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic) : null;
    const barOf = new Map([...stopAt].filter(([, end]) => end > 0n).map(([k, end]) => [k, bars?.create(Number(end - (starts.get(k) ?? 0n)), 0, { partition: k.padEnd(24) })]));

    const store = await openStore({ dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate: migrateOnOpen(global) });
    const metrics = createWorkerMetrics();
    const started = performance.now();
    try {
      const worker = createWorker({
        store,
        config,
        logger,
        metrics,
        groupId,
        fromBeginning: true,
        stopAt,
        // a replay's lag is its progress bar: no gauges to sample
        lagSampleMs: 0,
        tracer: tracing.tracer,
        onProgress: (topic, partition, next) => barOf.get(`${topic}:${partition}`)?.update(Number(next - (starts.get(`${topic}:${partition}`) ?? 0n))),
      });
      process.once('SIGINT', () => void worker.stop());
      process.once('SIGTERM', () => void worker.stop());
      await explainingRefusals(worker.start(), config.kafka);
      await explainingRefusals(worker.done, config.kafka);
    } finally {
      bars?.stop();
      await store.close();
      if (!(await tracing.shutdown())) logger.warn({ endpoint: config.tracing.tracesUrl }, 'the last spans could not be exported');
    }
    const sum = async (c: { get(): Promise<{ values: { value: number }[] }> }) => (await c.get()).values.reduce((n, v) => n + v.value, 0);
    const out = {
      group: groupId,
      messages: total,
      consumed: await sum(metrics.consumed),
      applied: await sum(metrics.applied),
      duplicates: await sum(metrics.duplicates),
      dead_letters: await sum(metrics.deadLettered),
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    };
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(out)}\n`
        : `replayed ${out.consumed} messages under group ${groupId}: applied ${out.applied}, duplicates ${out.duplicates}, dead letters ${out.dead_letters}, ${out.seconds.toFixed(1)} s\n`,
    );
  });
}
