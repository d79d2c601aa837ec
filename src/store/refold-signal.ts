// A signal refolded from its audit rows, and compared with what is stored: what verify reports and rebuild
// writes. Each payload is parsed again with the current contract (parseStoredEvent).
import { canonicalJson, eventsDigest, EXACT_HASH_PREFIX, parseStoredEvent, sameContent, type SignalEvent } from '../contract/index.ts';
import { deriveFacts, type FoldState, foldEvents } from '../fold/index.ts';
import { timestampTextSql } from './column-types.ts';
import type { Dialect } from './database-url.ts';
import { LATENCIES, RECORD_COLUMNS, recordSelectList, toSignalRecord, toSignalRow } from './signal-columns.ts';

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

/** What an audit row holds that a refold reads (readAuditTrails in audit-trail.ts reads them). */
export interface AuditRow {
  eventId: string;
  signalId: string;
  kind: string;
  source: string;
  payload: string;
  contentHash: string;
  occurredAt: string;
}

/** A signal as its audit rows give it. */
export interface RefoldedSignal {
  signalId: string;
  state: FoldState;
  /** the row the apply path would write (created_at and updated_at left to the caller) */
  row: Record<string, unknown>;
  /** audit rows whose payload no longer parses: their events are not in the fold */
  unparsable: number;
}

/** Fields compared with the refolded record: the record's, less the row's wall-clock bookkeeping. */
const COMPARED = RECORD_COLUMNS.filter((c) => c.property !== 'createdAt' && c.property !== 'updatedAt');
/** The columns the ledger derives from the record for its queries (the sort time, the latencies), compared as text. */
const DERIVED = ['effective_at', ...LATENCIES.map((l) => l.column)];

/** The SELECT list of a stored signal as compareWithStored reads it: the record, the derived columns as text, the fold state. */
export function storedSignalSelect(dialect: Dialect, alias = ''): string {
  const p = alias ? `${alias}.` : '';
  const derived = DERIVED.map((c) => (c === 'effective_at' && dialect === 'postgresql' ? `${timestampTextSql(`${p}"${c}"`)} as "${c}"` : `cast(${p}"${c}" as text) as "${c}"`));
  return [recordSelectList(dialect, alias), ...derived, `${p}"fold_state"`].join(', ');
}

/** Refolds a signal from its audit rows, reporting each row whose payload no longer parses or differs from the row. */
export function refoldSignal(signalId: string, audit: readonly AuditRow[], report: (d: SignalDrift) => void = () => {}): RefoldedSignal {
  const events: SignalEvent[] = [];
  let unparsable = 0;
  for (const a of audit) {
    const at = `event ${a.eventId}`;
    const parsed = parseStoredEvent(a);
    if (!parsed.ok) {
      unparsable++;
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
  const row = toSignalRow({ ...deriveFacts(signalId, state), version: audit.length, eventsDigest: digest, createdAt: '', updatedAt: '' }, state);
  return { signalId, state, row, unparsable };
}

/**
 * Compares a stored signal (read with storedSignalSelect) with its refold, field by field, reporting each
 * difference; a record without audit rows is one difference. Returns the number reported.
 */
export function compareWithStored(stored: Record<string, unknown>, refolded: RefoldedSignal, report: (d: SignalDrift) => void): number {
  const signalId = refolded.signalId;
  let n = 0;
  const differ = (d: SignalDrift) => (n++, report(d));
  const record = toSignalRecord(stored);
  if (refolded.row.version === 0) {
    differ({ signalId, field: 'signal', stored: `a record of version ${record.version}`, expected: null });
    return n;
  }
  const expected = toSignalRecord(refolded.row);
  for (const c of COMPARED) {
    const [s, e] = [Reflect.get(record, c.property) as unknown, Reflect.get(expected, c.property) as unknown];
    if (JSON.stringify(s) !== JSON.stringify(e)) differ({ signalId, field: c.name, stored: s, expected: e });
  }
  for (const c of DERIVED) {
    const [s, e] = [stored[c] ?? null, refolded.row[c] ?? null];
    if ((s === null ? null : String(s)) !== (e === null ? null : String(e))) differ({ signalId, field: c, stored: s, expected: e });
  }
  const storedJson = canonicalJson(typeof stored.fold_state === 'string' ? JSON.parse(stored.fold_state) : stored.fold_state);
  const expectedJson = canonicalJson(refolded.row.fold_state);
  if (storedJson !== expectedJson) differ({ signalId, field: 'fold_state', stored: storedJson, expected: expectedJson });
  return n;
}
