// Regression: the analytics property test reuses one store per database and emptied them between runs with
// `delete from`. When a run failed on SQLite before PostgreSQL had applied its batches, the id counters were
// left apart, so every later run failed on the dead letters' ids, and fast-check reported that later, different
// failure instead of the real one. emptyStore now starts the ids again on both databases.
import { afterAll, describe, expect, it } from 'vitest';
import { applyBatch, openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, emptyStore, type TestDatabase } from '../helpers/databases.ts';
import { toMessages } from '../helpers/workload.ts';

const badLines = [
  { topic: 'signals.generated', key: 'a', value: 'not json' },
  { topic: 'signals.risk', key: 'b', value: '{"signal_id":"b"}' },
];
const opened: { db: TestDatabase; store: Store }[] = [];
afterAll(async () => {
  for (const { db, store } of opened) {
    await store.close();
    await db.drop();
  }
});

describe('a store emptied between property runs', () => {
  it('gives the same dead-letter ids on SQLite and PostgreSQL after a run that wrote to only one of them', async () => {
    for (const kind of ['sqlite-memory', 'postgresql'] as const) {
      const db = await createTestDatabase(kind);
      opened.push({ db, store: await openStore({ dbUrl: db.url }) });
    }
    const [sqlite, postgres] = opened.map((o) => o.store) as [Store, Store];
    // the failed run: PostgreSQL took its batch, SQLite never got there
    await applyBatch(postgres, toMessages(badLines));
    const ids: number[][] = [];
    for (const store of [sqlite, postgres]) {
      await emptyStore(store);
      await applyBatch(store, toMessages(badLines));
      const rows = await store.em().getConnection().execute<{ id: number | string }[]>('select "id" from "dead_letters" order by "id"');
      ids.push(rows.map((r) => Number(r.id)));
    }
    expect(ids[0]).toEqual([1, 2]);
    expect(ids[1]).toEqual(ids[0]);
  });
});
