// Regression: slices were bounded by their count of messages only (4,000 by default), and each partition's
// buffer by its count (2,000). A backlog of 300 messages of 1,000,000 bytes each (under the 1 MiB limit, so
// dead letters that keep their whole text), published by librdkafka (kcat) to one partition, went into
// slices of tens of them: the worker thread ran out of its 128 MB heap ("the worker thread ran out of its
// 128 MB heap"; in another run the SQLite writer thread ran out of its 96 MB, after 210 of them were stored),
// and the worker stopped with exit 1. Its restart met the same backlog. Now a slice holds at most
// MAX_SLICE_BYTES of messages (keys, values, headers), and a partition is paused at half of that.
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { startCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { deleteTestTopics, ensureKafkaClients, onTestTopics, publishWithKcat, runToolAsync } from '../helpers/kafka-clients.ts';
import { queryRows } from '../helpers/stored-rows.ts';
import { createTestTopics, testKafkaConfig, topicsOf, waitUntilCliWorkerCaughtUp } from '../helpers/worker.ts';
import { expectLedger, recordsOf } from '../helpers/workload.ts';

const LARGE = 300;
const LARGE_BYTES = 1_000_000;

describe('a backlog of messages of almost 1 MiB each (kcat), on one partition', () => {
  it.each(['sqlite-file', 'postgresql'] as const)('signal-ledger worker on %s stores each as a dead letter whole, applies the events after them, and keeps running', { timeout: 240_000 }, async (kind) => {
    ensureKafkaClients();
    const lines = [...generateEvents({ signals: 50, seed: 61, bad: 0 })];
    const expected = await recordsOf(lines);
    const db = await createTestDatabase(kind);
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    // not JSON that the contract reads: a signal_id, then a note of almost 1 MB
    const value = (i: number) => `{"signal_id":"large-${i}","note":"${'x'.repeat(LARGE_BYTES - 40)}"}`.padEnd(LARGE_BYTES, ' ');
    const input = Array.from({ length: LARGE }, (_, i) => `large-${i}\t${value(i)}\n`).join('');
    // one message per request: librdkafka's default limit (1,000,000 bytes) is below a message with its key
    await runToolAsync('kcat', ['-P', '-b', config.kafka.brokers.join(','), '-t', config.topics.generated, '-p', '0', '-K', '\t', '-X', 'message.max.bytes=1048576'], input);
    await publishWithKcat(config, onTestTopics(config, lines), 'none');
    const worker = startCli(['worker', '--metrics-port', '0'], { env: { ...config.env, LOG_LEVEL: 'info' } });
    const store = await openStore({ dbUrl: db.url });
    try {
      await waitUntilCliWorkerCaughtUp(worker, store, config, 180_000);
      const large = await queryRows<{ n: number; shortest: number }>(store, "select count(*) as n, min(length(raw_value)) as shortest from dead_letters where message_key like 'large-%'");
      expect(large.map((r) => ({ n: Number(r.n), shortest: Number(r.shortest) }))).toEqual([{ n: LARGE, shortest: LARGE_BYTES }]);
      await expectLedger(store, expected);
      expect(worker.running).toBe(true);
      expect(worker.output).not.toMatch(/heap|memory limit/i);
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
