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
import { FIRST_FILL_BACKFILL } from './migrations/Migration20261126010000_first_fill_at.ts';
import type { QueryRunner } from './bulk-sql.ts';
import { latencyBackfillSql, rebuildRollupsIn } from './rollups.ts';
import { LATENCIES } from './signal-columns.ts';

export type { Dialect };

/** An open database: MikroORM plus what the apply path and the queries need to know about it. */
export interface Store {
  readonly dialect: Dialect;
  readonly target: DatabaseTarget;
  readonly orm: CoreMikroORM;
  /** a fresh EntityManager for one unit of work */
  em(): EntityManager;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** a database URL of the contract; default sqlite:///data/signals.db */
  dbUrl?: string;
  /** PostgreSQL: apply pending migrations on open (default true); SQLite always creates missing tables */
  migrate?: boolean;
  /** where the URL came from, for error lines (default DATABASE_URL) */
  setting?: string;
  /** PostgreSQL pool size (default 10) */
  poolSize?: number;
}

/** A lock id for migrations, so two processes starting together do not both migrate. */
const MIGRATION_LOCK_ID = 0x5167_1ed9;

/** Opens the store of a database URL, creating SQLite tables or applying PostgreSQL migrations as needed. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.dbUrl ?? DEFAULT_DATABASE_URL;
  const target = parseDatabaseUrl(url, options.setting ?? 'DATABASE_URL');
  return target.dialect === 'sqlite' ? openSqlite(target, url === DEFAULT_DATABASE_URL) : openPostgres(target, options);
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

async function openSqlite(target: Extract<DatabaseTarget, { dialect: 'sqlite' }>, isDefault: boolean): Promise<Store> {
  if (!target.memory) {
    const dir = path.dirname(target.file);
    if (!existsSync(dir)) {
      if (!isDefault) {
        throw ConfigError.invalid('DATABASE_URL', `directory ${dir} does not exist; create it or choose another path`);
      }
      mkdirSync(dir, { recursive: true });
    }
  }
  let orm: CoreMikroORM;
  try {
    orm = (await SqliteMikroORM.init({
      entities: ENTITIES,
      dbName: target.file,
      discovery: { warnWhenNoEntities: false },
      debug: false,
    })) as unknown as CoreMikroORM;
  } catch (cause) {
    throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot open SQLite database ${target.file}`, { cause });
  }
  const store = makeStore('sqlite', target, orm);
  try {
    const em = store.em();
    const conn = em.getConnection();
    if (!target.memory) await conn.execute('pragma journal_mode = wal');
    await conn.execute('pragma busy_timeout = 30000');
    await conn.execute('pragma synchronous = normal');
    // a checkpoint every ~40 MB of WAL instead of ~4 MB: hot index pages are written back once per
    // checkpoint rather than every few commits
    await conn.execute('pragma wal_autocheckpoint = 10000');
    registerSqliteAggregates(await conn.getNativeClient());
    await migrate(store);
  } catch (cause) {
    await store.close();
    throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot prepare SQLite database ${target.file}`, { cause });
  }
  return store;
}

async function openPostgres(target: Extract<DatabaseTarget, { dialect: 'postgresql' }>, options: OpenStoreOptions): Promise<Store> {
  const orm = (await PostgreSqlMikroORM.init({
    entities: ENTITIES,
    clientUrl: target.clientUrl,
    discovery: { warnWhenNoEntities: false },
    debug: false,
    pool: { min: 0, max: options.poolSize ?? 10 },
    extensions: [Migrator],
    migrations: { migrationsList: MIGRATIONS, snapshot: false, silent: true, allOrNothing: true },
  })) as unknown as CoreMikroORM;
  const store = makeStore('postgresql', target, orm);
  try {
    await store.em().getConnection().execute('select 1');
  } catch (cause) {
    await store.close();
    throw StoreError.unavailable(`cannot connect to PostgreSQL at ${target.url}`, cause);
  }
  if (options.migrate ?? true) {
    try {
      await migrate(store);
    } catch (cause) {
      await store.close();
      throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot migrate PostgreSQL database ${target.database}`, { cause });
    }
  }
  return store;
}

/**
 * Brings the schema up to date and returns the names of the migrations applied. On PostgreSQL a
 * session advisory lock, held on one dedicated connection, makes concurrent starts wait for each other.
 */
export async function migrate(store: Store): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    // tables created on first use; what a later version added to an existing file is added to it: tables
    // and indexes from the DDL of the entities (not by introspecting the file: MikroORM's reader fails on
    // tables such as ANALYZE's sqlite_stat1), the first_fill_at column, filled in from the audit trail, the
    // latency columns, filled in from the row's times, and the rollups, built from the rows. Nothing is
    // ever dropped.
    const conn = store.em().getConnection();
    const names = async (sql: string) => new Set((await conn.execute<{ name: string }[]>(sql)).map((r) => r.name));
    const tables = await names(`select name from sqlite_master where type = 'table'`);
    if (!tables.has('signals')) {
      await store.orm.schema.create();
      return [];
    }
    const signalColumns = await names(`select name from pragma_table_info('signals')`);
    const indexes = await names(`select name from sqlite_master where type = 'index'`);
    const latencies = LATENCIES.filter((l) => !signalColumns.has(l.column));
    const missing = (await store.orm.schema.getCreateSchemaSQL({ wrap: false }))
      .split(/;\s*\n/)
      .map((statement) => statement.trim())
      .filter((sql) => {
        const table = /^create table `([^`]+)`/.exec(sql)?.[1];
        const index = /^create (?:unique )?index [`"]([^`"]+)[`"]/.exec(sql)?.[1];
        return (table !== undefined && !tables.has(table)) || (index !== undefined && !indexes.has(index));
      });
    // an up-to-date file is only read; an upgrade is one transaction: interrupted half-way, it leaves the
    // file as it was and runs again on the next open
    if (signalColumns.has('first_fill_at') && latencies.length === 0 && missing.length === 0) return [];
    await conn.execute('begin immediate');
    try {
      if (!signalColumns.has('first_fill_at')) await conn.execute('alter table `signals` add column `first_fill_at` text null');
      for (const l of latencies) await conn.execute(`alter table \`signals\` add column \`${l.column}\` integer null`);
      for (const sql of missing) await conn.execute(sql);
      if (!signalColumns.has('first_fill_at')) await conn.execute(FIRST_FILL_BACKFILL);
      if (latencies.length > 0) for (const sql of latencyBackfillSql('sqlite')) await conn.execute(sql);
      if (!tables.has('signal_rollups')) await rebuildRollupsIn(conn.getClient() as unknown as QueryRunner, 'sqlite');
      await conn.execute('commit');
    } catch (error) {
      await conn.execute('rollback');
      throw error;
    }
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
