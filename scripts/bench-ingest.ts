// npm run bench:ingest: events/s of (a) applyBatch on parsed batches, (d) the whole file ingest, (b) a naive ORM path with one transaction per event,
// (c) parse-and-validate only, on SQLite and PostgreSQL, each database alone writing (a)'s rows (the floors; both also in (a)'s transactions, PostgreSQL's by COPY from a client over one connection and over two), (a) on SQLite
// again with SQLite's own calls timed, (e) the parse path
// and the least a parse path keeping the contract does, against UTF-8 decoding + JSON.parse, plus the peak RSS of
// ingesting a 1,000,000-line file; (d) again over what the store holds (all duplicates), and (d) at --batch-size 250, 1000, 4000.
// Bounded: loopback PostgreSQL only, fixed event counts. Figures are ratios from one run on a shared machine.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
// perf_hooks' performance, the global one: its type here has eventLoopUtilization, the global's has not
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type CopyToStreamQuery, from as copyFrom, to as copyTo } from 'pg-copy-streams';
import path from 'node:path';
import {
  canonicalJsonWithout,
  DECIMAL_FIELD_SETS,
  DECIMAL_FIELDS,
  DEFAULT_TOPICS,
  EVENT_KINDS,
  type EventKind,
  LIMITS,
  normalizeTimestamp,
  parseMessage,
  type ParsedMessage,
  type RawMessage,
  sha256Hex,
  topLevelValueSpans,
} from '../src/contract/index.ts';
import * as validators from '../src/contract/generated/wire-validators.ts';
import { createBatchApplier, ingestLines, readEventLine } from '../src/ingest/index.ts';
import { type BatchWriter, SIGNAL_WRITE_COLUMNS, SignalEventEntity, type Store, withWriteTransaction } from '../src/store/index.ts';
import { columnsOf } from '../src/store/entity-columns.ts';
import { applyNaively, asKafkaMessages, cpuSnapshot, generatorLines, median, printTable, spentBetween, spentSince, threadCpu, timedStatements, withFreshStore } from './bench-common.ts';
import { generateEvents } from '../src/simulate/generate-events.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const NAIVE_EVENTS = Number(process.env.BENCH_NAIVE_EVENTS ?? 4_000);
const RSS_LINES = Number(process.env.BENCH_RSS_LINES ?? 1_000_000);
/** BENCH_PARSE_ONLY=1: only (c) and (e), the parse path without a database (seconds, not minutes) */
const PARSE_ONLY = process.env.BENCH_PARSE_ONLY === '1';


const ndjson = (ls: ReturnType<typeof generatorLines>): string[] => ls.map((l) => JSON.stringify(l));
/** (c) the ceiling: what ingest does to each line before the database, and nothing else. */
const parseAll = (ls: readonly string[]): ParsedMessage[] => ls.map((text, i) => readEventLine(text, 'bench', i + 1));

/** (e)'s rounds: each times every path over the same 20,000 messages, the next round the next 20,000. */
const PARSE_ROUNDS = 40;
const PARSE_ROUND_MESSAGES = 20_000;

/** (e)'s figures: the median over the rounds of each path's msg/s, and of its rate against the floor's in the same round. */
interface ParsePathFigures {
  floor: number;
  parse: number;
  least: number;
  leastKept: number;
  parseShare: number;
  leastShare: number;
  leastKeptShare: number;
}

/**
 * (e) The parse path alone, as the worker meets a message: its value's bytes through parseMessage, against the
 * floor of any parse, UTF-8 decoding and JSON.parse of the same bytes; and the least any parse path that keeps the
 * contract does to a valid message (those two, the compiled JSON Schema check, and the canonical JSON and sha256 of
 * its content, which the content hash is), against the same floor; and that least with two more things the contract
 * asks of every message: the source text of its decimals written as JSON numbers (JSON.parse reads 151.10 as
 * 151.1) and its occurred_at in the stored form. The four take turns over the same 20,000 messages in each of 40
 * rounds, and each share is the median of the rounds' shares: on this shared machine a path's rate moves by a
 * quarter from one second to the next, and rounds of a second or less, each its own ratio, keep that out of the
 * shares (five rounds of the whole 200,000 each, before 2026-12-06, moved the least's share from 17 % to 29 % in
 * one protocol's three runs).
 */
function parsePath(ls: ReturnType<typeof generatorLines>): ParsePathFigures {
  const messages = asKafkaMessages(ls);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const rate = (fn: (m: RawMessage) => unknown, round: readonly RawMessage[]) => {
    const t0 = performance.now();
    for (const m of round) fn(m);
    return round.length / ((performance.now() - t0) / 1000);
  };
  const decodeAndParse = (m: RawMessage) => {
    try {
      return JSON.parse(utf8.decode(m.value as Uint8Array)) as unknown;
    } catch {
      return null; // the generator's bad lines
    }
  };
  const kinds = new Map<string, EventKind>(EVENT_KINDS.map((k) => [DEFAULT_TOPICS[k], k]));
  const check: Readonly<Record<EventKind, (data: unknown) => boolean>> = validators;
  const least = (m: RawMessage) => {
    const value = decodeAndParse(m) as Record<string, unknown> | null;
    const kind = kinds.get(m.topic);
    if (value === null || kind === undefined || !check[kind](value)) return null;
    return sha256Hex(`${m.topic}\n${canonicalJsonWithout(value, 'event_id')}`);
  };
  const leastKept = (m: RawMessage) => {
    const text = utf8.decode(m.value as Uint8Array);
    let value: Record<string, unknown> | null;
    try {
      value = JSON.parse(text) as Record<string, unknown> | null;
    } catch {
      return null; // the generator's bad lines
    }
    const kind = kinds.get(m.topic);
    if (value === null || kind === undefined || !check[kind](value)) return null;
    const spans = DECIMAL_FIELDS[kind].some((f) => typeof value[f] === 'number') ? topLevelValueSpans(text, DECIMAL_FIELD_SETS[kind]) : null;
    return [spans, normalizeTimestamp(value.occurred_at as string), sha256Hex(`${m.topic}\n${canonicalJsonWithout(value, 'event_id')}`)];
  };
  const parse = (m: RawMessage) => parseMessage(m);
  for (const fn of [decodeAndParse, parse, least, leastKept]) rate(fn, messages); // warm up the JIT
  globalThis.gc?.(); // the rounds start from the same heap on both commits (npm run bench:ingest passes --expose-gc)
  const rounds = Array.from({ length: PARSE_ROUNDS }, (_, r) => {
    const from = (r * PARSE_ROUND_MESSAGES) % Math.max(1, messages.length - PARSE_ROUND_MESSAGES);
    const round = messages.slice(from, from + PARSE_ROUND_MESSAGES);
    return { floor: rate(decodeAndParse, round), parse: rate(parse, round), least: rate(least, round), leastKept: rate(leastKept, round) };
  });
  const over = (figure: (r: (typeof rounds)[number]) => number) => median(rounds.map(figure));
  return {
    floor: over((r) => r.floor),
    parse: over((r) => r.parse),
    least: over((r) => r.least),
    leastKept: over((r) => r.leastKept),
    parseShare: over((r) => r.parse / r.floor),
    leastShare: over((r) => r.least / r.floor),
    leastKeptShare: over((r) => r.leastKept / r.floor),
  };
}

/**
 * (a) applyBatch on parsed batches of BENCH_APPLY_BATCH messages (ingest's default size unless set), fed as ingest
 * feeds it (on PostgreSQL split by signal into 2 lanes applying side by side): events/s, and how many transactions
 * committed them.
 */
async function runApplyBatch(store: Store, batches: readonly ParsedMessage[][]): Promise<{ rate: number; transactions: number; cpu: ApplyCpu | undefined }> {
  const count = batches.reduce((n, b) => n + b.length, 0);
  let transactions = 0;
  const [threads0, machine0] = [threadCpu(), cpuSnapshot()];
  const loop0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const applier = createBatchApplier(store, { batchSize: APPLY_BATCH, onApplied: () => transactions++ });
  for (const batch of batches) await applier.submit(batch);
  await applier.drain();
  const wall = (performance.now() - t0) / 1000;
  const loopBusy = performance.eventLoopUtilization(loop0).utilization;
  const [threads1, machine1] = [threadCpu(), cpuSnapshot()];
  const us = (seconds: number) => (1e6 * seconds) / count;
  let cpu: ApplyCpu | undefined;
  if (threads0 !== undefined && threads1 !== undefined && machine0 !== undefined && machine1 !== undefined) {
    const threads = spentSince(threads0, threads1);
    cpu = {
      main: us(threads.main),
      v8: us(threads.v8),
      other: us(threads.other),
      database: us(spentBetween(machine0, machine1).postgres),
      busy: (machine1.busy - machine0.busy) / (machine1.wall - machine0.wall),
      loopBusy,
    };
  }
  return { rate: count / wall, transactions, cpu };
}

/**
 * (a)'s CPU time an event by where it ran, in µs: this process's threads, and PostgreSQL's processes (on SQLite, the
 * server's background work meanwhile: printed only for PostgreSQL); and the machine's cores busy on average.
 */
interface ApplyCpu {
  main: number;
  v8: number;
  other: number;
  database: number;
  busy: number;
  /**
   * the share of the run Node's event loop was not waiting for I/O (performance.eventLoopUtilization): running
   * JavaScript, the garbage collector's pauses and native calls, or descheduled while it should run
   */
  loopBusy: number;
}

/**
 * The floor of PostgreSQL alone: the audit rows and final signal rows that (a) wrote, copied server-side
 * into empty tables with the same indexes, one INSERT ... SELECT each (no Node, no network, no fold).
 */
async function serverOnlyFloor(store: Store, count: number): Promise<number> {
  const connection = store.em().getConnection();
  let ms = 0;
  for (const table of ['signal_events', 'signals']) {
    await connection.execute(`create table "floor_${table}" (like "${table}" including all)`);
    const t0 = performance.now();
    await connection.execute(`insert into "floor_${table}" select * from "${table}"`);
    ms += performance.now() - t0;
  }
  return count / (ms / 1000);
}

/**
 * PostgreSQL alone in (a)'s transactions, from a client: (a)'s audit rows and final signal rows as COPY's text gives
 * them (read back first, not timed), copied into empty tables with the same indexes, in as many committed
 * transactions as (a) committed, each the next share of both tables' rows in the order (a) wrote them (the audit rows
 * by id, the signals by creation and id): over one connection, then into a second set of tables over two, two
 * transactions side by side as (a)'s two lanes (each transaction run as the apply path runs one), each after a checkpoint (the bench connects as a superuser), so that
 * neither starts with the other's dirty pages. What any client path makes PostgreSQL do at the least: the bytes cross
 * the socket, the server reads each field from its text, writes every index entry and commits; nothing of Node's
 * encoding, no reads, no rollups, and a signal written again by a later batch is written once. The audit rows' ids
 * are drawn from the sequence, as (a)'s are.
 */
async function postgresqlAloneInBatches(store: Store, count: number, transactions: number): Promise<{ oneLane: number; twoLanes: number; twoLanesDatabase: number | undefined }> {
  // the columns (a) writes, as the apply path lists them; each transaction as the apply path runs one (its own client from the pool)
  const tables = [
    { table: 'signal_events', columns: columnsOf(SignalEventEntity), order: '"id"' },
    { table: 'signals', columns: SIGNAL_WRITE_COLUMNS, order: '"created_at", "signal_id"' },
  ];
  const pgOf = (writer: BatchWriter) => {
    if (writer.dialect !== 'postgresql') throw new Error('PostgreSQL only');
    return writer.pg;
  };
  const shares: { table: string; columns: string; rows: number; parts: Buffer[] }[] = [];
  for (const { table, columns, order } of tables) {
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const text = await withWriteTransaction(store, async (writer) => {
      const pg = pgOf(writer) as unknown as { query(copy: CopyToStreamQuery): CopyToStreamQuery };
      const chunks: Buffer[] = [];
      for await (const chunk of pg.query(copyTo(`copy (select ${names} from "${table}" order by ${order}) to stdout`))) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    });
    // a row is one line: COPY's text format escapes the line feeds inside fields
    const ends: number[] = [];
    for (let at = text.indexOf(0x0a); at !== -1; at = text.indexOf(0x0a, at + 1)) ends.push(at + 1);
    const cut = (k: number) => (k === 0 ? 0 : (ends[Math.floor((k * ends.length) / transactions) - 1] ?? 0));
    shares.push({ table, columns: names, rows: ends.length, parts: Array.from({ length: transactions }, (_, k) => text.subarray(cut(k), cut(k + 1))) });
  }
  const connection = store.em().getConnection();
  const run = async (prefix: string, lanes: number) => {
    for (const { table } of shares) await connection.execute(`create table "${prefix}_${table}" (like "${table}" including all)`);
    await connection.execute('checkpoint');
    const copied = new Map<string, number>();
    const transaction = (k: number) =>
      withWriteTransaction(store, async (writer) => {
        for (const { table, columns, parts } of shares) {
          const copy = pgOf(writer).query(copyFrom(`copy "${prefix}_${table}" (${columns}) from stdin`));
          await pipeline(Readable.from([parts[k] as Buffer]), copy);
          copied.set(table, (copied.get(table) ?? 0) + copy.rowCount);
        }
      });
    const machine0 = cpuSnapshot();
    const t0 = performance.now();
    for (let k = 0; k < transactions; k += lanes) {
      // every lane settles before a failure is thrown, so the store is not closed under a COPY
      const settled = await Promise.allSettled(Array.from({ length: Math.min(lanes, transactions - k) }, (_, j) => transaction(k + j)));
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
    }
    const rate = count / ((performance.now() - t0) / 1000);
    const machine1 = cpuSnapshot();
    for (const { table, rows } of shares) if (copied.get(table) !== rows) throw new Error(`${prefix}_${table}: copied ${copied.get(table)} of ${rows} rows`);
    // PostgreSQL's processes' CPU time an event, in µs (undefined off Linux)
    const database = machine0 === undefined || machine1 === undefined ? undefined : (1e6 * spentBetween(machine0, machine1).postgres) / count;
    return { rate, database };
  };
  const one = await run('batch_floor', 1);
  const two = await run('lanes_floor', 2);
  return { oneLane: one.rate, twoLanes: two.rate, twoLanesDatabase: two.database };
}

/** `sql` with `from` replaced, which must be there. */
function renamed(sql: string, from: string | RegExp, to: string): string {
  const out = sql.replace(from, to);
  if (out === sql) throw new Error(`no ${String(from)} in ${sql}`);
  return out;
}

/**
 * The floors of SQLite alone, as PostgreSQL's above: (a)'s audit rows and final signal rows copied by SQLite itself into
 * empty tables with the same indexes, after a checkpoint that leaves nothing before them in the WAL. `once`: one
 * INSERT ... SELECT per table, each in a committed transaction of its own (its automatic checkpoint included).
 * `inBatches`: into a second set of empty tables, in as many committed transactions as (a) committed, each the next
 * share of both tables' rows in the order (a) wrote them, so that every commit writes the index pages its rows dirty,
 * as (a)'s commits must, and the store's automatic checkpoints copy them (still a floor: a signal written again by a
 * later batch is written once here). `where` keeps SQLite from copying the tables' pages as they are (its transfer
 * optimization), so every row is inserted and every index entry written, as the apply path must.
 */
async function sqliteAloneFloors(store: Store, count: number, transactions: number): Promise<{ once: number; inBatches: number }> {
  const connection = store.em().getConnection();
  const sqlite = (await connection.getNativeClient()) as { exec(sql: string): void; prepare(sql: string): { get(...params: unknown[]): unknown } };
  const tables = ['signal_events', 'signals'] as const;
  /** empty copies of the tables, with their indexes, named `${prefix}_table` */
  const copies = async (prefix: string) => {
    for (const table of tables) {
      const tableName = new RegExp(`([\`"])${table}\\1`);
      const indexOn = new RegExp(`(\\son\\s+)([\`"])${table}\\2`, 'i');
      const ddl = await connection.execute<{ type: string; name: string; sql: string }[]>(
        `select "type", "name", "sql" from sqlite_master where "tbl_name" = ? and "sql" is not null order by "type" = 'index'`,
        [table],
      );
      for (const d of ddl) {
        const sql = d.type === 'table' ? renamed(d.sql, tableName, `"${prefix}_${table}"`) : renamed(renamed(d.sql, d.name, `${prefix}_${d.name}`), indexOn, `$1"${prefix}_${table}"`);
        sqlite.exec(sql);
      }
    }
  };
  sqlite.exec('pragma wal_checkpoint(truncate)');
  await copies('floor');
  let t0 = performance.now();
  for (const table of tables) sqlite.exec(`begin immediate; insert into "floor_${table}" select * from "${table}" where true; commit`);
  const once = count / ((performance.now() - t0) / 1000);

  sqlite.exec('pragma wal_checkpoint(truncate)');
  await copies('batch_floor');
  // rowid order is the order (a) inserted the rows in
  const span = (table: string) => sqlite.prepare(`select min(rowid) as "lo", max(rowid) as "hi" from "${table}"`).get() as { lo: number; hi: number };
  const spans = tables.map((table) => ({ table, ...span(table) }));
  t0 = performance.now();
  for (let k = 0; k < transactions; k++) {
    // shares as even as whole rowids allow; the last one ends past the highest
    const inserts = spans.map(({ table, lo, hi }) => {
      const share = (i: number) => lo + Math.floor((i * (hi - lo + 1)) / transactions);
      return `insert into "batch_floor_${table}" select * from "${table}" where rowid >= ${share(k)} and rowid < ${share(k + 1)}`;
    });
    sqlite.exec(`begin immediate; ${inserts.join('; ')}; commit`);
  }
  const inBatches = count / ((performance.now() - t0) / 1000);
  return { once, inBatches };
}

/**
 * (a) once more on a fresh SQLite store, each of SQLite's calls timed (better-sqlite3's run/all/get: SQLite runs in
 * this thread, so a call's time is SQLite's, with the driver's binding of the values): µs an event inside SQLite's
 * writes (inserts, begin and commit, its automatic checkpoints included) and reads (selects), and in the rest of
 * the thread, and this run's events/s. Its own run, so that the timing does not touch (a)'s rate.
 */
async function sqliteCallsInApply(store: Store, batches: readonly ParsedMessage[][], count: number): Promise<{ writes: number; reads: number; rest: number; rate: number }> {
  const { wall, byLabel } = await timedStatements(() => runApplyBatch(store, batches));
  let writes = 0;
  let reads = 0;
  for (const [label, t] of byLabel) {
    // the apply path's reads are plain selects (apply-transaction.ts, rollups.ts); everything else it runs writes
    if (label.startsWith('select')) reads += t.ms;
    else writes += t.ms;
  }
  const us = (ms: number) => (1000 * ms) / count;
  return { writes: us(writes), reads: us(reads), rest: us(wall - writes - reads), rate: count / (wall / 1000) };
}

/** `ingest --batch-size` unless given (src/cli/commands/ingest.ts) */
const DEFAULT_BATCH_SIZE: number = LIMITS.defaultIngestBatch;
/** BENCH_APPLY_BATCH: (a)'s batch size, and so its floors' transactions (default ingest's); the worker's SQLite slices hold about 2,100 */
const APPLY_BATCH = Number(process.env.BENCH_APPLY_BATCH ?? DEFAULT_BATCH_SIZE);
if (!Number.isInteger(APPLY_BATCH) || APPLY_BATCH < 1 || APPLY_BATCH > LIMITS.maxBatchEvents) throw new Error(`BENCH_APPLY_BATCH=${process.env.BENCH_APPLY_BATCH}: a whole number from 1 to ${LIMITS.maxBatchEvents} is needed`);

/** (d) the whole `signal-ledger ingest` path: read the file, parse, apply. */
async function runFileIngest(store: Store, file: string, count: number, batchSize = DEFAULT_BATCH_SIZE): Promise<number> {
  const t0 = performance.now();
  const summary = await ingestLines(store, file, { batchSize });
  if (summary.read !== count) throw new Error(`read ${summary.read} of ${count} lines`);
  return count / ((performance.now() - t0) / 1000);
}

/** (b) naive: parse, then per event one ORM transaction that checks, inserts and upserts through entities. */
async function runNaive(store: Store, ls: readonly string[]): Promise<number> {
  const t0 = performance.now();
  for (const m of parseAll(ls)) if (m.ok) await applyNaively(store, m);
  return ls.length / ((performance.now() - t0) / 1000);
}

const dir = mkdtempSync(path.join(tmpdir(), 'signal-ledger-bench-'));
try {
  const generated = generatorLines(EVENTS);
  const ls = ndjson(generated);
  const eventsFile = path.join(dir, 'events.ndjson');
  writeFileSync(eventsFile, `${ls.join('\n')}\n`);
  process.stdout.write(`signal-ledger ingest benchmark: ${ls.length} events (10% duplicates, 5% out of order, 1% bad), (a) in batches of ${APPLY_BATCH}\n\n`);
  parseAll(ls.slice(0, 20_000)); // warm up the JIT
  const t0 = performance.now();
  parseAll(ls);
  const ceiling = ls.length / ((performance.now() - t0) / 1000);

  const parseOnly = parsePath(generated);
  process.stdout.write(
    `(c) parse only (each NDJSON line read and parsed, as ingest does): ${ceiling.toFixed(0)} ev/s\n` +
      `(e) parse + validate of each message's bytes: ${parseOnly.parse.toFixed(0)} msg/s, against UTF-8 decoding + JSON.parse of the same bytes: ${parseOnly.floor.toFixed(0)} msg/s = ${(100 * parseOnly.parseShare).toFixed(1)}% (target at least 25%; medians of ${PARSE_ROUNDS} rounds)\n` +
      `(e) the least a parse path that keeps the contract does (UTF-8 decoding, JSON.parse, the compiled JSON Schema check, canonical JSON and sha256 of the content): ${parseOnly.least.toFixed(0)} msg/s = ${(100 * parseOnly.leastShare).toFixed(1)}% of the same\n` +
      `(e) the same least and the decimals' source text and occurred_at's stored form, which the contract also asks: ${parseOnly.leastKept.toFixed(0)} msg/s = ${(100 * parseOnly.leastKeptShare).toFixed(1)}% of the same\n\n`,
  );
  if (PARSE_ONLY) {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }

  const parsed = parseAll(ls);
  const batches: ParsedMessage[][] = [];
  for (let i = 0; i < parsed.length; i += APPLY_BATCH) batches.push(parsed.slice(i, i + APPLY_BATCH));

  const rows: string[][] = [];
  const againRows: string[][] = [];
  const sizeRows: string[][] = [];
  const BATCH_SIZES = [...new Set([250, 1000, 4000, DEFAULT_BATCH_SIZE])].sort((a, b) => a - b);
  let floorLines = '';
  for (const kind of ['sqlite', 'postgresql'] as const) {
    const measure = (name: string, fn: (store: Store) => Promise<number>) => withFreshStore(kind, dir, name, fn);
    let floor: number | undefined;
    /** SQLite alone in (a)'s transactions: its rate, and how many transactions */
    let batchedFloor: { rate: number; transactions: number } | undefined;
    /** PostgreSQL alone in (a)'s transactions, from a client: its rate, and how many transactions */
    let pgBatched: (Awaited<ReturnType<typeof postgresqlAloneInBatches>> & { transactions: number }) | undefined;
    let applyCpu: ApplyCpu | undefined;
    const applied = await measure('apply', async (store) => {
      const { rate, transactions, cpu } = await runApplyBatch(store, batches);
      applyCpu = cpu;
      if (kind === 'postgresql') {
        floor = await serverOnlyFloor(store, parsed.length);
        pgBatched = { ...(await postgresqlAloneInBatches(store, parsed.length, transactions)), transactions };
      } else {
        const floors = await sqliteAloneFloors(store, parsed.length, transactions);
        floor = floors.once;
        batchedFloor = { rate: floors.inBatches, transactions };
      }
      return rate;
    });
    const naive = await measure('naive', (store) => runNaive(store, ls.slice(0, NAIVE_EVENTS)));
    // (d), then the same file again into the same store: every event a duplicate, nothing changes
    let again = 0;
    const ingested = await measure('ingest', async (store) => {
      const first = await runFileIngest(store, eventsFile, ls.length);
      again = await runFileIngest(store, eventsFile, ls.length);
      return first;
    });
    againRows.push([kind, ingested.toFixed(0), again.toFixed(0), `${(again / ingested).toFixed(2)}x`]);
    const bySize = new Map<number, number>();
    for (const size of BATCH_SIZES) bySize.set(size, size === DEFAULT_BATCH_SIZE ? ingested : await measure(`ingest${size}`, (store) => runFileIngest(store, eventsFile, ls.length, size)));
    const best = Math.max(...bySize.values());
    sizeRows.push([kind, ...BATCH_SIZES.map((n) => (bySize.get(n) as number).toFixed(0)), `${((100 * ingested) / best).toFixed(0)}%`]);
    const pct = (x: number) => `${((100 * x) / ceiling).toFixed(0)}%`;
    if (floor !== undefined) {
      floorLines +=
        kind === 'postgresql'
          ? `PostgreSQL alone writing the same rows once (server-side INSERT ... SELECT of (a)'s audit and final signal rows into empty indexed tables): ${floor.toFixed(0)} ev/s = ${pct(floor)} of (c); (a) is ${((100 * applied) / floor).toFixed(1)}% of it (target at least 50%)\n`
          : `SQLite alone writing the same rows once (INSERT ... SELECT of (a)'s audit and final signal rows into empty indexed tables, a committed transaction each): ${floor.toFixed(0)} ev/s = ${pct(floor)} of (c); (a) is ${((100 * applied) / floor).toFixed(1)}% of it\n`;
    }
    if (pgBatched !== undefined && floor !== undefined) {
      // the target's time an event (twice the server-side floor's) against what the client's COPY alone takes
      const { oneLane, twoLanes, transactions } = pgBatched;
      const server = floor;
      const of = (rate: number) => `${rate.toFixed(0)} ev/s = ${(1_000_000 / rate).toFixed(1)} us an event, ${((100 * rate) / server).toFixed(1)}% of the server-side floor, ${((100 * server) / (2 * rate)).toFixed(0)}% of the time an event the target (50% of that floor) leaves (a)`;
      floorLines += `PostgreSQL alone in (a)'s transactions from a client (COPY of the same rows' text, in ${transactions} committed transactions): over one connection ${of(oneLane)}; two side by side ${of(twoLanes)}; (a) is ${((100 * applied) / twoLanes).toFixed(1)}% of the two\n`;
      if (applyCpu !== undefined) {
        // what (a) cost the machine's cores, against what they give an event at the target's rate (half the server-side floor)
        const { main, v8, other, database, busy, loopBusy } = applyCpu;
        const cores = availableParallelism();
        floorLines += `(a) on PostgreSQL, CPU time an event: Node's main thread ${main.toFixed(1)} us, V8's helper threads (the garbage collector beside it) ${v8.toFixed(1)}, Node's other threads ${other.toFixed(1)}, PostgreSQL ${database.toFixed(1)}, all four ${(main + v8 + other + database).toFixed(1)} us; ${busy.toFixed(2)} of ${cores} cores busy; at the target's rate the ${cores} cores give ${((2 * cores * 1e6) / server).toFixed(1)} us an event\n`;
        // the loop busy (running, or descheduled while it should run) against the main thread on a core (its CPU time
        // an event against the run's wall time an event); PostgreSQL's CPU against its own by COPY alone
        const alone = pgBatched.twoLanesDatabase;
        const onCore = (main * applied) / 1e6;
        floorLines += `(a) on PostgreSQL: Node's event loop busy ${(100 * loopBusy).toFixed(0)}% of the run, its main thread on a core ${(100 * onCore).toFixed(0)}%; PostgreSQL's CPU an event ${database.toFixed(1)} us, against ${alone === undefined ? '-' : alone.toFixed(1)} us when it copies the same rows alone over two connections (${alone === undefined ? '-' : `${(database / alone).toFixed(2)}x`})\n`;
      }
    }
    if (batchedFloor !== undefined) {
      // SQLite's own writing against what half of (c) leaves (a), in µs an event
      const us = (rate: number) => (1_000_000 / rate).toFixed(1);
      const half = 2_000_000 / ceiling;
      const { rate, transactions } = batchedFloor;
      floorLines += `SQLite alone in (a)'s transactions (the same rows in ${transactions} committed transactions, each the next share of the audit and signal rows, the store's automatic checkpoints): ${rate.toFixed(0)} ev/s = ${us(rate)} us an event; (a) takes ${us(applied)} us an event, and half of (c) would leave it ${half.toFixed(1)}, ${(100_000_000 / rate / half).toFixed(0)}% of which SQLite alone takes\n`;
      const calls = await withFreshStore(kind, dir, 'apply-timed', (store) => sqliteCallsInApply(store, batches, parsed.length));
      const inside = calls.writes + calls.reads;
      floorLines += `(a) again with each SQLite call timed: ${inside.toFixed(1)} us an event inside SQLite (writes ${calls.writes.toFixed(1)}, reads ${calls.reads.toFixed(1)}), ${calls.rest.toFixed(1)} in the rest of the thread (this run ${calls.rate.toFixed(0)} ev/s); half of (c) would leave (a) ${half.toFixed(1)}, ${((100 * inside) / half).toFixed(0)}% of which SQLite's calls take\n`;
    }
    rows.push([kind, applied.toFixed(0), `${naive.toFixed(0)} (first ${NAIVE_EVENTS})`, ceiling.toFixed(0), `${(applied / naive).toFixed(1)}x`, pct(applied), ingested.toFixed(0), pct(ingested)]);
  }
  const header = ['store', '(a) applyBatch ev/s', '(b) naive ORM ev/s', '(c) parse only ev/s', 'a/b', 'a/c', '(d) file ingest ev/s', 'd/c'];
  printTable(header, rows);
  process.stdout.write(`(a) parsed messages through applyBatch in batches of ${APPLY_BATCH}, on PostgreSQL in 2 lanes split by signal; (d) reading, parsing and applying the NDJSON file\n`);
  process.stdout.write(floorLines);
  process.stdout.write('\nthe same file ingested again into the same store (every event a duplicate, nothing changes), against (d), its first ingest (target at least 1.5x):\n');
  printTable(['store', '(d) first ev/s', 'again ev/s', 'again / first'], againRows);
  process.stdout.write(`\n(d) at each --batch-size; the default (${DEFAULT_BATCH_SIZE}) against the best (target at least 90%):\n`);
  printTable(['store', ...BATCH_SIZES.map((n) => `${n}${n === DEFAULT_BATCH_SIZE ? ' (default)' : ''} ev/s`), 'default / best'], sizeRows);

  // peak RSS of the CLI's streaming ingest of a large file, in a child process
  const file = path.join(dir, 'big.ndjson');
  const out = createWriteStream(file);
  let n = 0;
  for (const l of generateEvents({ signals: Math.ceil(RSS_LINES / 4.6), duplicates: 0.1, outOfOrder: 0.05, bad: 0.01, seed: 2 })) {
    if (!out.write(`${JSON.stringify(l)}\n`)) await once(out, 'drain');
    if (++n === RSS_LINES) break;
  }
  out.end();
  await once(out, 'finish');
  const cli = path.join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const child = spawnSync(process.execPath, [cli, '--db', `sqlite:///${path.join(dir, 'rss.db')}`, 'ingest', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const rss = JSON.parse(child.stdout.trim().split('\n').pop() || '{}') as { peak_rss_mb?: number; read?: number; seconds?: number };
  process.stdout.write(`\npeak RSS of \`signal-ledger ingest\` on a ${n}-line file into SQLite: ${rss.peak_rss_mb} MB (${rss.read} events in ${rss.seconds?.toFixed(0)} s)\n`);
  if (child.status !== 0) process.stderr.write(child.stderr);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
