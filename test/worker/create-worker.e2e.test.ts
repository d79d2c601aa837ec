import { describe, expect, it } from 'vitest';
import { type EventLine, generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore, readCheckpoints, type Store } from '../../src/store/index.ts';
import { createKafka, createWorker, createWorkerMetrics, partitionKey, startHealthServer } from '../../src/worker/index.ts';
import { runCliAsync, sigtermTwice, startCli } from '../helpers/cli.ts';
import { createTestDatabase, type HeldTableLock, holdTableLock } from '../helpers/databases.ts';
import { outsideAddress } from '../helpers/network.ts';
import { createTestTopics, endOffsets, produce, quietLogger, sleep, testKafkaConfig, topicsOf, waitUntilCaughtUp } from '../helpers/worker.ts';
import { expectLedger, recordsOf, shuffled, toMessages } from '../helpers/workload.ts';

/** A shuffled, duplicated workload over all five topics, with some bad messages. */
function workload(signals: number, seed: number): EventLine[] {
  return shuffled([...generateEvents({ signals, duplicates: 0.1, outOfOrder: 0.1, bad: 0.01, seed })], seed);
}

const distinctEvents = (lines: readonly EventLine[]) => new Set(toMessages(lines).flatMap((m) => (m.ok ? [m.event.eventId] : []))).size;

/** A workload published to fresh topics, and a fresh PostgreSQL database for the worker. */
async function publishedWorkload(signals: number, seed: number, env: Record<string, string> = {}, kind: 'postgresql' | 'sqlite-file' = 'postgresql') {
  const lines = workload(signals, seed);
  const db = await createTestDatabase(kind);
  const config = testKafkaConfig(db.url, env);
  await createTestTopics(config);
  await produce(config, lines);
  return { lines, db, config };
}

/** Messages on the test's topics: the sum of their end offsets. */
const publishedCount = async (config: ReturnType<typeof testKafkaConfig>) => [...(await endOffsets(config)).values()].reduce((n, end) => n + Number(end), 0);

/** The store's checkpoints and the group's committed offsets, by partitionKey. */
async function storedAndCommitted(store: Store, config: ReturnType<typeof testKafkaConfig>) {
  const stored = new Map((await readCheckpoints(store, config.groupId)).map((c) => [partitionKey(c.topic, c.partition), c.nextOffset]));
  const admin = createKafka(config.kafka, quietLogger()).admin();
  await admin.connect();
  const committed = new Map<string, string>();
  for (const t of await admin.fetchOffsets({ groupId: config.groupId, topics: topicsOf(config) })) {
    for (const p of t.partitions) if (p.offset !== '-1') committed.set(partitionKey(t.topic, p.partition), p.offset);
  }
  await admin.disconnect();
  return { stored, committed };
}

async function count(store: Store, sql: string): Promise<number> {
  const rows = (await store.em().getConnection().execute(sql)) as { n: string | number }[];
  return Number(rows[0]?.n);
}

/** Starts `signal-ledger worker` as a subprocess with the test's Kafka settings. */
const startWorker = (env: Record<string, string>) => startCli(['worker', '--metrics-port', '0'], { env: { ...env, LOG_LEVEL: 'info' } });

describe('the Kafka worker against a real broker and PostgreSQL', () => {
  it('a shuffled, duplicated stream on all five topics ends equal to ingesting the same events from a file; health and metrics say so', async () => {
    const { lines, db, config } = await publishedWorkload(400, 11);
    const expected = await recordsOf(lines);
    const store = await openStore({ dbUrl: db.url });
    const metrics = createWorkerMetrics();
    const worker = createWorker({ store, config, logger: quietLogger(), metrics, lagSampleMs: 200 });
    const server = await startHealthServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, health: () => worker.health });
    try {
      await worker.start();
      await waitUntilCaughtUp(store, config, config.groupId);
      await sleep(600); // a lag sample or two
      await expectLedger(store, expected);
      expect(await count(store, 'select count(*) as n from signal_events')).toBe(distinctEvents(lines));
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(health.status).toBe(200);
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      const total = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
      // every line is on the topics once (the producer is idempotent), and was read once
      const published = await publishedCount(config);
      expect(published).toBe(lines.length);
      expect(total('ledger_events_consumed_total')).toBe(published);
      expect(total('ledger_events_applied_total')).toBe(distinctEvents(lines));
      expect(text).toMatch(/ledger_batch_apply_seconds_count \d+/);
      expect(text).toMatch(/ledger_consumer_lag\{topic="[^"]+",partition="\d"\} 0/);
      expect(total('ledger_consumer_lag')).toBe(0);
    } finally {
      await worker.stop();
      await server.close();
      await store.close();
      await db.drop();
    }
  });

  it.each(['postgresql', 'sqlite-file'] as const)(
    'a stream published before the worker starts is applied a signal at a time (%s; SQLite from a writer thread): partition p of all five topics in one transaction writes each record about once, not once per event; every committed offset is stored',
    async (kind) => {
      const { lines, db, config } = await publishedWorkload(1500, 17, {}, kind);
      const expected = await recordsOf(lines);
      const store = await openStore({ dbUrl: db.url });
      const metrics = createWorkerMetrics();
      const worker = createWorker({ store, config, logger: quietLogger(), metrics });
      try {
        await worker.start();
        await waitUntilCaughtUp(store, config, config.groupId);
        await worker.stop();
        await expectLedger(store, expected);
        const signals = await count(store, 'select count(*) as n from signals');
        const writes = (await metrics.signalWrites.get()).values[0]?.value ?? 0;
        // about 4.6 events per signal: one write per event would be over 4 per signal
        expect(writes).toBeGreaterThanOrEqual(signals);
        expect(writes).toBeLessThanOrEqual(1.25 * signals);
        const { stored, committed } = await storedAndCommitted(store, config);
        expect(committed.size).toBe(30);
        expect(committed).toEqual(stored);
      } finally {
        await worker.stop();
        await store.close();
        await db.drop();
      }
    },
  );

  it('poison messages become dead letters with their topic, partition and offset, go to the dead-letter topic with the problems, and the rest is applied', async () => {
    const good = [...generateEvents({ signals: 30, seed: 4 })];
    const poison: EventLine[] = [
      { topic: 'signals.generated', key: 'p1', value: 'not json at all' },
      { topic: 'signals.risk', key: 'p2', value: { signal_id: 'p2', occurred_at: 'yesterday', passed: false } },
      { topic: 'orders.filled', key: 'p3', value: { signal_id: 'p3', occurred_at: '2026-01-05T10:00:00Z', schema_version: 7, order_id: 'o', price: 1, quantity: 1 } },
      { topic: 'signals.outcome', key: 'p4', value: `{"signal_id":"p4","occurred_at":"2026-01-05T10:00:00Z","outcome":"cancelled","metadata":{"x":"${'y'.repeat(1_100_000)}"}}` },
    ];
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    const withDlq = { ...config, deadLetterTopic: `${config.topics.generated}.dlq` };
    await createTestTopics(withDlq, 2);
    await produce(config, [...good.slice(0, 40), ...poison, ...good.slice(40)]);
    const store = await openStore({ dbUrl: db.url });
    const worker = createWorker({ store, config: withDlq, logger: quietLogger(), metrics: createWorkerMetrics() });
    try {
      await worker.start();
      await waitUntilCaughtUp(store, config, config.groupId);
      const dead = (await store.em().getConnection().execute('select topic, partition, "offset", message_key, problems from dead_letters order by message_key')) as {
        topic: string; partition: number; offset: string; message_key: string; problems: { path: string; message: string }[];
      }[];
      expect(dead.map((d) => d.message_key)).toEqual(['p1', 'p2', 'p3', 'p4']);
      for (const d of dead) {
        expect(d.topic.startsWith(config.env.KAFKA_TOPIC_PREFIX as string)).toBe(true);
        expect(Number(d.offset)).toBeGreaterThanOrEqual(0);
        expect(d.partition).toBeGreaterThanOrEqual(0);
      }
      expect(JSON.stringify(dead.map((d) => d.problems))).toMatch(/not JSON[\s\S]*occurred_at[\s\S]*schema_version[\s\S]*larger than the limit/);
      expect(await count(store, 'select count(*) as n from signal_events')).toBe(distinctEvents(good));

      // the dead-letter topic got each poison message with its original key and the problems in a header
      const { createKafka } = await import('../../src/worker/index.ts');
      const consumer = createKafka(config.kafka, quietLogger()).consumer({ groupId: `${config.groupId}-dlq-reader` });
      const seen: { key: string; error: string; source: string }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [withDlq.deadLetterTopic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push({ key: String(message.key), error: String(message.headers?.['signal-ledger-error']), source: String(message.headers?.['signal-ledger-source']) }) });
      for (let i = 0; i < 120 && seen.length < 4; i++) await sleep(250);
      await consumer.disconnect();
      expect(seen.map((s) => s.key).sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
      for (const s of seen) expect(s.source).toMatch(/\/\d+@\d+$/);
      expect(seen.find((s) => s.key === 'p2')?.error).toMatch(/occurred_at/);
    } finally {
      await worker.stop();
      await store.close();
      await db.drop();
    }
  });

  it('worker --partition-buffer 1 (every partition paused at each message it buffers) still ends equal to ingesting the same events from a file', async () => {
    const { lines, db, config } = await publishedWorkload(300, 17);
    const expected = await recordsOf(lines);
    const store = await openStore({ dbUrl: db.url, migrate: true });
    let worker: ReturnType<typeof startCli> | undefined;
    try {
      worker = startCli(['worker', '--metrics-port', '0', '--partition-buffer', '1'], { env: { ...config.env, LOG_LEVEL: 'info' } });
      expect(await worker.outputIncludes('worker starting'), worker.output).toBe(true);
      const start = JSON.parse(worker.output.split('\n').find((l) => l.includes('worker starting')) as string) as Record<string, unknown>;
      expect(start).toMatchObject({ maxBatch: 4000, partitionBuffer: 1 });
      await waitUntilCaughtUp(store, config, config.groupId);
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      await expectLedger(store, expected);
      expect(await count(store, 'select count(*) as n from signal_events')).toBe(distinctEvents(lines));
    } finally {
      worker?.kill('SIGKILL');
      await store.close();
      await db.drop();
    }
  });

  it('a worker killed with SIGKILL mid-stream and started again loses nothing and counts nothing twice', async () => {
    const { lines, db, config } = await publishedWorkload(1500, 12, { WORKER_MAX_BATCH: '100' }); // small transactions: the kill lands mid-stream
    const expected = await recordsOf(lines);
    const store = await openStore({ dbUrl: db.url, migrate: true });
    try {
      const first = startWorker(config.env);
      // kill it once some, not all, of the stream is in the database
      for (let i = 0; i < 240 && (await count(store, 'select count(*) as n from signal_events').catch(() => 0)) < 500; i++) await sleep(250);
      const before = await count(store, 'select count(*) as n from signal_events');
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(distinctEvents(lines));

      const second = startWorker(config.env);
      await waitUntilCaughtUp(store, config, config.groupId);
      second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      await expectLedger(store, expected);
      expect(await count(store, 'select count(*) as n from signal_events')).toBe(distinctEvents(lines));
      expect(await count(store, 'select count(*) - count(distinct dedupe_key) as n from dead_letters')).toBe(0);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('two workers in one group on 6 partitions, one stopped halfway (a rebalance), end with the same database', async () => {
    const lines = workload(1200, 13);
    const expected = await recordsOf(lines);
    const db = await createTestDatabase('postgresql');
    // small transactions, so that the stop lands mid-stream
    const config = testKafkaConfig(db.url, { WORKER_MAX_BATCH: '100' });
    await createTestTopics(config, 6);
    const stores = [await openStore({ dbUrl: db.url }), await openStore({ dbUrl: db.url })];
    const workers = stores.map((store) => createWorker({ store, config, logger: quietLogger(), metrics: createWorkerMetrics() }));
    try {
      await Promise.all(workers.map((w) => w.start()));
      const half = Math.floor(lines.length / 2);
      await produce(config, lines.slice(0, half));
      for (let i = 0; i < 240 && (await count(stores[0] as Store, 'select count(*) as n from signal_events')) < 300; i++) await sleep(250);
      await workers[1]?.stop();
      await produce(config, lines.slice(half));
      await waitUntilCaughtUp(stores[0] as Store, config, config.groupId);
      await expectLedger(stores[0] as Store, expected);
      expect(await count(stores[0] as Store, 'select count(*) as n from signal_events')).toBe(distinctEvents(lines));
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });

  it('PostgreSQL connections killed while the worker runs: it waits, resumes on its own, and the database ends the same', async () => {
    const lines = workload(1500, 14);
    const expected = await recordsOf(lines);
    const db = await createTestDatabase('postgresql');
    // small transactions, so that the connections die mid-stream
    const config = testKafkaConfig(db.url, { WORKER_MAX_BATCH: '100' });
    await createTestTopics(config);
    const store = await openStore({ dbUrl: db.url });
    const admin = await openStore({ dbUrl: db.url.replace(/\/[^/]+$/, '/postgres'), migrate: false, poolSize: 1 });
    const metrics = createWorkerMetrics();
    const worker = createWorker({ store, config, logger: quietLogger(), metrics, maxRetryDelayMs: 500 });
    const dbName = new URL(db.url).pathname.slice(1);
    try {
      await worker.start();
      const producing = produce(config, lines);
      // keep killing every connection to the database for a while, as a restart would
      for (let i = 0; i < 12; i++) {
        await admin.em().getConnection().execute(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${dbName}' and pid <> pg_backend_pid()`);
        await sleep(300);
      }
      await producing;
      await waitUntilCaughtUp(store, config, config.groupId);
      await expectLedger(store, expected);
      expect(await count(store, 'select count(*) as n from signal_events')).toBe(distinctEvents(lines));
      expect((await metrics.dbRetries.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
    } finally {
      await worker.stop();
      await admin.close();
      await store.close();
      await db.drop();
    }
  });

  it('replay re-reads every topic under a fresh group into a new database and stops by itself at the end offsets taken at its start', async () => {
    const { lines, db, config } = await publishedWorkload(300, 15);
    const expected = await recordsOf(lines);
    const published = await publishedCount(config);
    try {
      const replay = await runCliAsync(['replay', '--from-beginning', '--json'], { env: config.env });
      expect(replay.code, replay.stderr).toBe(0);
      const summary = JSON.parse(replay.stdout.trim().split('\n').pop() ?? '{}');
      expect(summary).toMatchObject({ messages: published, consumed: published, applied: distinctEvents(lines) });
      expect(summary.group).toMatch(new RegExp(`^${config.groupId}\\.replay\\.`));
      const store = await openStore({ dbUrl: db.url });
      try {
        await expectLedger(store, expected);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('the CLI worker with --metrics-host 0.0.0.0: /livez and /metrics answer on an outside address of the machine, /readyz is 200 once joined', async () => {
    const { db, config } = await publishedWorkload(100, 19);
    const outside = outsideAddress();
    const worker = startCli(['worker', '--metrics-port', '0', '--metrics-host', '0.0.0.0'], { env: { ...config.env, LOG_LEVEL: 'info' } });
    try {
      expect(await worker.outputIncludes('worker starting')).toBe(true);
      const port = /"metrics":"http:\/\/0\.0\.0\.0:(\d+)\/metrics"/.exec(worker.output)?.[1];
      expect(port).toBeDefined();
      const at = (path: string) => `http://${outside}:${port}${path}`;
      expect((await fetch(at('/livez'))).status).toBe(200);
      let ready = 0;
      for (let i = 0; i < 120 && ready !== 200; i++, await sleep(250)) ready = (await fetch(at('/readyz'))).status;
      expect(ready).toBe(200);
      expect(await (await fetch(at('/metrics'))).text()).toContain('ledger_events_consumed_total');
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      worker.kill('SIGKILL');
      await db.drop();
    }
  });

  it('SIGTERM mid-stream finishes the slice in hand, commits exactly what is stored and exits 0', async () => {
    const { lines, db, config } = await publishedWorkload(1500, 16, { WORKER_MAX_BATCH: '100' }); // small transactions: the stop lands mid-stream
    const store = await openStore({ dbUrl: db.url });
    try {
      const worker = startWorker(config.env);
      for (let i = 0; i < 240 && (await count(store, 'select count(*) as n from signal_events').catch(() => 0)) < 300; i++) await sleep(250);
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      // every offset the group committed is in the database, and everything in the database is committed
      const { stored, committed } = await storedAndCommitted(store, config);
      expect(committed.size).toBeGreaterThan(0);
      expect(committed).toEqual(stored);
      expect(await count(store, 'select count(*) as n from signal_events')).toBeLessThan(distinctEvents(lines));

    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('a second signal exits at once with 130 while the first waits for the slice in hand (held here by a table lock)', async () => {
    const { db, config } = await publishedWorkload(300, 18);
    const holder = await openStore({ dbUrl: db.url }); // creates the schema, then holds a lock on signals
    let lock: HeldTableLock | undefined;
    try {
      lock = await holdTableLock(holder, 'signals');
      const worker = startWorker(config.env);
      await lock.untilWaited(() => worker.output); // the worker's first slice waits on the lock
      const { ranAfterFirst, exit, msAfterSecond } = await sigtermTwice(worker);
      expect(ranAfterFirst, worker.output).toBe(true);
      expect(exit.code, worker.output).toBe(130);
      expect(msAfterSecond).toBeLessThan(2_000);
      expect(worker.stderr).toContain('second SIGTERM: exiting at once');
    } finally {
      await lock?.release();
      await holder.close();
      await db.drop();
    }
  });

  it('lag tells the truth: 0 once caught up; while the database holds every write (a table lock) the lag in messages stays and its age in seconds rises; both fall back to 0 after', async () => {
    const { db, config } = await publishedWorkload(200, 20);
    const store = await openStore({ dbUrl: db.url });
    const metrics = createWorkerMetrics();
    const worker = createWorker({ store, config, logger: quietLogger(), metrics, lagSampleMs: 200 });
    /** the sum of a gauge's series, and how many there are */
    const gauge = async (name: string) => {
      const values = ((await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []).map((v) => v.value);
      return { sum: values.reduce((a, b) => a + b, 0), series: values.length, max: Math.max(0, ...values) };
    };
    let lock: HeldTableLock | undefined;
    try {
      await worker.start();
      await waitUntilCaughtUp(store, config, config.groupId);
      await sleep(600);
      expect(await gauge('ledger_consumer_lag')).toMatchObject({ sum: 0, series: 30 }); // five topics of 6 partitions
      expect((await gauge('ledger_consumer_lag_seconds')).max).toBe(0);
      const lastApplied = (await gauge('ledger_last_applied_timestamp_seconds')).sum;
      expect(Math.abs(lastApplied - Date.now() / 1000)).toBeLessThan(60);

      // the database holds every write: the worker's next slice waits on the lock
      lock = await holdTableLock(store, 'signals');
      await produce(config, workload(50, 21));
      await sleep(1500);
      const first = await gauge('ledger_consumer_lag_seconds');
      await sleep(2000);
      const second = await gauge('ledger_consumer_lag_seconds');
      expect((await gauge('ledger_consumer_lag')).sum).toBeGreaterThan(0);
      expect(first.max).toBeGreaterThan(0);
      expect(second.max - first.max).toBeGreaterThan(1.5); // rises with the clock: 2 s later, about 2 s older
      expect((await gauge('ledger_last_applied_timestamp_seconds')).sum).toBe(lastApplied);

      await lock.release();
      await waitUntilCaughtUp(store, config, config.groupId);
      await sleep(600);
      expect((await gauge('ledger_consumer_lag')).sum).toBe(0);
      expect((await gauge('ledger_consumer_lag_seconds')).max).toBe(0);
      expect((await gauge('ledger_last_applied_timestamp_seconds')).sum).toBeGreaterThan(lastApplied);
    } finally {
      await lock?.release();
      await worker.stop();
      await store.close();
      await db.drop();
    }
  });

  it('a store checkpoint past the end of its partition (the topic was created again) is dropped, and the new messages are applied', async () => {
    const { lines, db, config } = await publishedWorkload(200, 17);
    const expected = await recordsOf(lines);
    const store = await openStore({ dbUrl: db.url });
    const { applyBatch } = await import('../../src/store/index.ts');
    await applyBatch(store, [], { checkpoints: [{ groupId: config.groupId, topic: config.topics.generated, partition: 0, nextOffset: '1000000000' }] });
    const worker = createWorker({ store, config, logger: quietLogger(), metrics: createWorkerMetrics() });
    try {
      await worker.start();
      await waitUntilCaughtUp(store, config, config.groupId);
      await expectLedger(store, expected);
      const stale = (await readCheckpoints(store, config.groupId)).filter((c) => BigInt(c.nextOffset) >= 1_000_000_000n);
      expect(stale).toEqual([]);
    } finally {
      await worker.stop();
      await store.close();
      await db.drop();
    }
  });
});
