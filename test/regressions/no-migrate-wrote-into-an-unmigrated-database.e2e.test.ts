// Regression: under --no-migrate, ingest, replay and the worker opened a PostgreSQL database without any of
// the ledger's tables (or one lacking a migration of this release) and failed later, on their first write,
// with PostgreSQL's own words (ingest: `relation "dead_letters" does not exist`, exit 1); against an older
// schema they would have written with this release's statements. They now refuse such a database when they
// open it, in one line that says what to do, with exit 2, and write nothing. `migrate` itself still applies
// what is missing whatever --no-migrate says, and a migrated database is written as before.
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { runCli, runCliAsync } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { createTestTopics, testKafkaConfig } from '../helpers/worker.ts';

const work = scratchDir('no-migrate');
const file = writeLines(work, 'events.ndjson', [JSON.stringify({ topic: 'signals.generated', value: { signal_id: 'nm-1' } })]);
const nameOf = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

/** The tables of the database's public schema. */
async function tablesOf(db: TestDatabase): Promise<string[]> {
  const store = await openStore({ dbUrl: db.url, migrate: false, poolSize: 1 });
  try {
    const rows = await store.em().getConnection().execute<{ name: string }[]>(`select tablename as "name" from pg_tables where schemaname = 'public' order by 1`);
    return rows.map((r) => r.name);
  } finally {
    await store.close();
  }
}

/** The three writing commands with --no-migrate: `ingest`, `worker` (its broker unreachable: it never gets that far) and `replay` of empty topics. */
const WRITERS: [string, (db: TestDatabase) => Promise<{ code: number | null; stdout: string; stderr: string }>][] = [
  ['ingest', async (db) => runCliAsync(['--db', db.url, '--no-migrate', 'ingest', file], { cwd: work })],
  ['worker', async (db) => runCliAsync(['--db', db.url, '--no-migrate', 'worker', '--metrics-port', '0', '--brokers', '127.0.0.1:9'], { cwd: work })],
  [
    'replay',
    async (db) => {
      const config = testKafkaConfig(db.url);
      await createTestTopics(config, 1);
      return runCliAsync(['--no-migrate', 'replay'], { cwd: work, env: config.env });
    },
  ],
];

describe('--no-migrate on a PostgreSQL database that lacks migrations', () => {
  it.each(WRITERS)('%s refuses a database without the ledger\'s tables in one line, exits 2 and creates nothing', async (_name, run) => {
    const db = await createTestDatabase('postgresql');
    try {
      const r = await run(db);
      expect(r.stderr).toBe(`signal-ledger: PostgreSQL database ${nameOf(db)} holds no signal-ledger tables; run signal-ledger migrate first, or leave out --no-migrate\n`);
      expect(r.code).toBe(2);
      expect(await tablesOf(db)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('ingest refuses a database that lacks this release\'s newest migration and names it; after migrate (which --no-migrate does not stop) it writes', async () => {
    const db = await createTestDatabase('postgresql');
    try {
      const migrated = runCli(['--db', db.url, '--no-migrate', 'migrate']);
      expect(migrated.stdout, migrated.stderr).toMatch(/^applied Migration\d+_initial, Migration\d+/);
      expect(runCli(['--db', db.url, 'migrate'])).toMatchObject({ code: 0, stdout: 'schema is up to date\n' });
      const store = await openStore({ dbUrl: db.url, migrate: false, poolSize: 1 });
      let newest: string;
      try {
        const conn = store.em().getConnection();
        [{ name: newest }] = (await conn.execute<{ name: string }[]>('select "name" from "mikro_orm_migrations" order by "name" desc limit 1')) as [{ name: string }];
        await conn.execute('delete from "mikro_orm_migrations" where "name" = ?', [newest]);
      } finally {
        await store.close();
      }
      const refused = runCli(['--db', db.url, '--no-migrate', 'ingest', file], { cwd: work });
      expect(refused.stderr).toBe(
        `signal-ledger: PostgreSQL database ${nameOf(db)} was migrated by an older signal-ledger (pending: ${newest}); run signal-ledger migrate first, or leave out --no-migrate\n`,
      );
      expect(refused.code).toBe(2);
      expect(runCli(['--db', db.url, 'signals', 'list', '--json']).stderr).toMatch(/pending: .*run signal-ledger migrate before reading it\n$/);

      // a database with every migration is written as before
      const again = await openStore({ dbUrl: db.url, migrate: false, poolSize: 1 });
      try {
        await again.em().getConnection().execute(`insert into "mikro_orm_migrations" ("name", "executed_at") values (?, now())`, [newest]);
      } finally {
        await again.close();
      }
      const ingested = runCli(['--db', db.url, '--no-migrate', 'ingest', file, '--json'], { cwd: work });
      expect(ingested.stderr).toBe('');
      expect(JSON.parse(ingested.stdout)).toMatchObject({ read: 1, dead_letters: 1 });
    } finally {
      await db.drop();
    }
  });
});
