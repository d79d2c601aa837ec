// A signal's audit trail as its rows hold it: read by the history and as-of queries, the repository and the CLI.
import { inJsonArray, type RowReader, selectRows } from './bulk-sql.ts';
import { timestampTextSql } from './column-types.ts';
import { kyselyOf } from './sql-params.ts';
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
  return readAuditTrails({ dialect: store.dialect, runner: kyselyOf(store) }, signalIds);
}

/** The same through a reader: verify and rebuild read them inside their transactions. */
export async function readAuditTrails(reader: RowReader, signalIds: readonly string[]): Promise<Map<string, AuditEntry[]>> {
  const { dialect } = reader;
  // by a JSON array of ids, as every lookup by ids is (inJsonArray: planned on the index before PostgreSQL has statistics)
  const time = (column: string) => (dialect === 'postgresql' ? timestampTextSql(`"${column}"`) : `"${column}"`);
  const sql = `select "event_id" as "eventId", "signal_id" as "signalId", "kind", ${time('occurred_at')} as "occurredAt", ${time('received_at')} as "receivedAt",
    "source", "status_before" as "statusBefore", "status_after" as "statusAfter", "anomaly", "payload", "content_hash" as "contentHash"
    from "signal_events" where ${inJsonArray(dialect, 'signal_id')} order by "signal_id", "id"`;
  return Map.groupBy(await selectRows<AuditEntry>(reader, sql, [JSON.stringify(signalIds)]), (e) => e.signalId);
}
