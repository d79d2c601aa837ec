import { InputError } from '../errors.ts';
import { kyselyOf, listLimit, rangeClause, recordSelectList, runSql, type SignalRecord, SqlParams, type Store, toSignalRecord } from '../store/index.ts';

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

export async function findSignalById(store: Store, signalId: string): Promise<SignalRecord | null> {
  const params = new SqlParams(store.dialect);
  const rows = await runSql(kyselyOf(store), `select ${recordSelectList(store.dialect)} from "signals" where "signal_id" = ${params.add(signalId)} and "version" > 0`, params.values);
  return rows[0] ? toSignalRecord(rows[0]) : null;
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

/** One entry of a signal's audit trail. */
export interface AuditEntry {
  eventId: string;
  signalId: string;
  kind: string;
  occurredAt: string;
  receivedAt: string;
  source: string;
  statusBefore: string | null;
  statusAfter: string;
  anomaly: string | null;
  payload: string;
}

export async function findAuditTrail(store: Store, signalId: string): Promise<AuditEntry[]> {
  const params = new SqlParams(store.dialect);
  const ts = (c: string) => (store.dialect === 'postgresql' ? `to_char("${c}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : `"${c}"`);
  const rows = await runSql<Record<string, string | null>>(
    kyselyOf(store),
    `select "event_id", "signal_id", "kind", ${ts('occurred_at')} as "occurred_at", ${ts('received_at')} as "received_at", "source", "status_before", "status_after", "anomaly", "payload"
       from "signal_events" where "signal_id" = ${params.add(signalId)} order by "id"`,
    params.values,
  );
  return rows.map((r) => ({
    eventId: r.event_id as string,
    signalId: r.signal_id as string,
    kind: r.kind as string,
    occurredAt: r.occurred_at as string,
    receivedAt: r.received_at as string,
    source: r.source as string,
    statusBefore: r.status_before ?? null,
    statusAfter: r.status_after as string,
    anomaly: r.anomaly ?? null,
    payload: r.payload as string,
  }));
}
