// Proof that the stored records are what their events give: every audit payload parsed again with the current
// contract and its content hash compared, each signal refolded and compared field by field with its record and
// fold state, and the rollups compared with a rebuild from the rows. Page by page in signal_id order, so the
// memory it takes does not grow with the ledger.
import { canonicalJson, eventsDigest, EXACT_HASH_PREFIX, parseStoredEvent, sameContent, type SignalEvent } from '../contract/index.ts';
import { deriveFacts, foldEvents } from '../fold/index.ts';
import { runSql } from './bulk-sql.ts';
import { SignalEventEntity } from './entities/signal-event.entity.ts';
import { findRollupDrift, type RollupDrift } from './rollups.ts';
import { timestampTextSql } from './column-types.ts';
import type { Dialect } from './database-url.ts';
import { LATENCIES, RECORD_COLUMNS, recordSelectList, type SignalRecord, toSignalRecord, toSignalRow } from './signal-columns.ts';
import { kyselyOf, rangeClause, SqlParams } from './sql-params.ts';
import type { Store } from './store.ts';

/** One difference between a signal's stored state and what its audit trail gives. */
export interface SignalDrift {
  signalId: string;
  /**
   * what differs: a record column (`executed_price`), `fold_state`, `signal` (a record without events, or events
   * without a record), or `event <id>: payload|content_hash|signal_id|occurred_at` for an audit row
   */
  field: string;
  stored: unknown;
  expected: unknown;
}

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

/** Fields compared with the refolded record: the record's, less the row's wall-clock bookkeeping. */
const COMPARED = RECORD_COLUMNS.filter((c) => c.property !== 'createdAt' && c.property !== 'updatedAt');
/** The columns the ledger derives from the record for its queries (the sort time, the latencies), compared as text. */
const DERIVED = ['effective_at', ...LATENCIES.map((l) => l.column)];
const derivedSelect = (dialect: Dialect) =>
  DERIVED.map((c) => (c === 'effective_at' && dialect === 'postgresql' ? `${timestampTextSql(`"${c}"`)} as "${c}"` : `cast("${c}" as text) as "${c}"`)).join(', ');

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
    const sql = `select ${recordSelectList(store.dialect)}, ${derivedSelect(store.dialect)}, "fold_state" from "signals"${conditions.length > 0 ? ` where ${conditions.join(' and ')}` : ''} order by "signal_id" limit ${params.add(pageSize)}`;
    const rows = await runSql<Record<string, unknown>>(kyselyOf(store), sql, params.values);
    if (rows.length === 0) break;
    const ids = rows.map((r) => String(r.signal_id));
    const audit = await store.em().find(SignalEventEntity, { signalId: { $in: ids } }, { orderBy: { signalId: 'asc', id: 'asc' }, disableIdentityMap: true });
    const bySignal = Map.groupBy(audit, (a) => a.signalId);
    for (const row of rows) {
      const stored = toSignalRecord(row);
      const events = bySignal.get(stored.signalId) ?? [];
      const before = result.differences;
      verifySignal(stored, row, events, report);
      result.signals++;
      result.events += events.length;
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

type AuditRow = { eventId: string; signalId: string; kind: string; source: string; payload: string; contentHash: string; occurredAt: string };

/** Compares one stored signal with the refold of its audit rows, reporting each difference. */
function verifySignal(stored: SignalRecord, row: Record<string, unknown>, audit: readonly AuditRow[], report: (d: SignalDrift) => void): void {
  const signalId = stored.signalId;
  if (audit.length === 0) {
    report({ signalId, field: 'signal', stored: `a record of version ${stored.version}`, expected: null });
    return;
  }
  const events: SignalEvent[] = [];
  for (const a of audit) {
    const at = `event ${a.eventId}`;
    const parsed = parseStoredEvent(a);
    if (!parsed.ok) {
      report({ signalId, field: `${at}: payload`, stored: a.payload, expected: parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ') });
      continue;
    }
    if (!sameContent(a.contentHash, parsed)) {
      report({ signalId, field: `${at}: content_hash`, stored: a.contentHash, expected: a.contentHash.startsWith(EXACT_HASH_PREFIX) ? parsed.contentHash : (parsed.legacyContentHash ?? parsed.contentHash) });
    }
    if (parsed.event.signalId !== a.signalId) report({ signalId, field: `${at}: signal_id`, stored: a.signalId, expected: parsed.event.signalId });
    if (parsed.event.occurredAt !== a.occurredAt) report({ signalId, field: `${at}: occurred_at`, stored: a.occurredAt, expected: parsed.event.occurredAt });
    events.push(parsed.event);
  }
  const state = foldEvents(events);
  const digest = eventsDigest(audit.map((a) => a.contentHash));
  const expectedRow = toSignalRow({ ...deriveFacts(signalId, state), version: audit.length, eventsDigest: digest, createdAt: stored.createdAt, updatedAt: stored.updatedAt }, null);
  const expected = toSignalRecord(expectedRow);
  for (const c of COMPARED) {
    const [s, e] = [Reflect.get(stored, c.property) as unknown, Reflect.get(expected, c.property) as unknown];
    if (JSON.stringify(s) !== JSON.stringify(e)) report({ signalId, field: c.name, stored: s, expected: e });
  }
  for (const c of DERIVED) {
    const [s, e] = [row[c] ?? null, expectedRow[c] ?? null];
    if ((s === null ? null : String(s)) !== (e === null ? null : String(e))) report({ signalId, field: c, stored: s, expected: e });
  }
  const storedState = row.fold_state;
  const storedJson = canonicalJson(typeof storedState === 'string' ? JSON.parse(storedState) : storedState);
  if (storedJson !== canonicalJson(state)) report({ signalId, field: 'fold_state', stored: storedJson, expected: canonicalJson(state) });
}
