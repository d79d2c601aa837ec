import kafkajs from 'kafkajs';
import type { KafkaConfig } from '../../src/config.ts';
import { DEFAULT_TOPICS, EVENT_KINDS, type JsonObject, type Problem } from '../../src/contract/index.ts';
import type { EventLine } from '../../src/simulate/generate-events.ts';
import { createKafka, partitionKey } from '../../src/worker/index.ts';
import { endOffsets, quietLogger, topicsOf } from './worker.ts';

const { CompressionTypes, Partitioners } = kafkajs;

/** One message to publish, as a producer sends it: its topic (a default name), key and value bytes. */
export interface Planned {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
  /** a poison message: its class, and what the problems of its dead letter say */
  poison?: { name: string; problem: RegExp };
  /** a valid message: the event line it carries */
  line?: EventLine;
}

/** A planned message once on the broker: where it is, and the dead-letter source naming it. */
export interface Published extends Planned {
  topicName: string;
  partition: number;
  offset: string;
  /** `topic/partition@offset` */
  source: string;
}

const partitioner = Partitioners.DefaultPartitioner();

/** The partition kafkajs's default (Java-compatible) partitioner picks for a key. */
export function partitionOf(key: Buffer | string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

const text = (value: string) => Buffer.from(value, 'utf8');
/** JSON text of an object with one field's value written as the raw JSON text given (a number JSON.stringify cannot write). */
const withRawField = (value: JsonObject, field: string, raw: string) => JSON.stringify({ ...value, [field]: '@RAW@' }).replace('"@RAW@"', raw);

export const valid = (line: EventLine): Planned => ({
  topic: line.topic,
  key: line.key === null ? null : text(line.key),
  value: text(typeof line.value === 'string' ? line.value : JSON.stringify(line.value)),
  line,
});

/** The problem of an offset-less timestamp when NAIVE_TIMESTAMPS is not utc: it names the setting. */
export const NAIVE_PROBLEM = /^\$\.occurred_at: has no UTC offset.*NAIVE_TIMESTAMPS=utc \(--naive-timestamps utc\)/;

type PoisonBuilder = (signalId: string) => Omit<Planned, 'key'>;

/**
 * One builder per poison class, each aimed at the signal given: numbers that would exhaust memory,
 * deep nesting, text no database stores alike, instants outside 1970..9999, an offset-less timestamp,
 * bytes that are not UTF-8, a message over 1 MiB, a tombstone, an empty value and a JSON array.
 */
const POISON: PoisonBuilder[] = (() => {
  const at = (id: string) => ({ signal_id: id, occurred_at: '2026-01-05T15:00:00Z' });
  const generated = (id: string) => ({ ...at(id), strategy_name: 'momentum', symbol: 'AAPL', side: 'buy', confidence: 0.7, sharpe_estimate: 1.2, entry_price: 190.5 });
  const fill = (id: string) => ({ ...at(id), order_id: 'ord-poison', price: 190.5, quantity: 10 });
  const rejection = (id: string) => ({ ...at(id), passed: false, rejection_reason: 'daily_loss_limit' });
  const json = (value: unknown) => text(JSON.stringify(value));
  const { generated: g, risk, submitted, filled, outcome } = DEFAULT_TOPICS;
  const depth = 10_000;
  return [
    (id) => {
      const value = withRawField(generated(id), 'entry_price', '1e9999999');
      if (Buffer.byteLength(value) >= 200) throw new Error(`the huge-exponent message should be under 200 bytes, not ${value.length}`);
      return { topic: g, value: text(value), poison: { name: 'entry_price 1e9999999 as a JSON number', problem: /^\$\.entry_price: exponent "9999999" out of range/ } };
    },
    (id) => ({ topic: filled, value: text(withRawField(fill(id), 'price', `1${'0'.repeat(99_999)}`)), poison: { name: 'a 100,000-digit integer price', problem: /^\$\.price: not a decimal within the limits: .*more than 100 characters/ } }),
    (id) => ({ topic: submitted, value: json({ ...at(id), order_id: 'ord-poison', quantity: '1e999999' }), poison: { name: 'the decimal string "1e999999"', problem: /^\$\.quantity: exponent "999999" out of range/ } }),
    (id) => ({ topic: g, value: text(withRawField(generated(id), 'metadata', `{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`)), poison: { name: 'metadata nested 10,000 levels deep', problem: /^\$: nested deeper than 64 levels/ } }),
    () => ({ topic: outcome, value: text('['.repeat(500_000)), poison: { name: 'a value of 500,000 "["', problem: /^\$: nested deeper than 64 levels/ } }),
    (id) => ({ topic: g, value: json({ ...generated(id), strategy_name: 'mom\u0000entum' }), poison: { name: 'NUL (\\u0000) in strategy_name', problem: /^\$\.strategy_name: the text contains U\+0000 \(NUL\)/ } }),
    (id) => ({ topic: g, value: json({ ...generated(id), metadata: { 'model\u0000': 'v1' } }), poison: { name: 'NUL (\\u0000) in a metadata key', problem: /^\$\.metadata\["model\\u0000"\]: the key contains U\+0000 \(NUL\)/ } }),
    (id) => ({ topic: risk, value: json({ ...rejection(id), rejection_reason: 'daily\u0000loss' }), poison: { name: 'NUL (\\u0000) in rejection_reason', problem: /^\$\.rejection_reason: the text contains U\+0000 \(NUL\)/ } }),
    (id) => ({ topic: g, value: json({ ...generated(id), symbol: 'AA\ud800' }), poison: { name: 'a lone surrogate (\\ud800) in symbol', problem: /^\$\.symbol: the text contains a lone UTF-16 surrogate/ } }),
    // the key of this one has a raw NUL byte too (poisonedStream)
    (id) => ({ topic: risk, value: Buffer.concat([text(`{"signal_id":"${id}`), Buffer.from([0]), text('","occurred_at":"2026-01-05T15:00:00Z","passed":true}')]), poison: { name: 'a raw NUL byte in the value (invalid JSON) and in the key', problem: /^\$: not JSON: Bad control character/ } }),
    (id) => ({ topic: risk, value: json({ ...rejection(id), occurred_at: '9999-12-31T23:59:59-01:00' }), poison: { name: 'an instant after 9999 (9999-12-31T23:59:59-01:00)', problem: /^\$\.occurred_at: out of range/ } }),
    (id) => ({ topic: filled, value: json({ ...fill(id), occurred_at: '1969-12-31T23:59:59Z' }), poison: { name: 'an instant before 1970 (1969-12-31T23:59:59Z)', problem: /^\$\.occurred_at: out of range/ } }),
    (id) => ({ topic: outcome, value: json({ ...at(id), occurred_at: '2026-01-05T15:00:00.123456', outcome: 'cancelled' }), poison: { name: 'an offset-less timestamp', problem: NAIVE_PROBLEM } }),
    (id) => ({ topic: g, value: Buffer.concat([text(`{"signal_id":"${id}","symbol":"`), Buffer.from([0xff, 0xfe, 0xc3]), text('"}')]), poison: { name: 'invalid UTF-8 bytes', problem: /^\$: value is not valid UTF-8/ } }),
    (id) => ({ topic: outcome, value: json({ ...at(id), outcome: 'cancelled', reason: 'x'.repeat(1_100_000) }), poison: { name: 'a message over 1 MiB', problem: /^\$: message of 11000\d\d bytes is larger than the limit of 1048576/ } }),
    () => ({ topic: filled, value: null, poison: { name: 'a tombstone (null value)', problem: /^\$: empty message \(null value\)/ } }),
    () => ({ topic: submitted, value: Buffer.alloc(0), poison: { name: 'an empty value', problem: /^\$: not JSON/ } }),
    (id) => ({ topic: risk, value: json([rejection(id)]), poison: { name: 'a JSON array', problem: /^\$: expected a JSON object, got an array/ } }),
  ];
})();

/** The poison message of the first class whose name includes `name`, aimed at a signal. */
export function poisonMessage(name: string, signalId: string): Planned {
  const poison = POISON.map((build) => build(signalId)).find((p) => p.poison?.name.includes(name));
  if (poison === undefined) throw new Error(`no poison class named like ${name}`);
  return { ...poison, key: text(signalId) };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A copy of a valid event carrying an event_id that `owner` already uses, for another signal. */
export function reusedEventId(owner: EventLine, otherSignal: string, name: string): Planned {
  const value: JsonObject = { ...(owner.value as JsonObject), signal_id: otherSignal };
  const eventId = String(value.event_id);
  return {
    topic: owner.topic,
    key: text(otherSignal),
    value: text(JSON.stringify(value)),
    poison: { name, problem: new RegExp(`^\\$\\.event_id: event_id "${escapeRegExp(eventId)}" (already )?belongs to signal "${escapeRegExp(String((owner.value as JsonObject).signal_id))}"`) },
  };
}

const hasEventId = (l: EventLine) => typeof l.value !== 'string' && typeof l.value.event_id === 'string';

/**
 * A valid stream with one message of every poison class interleaved at fixed, evenly spread positions
 * (after the first, the poison of a position is keyed by the signal of the valid line before it, so
 * it lands among that signal's events), plus: an event_id of the stream reused right after its owner
 * by a message for another signal on the same partition (so in the same slice, or a later one of the
 * same partition), a raw NUL byte in the key of the invalid-JSON message, and a valid message whose
 * key has a raw NUL byte (it must be applied: the worker does not depend on keys).
 */
export function poisonedStream(lines: readonly EventLine[], partitions: number): Planned[] {
  const out = lines.map(valid);
  const at = (i: number) => out[i] as Planned;
  // a valid message under a key that is not text
  const nulKeyed = Math.floor(lines.length / 3);
  at(nulKeyed).key = Buffer.concat([text(String(lines[nulKeyed]?.key)), Buffer.from([0])]);

  const step = Math.floor(lines.length / (POISON.length + 2));
  const inserts: { after: number; planned: Planned }[] = POISON.map((build, i) => {
    const after = (i + 1) * step;
    const signalId = String(lines[after]?.key);
    const poison = build(signalId);
    const key = poison.poison?.name.includes('in the key') ? Buffer.concat([text(signalId), Buffer.from([0])]) : text(signalId);
    return { after, planned: { ...poison, key } };
  });

  // the owner: a risk decision with its own event_id, half-way; the other signal: one on the same partition
  const ownerAt = lines.findIndex((l, i) => i > lines.length / 2 && l.topic === DEFAULT_TOPICS.risk && hasEventId(l));
  const owner = lines[ownerAt] as EventLine;
  const partition = partitionOf(String(owner.key), partitions);
  const other = lines.find((l) => l.key !== owner.key && partitionOf(String(l.key), partitions) === partition);
  if (ownerAt === -1 || other === undefined) throw new Error('the stream has no risk decision with an event_id to reuse');
  inserts.push({ after: ownerAt, planned: reusedEventId(owner, String(other.key), 'an event_id reused for another signal right after its owner') });

  const stream: Planned[] = [];
  out.forEach((p, i) => {
    stream.push(p);
    for (const ins of inserts) if (ins.after === i) stream.push(ins.planned);
  });
  return stream;
}

/** Event lines of other signals: every signal id renamed with a prefix (so a second generated stream adds signals). */
export function renamed(lines: Iterable<EventLine>, prefix: string): EventLine[] {
  return [...lines].map((l) => {
    const value = JSON.parse(JSON.stringify(l.value).replaceAll('"sig-', `"${prefix}sig-`)) as JsonObject;
    return { ...l, key: `${prefix}${l.key}`, value };
  });
}

/**
 * Publishes planned messages in order, each on the partition the default partitioner gives its key
 * (gzip-compressed when asked), and returns them with their partition and offset (from the broker's
 * base offset of each send). Fails when the partitions' end offsets do not account for exactly these messages.
 */
export async function publish(config: KafkaConfig, planned: readonly Planned[], partitions: number, options: { gzip?: boolean } = {}): Promise<Published[]> {
  const kindOf = new Map(EVENT_KINDS.map((k) => [DEFAULT_TOPICS[k], k]));
  const topicName = (topic: string) => {
    const kind = kindOf.get(topic);
    return kind === undefined ? topic : config.topics[kind];
  };
  const before = await endOffsets(config);
  const producer = createKafka(config.kafka, quietLogger()).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const out: Published[] = [];
  try {
    let chunk: Published[] = [];
    let bytes = 0;
    const flush = async () => {
      const byTopic = new Map<string, Published[]>();
      for (const p of chunk) byTopic.set(p.topicName, [...(byTopic.get(p.topicName) ?? []), p]);
      const meta = await producer.sendBatch({
        acks: -1,
        compression: options.gzip ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, ms]) => ({ topic, messages: ms.map((m) => ({ key: m.key, value: m.value, partition: m.partition, headers: m.headers })) })),
      });
      const next = new Map(meta.map((m) => [partitionKey(m.topicName, m.partition), BigInt(m.baseOffset ?? 'x')]));
      for (const p of chunk) {
        const k = partitionKey(p.topicName, p.partition);
        const offset = next.get(k) as bigint;
        next.set(k, offset + 1n);
        p.offset = offset.toString();
        p.source = `${p.topicName}/${p.partition}@${p.offset}`;
        out.push(p);
      }
      chunk = [];
      bytes = 0;
    };
    for (const p of planned) {
      const name = topicName(p.topic);
      const partition = partitionOf(p.key ?? Buffer.alloc(0), partitions);
      chunk.push({ ...p, topicName: name, partition, offset: '', source: '' });
      bytes += (p.value?.length ?? 0) + 100;
      if (chunk.length >= 300 || bytes > 2_000_000) await flush();
    }
    if (chunk.length > 0) await flush();
  } finally {
    await producer.disconnect();
  }
  const after = await endOffsets(config);
  for (const [k, end] of after) {
    const sent = out.filter((p) => partitionKey(p.topicName, p.partition) === k).length;
    if (end - (before.get(k) ?? 0n) !== BigInt(sent)) throw new Error(`${k}: ${sent} messages sent, but the end offset moved from ${before.get(k)} to ${end} (a producer retry?)`);
  }
  return out;
}

/** A dead letter's problems as lines of `path: message`. */
export const problemText = (problems: readonly Problem[]): string => problems.map((p) => `${p.path}: ${p.message}`).join('\n');

/** The offsets a consumer group committed on the five topics, by partitionKey. */
export async function committedOffsets(config: KafkaConfig, groupId: string): Promise<Map<string, bigint>> {
  const admin = createKafka(config.kafka, quietLogger()).admin();
  await admin.connect();
  try {
    const out = new Map<string, bigint>();
    for (const t of await admin.fetchOffsets({ groupId, topics: topicsOf(config) })) {
      for (const p of t.partitions) if (p.offset !== '-1') out.set(partitionKey(t.topic, p.partition), BigInt(p.offset));
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Polls `read` until it returns what `done` accepts, or returns the last value read after timeoutMs. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = await read();
  }
  return value;
}
