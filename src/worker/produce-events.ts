import kafkajs, { type ICustomPartitioner, type Kafka } from 'kafkajs';
import type { Compression } from '../config.ts';
import type { EventLine } from '../simulate/generate-events.ts';
import { resolveCompressionType } from './compression-codecs.ts';

/**
 * Publishes event lines to their topics, as a strategy, the risk engine and the execution service
 * would (value bytes as given; an object value as JSON), in sends of `batchSize`, their batches
 * compressed with `compression` (default none). Returns the count.
 */
export async function produceEventLines(kafka: Kafka, lines: Iterable<EventLine>, options: { batchSize?: number; compression?: Compression } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  const compression = resolveCompressionType(options.compression ?? 'none');
  // idempotent: when one partition of a produce request fails (a fresh topic whose leader the broker
  // does not know yet, a timeout), kafkajs sends the whole request to that broker again; without a
  // producer id and sequence numbers the partitions that had taken their batch would take it twice.
  // Retries stay those of the client (createKafka: 8), not kafkajs's idempotent default of no end, so a
  // broker that stays away fails the command instead of hanging it. Connecting asks the cluster for a
  // producer id (the IdempotentWrite permission on clusters with ACLs before Kafka 3.0).
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, createPartitioner: retrySafePartitioner });
  let sent = 0;
  try {
    await producer.connect();
    let pending: EventLine[] = [];
    const flush = async () => {
      await producer.sendBatch({ topicMessages: topicMessagesOf(pending), compression });
      sent += pending.length;
      pending = [];
    };
    for (const line of lines) {
      pending.push(line);
      if (pending.length >= batchSize) await flush();
    }
    if (pending.length > 0) await flush();
  } finally {
    // a failed disconnect must not hide the error that ended the sends (or a refused connect)
    await producer.disconnect().catch(() => undefined);
  }
  return sent;
}

/**
 * kafkajs's default partitioner (murmur2 of the key, as the Java client), except that a keyless
 * message goes by a hash of its value instead of a round-robin counter: a retry must send every
 * message to the partition it went to the first time, or the broker finds the idempotent producer's
 * sequence numbers out of order and refuses the batch.
 */
export const retrySafePartitioner: ICustomPartitioner = () => {
  const byKey = kafkajs.Partitioners.DefaultPartitioner();
  return (args) => byKey(args.message.key == null && args.message.value != null ? { ...args, message: { ...args.message, key: args.message.value } } : args);
};

/** Event lines as one send's messages per topic (value bytes as given; an object value as JSON). */
export function topicMessagesOf(lines: readonly EventLine[]): { topic: string; messages: { key: string | null; value: string }[] }[] {
  const byTopic = new Map<string, { key: string | null; value: string }[]>();
  for (const l of lines) {
    const list = byTopic.get(l.topic) ?? [];
    list.push({ key: l.key, value: typeof l.value === 'string' ? l.value : JSON.stringify(l.value) });
    byTopic.set(l.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
