import { describe, expect, it } from 'vitest';
import { createBatchApplier } from '../../src/ingest/index.ts';
import type { ApplyResult } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { applyAll, chunks, parsedWorkload, shuffled, snapshot } from '../helpers/workload.ts';

describe.each(['postgresql', 'sqlite-file'] as const)('the batch applier on %s', (kind) => {
  const workload = parsedWorkload({ signals: 300, duplicates: 0.15, outOfOrder: 0.2, bad: 0.02, seed: 31 });

  it('three lanes of small batches end identical to one sequential apply, each event applied once', async () => {
    const expected = await withTestStore(kind, async (store) => (await applyAll(store, workload, 500), snapshot(store)));
    await withTestStore(kind, async (store) => {
      const results: ApplyResult[] = [];
      const applier = createBatchApplier(store, { concurrency: 3, batchSize: 40, onApplied: (r) => results.push(r) });
      for (const part of chunks(shuffled(workload, 4), 97)) await applier.submit(part);
      await applier.drain();
      const distinct = new Set(workload.flatMap((m) => (m.ok ? [m.event.eventId] : [])));
      expect(results.reduce((n, r) => n + r.applied, 0)).toBe(distinct.size);
      expect(results.reduce((n, r) => n + r.received, 0)).toBe(workload.length);
      expect(Math.max(...results.map((r) => r.received))).toBeLessThanOrEqual(40);
      expect(await snapshot(store)).toBe(expected);
    });
  });
});
