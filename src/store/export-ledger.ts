// The audit trail and the dead letters as lines of `ingest`'s format, in the order they were recorded: the
// backup, the archive beyond Kafka's retention, and the way from SQLite to PostgreSQL. Ingested into an empty
// database, the lines give every record again, byte for byte but created_at and updated_at.
import { DEFAULT_TOPICS, EVENT_KINDS, type EventKind } from '../contract/index.ts';
import { runSql } from './bulk-sql.ts';
import { withSnapshot } from './snapshot.ts';
import { SqlParams, timeParam } from './sql-params.ts';
import type { Store } from './store.ts';

export interface ExportOptions {
  /** only what was received at or after this time */
  from?: Date | string;
  /** only what was received before this time (exclusive) */
  to?: Date | string;
  /** rows read at a time (default 2,000) */
  pageSize?: number;
}

/** What an export wrote so far. */
export interface ExportCounts {
  events: number;
  deadLetters: number;
}

/**
 * Writes an export, line by line (`write` may wait: the database is read no faster), each line
 * `{"topic","key","value"}` as `ingest` reads it, without a line end: every event in the order it was recorded
 * (under its kind's default topic, its payload as received; a repository call's event marked `"origin":"api"`),
 * then every dead letter (its topic and raw value). Page by page, all in one snapshot: a batch committing
 * meanwhile is in the export whole or not at all, however the database numbered its rows.
 */
export async function exportLedger(store: Store, options: ExportOptions, write: (line: string) => unknown): Promise<ExportCounts> {
  const from = options.from === undefined ? null : timeParam(options.from, 'from');
  const to = options.to === undefined ? null : timeParam(options.to, 'to');
  const pageSize = options.pageSize ?? 2_000;
  const counts: ExportCounts = { events: 0, deadLetters: 0 };
  return withSnapshot(store, async (trx) => {
    const pages = async <R extends { id: string | number }>(columns: string, table: string, each: (row: R) => unknown) => {
      let cursor = '0';
      for (;;) {
        const params = new SqlParams(store.dialect);
        const where = [`"id" > ${params.add(cursor, '::bigint')}`];
        if (from !== null) where.push(`"received_at" >= ${params.add(from, '::timestamptz')}`);
        if (to !== null) where.push(`"received_at" < ${params.add(to, '::timestamptz')}`);
        const rows = await runSql<R>(trx, `select "id", ${columns} from "${table}" where ${where.join(' and ')} order by "id" limit ${params.add(pageSize)}`, params.values);
        if (rows.length === 0) return;
        for (const row of rows) await each(row);
        cursor = String(rows[rows.length - 1]?.id);
      }
    };
    await pages<{ id: string; kind: string; source: string; message_key: string | null; payload: string }>('"kind", "source", "message_key", "payload"', 'signal_events', async (e) => {
      const kind = EVENT_KINDS.find((k) => k === e.kind) as EventKind;
      counts.events++;
      await write(JSON.stringify(e.source === 'api' ? { topic: DEFAULT_TOPICS[kind], key: null, value: e.payload, origin: 'api' } : { topic: DEFAULT_TOPICS[kind], key: e.message_key, value: e.payload }));
    });
    await pages<{ id: string; topic: string | null; message_key: string | null; raw_value: string | null }>('"topic", "message_key", "raw_value"', 'dead_letters', async (d) => {
      counts.deadLetters++;
      await write(JSON.stringify({ topic: d.topic ?? 'api', key: d.message_key, value: d.raw_value }));
    });
    return counts;
  });
}
