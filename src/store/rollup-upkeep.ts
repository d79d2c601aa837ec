import { type BatchWriter, type QueryRunner, runSql } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';
import type { Store } from './store.ts';
import { COUNT_MEASURES, SUM_MEASURES } from './rollup-measures.ts';
import { byRollupKeySql, daySql, emptyMeasures, type Measures, measureSql, ROLLUP_COLUMNS } from './rollups.ts';
import { LATENCIES, signalColumn } from './signal-columns.ts';
import { withSnapshot } from './snapshot.ts';
import { aggregatesFor } from './sql-aggregates.ts';
import { compareKeys, exactAdd } from '../numeric/index.ts';

/**
 * The rollups outside the apply path (which keeps them in each batch's transaction: rollups.ts): rebuilt whole from
 * the rows (a SQLite upgrade, `migrate --rebuild-rollups`, `rebuild`), compared with a rebuild (`verify`), dead letters
 * counted as resolved (`dead-letters retry`), and the latency columns of rows written before they existed filled in.
 */

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
