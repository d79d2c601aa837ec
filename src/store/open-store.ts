import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { MikroORM as CoreMikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PostgreSqlMikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/sql';
import { MikroORM as SqliteMikroORM } from '@mikro-orm/sqlite';
import { ConfigError, LedgerError, ErrorCode, StoreError } from '../errors.ts';
import { type DatabaseTarget, type Dialect, DEFAULT_DATABASE_URL, parseDatabaseUrl } from './database-url.ts';
import { ENTITIES } from './entities/index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { registerSqliteAggregates } from './sql-aggregates.ts';
import { SQLITE_MEASURES_INDEX } from './entities/signal.entity.ts';
import { migrateSqlite, sqliteSchemaGaps } from './sqlite-schema.ts';
import { inMemoryCopyOf, isWalFile } from './sqlite-file.ts';
import type { Store } from './store.ts';

export type { Dialect, Store };

/**
 * What an open may do: 'write' creates a missing database and brings its schema up to date; 'read'
 * opens an existing, up-to-date database and writes nothing (SQLite opened read-only, PostgreSQL
 * sessions in read-only transactions).
 */
export type StoreAccess = 'read' | 'write';

export interface OpenStoreOptions {
  /** a database URL of the contract; default sqlite:///data/signals.db */
  dbUrl?: string;
  /** default 'write' */
  access?: StoreAccess;
  /**
   * PostgreSQL, 'write': apply pending migrations on open (true, the default); apply none and refuse a database
   * that lacks some ('check', the CLI's --no-migrate); or neither (false: a database that is not a ledger, such
   * as the server's administrative one). SQLite always creates missing tables.
   */
  migrate?: boolean | 'check';
  /** where the URL came from, for error lines (default DATABASE_URL) */
  setting?: string;
  /** PostgreSQL pool size (default 10) */
  poolSize?: number;
}

/** A lock id for migrations, so two processes starting together do not both migrate. */
const MIGRATION_LOCK_ID = 0x5167_1ed9;

/** How long a SQLite connection waits for another process's lock before it fails with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 30_000;

/** Opens the store of a database URL; with write access (the default) it creates the database, its tables or pending migrations as needed. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.dbUrl ?? DEFAULT_DATABASE_URL;
  const target = parseDatabaseUrl(url, options.setting ?? 'DATABASE_URL');
  if (target.dialect === 'postgresql') return openPostgres(target, options);
  return options.access === 'read' ? openSqliteToRead(target) : openSqlite(target, url === DEFAULT_DATABASE_URL, options.setting ?? 'DATABASE_URL');
}

function makeStore(dialect: Dialect, target: DatabaseTarget, orm: CoreMikroORM): Store {
  let closed: Promise<void> | null = null;
  return {
    dialect,
    target,
    orm,
    em: () => orm.em.fork() as unknown as EntityManager,
    close: () => (closed ??= orm.close(true)),
  };
}

type SqliteTarget = Extract<DatabaseTarget, { dialect: 'sqlite' }>;

/** MikroORM over one better-sqlite3 connection; `driver` are better-sqlite3's options (MikroORM passes them on). */
async function initSqlite(target: SqliteTarget, driver: Record<string, unknown>): Promise<Store> {
  try {
    const orm = (await SqliteMikroORM.init({
      entities: ENTITIES,
      dbName: target.file,
      discovery: { warnWhenNoEntities: false },
      debug: false,
      ensureDatabase: false,
      // the busy timeout from the first statement on, so that even opening waits for another process's lock
      driverOptions: { timeout: SQLITE_BUSY_TIMEOUT_MS, ...driver },
    })) as unknown as CoreMikroORM;
    return makeStore('sqlite', target, orm);
  } catch (cause) {
    throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot open SQLite database ${target.file}`, { cause });
  }
}

async function openSqlite(target: SqliteTarget, isDefault: boolean, setting: string): Promise<Store> {
  if (!target.memory) {
    const dir = path.dirname(target.file);
    if (!existsSync(dir)) {
      if (!isDefault) {
        throw ConfigError.invalid(setting, `directory ${dir} does not exist; create it or choose another path`);
      }
      mkdirSync(dir, { recursive: true });
    }
  }
  const store = await initSqlite(target, {});
  try {
    await whileBusy(async () => {
      const conn = store.em().getConnection();
      // a new file's pages (an existing file keeps the size it was made with: only VACUUM outside WAL mode changes it)
      await conn.execute(`pragma page_size = ${SQLITE_PAGE_SIZE}`);
      if (!target.memory) await switchToWal(conn);
      await conn.execute('pragma synchronous = normal');
      // a checkpoint every 40 MiB of WAL instead of SQLite's 1,000 pages: hot index pages are written back once per
      // checkpoint rather than every few commits
      const [size] = await conn.execute<{ page_size: number }[]>('pragma page_size');
      await conn.execute(`pragma wal_autocheckpoint = ${sqliteCheckpointPages(size?.page_size ?? SQLITE_PAGE_SIZE)}`);
      registerSqliteAggregates(await conn.getNativeClient());
      await migrate(store);
    });
  } catch (cause) {
    await store.close();
    const code = (rootCause(cause) as { code?: unknown }).code;
    throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot prepare SQLite database ${target.file}${typeof code === 'string' ? ` (${code})` : ''}`, { cause });
  }
  return store;
}

/**
 * The page size of a SQLite file signal-ledger creates, in bytes (SQLite's default is 4096). Each commit writes every
 * page it dirtied to the WAL, and each checkpoint copies them again; with 16 KiB pages, a batch's rows and index
 * entries land on fewer pages: `applyBatch` on a new store ran 1.13 times as fast by the protocol, SQLite's calls in it
 * 0.88 of their time (docs/benchmarks.md, "SQLite pages of 16 KiB"). An existing file keeps its page size.
 */
export const SQLITE_PAGE_SIZE = 16_384;

/** How much WAL a connection lets grow before its automatic checkpoint, in bytes: 40 MiB, whatever the page size. */
const SQLITE_CHECKPOINT_BYTES = 40 * 1024 * 1024;

/** SQLite's `wal_autocheckpoint` (a number of pages) for a file with pages of pageSize bytes. */
const sqliteCheckpointPages = (pageSize: number): number => Math.max(1, Math.round(SQLITE_CHECKPOINT_BYTES / pageSize));

/**
 * Runs the preparation of a SQLite file again while it fails with SQLITE_BUSY, for up to the busy timeout. The busy
 * timeout covers most waits for another process's lock, but not all: switching a new file to WAL while another
 * process opens it, or reading while another process's last connection checkpoints and removes the WAL, can fail at
 * once. Each step is safe to run again: the journal mode and pragmas are idempotent, and the schema migration is one
 * transaction that looks again once it holds the write lock.
 */
async function whileBusy(prepare: () => Promise<void>): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      return await prepare();
    } catch (error) {
      const code = (rootCause(error) as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() - started > SQLITE_BUSY_TIMEOUT_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  }
}

/**
 * Puts a file in WAL mode. Switching takes an exclusive lock, so only a file not yet in WAL mode asks for it. SQLite
 * answers the switch with the journal mode it is in afterwards: one that is not WAL counts as busy, to be tried again.
 */
async function switchToWal(conn: ReturnType<ReturnType<Store['em']>['getConnection']>): Promise<void> {
  const [mode] = await conn.execute<{ journal_mode: string }[]>('pragma journal_mode');
  if (mode?.journal_mode === 'wal') return;
  const [after] = await conn.execute<{ journal_mode: string }[]>('pragma journal_mode = wal');
  if (after?.journal_mode !== 'wal') throw Object.assign(new Error(`the journal mode stayed ${String(after?.journal_mode)}`), { code: 'SQLITE_BUSY' });
}

/** SQLite error codes of a read-only open of a WAL file whose -shm file is missing and cannot be created. */
const NO_SHARED_MEMORY = new Set(['SQLITE_READONLY_DIRECTORY', 'SQLITE_CANTOPEN', 'SQLITE_READONLY_CANTINIT']);

/**
 * Opens an existing SQLite file read-only (better-sqlite3's `readonly`, `fileMustExist`): no journal
 * mode switch, no schema change. A file in WAL mode needs its -shm file, which SQLite cannot create in
 * a directory it may not write; when there is no -wal file either, every committed page is in the main
 * file, and that file is read as an in-memory copy instead.
 */
async function openSqliteToRead(target: SqliteTarget): Promise<Store> {
  if (target.memory) throw new LedgerError(ErrorCode.NotFound, 'sqlite:///:memory: is a new, empty database: there is nothing in it to read');
  if (!existsSync(target.file)) {
    throw new LedgerError(ErrorCode.NotFound, `SQLite database ${target.file} does not exist; a read command does not create it`);
  }
  try {
    return await checkedForReading(await initSqlite(target, { readonly: true, fileMustExist: true }), target.file);
  } catch (error) {
    const code = (rootCause(error) as { code?: unknown }).code;
    if (typeof code !== 'string' || !NO_SHARED_MEMORY.has(code) || !isWalFile(target.file) || existsSync(`${target.file}-wal`)) throw error;
  }
  return checkedForReading(await initSqlite(target, { dbName: inMemoryCopyOf(target.file), readonly: true }), target.file);
}

/** The store, once its schema is complete enough to read; else it is closed and one line says why not. */
async function checkedForReading(store: Store, file: string): Promise<Store> {
  try {
    const gaps = await sqliteSchemaGaps(store);
    if (gaps.fresh) {
      throw new LedgerError(ErrorCode.InputInvalid, `SQLite database ${file} holds no signal-ledger tables (an empty file or another program's); a read command does not create them`);
    }
    // a missing index only slows a read down, but for the one the percentile queries name (`indexed by`)
    const missing = [...gaps.columns, ...gaps.tables, ...(gaps.measuresIndex ? [SQLITE_MEASURES_INDEX.name] : []), ...(gaps.foldStates ? ['compact fold states'] : [])];
    if (missing.length > 0) {
      throw new LedgerError(
        ErrorCode.InputInvalid,
        `SQLite database ${file} was written by an older signal-ledger (no ${missing.join(', ')}); run signal-ledger migrate on it, with write access, before reading it`,
      );
    }
    registerSqliteAggregates(await store.em().getConnection().getNativeClient());
    return store;
  } catch (error) {
    await store.close();
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot read SQLite database ${file}`, { cause: error });
  }
}

type PostgresTarget = Extract<DatabaseTarget, { dialect: 'postgresql' }>;

async function openPostgres(target: PostgresTarget, options: OpenStoreOptions): Promise<Store> {
  const read = options.access === 'read';
  const { host, port, user, password, database, driverOptions } = target.connection();
  // a read joins the URL's own server options, if any, with read-only transactions
  const readOnly = read ? { options: [driverOptions.options, '-c default_transaction_read_only=on'].filter((o) => typeof o === 'string' && o !== '').join(' ') } : {};
  const orm = (await PostgreSqlMikroORM.init({
    entities: ENTITIES,
    // parts, not a connection string: the driver never holds the URL, so none of its errors can quote it
    host,
    port,
    user,
    password,
    dbName: database,
    discovery: { warnWhenNoEntities: false },
    debug: false,
    // MikroORM creates a missing database on connect; a read must find it
    ensureDatabase: !read,
    pool: { min: 0, max: options.poolSize ?? 10 },
    driverOptions: { ...driverOptions, ...readOnly },
    extensions: [Migrator],
    migrations: { migrationsList: MIGRATIONS, snapshot: false, silent: true, allOrNothing: true },
  })) as unknown as CoreMikroORM;
  const store = makeStore('postgresql', target, orm);
  try {
    await store.em().getConnection().execute('select 1');
  } catch (cause) {
    await store.close();
    if ((rootCause(cause) as { code?: unknown }).code === '3D000') {
      throw new LedgerError(ErrorCode.NotFound, `PostgreSQL database "${database}" does not exist at ${target.url}${read ? '; a read command does not create it' : ''}`, { cause });
    }
    throw StoreError.unavailable(`cannot connect to PostgreSQL at ${target.url}`, cause);
  }
  try {
    if (read) await checkMigrated(store, 'read');
    else if (options.migrate === 'check') await checkMigrated(store, 'check');
    else if (options.migrate ?? true) await migrate(store);
  } catch (cause) {
    await store.close();
    if (cause instanceof LedgerError) throw cause;
    throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot ${read ? 'read' : 'migrate'} PostgreSQL database ${database}`, { cause });
  }
  return store;
}

/** What the refusals of checkMigrated tell to do, for a read command and for a write under --no-migrate. */
const NOT_MIGRATED = {
  read: { none: 'a read command does not create them', pending: 'run signal-ledger migrate before reading it' },
  check: { none: 'run signal-ledger migrate first, or leave out --no-migrate', pending: 'run signal-ledger migrate first, or leave out --no-migrate' },
} as const;

/** Refuses a PostgreSQL database that lacks the ledger's tables or some of its migrations. */
async function checkMigrated(store: Store, why: keyof typeof NOT_MIGRATED): Promise<void> {
  const conn = store.em().getConnection();
  const [table] = await conn.execute<{ present: boolean }[]>(`select to_regclass('mikro_orm_migrations') is not null as "present"`);
  const applied = table?.present ? new Set((await conn.execute<{ name: string }[]>('select "name" from "mikro_orm_migrations"')).map((r) => r.name)) : new Set<string>();
  const database = store.target.dialect === 'postgresql' ? store.target.database : '';
  if (applied.size === 0) {
    throw new LedgerError(ErrorCode.InputInvalid, `PostgreSQL database ${database} holds no signal-ledger tables; ${NOT_MIGRATED[why].none}`);
  }
  const pending = MIGRATIONS.filter((m) => !applied.has(m.name));
  if (pending.length > 0) {
    throw new LedgerError(
      ErrorCode.InputInvalid,
      `PostgreSQL database ${database} was migrated by an older signal-ledger (pending: ${pending.map((m) => m.name).join(', ')}); ${NOT_MIGRATED[why].pending}`,
    );
  }
}

function rootCause(error: unknown): unknown {
  let e = error;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  return e;
}

/**
 * Brings the schema up to date and returns the names of the migrations applied. On PostgreSQL a
 * session advisory lock, held on one dedicated connection, makes concurrent starts wait for each other.
 */
export async function migrate(store: Store): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    await migrateSqlite(store);
    return [];
  }
  const kysely = store.em().getConnection().getClient();
  return kysely.connection().execute(async (conn) => {
    const { sql } = await import('kysely');
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(conn);
    try {
      const applied = await store.orm.migrator.up();
      return applied.map((m) => m.name);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(conn);
    }
  });
}
