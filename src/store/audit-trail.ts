// A signal's audit trail as its rows hold it: read by the history and as-of queries, the repository and the CLI.
import { SignalEventEntity } from './entities/signal-event.entity.ts';
import type { Store } from './store.ts';

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
  /** the event's content hash as recorded: a record's eventsDigest is the sha256 over its events' hashes, sorted */
  contentHash: string;
}

export async function findAuditTrail(store: Store, signalId: string): Promise<AuditEntry[]> {
  return (await findAuditTrails(store, [signalId])).get(signalId) ?? [];
}

/** The audit trails of several signals, each in the order it was received. */
export async function findAuditTrails(store: Store, signalIds: readonly string[]): Promise<Map<string, AuditEntry[]>> {
  const events = await store.em().find(SignalEventEntity, { signalId: { $in: [...signalIds] } }, { orderBy: { signalId: 'asc', id: 'asc' }, disableIdentityMap: true });
  return Map.groupBy(events.map((e) => ({
    eventId: e.eventId,
    signalId: e.signalId,
    kind: e.kind,
    occurredAt: e.occurredAt,
    receivedAt: e.receivedAt,
    source: e.source,
    statusBefore: e.statusBefore ?? null,
    statusAfter: e.statusAfter,
    anomaly: e.anomaly ?? null,
    payload: e.payload,
    contentHash: e.contentHash,
  })), (e) => e.signalId);
}
