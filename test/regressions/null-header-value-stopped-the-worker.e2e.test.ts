// Regression: a Kafka header may have a null value (length -1 on the wire). kafkajs cannot send one, but
// librdkafka can (confluent-kafka: headers=[("note", None)]), and kafkajs reads it as null. The worker's
// buffers counted a header's bytes with Buffer.byteLength(null): a TypeError in eachBatch, which stopped the
// worker, and its restart met the same message. With tracing on, reading a null traceparent threw the same
// way, and a dead letter with a null header value was not forwarded to the dead-letter topic: kafkajs's
// producer cannot encode one (Buffer.byteLength(null) in its record encoder). Now a null header value is
// buffered, traced past, and left out of the forwarded copy, its name listed in signal-ledger-null-headers.
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
import { recordsOf, snapshot } from '../helpers/workload.ts';

/** Header lists a librdkafka producer may send, null values among them, in turn on the events. */
const HEADERS: NonNullable<OutsideMessage['headers']>[] = [
  [['note', null]],
  [['x', '1'], ['x', null], ['x', { hex: 'fffe00' }]],
  [['traceparent', null]],
  [['traceparent', 'not a traceparent'], ['traceparent', null], ['tracestate', null]],
  [],
];

describe('header values that are null (python3-confluent-kafka), with tracing on and a dead-letter topic', () => {
  it('signal-ledger worker applies every event, stores and forwards the dead letters, and keeps running', { timeout: 180_000 }, async () => {
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
      headers: HEADERS[i % HEADERS.length],
    }));
    const bad: OutsideMessage[] = [
      { topic: config.topics.generated, partition: 0, key: 'bad-1', value: 'not json', headers: [['note', null], ['traceparent', null], ['kept', 'yes']] },
      { topic: config.topics.generated, partition: 0, key: 'bad-2', value: null, headers: [['note', null], ['kept', 'yes']] },
    ];
    await publishWithConfluentKafka(config, [...events, ...bad]);
    // an OTLP receiver that takes every export: tracing is on, and nothing fails for want of one
    const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` };
    const worker = startCli(['worker', '--metrics-port', '0'], { env: { ...env, ...tracing, LOG_LEVEL: 'info' } });
    const store = await openStore({ dbUrl: db.url });
    const reader = createKafka(config.kafka, quietLogger()).consumer({ groupId: `${config.groupId}-dlq-reader` });
    try {
      await waitUntilCliWorkerCaughtUp(worker, store, config, 120_000);
      expect(await snapshot(store)).toBe(expected);
      expect((await readDeadLetters(store)).map((d) => d.messageKey)).toEqual(['bad-1', 'bad-2']);
      const forwarded: Record<string, string>[] = [];
      await reader.connect();
      await reader.subscribe({ topics: [config.deadLetterTopic as string], fromBeginning: true });
      await reader.run({ eachMessage: async ({ message }) => void forwarded.push(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))) });
      for (let i = 0; i < 120 && forwarded.length < 2; i++) await sleep(250);
      expect(forwarded.map((h) => [h.kept, h['signal-ledger-null-headers'], h.note])).toEqual([
        ['yes', '["note","traceparent"]', undefined],
        ['yes', '["note"]', undefined],
      ]);
      expect(worker.running).toBe(true);
      expect(worker.output).not.toMatch(/TypeError|not forwarded yet/);
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
