import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';

/** The PostgreSQL server tests create their databases on. */
export function adminUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** Throws, with the command to fix it, when PostgreSQL is not reachable: its tests never skip. */
export async function requirePostgres(): Promise<void> {
  const problem = await checkPostgres();
  if (problem) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl()} (${problem}). The PostgreSQL tests do not skip: start it with\n` +
        `  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
        `or point TEST_POSTGRES_URL at a server where the user may create databases.`,
    );
  }
}

/** null when PostgreSQL answers, else why not. */
export async function checkPostgres(): Promise<string | null> {
  try {
    const store = await openStore({ dbUrl: adminUrl(), migrate: false, poolSize: 1 });
    await store.close();
    return null;
  } catch (error) {
    let e: unknown = error;
    while (e instanceof Error && e.cause instanceof Error) e = e.cause;
    return e instanceof Error ? e.message : String(e);
  }
}

export const DATABASE_KINDS = ['sqlite-file', 'sqlite-memory', 'postgresql'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** A fresh, empty database of one kind: its URL and a function that removes it. */
export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite-memory') return { kind, url: 'sqlite:///:memory:', drop: async () => {} };
  if (kind === 'sqlite-file') {
    const dir = mkdtempSync(path.join(tmpdir(), 'signal-ledger-test-'));
    return { kind, url: `sqlite:///${path.join(dir, 'signals.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `sl_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = await openStore({ dbUrl: adminUrl(), migrate: false, poolSize: 1 });
  try {
    await admin.em().getConnection().execute(`create database "${name}"`);
  } finally {
    await admin.close();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    drop: async () => {
      const a = await openStore({ dbUrl: adminUrl(), migrate: false, poolSize: 1 });
      try {
        await a.em().getConnection().execute(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.close();
      }
    },
  };
}

/** Runs fn with a store on a fresh database that is dropped afterwards. */
export async function withTestStore<T>(kind: DatabaseKind, fn: (store: Store, db: TestDatabase) => Promise<T>): Promise<T> {
  const db = await createTestDatabase(kind);
  const store = await openStore({ dbUrl: db.url });
  try {
    return await fn(store, db);
  } finally {
    await store.close();
    await db.drop();
  }
}

/** A store on a fresh database of one kind for the enclosing describe block: opened before its tests, closed and dropped after them. */
export function blockStore(kind: DatabaseKind): () => Store {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await openStore({ dbUrl: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });
  return () => {
    if (store === undefined) throw new Error('blockStore: the store opens in beforeAll');
    return store;
  };
}

/** Makes fresh databases of one kind for the enclosing describe block; they are dropped after its tests. */
export function freshDatabases(kind: DatabaseKind): () => Promise<TestDatabase> {
  const dbs: TestDatabase[] = [];
  afterAll(async () => void (await Promise.all(dbs.map((db) => db.drop()))));
  return async () => {
    const db = await createTestDatabase(kind);
    dbs.push(db);
    return db;
  };
}

const STORE_TABLES = ['signals', 'signal_events', 'dead_letters', 'signal_rollups', 'dead_letter_rollups', 'consumer_checkpoints'];

/**
 * Empties a store's tables and starts its ids again (PostgreSQL's sequences, SQLite's autoincrement counters), so
 * that a property test reusing one store per database per run sees equal ids on both in every run. Deleting the
 * rows alone left the counters apart after a run that failed on one database before the other applied its
 * batches, and every later run then failed on the ids (the analytics property shrank that drift, not the failure).
 */
export async function emptyStore(store: Store): Promise<void> {
  const conn = store.em().getConnection();
  if (store.dialect === 'postgresql') {
    await conn.execute(`truncate table ${STORE_TABLES.map((t) => `"${t}"`).join(', ')} restart identity`);
    return;
  }
  for (const table of STORE_TABLES) await conn.execute(`delete from "${table}"`);
  await conn.execute('delete from "sqlite_sequence"');
}

/**
 * Makes the database refuse, for its data, every signal row whose id starts with "poison" (as no real rule
 * does today): what the apply path's safety net is for.
 */
export function refusePoisonRows(store: Store): Promise<void> {
  return refuseRows(store, 'signals', `new.signal_id like 'poison%'`, 'poisoned row', { updates: true });
}

/**
 * Makes the database refuse inserts into `table` (and updates, with `updates`) whose row meets `when` (SQL over
 * `new`), with `message`: on PostgreSQL a data exception (22023), on SQLite RAISE(ABORT), or RAISE(ROLLBACK) with
 * `rollback`, which ends the whole transaction as SQLite does itself on some errors (a full disk). One per table
 * and database.
 */
export async function refuseRows(store: Store, table: string, when: string, message: string, { rollback = false, updates = false } = {}): Promise<void> {
  const conn = store.em().getConnection();
  if (store.dialect === 'postgresql') {
    await conn.execute(`create function refuse_${table}() returns trigger language plpgsql as $$ begin if ${when} then raise exception '${message}' using errcode = '22023'; end if; return new; end $$`);
    await conn.execute(`create trigger refuse_${table} before insert${updates ? ' or update' : ''} on ${table} for each row execute function refuse_${table}()`);
    return;
  }
  for (const event of updates ? ['insert', 'update'] : ['insert']) {
    await conn.execute(`create trigger refuse_${table}_${event} before ${event} on ${table} when ${when} begin select raise(${rollback ? 'rollback' : 'abort'}, '${message}'); end`);
  }
}

/** A PostgreSQL table held under an access-exclusive lock (holdTableLock): every statement on it waits until release(). */
export interface HeldTableLock {
  /** Resolves with how many connections of the database wait on a lock, once one does; throws after 60 s without one, with `context()` (a command's output). */
  untilWaited(context?: () => string): Promise<number>;
  /** Ends the transaction that holds the lock; resolves once it has ended. */
  release(): Promise<void>;
}

/** Locks a table of a PostgreSQL store's database in a transaction of that store, and holds it until release(). */
export async function holdTableLock(store: Store, table: string): Promise<HeldTableLock> {
  const locked = Promise.withResolvers<void>();
  const released = Promise.withResolvers<void>();
  const held = (store.em().getConnection().getClient() as Kysely<unknown>).transaction().execute(async (trx) => {
    await sql`lock table ${sql.id(table)} in access exclusive mode`.execute(trx);
    locked.resolve();
    await released.promise;
  });
  await Promise.race([locked.promise, held]);
  const waiters = async () => {
    const rows = (await store.em().getConnection().execute("select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()")) as { n: string | number }[];
    return Number(rows[0]?.n);
  };
  return {
    async untilWaited(context = () => '') {
      for (let i = 0; i < 240; i++) {
        const n = await waiters();
        if (n > 0) return n;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`holdTableLock: nothing waited on the lock of ${table} within 60 s\n${context()}`);
    },
    async release() {
      released.resolve();
      await held;
    },
  };
}

/** A number a pragma of a SQLite store's connection gives (page_size, wal_autocheckpoint). */
export async function pragmaNumber(store: Store, name: string): Promise<number> {
  const [row] = await store.em().getConnection().execute<Record<string, number>[]>(`pragma ${name}`);
  return Number(row?.[name]);
}
