// Every record, fold state and rollup recomputed from the audit trail (after a fold rule changed, or a drift
// verify found), page by page: each page is one transaction of the apply path's kind, which locks its signal
// rows on PostgreSQL, so a worker may run beside it; rows that already equal their refold are not written.
// A rebuild killed half-way keeps the pages it committed, and run again ends the same.
import { timestampFromDate } from '../contract/index.ts';
import { withWriteTransaction } from './apply-batch.ts';
import { upsertSignalsStatement } from './apply-transaction.ts';
import { inJsonArray, insertRows, runSql, selectRows } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';
import { readAuditTrails } from './audit-trail.ts';
import { compareWithStored, refoldSignal, type SignalDrift, storedSignalSelect } from './refold-signal.ts';
import { contributionsOf, contributionsOfRows, shiftRollups } from './rollups.ts';
import { rebuildRollups } from './rollup-upkeep.ts';
import { kyselyOf } from './sql-params.ts';
import type { Store } from './store.ts';

export interface RebuildOptions {
  /** signals refolded per transaction (default 500) */
  pageSize?: number;
  /** after each page: signals done so far, of `total` */
  onProgress?: (done: number, total: number) => void;
  /** a signal left as it is, and why */
  onSkipped?: (signalId: string, why: string) => void;
}

export interface RebuildResult {
  /** signals read (records, and events without a record) */
  signals: number;
  /** records rewritten because they differed from their events */
  changed: number;
  /** records written for events that had none */
  created: number;
  /** signals left as they are: a payload no longer parses, or a record has no events */
  skipped: number;
}

const lockSql = (dialect: Dialect) => `select ${storedSignalSelect(dialect)} from "signals" where ${inJsonArray(dialect, 'signal_id')} order by "signal_id"${dialect === 'postgresql' ? ' for update' : ''}`;

/** Rebuilds every record from its events, then every rollup from the rows. */
export async function rebuildLedger(store: Store, options: RebuildOptions = {}): Promise<RebuildResult> {
  const pageSize = options.pageSize ?? 500;
  const result: RebuildResult = { signals: 0, changed: 0, created: 0, skipped: 0 };
  const count = async (sql: string) => Number((await runSql<{ n: number | string }>(kyselyOf(store), sql))[0]?.n ?? 0);
  const orphansSql = 'from "signal_events" e where not exists (select 1 from "signals" s where s."signal_id" = e."signal_id")';
  const total = (await count('select count(*) as "n" from "signals"')) + (await count(`select count(distinct e."signal_id") as "n" ${orphansSql}`));
  const skip = (signalId: string, why: string) => {
    result.skipped++;
    options.onSkipped?.(signalId, why);
  };

  // the records, then the events whose signal has no record, each in signal_id order after a cursor
  const after = store.dialect === 'postgresql' ? '$1' : '?';
  const pages = [
    `select "signal_id" from "signals" where "signal_id" > ${after} order by "signal_id"`,
    `select distinct e."signal_id" ${orphansSql} and e."signal_id" > ${after} order by 1`,
  ];
  for (const pageSql of pages) {
    let cursor = '';
    for (;;) {
      const page = await runSql<{ signal_id: string }>(kyselyOf(store), `${pageSql} limit ${pageSize}`, [cursor]);
      if (page.length === 0) break;
      const done = await rebuildPage(store, page.map((r) => r.signal_id));
      result.signals += page.length;
      result.changed += done.changed;
      result.created += done.created;
      for (const [id, why] of done.skipped) skip(id, why);
      cursor = page[page.length - 1]?.signal_id as string;
      options.onProgress?.(result.signals, total);
    }
  }
  await rebuildRollups(store);
  return result;
}

/** One page: its stored rows locked, its audit rows read, the rows that differ from their refold rewritten, their rollups shifted. */
async function rebuildPage(store: Store, ids: readonly string[]): Promise<{ changed: number; created: number; skipped: [string, string][] }> {
  return withWriteTransaction(store, async (writer) => {
    const skipped: [string, string][] = [];
    const skip = (id: string, why: string) => skipped.push([id, why]);
    const stored = new Map((await selectRows<Record<string, unknown>>(writer, lockSql(writer.dialect), [JSON.stringify(ids)])).map((r) => [String(r.signal_id), r]));
    const audit = await readAuditTrails(writer, ids);
    const now = timestampFromDate(new Date());
    const rows: Record<string, unknown>[] = [];
    let created = 0;
    for (const id of ids) {
      const events = audit.get(id) ?? [];
      const row = stored.get(id);
      if (events.length === 0) {
        if (row !== undefined) skip(id, `a record of version ${String(row.version)} without events`);
        continue;
      }
      const problems: SignalDrift[] = [];
      const refolded = refoldSignal(id, events, (d) => problems.push(d));
      if (refolded.unparsable > 0) {
        skip(id, problems.filter((p) => p.field.endsWith(': payload')).map((p) => `${p.field} no longer parses: ${String(p.expected)}`).join('; '));
        continue;
      }
      if (row === undefined) {
        rows.push({ ...refolded.row, created_at: now, updated_at: now });
        created++;
      } else if (compareWithStored(row, refolded, () => {}) > 0) {
        rows.push({ ...refolded.row, created_at: row.created_at, updated_at: now });
      }
    }
    const changedIds = rows.map((r) => String(r.signal_id));
    const before = await contributionsOf(writer, changedIds);
    await insertRows(writer, upsertSignalsStatement(writer.dialect), rows);
    await shiftRollups(writer, contributionsOfRows(rows), before);
    return { changed: rows.length - created, created, skipped };
  });
}
