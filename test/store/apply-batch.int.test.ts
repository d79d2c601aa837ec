import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/contract/index.ts';
import { generateEvents, type GenerateOptions } from '../../src/simulate/generate-events.ts';
import { applyBatch, deleteCheckpoint, readCheckpoints, type Store } from '../../src/store/index.ts';
import { findSignals } from '../../src/api/index.ts';
import { DATABASE_KINDS, withTestStore } from '../helpers/databases.ts';
import { applyAll, eventsDigestsOf, recordsOf, shuffled, snapshot, toMessages } from '../helpers/workload.ts';
import { plainFold } from '../oracle/plain-fold.ts';

const count = async (store: Store, table: string) =>
  Number(((await store.em().getConnection().execute(`select count(*) as n from ${table}`)) as { n: number | string }[])[0]?.n);

describe.each(DATABASE_KINDS)('applyBatch on %s', (kind) => {
  const options: GenerateOptions = { signals: 400, duplicates: 0.1, outOfOrder: 0.1, bad: 0.02, seed: 7 };
  const lines = [...generateEvents(options)];
  const workload = toMessages(lines);

  it('records every distinct event once, counts duplicates and dead letters, and matches the test oracle (test/oracle/plain-fold.ts)', async () => {
    await withTestStore(kind, async (store) => {
      const total = await applyAll(store, workload);
      const valid = workload.filter((m) => m.ok);
      const distinct = new Set(valid.map((m) => m.ok && m.event.eventId));
      expect(total.applied).toBe(distinct.size);
      expect(total.duplicates).toBe(valid.length - distinct.size);
      expect(total.deadLetters).toBe(workload.length - valid.length);
      expect(await count(store, 'signal_events')).toBe(distinct.size);

      const bySignal = new Map<string, ReturnType<typeof valid.map>>();
      for (const m of valid) if (m.ok) bySignal.set(m.event.signalId, [...(bySignal.get(m.event.signalId) ?? []), m.event]);
      const stored = await findSignals(store, {}, { limit: 10_000 });
      expect(stored).toHaveLength(bySignal.size);
      const digests = eventsDigestsOf(workload);
      for (const r of stored) {
        const { createdAt: _c, updatedAt: _u, version, eventsDigest, ...facts } = r;
        expect(eventsDigest).toBe(digests.get(r.signalId));
        const expected = plainFold(bySignal.get(r.signalId) as never);
        expect(canonicalJson(facts)).toBe(canonicalJson({ ...expected, signalMetadata: facts.signalMetadata, riskCheckDetails: facts.riskCheckDetails }));
        expect(facts.signalMetadata).toEqual(expected.signalMetadata);
        expect(version).toBe(new Set((bySignal.get(r.signalId) ?? []).map((e) => (e as { eventId: string }).eventId)).size);
      }
    });
  });

  it('the stored records, as snapshot() writes them, are what recordsOf computes with the test oracle (the worker tests expect these)', async () => {
    await withTestStore(kind, async (store) => {
      await applyAll(store, workload);
      expect(await snapshot(store)).toBe(await recordsOf(lines));
    });
  });

  it('a second delivery of the whole stream, shuffled and in other batch sizes, changes nothing', async () => {
    await withTestStore(kind, async (store) => {
      await applyAll(store, workload);
      const before = await snapshot(store);
      const again = await applyAll(store, shuffled(workload, 3), 137);
      expect(again.applied).toBe(0);
      expect(await snapshot(store)).toBe(before);
      expect(await count(store, 'dead_letters')).toBe(new Set(workload.filter((m) => !m.ok).map((m) => !m.ok && `${m.topic}${m.raw}`)).size);
    });
  });

  it('reversed and shuffled deliveries into a fresh database give the same records', async () => {
    const a = await withTestStore(kind, async (store) => (await applyAll(store, workload), snapshot(store)));
    const b = await withTestStore(kind, async (store) => (await applyAll(store, [...workload].reverse(), 1000), snapshot(store)));
    const c = await withTestStore(kind, async (store) => (await applyAll(store, shuffled(workload, 11), 64), snapshot(store)));
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('an event_id reused for different content is a dead letter and changes no signal', async () => {
    await withTestStore(kind, async (store) => {
      const [first] = workload.filter((m) => m.ok);
      if (!first?.ok) throw new Error('no valid message');
      await applyBatch(store, [first]);
      const forged = { ...first, contentHash: 'different', event: { ...first.event, occurredAt: '2030-01-01T00:00:00.000000Z' } };
      const r = await applyBatch(store, [forged]);
      expect(r).toMatchObject({ applied: 0, duplicates: 0, deadLetters: 1 });
      const problems = (await store.em().getConnection().execute('select problems from dead_letters')) as { problems: unknown }[];
      expect(JSON.stringify(problems[0]?.problems)).toMatch(/already recorded with different content/);
    });
  });

  it('keeps decimals exact: 151.10 read back is 151.10', async () => {
    await withTestStore(kind, async (store) => {
      const { toMessages } = await import('../helpers/workload.ts');
      const lines = [
        { topic: 'signals.generated', key: 's', value: { signal_id: 's', occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'x', symbol: 'A', side: 'buy' as const, confidence: 0.9, sharpe_estimate: 2, entry_price: '150.00' } },
        { topic: 'orders.filled', key: 's', value: '{"signal_id": "s", "occurred_at":"2026-01-05T10:00:01.123456Z","order_id":"o","price":151.10,"quantity":"0.000001","leaves_quantity":0, "note": "\\u00e9\\n"}' },
      ];
      await applyBatch(store, toMessages(lines));
      const [r] = await findSignals(store, {}, {});
      expect(r).toMatchObject({ signalPrice: '150.00', executedPrice: '151.10', executedQuantity: '0.000001', slippage: '1.10', executedAt: '2026-01-05T10:00:01.123456Z' });
      const payloads = (await store.em().getConnection().execute(`select payload from signal_events where kind = 'filled'`)) as { payload: string }[];
      expect(payloads[0]?.payload).toBe(lines[1]?.value);
    });
  });

  it('records consumer checkpoints in the batch transaction, never moving one back', async () => {
    await withTestStore(kind, async (store) => {
      const at = (nextOffset: string, partition = 0) => ({ groupId: 'g', topic: 'signals.risk', partition, nextOffset });
      await applyBatch(store, workload.slice(0, 20), { checkpoints: [at('20'), at('7', 1)] });
      await applyBatch(store, workload.slice(0, 5), { checkpoints: [at('5')] });
      await applyBatch(store, [], { checkpoints: [at('9007199254740993', 1)] });
      expect(await readCheckpoints(store, 'g')).toEqual([at('20'), at('9007199254740993', 1)]);
      expect(await readCheckpoints(store, 'other')).toEqual([]);
    });
  });

  it('forgets one partition\'s checkpoint and no other (a topic deleted and made again starts that partition afresh)', async () => {
    await withTestStore(kind, async (store) => {
      const at = (groupId: string, topic: string, partition: number) => ({ groupId, topic, partition, nextOffset: '3' });
      await applyBatch(store, [], { checkpoints: [at('g', 'signals.risk', 0), at('g', 'signals.risk', 1), at('g', 'orders.filled', 0), at('h', 'signals.risk', 0)] });
      await deleteCheckpoint(store, { groupId: 'g', topic: 'signals.risk', partition: 0 });
      expect(await readCheckpoints(store, 'g')).toEqual([at('g', 'orders.filled', 0), at('g', 'signals.risk', 1)]);
      expect(await readCheckpoints(store, 'h')).toEqual([at('h', 'signals.risk', 0)]);
    });
  });
});
