// Regression (found by the fold oracle, issue 13): the VWAP was notional.div(quantity) with decimal.js at 50
// significant digits, then rounded to 10 places: two roundings. With 20-digit prices the first one landed the
// quotient ...0000.00000000005000000000000000000001 on ...0000.0000000000500 (a tie), and the second rounded
// that half to even: 10000000000000000000 instead of 10000000000000000000.0000000001. The notional is now exact
// and the quotient is rounded once (divideRounded); slippage_bps likewise.
import { describe, expect, it } from 'vitest';
import { divideRounded, ScaledDecimal } from '../../src/contract/index.ts';
import { foldSignal } from '../../src/fold/index.ts';
import { filled, generated, submitted, t } from '../helpers/events.ts';

const S = 'sig-vwap';

describe('a VWAP of 20-digit prices within a hair of a rounding tie', () => {
  it('is rounded once, to the nearest 10th place', () => {
    const facts = foldSignal([
      generated(S, t('1'), { side: 'buy', entryPrice: '10000000000000000000' }),
      submitted(S, t('2'), 'o-1', null),
      filled(S, t('3'), '10000000000000000000', '9999999999499999999.999999999999', { fillId: 'a', eventId: 'e-3' }),
      filled(S, t('4'), '10000000000000000001', '500000000.000000000001', { fillId: 'b', eventId: 'e-4' }),
    ]);
    expect(facts.executedPrice).toBe('10000000000000000000.0000000001');
    expect(facts.slippage).toBe('0.0000000001');
  });

  it('divideRounded rounds half to even only on an exact half, and keeps the sign', () => {
    expect(divideRounded(ScaledDecimal.of('1'), ScaledDecimal.of('8'), 2).toFixed()).toBe('0.12');
    expect(divideRounded(ScaledDecimal.of('3'), ScaledDecimal.of('8'), 2).toFixed()).toBe('0.38');
    expect(divideRounded(ScaledDecimal.of('-3'), ScaledDecimal.of('8'), 2).toFixed()).toBe('-0.38');
    expect(divideRounded(ScaledDecimal.of('1.000000000000000000000001'), ScaledDecimal.of('8'), 2).toFixed()).toBe('0.13');
    expect(divideRounded(ScaledDecimal.of('2'), ScaledDecimal.of('-3'), 4).toFixed()).toBe('-0.6667');
    expect(divideRounded(ScaledDecimal.of('5'), ScaledDecimal.of('0.5'), 0).toFixed()).toBe('10');
  });
});
