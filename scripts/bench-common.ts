// Shared by the benchmarks: fresh databases and the naive per-event ORM write they compare against.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { type AcceptedMessage, eventsDigest, type RawMessage } from '../src/contract/index.ts';
import { EMPTY_STATE, deriveFacts, mergeStates, stateOf } from '../src/fold/index.ts';
import { fromStoredState, openStore, SignalEntity, SignalEventEntity, type Store, toSignalRow } from '../src/store/index.ts';
import { generateEvents } from '../src/simulate/generate-events.ts';

/** The generator's first `count` lines (~4.6 events per signal; 10% duplicates, 5% out of order, 1% bad), each value as its JSON text. */
export function generatorLines(count: number): { topic: string; key: string | null; value: string }[] {
  const out: { topic: string; key: string | null; value: string }[] = [];
  for (const l of generateEvents({ signals: Math.ceil(count / 4.6), duplicates: 0.1, outOfOrder: 0.05, bad: 0.01, seed: 1 })) {
    out.push({ topic: l.topic, key: l.key, value: typeof l.value === 'string' ? l.value : JSON.stringify(l.value) });
    if (out.length === count) break;
  }
  return out;
}

/** Lines as the worker meets them: Kafka messages with the value's bytes. */
export const asKafkaMessages = (lines: readonly { topic: string; key: string | null; value: string }[]): RawMessage[] =>
  lines.map((l, i) => ({ topic: l.topic, key: l.key, value: Buffer.from(l.value), source: { type: 'kafka', topic: l.topic, partition: 0, offset: String(i), key: l.key } }));

export const BENCH_PG = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A SQLite file and its WAL companions, removed. */
const removeSqliteFile = (file: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
};

/**
 * An empty database for one measurement: a SQLite file named `name` in `dir`, or a new PostgreSQL database. `drop`
 * removes it, so a later measurement under the same name starts empty again (a SQLite file left in place made every
 * worker run after the first one in a bench run a replay of events it already held).
 */
export async function freshDatabase(kind: 'sqlite' | 'postgresql', dir: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const file = path.join(dir, `${name}.db`);
    removeSqliteFile(file);
    return { url: `sqlite:///${file}`, drop: async () => removeSqliteFile(file) };
  }
  const db = `sl_bench_${name}_${Date.now().toString(36)}`;
  const admin = await openStore({ dbUrl: BENCH_PG, migrate: false, poolSize: 1 });
  await admin.em().getConnection().execute(`create database "${db}"`);
  await admin.close();
  const url = new URL(BENCH_PG);
  url.pathname = `/${db}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = await openStore({ dbUrl: BENCH_PG, migrate: false, poolSize: 1 });
      await a.em().getConnection().execute(`drop database if exists "${db}" with (force)`);
      await a.close();
    },
  };
}

/** Runs fn on a store over a fresh database of one kind, then closes and drops it. */
export async function withFreshStore<T>(kind: 'sqlite' | 'postgresql', dir: string, name: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const db = await freshDatabase(kind, dir, name);
  const store = await openStore({ dbUrl: db.url });
  try {
    return await fn(store);
  } finally {
    await store.close();
    await db.drop();
  }
}

/**
 * The naive path: one ORM transaction per event that looks the event and the signal up through
 * entities, merges, then inserts the audit row and upserts the signal.
 */
export async function applyNaively(store: Store, m: AcceptedMessage): Promise<void> {
  await store.em().transactional(async (em) => {
    if (await em.findOne(SignalEventEntity, { eventId: m.event.eventId })) return;
    const existing = await em.findOne(SignalEntity, { signalId: m.event.signalId });
    const prior = existing === null ? EMPTY_STATE : fromStoredState(existing.foldState);
    const state = mergeStates(prior, stateOf(m.event));
    const now = new Date().toISOString().replace('Z', '000Z');
    const facts = deriveFacts(m.event.signalId, state);
    const recorded = await em.find(SignalEventEntity, { signalId: m.event.signalId }, { fields: ['contentHash'] });
    em.create(SignalEventEntity, {
      eventId: m.event.eventId, signalId: m.event.signalId, kind: m.event.kind, occurredAt: m.event.occurredAt, receivedAt: now,
      source: 'bench', payload: m.payload, contentHash: m.contentHash, statusAfter: facts.status,
    });
    const digest = eventsDigest([...recorded.map((e) => e.contentHash), m.contentHash]);
    const row = toSignalRow({ ...facts, version: (existing?.version ?? 0) + 1, eventsDigest: digest, createdAt: now, updatedAt: now }, state);
    const data = Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
    await em.upsert(SignalEntity, data as never);
  });
}

/** Prints rows as an aligned table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
}
