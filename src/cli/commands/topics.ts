import type { Command } from 'commander';
import type { GlobalOptions } from '../context.ts';
import { wholeNumberFlag } from '../flags.ts';
import { createLogger } from '../logger.ts';
import { addKafkaOptions, kafkaFlags } from './worker.ts';

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('manage the Kafka topics signal-ledger reads');
  addKafkaOptions(
    topics
      .command('create')
      .description('create the five topics (and the dead-letter topic when one is configured) with equal partition counts; existing topics are left as they are')
      .option('--partitions <n>', 'partitions per topic, 1 to 10000', wholeNumberFlag('--partitions', 1, 10_000), 6)
      .option('--replication-factor <n>', 'replicas per partition, 1 to 32', wholeNumberFlag('--replication-factor', 1, 32), 1)
      .option('--dlq-topic <topic>', 'also create this dead-letter topic (default $KAFKA_DLQ_TOPIC)'),
  ).action(async (opts: { partitions: number; replicationFactor: number; brokers?: string; dlqTopic?: string }, cmd: Command) => {
    const [{ loadKafkaConfig }, { EVENT_KINDS }] = await Promise.all([import('../../config.ts'), import('../../contract/index.ts')]);
    const config = loadKafkaConfig(kafkaFlags(cmd.optsWithGlobals<GlobalOptions>(), opts));
    const { createKafka, createTopics, explainingRefusals } = await import('../../worker/index.ts');
    const names = [...EVENT_KINDS.map((k) => config.topics[k]), ...(config.deadLetterTopic === null ? [] : [config.deadLetterTopic])];
    // a refused login or certificate: one line naming the setting
    const created = await explainingRefusals(createTopics(createKafka(config.kafka, await createLogger('error')), names, opts.partitions, opts.replicationFactor), config.kafka);
    for (const name of names) process.stdout.write(`${name}: ${created.includes(name) ? `created with ${opts.partitions} partitions` : 'exists'}\n`);
  });
}
