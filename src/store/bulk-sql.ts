import { CompiledQuery } from 'kysely';
import type { Dialect } from './open-store.ts';

/** Something that runs a compiled query: the Kysely instance or a transaction of MikroORM's connection. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<{ rows: R[]; numAffectedRows?: bigint }>;
}

/** The part of a better-sqlite3 Database the bulk writer uses. */
export interface NativeSqlite {
  prepare(sql: string): { run(...params: unknown[]): { changes: number } };
}

/** Where a batch writes: MikroORM's transaction, and on SQLite the in-process database under it. */
export type BatchWriter =
  | { dialect: 'postgresql'; runner: QueryRunner }
  | { dialect: 'sqlite'; runner: QueryRunner; sqlite: NativeSqlite };

/** An insert of many rows: the table, its columns, and what follows the rows (a conflict clause). */
export interface BulkInsert {
  table: string;
  columns: readonly BulkColumn[];
  tail?: string;
  /** PostgreSQL: insert in this column's order (lock order) */
  orderBy?: string;
}

const preparedSql = new WeakMap<NativeSqlite, Map<string, ReturnType<NativeSqlite['prepare']>>>();

function sqliteValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

const isJson = (column: BulkColumn): boolean => column.pgType === 'json' || column.pgType === 'jsonb';

/** One column of the rows as an array parameter (JSON values as their text). */
function columnArray(column: BulkColumn, rows: readonly Record<string, unknown>[]): unknown[] {
  const json = isJson(column);
  return rows.map((row) => {
    const v = row[column.name];
    if (v === undefined || v === null) return null;
    return json && typeof v !== 'string' ? JSON.stringify(v) : v;
  });
}

/**
 * Inserts rows and returns how many were written (conflicts skipped by the tail do not count).
 * PostgreSQL: one statement with one array parameter per column (one round trip). SQLite runs in this
 * process, so there is no round trip to save: one prepared statement is run for each row, inside the
 * same transaction, which is several times faster than extracting every column from a JSON text.
 */
export async function insertRows(writer: BatchWriter, insert: BulkInsert, rows: readonly Record<string, unknown>[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (writer.dialect === 'postgresql') {
    const sql = bulkInsertSql(insert.table, insert.columns, insert.tail, insert.orderBy);
    const result = await writer.runner.executeQuery(CompiledQuery.raw(sql, insert.columns.map((c) => columnArray(c, rows))));
    return Number(result.numAffectedRows ?? result.rows.length);
  }
  const names = insert.columns.map((c) => quoteIdent(c.name)).join(', ');
  const sql = `insert into ${quoteIdent(insert.table)} (${names}) values (${insert.columns.map(() => '?').join(', ')}) ${insert.tail ?? ''}`;
  let cache = preparedSql.get(writer.sqlite);
  if (cache === undefined) preparedSql.set(writer.sqlite, (cache = new Map()));
  let statement = cache.get(sql);
  if (statement === undefined) cache.set(sql, (statement = writer.sqlite.prepare(sql)));
  // one writer at a time on SQLite: no lock order to keep, so rows go in as given
  let written = 0;
  const values = new Array<unknown>(insert.columns.length);
  for (const row of rows) {
    for (let i = 0; i < insert.columns.length; i++) values[i] = sqliteValue(row[(insert.columns[i] as BulkColumn).name]);
    written += statement.run(...values).changes;
  }
  return written;
}

/** Runs one SQL statement with bound parameters ($1.. on PostgreSQL, ? on SQLite). */
export async function runSql<R = Record<string, unknown>>(runner: QueryRunner, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  const result = await runner.executeQuery(CompiledQuery.raw(sql, [...params]) as CompiledQuery<R>);
  return result.rows;
}

/** A column of a bulk insert and its PostgreSQL type (SQLite binds each value as it is). */
export interface BulkColumn {
  name: string;
  pgType: 'text' | 'numeric' | 'timestamptz' | 'json' | 'jsonb' | 'boolean' | 'integer' | 'bigint';
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * PostgreSQL: `insert into table (columns) select * from unnest($1::type[], $2::type[], ...)` plus an
 * optional conflict clause: one array parameter per column, cheaper for the server to read than one
 * JSON document with every row's keys (JSON columns travel as text and are cast element by element).
 */
function bulkInsertSql(table: string, columns: readonly BulkColumn[], tail = '', orderBy?: string): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const arrays = columns.map((c, i) => (isJson(c) ? `$${i + 1}::text[]::${c.pgType}[]` : `$${i + 1}::${c.pgType}[]`)).join(', ');
  const order = orderBy ? ` order by ${quoteIdent(orderBy)}` : '';
  return `insert into ${quoteIdent(table)} (${names}) select * from unnest(${arrays}) as x(${names})${order} ${tail}`.trim();
}

/** `column in (<the values of one JSON array parameter>)`, placeholder index for PostgreSQL. */
export function inJsonArray(dialect: Dialect, column: string, param = 1): string {
  return dialect === 'postgresql'
    ? `${quoteIdent(column)} in (select json_array_elements_text($${param}::json))`
    : `${quoteIdent(column)} in (select value from json_each(?))`;
}
