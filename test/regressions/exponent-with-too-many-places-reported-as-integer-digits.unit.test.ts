// Regression (found while pinning the decimal limits, issue 13): a decimal in exponent notation with more than
// 12 places was rounded to 13 places before the limits were checked. When the rounding carried into a 21st
// integer digit, the producer was told the wrong limit: 99999999999999999999.99999999999999e0 (20 integer digits,
// 14 places) was refused for "more than 20 integer digits". The places are now checked on the text, before any
// rounding, so the same value gives the same error with or without an exponent.
import { describe, expect, it } from 'vitest';
import { normalizeDecimal } from '../../src/contract/index.ts';

describe('a decimal with more than 12 places written with an exponent', () => {
  it.each([
    ['99999999999999999999.99999999999999e0', '99999999999999999999.99999999999999'],
    ['9999999999999999999.99999999999999e1', '99999999999999999999.9999999999999'],
    ['0.9999999999999e0', '0.9999999999999'],
    ['1e-13', '0.0000000000001'],
  ])('%s is refused for its places, as its plain form %s is', (withExponent, plain) => {
    expect(normalizeDecimal(withExponent)).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal(plain)).toEqual({ error: 'more than 12 decimal places' });
  });

  it('at 12 places and 20 integer digits it is accepted exactly, with or without an exponent', () => {
    expect(normalizeDecimal('99999999999999999999.999999999999e0')).toEqual({ value: '99999999999999999999.999999999999' });
    expect(normalizeDecimal('9999999999999999999999999999999.9e-11')).toEqual({ value: '99999999999999999999.999999999999' });
    expect(normalizeDecimal('1.5e-12')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('15e-12')).toEqual({ value: '0.000000000015' });
  });

  it('more than 20 integer digits is still that error, whatever the places', () => {
    expect(normalizeDecimal('1e20')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('123456789012345678901.5e0')).toEqual({ error: 'more than 20 integer digits' });
  });
});
