import { InputError } from '../errors.ts';
import { kyselyOf, listLimit, rangeClause, recordSelectList, runSql, SignalEntity, type SignalRecord, signalRecordOf, SqlParams, type Store, toSignalRecord } from '../store/index.ts';

/** Filters of getSignals; dates are half-open [startDate, endDate) on generated_at (first_event_at until details arrive). */
export interface SignalFilters {
  status?: string | readonly string[];
  symbol?: string;
  strategy?: string;
  startDate?: Date | string;
  endDate?: Date | string;
}

export interface PageOptions {
  /** default 100, at most 10,000 */
  limit?: number;
  /** the signalId of the last record of the previous page */
  cursor?: string;
}

// One record and one audit trail are simple reads, and MikroORM does them: the entity's types read each
// column (TimestampString reads PostgreSQL's times with to_char, as the RFC 3339 text the ledger stores), and no identity map
// is kept, for nothing read here is written back. Lists stay SQL: keyset paging over effective_at.

export async function findSignalById(store: Store, signalId: string): Promise<SignalRecord | null> {
  const entity = await store.em().findOne(SignalEntity, { signalId, version: { $gt: 0 } }, { exclude: ['foldState'], disableIdentityMap: true });
  return entity === null ? null : signalRecordOf(entity);
}

/** Newest first (effective_at, then signal_id, both descending), keyset-paged by the last signalId. */
export async function findSignals(store: Store, filters: SignalFilters = {}, page: PageOptions = {}): Promise<SignalRecord[]> {
  const limit = listLimit(page.limit, 'the maximum page size', '; page with cursor');
  const params = new SqlParams(store.dialect);
  const where = ['s."version" > 0'];
  const statuses = filters.status === undefined ? [] : typeof filters.status === 'string' ? [filters.status] : [...filters.status];
  if (statuses.length > 0) where.push(`s."status" in (${statuses.map((st) => params.add(st)).join(', ')})`);
  if (filters.symbol !== undefined) where.push(`s."symbol" = ${params.add(filters.symbol)}`);
  if (filters.strategy !== undefined) where.push(`s."strategy_name" = ${params.add(filters.strategy)}`);
  where.push(...rangeClause(params, filters.startDate, filters.endDate, 's'));
  if (page.cursor !== undefined) {
    const known = await runSql(kyselyOf(store), `select 1 as "one" from "signals" where "signal_id" = ${store.dialect === 'postgresql' ? '$1' : '?'}`, [page.cursor]);
    if (known.length === 0) throw InputError.invalid('cursor', `${JSON.stringify(page.cursor)} is not the id of a stored signal`);
    const c = params.add(page.cursor);
    where.push(`(s."effective_at", s."signal_id") < (select c."effective_at", c."signal_id" from "signals" c where c."signal_id" = ${c})`);
  }
  const sql = `select ${recordSelectList(store.dialect, 's')} from "signals" s where ${where.join(' and ')} order by s."effective_at" desc, s."signal_id" desc limit ${params.add(limit)}`;
  return (await runSql(kyselyOf(store), sql, params.values)).map(toSignalRecord);
}

export { type AuditEntry, findAuditTrail, findAuditTrails } from '../store/index.ts';
