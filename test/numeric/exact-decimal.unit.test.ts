import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../helpers/property-runs.ts';
import { Decimal } from '../../src/contract/index.ts';
import { exactAdd, sortDecimals } from '../../src/numeric/index.ts';

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
