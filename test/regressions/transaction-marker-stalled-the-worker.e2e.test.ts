// Regression: a transactional producer (python3-confluent-kafka with a transactional.id) ends each transaction with
// a commit or abort marker, a record kafkajs leaves out of a batch's messages, as it leaves out an aborted
// transaction's messages. The buffers took a partition to have more to fetch while its last message was below the
// high watermark, which the marker is part of: a topic ending in a marker held the produce-time watermark of its
// partition number for good, and messages of the other topics produced after it were never applied (found by a
// probe: one event sent after a committed transaction still waited after 290 s). A batch of an aborted transaction
// alone does not reach eachBatch at all. And `replay`, which stops at the end offsets it read at start, waited
// forever for the marker's offset. Now a batch's last record, a marker included, moves the partition on (a batch
// with no messages through the consumer's batch event), and a slice that takes all a partition holds passes the
// records after its last message.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS } from '../../src/contract/index.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runCliAsync, startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { deleteTestTopics, ensureKafkaClients, onTestTopics, type OutsideMessage, publishWithConfluentKafka, type TransactionStep } from '../helpers/kafka-clients.ts';
import { createTestTopics, sleep, testKafkaConfig, topicsOf } from '../helpers/worker.ts';
import { expectLedger, recordsOf, snapshot } from '../helpers/workload.ts';

/** Waits until the store holds `expected`, failing with what it holds after `timeoutMs`. */
async function waitForRecords(store: Store, expected: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let held = await snapshot(store);
  while (held !== expected && Date.now() < deadline) {
    await sleep(500);
    held = await snapshot(store);
  }
  expect(held).toBe(expected);
}

const begin: TransactionStep = { transaction: 'begin' };

describe('transactions from python3-confluent-kafka: committed, then aborted, then messages of other topics', () => {
  it('signal-ledger worker applies every committed and later event and no aborted one; replay of the topics ends', { timeout: 180_000 }, async () => {
    ensureKafkaClients();
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    const lines = [...generateEvents({ signals: 30, seed: 64, bad: 0 })];
    // on this test's topics, every message on partition 0, so the topics meet in one slice group
    const outside = (l: (typeof lines)[number]): OutsideMessage => {
      const [moved] = onTestTopics(config, [l]) as [(typeof lines)[number]];
      return { topic: moved.topic, partition: 0, key: l.key, value: typeof l.value === 'string' ? l.value : JSON.stringify(l.value) };
    };
    const generated = lines.filter((l) => l.topic === DEFAULT_TOPICS.generated);
    const others = lines.filter((l) => l.topic !== DEFAULT_TOPICS.generated);
    const half = Math.floor(others.length / 2);
    const first = [...generated, ...others.slice(0, half)];
    // the same events under other signal ids: applied, they would show
    const aborted = generated.slice(0, 5).map((l) => {
      const m = outside(l);
      return { ...m, key: (m.key as string).replace('sig-', 'abt-'), value: (m.value as string).replaceAll('sig-', 'abt-') };
    });
    const transactionalId = `${config.groupId}-tx`;
    await publishWithConfluentKafka(config, [begin, ...first.map(outside), { transaction: 'commit' }], transactionalId);
    const worker = startCli(['worker', '--metrics-port', '0'], { env: { ...config.env, LOG_LEVEL: 'info' } });
    const store = await openStore({ dbUrl: db.url });
    const replayDb = await createTestDatabase('sqlite-file');
    try {
      await waitForRecords(store, await recordsOf(first), 60_000);
      // signals.generated now ends in an aborted transaction, fetched as a batch of no messages
      await publishWithConfluentKafka(config, [begin, ...aborted, { transaction: 'abort' }], transactionalId);
      await sleep(1_000);
      // the other topics go on: each of these was produced after generated's last message and marker
      await publishWithConfluentKafka(config, others.slice(half).map(outside));
      await waitForRecords(store, await recordsOf(lines), 60_000);
      expect(worker.running).toBe(true);
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);

      const replay = await runCliAsync(['--db', replayDb.url, 'replay', '--json'], { env: { ...config.env, DATABASE_URL: replayDb.url }, timeoutMs: 90_000 });
      expect(replay.timedOut, replay.stderr).toBeFalsy();
      expect(replay.code, replay.stderr).toBe(0);
      const replayed = await openStore({ dbUrl: replayDb.url });
      try {
        await expectLedger(replayed, await recordsOf(lines));
      } finally {
        await replayed.close();
      }
    } finally {
      worker.kill('SIGKILL');
      await store.close();
      await deleteTestTopics(config, topicsOf(config));
      await db.drop();
      await replayDb.drop();
    }
  });
});
