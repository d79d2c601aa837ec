// applyBatch at its edges, on both databases where both apply: the batch size limit (5,000 messages, not
// one more), SQLite's one writer taking batches called side by side in turn, the rollup copy a batch adds
// to on PostgreSQL (its rollupSlot, else its first checkpoint's partition, modulo 8; SQLite has one), the
// rejections of a batch in batch order whatever found them, the signals a batch changed (created and
// rewritten), and the audit entry's status before a later batch's event (the stored record's).
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import { findAuditTrail } from '../../src/api/index.ts';
import { parseMessage, type ParsedMessage } from '../../src/contract/index.ts';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

let line = 0;
const message = (topic: string, value: Record<string, unknown>): ParsedMessage =>
  parseMessage({ topic, key: null, value: JSON.stringify(value), source: { type: 'file', file: 'edges', line: ++line, topic, key: null } });
const generated = (signalId: string, extra: Record<string, unknown> = {}) =>
  message('signals.generated', { signal_id: signalId, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1, ...extra });
const risk = (signalId: string, extra: Record<string, unknown> = {}) => message('signals.risk', { signal_id: signalId, occurred_at: '2026-01-05T10:00:01Z', passed: true, ...extra });

const rollupSlots = async (store: Store) =>
  (await store.em().getConnection().execute<{ slot: number }[]>('select distinct "slot" from "signal_rollups" order by "slot"')).map((r) => Number(r.slot));

describe('applyBatch edges', () => {
  it('takes 5,000 messages in one batch and refuses 5,001 with LIMIT_EXCEEDED, writing nothing', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      const batch = Array.from({ length: 5_000 }, (_, i) => generated(`s${i}`));
      expect((await applyBatch(store, batch)).applied).toBe(5_000);
      const error = await applyBatch(store, [...batch, generated('one-more')]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.LimitExceeded, message: 'applyBatch: 5001 messages in one batch; the limit is 5000' });
      const [row] = await store.em().getConnection().execute<{ n: number }[]>('select count(*) as "n" from "signals"');
      expect(Number(row?.n)).toBe(5_000);
    });
  });

  it('on SQLite, batches called side by side on one store run one after another, and all of them land', async () => {
    await withTestStore('sqlite-file', async (store) => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, b) => applyBatch(store, Array.from({ length: 20 }, (_, i) => generated(`b${b}-${i}`)))));
      expect(results.map((r) => r.applied)).toEqual([20, 20, 20, 20, 20, 20]);
      const [row] = await store.em().getConnection().execute<{ n: number }[]>('select count(*) as "n" from "signals"');
      expect(Number(row?.n)).toBe(120);
    });
  });

  it('on PostgreSQL, a batch adds to the rollup copy of its rollupSlot, else of its first checkpoint partition, modulo 8; else copy 0', async () => {
    for (const [options, slot] of [
      [{ rollupSlot: 11 }, 3],
      [{ rollupSlot: 2, checkpoints: [{ groupId: 'g', topic: 't', partition: 5, nextOffset: '1' }] }, 2],
      [{ checkpoints: [{ groupId: 'g', topic: 't', partition: 13, nextOffset: '1' }] }, 5],
      [{}, 0],
    ] as const) {
      await withTestStore('postgresql', async (store) => {
        await applyBatch(store, [generated('a')], options);
        expect(await rollupSlots(store), JSON.stringify(options)).toEqual([slot]);
      });
    }
  });

  it('on SQLite, every batch adds to the one rollup copy', async () => {
    await withTestStore('sqlite-file', async (store) => {
      await applyBatch(store, [generated('a')], { rollupSlot: 3 });
      await applyBatch(store, [generated('b')], { checkpoints: [{ groupId: 'g', topic: 't', partition: 6, nextOffset: '1' }] });
      expect(await rollupSlots(store)).toEqual([0]);
    });
  });

  for (const kind of ['sqlite-file', 'postgresql'] as const) {
    it(`on ${kind}: rejections come in batch order, however each was found (a forged event_id before a message the contract refuses)`, async () => {
      await withTestStore(kind, async (store) => {
        await applyBatch(store, [generated('owner', { event_id: 'E1' })]);
        const result = await applyBatch(store, [generated('thief', { event_id: 'E1' }), message('signals.risk', { signal_id: 'x' }), generated('fine')]);
        expect(result.outcomes).toEqual(['dead-letter', 'dead-letter', 'applied']);
        expect(result.rejections.map((r) => [r.at, r.problems[0]?.path])).toEqual([
          [0, '$.event_id'],
          [1, '$.occurred_at'],
        ]);
      });
    });

    it(`on ${kind}: signalsChanged counts the signals created and those rewritten; a later event's audit entry starts from the stored status`, async () => {
      await withTestStore(kind, async (store) => {
        await applyBatch(store, [generated('a')]);
        const result = await applyBatch(store, [risk('a'), generated('b')]);
        expect(result).toMatchObject({ applied: 2, signalsChanged: 2, signalIds: ['a', 'b'] });
        const trail = await findAuditTrail(store, 'a');
        expect(trail.map((e) => [e.kind, e.statusBefore, e.statusAfter])).toEqual([
          ['generated', null, 'generated'],
          ['risk', 'generated', 'passed_risk'],
        ]);
      });
    });
  }
});
