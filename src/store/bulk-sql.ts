import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery } from 'kysely';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import type { Dialect } from './database-url.ts';

/** Something that runs a compiled query: the Kysely instance or a transaction of MikroORM's connection. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<{ rows: R[] }>;
}

/** The part of a better-sqlite3 Database the bulk writer uses. */
export interface NativeSqlite {
  prepare(sql: string): NativeStatement;
  readonly inTransaction: boolean;
}
/**
 * The part of a better-sqlite3 Statement the bulk writer uses. A kept statement (keptStatement) is shared by every
 * caller of its SQL text on the connection: nothing may change its modes (raw, pluck, safeIntegers) or bind() it.
 */
export interface NativeStatement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
}

/** The part of a `pg` client the bulk writer uses: the transaction's own connection, which COPY is submitted to. */
export interface PgClient {
  query(sql: string, params?: readonly unknown[]): Promise<{ rowCount: number | null; rows: unknown[] }>;
  query(copy: CopyStreamQuery): CopyStreamQuery;
}

/**
 * Where a batch writes: the transaction's connection (on PostgreSQL its `pg` client, on SQLite MikroORM's
 * connection and the in-process database under it).
 */
export type BatchWriter =
  | { dialect: 'postgresql'; runner: QueryRunner; pg: PgClient }
  | { dialect: 'sqlite'; runner: QueryRunner; sqlite: NativeSqlite };

/** A `pg` client as a QueryRunner, for statements read for their rows (insertRows takes its inserts' counts from the client, as COPY's). */
export function pgRunner(pg: PgClient): QueryRunner {
  return {
    async executeQuery<R>(query: CompiledQuery<R>) {
      const { rows } = await pg.query(query.sql, query.parameters);
      return { rows: rows as R[] };
    },
  };
}

/** A concurrent writer recorded one of our event ids or signals between our read and our insert: run the batch again. */
export class ConcurrentInsert extends Error {}

/** What reads rows: a batch's writer, or a runner of either database (without `sqlite`, no kept statement). */
export interface RowReader {
  dialect: Dialect;
  runner: QueryRunner;
  sqlite?: NativeSqlite;
}

/** An insert of many rows: the table, its columns, and what follows the rows (a conflict clause). */
export interface BulkInsert {
  table: string;
  columns: readonly BulkColumn[];
  tail?: string;
  /**
   * PostgreSQL: insert in the order of these columns (lock order): the database's collation in the JSON arrays'
   * form, UTF-16 code units with `copy` (the same in every lane either way)
   */
  orderBy?: string | readonly string[];
  /**
   * Every row is new, and a row whose key is taken means a concurrent writer: on PostgreSQL the rows are copied
   * in (COPY, without the tail), and a violation of the unique constraint `key` throws ConcurrentInsert (any other
   * error, another constraint's included, is thrown as it is). SQLite runs the tail as always.
   */
  copy?: { key: string };
}

const keptStatements = new WeakMap<NativeSqlite, Map<string, NativeStatement>>();
/** Four times the write path's texts (13): past it a text is prepared at each call, as Kysely does every query. */
const MAX_KEPT = 64;

/**
 * The connection's statement for `sql`, prepared once and kept until the connection closes. For SQL texts that do
 * not vary (values as parameters): better-sqlite3 frees a statement's native memory only when V8 collects its
 * object, which a thread whose heap holds steady does seldom, so a statement prepared at each batch grows the
 * process's memory (docs/benchmarks.md, "The worker's memory after warm-up").
 */
export function keptStatement(sqlite: NativeSqlite, sql: string): NativeStatement {
  let kept = keptStatements.get(sqlite);
  if (kept === undefined) keptStatements.set(sqlite, (kept = new Map()));
  let statement = kept.get(sql);
  if (statement === undefined) {
    statement = sqlite.prepare(sql);
    if (kept.size < MAX_KEPT) kept.set(sql, statement);
  }
  return statement;
}

function sqliteValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

const isJson = (column: BulkColumn): boolean => column.pgType === 'json' || column.pgType === 'jsonb';

/**
 * One column of the rows as one JSON array text: JSON columns as their values, the others as strings,
 * numbers and booleans (null for none). JSON.stringify runs natively, several times faster than the
 * driver's element-by-element escaping of a text[] parameter.
 */
function columnJson(column: BulkColumn, rows: readonly Record<string, unknown>[]): string {
  const json = isJson(column);
  return JSON.stringify(rows.map((row) => jsonElement(json, row[column.name])));
}

/** A row's value as an element of its column's JSON array: a JSON column's text as its value. */
function jsonElement(json: boolean, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  // JSON has no BigInt: its decimal text, which json_array_elements_text casts exactly
  if (typeof v === 'bigint') return v.toString();
  return json && typeof v === 'string' ? JSON.parse(v) : v;
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIALS = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/**
 * Text as a field of COPY's text format: backslash, line feed, carriage return and tab escaped. A lone surrogate
 * is refused as the JSON arrays' form has PostgreSQL refuse it (UTF-8 would carry it as U+FFFD): a RangeError, so
 * the message that holds it becomes a dead letter. The contract's storable checks keep such text out before this.
 */
function copyText(text: string): string {
  if (!text.isWellFormed()) throw new RangeError('a text holds a lone surrogate, which is not Unicode and cannot be stored');
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c] as string) : text;
}

/**
 * A row's value as a field of COPY's text format: the text its JSON array element gives PostgreSQL (columnJson), so
 * both forms store the same. A JSON column's element as JSON.stringify writes it (which escapes every control
 * character and lone surrogate, so only its backslashes need doubling); NULL for none, a JSON null, and a number
 * JSON cannot write.
 */
function copyField(json: boolean, v: unknown): string {
  if (v === undefined || v === null) return '\\N';
  if (json) {
    const text = JSON.stringify(jsonElement(true, v)) ?? 'null';
    if (text === 'null') return '\\N';
    return text.includes('\\') ? text.replaceAll('\\', '\\\\') : text;
  }
  switch (typeof v) {
    case 'string':
      return copyText(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : '\\N';
    case 'bigint':
    case 'boolean':
      return String(v);
    default: {
      // an object in a non-JSON column: its JSON text, a JSON string unquoted (json_array_elements_text)
      const text = JSON.stringify(v) ?? 'null';
      if (text === 'null') return '\\N';
      return copyText(text.startsWith('"') ? (JSON.parse(text) as string) : text);
    }
  }
}

/** Copies rows into the table with COPY FROM STDIN (text format), in orderBy's order; returns how many it wrote. */
async function copyRows(pg: PgClient, insert: BulkInsert, rows: readonly Record<string, unknown>[]): Promise<number> {
  const columns = insert.columns.map((c) => ({ name: c.name, json: isJson(c) }));
  const order = insert.orderBy === undefined ? [] : typeof insert.orderBy === 'string' ? [insert.orderBy] : insert.orderBy;
  const sorted = order.length === 0 ? rows : [...rows].sort((a, b) => compareBy(order, a, b));
  const lines = new Array<string>(sorted.length);
  const fields = new Array<string>(columns.length);
  for (let r = 0; r < sorted.length; r++) {
    const row = sorted[r] as Record<string, unknown>;
    for (let i = 0; i < columns.length; i++) fields[i] = copyField((columns[i] as { json: boolean }).json, row[(columns[i] as { name: string }).name]);
    lines[r] = fields.join('\t');
  }
  const data = copyData(lines);
  const copy = pg.query(copyFrom(`copy ${quoteIdent(insert.table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) from stdin`));
  try {
    await pipeline(Readable.from([data]), copy);
    // completed: the server has every byte, so the socket holds no part of the buffer any more
    giveBackCopyBuffer(data);
  } catch (error) {
    // without the database's error as its cause: classifyFailure would read that as a refused message
    const { code, constraint } = error as { code?: unknown; constraint?: unknown };
    if (code === '23505' && constraint === insert.copy?.key) throw new ConcurrentInsert(`a row of ${insert.table} was written concurrently (${constraint})`);
    throw error;
  }
  return copy.rowCount;
}

/**
 * COPY's data: each line as UTF-8, ended by a line feed, written line by line into one buffer (takeCopyBuffer's: a
 * kept one, or a new one kept after). Measured here (docs/benchmarks.md, "COPY's data written line by line"),
 * joining the lines into one string for Buffer.from took about 8 times as long for a batch of 4,000 audit rows.
 */
function copyData(lines: readonly string[]): Buffer {
  let length = 0;
  for (const line of lines) length += Buffer.byteLength(line) + 1;
  const data = takeCopyBuffer(length);
  let at = 0;
  for (const line of lines) {
    at += data.write(line, at);
    data[at++] = 0x0a;
  }
  return data;
}

/**
 * Buffers COPY's data was written into, kept for the next COPY. A new buffer of a megabyte or more is memory outside
 * V8's heap, which V8 counts towards starting a full garbage collection (its marking runs on V8's helper threads, on
 * the cores PostgreSQL needs), and memory the kernel maps page by page on its first write. Measured here
 * (docs/benchmarks.md, "COPY's buffers kept"), in a scratch comparison of applyBatch on PostgreSQL: V8's helper threads
 * took about 3 µs of CPU an event less with kept buffers, and Node about 4.5 µs less in all (the protocol, with the
 * rows change beside it, moved less: 9.2 to 8.7 µs on the helper threads); writing 4,000 made-up lines of about 320
 * characters into a new buffer took about 6 ms, into a kept one under 1 ms. A buffer goes back only once its COPY has
 * completed; one is taken for each COPY in flight (one a lane or slice: a transaction's COPYs run in turn). Each is a
 * quarter larger than the COPY it was made for, and is kept until the process ends; a spare too small for the COPY
 * at hand is dropped, even when a larger one is under it.
 */
const spareCopyBuffers: Buffer[] = [];
/** buffers kept at most (at the defaults, ingest's 2 lanes and the worker's slices in flight on PostgreSQL are fewer) */
const MAX_SPARE_COPY_BUFFERS = 4;
/** the largest buffer kept: a batch holds at most 4 MiB of messages' text (MAX_BATCH_TEXT), and its rows about twice that */
const MAX_KEPT_COPY_BUFFER = 16 * 1_048_576;

/**
 * `length` bytes of a kept buffer, or of a new one a quarter larger (kept after, when its size allows). A new one is
 * allocUnsafeSlow's, a memory of its own: allocUnsafe would give a small one as a part of Node's shared pool, which
 * giving it back whole would hand out again.
 */
function takeCopyBuffer(length: number): Buffer {
  const spare = spareCopyBuffers.pop();
  if (spare !== undefined && spare.length >= length) return spare.subarray(0, length);
  return Buffer.allocUnsafeSlow(Math.ceil(length * 1.25)).subarray(0, length);
}

/** Keeps the buffer `data` is a part of, for the next COPY. */
function giveBackCopyBuffer(data: Buffer): void {
  const whole = Buffer.from(data.buffer, data.byteOffset, data.buffer.byteLength - data.byteOffset);
  if (whole.length <= MAX_KEPT_COPY_BUFFER && spareCopyBuffers.length < MAX_SPARE_COPY_BUFFERS) spareCopyBuffers.push(whole);
}

/** Rows in the order of their values of `order`'s columns (strings by UTF-16 code units; the same in every lane). */
function compareBy(order: readonly string[], a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const column of order) {
    const x = String(a[column]);
    const y = String(b[column]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Inserts rows and returns how many were written (conflicts skipped by the tail do not count).
 * PostgreSQL: COPY for an insert of new rows (`copy`), else one statement with one array parameter per column (one
 * round trip each). SQLite runs in this
 * process, so there is no round trip to save: one prepared statement is run for each row, inside the
 * same transaction, which is several times faster than extracting every column from a JSON text.
 * Set-based SQL, not MikroORM's unit of work, on purpose: measured here (docs/architecture.md, "One schema
 * source"), em.upsertMany is 4 to 9 times slower than one array-parameter statement per batch (it returns and
 * hydrates every row), and the query builder's multi-row insert about 2 times slower. The columns still come from the entities (entity-columns.ts).
 */
export async function insertRows(writer: BatchWriter, insert: BulkInsert, rows: readonly Record<string, unknown>[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (writer.dialect === 'postgresql') {
    if (insert.copy !== undefined) return copyRows(writer.pg, insert, rows);
    const sql = bulkInsertSql(insert.table, insert.columns, insert.tail, insert.orderBy);
    const { rowCount } = await writer.pg.query(sql, insert.columns.map((c) => columnJson(c, rows)));
    return rowCount ?? 0;
  }
  const names = insert.columns.map((c) => quoteIdent(c.name)).join(', ');
  const sql = `insert into ${quoteIdent(insert.table)} (${names}) values (${insert.columns.map(() => '?').join(', ')}) ${insert.tail ?? ''}`;
  const statement = keptStatement(writer.sqlite, sql);
  // one writer at a time on SQLite: no lock order to keep, so rows go in as given
  let written = 0;
  const values = new Array<unknown>(insert.columns.length);
  for (const row of rows) {
    for (let i = 0; i < insert.columns.length; i++) values[i] = sqliteValue(row[(insert.columns[i] as BulkColumn).name]);
    written += statement.run(...values).changes;
  }
  return written;
}

/**
 * Reads rows with SQL that returns rows and does not vary (values as parameters): inside a batch's transaction on
 * SQLite with the connection's kept statement (keptStatement), else through the runner.
 */
export async function selectRows<R = Record<string, unknown>>(reader: RowReader, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  // an array binds its elements as the anonymous parameters, as Kysely's driver passes them
  if (reader.sqlite !== undefined) return keptStatement(reader.sqlite, sql).all(params) as R[];
  return runSql<R>(reader.runner, sql, params);
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
 * PostgreSQL: `insert into table (columns) select x.c1::type, ... from rows from
 * (json_array_elements_text($1::json), ...) as x(...)` plus an optional conflict clause: one JSON array
 * parameter per column, zipped by ROWS FROM (JSON columns are read with json_array_elements, as values).
 */
function bulkInsertSql(table: string, columns: readonly BulkColumn[], tail = '', orderBy?: string | readonly string[]): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const sources = columns.map((c, i) => (isJson(c) ? `json_array_elements($${i + 1}::json)` : `json_array_elements_text($${i + 1}::json)`)).join(', ');
  // a JSON null element is SQL NULL in the table, as a null text element is
  const values = columns
    .map((c) => (isJson(c) ? `case when json_typeof(x.${quoteIdent(c.name)}) = 'null' then null else x.${quoteIdent(c.name)}::${c.pgType} end` : `x.${quoteIdent(c.name)}::${c.pgType}`))
    .join(', ');
  const order = orderBy === undefined ? '' : ` order by ${(typeof orderBy === 'string' ? [orderBy] : orderBy).map((c) => `x.${quoteIdent(c)}`).join(', ')}`;
  return `insert into ${quoteIdent(table)} (${names}) select ${values} from rows from (${sources}) as x(${names})${order} ${tail}`.trim();
}

/**
 * `column` is one of the values of one JSON array parameter (placeholder index for PostgreSQL).
 * PostgreSQL: `= any(array(select ...))`, not `in (select ...)`. On a table it has not analyzed yet (a new
 * database, the first minute of a bulk load) PostgreSQL took half the table to match an `in (select ...)`
 * and read the whole audit trail for one signal's rows; an array of unknown length is planned as ten values
 * (about 5 % of a table without statistics), so the index is used before statistics exist too (its plan cost about
 * half the whole read's on the audit trail; a much higher random_page_cost than the default could tip it back).
 */
export function inJsonArray(dialect: Dialect, column: string, param = 1): string {
  return dialect === 'postgresql'
    ? `${quoteIdent(column)} = any(array(select json_array_elements_text($${param}::json)))`
    : `${quoteIdent(column)} in (select value from json_each(?))`;
}
