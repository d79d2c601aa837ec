// Proof that the stored records are what their events give: every audit payload parsed again with the current
// contract and its content hash compared, each signal refolded and compared field by field with its record and
// fold state, and the rollups compared with a rebuild from the rows. Page by page in signal_id order, so the
// memory it takes does not grow with the ledger.
import { runSql } from './bulk-sql.ts';
import { findRollupDrift, type RollupDrift } from './rollup-upkeep.ts';
import { withSnapshot } from './snapshot.ts';
import { readAuditTrails } from './audit-trail.ts';
import { compareWithStored, refoldSignal, type SignalDrift, storedSignalSelect } from './refold-signal.ts';
import { kyselyOf, rangeClause, SqlParams } from './sql-params.ts';
import type { Store } from './store.ts';

export interface VerifyOptions {
  /** only signals whose generated_at (first_event_at until details arrive) is in [from, to) */
  from?: Date | string;
  to?: Date | string;
  strategy?: string;
  /** signals read and refolded at a time (default 500) */
  pageSize?: number;
  /** each difference, as it is found */
  onDrift?: (drift: SignalDrift) => void;
  /** after each page: signals checked so far, of `total` */
  onProgress?: (checked: number, total: number) => void;
}

export interface VerifyResult {
  signals: number;
  events: number;
  /** signals with at least one difference */
  driftedSignals: number;
  /** differences found, rollups included */
  differences: number;
  /** rollup rows compared (signal_rollups keys and dead_letter_rollups keys) */
  rollupRows: number;
  rollupDrift: RollupDrift[];
}

/** Verifies every signal (or those the filters select) and, without filters, the events without a record and the rollups. */
export async function verifyLedger(store: Store, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 500;
  const filtered = options.from !== undefined || options.to !== undefined || options.strategy !== undefined;
  const where = (params: SqlParams) => [
    ...rangeClause(params, options.from, options.to, '', ['from', 'to']),
    ...(options.strategy === undefined ? [] : [`"strategy_name" = ${params.add(options.strategy)}`]),
  ];
  const countParams = new SqlParams(store.dialect);
  const countWhere = where(countParams);
  const [{ n: total }] = (await runSql<{ n: number | string }>(
    kyselyOf(store),
    `select count(*) as "n" from "signals"${countWhere.length > 0 ? ` where ${countWhere.join(' and ')}` : ''}`,
    countParams.values,
  )) as [{ n: number | string }];

  const result: VerifyResult = { signals: 0, events: 0, driftedSignals: 0, differences: 0, rollupRows: 0, rollupDrift: [] };
  const report = (d: SignalDrift) => {
    result.differences++;
    options.onDrift?.(d);
  };
  let cursor: string | null = null;
  for (;;) {
    const params = new SqlParams(store.dialect);
    const conditions = where(params);
    if (cursor !== null) conditions.push(`"signal_id" > ${params.add(cursor)}`);
    const sql = `select ${storedSignalSelect(store.dialect)} from "signals"${conditions.length > 0 ? ` where ${conditions.join(' and ')}` : ''} order by "signal_id" limit ${params.add(pageSize)}`;
    // a page's records and their audit rows from one snapshot: a batch committing meanwhile is seen in both or in neither
    const { rows, bySignal } = await withSnapshot(store, async (trx) => {
      const page = await runSql<Record<string, unknown>>(trx, sql, params.values);
      return { rows: page, bySignal: await readAuditTrails({ dialect: store.dialect, runner: trx }, page.map((r) => String(r.signal_id))) };
    });
    if (rows.length === 0) break;
    const ids = rows.map((r) => String(r.signal_id));
    for (const row of rows) {
      const audit = bySignal.get(String(row.signal_id)) ?? [];
      const before = result.differences;
      compareWithStored(row, refoldSignal(String(row.signal_id), audit, report), report);
      result.signals++;
      result.events += audit.length;
      if (result.differences > before) result.driftedSignals++;
    }
    cursor = ids[ids.length - 1] as string;
    options.onProgress?.(result.signals, Number(total));
  }

  if (!filtered) {
    // events whose signal has no record (a record deleted by hand)
    const orphans = await runSql<{ signal_id: string; n: number | string }>(
      kyselyOf(store),
      'select e."signal_id", count(*) as "n" from "signal_events" e where not exists (select 1 from "signals" s where s."signal_id" = e."signal_id") group by e."signal_id" order by e."signal_id"',
    );
    for (const o of orphans) {
      result.driftedSignals++;
      result.events += Number(o.n);
      report({ signalId: o.signal_id, field: 'signal', stored: null, expected: `a record of ${Number(o.n)} event(s)` });
    }
    const rollups = await findRollupDrift(store);
    result.rollupRows = rollups.rows;
    result.rollupDrift = rollups.drift;
    result.differences += rollups.drift.length;
  }
  return result;
}
