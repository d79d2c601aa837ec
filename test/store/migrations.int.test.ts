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
  it('a file made before a table existed gains that table on open and keeps its rows', async () => {
    const { createTestDatabase } = await import('../helpers/databases.ts');
    const { openStore, applyBatch, findSignals, readCheckpoints } = await import('../../src/store/index.ts');
    const { parsedWorkload } = await import('../helpers/workload.ts');
    const db = await createTestDatabase('sqlite-file');
    try {
      const old = await openStore({ dbUrl: db.url });
      await applyBatch(old, parsedWorkload({ signals: 5, seed: 3 }));
      await old.em().getConnection().execute('drop table consumer_checkpoints');
      await old.close();
      const reopened = await openStore({ dbUrl: db.url });
      try {
        expect(await findSignals(reopened, {}, {})).toHaveLength(5);
        expect(await readCheckpoints(reopened, 'g')).toEqual([]);
      } finally {
        await reopened.close();
      }
    } finally {
      await db.drop();
    }
  });
});
