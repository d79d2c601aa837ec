import { describe, expect, it } from 'vitest';
import { withTestStore } from '../helpers/databases.ts';

describe('PostgreSQL migrations', () => {
  it('the migrated schema is exactly what the entities describe (no pending diff)', async () => {
    await withTestStore('postgresql', async (store) => {
      const diff = await store.orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    });
  });
});

describe('SQLite tables on first use', () => {
  it('a file made before a table or an index existed gains them on open and keeps its rows', async () => {
    const { createTestDatabase } = await import('../helpers/databases.ts');
    const { openStore, applyBatch, findSignals, readCheckpoints } = await import('../../src/store/index.ts');
    const { parsedWorkload } = await import('../helpers/workload.ts');
    const db = await createTestDatabase('sqlite-file');
    try {
      const old = await openStore({ dbUrl: db.url });
      await applyBatch(old, parsedWorkload({ signals: 5, seed: 3 }));
      await old.em().getConnection().execute('drop table consumer_checkpoints');
      await old.em().getConnection().execute('drop index signals_anomalies_idx');
      await old.em().getConnection().execute('analyze'); // creates sqlite_stat1, whose untyped columns once broke the upgrade
      await old.close();
      const reopened = await openStore({ dbUrl: db.url });
      try {
        expect(await findSignals(reopened, {}, {})).toHaveLength(5);
        expect(await readCheckpoints(reopened, 'g')).toEqual([]);
        const index = await reopened.em().getConnection().execute<{ sql: string }[]>(`select sql from sqlite_master where name = 'signals_anomalies_idx'`);
        expect(index[0]?.sql).toMatch(/where "anomalies" <> '\[\]'/);
      } finally {
        await reopened.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('first_fill_at on a database written before it existed', () => {
  const dropColumn = {
    'sqlite-file': ['alter table "signals" drop column "first_fill_at"'],
    postgresql: ['alter table "signals" drop column "first_fill_at"', `delete from "mikro_orm_migrations" where "name" = 'Migration20261126010000_first_fill_at'`],
  } as const;
  for (const kind of ['sqlite-file', 'postgresql'] as const) {
    it(`on ${kind}: the column is added on open and filled in from the audit trail, equal to what the fold gives`, async () => {
      const { createTestDatabase } = await import('../helpers/databases.ts');
      const { openStore, applyBatch, findSignals } = await import('../../src/store/index.ts');
      const { parsedWorkload } = await import('../helpers/workload.ts');
      const db = await createTestDatabase(kind);
      try {
        const old = await openStore({ dbUrl: db.url });
        await applyBatch(old, parsedWorkload({ signals: 20, seed: 5 }));
        const expected = (await findSignals(old, {}, { limit: 100 })).map((r) => [r.signalId, r.firstFillAt]);
        expect(expected.filter(([, at]) => at !== null).length).toBeGreaterThan(5);
        for (const sql of dropColumn[kind]) await old.em().getConnection().execute(sql);
        await old.close();
        const reopened = await openStore({ dbUrl: db.url });
        try {
          expect((await findSignals(reopened, {}, { limit: 100 })).map((r) => [r.signalId, r.firstFillAt])).toEqual(expected);
        } finally {
          await reopened.close();
        }
      } finally {
        await db.drop();
      }
    });
  }
});
