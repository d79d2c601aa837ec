import { SIGNAL_STATUSES } from '../fold/index.ts';
import { type BatchWriter, inJsonArray, type QueryRunner, runSql } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';
import { LATENCIES, type LatencyName } from './signal-columns.ts';
import { aggregatesFor, ExactAggregates, exactAdd } from './sql-aggregates.ts';

/**
 * Per-day rollups: for every UTC day of effective_at, strategy and symbol, the counts and exact sums the
 * analytics read (signal_rollups), and per day and topic the dead letters (dead_letter_rollups). The
 * apply path keeps them in the batch's own transaction: it takes the contributions of the rows it is about
 * to rewrite out, and adds those of the rows it wrote, with one set-based statement each. A question over
 * whole days then reads a few rows per day instead of every signal. `measureSql` is the one definition of
 * every measure: the rollups, the apply path's deltas and the analytics over part of a day all use it.
 */

/** A counted measure: how many rows have a non-null value of its expression. */
interface CountMeasure {
  kind: 'count';
  name: string;
  expr: (dialect: Dialect) => string;
}
/** A summed measure: the exact sum of a decimal expression, or of the product of two. */
interface SumMeasure {
  kind: 'sum';
  name: string;
  expr: string;
  times?: string;
}

const whenStatus = (status: string, column: string) => `case when "status" = '${status}' then "${column}" end`;
const count = (name: string, expr: string | ((dialect: Dialect) => string)): CountMeasure => ({ kind: 'count', name, expr: typeof expr === 'string' ? () => expr : expr });
const sum = (name: string, expr: string, times?: string): SumMeasure => ({ kind: 'sum', name, expr, times });

export const COUNT_MEASURES: readonly CountMeasure[] = [
  count('n', '1'),
  ...SIGNAL_STATUSES.map((st) => count(`status_${st}`, `case when "status" = '${st}' then 1 end`)),
  count('risk_n', '"risk_check_passed"'),
  count('risk_passed', (d) => `case when ${aggregatesFor(d).isTrue('"risk_check_passed"')} then 1 end`),
  count('submitted_n', '"submitted_at"'),
  count('filled_n', '"first_fill_at"'),
  count('slippage_n', '"slippage"'),
  count('slippage_bps_n', '"slippage_bps"'),
  count('quality_n', '"quality_score"'),
  ...LATENCIES.map((l) => count(latencyCount(l.name), `"${l.column}"`)),
  count('executed_conf_n', whenStatus('executed', 'strength')),
  count('executed_quality_n', whenStatus('executed', 'quality_score')),
  count('rejected_conf_n', whenStatus('rejected', 'strength')),
  count('rejected_quality_n', whenStatus('rejected', 'quality_score')),
];

export const SUM_MEASURES: readonly SumMeasure[] = [
  sum('filled_qty', `case when "submitted_at" is not null and "order_quantity" is not null then coalesce("executed_quantity", 0) end`),
  sum('ordered_qty', `case when "submitted_at" is not null then "order_quantity" end`),
  sum('fees', '"fees"'),
  sum('quality', '"quality_score"'),
  sum('slippage', '"slippage"'),
  sum('slippage_bps', '"slippage_bps"'),
  sum('executed_qty', '"executed_quantity"'),
  sum('notional', '"executed_price"', '"executed_quantity"'),
  sum('executed_conf', whenStatus('executed', 'strength')),
  sum('executed_quality', whenStatus('executed', 'quality_score')),
  sum('rejected_conf', whenStatus('rejected', 'strength')),
  sum('rejected_quality', whenStatus('rejected', 'quality_score')),
];

/** The count of rows with a latency: the name of its count measure. */
export function latencyCount(name: LatencyName): string {
  return (LATENCIES.find((l) => l.name === name) as (typeof LATENCIES)[number]).column.replace(/_us$/, '_n');
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
export function measureSql(dialect: Dialect, source: 'rows' | 'rollups', withSums = true): { select: string; read: (row: Record<string, unknown>) => Measures } {
  const exact = new ExactAggregates(dialect);
  const slots = withSums
    ? SUM_MEASURES.map((m) => {
        if (source === 'rollups') return exact.sum(`"${m.name}"`);
        return m.times === undefined ? exact.sum(m.expr) : exact.sumProduct(m.expr, m.times);
      })
    : [];
  const counts = COUNT_MEASURES.map((m) => (source === 'rollups' ? `coalesce(sum("${m.name}"), 0)` : m.name === 'n' ? 'count(*)' : `count(${m.expr(dialect)})`));
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

const ROLLUP_KEY = ['day', 'strategy_name', 'symbol'] as const;
const ROLLUP_COLUMNS = [...ROLLUP_KEY, ...COUNT_MEASURES.map((m) => m.name), ...SUM_MEASURES.map((m) => m.name)];

/**
 * `insert into signal_rollups select <key, measures> from signals where <where> group by <key>`, adding to
 * (sign 1) or taking from (sign -1) the rollup rows already there. Rows in key order: PostgreSQL locks
 * rollup rows in one order whoever writes. Strategy and symbol not yet known are kept as ''.
 */
function rollupUpsertSql(dialect: Dialect, where: string, sign: 1 | -1): string {
  const measures = measureSql(dialect, 'rows');
  const key = [daySql(dialect, '"effective_at"'), `coalesce("strategy_name", '')`, `coalesce("symbol", '')`];
  const op = sign === 1 ? '+' : '-';
  const sumUpdate = (c: string) => (dialect === 'postgresql' ? `"signal_rollups"."${c}" ${op} excluded."${c}"` : `ledger_add("signal_rollups"."${c}", excluded."${c}", ${sign})`);
  const updates = [
    ...COUNT_MEASURES.map((m) => `"${m.name}" = "signal_rollups"."${m.name}" ${op} excluded."${m.name}"`),
    ...SUM_MEASURES.map((m) => `"${m.name}" = ${sumUpdate(m.name)}`),
  ].join(', ');
  const inner = `select ${key.map((k, i) => `${k} as "k_${i}"`).join(', ')}, ${measures.select}
    from "signals" where "version" > 0 and ${where} group by ${key.join(', ')}`;
  const sums =
    dialect === 'postgresql'
      ? SUM_MEASURES.map((_, i) => `coalesce(g."agg_${i}"::numeric, 0)`)
      : SUM_MEASURES.map((_, i) => `coalesce(json_extract(g."agg", '$[${i}]'), '0')`);
  return `insert into "signal_rollups" (${ROLLUP_COLUMNS.map((c) => `"${c}"`).join(', ')})
    select g."k_0", g."k_1", g."k_2", ${COUNT_MEASURES.map((_, i) => `g."c_${i}"`).join(', ')}, ${sums.join(', ')}
    from (${inner}) g where true order by g."k_0", g."k_1", g."k_2"
    on conflict ("day", "strategy_name", "symbol") do update set ${updates}`;
}

const DELTA_SQL: Record<Dialect, Record<1 | -1, string>> = {
  postgresql: { 1: rollupUpsertSql('postgresql', inJsonArray('postgresql', 'signal_id'), 1), [-1]: rollupUpsertSql('postgresql', inJsonArray('postgresql', 'signal_id'), -1) },
  sqlite: { 1: rollupUpsertSql('sqlite', inJsonArray('sqlite', 'signal_id'), 1), [-1]: rollupUpsertSql('sqlite', inJsonArray('sqlite', 'signal_id'), -1) },
};

/** Adds the stored rows of these signals to their rollups (sign 1), or takes them out (sign -1). */
export async function shiftRollups(writer: BatchWriter, signalIds: readonly string[], sign: 1 | -1): Promise<void> {
  if (signalIds.length === 0) return;
  await runSql(writer.runner, DELTA_SQL[writer.dialect][sign], [JSON.stringify(signalIds)]);
}

/** Rebuilds every rollup from the rows: for stores written before the rollups existed. */
export async function rebuildRollups(runner: QueryRunner, dialect: Dialect): Promise<void> {
  await runSql(runner, 'delete from "signal_rollups"');
  await runSql(runner, rollupUpsertSql(dialect, 'true', 1));
  await runSql(runner, 'delete from "dead_letter_rollups"');
  await runSql(
    runner,
    `insert into "dead_letter_rollups" ("day", "topic", "n") select ${daySql(dialect, '"received_at"')}, coalesce("topic", 'api'), count(*) from "dead_letters" group by 1, 2`,
  );
}

/** The rebuild as SQL statements, for the PostgreSQL migration. */
export const REBUILD_ROLLUPS_PG: readonly string[] = [
  rollupUpsertSql('postgresql', 'true', 1),
  `insert into "dead_letter_rollups" ("day", "topic", "n") select ${daySql('postgresql', '"received_at"')}, coalesce("topic", 'api'), count(*) from "dead_letters" group by 1, 2`,
];

/** Adds dead letters written in one batch, per day of receipt and topic ('api' for none). */
export async function addDeadLetterRollups(writer: BatchWriter, day: string, counts: ReadonlyMap<string, number>): Promise<void> {
  const entries = [...counts].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [topic, n] of entries) {
    const p = writer.dialect === 'postgresql' ? ['$1', '$2', '$3'] : ['?', '?', '?'];
    await runSql(
      writer.runner,
      `insert into "dead_letter_rollups" ("day", "topic", "n") values (${p[0]}, ${p[1]}, ${p[2]}) on conflict ("day", "topic") do update set "n" = "dead_letter_rollups"."n" + excluded."n"`,
      [day, topic, n],
    );
  }
}


/** Fills the latency columns of rows written before they existed. */
export function latencyBackfillSql(dialect: Dialect): string[] {
  const sql = aggregatesFor(dialect);
  return LATENCIES.map((l) => {
    const [later, earlier] = [l.later, l.earlier].map((f) => `"${f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}"`) as [string, string];
    const when = `${later} is not null and ${earlier} is not null${l.executedOnly ? ` and "status" = 'executed'` : ''}`;
    return `update "signals" set "${l.column}" = ${sql.microsBetween(later, earlier)} where ${when}`;
  });
}
