// Regression: em.transactional runs on Kysely's controlled transactions, which keep the pooled
// connection when the rollback after a failure fails too (the server killed the connection). After a
// few killed connections every pool slot was held and each later batch waited forever.
import { describe, expect, it } from 'vitest';
import { applyBatch, openStore } from '../../src/store/index.ts';
import { adminUrl, createTestDatabase } from '../helpers/databases.ts';
import { parsedWorkload, snapshot } from '../helpers/workload.ts';

describe('applyBatch while PostgreSQL kills its connections', () => {
  it('every batch eventually lands and no pooled connection is leaked', async () => {
    const db = await createTestDatabase('postgresql');
    const store = await openStore({ dbUrl: db.url, poolSize: 4 });
    const admin = await openStore({ dbUrl: adminUrl(), migrate: false, poolSize: 1 });
    const name = new URL(db.url).pathname.slice(1);
    const workload = parsedWorkload({ signals: 600, seed: 8 });
    let killing = true;
    const killer = (async () => {
      for (let i = 0; killing && i < 200; i++) {
        await admin.em().getConnection().execute(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      let failures = 0;
      await Promise.all(
        [0, 1, 2].map(async (lane) => {
          for (let i = lane * 50; i < workload.length; i += 150) {
            for (;;) {
              try {
                await applyBatch(store, workload.slice(i, i + 50), { maxAttempts: 1 });
                break;
              } catch {
                failures++;
              }
            }
          }
        }),
      );
      killing = false;
      await killer;
      expect(failures).toBeGreaterThan(0); // the kills did hit batches
      const pool = (await store.em().getConnection().getNativeClient()) as { totalCount: number; idleCount: number };
      expect(pool.idleCount).toBe(pool.totalCount);
      const reference = await openStore({ dbUrl: 'sqlite:///:memory:' });
      await applyBatch(reference, workload.slice(0, 5000));
      expect(await snapshot(store)).toBe(await snapshot(reference));
      await reference.close();
    } finally {
      killing = false;
      await killer;
      await admin.close();
      await store.close();
      await db.drop();
    }
  });
});
