import type { Command } from 'commander';
import { loadKafkaConfig } from '../../config.ts';
import { EVENT_KINDS } from '../../contract/index.ts';
import type { GlobalOptions } from '../context.ts';
import { createLogger } from '../logger.ts';
import { addKafkaOptions, kafkaFlags } from './worker.ts';

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('manage the Kafka topics signal-ledger reads');
  addKafkaOptions(
    topics
      .command('create')
      .description('create the five topics (and the dead-letter topic when one is configured) with equal partition counts; existing topics are left as they are')
      .option('--partitions <n>', 'partitions per topic', (v) => Number(v), 6)
      .option('--replication-factor <n>', 'replicas per partition', (v) => Number(v), 1)
      .option('--dlq-topic <topic>', 'also create this dead-letter topic (default $KAFKA_DLQ_TOPIC)'),
  ).action(async (opts: { partitions: number; replicationFactor: number; brokers?: string; dlqTopic?: string }, cmd: Command) => {
    if (!Number.isInteger(opts.partitions) || opts.partitions < 1 || opts.partitions > 10_000) throw new Error('--partitions: must be a whole number from 1 to 10000');
    if (!Number.isInteger(opts.replicationFactor) || opts.replicationFactor < 1) throw new Error('--replication-factor: must be a whole number of at least 1');
    const config = loadKafkaConfig(kafkaFlags(cmd.optsWithGlobals<GlobalOptions>(), opts));
    const { createKafka, createTopics } = await import('../../worker/index.ts');
    const names = [...EVENT_KINDS.map((k) => config.topics[k]), ...(config.deadLetterTopic === null ? [] : [config.deadLetterTopic])];
    const created = await createTopics(createKafka(config.kafka, await createLogger('error')), names, opts.partitions, opts.replicationFactor);
    for (const name of names) process.stdout.write(`${name}: ${created.includes(name) ? `created with ${opts.partitions} partitions` : 'exists'}\n`);
  });
}
