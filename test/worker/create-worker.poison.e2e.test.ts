import { describe, expect, it } from 'vitest';
import { type KafkaConfig, loadKafkaConfig } from '../../src/config.ts';
import { canonicalJson, keyText, type Problem } from '../../src/contract/index.ts';
import { LedgerError } from '../../src/errors.ts';
import { type EventLine, generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore, readCheckpoints, type Store } from '../../src/store/index.ts';
import { createKafka, createTopics, createWorker, createWorkerMetrics, type LedgerWorker, partitionKey } from '../../src/worker/index.ts';
import { startCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import {
  committedOffsets,
  eventually,
  NAIVE_PROBLEM,
  partitionOf,
  type Planned,
  poisonedStream,
  poisonMessage,
  problemText,
  publish,
  type Published,
  renamed,
  reusedEventId,
  valid,
} from '../helpers/poison-stream.ts';
import { readDeadLetters, type StoredDeadLetter } from '../helpers/stored-rows.ts';
import { createTestTopics, endOffsets, quietLogger, sleep, testKafkaConfig, topicsOf, waitUntilCaughtUp } from '../helpers/worker.ts';
import { expectLedger, recordsOf, snapshot } from '../helpers/workload.ts';

const PARTITIONS = 3;
const KINDS = ['sqlite-file', 'postgresql'] as const;
const distinctEvents = (lines: readonly EventLine[]) => new Set(lines.map((l) => canonicalJson(l.value))).size;

async function count(store: Store, sql: string): Promise<number> {
  const rows = (await store.em().getConnection().execute(sql)) as { n: string | number }[];
  return Number(rows[0]?.n);
}

/** A worker of its own group on a store; `settled` says whether its `done` has resolved or rejected, `error` with what. */
async function startWorker(store: Store, config: KafkaConfig, groupId = config.groupId) {
  const worker = createWorker({ store, config, groupId, logger: quietLogger(), metrics: createWorkerMetrics() });
  const state: { settled: boolean; error?: unknown } = { settled: false };
  worker.done.then(
    () => (state.settled = true),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  await worker.start();
  return { worker, groupId, state };
}

/** The store's checkpoints of a group, by partitionKey. */
const checkpointsOf = async (store: Store, groupId: string) => new Map((await readCheckpoints(store, groupId)).map((c) => [partitionKey(c.topic, c.partition), BigInt(c.nextOffset)]));

/** The stored value bytes a dead letter's raw value stands for (`base64:` or the text). */
const rawBytes = (raw: string) => (raw.startsWith('base64:') ? Buffer.from(raw.slice('base64:'.length), 'base64') : Buffer.from(raw, 'utf8'));

/**
 * Each poison message is exactly one dead letter, at its topic, partition and offset, whose problem
 * names its class, whose key is the message key as stored, and whose raw value gives back the bytes
 * sent (none for a tombstone or an oversized message); nothing else is a dead letter.
 */
function expectDeadLettersOf(dead: readonly StoredDeadLetter[], published: readonly Published[], where: string): void {
  const poison = published.filter((p) => p.poison !== undefined);
  expect(dead.map((d) => d.source).sort(), `${where}: the dead letters are the poison messages`).toEqual(poison.map((p) => p.source).sort());
  const bySource = new Map(dead.map((d) => [d.source, d]));
  for (const p of poison) {
    const d = bySource.get(p.source) as StoredDeadLetter;
    const what = `${where}: ${p.poison?.name} at ${p.source}`;
    expect({ topic: d.topic, partition: d.partition, offset: d.offset, messageKey: d.messageKey }, what).toEqual({
      topic: p.topicName,
      partition: p.partition,
      offset: p.offset,
      messageKey: keyText(p.key),
    });
    expect(problemText(d.problems), what).toMatch(p.poison?.problem as RegExp);
    if (p.value === null || p.value.length > 1_048_576) expect(d.rawValue, what).toBeNull();
    else expect(rawBytes(d.rawValue ?? '').equals(p.value), `${what}: the raw value gives back the bytes sent`).toBe(true);
  }
}

/** Checkpoints of the group in the store, and the offsets it committed, reach the end of every partition. */
async function expectAtTheEnd(store: Store, config: KafkaConfig, groupId: string, where: string): Promise<void> {
  const ends = await endOffsets(config);
  expect(ends.size).toBe(5 * PARTITIONS);
  expect(await checkpointsOf(store, groupId), `${where}: store checkpoints`).toEqual(new Map([...ends].filter(([, end]) => end > 0n)));
  const committed = await eventually(
    () => committedOffsets(config, groupId),
    (c) => [...ends].every(([k, end]) => end === 0n || c.get(k) === end),
  );
  expect(committed, `${where}: committed offsets`).toEqual(new Map([...ends].filter(([, end]) => end > 0n)));
}

describe('the Kafka worker against a real broker: a stream with every kind of poison', () => {
  it('SQLite and PostgreSQL workers on one poisoned stream stay up and keep consuming, apply every valid event exactly, make each poison message a dead letter at its offset with a problem of its class, reach the end of every partition, and record the same dead letters', async () => {
    const lines = [...generateEvents({ signals: 200, bad: 0, seed: 21 })];
    const dbs = new Map<string, TestDatabase>();
    for (const kind of KINDS) dbs.set(kind, await createTestDatabase(kind));
    const config = testKafkaConfig('sqlite:///:memory:');
    await createTestTopics(config, PARTITIONS);
    const published = await publish(config, poisonedStream(lines, PARTITIONS), PARTITIONS);
    expect(published.filter((p) => p.poison !== undefined)).toHaveLength(19);
    const stores = new Map<string, Store>();
    const runs: Awaited<ReturnType<typeof startWorker>>[] = [];
    try {
      for (const [kind, db] of dbs) stores.set(kind, await openStore({ dbUrl: db.url }));
      for (const [kind, store] of stores) runs.push(await startWorker(store, config, `${config.groupId}-${kind}`));
      const expected = await recordsOf(lines);
      const nulKeyed = published.find((p) => p.line !== undefined && p.key?.includes(0)) as Published;
      for (const [i, [kind, store]] of [...stores].entries()) {
        const { worker, groupId, state } = runs[i] as (typeof runs)[number];
        await waitUntilCaughtUp(store, config, groupId, 60_000);
        expect(state.settled, `${kind}: the worker is still running (it stopped with: ${String(state.error)})`).toBe(false);
        expect(worker.health, kind).toEqual({ kafka: true, database: true });
        expect(await snapshot(store), `${kind}: the records`).toBe(expected);
        expect(await count(store, 'select count(*) as n from signal_events'), kind).toBe(distinctEvents(lines));
        const audit = (await store.em().getConnection().execute('select "message_key" from "signal_events" where "source" = ?', [nulKeyed.source])) as { message_key: string }[];
        expect(audit.map((a) => a.message_key), `${kind}: a valid message whose key has a NUL byte is applied, its key kept as base64`).toEqual([keyText(nulKeyed.key)]);
        expect(keyText(nulKeyed.key)).toMatch(/^base64:/);
        expectDeadLettersOf(await readDeadLetters(store), published, kind);
        await expectAtTheEnd(store, config, groupId, kind);
      }

      // still consuming: more valid messages, and an event_id of the first part reused for another signal in a later slice
      const late = renamed(generateEvents({ signals: 6, bad: 0, seed: 22 }), 'late-');
      const owner = lines.find((l) => typeof l.value !== 'string' && typeof l.value.event_id === 'string' && l.topic === 'orders.filled') as EventLine;
      const more = await publish(config, [...late.map(valid), reusedEventId(owner, String(late[0]?.key), 'an event_id of the first part reused for another signal in a later slice')], PARTITIONS);
      const all = [...published, ...more];
      const expectedAll = await recordsOf([...lines, ...late]);
      const deadBy = new Map<string, StoredDeadLetter[]>();
      for (const [i, [kind, store]] of [...stores].entries()) {
        const { groupId, state } = runs[i] as (typeof runs)[number];
        await waitUntilCaughtUp(store, config, groupId, 30_000);
        expect(state.settled, `${kind}: the worker is still running (it stopped with: ${String(state.error)})`).toBe(false);
        expect(await snapshot(store), `${kind}: the records after more messages`).toBe(expectedAll);
        const dead = await readDeadLetters(store);
        expectDeadLettersOf(dead, all, kind);
        await expectAtTheEnd(store, config, groupId, kind);
        deadBy.set(kind, dead);
      }
      expect(deadBy.get('postgresql'), 'the same dead letters on both databases').toEqual(deadBy.get('sqlite-file'));
    } finally {
      await Promise.all(runs.map((r) => r.worker.stop()));
      for (const store of stores.values()) await store.close();
      for (const db of dbs.values()) await db.drop();
    }
  });

  it('the CLI worker (dist/cli/main.js: its bounded-heap worker thread, and SQLite writer thread) stays healthy through the same poison, applies what follows, and exits 0 on SIGTERM', async () => {
    const lines = [...generateEvents({ signals: 150, bad: 0, seed: 23 })];
    const db = await createTestDatabase('sqlite-file');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config, PARTITIONS);
    const published = await publish(config, poisonedStream(lines, PARTITIONS), PARTITIONS);
    const worker = startCli(['worker', '--metrics-port', '0'], { env: { ...config.env, LOG_LEVEL: 'info' } });
    let store: Store | null = null;
    try {
      // fails at once, with its stderr, if the worker process ends (as it did when a number ran its thread out of heap)
      const caughtUp = (s: Store, timeoutMs: number) =>
        Promise.race([waitUntilCaughtUp(s, config, config.groupId, timeoutMs), worker.exited.then(({ code }) => Promise.reject(new Error(`the CLI worker exited with code ${code}:\n${worker.stderr}`)))]);
      await worker.outputIncludes('"msg":"worker starting"');
      const metricsUrl = /"metrics":"(http:\/\/127\.0\.0\.1:\d+)\/metrics"/.exec(worker.stdout)?.[1];
      expect(metricsUrl, `the worker logs where its metrics are\n${worker.output}`).toBeDefined();
      store = await openStore({ dbUrl: db.url });
      await caughtUp(store, 60_000);
      expect(worker.running, worker.stderr).toBe(true);
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
      await expectLedger(store, await recordsOf(lines));
      expectDeadLettersOf(await readDeadLetters(store), published, 'CLI worker');

      const late = renamed(generateEvents({ signals: 5, bad: 0, seed: 24 }), 'late-');
      await publish(config, late.map(valid), PARTITIONS);
      await caughtUp(store, 30_000);
      await expectLedger(store, await recordsOf([...lines, ...late]));
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
      await expectAtTheEnd(store, config, config.groupId, 'CLI worker');
      worker.kill('SIGTERM');
      expect((await worker.exited).code, `${worker.stderr}\n${worker.stdout.slice(-2000)}`).toBe(0);
      expect(worker.stderr).not.toMatch(/heap|out of memory/i);
    } finally {
      worker.kill('SIGKILL');
      await store?.close();
      await db.drop();
    }
  });
});

/** The bad message of a strict-mode test, after the first 200 lines: one the contract refuses, or one applyBatch finds (an event_id of an earlier line, for another signal). */
const STRICT_CASES: [string, (lines: readonly EventLine[]) => Planned][] = [
  ['entry_price 1e9999999', (lines) => poisonMessage('1e9999999', String(lines[10]?.key))],
  [
    'an event_id of an earlier signal',
    (lines) => {
      const owner = lines.find((l, i) => i > 100 && i < 200 && typeof l.value !== 'string' && typeof l.value.event_id === 'string') as EventLine;
      const other = lines.find((l) => l.key !== owner.key && partitionOf(String(l.key), PARTITIONS) === partitionOf(String(owner.key), PARTITIONS)) as EventLine;
      return reusedEventId(owner, String(other.key), 'an event_id of an earlier signal');
    },
  ],
];

describe.each(KINDS)('the Kafka worker against a real broker: strict mode (WORKER_ON_INVALID=stop) on %s', (kind) => {
  it.each(STRICT_CASES)('stops at a bad message (%s) with a CONTRACT_VIOLATION, commits neither its offset nor a dead letter of its slice, and a worker in the default mode then dead-letters it and catches up', async (_name, badMessage) => {
    const lines = [...generateEvents({ signals: 60, bad: 0, seed: 31 })];
    const db = await createTestDatabase(kind);
    const config = testKafkaConfig(db.url, { WORKER_ON_INVALID: 'stop' });
    expect(config.onInvalid).toBe('stop');
    await createTestTopics(config, PARTITIONS);
    // valid messages, then one bad one, then more valid ones on every partition
    const published = await publish(config, [...lines.slice(0, 200).map(valid), badMessage(lines), ...lines.slice(200).map(valid)], PARTITIONS);
    const bad = published.find((p) => p.poison !== undefined) as Published;
    const badKey = partitionKey(bad.topicName, bad.partition);
    const store = await openStore({ dbUrl: db.url });
    let strict: LedgerWorker | null = null;
    let second: LedgerWorker | null = null;
    try {
      const run = await startWorker(store, config);
      strict = run.worker;
      const timeout = sleep(60_000).then(() => new Error('the strict worker did not stop within 60 s'));
      const failure = await Promise.race([strict.done.then(() => new Error('done resolved'), (error: unknown) => error), timeout]);
      expect(failure).toBeInstanceOf(LedgerError);
      expect(failure).toMatchObject({ code: 'CONTRACT_VIOLATION' });
      const violations = (failure as LedgerError).context.messages as { source: string; problems: Problem[] }[];
      expect(violations.map((v) => v.source)).toEqual([bad.source]);
      expect(problemText(violations[0]?.problems ?? [])).toMatch(bad.poison?.problem as RegExp);

      const stored = (await checkpointsOf(store, config.groupId)).get(badKey);
      const committed = (await committedOffsets(config, config.groupId)).get(badKey);
      if (stored !== undefined) expect(stored).toBeLessThanOrEqual(BigInt(bad.offset));
      if (committed !== undefined) expect(committed).toBeLessThanOrEqual(BigInt(bad.offset));
      expect(await count(store, 'select count(*) as n from dead_letters')).toBe(0);
      // nothing stored lies past its partition's checkpoint: the slice that held the bad message wrote nothing
      const checkpoints = await checkpointsOf(store, config.groupId);
      const audit = (await store.em().getConnection().execute('select "topic", "partition", cast("offset" as text) as "offset" from "signal_events"')) as { topic: string; partition: number; offset: string }[];
      for (const a of audit) expect(BigInt(a.offset)).toBeLessThan(checkpoints.get(partitionKey(a.topic, Number(a.partition))) ?? 0n);
      expect(audit.length).toBeLessThan(distinctEvents(lines));

      second = (await startWorker(store, { ...config, onInvalid: 'dead-letter' })).worker;
      await waitUntilCaughtUp(store, config, config.groupId, 60_000);
      const dead = await readDeadLetters(store);
      expect(dead.map((d) => d.source)).toEqual([bad.source]);
      expect(problemText(dead[0]?.problems ?? [])).toMatch(bad.poison?.problem as RegExp);
      await expectLedger(store, await recordsOf(lines));
      await expectAtTheEnd(store, config, config.groupId, kind);
    } finally {
      await strict?.stop();
      await second?.stop();
      await store.close();
      await db.drop();
    }
  });
});

/** As Python's `datetime.utcnow().isoformat()` writes a time: microseconds, no offset. */
const pythonUtcnow = (iso: string) => iso.replace(/\.(\d{3})Z$/, '.$1456');

describe.each(KINDS)('the Kafka worker against a real broker: offset-less timestamps on %s', (kind) => {
  it('with NAIVE_TIMESTAMPS=utc a stream timestamped like datetime.utcnow().isoformat() is applied at those instants as UTC; by default each message is a dead letter naming the setting', async () => {
    const lines = [...generateEvents({ signals: 40, bad: 0, seed: 41 })];
    const naive = lines.map((l) => ({ ...l, value: { ...(l.value as object), occurred_at: pythonUtcnow(String((l.value as { occurred_at: string }).occurred_at)) } }));
    const asUtc = naive.map((l) => ({ ...l, value: { ...l.value, occurred_at: `${l.value.occurred_at}Z` } }));
    expect(naive[0]?.value.occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const dbs = { utc: await createTestDatabase(kind), reject: await createTestDatabase(kind) };
    const config = testKafkaConfig('sqlite:///:memory:');
    await createTestTopics(config, PARTITIONS);
    const published = await publish(config, naive.map(valid), PARTITIONS);
    const stores = { utc: await openStore({ dbUrl: dbs.utc.url }), reject: await openStore({ dbUrl: dbs.reject.url }) };
    const workers: LedgerWorker[] = [];
    try {
      const utcConfig = loadKafkaConfig({}, { ...config.env, NAIVE_TIMESTAMPS: 'utc' });
      expect([config.naiveTimestamps, utcConfig.naiveTimestamps]).toEqual(['reject', 'utc']);
      workers.push((await startWorker(stores.utc, utcConfig, `${config.groupId}-utc`)).worker);
      workers.push((await startWorker(stores.reject, config, `${config.groupId}-reject`)).worker);
      await waitUntilCaughtUp(stores.utc, config, `${config.groupId}-utc`, 60_000);
      await waitUntilCaughtUp(stores.reject, config, `${config.groupId}-reject`, 60_000);

      // the same records as lines written in UTC give, but events_digest: it covers the content as received
      await expectLedger(stores.utc, await recordsOf(naive, { naiveTimestamps: 'utc' }));
      const fields = (json: string) => (JSON.parse(json) as Record<string, unknown>[]).map(({ eventsDigest: _d, ...r }) => r);
      expect(fields(await snapshot(stores.utc))).toEqual(fields(await recordsOf(asUtc)));
      expect(await count(stores.utc, 'select count(*) as n from dead_letters')).toBe(0);
      const first = (await stores.utc.em().getConnection().execute('select "generated_at" from "signals" where "signal_id" = ?', [naive[0]?.key])) as { generated_at: unknown }[];
      expect(new Date(String(first[0]?.generated_at)).toISOString().slice(0, 23)).toBe(String(asUtc[0]?.value.occurred_at).slice(0, 23));

      const dead = await readDeadLetters(stores.reject);
      expect(dead.map((d) => d.source).sort()).toEqual(published.map((p) => p.source).sort());
      for (const d of dead) expect(problemText(d.problems), d.source).toMatch(NAIVE_PROBLEM);
      expect(await count(stores.reject, 'select count(*) as n from signals')).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await stores.utc.close();
      await stores.reject.close();
      await dbs.utc.drop();
      await dbs.reject.drop();
    }
  });
});

describe('the Kafka worker against a real broker: the dead-letter topic', () => {
  it('every dead letter is forwarded to KAFKA_DLQ_TOPIC with its original key, value bytes and headers, plus signal-ledger-error (its problems) and signal-ledger-source', async () => {
    const lines = [...generateEvents({ signals: 60, bad: 0, seed: 51 })];
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    const withDlq = loadKafkaConfig({}, { ...config.env, KAFKA_DLQ_TOPIC: `${config.env.KAFKA_TOPIC_PREFIX}dead-letters` });
    expect(withDlq.deadLetterTopic).toBe(`${config.env.KAFKA_TOPIC_PREFIX}dead-letters`);
    await createTestTopics(withDlq, PARTITIONS);
    const planned: Planned[] = poisonedStream(lines, PARTITIONS).map((p) => (p.poison === undefined ? p : { ...p, headers: { 'trace-id': `trace-${p.poison.name.length}` } }));
    const published = await publish(config, planned, PARTITIONS);
    const store = await openStore({ dbUrl: db.url });
    const { worker } = await startWorker(store, withDlq);
    const reader = createKafka(config.kafka, quietLogger()).consumer({ groupId: `${config.groupId}-dlq-reader`, maxBytesPerPartition: 4 * 1_048_576 });
    try {
      await waitUntilCaughtUp(store, config, config.groupId, 60_000);
      const dead = await readDeadLetters(store);
      expectDeadLettersOf(dead, published, 'PostgreSQL');

      const seen: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = [];
      await reader.connect();
      await reader.subscribe({ topics: [withDlq.deadLetterTopic as string], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) =>
          void seen.push({ key: message.key, value: message.value, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) }),
      });
      for (let i = 0; i < 60 && seen.length < dead.length; i++) await sleep(250);
      await sleep(500); // nothing more arrives
      const bySource = new Map(seen.map((s) => [s.headers['signal-ledger-source'], s]));
      expect(bySource.size, 'one forwarded message per source').toBe(seen.length);
      for (const d of dead) {
        const s = bySource.get(d.source);
        if (s === undefined) continue; // reported below, with the others
        const p = published.find((x) => x.source === d.source) as Published;
        const what = `${p.poison?.name} at ${d.source}`;
        expect(s.key?.equals(p.key as Buffer), `${what}: key bytes`).toBe(true);
        if (p.value === null) expect(s.value, what).toBeNull();
        else expect(s.value?.equals(p.value), `${what}: value bytes`).toBe(true);
        expect(JSON.parse(s.headers['signal-ledger-error'] ?? 'null'), `${what}: the problems`).toEqual(d.problems);
        expect(s.headers['trace-id'], `${what}: the original headers`).toBe(p.headers?.['trace-id']);
      }
      const notForwarded = dead.filter((d) => !bySource.has(d.source)).map((d) => `${published.find((x) => x.source === d.source)?.poison?.name} (${d.source})`);
      expect(notForwarded, 'dead letters missing from the dead-letter topic').toEqual([]);
      expect([...bySource.keys()].sort(), 'nothing else is forwarded').toEqual(dead.map((d) => d.source).sort());
    } finally {
      await reader.disconnect();
      await worker.stop();
      await store.close();
      await db.drop();
    }
  });

  it('a message over 1 MiB that reached its topic gzip-compressed (topics as `topics create` makes them, at the broker default size limit) is a dead letter, and forwarding it to the dead-letter topic does not stop the worker', async () => {
    const lines = [...generateEvents({ signals: 30, bad: 0, seed: 52 })];
    const db = await createTestDatabase('postgresql');
    const base = testKafkaConfig(db.url);
    const config = loadKafkaConfig({}, { ...base.env, KAFKA_DLQ_TOPIC: `${base.env.KAFKA_TOPIC_PREFIX}dead-letters` });
    await createTopics(createKafka(config.kafka, quietLogger()), [...topicsOf(config), config.deadLetterTopic as string], PARTITIONS);
    const oversized = poisonMessage('over 1 MiB', String(lines[5]?.key));
    const published = await publish(config, [...lines.slice(0, 60).map(valid), oversized, ...lines.slice(60).map(valid)], PARTITIONS, { gzip: true });
    const store = await openStore({ dbUrl: db.url });
    const { worker, state } = await startWorker(store, config);
    try {
      await waitUntilCaughtUp(store, config, config.groupId, 60_000);
      expectDeadLettersOf(await readDeadLetters(store), published, 'PostgreSQL');
      const late = renamed(generateEvents({ signals: 4, bad: 0, seed: 53 }), 'late-');
      await publish(config, late.map(valid), PARTITIONS, { gzip: true });
      await eventually(async () => state.settled || (await snapshot(store)) === (await recordsOf([...lines, ...late])), (done) => done, 20_000);
      expect(state.settled, `the worker is still running (it stopped with: ${String(state.error)})`).toBe(false);
      await expectLedger(store, await recordsOf([...lines, ...late]));
    } finally {
      await worker.stop();
      await store.close();
      await db.drop();
    }
  });
});

describe('the Kafka worker against a real broker: strict mode from the command line', () => {
  it('`worker --on-invalid stop` exits with code 4 at a bad message and logs its topic, partition, offset and problems', async () => {
    const lines = [...generateEvents({ signals: 30, bad: 0, seed: 41 })];
    const db = await createTestDatabase('sqlite-file');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config, PARTITIONS);
    const published = await publish(config, [...lines.map(valid), poisonMessage('1e9999999', String(lines[3]?.key))], PARTITIONS);
    const bad = published.find((p) => p.poison !== undefined) as Published;
    const worker = startCli(['worker', '--metrics-port', '0', '--on-invalid', 'stop'], { env: { ...config.env, LOG_LEVEL: 'info' }, killAfterMs: 60_000 });
    try {
      const { code, timedOut } = await worker.exited;
      expect({ code, timedOut }, `${worker.stderr}\n${worker.stdout.slice(-2000)}`).toEqual({ code: 4, timedOut: false });
      const logged = worker.stdout.split('\n').filter((l) => l.includes('contract violation in strict mode')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged).toEqual([expect.objectContaining({ topic: bad.topicName, partition: bad.partition, offset: bad.offset, problems: [expect.objectContaining({ path: '$.entry_price' })] })]);
      expect(worker.stderr).toMatch(/broke the contract/);
    } finally {
      worker.kill('SIGKILL');
      await db.drop();
    }
  });
});
