import type { KafkaMessage } from 'kafkajs';
import { keyText, parseMessage, type ParsedMessage, type ParseOptions } from '../contract/index.ts';
import { refusalOf } from './compression-codecs.ts';

/** A Kafka message as the contract reads it: a typed event or its problems, with where it came from. */
export function parseKafkaMessage(topic: string, partition: number, message: KafkaMessage, options: ParseOptions): ParsedMessage {
  const key = keyText(message.key);
  const source = { type: 'kafka', topic, partition, offset: message.offset, key } as const;
  // a stand-in for a record of a batch that could not be decompressed: a dead letter saying why
  const refused = refusalOf(message.value);
  if (refused !== null) return { ok: false, problems: [{ path: '$', message: refused }], raw: null, topic, key, source, eventId: null, signalId: null };
  return parseMessage({ topic, key, value: message.value, source }, options);
}
