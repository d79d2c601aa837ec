// docs/decisions.md "Choices where the contract is silent", Decimals: "the VWAP keeps the largest price scale and at
// most 10 places (banker's rounding); slippage_bps has at most 4 places". The means (rounded half-even to
// 12 places) are read from a store: rounding.int.test.ts. Pinned elsewhere (not repeated here):
// test/fold/fold-signal.unit.test.ts "a buy at entry 150 executed at 151 has slippage 1.00 and 66.6667
// bps" (bps cut to 4 places), "executed price is the quantity-weighted average" (150.10/150.40 -> 150.30,
// the price scale kept) and "keeps the scale of decimals as sent" (one fill: its price exactly).
import { describe, expect, it } from 'vitest';
import { foldSignal } from '../../src/fold/index.ts';
import { filled, generated, submitted, t } from '../helpers/events.ts';

const S = 'sig-round';
/** The executed price of fills [price, quantity] on one order, with distinct fill ids. */
const vwap = (...fills: [string, string][]) =>
  foldSignal([generated(S, t('1')), submitted(S, t('2'), 'o-1', '1000000'), ...fills.map(([p, q], i) => filled(S, t('3'), p, q, { fillId: `f${i}` }))]).executedPrice;

describe('VWAP: the largest price scale, at most 10 places, banker\'s rounding', () => {
  it('a multi-fill average that does not divide out is cut to 10 places: 1 x 1 and 2 x 2 -> 1.6666666667', () => {
    expect(vwap(['1', '1'], ['2', '2'])).toBe('1.6666666667');
  });

  it('an exact half at the 11th place rounds to the even 10th digit (half-even, not half-up)', () => {
    // (1.0000000002 + 1.0000000003) / 2 = 1.00000000025 -> ...2 (half-up would give ...3)
    expect(vwap(['1.0000000002', '1'], ['1.0000000003', '1'])).toBe('1.0000000002');
    // (1.0000000001 + 1.0000000002) / 2 = 1.00000000015 -> ...2
    expect(vwap(['1.0000000001', '1'], ['1.0000000002', '1'])).toBe('1.0000000002');
  });

  it('an average that divides out keeps the largest price scale, trailing zeros included', () => {
    expect(vwap(['10.00', '1'], ['20.0', '1'])).toBe('15.00');
    expect(vwap(['10', '1'], ['20', '3'])).toBe('17.5');
  });

  it('prices with more than 10 places keep their own scale (the 10-place cut applies past it)', () => {
    // (1.000000000001 + 1.000000000002) / 2 = 1.0000000000015 -> 12 places, half-even
    expect(vwap(['1.000000000001', '1'], ['1.000000000002', '1'])).toBe('1.000000000002');
  });
});

describe('slippage_bps: at most 4 places, half-even', () => {
  const bps = (side: 'buy' | 'sell', entry: string, executed: string) =>
    foldSignal([generated(S, t('1'), { side, entryPrice: entry }), submitted(S, t('2')), filled(S, t('3'), executed, '100', { leaves: '0' })]).slippageBps;

  it('an exact half at the 5th place rounds to the even 4th digit', () => {
    // 0.000000025 / 1 * 10000 = 0.00025 -> 0.0002; 0.00035 -> 0.0004
    expect(bps('buy', '1', '1.000000025')).toBe('0.0002');
    expect(bps('buy', '1', '1.000000035')).toBe('0.0004');
    expect(bps('sell', '1', '1.000000025')).toBe('-0.0002');
  });

  it('trailing zeros are dropped: a whole number of bps has no places', () => {
    expect(bps('buy', '100', '101')).toBe('100');
    expect(bps('buy', '100.00', '100.50')).toBe('50');
  });
});
