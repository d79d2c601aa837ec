import type { Kafka } from 'kafkajs';
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
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let sent = 0;
  try {
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
    await producer.disconnect();
  }
  return sent;
}

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
