import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../helpers/property-runs.ts';
import { compareDecimals, Decimal, divideRounded, formatDecimal, normalizeDecimal, ScaledDecimal, sumDecimals } from '../../src/contract/index.ts';

/** Canonical decimal strings, as the contract stores them (normalizeDecimal of random digits). */
const canonical = fc
  .tuple(fc.boolean(), fc.stringMatching(/^\d{1,8}$/), fc.stringMatching(/^\d{0,6}$/))
  .map(([negative, int, frac]) => normalizeDecimal(`${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`))
  .filter((r): r is { value: string } => 'value' in r)
  .map((r) => r.value);

/** Plain decimal texts of up to 22 integer digits and 14 places, signed, leading zeros allowed. */
const wide = fc
  .tuple(fc.constantFrom('', '-'), fc.stringMatching(/^\d{1,22}$/), fc.option(fc.stringMatching(/^\d{1,14}$/)))
  .map(([sign, int, frac]) => `${sign}${int}${frac === null ? '' : `.${frac}`}`);

describe('decimal helpers: the shortcuts give what Decimal gives', () => {
  it('compareDecimals orders canonical decimals, signed or not, as Decimal does', () => {
    fc.assert(fc.property(canonical, canonical, (a, b) => {
        expect(compareDecimals(a, b)).toBe(new Decimal(a).comparedTo(b));
      }), { numRuns: propertyRuns(2000) });
    expect(compareDecimals('10.50', '10.5')).toBe(0);
    expect(compareDecimals('9.999', '10')).toBe(-1);
  });

  it('sumDecimals of one value is that value; of several, the exact sum at the largest scale', () => {
    fc.assert(
      fc.property(fc.array(canonical, { minLength: 1, maxLength: 4 }), (values) => {
        const scale = Math.max(...values.map((v) => (v.split('.')[1] ?? '').length));
        expect(sumDecimals(values)).toBe(values.reduce((t, v) => t.plus(v), new Decimal(0)).toFixed(scale));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('normalizeDecimal of plain notation is Decimal\'s value at the scale as written, within 20 integer digits and 12 places', () => {
    fc.assert(
      fc.property(fc.constantFrom('', '+', '-'), fc.stringMatching(/^0{0,3}$/), fc.stringMatching(/^\d{0,22}$/), fc.option(fc.stringMatching(/^\d{0,14}$/)), (sign, zeros, int, frac) => {
        const text = `${sign}${zeros}${int}${frac === null ? '' : `.${frac}`}`;
        const r = normalizeDecimal(text);
        if (`${zeros}${int}` === '' && !frac) return void expect(r, text).toHaveProperty('error');
        const integerDigits = (`${zeros}${int}`.replace(/^0+(?=\d)/, '') || '0').length;
        const scale = frac?.length ?? 0;
        if (integerDigits > 20 || scale > 12) return void expect(r, text).toHaveProperty('error');
        const value = new Decimal(`${sign}${zeros}${int || '0'}.${frac || '0'}`).toFixed(scale);
        expect(r, text).toEqual({ value: value.startsWith('-') && new Decimal(value).isZero() ? value.slice(1) : value });
      }),
      { numRuns: propertyRuns(5000) },
    );
  });

  it('formatDecimal rounds half to even at maxScale and trims zeros down to minScale', () => {
    expect(formatDecimal(ScaledDecimal.of('2.5'), 0, 0)).toBe('2');
    expect(formatDecimal(ScaledDecimal.of('-0.00005'), 0, 4)).toBe('0');
    expect(formatDecimal(ScaledDecimal.of('1.23450000'), 2, 8)).toBe('1.2345');
    expect(formatDecimal(ScaledDecimal.of(new Decimal(1).div(3)), 2, 10)).toBe('0.3333333333');
  });

  it('ScaledDecimal adds, subtracts, multiplies and compares exactly, as decimal.js does at a precision that never rounds', () => {
    const Wide = Decimal.clone({ precision: 200 });
    fc.assert(
      fc.property(wide, wide, (a, b) => {
        const x = ScaledDecimal.of(a);
        const y = ScaledDecimal.of(b);
        // the places as written, trailing zeros kept
        expect(x.scale).toBe((a.split('.')[1] ?? '').length);
        expect(x.toFixed()).toBe(new Wide(a).toFixed(x.scale));
        expect(x.plus(y).toFixed()).toBe(new Wide(a).plus(b).toFixed(Math.max(x.scale, y.scale)));
        expect(x.minus(y).toFixed()).toBe(new Wide(a).minus(b).toFixed(Math.max(x.scale, y.scale)));
        expect(x.times(y).toFixed()).toBe(new Wide(a).times(b).toFixed(x.scale + y.scale));
        expect(x.compare(y)).toBe(new Wide(a).comparedTo(b));
        // equal values, at the same scale and at another one
        expect(x.compare(ScaledDecimal.of(a))).toBe(0);
        expect(x.compare(new ScaledDecimal(x.int * 10n, x.scale + 1))).toBe(0);
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('formatDecimal gives what decimal.js gives rounding half to even at maxScale, zeros trimmed down to minScale', () => {
    const Wide = Decimal.clone({ precision: 200 });
    /** formatDecimal's definition, in decimal.js */
    const reference = (text: string, minScale: number, maxScale: number): string => {
      const fixed = new Wide(text).toFixed(maxScale);
      const [int, frac = ''] = fixed.split('.');
      let end = frac.length;
      while (end > minScale && frac[end - 1] === '0') end--;
      const out = end > 0 ? `${int}.${frac.slice(0, end)}` : `${int}`;
      return /^-0(\.0*)?$/.test(out) ? out.slice(1) : out;
    };
    fc.assert(
      fc.property(wide, fc.nat(14), fc.nat(14), (text, minScale, maxScale) => {
        expect(formatDecimal(ScaledDecimal.of(text), minScale, maxScale), `${text} ${minScale} ${maxScale}`).toBe(reference(text, minScale, maxScale));
      }),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('divideRounded gives the quotient decimal.js gives at 200 digits, rounded half to even to the places', () => {
    const Wide = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_EVEN });
    fc.assert(
      fc.property(wide, wide.filter((b) => !new Wide(b).isZero()), fc.nat(14), (a, b, places) => {
        // the quotient of numbers of at most 36 digits repeats with a period too short to hide a tie in 200 digits
        const expected = new Wide(a).div(b).toFixed(places);
        expect(divideRounded(ScaledDecimal.of(a), ScaledDecimal.of(b), places).toFixed(), `${a} / ${b} to ${places}`).toBe(expected.startsWith('-') && new Wide(expected).isZero() ? expected.slice(1) : expected);
      }),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('ScaledDecimal reads any text decimal.js reads, exponents too, and a decimal.js value', () => {
    expect(ScaledDecimal.of('1.5e2')).toEqual(new ScaledDecimal(150n, 0));
    expect(ScaledDecimal.of('-2.50E-3')).toEqual(new ScaledDecimal(-25n, 4));
    expect(ScaledDecimal.of('+7')).toEqual(new ScaledDecimal(7n, 0));
    expect(ScaledDecimal.of(new Decimal('0.125'))).toEqual(new ScaledDecimal(125n, 3));
    expect(ScaledDecimal.of('-0.00').toFixed()).toBe('0.00');
    // decimal.js writes other forms out without trailing zeros
    expect(ScaledDecimal.of('2.50e1')).toEqual(new ScaledDecimal(25n, 0));
    // scales past the kept powers of ten
    expect(ScaledDecimal.of('1e-70').plus(ScaledDecimal.of('1')).toFixed()).toBe(`1.${'0'.repeat(69)}1`);
    expect(() => ScaledDecimal.of('x')).toThrow();
  });
});
