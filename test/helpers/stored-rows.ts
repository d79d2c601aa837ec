// What a database holds, read back for assertions: the rows of a query, the dead letters and the audit
// trail. Each opens a store on the database URL for the read and closes it.
import { openStore } from '../../src/store/index.ts';

/** Runs one query on a database, opening and closing a store around it. */
export async function queryRows<T = Record<string, unknown>>(dbUrl: string, sql: string): Promise<T[]> {
  const store = await openStore({ dbUrl });
  try {
    return await store.em().getConnection().execute<T[]>(sql);
  } finally {
    await store.close();
  }
}

export interface StoredDeadLetter {
  source: string;
  topic: string | null;
  message_key: string | null;
  raw_value: string | null;
  problems: { path: string; message: string }[];
  event_id: string | null;
  signal_id: string | null;
}

/** The dead letters of a database in source order (file:2 before file:10), problems parsed (jsonb on PostgreSQL, text on SQLite). */
export async function readDeadLetters(dbUrl: string): Promise<StoredDeadLetter[]> {
  const rows = await queryRows<StoredDeadLetter & { problems: unknown }>(
    dbUrl,
    'select "source", "topic", "message_key", "raw_value", "problems", "event_id", "signal_id" from "dead_letters" order by "id"',
  );
  return rows
    .map((r) => ({ ...r, problems: (typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems) as StoredDeadLetter['problems'] }))
    .sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
}

/** The audit trail of a database: event id, signal and the payload text, in event_id order. */
export async function readAuditPayloads(dbUrl: string): Promise<{ event_id: string; signal_id: string; payload: string }[]> {
  const rows = await queryRows<{ event_id: string; signal_id: string; payload: string }>(dbUrl, 'select "event_id", "signal_id", "payload" from "signal_events"');
  return rows.sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
}
