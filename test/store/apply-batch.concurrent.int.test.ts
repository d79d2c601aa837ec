import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { findSignals } from '../../src/api/index.ts';
import { createTestDatabase, withTestStore } from '../helpers/databases.ts';
import { applyAll, parsedWorkload, shuffled, snapshot } from '../helpers/workload.ts';

describe('two appliers at once on PostgreSQL', () => {
  it('two concurrent ingests of overlapping shuffled streams end identical to one ingest, each event applied once', async () => {
    const workload = parsedWorkload({ signals: 600, duplicates: 0.1, outOfOrder: 0.1, bad: 0.01, seed: 21 });
    const expected = await withTestStore('postgresql', async (store) => (await applyAll(store, workload, 500), snapshot(store)));
    const expectedStats = await withTestStore('postgresql', async (store) => (await applyAll(store, workload, 500), Analytics.fromStore(store).getStrategyAttribution()));

    // Overlap: each applier gets about two thirds of the stream, shuffled differently; together all of it.
    const third = Math.ceil(workload.length / 3);
    const a = shuffled(workload.slice(0, 2 * third), 1);
    const b = shuffled([...workload.slice(third), ...workload.slice(0, third / 2)], 2);
    const db = await createTestDatabase('postgresql');
    const [s1, s2] = [await openStore({ dbUrl: db.url }), await openStore({ dbUrl: db.url })];
    try {
      const [r1, r2] = await Promise.all([applyAll(s1, a, 200), applyAll(s2, b, 150)]);
      const distinct = new Set(workload.flatMap((m) => (m.ok ? [m.event.eventId] : [])));
      expect(r1.applied + r2.applied).toBe(distinct.size);
      expect(await snapshot(s1)).toBe(expected);
      // the rollups, written by both at once, count every signal once
      expect(await Analytics.fromStore(s1).getStrategyAttribution()).toEqual(expectedStats);
      const rows = (await s1.em().getConnection().execute('select count(*) as n from signal_events')) as { n: string }[];
      expect(Number(rows[0]?.n)).toBe(distinct.size);
    } finally {
      await s1.close();
      await s2.close();
      await db.drop();
    }
  });

  it('four appliers hammering the same few signals lose no fill', async () => {
    const { toMessages } = await import('../helpers/workload.ts');
    const lines = [];
    for (let s = 0; s < 10; s++) {
      const id = `hot-${s}`;
      lines.push({ topic: 'signals.generated', key: id, value: { signal_id: id, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'x', symbol: 'A', side: 'buy' as const, confidence: 0.5, sharpe_estimate: 1, entry_price: 100, requested_quantity: 100000 } });
      for (let f = 0; f < 60; f++) {
        lines.push({ topic: 'orders.filled', key: id, value: { signal_id: id, occurred_at: `2026-01-05T10:01:${String(f).padStart(2, '0')}Z`, order_id: 'o', fill_id: `f${f}`, price: 100 + f, quantity: 1 } });
      }
    }
    const messages = shuffled(toMessages(lines), 5);
    const db = await createTestDatabase('postgresql');
    const stores = await Promise.all([0, 1, 2, 3].map(() => openStore({ dbUrl: db.url })));
    try {
      await Promise.all(stores.map((store, i) => applyAll(store, shuffled(messages, 100 + i), 7)));
      const records = await findSignals(stores[0] as Store, {}, { limit: 100 });
      expect(records).toHaveLength(10);
      for (const r of records) expect({ id: r.signalId, qty: r.executedQuantity, version: r.version }).toEqual({ id: r.signalId, qty: '60', version: 61 });
      // every applier added to the same rollup row: no addition lost
      const [x] = await Analytics.fromStore(stores[0] as Store).getStrategyAttribution();
      expect({ signals: x?.signals, executedQuantity: x?.executedQuantity }).toEqual({ signals: 10, executedQuantity: '600' });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });

  it('two processes opening a new database at once both succeed and migrate it once', async () => {
    const db = await createTestDatabase('postgresql');
    try {
      const stores = await Promise.all([openStore({ dbUrl: db.url }), openStore({ dbUrl: db.url }), openStore({ dbUrl: db.url })]);
      const rows = (await stores[0]?.em().getConnection().execute('select count(*) as n from mikro_orm_migrations')) as { n: string }[];
      const { MIGRATIONS } = await import('../../src/store/migrations/index.ts');
      expect(Number(rows[0]?.n)).toBe(MIGRATIONS.length);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await db.drop();
    }
  });
});
