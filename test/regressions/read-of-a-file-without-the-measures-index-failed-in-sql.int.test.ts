// Found in review of 4f29908: every SQLite percentile query names signals_measures_idx (`indexed by`), but a read-only
// open let a file made before that index existed through ("a missing index only slows a read down"), so its first
// percentile query failed with SQLite's "no such index" instead of the one line that says to run migrate.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import { applyBatch, openStore } from '../../src/store/index.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { parsedWorkload } from '../helpers/workload.ts';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('a SQLite file without the index its percentile queries name, opened to read', () => {
  it('is refused with the migrate hint and left as it was; once opened to write, its percentiles answer as before', async () => {
    const db = await createTestDatabase('sqlite-file');
    const file = db.url.slice('sqlite:///'.length);
    try {
      const store = await openStore({ dbUrl: db.url });
      await applyBatch(store, parsedWorkload({ signals: 60, seed: 4, spacingMs: 3_600_000 }));
      const expected = await Analytics.fromStore(store).getSlippageDistribution();
      expect(expected.length).toBeGreaterThan(0);
      await store.em().getConnection().execute('drop index "signals_measures_idx"');
      await store.close();
      const before = sha(file);
      await expect(openStore({ dbUrl: db.url, access: 'read' })).rejects.toThrow(/was written by an older signal-ledger \(no signals_measures_idx\); run signal-ledger migrate on it/);
      expect(sha(file)).toBe(before);
      const upgraded = await openStore({ dbUrl: db.url });
      await upgraded.close();
      const reader = await openStore({ dbUrl: db.url, access: 'read' });
      try {
        expect(await Analytics.fromStore(reader).getSlippageDistribution()).toEqual(expected);
      } finally {
        await reader.close();
      }
    } finally {
      await db.drop();
    }
  });
});
