// Found following the worker's memory over 1,000,000 messages (docs/benchmarks.md, "The worker's memory after
// warm-up"): on SQLite its RSS rose by about 0.3 MB/s for as long as it ran, in the writer thread's malloc arena,
// and stayed flat when the thread ran a full GC every 20 batches. Each batch's reads and its begin/commit went
// through Kysely, which prepares every query again, and better-sqlite3 frees a statement's native memory only when
// V8 collects its object: rarely, in a thread whose heap holds steady. The write path now prepares each of its
// statements once per connection and keeps it (bulk-sql.ts, sqliteStatement).
import { describe, expect, it } from 'vitest';
import type { NativeSqlite } from '../../src/store/bulk-sql.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { chunks, parsedWorkload } from '../helpers/workload.ts';

describe('the SQLite write path', () => {
  it('prepares each of its statements once per connection, not once per batch', async () => {
    await withTestStore('sqlite-file', async (store) => {
      const native = (await store.em().getConnection().getNativeClient()) as NativeSqlite;
      const prepare = native.prepare.bind(native);
      const prepared: string[] = [];
      native.prepare = (sql: string) => (prepared.push(sql), prepare(sql));
      // 2,000 signals with redeliveries, late events and dead letters: every statement the apply path has
      const batches = chunks(parsedWorkload({ signals: 2_000, duplicates: 0.1, outOfOrder: 0.05, bad: 0.02, seed: 17 }), 250);
      expect(batches.length).toBeGreaterThan(20);
      for (const batch of batches.slice(0, 10)) await applyBatch(store, batch);
      const afterWarmUp = prepared.length;
      expect(afterWarmUp).toBeGreaterThan(5);
      for (const batch of batches.slice(10)) await applyBatch(store, batch);
      expect(prepared.slice(afterWarmUp)).toEqual([]);
    });
  });
});
