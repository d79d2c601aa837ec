// What a database holds, read back for assertions: the rows of a query, the dead letters and the audit
// trail. Each takes an open store, or a database URL (then it opens a store for the read and closes it).
import type { Problem } from '../../src/contract/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';

/** Runs one query on a store, or on the database at a URL. */
export async function queryRows<T = Record<string, unknown>>(db: Store | string, sql: string): Promise<T[]> {
  if (typeof db !== 'string') return db.em().getConnection().execute<T[]>(sql);
  const store = await openStore({ dbUrl: db });
  try {
    return await store.em().getConnection().execute<T[]>(sql);
  } finally {
    await store.close();
  }
}

/** A dead letter as stored, with its problems parsed (jsonb on PostgreSQL, text on SQLite). */
export interface StoredDeadLetter {
  /** `file:line` or `topic/partition@offset` */
  source: string;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  messageKey: string | null;
  rawValue: string | null;
  problems: Problem[];
  eventId: string | null;
  signalId: string | null;
}

/** The dead letters of a database in source order, numbers compared as numbers (file:2 before file:10, t/0@9 before t/0@10), alike on both databases. */
export async function readDeadLetters(db: Store | string): Promise<StoredDeadLetter[]> {
  const rows = await queryRows(
    db,
    'select "source", "topic", "partition", cast("offset" as text) as "offset", "message_key", "raw_value", "problems", "event_id", "signal_id" from "dead_letters"',
  );
  return rows
    .map((r) => ({
      source: r.source as string,
      topic: r.topic as string | null,
      partition: r.partition === null ? null : Number(r.partition),
      offset: r.offset as string | null,
      messageKey: r.message_key as string | null,
      rawValue: r.raw_value as string | null,
      problems: (typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems) as Problem[],
      eventId: r.event_id as string | null,
      signalId: r.signal_id as string | null,
    }))
    .sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
}

/** The audit trail of a database: event id, signal and the payload text of each event, in event_id order. */
export async function readAuditPayloads(db: Store | string): Promise<{ eventId: string; signalId: string; payload: string }[]> {
  const rows = await queryRows<{ event_id: string; signal_id: string; payload: string }>(db, 'select "event_id", "signal_id", "payload" from "signal_events"');
  return rows
    .map((r) => ({ eventId: r.event_id, signalId: r.signal_id, payload: r.payload }))
    .sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}
