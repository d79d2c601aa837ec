// A signal's record refolded from its audit trail: every version it went through, in event time, and the
// record as of a time (the events that had occurred by then) or as known at a time (the events the ledger
// had received by then). Each payload is parsed again with the current contract (parseStoredEvent).
import { eventsDigest, parseStoredEvent, type SignalEvent } from '../contract/index.ts';
import { StoreError } from '../errors.ts';
import { deriveFacts, EMPTY_STATE, foldEvents, type FoldState, mergeStates, type SignalStatus, stateOf } from '../fold/index.ts';
import { type AuditEntry, findAuditTrails, kyselyOf, listLimit, RECORD_COLUMNS, runSql, type SignalRecord, SqlParams, type Store, timeParam, toSignalRecord, toSignalRow } from '../store/index.ts';

/** One version of a signal's record: the event that made it, the status before and after, the fields it changed, and the record then. */
export interface SignalVersion {
  /** 1 for the earliest event in event time; the record's `version` then */
  version: number;
  kind: string;
  eventId: string;
  occurredAt: string;
  receivedAt: string;
  source: string;
  /** null before the first event */
  statusBefore: SignalStatus | null;
  statusAfter: SignalStatus;
  /** the record's fields this event changed (for the first, every field it set), in the record's order; never version, eventsDigest, createdAt or updatedAt */
  changed: (keyof SignalRecord)[];
  record: SignalRecord;
}

/** Which of a signal's events a record is folded from: those that occurred by `asOf`, and those received by `knownAt` (each inclusive; either or both). */
export interface AsOfOptions {
  /** what had happened by then: events whose occurred_at is at or before it */
  asOf?: Date | string;
  /** what the ledger knew then: events whose received_at is at or before it */
  knownAt?: Date | string;
}

/** The filters of a list as of a time (the repository's SignalFilters): applied to each record as it was then. */
export interface AsOfFilters {
  status?: string | readonly string[];
  symbol?: string;
  strategy?: string;
  /** [startDate, endDate) on generated_at, else first_event_at */
  startDate?: Date | string;
  endDate?: Date | string;
}

/** A page of such a list: at most `limit` records (default 100) after the signal id `cursor`. */
export interface AsOfPage {
  limit?: number;
  cursor?: string;
}

/** An audit entry with its event parsed again. */
interface Audited {
  entry: AuditEntry;
  event: SignalEvent;
}

/** Fields a version compares: the record's, less the row's bookkeeping (which every event changes, or the clock). */
const BOOKKEEPING: readonly (keyof SignalRecord)[] = ['version', 'eventsDigest', 'createdAt', 'updatedAt'];
const COMPARED = RECORD_COLUMNS.map((c) => c.property as keyof SignalRecord).filter((p) => !BOOKKEEPING.includes(p));

/** Signals' audit entries with their events, each signal's in event time (occurred_at, then event_id: a pure function of the event set). */
async function auditedEvents(store: Store, signalIds: readonly string[]): Promise<Map<string, Audited[]>> {
  const trails = await findAuditTrails(store, signalIds);
  const out = new Map<string, Audited[]>();
  for (const [signalId, entries] of trails) {
    const audited = entries.map((entry) => {
      const parsed = parseStoredEvent(entry);
      if (!parsed.ok) {
        throw StoreError.drift(`the audit row of event ${JSON.stringify(entry.eventId)} (signal ${JSON.stringify(signalId)}) no longer parses: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      }
      return { entry, event: parsed.event };
    });
    out.set(signalId, audited.sort((a, b) => (a.event.occurredAt < b.event.occurredAt ? -1 : a.event.occurredAt > b.event.occurredAt ? 1 : a.entry.eventId < b.entry.eventId ? -1 : 1)));
  }
  return out;
}

/**
 * The record a set of a signal's events gives, as the store would hold it had it received only these: the fold
 * of the events, `version` their number, `eventsDigest` over their content hashes, `createdAt` and `updatedAt`
 * the first and last time one was received.
 * Read through the row form, so its JSON and text are the bytes a stored record reads back as.
 */
function recordOf(signalId: string, events: readonly Audited[], state: FoldState): SignalRecord {
  const received = events.map((e) => e.entry.receivedAt).sort();
  const digest = eventsDigest(events.map((e) => e.entry.contentHash));
  const record: SignalRecord = { ...deriveFacts(signalId, state), version: events.length, eventsDigest: digest, createdAt: received[0] as string, updatedAt: received[received.length - 1] as string };
  return toSignalRecord(toSignalRow(record, null));
}

/** Every version of a signal's record, one per distinct event in event time; empty for a signal the ledger does not hold. */
export async function findSignalHistory(store: Store, signalId: string): Promise<SignalVersion[]> {
  const events = (await auditedEvents(store, [signalId])).get(signalId) ?? [];
  const versions: SignalVersion[] = [];
  let state = EMPTY_STATE;
  let before: SignalRecord | null = null;
  events.forEach((e, i) => {
    state = mergeStates(state, stateOf(e.event));
    const record = recordOf(signalId, events.slice(0, i + 1), state);
    versions.push({
      version: i + 1,
      kind: e.entry.kind,
      eventId: e.entry.eventId,
      occurredAt: e.entry.occurredAt,
      receivedAt: e.entry.receivedAt,
      source: e.entry.source,
      statusBefore: before?.status ?? null,
      statusAfter: record.status,
      changed: COMPARED.filter((p) => JSON.stringify(record[p]) !== JSON.stringify(before === null ? null : before[p]) && !(before === null && isUnset(record[p]))),
      record,
    });
    before = record;
  });
  return versions;
}

/** A field no event has set yet: null, or the empty list of anomalies. */
const isUnset = (value: unknown) => value === null || (Array.isArray(value) && value.length === 0);

/** The as-of and known-at bounds, normalized; `names` word a bad one's error. */
function boundsOf(when: AsOfOptions, names: readonly [string, string] = ['asOf', 'knownAt']) {
  return { asOf: when.asOf === undefined ? null : timeParam(when.asOf, names[0]), knownAt: when.knownAt === undefined ? null : timeParam(when.knownAt, names[1]) };
}

/** A signal's record from those of its events that occurred by `asOf` and were received by `knownAt`; null when none were. */
function recordAsOf(signalId: string, events: readonly Audited[], bounds: ReturnType<typeof boundsOf>): SignalRecord | null {
  const kept = events.filter((e) => (bounds.asOf === null || e.event.occurredAt <= bounds.asOf) && (bounds.knownAt === null || e.entry.receivedAt <= bounds.knownAt));
  return kept.length === 0 ? null : recordOf(signalId, kept, foldEvents(kept.map((e) => e.event)));
}

/** The record from the events that occurred by `asOf` and were received by `knownAt`; null when there are none (the signal did not exist yet). */
export async function findSignalAsOf(store: Store, signalId: string, options: AsOfOptions): Promise<SignalRecord | null> {
  const bounds = boundsOf(options);
  return recordAsOf(signalId, (await auditedEvents(store, [signalId])).get(signalId) ?? [], bounds);
}

/** Signals read and refolded at a time by findSignalsAsOf. */
const AS_OF_CHUNK = 500;

/**
 * Records as of a time and/or as known at a time, with the usual filters applied to those records (status,
 * symbol, strategy, and [startDate, endDate) on their generated_at, else first_event_at), in the byte order of signal_id and
 * keyset-paged by the last signalId: the as-of time of a record is not stored, so ordering by it would refold the
 * whole ledger for every page. Signals are read from the audit trail a chunk at a time, so memory stays bounded.
 */
export async function findSignalsAsOf(store: Store, filters: AsOfFilters, page: AsOfPage, when: AsOfOptions): Promise<SignalRecord[]> {
  const limit = listLimit(page.limit, 'the maximum page size', '; page with cursor');
  const bounds = boundsOf(when);
  const statuses = filters.status === undefined ? null : typeof filters.status === 'string' ? [filters.status] : [...filters.status];
  const start = filters.startDate === undefined ? null : timeParam(filters.startDate, 'startDate');
  const end = filters.endDate === undefined ? null : timeParam(filters.endDate, 'endDate');
  const keep = (r: SignalRecord) => {
    const at = r.generatedAt ?? r.firstEventAt;
    return (
      (statuses === null || statuses.includes(r.status)) &&
      (filters.symbol === undefined || r.symbol === filters.symbol) &&
      (filters.strategy === undefined || r.strategyName === filters.strategy) &&
      (start === null || at >= start) &&
      (end === null || at < end)
    );
  };
  const out: SignalRecord[] = [];
  let cursor = page.cursor ?? '';
  while (out.length < limit) {
    const params = new SqlParams(store.dialect);
    // byte order on both databases (PostgreSQL's default collation may order text by language)
    const id = store.dialect === 'postgresql' ? '"signal_id" collate "C"' : '"signal_id"';
    const where = [`${id} > ${params.add(cursor)}`];
    if (bounds.asOf !== null) where.push(`"occurred_at" <= ${params.add(bounds.asOf, '::timestamptz')}`);
    if (bounds.knownAt !== null) where.push(`"received_at" <= ${params.add(bounds.knownAt, '::timestamptz')}`);
    const ids = (await runSql<{ signal_id: string }>(kyselyOf(store), `select "signal_id" from "signal_events" where ${where.join(' and ')} group by "signal_id" order by ${id} limit ${params.add(AS_OF_CHUNK)}`, params.values)).map((r) => r.signal_id);
    if (ids.length === 0) break;
    const events = await auditedEvents(store, ids);
    for (const id of ids) {
      const record = recordAsOf(id, events.get(id) ?? [], bounds);
      if (record !== null && keep(record)) out.push(record);
      cursor = id;
      if (out.length === limit) break;
    }
  }
  return out;
}
