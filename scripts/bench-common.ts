// Shared by the benchmarks: fresh databases, the naive per-event ORM write they compare against, CPU accounting, and
// the timing of each SQL statement the drivers run (bench:ingest and `npm run profile -- statements-*`).
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import path from 'node:path';
import { type AcceptedMessage, eventsDigest, type ParsedMessage, type RawMessage } from '../src/contract/index.ts';
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

/**
 * Gives the accepted messages' event ids that sort in arrival order: a counter of 10 digits, then the old id past its
 * 10th character (in UTF-16 units), so an id of 10 characters or more (every id of the generator's, all ASCII) keeps
 * its length. The same old id gets the same new one (`ids` holds them across calls), so a duplicate stays a duplicate
 * and an id reused by another signal stays reused: the apply path's outcomes depend only on which ids are equal.
 * Left as they were: rejected messages, an accepted message's legacyEventId and its payload (which a new store never
 * matches against). The fold breaks a tie of equal occurred_at by event id, which the generator's events never have;
 * other input could fold differently.
 */
export function inArrivalOrder(messages: readonly ParsedMessage[], ids: Map<string, string>): void {
  for (const m of messages) {
    if (!m.ok) continue;
    const old = m.event.eventId;
    let id = ids.get(old);
    if (id === undefined) ids.set(old, (id = `${String(ids.size).padStart(10, '0')}${old.slice(10)}`));
    (m.event as { eventId: string }).eventId = id;
  }
}

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

/** The kernel's clock ticks a second in /proc's CPU times (USER_HZ: 100 on Linux's usual builds). */
const TICKS_PER_SECOND = 100;
/** The columns of CPU time shown apart, and their headers; the rest of the machine's busy time is `other`. */
const COLUMNS = { self: 'this benchmark (node)', postgres: 'postgres', java: 'broker (java)' } as const;
type Column = keyof typeof COLUMNS;

/** CPU time spent so far on this machine (busy, not idle, waiting or stolen) and by each process of a column, in seconds. */
export interface CpuSnapshot {
  wall: number;
  busy: number;
  /** by pid and start time, so a pid reused meanwhile is another process */
  processes: Map<string, { column: Column; seconds: number }>;
}

/**
 * A process's or thread's /proc stat line: its name, its start time (clock ticks after boot: with the pid, which process
 * it is) and its CPU time so far in seconds (user and system; a process's includes its threads'). Undefined when it
 * cannot be read (the process or thread ended).
 */
function readTaskStat(file: string): { name: string; startTime: string; seconds: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // after the name, from field 3 (state): utime is field 14, stime 15, starttime 22
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    startTime: fields[19] ?? '',
    seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
  };
}

/**
 * Reads /proc/stat (the machine's busy time: user, nice, system, irq and softirq) and /proc/<pid>/stat of this process
 * and of every postgres and java process (user and system time, threads included). Linux only: undefined elsewhere.
 */
export function cpuSnapshot(): CpuSnapshot | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const [user, nice, system, , , irq, softirq] = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const processes = new Map<string, { column: Column; seconds: number }>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = readTaskStat(`/proc/${pid}/stat`);
    if (stat === undefined) continue; // exited meanwhile
    const column: Column | undefined = Number(pid) === process.pid ? 'self' : stat.name === 'postgres' || stat.name === 'java' ? stat.name : undefined;
    if (column === undefined) continue;
    processes.set(`${pid}@${stat.startTime}`, { column, seconds: stat.seconds });
  }
  return { wall: performance.now() / 1000, busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / TICKS_PER_SECOND, processes };
}

/**
 * The CPU time each column's processes spent between two snapshots, in seconds: what a process spent between them, or
 * since it started if it started between them (one that ended between them is in none).
 */
export function spentBetween(from: CpuSnapshot, to: CpuSnapshot): Record<Column, number> {
  const spent: Record<Column, number> = { self: 0, postgres: 0, java: 0 };
  for (const [key, { column, seconds }] of to.processes) spent[column] += seconds - (from.processes.get(key)?.seconds ?? 0);
  return spent;
}

/**
 * What one run cost the machine's CPUs between two snapshots: the cores busy on average, and µs of CPU time an event by
 * column. A process of a column counts what it spent between the two, or since it started if it started between them;
 * one that ended between them is in `other`, with every process of no column (other sessions' included).
 */
export function cpuCost(from: CpuSnapshot | undefined, to: CpuSnapshot | undefined, events: number): string[] {
  if (from === undefined || to === undefined || events === 0) return CPU_COST_HEADER.map(() => '-');
  const spent = spentBetween(from, to);
  const us = (seconds: number) => ((1e6 * seconds) / events).toFixed(1);
  const busy = to.busy - from.busy;
  const named = Object.values(spent).reduce((a, b) => a + b, 0);
  const cores = cpus().length;
  return [
    `${(busy / (to.wall - from.wall)).toFixed(2)} of ${cores}`,
    ...(Object.keys(COLUMNS) as Column[]).map((c) => us(spent[c])),
    us(busy - named),
    us(busy),
    // no faster than this with the same work an event, however it were spread over the cores
    ((cores * events) / busy).toFixed(0),
  ];
}

/**
 * CPU time this process's threads have spent so far by kind of thread, in seconds (/proc/self/task; Linux only):
 * `main` the JavaScript thread, `v8` V8's helper threads (named V8Worker: the garbage collector's scavenging, marking
 * and sweeping beside the main thread, and optimizing compilation), `other` the rest (libuv's pool, the inspector).
 * Undefined off Linux, and where no thread is named V8Worker (another Node or V8 names them otherwise). A thread that
 * ends between two readings takes its time with it: compare readings with `spentSince`.
 */
export function threadCpu(): ThreadCpu | undefined {
  const out: ThreadCpu = { main: 0, v8: 0, other: 0 };
  let v8Threads = 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    const stat = readTaskStat(`/proc/self/task/${tid}/stat`);
    if (stat === undefined) continue; // ended meanwhile
    const kind = Number(tid) === process.pid ? 'main' : stat.name.startsWith('V8Worker') ? 'v8' : 'other';
    if (kind === 'v8') v8Threads++;
    out[kind] += stat.seconds;
  }
  return v8Threads === 0 ? undefined : out;
}

/** CPU time of this process's threads by kind, in seconds (threadCpu). */
export interface ThreadCpu {
  main: number;
  v8: number;
  other: number;
}

/** What each kind of thread spent between two readings of threadCpu, in seconds (none below 0: see threadCpu). */
export function spentSince(from: ThreadCpu, to: ThreadCpu): ThreadCpu {
  return { main: Math.max(0, to.main - from.main), v8: Math.max(0, to.v8 - from.v8), other: Math.max(0, to.other - from.other) };
}

export const CPU_COST_HEADER = ['cores busy', ...Object.values(COLUMNS).map((n) => `${n} us/ev`), 'other us/ev', 'all us/ev', 'cores / all, ev/s'];

/** A statement's label: an insert's table and conflict rule, another statement's SQL up to its condition (whitespace collapsed). */
function statementLabel(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  const insert = /^insert into ("[^"]+")/.exec(flat);
  if (insert !== null) return `insert into ${insert[1]} ${/on conflict \([^)]*\) do (nothing|update)/.exec(flat)?.[0] ?? ''}`.trim();
  const cut = flat.indexOf(' where ');
  return (cut > 0 ? flat.slice(0, cut) : flat).slice(0, 100);
}

/**
 * Times every statement the drivers run while fn runs: pg's Client.query until its promise settles, and
 * better-sqlite3's run/all/get (SQLite runs in this thread: its time is the call's). The wrappers are taken
 * off again after fn.
 */
export async function timedStatements(fn: () => Promise<unknown>): Promise<{ wall: number; byLabel: Map<string, { calls: number; ms: number }> }> {
  const byLabel = new Map<string, { calls: number; ms: number }>();
  // a label made once for each SQL text: the wrappers' own time is counted outside the statements, as the rest's
  const labels = new Map<string, string>();
  const add = (sql: string, ms: number) => {
    let label = labels.get(sql);
    if (label === undefined) labels.set(sql, (label = statementLabel(sql)));
    const t = byLabel.get(label) ?? { calls: 0, ms: 0 };
    t.calls++;
    t.ms += ms;
    byLabel.set(label, t);
  };
  // the drivers MikroORM loads (no types of their own here: only the methods wrapped are named)
  const require = createRequire(import.meta.url);
  const pg = require('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
  const Sqlite = require('better-sqlite3') as new (file: string) => { prepare(sql: string): object; close(): void };
  const probe = new Sqlite(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  const clientProto = pg.Client.prototype;
  const originalQuery = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const sql = typeof first === 'string' ? first : (first?.text ?? '');
    const started = performance.now();
    const result = originalQuery.apply(this, args);
    if (result instanceof Promise) return result.finally(() => add(sql, performance.now() - started));
    // a COPY (pg-copy-streams) is a stream submitted as a query: done when it finishes or fails
    if (result instanceof EventEmitter) {
      let done = false;
      const end = () => {
        if (!done) add(sql, performance.now() - started);
        done = true;
      };
      result.once('finish', end).once('error', end);
    }
    return result;
  };
  const originals = (['run', 'all', 'get'] as const).map((name) => [name, statementProto[name] as (...args: unknown[]) => unknown] as const);
  for (const [name, original] of originals) {
    statementProto[name] = function (this: { source: string }, ...args: unknown[]) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        add(this.source, performance.now() - started);
      }
    };
  }
  const started = performance.now();
  try {
    await fn();
  } finally {
    clientProto.query = originalQuery;
    for (const [name, original] of originals) statementProto[name] = original;
  }
  return { wall: performance.now() - started, byLabel };
}

/** The middle value, or the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
