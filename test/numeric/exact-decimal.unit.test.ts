import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../helpers/property-runs.ts';
import { Decimal } from '../../src/contract/index.ts';
import { exactAdd, nearestRank, pickDecimals, pickNumbers, sortDecimals } from '../../src/numeric/index.ts';

/** Plain decimal texts as the databases hand them back: signs, trailing zeros, up to 24 places. */
const plain = fc
  .tuple(fc.boolean(), fc.stringMatching(/^\d{1,22}$/), fc.stringMatching(/^\d{0,24}$/))
  .map(([negative, int, frac]) => `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`);

describe('the rollups running sums: exactAdd', () => {
  it('a + b and a - b equal decimal.js, in canonical form (no trailing zeros, no -0)', () => {
    fc.assert(
      fc.property(plain, plain, fc.constantFrom(1 as const, -1 as const), (a, b, sign) => {
        const got = exactAdd(a, b, sign);
        const expected = new Decimal(a).plus(new Decimal(b).times(sign));
        expect(new Decimal(got).eq(expected)).toBe(true);
        expect(got).not.toMatch(/\.\d*0$|^-0$|\.$/);
      }),
      { numRuns: propertyRuns(3000) },
    );
    expect(exactAdd('10.50', '-0.5')).toBe('10');
    expect(exactAdd('0.1', '0.1', -1)).toBe('0');
    expect(exactAdd('1e3', '1')).toBe('1001');
  });

  it('sortDecimals orders values that share a double exactly', () => {
    const close = ['12345678901234567.2', '12345678901234567.1', '12345678901234567.15', '-1', '12345678901234567.1'];
    expect(Number.parseFloat(close[0] as string)).toBe(Number.parseFloat(close[1] as string));
    expect(sortDecimals(close)).toEqual(['-1', '12345678901234567.1', '12345678901234567.1', '12345678901234567.15', '12345678901234567.2']);
  });
});

describe('nearest-rank picks by selection: pickNumbers and pickDecimals', () => {
  const fractions = fc.array(fc.constantFrom(0, 0.01, 0.25, 0.5, 0.75, 0.95, 0.99, 1), { minLength: 1, maxLength: 6 });

  it('each pick of numbers is the value at its nearest rank of the sorted values, whatever their order and repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer()), { maxLength: 300 }), fractions, (values, ps) => {
        const sorted = [...values].sort((a, b) => a - b);
        expect(pickNumbers(values, ps)).toEqual(ps.map((p) => nearestRank(sorted, p)));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('each pick of decimal texts is the value at its nearest rank in exact order, values sharing a double included', () => {
    // texts close enough to share their double, and plain ones
    const near = fc.stringMatching(/^\d{1,3}$/).map((d) => `12345678901234567.${d}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(plain, near), { maxLength: 200 }), fractions, (values, ps) => {
        const sorted = sortDecimals(values);
        expect(pickDecimals(values, ps)).toEqual(ps.map((p) => nearestRank(sorted, p)));
      }),
      { numRuns: propertyRuns(1000) },
    );
    expect(pickDecimals([], [0.5])).toEqual([null]);
    expect(pickNumbers([], [0.5, 1])).toEqual([null, null]);
  });
});
