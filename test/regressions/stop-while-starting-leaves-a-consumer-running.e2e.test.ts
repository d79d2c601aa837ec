// Regression (found writing the lag sampler, issue 15): a stop() while createWorker's start() was still under
// way resolved, but start() went on: it created the consumer, which joined the group and consumed into the
// store after the stop, and its connections stayed open (only the CLI, which ends its thread, hid it). Now
// start() looks at the stop after each step that waits and closes what it opened since.
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createKafka, createWorker, createWorkerMetrics } from '../../src/worker/index.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { createTestTopics, produce, quietLogger, sleep, testKafkaConfig } from '../helpers/worker.ts';

async function events(store: Store): Promise<number> {
  const rows = (await store.em().getConnection().execute('select count(*) as n from signal_events')) as { n: string | number }[];
  return Number(rows[0]?.n);
}

describe('a stop while the worker is starting', () => {
  it.each([0, 50, 300, 1000])('%i ms into start: start resolves, nothing is consumed after, and the group is left empty', async (afterMs) => {
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    await produce(config, [...generateEvents({ signals: 50, seed: 22 })]);
    const store = await openStore({ dbUrl: db.url });
    const worker = createWorker({ store, config, logger: quietLogger(), metrics: createWorkerMetrics() });
    const admin = createKafka(config.kafka, quietLogger()).admin();
    try {
      const starting = worker.start();
      await sleep(afterMs);
      await worker.stop();
      await starting;
      await worker.done;
      const applied = await events(store);
      await sleep(2000);
      expect(await events(store)).toBe(applied);
      await admin.connect();
      const { groups } = await admin.describeGroups([config.groupId]);
      expect(groups[0]?.members ?? []).toEqual([]);
    } finally {
      await admin.disconnect();
      await store.close();
      await db.drop();
    }
  });
});
