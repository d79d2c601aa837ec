// Regression: three kinds of Kafka headers, each of which any producer may send, stopped or stalled the worker.
// - A null header value (length -1 on the wire: librdkafka sends one, kafkajs reads it as null). The buffers
//   counted a header's bytes with Buffer.byteLength(null): a TypeError in eachBatch, which stops the worker, and
//   its restart met the same message. With tracing on, a null traceparent threw the same way; and kafkajs's
//   producer cannot encode a null value, so such a dead letter was never forwarded to the dead-letter topic.
// - Many headers. kafkajs 2.2.4 builds a record's headers with a spread per header, in time quadratic in their
//   count: 20,000 distinct names (a 180 kB message) held the worker thread for 135 s in the fetch that brought it,
//   past its session timeout, and the next fetch brought it again: the worker stalled for good.
// - A header named after a member of Object.prototype (constructor, toString): kafkajs's decoder took the
//   inherited member for a first value ([Object, value]), and counting its bytes threw: the worker stopped.
// Now a null value counts 0 bytes, tracing skips it, and the forwarded copy leaves it out and names it in
// signal-ledger-null-headers; kafkajs's record decoder is replaced by one that builds the headers in one pass,
// as own properties (kafkajs-record-decoder.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadKafkaConfig } from '../../src/config.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { createKafka } from '../../src/worker/index.ts';
import { startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { deleteTestTopics, ensureKafkaClients, onTestTopics, type OutsideMessage, publishWithConfluentKafka } from '../helpers/kafka-clients.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';
import { createTestTopics, quietLogger, sleep, testKafkaConfig, topicsOf, waitUntilCliWorkerCaughtUp } from '../helpers/worker.ts';
import { expectLedger, recordsOf } from '../helpers/workload.ts';

/** Header lists with null values, in turn on the events. */
const NULL_VALUES: NonNullable<OutsideMessage['headers']>[] = [
  [['note', null]],
  [['x', '1'], ['x', null], ['x', { hex: 'fffe00' }]],
  [['traceparent', null]],
  [['traceparent', 'not a traceparent'], ['traceparent', null], ['tracestate', null]],
  [],
];
const MANY = 30_000;
const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];

describe('headers from python3-confluent-kafka: null values, 30,000 of them, names of Object.prototype; tracing and a dead-letter topic on', () => {
  it('signal-ledger worker applies every event, stores and forwards the dead letters with their headers, and keeps running', { timeout: 180_000 }, async () => {
    ensureKafkaClients();
    const lines = [...generateEvents({ signals: 40, seed: 62, bad: 0 })];
    const expected = await recordsOf(lines);
    const db = await createTestDatabase('postgresql');
    const base = testKafkaConfig(db.url);
    const env = { ...base.env, KAFKA_DLQ_TOPIC: `${base.env.KAFKA_TOPIC_PREFIX}dead-letters` };
    const config = loadKafkaConfig({}, env);
    await createTestTopics(config);
    const events: OutsideMessage[] = onTestTopics(config, lines).map((l, i) => ({
      topic: l.topic,
      key: l.key,
      value: typeof l.value === 'string' ? l.value : JSON.stringify(l.value),
      headers: NULL_VALUES[i % NULL_VALUES.length],
    }));
    // dead letters: not an event the contract reads
    const bad = (key: string, value: string | null, headers: NonNullable<OutsideMessage['headers']>): OutsideMessage => ({ topic: config.topics.generated, partition: 0, key, value, headers });
    const deadLetters = [
      bad('null-values', 'not json', [['note', null], ['traceparent', null], ['kept', 'yes']]),
      bad('tombstone', null, [['note', null], ['kept', 'yes']]),
      bad('many-names', '{}', Array.from({ length: MANY }, (_, i) => [`h${i}`, 'v'])),
      bad('one-name', '{}', Array.from({ length: MANY }, (_, i) => ['h', String(i)])),
      bad('prototype-names', '{}', PROTOTYPE_NAMES.map((name) => [name, name])),
    ];
    const half = events.length / 2;
    await publishWithConfluentKafka(config, [...events.slice(0, half), ...deadLetters, ...events.slice(half)]);
    // an OTLP receiver that takes every export: tracing is on, and nothing fails for want of one
    const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` };
    const worker = startCli(['worker', '--metrics-port', '0'], { env: { ...env, ...tracing, LOG_LEVEL: 'info' } });
    const store = await openStore({ dbUrl: db.url });
    const reader = createKafka(config.kafka, quietLogger()).consumer({ groupId: `${config.groupId}-dlq-reader`, maxBytesPerPartition: 4 * 1_048_576 });
    try {
      // before the fix: stopped at the first null value; without that, minutes on the first many-names message
      await waitUntilCliWorkerCaughtUp(worker, store, config, 60_000);
      await expectLedger(store, expected, () => worker.output);
      expect((await readDeadLetters(store)).map((d) => d.messageKey)).toEqual(deadLetters.map((m) => m.key));
      const forwarded = new Map<string, Record<string, unknown>>();
      await reader.connect();
      await reader.subscribe({ topics: [config.deadLetterTopic as string], fromBeginning: true });
      await reader.run({ eachMessage: async ({ message }) => void forwarded.set(String(message.key), message.headers ?? {}) });
      for (let i = 0; i < 240 && forwarded.size < deadLetters.length; i++) await sleep(250);
      const text = (key: string, name: string) => String(Object.getOwnPropertyDescriptor(forwarded.get(key) ?? {}, name)?.value);
      expect([text('null-values', 'kept'), text('null-values', 'signal-ledger-null-headers'), text('null-values', 'note')]).toEqual(['yes', '["note","traceparent"]', 'undefined']);
      expect([text('tombstone', 'kept'), text('tombstone', 'signal-ledger-null-headers')]).toEqual(['yes', '["note"]']);
      expect(Object.keys(forwarded.get('many-names') ?? {}).filter((k) => /^h\d+$/.test(k))).toHaveLength(MANY);
      expect(((forwarded.get('one-name')?.h ?? []) as Buffer[]).map(String)).toEqual(Array.from({ length: MANY }, (_, i) => String(i)));
      expect(PROTOTYPE_NAMES.map((name) => text('prototype-names', name))).toEqual(PROTOTYPE_NAMES);
      expect(worker.running).toBe(true);
      expect(worker.output).not.toMatch(/TypeError|not forwarded/);
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      worker.kill('SIGKILL');
      await reader.disconnect();
      receiver.close();
      await store.close();
      await deleteTestTopics(config, [...topicsOf(config), config.deadLetterTopic as string]);
      await db.drop();
    }
  });
});
