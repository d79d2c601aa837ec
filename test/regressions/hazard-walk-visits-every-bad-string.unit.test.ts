// Regression: the walk for unstorable text stopped only between containers, so an array of 200,000
// "\u0000" strings (1 MiB) built a problem and its path for every one of them before keeping ten:
// parseMessage took 100 ms on it, 19 times JSON.parse of the same text (npm run bench:hostile showed it).
// Now each container's loop stops as soon as ten problems are found.
import { describe, expect, it } from 'vitest';
import { findJsonHazards } from '../../src/contract/index.ts';

/** An array of `n` NUL strings that counts how many of its items are read. */
function countingArray(n: number): { array: string[]; reads: () => number } {
  let reads = 0;
  const array = new Proxy(Array.from({ length: n }, () => '\u0000'), {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { array, reads: () => reads };
}

describe('the walk for unstorable text in a container of many bad strings', () => {
  it('reads no more items than the problems it keeps (10), in an array', () => {
    const { array, reads } = countingArray(100_000);
    const problems = findJsonHazards({ extra: array }, { checkText: true });
    expect(problems).toHaveLength(10);
    expect(problems[9]?.path).toBe('$.extra[9]');
    expect(reads()).toBe(10);
  });

  it('and in an object of many bad keys', () => {
    const bad = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}\u0000`, 1]));
    let reads = 0;
    const counted = new Proxy(bad, { get: (t, k, r) => (reads++, Reflect.get(t, k, r) as unknown) });
    expect(findJsonHazards({ extra: counted }, { checkText: true })).toHaveLength(10);
    expect(reads).toBeLessThanOrEqual(10);
  });
});
