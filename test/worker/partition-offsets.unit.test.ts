// A bounded run's end offsets (EndOffsets in src/worker/partition-offsets.ts): when a replay is done.
import { describe, expect, it } from 'vitest';
import { EndOffsets, partitionKey } from '../../src/worker/partition-offsets.ts';

describe('EndOffsets', () => {
  it('an unbounded run has no ends and is never done', () => {
    const ends = new EndOffsets(undefined);
    expect(ends.get('t:0')).toBeUndefined();
    expect(ends.done).toBe(false);
    expect(ends.reached('t:0', 1_000n)).toBe(false);
  });

  it('a bounded run is done once every non-empty partition is applied to its end, and says so once', () => {
    const ends = new EndOffsets(new Map([['a:0', 3n], ['b:0', 2n], ['c:0', 0n]]));
    expect(ends.get('a:0')).toBe(3n);
    expect(ends.done).toBe(false);
    expect(ends.reached('a:0', 2n)).toBe(false);
    expect(ends.reached('a:0', 3n)).toBe(false);
    expect(ends.done).toBe(false);
    expect(ends.reached('b:0', 5n)).toBe(true);
    expect(ends.done).toBe(true);
    expect(ends.reached('b:0', 5n)).toBe(false);
  });

  it('a run whose partitions are all empty is done from the start', () => {
    expect(new EndOffsets(new Map([['a:0', 0n]])).done).toBe(true);
  });

  it('partition keys are topic:partition', () => {
    expect(partitionKey('signals.risk', 7)).toBe('signals.risk:7');
  });
});
