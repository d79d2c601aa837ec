// Found reading the worker benchmark's figures: freshDatabase's `drop` left a SQLite file in place, and
// bench:worker names every worker run's store `worker_sqlite`, so each SQLite run after the first (the `batch`
// part's three sizes) consumed into a store that held every event already: a replay, at about twice the speed,
// reported as the speed of applying. A PostgreSQL database was dropped; a SQLite file now is too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withFreshStore } from '../../scripts/bench-common.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'signal-ledger-bench-fresh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const marked = (store: Parameters<Parameters<typeof withFreshStore>[3]>[0]) =>
  store.em().getConnection().execute<{ n: number }[]>(`select count(*) as n from sqlite_master where name = 'marker'`);

describe('a benchmark store under a name used before', () => {
  it('is empty: what the earlier measurement wrote under that name is gone', async () => {
    await withFreshStore('sqlite', dir, 'same_name', async (store) => {
      await store.em().getConnection().execute('create table marker (x integer)');
      expect(Number((await marked(store))[0]?.n)).toBe(1);
    });
    await withFreshStore('sqlite', dir, 'same_name', async (store) => {
      expect(Number((await marked(store))[0]?.n)).toBe(0);
    });
  });
});
