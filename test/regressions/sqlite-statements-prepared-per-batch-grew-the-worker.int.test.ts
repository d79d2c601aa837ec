// Found following the worker's memory over 1,000,000 messages (docs/benchmarks.md, "The worker's memory after
// warm-up"): on SQLite its RSS rose for as long as it ran, in the writer thread's malloc arena, and stayed flat when
// that thread ran a full GC every 20 batches. Each batch prepared its statements again (its reads through Kysely,
// which prepares every query it runs; its begin and commit by apply-batch.ts itself), and better-sqlite3 frees a
// statement's native memory only when V8 collects its object: seldom, in a thread whose heap holds steady. The
// write path now prepares each of its statements once per connection and keeps it (bulk-sql.ts, keptStatement).
import { describe, expect, it } from 'vitest';
import { type ParsedMessage, parseMessage } from '../../src/contract/index.ts';
import type { NativeSqlite } from '../../src/store/bulk-sql.ts';
import { applyBatch } from '../../src/store/index.ts';
import { refusePoisonRows, withTestStore } from '../helpers/databases.ts';
import { chunks, parsedWorkload } from '../helpers/workload.ts';

/** A generated event for a signal whose row the database refuses (refusePoisonRows): its batch rolls back and is split. */
const poison = (n: number): ParsedMessage =>
  parseMessage({
    topic: 'signals.generated',
    value: JSON.stringify({ signal_id: `poison-${n}`, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1 }),
    source: { type: 'kafka', topic: 'signals.generated', partition: 0, offset: String(n), key: `poison-${n}` },
  });

describe('the SQLite write path', () => {
  it('prepares each of its statements once per connection, not once per batch: after warm-up, batches prepare none', async () => {
    await withTestStore('sqlite-file', async (store) => {
      await refusePoisonRows(store);
      const native = (await store.em().getConnection().getNativeClient()) as NativeSqlite;
      const prepare = native.prepare.bind(native);
      const prepared: string[] = [];
      native.prepare = (sql: string) => (prepared.push(sql), prepare(sql));
      // redeliveries, late events (a stored signal's row rewritten) and dead letters, and a batch the database refuses
      const batches = chunks(parsedWorkload({ signals: 2_000, duplicates: 0.1, outOfOrder: 0.05, bad: 0.02, seed: 17 }), 250);
      expect(batches.length).toBeGreaterThan(20);
      const warmUp = batches.slice(0, 10);
      warmUp[5] = [...(warmUp[5] ?? []), poison(1)];
      for (const batch of warmUp) await applyBatch(store, batch);

      expect(new Set(prepared).size).toBe(prepared.length);
      for (const sql of ['begin immediate', 'commit', 'rollback']) expect(prepared).toContain(sql);
      expect(prepared.filter((sql) => sql.startsWith('select')).length).toBeGreaterThanOrEqual(4);
      expect(prepared.filter((sql) => sql.startsWith('insert')).length).toBeGreaterThanOrEqual(6);

      const afterWarmUp = prepared.length;
      const rest = batches.slice(10);
      rest[3] = [...(rest[3] ?? []), poison(2)];
      for (const batch of rest) await applyBatch(store, batch);
      expect(prepared.slice(afterWarmUp)).toEqual([]);
    });
  });
});
