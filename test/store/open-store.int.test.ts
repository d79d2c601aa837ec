import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { describeError, ErrorCode, LedgerError } from '../../src/errors.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SQLITE_PAGE_SIZE } from '../../src/store/open-store.ts';
import { adminUrl, createTestDatabase, pragmaNumber } from '../helpers/databases.ts';
import { applyAll, parsedWorkload, snapshot } from '../helpers/workload.ts';

const work = mkdtempSync(path.join(tmpdir(), 'signal-ledger-open-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const sqliteUrl = (name: string) => `sqlite:///${path.join(work, name)}`;

/** A SQLite file with the ledger's tables and some signals, closed, then changed by `sql` if given. */
async function ledgerFile(name: string, sql?: string): Promise<string> {
  const store = await openStore({ dbUrl: sqliteUrl(name) });
  await applyAll(store, parsedWorkload({ signals: 40, seed: 3 }));
  await store.close();
  const file = path.join(work, name);
  if (sql !== undefined) {
    const db = new DatabaseSync(file);
    db.exec(sql);
    db.close();
  }
  return file;
}

async function refusal(open: Promise<Store>): Promise<LedgerError> {
  const error = await open.then(
    async (store) => {
      await store.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LedgerError);
  return error as LedgerError;
}

describe('openStore with read access on SQLite', () => {
  it('a missing file is reported in one line naming it, and is not created', async () => {
    const file = path.join(work, 'missing.db');
    const error = await refusal(openStore({ dbUrl: sqliteUrl('missing.db'), access: 'read' }));
    expect(error.code).toBe(ErrorCode.NotFound);
    expect(describeError(error)).toBe(`SQLite database ${file} does not exist; a read command does not create it`);
    expect(existsSync(file)).toBe(false);
  });

  it('the file is opened read-only, and reads give what was written', async () => {
    const file = await ledgerFile('readonly.db');
    const written = await openStore({ dbUrl: sqliteUrl('readonly.db') });
    const expected = await snapshot(written);
    await written.close();
    const store = await openStore({ dbUrl: sqliteUrl('readonly.db'), access: 'read' });
    try {
      const native = (await store.em().getConnection().getNativeClient()) as { readonly: boolean };
      expect(native.readonly).toBe(true);
      expect(await snapshot(store)).toBe(expected);
      await expect(store.em().getConnection().execute(`delete from "signals"`)).rejects.toThrow(/readonly/);
    } finally {
      await store.close();
    }
    expect(existsSync(file)).toBe(true);
  });

  it('a file in rollback-journal mode stays in that mode, byte for byte: no switch to WAL', async () => {
    const file = await ledgerFile('rollback.db', 'pragma journal_mode = delete');
    const before = sha(file);
    const store = await openStore({ dbUrl: sqliteUrl('rollback.db'), access: 'read' });
    await snapshot(store);
    await store.close();
    expect(sha(file)).toBe(before);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a file written by an older version is refused with what it lacks and the migrate hint, and left as it was', async () => {
    const file = await ledgerFile('old.db', 'drop table `signal_rollups`; alter table `signals` drop column `first_fill_at`');
    const before = sha(file);
    const error = await refusal(openStore({ dbUrl: sqliteUrl('old.db'), access: 'read' }));
    expect(error.message).toMatch(/was written by an older signal-ledger \(no signals\.first_fill_at, signal_rollups\); run signal-ledger migrate/);
    expect(sha(file)).toBe(before);
    // with write access the same file is upgraded
    const store = await openStore({ dbUrl: sqliteUrl('old.db') });
    await store.close();
    expect(sha(file)).not.toBe(before);
  });

  it('an empty file is refused as holding no ledger tables, and stays empty', async () => {
    const file = path.join(work, 'empty.db');
    writeFileSync(file, '');
    const error = await refusal(openStore({ dbUrl: sqliteUrl('empty.db'), access: 'read' }));
    expect(error.message).toMatch(/holds no signal-ledger tables/);
    expect(readFileSync(file)).toHaveLength(0);
  });

  it('sqlite:///:memory: has nothing to read', async () => {
    expect((await refusal(openStore({ dbUrl: 'sqlite:///:memory:', access: 'read' }))).message).toMatch(/nothing in it to read/);
  });
});

/** Every row of every table of a SQLite file, each table's rows as JSON texts in sorted order. */
function everyRow(file: string): Record<string, string[]> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = db.prepare(`select "name" from "sqlite_master" where "type" = 'table' and "name" not like 'sqlite_%' order by "name"`).all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`select * from "${name}"`).all().map((row) => JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort()]));
  } finally {
    db.close();
  }
}

describe('the pages of a SQLite file openStore writes', () => {
  const pragmas = async (store: Store) => ({ pageSize: await pragmaNumber(store, 'page_size'), checkpointPages: await pragmaNumber(store, 'wal_autocheckpoint') });

  it('a new file gets pages of SQLITE_PAGE_SIZE, and a checkpoint every 40 MiB of WAL', async () => {
    const store = await openStore({ dbUrl: sqliteUrl('new-pages.db') });
    try {
      expect(await pragmas(store)).toEqual({ pageSize: SQLITE_PAGE_SIZE, checkpointPages: (40 * 1024 * 1024) / SQLITE_PAGE_SIZE });
      expect(SQLITE_PAGE_SIZE).toBe(16_384);
    } finally {
      await store.close();
    }
  });

  it('an existing file keeps its page size and its ledger, with a checkpoint every 40 MiB in its pages, until converted as the docs say', async () => {
    // a ledger made with SQLite's default 4 KiB pages, as every file before SQLITE_PAGE_SIZE was
    const file = path.join(work, 'old-pages.db');
    const old = new DatabaseSync(file);
    old.exec('pragma page_size = 4096; pragma journal_mode = wal');
    old.close();
    const first = await openStore({ dbUrl: sqliteUrl('old-pages.db') });
    await applyAll(first, parsedWorkload({ signals: 40, seed: 5 }));
    const before = await snapshot(first);
    await first.close();
    const rowsBefore = everyRow(file);
    const store = await openStore({ dbUrl: sqliteUrl('old-pages.db') });
    try {
      expect(await pragmas(store)).toEqual({ pageSize: 4096, checkpointPages: 10_240 });
      expect(await snapshot(store)).toEqual(before);
    } finally {
      await store.close();
    }

    // docs/operations.md's conversion of such a file, every process stopped: out of WAL, the new size, VACUUM, back
    const db = new DatabaseSync(file);
    db.exec(`pragma journal_mode = delete; pragma page_size = ${SQLITE_PAGE_SIZE}; vacuum; pragma journal_mode = wal`);
    expect(db.prepare('pragma integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    db.close();
    // every row of every table is still there, and nothing else (rowids aside, which VACUUM may renumber)
    expect(everyRow(file)).toEqual(rowsBefore);
    const converted = await openStore({ dbUrl: sqliteUrl('old-pages.db') });
    try {
      expect(await pragmas(converted)).toEqual({ pageSize: SQLITE_PAGE_SIZE, checkpointPages: 2_560 });
      expect(await snapshot(converted)).toEqual(before);
    } finally {
      await converted.close();
    }
  });
});

describe('opening one new SQLite file from several processes at once', () => {
  it('every process opens it, and the schema is created once, complete', async () => {
    const file = path.join(work, 'together.db');
    const script = `import { openStore } from ${JSON.stringify(path.join(import.meta.dirname, '..', '..', 'src', 'store', 'index.ts'))};
      const store = await openStore({ dbUrl: ${JSON.stringify(`sqlite:///${file}`)} });
      await store.close();`;
    const runs = Array.from({ length: 6 }, () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      }),
    );
    for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
    const db = new DatabaseSync(file, { readOnly: true });
    const tables = db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`).all().map((r) => r.name);
    db.close();
    expect(tables).toEqual(['consumer_checkpoints', 'dead_letter_rollups', 'dead_letters', 'signal_events', 'signal_rollups', 'signals']);
  });
});

describe('openStore with read access on PostgreSQL', () => {
  const exists = async (name: string) => {
    const admin = await openStore({ dbUrl: adminUrl(), migrate: false, poolSize: 1 });
    try {
      return (await admin.em().getConnection().execute(`select 1 from pg_database where datname = '${name}'`)).length > 0;
    } finally {
      await admin.close();
    }
  };

  it('a missing database is reported in one line naming it, without the password, and is not created', async () => {
    const name = `sl_missing_${Date.now().toString(36)}`;
    const url = new URL(adminUrl());
    url.pathname = `/${name}`;
    url.password = 'Pw4missing';
    const error = await refusal(openStore({ dbUrl: url.toString(), access: 'read' }));
    expect(error.code).toBe(ErrorCode.NotFound);
    expect(describeError(error)).toMatch(new RegExp(`^PostgreSQL database "${name}" does not exist at postgresql://[^ ]*:\\*\\*\\*@[^ ]*/${name}; a read command does not create it$`));
    expect(describeError(error)).not.toContain('Pw4missing');
    expect(await exists(name)).toBe(false);
  });

  it('a database without the ledger tables is refused, and sessions are read-only transactions', async () => {
    const db = await createTestDatabase('postgresql');
    try {
      expect((await refusal(openStore({ dbUrl: db.url, access: 'read' }))).message).toMatch(/holds no signal-ledger tables/);
      const writer = await openStore({ dbUrl: db.url });
      await writer.close();
      const reader = await openStore({ dbUrl: db.url, access: 'read' });
      try {
        await expect(reader.em().getConnection().execute(`delete from "signals"`)).rejects.toThrow(/read-only transaction/);
      } finally {
        await reader.close();
      }
    } finally {
      await db.drop();
    }
  });
});
