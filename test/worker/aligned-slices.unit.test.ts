import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignedSlice, type SliceSource, watermarkSetter } from '../../src/worker/aligned-slices.ts';

/** A partition's buffer: produce times in order (as a producer's clock gives them), fetched up to its last message or beyond. */
const source = fc
  .record({
    messages: fc.array(fc.record({ time: fc.integer({ min: 0, max: 50 }), size: fc.integer({ min: 0, max: 100 }) }), { maxLength: 30 }),
    hasMore: fc.boolean(),
    appliedUntil: fc.integer({ min: 0, max: 50 }),
  })
  .map(({ messages, hasMore, appliedUntil }): SliceSource => {
    const sorted = [...messages].sort((a, b) => a.time - b.time);
    return { timestamps: sorted.map((m) => m.time), sizes: sorted.map((m) => m.size), hasMore, fetchedUntil: sorted.at(-1)?.time ?? appliedUntil };
  });
const sources = fc.array(source, { minLength: 1, maxLength: 5 });
const max = fc.integer({ min: 1, max: 40 });
/** a count limit with no byte limit, as the tests of alignment take it */
const only = (messages: number) => ({ messages, bytes: Infinity });
/** sources of messages of `size` bytes each */
const sized = (ss: Omit<SliceSource, 'sizes'>[], size = 1): SliceSource[] => ss.map((s) => ({ ...s, sizes: s.timestamps.map(() => size) }));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const watermarkOf = (ss: readonly SliceSource[]) => Math.min(...ss.filter((s) => s.hasMore).map((s) => s.fetchedUntil));

describe('alignedSlice: the next messages of partition p of every topic to apply in one transaction', () => {
  it('never takes more than a partition holds, nor more than max', () => {
    fc.assert(
      fc.property(sources, max, fc.boolean(), (ss, m, ignore) => {
        const slice = alignedSlice(ss, only(m), ignore).counts;
        expect(sum(slice)).toBeLessThanOrEqual(m);
        slice.forEach((n, i) => expect(n).toBeLessThanOrEqual((ss[i] as SliceSource).timestamps.length));
      }),
    );
  });

  it('takes the earliest-produced messages up to the watermark and nothing past it', () => {
    fc.assert(
      fc.property(sources, max, (ss, m) => {
        const watermark = watermarkOf(ss);
        const slice = alignedSlice(ss, only(m)).counts;
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
        expect(sum(alignedSlice(ss, only(m), true).counts)).toBe(Math.min(held, m));
      }),
    );
  });

  it('partitions that reached their end impose no watermark: everything buffered is taken', () => {
    fc.assert(
      fc.property(sources, (ss) => {
        const ended = ss.map((s) => ({ ...s, hasMore: false }));
        expect(alignedSlice(ended, only(10_000)).counts).toEqual(ended.map((s) => s.timestamps.length));
      }),
    );
  });

  it('a generated partition fetched up to t=3 holds back the risk events after t=3, even once its buffer is empty', () => {
    expect(alignedSlice(sized([{ timestamps: [1, 2, 3], hasMore: true, fetchedUntil: 3 }, { timestamps: [1, 2, 3, 4, 5, 6], hasMore: false, fetchedUntil: 6 }]), only(100))).toEqual({ counts: [3, 3], full: false });
    expect(alignedSlice(sized([{ timestamps: [], hasMore: true, fetchedUntil: 3 }, { timestamps: [4, 5, 6], hasMore: false, fetchedUntil: 6 }]), only(100))).toEqual({ counts: [0, 0], full: false });
    expect(() => alignedSlice([], only(0))).toThrow(RangeError);
    expect(() => alignedSlice([], { messages: 1, bytes: 0 })).toThrow(RangeError);
    expect(watermarkSetter(sized([{ timestamps: [], hasMore: false, fetchedUntil: 1 }, { timestamps: [], hasMore: true, fetchedUntil: 5 }, { timestamps: [], hasMore: true, fetchedUntil: 3 }]))).toBe(2);
    expect(watermarkSetter(sized([{ timestamps: [1], hasMore: false, fetchedUntil: 1 }]))).toBe(-1);
    // a partition that has brought no message yet (only a transaction's marker) sets no watermark, as one not fetched yet
    expect(watermarkSetter(sized([{ timestamps: [], hasMore: true, fetchedUntil: -Infinity }, { timestamps: [], hasMore: true, fetchedUntil: 3 }]))).toBe(1);
  });

  it('is full exactly when the count limit is reached or the next message in line would pass the byte limit', () => {
    fc.assert(
      fc.property(sources, max, fc.boolean(), (ss, m, ignore) => {
        const slice = alignedSlice(ss, only(m), ignore);
        expect(slice.full).toBe(sum(slice.counts) === m);
      }),
    );
  });

  it('under a byte limit, takes the longest run of the same messages in the same order that fits, and always a first one', () => {
    const bytesOf = (ss: readonly SliceSource[], counts: readonly number[]) => sum(counts.flatMap((n, i) => (ss[i] as SliceSource).sizes.slice(0, n)));
    fc.assert(
      fc.property(sources, max, fc.integer({ min: 1, max: 400 }), fc.boolean(), (ss, m, bytes, ignore) => {
        const slice = alignedSlice(ss, { messages: m, bytes }, ignore);
        const byCount = alignedSlice(ss, only(m), ignore);
        const k = sum(slice.counts);
        // the first k messages the count alone would take, in its order
        expect(slice.counts).toEqual(k === 0 ? byCount.counts : alignedSlice(ss, only(k), ignore).counts);
        if (k > 1) expect(bytesOf(ss, slice.counts)).toBeLessThanOrEqual(bytes);
        if (k < sum(byCount.counts)) {
          // cut by bytes: one more would not fit, and a first message is taken whatever its size
          expect(k).toBeGreaterThan(0);
          expect(bytesOf(ss, alignedSlice(ss, only(k + 1), ignore).counts)).toBeGreaterThan(bytes);
          expect(slice.full).toBe(true);
        } else expect(slice.full).toBe(byCount.full);
      }),
    );
  });

  it('a message of 1 MiB and three of 100 bytes, under a 1 MiB limit: the large one alone; under 300 bytes, the three exactly; under 299, two', () => {
    const big = { timestamps: [1], sizes: [1_048_576], hasMore: false, fetchedUntil: 1 };
    const small = { timestamps: [2, 3, 4], sizes: [100, 100, 100], hasMore: false, fetchedUntil: 4 };
    expect(alignedSlice([big, small], { messages: 100, bytes: 1_048_576 })).toEqual({ counts: [1, 0], full: true });
    const none = { ...big, timestamps: [], sizes: [] };
    expect(alignedSlice([none, small], { messages: 100, bytes: 300 })).toEqual({ counts: [0, 3], full: false });
    expect(alignedSlice([none, small], { messages: 100, bytes: 299 })).toEqual({ counts: [0, 2], full: true });
  });
});
