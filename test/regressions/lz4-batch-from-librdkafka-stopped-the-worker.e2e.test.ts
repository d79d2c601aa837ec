// Regression: kafkajs ships only a gzip codec. The worker's first fetch of a topic holding lz4 batches
// from a librdkafka producer failed with "KafkaJSNotImplemented: LZ4 compression not implemented", and
// the worker stopped for good. Now createKafka registers the codecs in the worker thread's kafkajs.
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { deleteTestTopics, ensureKafkaClients, onTestTopics, publishWithKcat } from '../helpers/kafka-clients.ts';
import { createTestTopics, testKafkaConfig, topicsOf, waitUntilCliWorkerCaughtUp } from '../helpers/worker.ts';
import { expectLedger, recordsOf } from '../helpers/workload.ts';

describe('lz4 batches from librdkafka (kcat -z lz4)', () => {
  it('signal-ledger worker (kafkajs in its worker thread) applies them all and keeps running, instead of stopping with KafkaJSNotImplemented', async () => {
    ensureKafkaClients();
    const lines = [...generateEvents({ signals: 100, seed: 60 })];
    const expected = await recordsOf(lines);
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    await publishWithKcat(config, onTestTopics(config, lines), 'lz4');
    const worker = startCli(['worker', '--metrics-port', '0'], { env: { ...config.env, LOG_LEVEL: 'info' } });
    const store = await openStore({ dbUrl: db.url });
    try {
      await waitUntilCliWorkerCaughtUp(worker, store, config);
      await expectLedger(store, expected);
      expect(worker.running).toBe(true);
      expect(worker.output).not.toContain('KafkaJSNotImplemented');
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      worker.kill('SIGKILL');
      await store.close();
      await deleteTestTopics(config, topicsOf(config));
      await db.drop();
    }
  });
});
