import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignedSlice, type SliceSource, watermarkSetter } from '../../src/worker/aligned-slices.ts';

/** A partition's buffer: produce times in order (as a producer's clock gives them), fetched up to its last message or beyond. */
const source = fc
  .record({ timestamps: fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }), hasMore: fc.boolean(), appliedUntil: fc.integer({ min: 0, max: 50 }) })
  .map(({ timestamps, hasMore, appliedUntil }): SliceSource => {
    const sorted = [...timestamps].sort((a, b) => a - b);
    return { timestamps: sorted, hasMore, fetchedUntil: sorted.at(-1) ?? appliedUntil };
  });
const sources = fc.array(source, { minLength: 1, maxLength: 5 });
const max = fc.integer({ min: 1, max: 40 });
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const watermarkOf = (ss: readonly SliceSource[]) => Math.min(...ss.filter((s) => s.hasMore).map((s) => s.fetchedUntil));

describe('alignedSlice: the next messages of partition p of every topic to apply in one transaction', () => {
  it('never takes more than a partition holds, nor more than max', () => {
    fc.assert(
      fc.property(sources, max, fc.boolean(), (ss, m, ignore) => {
        const slice = alignedSlice(ss, m, ignore);
        expect(sum(slice)).toBeLessThanOrEqual(m);
        slice.forEach((n, i) => expect(n).toBeLessThanOrEqual((ss[i] as SliceSource).timestamps.length));
      }),
    );
  });

  it('takes the earliest-produced messages up to the watermark and nothing past it', () => {
    fc.assert(
      fc.property(sources, max, (ss, m) => {
        const watermark = watermarkOf(ss);
        const slice = alignedSlice(ss, m);
        const taken = slice.flatMap((n, i) => (ss[i] as SliceSource).timestamps.slice(0, n));
        const left = slice.flatMap((n, i) => (ss[i] as SliceSource).timestamps.slice(n).filter((t) => t <= watermark));
        for (const t of taken) expect(t).toBeLessThanOrEqual(watermark);
        // a full slice leaves nothing earlier than what it took; a short one leaves nothing within the watermark
        if (sum(slice) < m) expect(left).toEqual([]);
        else if (left.length > 0 && taken.length > 0) expect(Math.min(...left)).toBeGreaterThanOrEqual(Math.max(...taken));
      }),
    );
  });

  it('when the buffer is full the watermark is ignored, so something is always taken from a non-empty buffer', () => {
    fc.assert(
      fc.property(sources, max, (ss, m) => {
        const held = sum(ss.map((s) => s.timestamps.length));
        expect(sum(alignedSlice(ss, m, true))).toBe(Math.min(held, m));
      }),
    );
  });

  it('partitions that reached their end impose no watermark: everything buffered is taken', () => {
    fc.assert(
      fc.property(sources, (ss) => {
        const ended = ss.map((s) => ({ ...s, hasMore: false }));
        expect(alignedSlice(ended, 10_000)).toEqual(ended.map((s) => s.timestamps.length));
      }),
    );
  });

  it('a generated partition fetched up to t=3 holds back the risk events after t=3, even once its buffer is empty', () => {
    expect(alignedSlice([{ timestamps: [1, 2, 3], hasMore: true, fetchedUntil: 3 }, { timestamps: [1, 2, 3, 4, 5, 6], hasMore: false, fetchedUntil: 6 }], 100)).toEqual([3, 3]);
    expect(alignedSlice([{ timestamps: [], hasMore: true, fetchedUntil: 3 }, { timestamps: [4, 5, 6], hasMore: false, fetchedUntil: 6 }], 100)).toEqual([0, 0]);
    expect(() => alignedSlice([], 0)).toThrow(RangeError);
    expect(watermarkSetter([{ timestamps: [], hasMore: false, fetchedUntil: 1 }, { timestamps: [], hasMore: true, fetchedUntil: 5 }, { timestamps: [], hasMore: true, fetchedUntil: 3 }])).toBe(2);
    expect(watermarkSetter([{ timestamps: [1], hasMore: false, fetchedUntil: 1 }])).toBe(-1);
  });
});
