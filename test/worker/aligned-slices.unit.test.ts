import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignedSlices, type SliceSource } from '../../src/worker/aligned-slices.ts';

const source = fc.record({
  timestamps: fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }),
  hasMore: fc.boolean(),
});
const sources = fc.array(source, { minLength: 1, maxLength: 5 });
const sorted = (s: SliceSource): SliceSource => ({ ...s, timestamps: [...s.timestamps].sort((a, b) => a - b) });

/** The total each batch gives over all slices. */
const totals = (slices: number[][], n: number) => Array.from({ length: n }, (_, i) => slices.reduce((sum, s) => sum + (s[i] as number), 0));

describe('alignedSlices: which messages of one fetch to apply now, in which transactions', () => {
  it('never takes more than a batch holds, never more than max per slice, and no slice is empty', () => {
    fc.assert(
      fc.property(sources, fc.integer({ min: 1, max: 40 }), (ss, max) => {
        const slices = alignedSlices(ss, max);
        for (const slice of slices) {
          const size = slice.reduce((a, b) => a + b, 0);
          expect(size).toBeGreaterThan(0);
          expect(size).toBeLessThanOrEqual(max);
        }
        totals(slices, ss.length).forEach((total, i) => expect(total).toBeLessThanOrEqual((ss[i] as SliceSource).timestamps.length));
      }),
    );
  });

  it('always makes progress: batches that hold messages give at least one', () => {
    fc.assert(
      fc.property(sources, fc.integer({ min: 1, max: 40 }), (ss, max) => {
        const held = ss.reduce((n, s) => n + s.timestamps.length, 0);
        const taken = totals(alignedSlices(ss, max), ss.length).reduce((a, b) => a + b, 0);
        expect(taken > 0).toBe(held > 0);
      }),
    );
  });

  it('with produce times in order, takes everything up to the watermark and nothing past it', () => {
    fc.assert(
      fc.property(sources.map((ss) => ss.map(sorted)), fc.integer({ min: 1, max: 40 }), (ss, max) => {
        const ends = ss.filter((s) => s.hasMore && s.timestamps.length > 0).map((s) => s.timestamps.at(-1) as number);
        const watermark = ends.length === 0 ? Infinity : Math.min(...ends);
        const within = ss.map((s) => s.timestamps.filter((t) => t <= watermark).length);
        expect(totals(alignedSlices(ss, max), ss.length)).toEqual(within);
      }),
    );
  });

  it('fills slices in produce-time order: a slice never holds a message produced after one a later slice holds', () => {
    fc.assert(
      fc.property(sources.map((ss) => ss.map(sorted)), fc.integer({ min: 1, max: 10 }), (ss, max) => {
        const next = ss.map(() => 0);
        let previousLatest = -Infinity;
        for (const slice of alignedSlices(ss, max)) {
          const times = slice.flatMap((count, i) => (ss[i] as SliceSource).timestamps.slice(next[i], (next[i] = (next[i] as number) + count)));
          expect(Math.min(...times)).toBeGreaterThanOrEqual(previousLatest);
          previousLatest = Math.max(...times);
        }
      }),
    );
  });

  it('a partition that stopped early holds the others back: the generated topic fetched to t=3 keeps risk events after t=3 for the next fetch', () => {
    const slices = alignedSlices(
      [
        { timestamps: [1, 2, 3], hasMore: true },
        { timestamps: [1, 2, 3, 4, 5, 6], hasMore: false },
      ],
      100,
    );
    expect(slices).toEqual([[3, 3]]);
  });

  it('produce times going backwards past the watermark still take the whole fetch rather than nothing', () => {
    expect(alignedSlices([{ timestamps: [9, 2], hasMore: true }], 100)).toEqual([[2]]);
    expect(() => alignedSlices([], 0)).toThrow(RangeError);
  });
});
