// A SQLite file brought up to the entities' schema: what it lacks (tables, columns, indexes), and the one
// transaction that adds it and fills in what derives from what is stored.
import type { DatabaseTable, SchemaHelper, SqlSchemaGenerator } from '@mikro-orm/sql';
import { FIRST_FILL_BACKFILL } from './migrations/Migration20261126010000_first_fill_at.ts';
import { EVENTS_DIGEST_BACKFILL } from './migrations/Migration20261201000000_events_digest.ts';
import { compactFoldState, PAGE, rewriteFoldStates } from './migrations/Migration20261202000000_compact_fold_state.ts';
import { latencyBackfillSql, rebuildRollupsIn } from './rollup-upkeep.ts';
import { SQLITE_MEASURES_INDEX, VALUE_ORDERED_INDEXES } from './entities/signal.entity.ts';
import { LATENCIES } from './signal-columns.ts';
import type { Store } from './store.ts';

/** What a SQLite file lacks of the current schema. */
export interface SqliteSchemaGaps {
  /** no signals table: nothing of the ledger yet */
  fresh: boolean;
  /** tables the file lacks */
  tables: string[];
  /** columns the file's tables lack, as table.column (filled in afterwards where they derive from what is stored) */
  columns: string[];
  /** the statements that make the file's schema the current one: tables with their indexes, columns, indexes (and the drop of indexes only PostgreSQL keeps) */
  statements: string[];
  /** the file lacks SQLITE_MEASURES_INDEX, which every percentile query on SQLite names */
  measuresIndex: boolean;
  rollups: boolean;
  /** fold states stored before their compact form (the file's user_version is below SQLITE_USER_VERSION) */
  foldStates: boolean;
}

/**
 * What SQLite's user_version says of a file's rows (a form a column cannot tell): 1, fold states in their compact
 * form (Migration20261202000000_compact_fold_state on PostgreSQL).
 */
export const SQLITE_USER_VERSION = 1;

/**
 * Compares a SQLite file with the schema MikroORM builds from the entities' metadata, table by table, and
 * writes what is missing with MikroORM's own DDL. Not MikroORM's schema diff: its reader fails on tables
 * such as ANALYZE's sqlite_stat1, and it would rebuild the audit trail (copy every row to a new table) for
 * differences it sees in columns it reads back from the file; a ledger only ever adds, but for indexes PostgreSQL
 * alone keeps (VALUE_ORDERED_INDEXES), which an earlier version made here too.
 */
export async function sqliteSchemaGaps(store: Store): Promise<SqliteSchemaGaps> {
  const conn = store.em().getConnection();
  const names = async (sql: string) => new Set((await conn.execute<{ name: string }[]>(sql)).map((r) => r.name));
  const tables = await names(`select name from sqlite_master where type = 'table'`);
  const indexes = await names(`select name from sqlite_master where type = 'index'`);
  const helper = store.em().getPlatform().getSchemaHelper() as SchemaHelper;
  const statements: string[] = [];
  const missingTables: string[] = [];
  const missingColumns: string[] = [];
  let rollups = false;
  // MikroORM's DDL names an index in backquotes, an index given as an expression keeps its own double quotes
  const postgresqlOnly = (sql: string) => VALUE_ORDERED_INDEXES.includes(/^create index [`"]([^`"]+)[`"]/i.exec(sql)?.[1] ?? '');
  const create = (table: DatabaseTable) => helper.createTable(table).filter((sql) => sql !== '' && !postgresqlOnly(sql));
  for (const table of (store.orm.schema as unknown as SqlSchemaGenerator).getTargetSchema().getTables()) {
    if (!tables.has(table.name)) {
      missingTables.push(table.name);
      statements.push(...create(table));
      rollups ||= DERIVED_TABLES.has(table.name);
      continue;
    }
    const columns = await names(`select name from pragma_table_info('${table.name}')`);
    const missing = table.getColumns().filter((c) => !columns.has(c.name));
    missingColumns.push(...missing.map((c) => `${table.name}.${c.name}`));
    if (missing.length > 0 && DERIVED_TABLES.has(table.name)) {
      // rebuilt from the rows afterwards: made again whole, new measure columns and all
      statements.push(`drop table ${table.getQuotedName()}`, ...create(table));
      rollups = true;
      continue;
    }
    for (const column of missing) {
      // SQLite adds a NOT NULL column only with a default: a new column of a kept table must be nullable or have one
      if (!column.nullable && (column.default === undefined || column.default === null)) {
        throw new Error(`${table.name}.${column.name} is NOT NULL without a default: SQLite cannot add it to an existing file (declare it nullable, or give it a default)`);
      }
      statements.push(`alter table ${table.getQuotedName()} add column ${helper.createTableColumn(column, table)}`);
    }
    for (const index of table.getIndexes()) {
      if (!index.primary && !indexes.has(index.keyName) && !VALUE_ORDERED_INDEXES.includes(index.keyName)) statements.push(helper.createIndex(index, table));
    }
  }
  // percentiles on SQLite read one index in time order, not PostgreSQL's value-ordered ones (which an earlier
  // version made here too: dropped, they are only an index of what the rows hold)
  statements.push(...VALUE_ORDERED_INDEXES.filter((name) => indexes.has(name)).map((name) => `drop index "${name}"`));
  const measuresIndex = !indexes.has(SQLITE_MEASURES_INDEX.name);
  if (measuresIndex) statements.push(SQLITE_MEASURES_INDEX.sql);
  const fresh = !tables.has('signals');
  const [version] = await conn.execute<{ user_version: number }[]>('pragma user_version');
  // a fresh file's rollups are empty tables of empty rows: nothing to rebuild
  return {
    fresh,
    tables: missingTables,
    columns: missingColumns,
    statements,
    measuresIndex,
    rollups: rollups && !fresh,
    foldStates: Number(version?.user_version ?? 0) < SQLITE_USER_VERSION,
  };
}

/** Tables computed from the others (the rollups): a file that lacks one, or a column of one, has them rebuilt. */
const DERIVED_TABLES: ReadonlySet<string> = new Set(['signal_rollups', 'dead_letter_rollups']);

const upToDate = (gaps: SqliteSchemaGaps) => !gaps.fresh && gaps.statements.length === 0 && !gaps.foldStates;

/**
 * Creates a new SQLite file's tables, or adds to an existing file what a later version added: tables
 * and indexes, the first_fill_at column (filled in from the audit trail), the latency columns (filled in
 * from the row's times), the rollups (built from the rows) and the compact fold states (user_version 1).
 * Nothing of the ledger's record is ever dropped; the rollups, computed from it, are made again when they
 * lack a table or a column.
 */
export async function migrateSqlite(store: Store): Promise<void> {
  // an up-to-date file is only read; creating or upgrading is one transaction that begins with the
  // write lock (begin immediate, which waits for the busy timeout) and looks again once it holds it,
  // for another process may have created or upgraded the file meanwhile. Interrupted half-way, it leaves
  // the file as it was and runs again on the next open.
  if (upToDate(await sqliteSchemaGaps(store))) return;
  const conn = store.em().getConnection();
  await conn.execute('begin immediate');
  try {
    const gaps = await sqliteSchemaGaps(store);
    for (const sql of gaps.statements) await conn.execute(sql);
    if (gaps.columns.includes('signals.first_fill_at')) await conn.execute(FIRST_FILL_BACKFILL);
    if (gaps.columns.includes('signals.events_digest')) await conn.execute(EVENTS_DIGEST_BACKFILL.sqlite);
    if (LATENCIES.some((l) => gaps.columns.includes(`signals.${l.column}`))) for (const sql of latencyBackfillSql('sqlite')) await conn.execute(sql);
    if (gaps.rollups) await rebuildRollupsIn(conn.getClient(), 'sqlite');
    if (gaps.foldStates && !gaps.fresh) {
      // better-sqlite3's prepared statements: MikroORM's execute would write each state into the SQL text
      const sqlite = (await conn.getNativeClient()) as { prepare(sql: string): { all(...params: unknown[]): Record<string, unknown>[]; run(...params: unknown[]): unknown } };
      const read = sqlite.prepare(`select "signal_id", "fold_state" from "signals" where "signal_id" > ? order by "signal_id" limit ${PAGE}`);
      const update = sqlite.prepare(`update "signals" set "fold_state" = ? where "signal_id" = ?`);
      await rewriteFoldStates((after) => read.all(after), (changed) => changed.forEach((c) => update.run(c.state, c.signal_id)), compactFoldState);
    }
    if (gaps.foldStates) await conn.execute(`pragma user_version = ${SQLITE_USER_VERSION}`);
    await conn.execute('commit');
  } catch (error) {
    // SQLite may have rolled the transaction back itself (a full disk, a busy commit): the first error is the one to report
    if (((await conn.getNativeClient()) as { inTransaction?: boolean }).inTransaction) await conn.execute('rollback');
    throw error;
  }
}
