import { CompiledQuery } from 'kysely';
import type { Dialect } from './open-store.ts';

/** Something that runs a compiled query: the Kysely instance or a transaction of MikroORM's connection. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<{ rows: R[] }>;
}

/** Runs one SQL statement with bound parameters ($1.. on PostgreSQL, ? on SQLite). */
export async function runSql<R = Record<string, unknown>>(runner: QueryRunner, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  const result = await runner.executeQuery(CompiledQuery.raw(sql, [...params]) as CompiledQuery<R>);
  return result.rows;
}

/** A column of a bulk statement and its PostgreSQL type (SQLite reads every value from JSON). */
export interface BulkColumn {
  name: string;
  pgType: 'text' | 'numeric' | 'timestamptz' | 'jsonb' | 'boolean' | 'integer' | 'bigint';
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * A set-based statement over many rows passed as ONE JSON parameter: `json_to_recordset` on
 * PostgreSQL, `json_each` on SQLite. `head` is `insert into t (cols)`-like text built by the caller.
 */
export function selectRowsFromJson(dialect: Dialect, columns: readonly BulkColumn[], orderBy?: string): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  if (dialect === 'postgresql') {
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.pgType}`).join(', ');
    return `select ${names} from json_to_recordset($1::json) as x(${defs})${orderBy ? ` order by ${quoteIdent(orderBy)}` : ''}`;
  }
  const extracts = columns.map((c) => `json_extract(value, '$.${c.name}')`).join(', ');
  return `select ${extracts} from json_each(?) where true${orderBy ? ` order by json_extract(value, '$.${orderBy}')` : ''}`;
}

/** `insert into table (columns) select ... from <json rows>` plus an optional conflict clause. */
export function bulkInsertSql(dialect: Dialect, table: string, columns: readonly BulkColumn[], tail = '', orderBy?: string): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  return `insert into ${quoteIdent(table)} (${names}) ${selectRowsFromJson(dialect, columns, orderBy)} ${tail}`.trim();
}

/** `column in (<the values of one JSON array parameter>)`, placeholder index for PostgreSQL. */
export function inJsonArray(dialect: Dialect, column: string, param = 1): string {
  return dialect === 'postgresql'
    ? `${quoteIdent(column)} in (select json_array_elements_text($${param}::json))`
    : `${quoteIdent(column)} in (select value from json_each(?))`;
}
