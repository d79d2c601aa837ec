// The consumer's eachBatch (src/worker/batch-intake.ts) on plain batches: what it buffers, resolves, pauses
// and commits, against the store's floor and a bounded run's end.
import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createBatchIntake } from '../../src/worker/batch-intake.ts';
import { PartitionBuffers } from '../../src/worker/partition-buffers.ts';

const message = (offset: number): KafkaMessage => ({ offset: String(offset), key: null, value: Buffer.from('{}'), timestamp: String(1_000 + offset), attributes: 0, headers: {} }) as KafkaMessage;

function harness(options: { floor?: bigint; end?: bigint; maxBatch?: number } = {}) {
  const buffers = new PartitionBuffers(options.maxBatch ?? 100);
  const commits: unknown[] = [];
  const passed: string[] = [];
  let wakes = 0;
  const eachBatch = createBatchIntake({
    buffers,
    floor: () => options.floor,
    end: () => options.end,
    commit: async (offsets) => void commits.push(...offsets),
    wake: () => wakes++,
    passed: (key) => void passed.push(key),
    log: pino({ level: 'silent' }),
  });
  const deliver = async (offsets: number[]) => {
    const resolved: string[] = [];
    let paused = 0;
    const messages = offsets.map(message);
    const batch = { topic: 'signals.risk', partition: 0, highWatermark: '1000', messages, firstOffset: () => messages[0]?.offset ?? null, lastOffset: () => messages.at(-1)?.offset ?? '-1' };
    await eachBatch({ batch: batch as never, resolveOffset: (o: string) => void resolved.push(o), pause: () => (paused++, () => {}) });
    return { resolved, paused };
  };
  return { buffers, deliver, commits, passed, wakes: () => wakes };
}

describe('createBatchIntake: eachBatch', () => {
  it('buffers a batch above the floor, resolves its last offset and wakes the applier; commits nothing itself', async () => {
    const h = harness();
    const { resolved, paused } = await h.deliver([0, 1, 2]);
    expect(resolved).toEqual(['2']);
    expect(paused).toBe(0);
    expect(h.buffers.holdsMessages).toBe(true);
    expect(h.commits).toEqual([]);
    expect(h.wakes()).toBe(1);
  });

  it('a whole batch below the store’s floor (stored, but its offsets never committed) moves the group’s offset up to the floor', async () => {
    const h = harness({ floor: 10n });
    const { resolved } = await h.deliver([3, 4, 5]);
    expect(resolved).toEqual(['5']);
    expect(h.buffers.holdsMessages).toBe(false);
    expect(h.commits).toEqual([{ topic: 'signals.risk', partition: 0, offset: '10' }]);
  });

  it('a batch that reaches the floor only in part buffers the rest and commits nothing', async () => {
    const h = harness({ floor: 2n });
    await h.deliver([0, 1, 2, 3]);
    expect(h.commits).toEqual([]);
    expect(h.buffers.holdsMessages).toBe(true);
  });

  it('a partition that reaches its cap (an eighth of a slice) is paused', async () => {
    const h = harness({ maxBatch: 24 });
    const { paused } = await h.deliver([0, 1, 2]);
    expect(paused).toBe(1);
  });

  it('a bounded run buffers nothing at or past its end offset', async () => {
    const h = harness({ end: 2n });
    await h.deliver([0, 1, 2, 3]);
    const slice = h.buffers.nextSlice('forced', new Set());
    expect(slice?.parts.map((p) => p.count)).toEqual([2]);
    expect(h.passed).toEqual([]);
    // a batch wholly past the end buffers nothing: the partition is passed to its end (a replay checks whether it is done)
    await h.deliver([4, 5]);
    expect(h.passed).toEqual(['signals.risk:0']);
  });

  it('an empty batch does nothing', async () => {
    const h = harness();
    const { resolved } = await h.deliver([]);
    expect(resolved).toEqual([]);
    expect(h.wakes()).toBe(0);
  });
});
