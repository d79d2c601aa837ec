import type { Tracer } from '@opentelemetry/api';
import kafkajs, { type ICustomPartitioner, type Kafka } from 'kafkajs';
import type { Compression } from '../config.ts';
import type { EventLine } from '../simulate/generate-events.ts';
import { resolveCompressionType } from './compression-codecs.ts';
import { inSpan, SpanKind, traceHeaders } from './tracing.ts';

/**
 * Publishes event lines to their topics, as a strategy, the risk engine and the execution service
 * would (value bytes as given; an object value as JSON), in sends of `batchSize`, their batches
 * compressed with `compression` (default none). Every message carries a W3C `traceparent` header: the
 * context of its send's span when `tracer` is given (one producer span per send), else a fresh unsampled
 * one per send. Returns the count.
 */
export async function produceEventLines(
  kafka: Kafka,
  lines: Iterable<EventLine>,
  options: { batchSize?: number; compression?: Compression; tracer?: Tracer | null } = {},
): Promise<number> {
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
    const flush = () =>
      inSpan(options.tracer ?? null, 'signal-ledger generate produce', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.batch.message_count': pending.length } }, async (span) => {
        await producer.sendBatch({ topicMessages: topicMessagesOf(pending, traceHeaders(span)), compression });
        sent += pending.length;
        pending = [];
      });
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

type OutMessage = { key: string | null; value: string; headers?: Record<string, string> };

/** Event lines as one send's messages per topic (value bytes as given; an object value as JSON), each with `headers` if given. */
export function topicMessagesOf(lines: readonly EventLine[], headers?: Record<string, string>): { topic: string; messages: OutMessage[] }[] {
  const byTopic = new Map<string, OutMessage[]>();
  for (const l of lines) {
    const list = byTopic.get(l.topic) ?? [];
    const value = typeof l.value === 'string' ? l.value : JSON.stringify(l.value);
    list.push(headers === undefined ? { key: l.key, value } : { key: l.key, value, headers });
    byTopic.set(l.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
