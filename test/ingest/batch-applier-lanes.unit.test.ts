// Which lane the batch applier gives a message (src/ingest/batch-applier.ts), and how a failed batch stops it, seen
// from the batches it hands to applyBatch: applyBatch is replaced here by one that records each batch and its lane
// (the rollup slot the applier passes) and finishes or fails only when the test says so, so that a batch can be held
// "being applied" while later messages are submitted. The outcomes of the rule on real databases are pinned by
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
  fail: (error: Error) => void;
}
const handed: Handed[] = [];

vi.mock('../../src/store/index.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/store/index.ts')>()),
  applyBatch: (_store: Store, batch: readonly ParsedMessage[], options: ApplyOptions) =>
    new Promise((resolve, reject) =>
      handed.push({ ids: batch.map((m) => (m.ok ? `${m.event.signalId}/${m.event.eventId}` : '?')), lane: options.rollupSlot, finish: () => resolve({}), fail: reject }),
    ),
}));

const store = { dialect: 'postgresql' } as Store;
const message = (signalId: string, eventId: string): ParsedMessage =>
  toMessages([{ topic: 'orders.submitted', key: signalId, value: { signal_id: signalId, occurred_at: '2026-01-05T10:00:00Z', event_id: eventId, order_id: 'o-1' } }])[0] as ParsedMessage;
beforeEach(() => {
  handed.length = 0;
});

/** lets every promise that can settle settle, and the applier act on it */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** the lane the applier gives each signal by itself, as seen from the batches it hands over (a fresh applier, batches of one) */
async function lanesOf(signalIds: readonly string[]): Promise<Map<string, number | undefined>> {
  const applier = createBatchApplier(store, { concurrency: 2, batchSize: 1 });
  const lanes = new Map<string, number | undefined>();
  for (const [i, signalId] of signalIds.entries()) {
    await applier.submit([message(signalId, `probe-${i}`)]);
    const batch = handed.at(-1) as Handed;
    batch.finish();
    await settle();
    lanes.set(signalId, batch.lane);
  }
  await applier.drain();
  handed.length = 0;
  return lanes;
}

/** two signals the applier puts in different lanes */
async function twoSignalsApart(): Promise<[{ signalId: string; lane: number | undefined }, { signalId: string; lane: number | undefined }]> {
  const lanes = await lanesOf(Array.from({ length: 50 }, (_, i) => `sig-${i}`));
  const first = lanes.get('sig-0');
  const other = [...lanes].find(([, lane]) => lane !== first);
  if (other === undefined) throw new Error('no signal in the second lane among 50');
  return [
    { signalId: 'sig-0', lane: first },
    { signalId: other[0], lane: other[1] },
  ];
}

describe('the batch applier routes a message by its event id while a batch carries that id, else by its signal', () => {
  it('to the lane whose batch is being applied with that id, after it; by its own signal again once no batch carries it', async () => {
    const [a, other] = await twoSignalsApart();
    const applier = createBatchApplier(store, { concurrency: 2, batchSize: 1 });

    // a's ev-5 is being applied in its lane; the other signal's message with ev-5 must wait behind it there
    await applier.submit([message(a.signalId, 'ev-5')]);
    expect(handed).toHaveLength(1);
    const reuse = applier.submit([message(other.signalId, 'ev-5')]);
    await settle();
    expect(handed, 'handed over beside the batch that carries its id').toHaveLength(1);
    (handed[0] as Handed).finish();
    await reuse;
    expect(handed).toHaveLength(2);
    expect(handed[1]).toMatchObject({ ids: [`${other.signalId}/ev-5`], lane: a.lane });

    // once that batch is applied too, no batch carries ev-5: the next such message goes by its signal
    (handed[1] as Handed).finish();
    await settle();
    await applier.submit([message(other.signalId, 'ev-5')]);
    expect(handed[2]).toMatchObject({ ids: [`${other.signalId}/ev-5`], lane: other.lane });
    (handed[2] as Handed).finish();
    await applier.drain();
  });

  it('to the lane where a message with that id is still queued', async () => {
    const [a, other] = await twoSignalsApart();
    const applier = createBatchApplier(store, { concurrency: 2, batchSize: 3 });
    await applier.submit([message(a.signalId, 'ev-5'), message(other.signalId, 'ev-5'), message(other.signalId, 'ev-6'), message(a.signalId, 'ev-6')]);
    await drained(applier);
    // each id's messages are in one batch, in the order they came
    const carrying = (id: string) => handed.filter((b) => b.ids.some((x) => x.endsWith(`/${id}`))).map((b) => b.ids.filter((x) => x.endsWith(`/${id}`)));
    expect(carrying('ev-5')).toEqual([[`${a.signalId}/ev-5`, `${other.signalId}/ev-5`]]);
    expect(carrying('ev-6')).toEqual([[`${other.signalId}/ev-6`, `${a.signalId}/ev-6`]]);
  });

  it('to the lane of a message that went into a new batch because the last one was full of text', async () => {
    const [a, other] = await twoSignalsApart();
    const first = message(a.signalId, 'ev-5');
    const maxBatchText = (first.ok ? first.payload.length : 0) + 1;
    const applier = createBatchApplier(store, { concurrency: 2, batchSize: 100, maxBatchText });
    // ev-7 does not fit beside ev-5: ev-5's batch starts, and ev-7 is queued in a new one
    await applier.submit([first, message(a.signalId, 'ev-7')]);
    expect(handed.map((b) => b.ids)).toEqual([[`${a.signalId}/ev-5`]]);
    (handed[0] as Handed).finish();
    await settle();
    // ev-5's batch is done; ev-7 is still queued in a's lane, so the other signal's ev-7 goes there, after it
    await applier.submit([message(other.signalId, 'ev-7')]);
    await drained(applier);
    // (each of the two is a batch of its own here, the text bound being about one message)
    const carrying = handed.filter((b) => b.ids.some((x) => x.endsWith('/ev-7')));
    expect(carrying.map((b) => ({ ids: b.ids, lane: b.lane }))).toEqual([
      { ids: [`${a.signalId}/ev-7`], lane: a.lane },
      { ids: [`${other.signalId}/ev-7`], lane: a.lane },
    ]);
  });
});

describe('the batch applier after a batch fails', () => {
  it('rejects the drain with that failure, and every call after it', async () => {
    const applier = createBatchApplier(store, { concurrency: 2, batchSize: 1 });
    await applier.submit([message('sig-a', 'ev-1')]);
    const refused = new Error('the database refused the batch');
    (handed[0] as Handed).fail(refused);
    await settle();
    await expect(applier.drain()).rejects.toBe(refused);
    await expect(applier.submit([message('sig-b', 'ev-2')])).rejects.toBe(refused);
    expect(handed, 'nothing handed over after the failure').toHaveLength(1);
  });

  it('rejects the submit that would start that lane\'s next batch', async () => {
    const applier = createBatchApplier(store, { concurrency: 1, batchSize: 1 });
    await applier.submit([message('sig-a', 'ev-1')]);
    const next = applier.submit([message('sig-a', 'ev-2')]);
    const refused = new Error('the database refused the batch');
    (handed[0] as Handed).fail(refused);
    await expect(next).rejects.toBe(refused);
    expect(handed).toHaveLength(1);
  });
});

/** drains the applier, finishing every batch it hands over meanwhile */
async function drained(applier: ReturnType<typeof createBatchApplier>): Promise<void> {
  let done = false;
  const draining = applier.drain().then(() => (done = true));
  while (!done) {
    for (const batch of handed) batch.finish();
    await settle();
  }
  await draining;
}
