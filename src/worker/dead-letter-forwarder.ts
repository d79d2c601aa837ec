import type { CompressionTypes, IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
import type { Problem } from '../contract/index.ts';
import { describeError } from '../errors.ts';

/** A message of a slice that became a dead letter, with its problems. */
export interface RejectedKafkaMessage {
  message: KafkaMessage;
  problems: Problem[];
}

export interface DeadLetterForwarderOptions {
  /** the dead-letter topic */
  topic: string;
  compression: CompressionTypes;
  /** produces one batch to the topic (a kafkajs producer's send) */
  send(batch: { topic: string; compression: CompressionTypes; messages: Message[] }): Promise<unknown>;
  log: Logger;
  /** true once the worker is stopping: a broker that is away is not waited for any more */
  halting(): boolean;
  /** the longest wait between tries while the broker is away */
  maxRetryDelayMs: number;
  sleep?: (ms: number) => Promise<unknown>;
}

/** How a send ended. */
type Sent = 'sent' | 'too-large' | 'refused' | 'stopped';

/**
 * Forwards a partition's dead letters of a slice to the dead-letter topic, with their original key,
 * value and headers plus the problems (`signal-ledger-error`) and where they came from
 * (`signal-ledger-source`). Best effort: the dead letters are in the database already (the table is the
 * record; the topic is a copy for other consumers), so forwarding never stops the worker. All of them go
 * in one batch; when the topic refuses it, one by one: a message over the topic's max.message.bytes is
 * sent again without its value and with a `signal-ledger-value-omitted` header; anything else refused for
 * good (an authorization, a keyless message on a compacted topic) is logged and left; a broker that is
 * away is tried again with backoff (200 ms doubling) until it answers or the worker stops.
 */
export function createDeadLetterForwarder(options: DeadLetterForwarderOptions): (rejected: readonly RejectedKafkaMessage[], topic: string, partition: number) => Promise<void> {
  const { log } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const send = async (messages: Message[]): Promise<Sent> => {
    for (let delay = 200; ; delay = Math.min(delay * 2, options.maxRetryDelayMs)) {
      try {
        await options.send({ topic: options.topic, compression: options.compression, messages });
        return 'sent';
      } catch (error) {
        if (isTooLarge(error)) return 'too-large';
        if (refusedForGood(error)) return 'refused';
        if (options.halting()) return 'stopped';
        log.warn({ error: describeError(error), topic: options.topic }, 'dead letters not forwarded yet: the dead-letter topic did not take them; retrying');
        await sleep(delay);
      }
    }
  };
  return async (rejected, topic, partition) => {
    if (rejected.length === 0) return;
    const record = ({ message, problems }: RejectedKafkaMessage, withValue = true): Message => ({
      key: message.key,
      value: withValue ? message.value : null,
      headers: {
        ...sendableHeaders(message.headers),
        'signal-ledger-error': JSON.stringify(problems),
        'signal-ledger-source': `${topic}/${partition}@${message.offset}`,
        ...(withValue ? {} : { 'signal-ledger-value-omitted': `${message.value?.byteLength ?? 0} bytes, too large for ${options.topic}` }),
      },
    });
    const skipped = (r: RejectedKafkaMessage, why: string) =>
      log.warn({ source: `${topic}/${partition}@${r.message.offset}`, topic: options.topic }, `dead letter not forwarded (${why}); it is in the database`);
    const all = await send(rejected.map((r) => record(r)));
    if (all === 'sent') return;
    for (const r of rejected) {
      const one = all === 'stopped' ? 'stopped' : await send([record(r)]);
      if (one === 'too-large') {
        const bare = await send([record(r, false)]);
        if (bare !== 'sent') skipped(r, bare === 'stopped' ? 'the worker stopped first' : 'refused by the dead-letter topic even without its value');
      } else if (one !== 'sent') skipped(r, one === 'stopped' ? 'the worker stopped first' : 'refused by the dead-letter topic');
    }
  };
}

/**
 * A message's headers as kafkajs can send them: a null value (librdkafka can send one; kafkajs reads it as null
 * but cannot encode it) is left out, and the names that had one are listed in `signal-ledger-null-headers` (JSON).
 */
function sendableHeaders(headers: IHeaders | undefined): IHeaders {
  const sendable: [string, Buffer | string | (Buffer | string)[]][] = [];
  const withNull: string[] = [];
  for (const [name, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const values = (Array.isArray(v) ? v : [v]) as (Buffer | string | null)[];
    const kept = values.filter((x) => x !== null);
    if (kept.length < values.length) withNull.push(name);
    if (kept.length > 0) sendable.push([name, Array.isArray(v) ? kept : (kept[0] as Buffer | string)]);
  }
  if (withNull.length > 0) sendable.push(['signal-ledger-null-headers', JSON.stringify(withNull)]);
  // own properties, a header named __proto__ included
  return Object.fromEntries(sendable);
}

/** The broker refused a produced batch as larger than the topic's max.message.bytes. */
export function isTooLarge(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE' || /MESSAGE_TOO_LARGE|larger than the max message size/i.test(e.message)) return true;
  }
  return false;
}

/** The broker refused a produce for good (kafkajs does not retry it), not because it is away for now. */
export function refusedForGood(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'KafkaJSNumberOfRetriesExceeded') return false;
    if ((e as { retriable?: unknown }).retriable === false) return true;
  }
  return false;
}

/** A forwarder with its own producer (the worker's): connect it before the first forward; disconnect it to stop. */
export interface DeadLetterProducer {
  forward: ReturnType<typeof createDeadLetterForwarder>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/** A producer for the dead-letter topic, and its forwarder. */
export function deadLetterProducer(kafka: Pick<Kafka, 'producer'>, options: Omit<DeadLetterForwarderOptions, 'send'>): DeadLetterProducer {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  return { forward: createDeadLetterForwarder({ ...options, send: (batch) => producer.send(batch) }), connect: () => producer.connect(), disconnect: () => producer.disconnect() };
}
