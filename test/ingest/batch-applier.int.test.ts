import { describe, expect, it } from 'vitest';
import { createBatchApplier, MAX_BATCH_TEXT } from '../../src/ingest/index.ts';
import type { ParsedMessage } from '../../src/contract/index.ts';
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

  it('a batch holds at most maxBatchText of message text, or one message larger than that, and ends as one apply does', async () => {
    const expected = await withTestStore(kind, async (store) => (await applyAll(store, workload, 500), snapshot(store)));
    const textOf = (m: (typeof workload)[number]) => (m.ok ? m.payload.length : (m.raw?.length ?? 0));
    const maxBatchText = 3 * Math.max(...workload.map(textOf));
    await withTestStore(kind, async (store) => {
      const results: ApplyResult[] = [];
      const applier = createBatchApplier(store, { concurrency: 1, batchSize: 1000, maxBatchText, onApplied: (r) => results.push(r) });
      await applier.submit(workload);
      await applier.drain();
      // one lane, in order: the batches are consecutive runs of the input, each cut where the next message would not fit
      let at = 0;
      for (const r of results) {
        const batch = workload.slice(at, at + r.received);
        at += r.received;
        const text = batch.reduce((n, m) => n + textOf(m), 0);
        expect(text).toBeLessThanOrEqual(maxBatchText);
        const next = workload[at];
        if (next !== undefined) expect(text + textOf(next)).toBeGreaterThan(maxBatchText);
      }
      expect(at).toBe(workload.length);
      expect(await snapshot(store)).toBe(expected);
    });
  });
});

describe('the batch applier\'s text bound', () => {
  const [m] = parsedWorkload({ signals: 1, duplicates: 0, outOfOrder: 0, bad: 0, seed: 5 });
  if (m === undefined || !m.ok) throw new Error('the workload begins with an event');
  const sized = (id: string, text: number) => ({ ...m, event: { ...m.event, eventId: id }, payload: 'x'.repeat(text) });

  it.each([
    { texts: [10, 10], max: 20, batches: [2] },
    { texts: [10, 11], max: 20, batches: [1, 1] },
    { texts: [25, 1], max: 20, batches: [1, 1] },
    { texts: [1, 25, 1], max: 20, batches: [1, 1, 1] },
    { texts: [MAX_BATCH_TEXT - 1, 1, 1], max: undefined, batches: [2, 1] },
  ])('texts $texts under a bound of $max go in batches of $batches', async ({ texts, max, batches }) => {
    await withTestStore('sqlite-memory', async (store) => {
      const received: number[] = [];
      const applier = createBatchApplier(store, { batchSize: 1000, maxBatchText: max, onApplied: (r) => received.push(r.received) });
      await applier.submit(texts.map((t, i) => sized(`e-${i}`, t)));
      await applier.drain();
      expect(received).toEqual(batches);
    });
  });

  it('a dead letter without its raw text counts no text', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      const received: number[] = [];
      const applier = createBatchApplier(store, { batchSize: 1000, maxBatchText: 10, onApplied: (r) => received.push(r.received) });
      const dead: ParsedMessage = { ok: false, problems: [{ path: '$', message: 'unreadable' }], raw: null, topic: 'signals.generated', key: null, source: { type: 'file', file: 'f', line: 1, topic: 'signals.generated', key: null }, eventId: null, signalId: null };
      await applier.submit([dead, sized('e-0', 10)]);
      await applier.drain();
      expect(received).toEqual([2]);
    });
  });

  it('on PostgreSQL the two lanes share MAX_BATCH_TEXT: a lane cuts its batch at half of it', async () => {
    await withTestStore('postgresql', async (store) => {
      const received: number[] = [];
      const applier = createBatchApplier(store, { batchSize: 1000, onApplied: (r) => received.push(r.received) });
      // one signal, so one lane
      await applier.submit([sized('e-0', MAX_BATCH_TEXT / 2 - 1), sized('e-1', 1), sized('e-2', 1)]);
      await applier.drain();
      expect(received).toEqual([2, 1]);
    });
  });

  it('MAX_BATCH_TEXT is 4 Mi characters, as docs/commands.md says', () => {
    expect(MAX_BATCH_TEXT).toBe(4 * 1_048_576);
  });
});
