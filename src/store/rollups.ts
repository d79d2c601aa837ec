import { type BatchWriter, type BulkInsert, inJsonArray, insertRows, type QueryRunner, runSql } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';
import type { Store } from './store.ts';
import { DeadLetterRollupEntity, SignalRollupEntity } from './entities/rollup.entity.ts';
import { columnsOf } from './entity-columns.ts';
import { type Cond, COUNT_MEASURES, type CountMeasure, latencyCount, SUM_MEASURES, type SumMeasure } from './rollup-measures.ts';
import { LATENCIES, signalColumn } from './signal-columns.ts';
import { aggregatesFor, ExactAggregates } from './sql-aggregates.ts';
import { compareKeys, exactAdd } from '../numeric/index.ts';

/**
 * Per-day rollups: for every UTC day of effective_at, strategy and symbol, the counts and exact sums the
 * analytics read (signal_rollups), and per day and topic the dead letters (dead_letter_rollups). The
 * apply path keeps them in the batch's own transaction: it reads what the rows it is about to rewrite
 * counted and what its written rows count (grouped queries, computed by the database), and adds the
 * difference with one key-ordered upsert. A question over whole days then reads a few rows per day
 * instead of every signal. COUNT_MEASURES and SUM_MEASURES are the one definition of every measure: the
 * rollups, the apply path's deltas and the analytics over part of a day all use the SQL made from them.
 */

/** A condition in SQL. */
function condSql(dialect: Dialect, c: Cond): string {
  if ('notNull' in c) return `"${c.notNull}" is not null`;
  if ('status' in c) return `"status" = '${c.status}'`;
  return aggregatesFor(dialect).isTrue(`"${c.isTrue}"`);
}

/** A count measure in SQL: count(*), count(column), or a count of the rows meeting its conditions. */
function countSql(dialect: Dialect, m: CountMeasure): string {
  if (m.when.length === 0) return 'count(*)';
  const [only] = m.when;
  if (m.when.length === 1 && only !== undefined && 'notNull' in only) return `count("${only.notNull}")`;
  return `count(case when ${m.when.map((c) => condSql(dialect, c)).join(' and ')} then 1 end)`;
}

/** The summed expression of a sum measure in SQL (null where it does not count). */
function sumSql(dialect: Dialect, m: SumMeasure): string {
  const value = m.orZero ? `coalesce("${m.column}", 0)` : `"${m.column}"`;
  return m.when.length === 0 ? value : `case when ${m.when.map((c) => condSql(dialect, c)).join(' and ')} then ${value} end`;
}

/** The figures of one group of signals: counts by measure name, and exact sums ("0" when none). */
export interface Measures {
  counts: Record<string, number>;
  sums: Record<string, string>;
}

export const emptyMeasures = (): Measures => ({
  counts: Object.fromEntries(COUNT_MEASURES.map((m) => [m.name, 0])),
  sums: Object.fromEntries(SUM_MEASURES.map((m) => [m.name, '0'])),
});

export function addMeasures(a: Measures, b: Measures): Measures {
  const out = emptyMeasures();
  for (const m of COUNT_MEASURES) out.counts[m.name] = (a.counts[m.name] ?? 0) + (b.counts[m.name] ?? 0);
  for (const m of SUM_MEASURES) out.sums[m.name] = exactAdd(a.sums[m.name] ?? '0', b.sums[m.name] ?? '0');
  return out;
}

/** The day of a timestamp column as 'YYYY-MM-DD' (UTC). */
export function daySql(dialect: Dialect, expr: string): string {
  return dialect === 'postgresql' ? `to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD')` : `substr(${expr}, 1, 10)`;
}

/**
 * A SELECT list of every measure over the rows of signals (`source: 'rows'`) or over rollup rows
 * (`source: 'rollups'`), and the reader of a result row.
 */
export function measureSql(dialect: Dialect, source: 'rows' | 'rollups', withSums = true): MeasureSql {
  const key = `${dialect}/${source}/${withSums}`;
  let built = measureSqls.get(key);
  if (built === undefined) measureSqls.set(key, (built = buildMeasureSql(dialect, source, withSums)));
  return built;
}

interface MeasureSql {
  select: string;
  read: (row: Record<string, unknown>) => Measures;
}
const measureSqls = new Map<string, MeasureSql>();

function buildMeasureSql(dialect: Dialect, source: 'rows' | 'rollups', withSums: boolean): MeasureSql {
  const exact = new ExactAggregates(dialect);
  const slots = withSums
    ? SUM_MEASURES.map((m) => {
        if (source === 'rollups') return exact.sum(`"${m.name}"`);
        return m.times === undefined ? exact.sum(sumSql(dialect, m)) : exact.sumProduct(sumSql(dialect, m), `"${m.times}"`);
      })
    : [];
  const counts = COUNT_MEASURES.map((m) => (source === 'rollups' ? `coalesce(sum("${m.name}"), 0)` : countSql(dialect, m)));
  return {
    select: [...counts.map((c, i) => `${c} as "c_${i}"`), ...(withSums ? [exact.select()] : [])].join(', '),
    read: (row) => {
      const values = exact.values(row);
      return {
        counts: Object.fromEntries(COUNT_MEASURES.map((m, i) => [m.name, Number(row[`c_${i}`] ?? 0)])),
        sums: Object.fromEntries(SUM_MEASURES.map((m, i) => [m.name, slots[i]?.read(values) ?? '0'])),
      };
    },
  };
}

const ROLLUP_KEY = ['day', 'strategy_name', 'symbol', 'slot'] as const;

/** Copies of a day's rollup rows on PostgreSQL (see ApplyOptions.rollupSlot); queries add them up. */
export const ROLLUP_SLOTS = 8;
const ROLLUP_COLUMNS = [...ROLLUP_KEY, ...COUNT_MEASURES.map((m) => m.name), ...SUM_MEASURES.map((m) => m.name)];

/**
 * `insert into signal_rollups select <key, measures> from signals group by <key>`: every rollup from the
 * rows, on an empty table, in slot 0. Strategy and symbol not yet known are kept as ''.
 */
function rollupRebuildSql(dialect: Dialect): string {
  const sums =
    dialect === 'postgresql'
      ? SUM_MEASURES.map((_, i) => `coalesce(g."agg_${i}"::numeric, 0)`)
      : SUM_MEASURES.map((_, i) => `coalesce(json_extract(g."agg", '$[${i}]'), '0')`);
  return `insert into "signal_rollups" (${ROLLUP_COLUMNS.map((c) => `"${c}"`).join(', ')})
    select g."k_0", g."k_1", g."k_2", 0, ${COUNT_MEASURES.map((_, i) => `g."c_${i}"`).join(', ')}, ${sums.join(', ')} from (${byRollupKeySql(dialect, 'true')}) g`;
}

/** Every measure of the signals rows meeting `where`, per rollup key ("k_0".."k_2"; read with measureSql(dialect, 'rows')). */
function byRollupKeySql(dialect: Dialect, where: string): string {
  const key = [daySql(dialect, '"effective_at"'), `coalesce("strategy_name", '')`, `coalesce("symbol", '')`];
  return `select ${key.map((k, i) => `${k} as "k_${i}"`).join(', ')}, ${measureSql(dialect, 'rows').select} from "signals" where "version" > 0 and ${where} group by ${key.join(', ')}`;
}

/** The measures of some stored signals per rollup key (day, strategy, symbol), read inside the batch's transaction. */
export type Contributions = Map<string, { key: [string, string, string]; measures: Measures }>;

const CONTRIBUTIONS_SQL: Record<Dialect, string> = {
  postgresql: byRollupKeySql('postgresql', inJsonArray('postgresql', 'signal_id')),
  sqlite: byRollupKeySql('sqlite', inJsonArray('sqlite', 'signal_id')),
};

export async function contributionsOf(writer: BatchWriter, signalIds: readonly string[]): Promise<Contributions> {
  const out: Contributions = new Map();
  if (signalIds.length === 0) return out;
  const measures = measureSql(writer.dialect, 'rows');
  const rows = await runSql<Record<string, unknown>>(writer.runner, CONTRIBUTIONS_SQL[writer.dialect], [JSON.stringify(signalIds)]);
  for (const r of rows) {
    const k: [string, string, string] = [String(r.k_0), String(r.k_1), String(r.k_2)];
    out.set(k.join('\u0000'), { key: k, measures: measures.read(r) });
  }
  return out;
}

const rollupUpsert = (dialect: Dialect): BulkInsert => ({
  table: 'signal_rollups',
  columns: columnsOf(SignalRollupEntity),
  tail: `on conflict ("day", "strategy_name", "symbol", "slot") do update set ${[
    ...COUNT_MEASURES.map((m) => `"${m.name}" = "signal_rollups"."${m.name}" + excluded."${m.name}"`),
    ...SUM_MEASURES.map((m) => `"${m.name}" = ${dialect === 'postgresql' ? `"signal_rollups"."${m.name}" + excluded."${m.name}"` : `ledger_add("signal_rollups"."${m.name}", excluded."${m.name}", 1)`}`),
  ].join(', ')}`,
  orderBy: ROLLUP_KEY,
});
const ROLLUP_UPSERT: Record<Dialect, BulkInsert> = { postgresql: rollupUpsert('postgresql'), sqlite: rollupUpsert('sqlite') };

/**
 * Adds what the written rows count now and takes out what the rewritten rows counted before: one upsert
 * of the differences, in key order, as the batch's last write. Every batch touches the rollup rows of the
 * current day, so their row locks are taken in one order and held only until the commit that follows.
 */
export async function shiftRollups(writer: BatchWriter, after: Contributions, before: Contributions, slot = 0): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  // key order is lock order (a batch writes one slot)
  for (const k of [...new Set([...after.keys(), ...before.keys()])].sort(compareKeys)) {
    const now = after.get(k);
    const was = before.get(k);
    const key = (now ?? was)?.key as [string, string, string];
    const row: Record<string, unknown> = { day: key[0], strategy_name: key[1], symbol: key[2], slot };
    let changed = false;
    for (const m of COUNT_MEASURES) {
      const d = (now?.measures.counts[m.name] ?? 0) - (was?.measures.counts[m.name] ?? 0);
      row[m.name] = d;
      if (d !== 0) changed = true;
    }
    for (const m of SUM_MEASURES) {
      const d = exactAdd(now?.measures.sums[m.name] ?? '0', was?.measures.sums[m.name] ?? '0', -1);
      row[m.name] = d;
      if (d !== '0') changed = true;
    }
    if (changed) rows.push(row);
  }
  await insertRows(writer, ROLLUP_UPSERT[writer.dialect], rows);
}

/** Every rollup recomputed from the rows, in one transaction (a SQLite upgrade; `migrate --rebuild-rollups`). */
export async function rebuildRollups(store: Store): Promise<void> {
  await store
    .em()
    .getConnection()
    .getClient()
    .transaction()
    .execute(async (trx) => {
      // beside a running worker (rebuild): its batches' rollup shifts wait until the rebuild commits, so each
      // batch is counted once, by the rebuild's read of the rows (committed before) or by its own shift (after).
      // In the order a batch writes them (dead letters' rollups, then the signals'), so neither waits on the other
      if (store.dialect === 'postgresql') await runSql(trx, 'lock table "dead_letter_rollups", "signal_rollups" in exclusive mode');
      await rebuildRollupsIn(trx, store.dialect);
    });
}

/** The rebuild inside a transaction the caller holds. */
export async function rebuildRollupsIn(runner: QueryRunner, dialect: Dialect): Promise<void> {
  await runSql(runner, 'delete from "signal_rollups"');
  await runSql(runner, rollupRebuildSql(dialect));
  await runSql(runner, 'delete from "dead_letter_rollups"');
  await runSql(runner, DEAD_LETTER_REBUILD(dialect));
}

/** The dead letters per day of receipt and topic, from their rows. */
const DEAD_LETTERS_BY_DAY = (dialect: Dialect) =>
  `select ${daySql(dialect, '"received_at"')} as "day", coalesce("topic", 'api') as "topic", count(*) as "n", count("resolved_at") as "resolved" from "dead_letters" group by 1, 2`;
const DEAD_LETTER_REBUILD = (dialect: Dialect) => `insert into "dead_letter_rollups" ("day", "topic", "n", "resolved") ${DEAD_LETTERS_BY_DAY(dialect)}`;

const DEAD_LETTER_UPSERT: BulkInsert = {
  table: 'dead_letter_rollups',
  columns: columnsOf(DeadLetterRollupEntity),
  tail: 'on conflict ("day", "topic") do update set "n" = "dead_letter_rollups"."n" + excluded."n"',
  orderBy: ['day', 'topic'],
};

/** Adds dead letters written in one batch, per day of receipt and topic ('api' for none): one upsert, in key order. */
export async function addDeadLetterRollups(writer: BatchWriter, day: string, counts: ReadonlyMap<string, number>): Promise<void> {
  const rows = [...counts].filter(([, n]) => n > 0).sort(([a], [b]) => compareKeys(a, b)).map(([topic, n]) => ({ day, topic, n, resolved: 0 }));
  await insertRows(writer, DEAD_LETTER_UPSERT, rows);
}

/** Counts dead letters as resolved, per day of their receipt and topic (`dead-letters retry`). */
export async function addResolvedDeadLetters(writer: BatchWriter, counts: readonly { day: string; topic: string; n: number }[]): Promise<void> {
  const sql =
    writer.dialect === 'postgresql'
      ? 'update "dead_letter_rollups" set "resolved" = "resolved" + $1 where "day" = $2 and "topic" = $3'
      : 'update "dead_letter_rollups" set "resolved" = "resolved" + ? where "day" = ? and "topic" = ?';
  for (const c of [...counts].sort((a, b) => compareKeys(`${a.day}\u0000${a.topic}`, `${b.day}\u0000${b.topic}`))) await runSql(writer.runner, sql, [c.n, c.day, c.topic]);
}

/** Fills the latency columns of rows written before they existed. */
export function latencyBackfillSql(dialect: Dialect): string[] {
  const sql = aggregatesFor(dialect);
  return LATENCIES.map((l) => {
    const [later, earlier] = [l.later, l.earlier].map((f) => `"${signalColumn(f)}"`) as [string, string];
    const when = `${later} is not null and ${earlier} is not null${l.executedOnly ? ` and "status" = 'executed'` : ''}`;
    return `update "signals" set "${l.column}" = ${sql.microsBetween(later, earlier)} where ${when}`;
  });
}

/** A rollup figure that differs from what the rows give: its table and key, the measure, and both values. */
export interface RollupDrift {
  table: 'signal_rollups' | 'dead_letter_rollups';
  /** day/strategy/symbol, or day/topic */
  key: string;
  measure: string;
  stored: number | string;
  expected: number | string;
}

/**
 * The rollup figures that differ from a rebuild from the rows (the signals and dead letters), read in one
 * transaction; the copies (slots) of a key added up. Both tables are small: a row per day, strategy and symbol.
 */
export async function findRollupDrift(store: Store): Promise<{ rows: number; drift: RollupDrift[] }> {
  const dialect = store.dialect;
  return withSnapshot(store, async (trx) => {
      const keyed = (rows: Record<string, unknown>[], read: (r: Record<string, unknown>) => Measures) =>
        new Map(rows.map((r) => [`${String(r.k_0)}/${String(r.k_1)}/${String(r.k_2)}`, read(r)]));
      const expected = keyed(await runSql(trx, byRollupKeySql(dialect, 'true')), measureSql(dialect, 'rows').read);
      const storedSql = `select "day" as "k_0", "strategy_name" as "k_1", "symbol" as "k_2", ${measureSql(dialect, 'rollups').select} from "signal_rollups" group by "day", "strategy_name", "symbol"`;
      const stored = keyed(await runSql(trx, storedSql), measureSql(dialect, 'rollups').read);
      const drift: RollupDrift[] = [];
      for (const key of [...new Set([...expected.keys(), ...stored.keys()])].sort()) {
        const e = expected.get(key) ?? emptyMeasures();
        const s = stored.get(key) ?? emptyMeasures();
        for (const m of COUNT_MEASURES) {
          const [sv, ev] = [s.counts[m.name] ?? 0, e.counts[m.name] ?? 0];
          if (sv !== ev) drift.push({ table: 'signal_rollups', key, measure: m.name, stored: sv, expected: ev });
        }
        for (const m of SUM_MEASURES) {
          const [sv, ev] = [s.sums[m.name] ?? '0', e.sums[m.name] ?? '0'];
          if (exactAdd(sv, ev, -1) !== '0') drift.push({ table: 'signal_rollups', key, measure: m.name, stored: sv, expected: ev });
        }
      }
      type DeadRow = { day: string; topic: string; n: number | string; resolved: number | string };
      const deadKeyed = (rows: DeadRow[]) => new Map(rows.map((r) => [`${r.day}/${r.topic}`, { n: Number(r.n), resolved: Number(r.resolved) }]));
      const deadExpected = deadKeyed(await runSql(trx, DEAD_LETTERS_BY_DAY(dialect)));
      const deadStored = deadKeyed(await runSql(trx, 'select "day", "topic", sum("n") as "n", sum("resolved") as "resolved" from "dead_letter_rollups" group by "day", "topic"'));
      for (const key of [...new Set([...deadExpected.keys(), ...deadStored.keys()])].sort()) {
        for (const measure of ['n', 'resolved'] as const) {
          const [sv, ev] = [deadStored.get(key)?.[measure] ?? 0, deadExpected.get(key)?.[measure] ?? 0];
          if (sv !== ev) drift.push({ table: 'dead_letter_rollups', key, measure, stored: sv, expected: ev });
        }
      }
      return { rows: stored.size + deadStored.size, drift };
  });
}

/**
 * Runs reads that must agree with each other in one snapshot: a repeatable-read transaction on PostgreSQL (each
 * statement of a read-committed one sees what committed before it), a read transaction on SQLite (WAL).
 */
export async function withSnapshot<T>(store: Store, fn: (trx: QueryRunner) => Promise<T>): Promise<T> {
  const tx = store.em().getConnection().getClient().transaction();
  return (store.dialect === 'postgresql' ? tx.setIsolationLevel('repeatable read') : tx).execute(fn);
}
