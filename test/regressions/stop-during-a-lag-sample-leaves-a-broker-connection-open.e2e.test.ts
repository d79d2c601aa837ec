// Regression (CI at f6ab46e and at 39809e9, the leak guard of test/worker/create-worker.e2e.test.ts): a stop
// while a lag sample was reading the end offsets disconnected the sampler's admin client under the read; the
// read's next step then connected to the broker again (kafkajs's findBroker refreshes the metadata of a
// disconnected client), and that connection stayed open after stop() resolved. Now the stop lets the read under
// way end (it asks nothing again once stopped), then disconnects; a read that outlasts the stop's wait
// disconnects the client itself when it ends.
import { describe, expect, inject, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { createWorker, createWorkerMetrics } from '../../src/worker/index.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { tcpPeers } from '../helpers/open-resources.ts';
import { createTestTopics, produce, quietLogger, sleep, testKafkaConfig, waitUntilCaughtUp } from '../helpers/worker.ts';

describe('a worker stopped while a lag sample reads the end offsets', () => {
  it('leaves no connection to the broker open once stop() has resolved, stop after stop', async () => {
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    await produce(config, [...generateEvents({ signals: 20, seed: 23 })]);
    const store = await openStore({ dbUrl: db.url });
    // connections to the broker only: the store's pool may open more to PostgreSQL while the worker runs
    const ports = inject('kafkaBrokers').split(',').map((b) => b.slice(b.lastIndexOf(':')));
    const toBroker = () => tcpPeers().filter((peer) => ports.some((port) => peer.endsWith(port))).length;
    try {
      for (let round = 0; round < 6; round++) {
        const before = toBroker();
        // a sample every 2 ms: a read of the end offsets is almost always under way
        const worker = createWorker({ store, config, logger: quietLogger(), metrics: createWorkerMetrics(), lagSampleMs: 2 });
        await worker.start();
        await waitUntilCaughtUp(store, config, config.groupId);
        await sleep(20 * round);
        await worker.stop();
        // what stop() closes is closed when it resolves; up to 2 s for sockets already ending
        for (let waited = 0; waited < 2_000 && toBroker() > before; waited += 50) await sleep(50);
        expect(toBroker() - before, `round ${round}`).toBe(0);
      }
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
