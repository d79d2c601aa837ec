import { type BatchWriter, type BulkInsert, inJsonArray, insertRows, selectRows } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';
import { DeadLetterRollupEntity, SignalRollupEntity } from './entities/rollup.entity.ts';
import { columnsOf } from './entity-columns.ts';
import { type Cond, condColumn, COUNT_MEASURES, type CountMeasure, SUM_MEASURES, type SumMeasure } from './rollup-measures.ts';
import { aggregatesFor, ExactAggregates } from './sql-aggregates.ts';
import { compareKeys, ExactSum, exactAdd } from '../numeric/index.ts';

/**
 * Per-day rollups: for every UTC day of effective_at, strategy and symbol, the counts and exact sums the
 * analytics read (signal_rollups), and per day and topic the dead letters (dead_letter_rollups). The
 * apply path keeps them in the batch's own transaction: it reads what the rows it is about to rewrite
 * counted (a grouped query, computed by the database), computes what its written rows count from the rows
 * it writes (contributionsOfRows; rebuild-ledger.ts does the same), and adds the difference with one
 * key-ordered upsert. A question over whole days then reads a few rows per day instead of every signal.
 * COUNT_MEASURES and SUM_MEASURES are the one definition of every measure: the rollups, what rewritten rows
 * counted and the analytics over part of a day use the SQL made from them, and contributionsOfRows reads the
 * same definitions.
 * Rebuilding and checking them, outside the apply path, is rollup-upkeep.ts.
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
export function measureSql(dialect: Dialect, source: 'rows' | 'rollups'): MeasureSql {
  const key = `${dialect}/${source}`;
  let built = measureSqls.get(key);
  if (built === undefined) measureSqls.set(key, (built = buildMeasureSql(dialect, source)));
  return built;
}

interface MeasureSql {
  select: string;
  read: (row: Record<string, unknown>) => Measures;
}
const measureSqls = new Map<string, MeasureSql>();

function buildMeasureSql(dialect: Dialect, source: 'rows' | 'rollups'): MeasureSql {
  const exact = new ExactAggregates(dialect);
  const slots = SUM_MEASURES.map((m) => {
    if (source === 'rollups') return exact.sum(`"${m.name}"`);
    return m.times === undefined ? exact.sum(sumSql(dialect, m)) : exact.sumProduct(sumSql(dialect, m), `"${m.times}"`);
  });
  const counts = COUNT_MEASURES.map((m) => (source === 'rollups' ? `coalesce(sum("${m.name}"), 0)` : countSql(dialect, m)));
  return {
    select: [...counts.map((c, i) => `${c} as "c_${i}"`), exact.select()].join(', '),
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
export const ROLLUP_COLUMNS = [...ROLLUP_KEY, ...COUNT_MEASURES.map((m) => m.name), ...SUM_MEASURES.map((m) => m.name)];

/** Every measure of the signals rows meeting `where`, per rollup key ("k_0".."k_2"; read with measureSql(dialect, 'rows')). */
export function byRollupKeySql(dialect: Dialect, where: string): string {
  const key = [daySql(dialect, '"effective_at"'), `coalesce("strategy_name", '')`, `coalesce("symbol", '')`];
  return `select ${key.map((k, i) => `${k} as "k_${i}"`).join(', ')}, ${measureSql(dialect, 'rows').select} from "signals" where "version" > 0 and ${where} group by ${key.join(', ')}`;
}

/**
 * Measures of some signals per rollup key (day, strategy, symbol): of stored rows (contributionsOf, read inside a
 * write transaction) or of rows being written (contributionsOfRows, whose sums are not canonical).
 */
export type Contributions = Map<string, { key: [string, string, string]; measures: Measures }>;

const CONTRIBUTIONS_SQL: Record<Dialect, string> = {
  postgresql: byRollupKeySql('postgresql', inJsonArray('postgresql', 'signal_id')),
  sqlite: byRollupKeySql('sqlite', inJsonArray('sqlite', 'signal_id')),
};

export async function contributionsOf(writer: BatchWriter, signalIds: readonly string[]): Promise<Contributions> {
  const out: Contributions = new Map();
  if (signalIds.length === 0) return out;
  const measures = measureSql(writer.dialect, 'rows');
  const rows = await selectRows<Record<string, unknown>>(writer, CONTRIBUTIONS_SQL[writer.dialect], [JSON.stringify(signalIds)]);
  for (const r of rows) {
    const k: [string, string, string] = [String(r.k_0), String(r.k_1), String(r.k_2)];
    out.set(k.join('\u0000'), { key: k, measures: measures.read(r) });
  }
  return out;
}

/** The columns the measures read, each read once a row into an array by contributionsOfRows. */
const MEASURED_COLUMNS = [
  ...new Set([
    ...[...COUNT_MEASURES, ...SUM_MEASURES].flatMap((m) => m.when.map(condColumn)),
    ...SUM_MEASURES.flatMap((m) => (m.times === undefined ? [m.column] : [m.column, m.times])),
  ]),
];
const at = (column: string): number => MEASURED_COLUMNS.indexOf(column);

/**
 * A condition on a row's measured values, as condSql's SQL reads the row once stored: a boolean is true as
 * toSignalRow gives it (true) or as SQLite gives it back (1).
 */
type RowTest = (values: readonly unknown[]) => boolean;
function testOf(c: Cond): RowTest {
  const i = at(condColumn(c));
  if ('notNull' in c) return (values) => values[i] !== null && values[i] !== undefined;
  if ('status' in c) return (values) => values[i] === c.status;
  return (values) => values[i] === true || values[i] === 1;
}
/** All of a measure's conditions, made once. */
function allOf(when: readonly Cond[]): RowTest {
  const tests = when.map(testOf);
  const [only] = tests;
  if (only === undefined) return () => true;
  return tests.length === 1 ? only : (values) => tests.every((t) => t(values));
}
const COUNT_TESTS = COUNT_MEASURES.map((m) => allOf(m.when));
const SUMS = SUM_MEASURES.map((m) => ({
  test: allOf(m.when),
  kind: m.times === undefined ? ('sum' as const) : ('product' as const),
  column: at(m.column),
  times: m.times === undefined ? -1 : at(m.times),
  orZero: m.orZero === true,
}));

/**
 * The measures of signal rows about to be or just written (the apply path's, rebuild's), per rollup key, computed
 * here from the rows themselves: what contributionsOf would read back once they are stored (byRollupKeySql's SQL,
 * from the same definitions in COUNT_MEASURES and SUM_MEASURES, with the same exact sums as SQLite's
 * ledger_aggregates), without a grouped query over the rows. Its sums are ExactSum's plain decimal texts, not made
 * canonical: shiftRollups' exactAdd makes the differences it writes canonical. The stored timestamps are RFC 3339
 * in UTC, so a day is effective_at's first ten characters. test/store/rollup-contributions.int.test.ts holds it
 * equal to contributionsOf on both databases, for rows with any measured column missing.
 */
export function contributionsOfRows(rows: readonly Readonly<Record<string, unknown>>[]): Contributions {
  const groups = new Map<string, { key: [string, string, string]; counts: number[]; sums: ExactSum[] }>();
  for (const row of rows) {
    // as the SQL's "version" > 0
    if (!(Number(row.version) > 0)) continue;
    const key: [string, string, string] = [String(row.effective_at).slice(0, 10), String(row.strategy_name ?? ''), String(row.symbol ?? '')];
    const k = key.join('\u0000');
    let group = groups.get(k);
    if (group === undefined) {
      group = { key, counts: COUNT_TESTS.map(() => 0), sums: SUMS.map((m) => new ExactSum(m.kind)) };
      groups.set(k, group);
    }
    const values = MEASURED_COLUMNS.map((c) => row[c]);
    for (let i = 0; i < COUNT_TESTS.length; i++) if ((COUNT_TESTS[i] as RowTest)(values)) (group.counts[i] as number)++;
    for (let i = 0; i < SUMS.length; i++) {
      const m = SUMS[i] as (typeof SUMS)[number];
      if (!m.test(values)) continue;
      const value = m.orZero ? (values[m.column] ?? 0) : values[m.column];
      const sum = group.sums[i] as ExactSum;
      if (m.kind === 'sum') sum.add(value);
      else sum.addProduct(value, values[m.times]);
    }
  }
  const out: Contributions = new Map();
  for (const [k, { key, counts, sums }] of groups) {
    out.set(k, {
      key,
      measures: {
        counts: Object.fromEntries(COUNT_MEASURES.map((m, i) => [m.name, counts[i] as number])),
        sums: Object.fromEntries(SUM_MEASURES.map((m, i) => [m.name, (sums[i] as ExactSum).result() ?? '0'])),
      },
    });
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
