// Which lane the batch applier gives a message (src/ingest/batch-applier.ts), seen from the batches it hands to
// applyBatch: applyBatch is replaced here by one that records each batch and its lane (the rollup slot the applier
// passes) and finishes only when the test says so, so that a batch can be held "being applied" while later messages
// are submitted. The outcomes of the rule on real databases are pinned by
// test/regressions/event-id-reused-across-signals-raced-in-ingest-lanes.int.test.ts.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ParsedMessage } from '../../src/contract/index.ts';
import { createBatchApplier } from '../../src/ingest/index.ts';
import type { ApplyOptions, Store } from '../../src/store/index.ts';
import { toMessages } from '../helpers/workload.ts';

interface Handed {
  ids: string[];
  lane: number | undefined;
  finish: () => void;
}
const handed: Handed[] = [];

vi.mock('../../src/store/index.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/store/index.ts')>()),
  applyBatch: (_store: Store, batch: readonly ParsedMessage[], options: ApplyOptions) =>
    new Promise((resolve) => handed.push({ ids: batch.map((m) => (m.ok ? `${m.event.signalId}/${m.event.eventId}` : '?')), lane: options.rollupSlot, finish: () => resolve({}) })),
}));

const store = { dialect: 'postgresql' } as Store;
const message = (signalId: string, eventId: string): ParsedMessage =>
  toMessages([{ topic: 'orders.submitted', key: signalId, value: { signal_id: signalId, occurred_at: '2026-01-05T10:00:00Z', event_id: eventId, order_id: 'o-1' } }])[0] as ParsedMessage;
/** lets every promise that can settle settle, and the applier act on it */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the batch applier routes a message by its event id while a batch carries that id, else by its signal', () => {
  beforeEach(() => {
    handed.length = 0;
  });

  it('to the lane whose batch is being applied with that id, after it; by its own signal again once no batch carries it', async () => {
    const applier = createBatchApplier(store, { concurrency: 2, batchSize: 1 });
    // two signals in different lanes, found through the batches the applier hands over
    const laneOf = async (signalId: string, probe: number) => {
      await applier.submit([message(signalId, `probe-${probe}`)]);
      const batch = handed.at(-1) as Handed;
      batch.finish();
      await settle();
      return batch.lane;
    };
    const laneA = await laneOf('sig-a', 0);
    let other: { signalId: string; lane: number | undefined } | undefined;
    for (let i = 1; other === undefined && i < 50; i++) {
      const lane = await laneOf(`sig-${i}`, i);
      if (lane !== laneA) other = { signalId: `sig-${i}`, lane };
    }
    if (other === undefined) throw new Error('no signal in the second lane among 50');
    const before = handed.length;

    // sig-a's ev-5 is being applied in its lane; the other signal's message with ev-5 must wait behind it there
    await applier.submit([message('sig-a', 'ev-5')]);
    expect(handed).toHaveLength(before + 1);
    const reuse = applier.submit([message(other.signalId, 'ev-5')]);
    await settle();
    expect(handed, 'handed over beside the batch that carries its id').toHaveLength(before + 1);
    (handed[before] as Handed).finish();
    await reuse;
    expect(handed).toHaveLength(before + 2);
    expect(handed[before + 1]).toMatchObject({ ids: [`${other.signalId}/ev-5`], lane: laneA });

    // once that batch is applied too, no batch carries ev-5: the next such message goes by its signal
    (handed[before + 1] as Handed).finish();
    await settle();
    await applier.submit([message(other.signalId, 'ev-5')]);
    expect(handed[before + 2]).toMatchObject({ ids: [`${other.signalId}/ev-5`], lane: other.lane });
    (handed[before + 2] as Handed).finish();
    await applier.drain();
  });

  it('to the lane where a message with that id is still queued', async () => {
    const applier = createBatchApplier(store, { concurrency: 2, batchSize: 3 });
    await applier.submit([message('sig-a', 'ev-5'), message('sig-d', 'ev-5'), message('sig-b', 'ev-6'), message('sig-c', 'ev-6')]);
    let drained = false;
    const draining = applier.drain().then(() => (drained = true));
    while (!drained) {
      for (const batch of handed) batch.finish();
      await settle();
    }
    await draining;
    // each id's messages are in one batch, in the order they came
    const batchOf = (id: string) => handed.filter((b) => b.ids.some((x) => x.endsWith(`/${id}`)));
    expect(batchOf('ev-5').map((b) => b.ids.filter((x) => x.endsWith('/ev-5')))).toEqual([['sig-a/ev-5', 'sig-d/ev-5']]);
    expect(batchOf('ev-6').map((b) => b.ids.filter((x) => x.endsWith('/ev-6')))).toEqual([['sig-b/ev-6', 'sig-c/ev-6']]);
  });
});
