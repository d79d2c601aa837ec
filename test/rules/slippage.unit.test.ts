// Contract section 3 and docs/decisions.md "Deliberate differences from the Python layer": slippage is signed by
// side, positive = adverse: executed - entry for a buy, entry - executed for a sell;
// slippage_bps = slippage / entry * 10000; both null until both prices are known.
// Pinned elsewhere (not repeated here): test/fold/fold-signal.unit.test.ts "a buy at entry 150 executed at
// 151 has slippage 1.00 and 66.6667 bps" (buy paying more) and "a sell executed above its entry has
// negative (favourable) slippage" (its slippage only; its bps are pinned below); the repository's
// test/api/signal-repository.int.test.ts pins the same two through the API.
import { describe, expect, it } from 'vitest';
import { foldSignal } from '../../src/fold/index.ts';
import { filled, generated, submitted, t } from '../helpers/events.ts';

const S = 'sig-slip';
const executedAt = (side: 'buy' | 'sell', executed: string) =>
  foldSignal([generated(S, t('1'), { side, entryPrice: '150' }), submitted(S, t('2')), filled(S, t('3'), executed, '100', { leaves: '0' })]);

describe('signed slippage, positive = adverse', () => {
  it.each([
    ['a buy paying less than its entry is favourable: negative', 'buy', '149', '-1', '-66.6667'],
    ['a sell receiving less than its entry is adverse: positive', 'sell', '149', '1', '66.6667'],
    ['a sell receiving more than its entry is favourable: negative bps too', 'sell', '151', '-1', '-66.6667'],
    ['executed at the entry price is zero, without a sign', 'sell', '150.00', '0.00', '0'],
  ] as const)('%s', (_rule, side, executed, slippage, bps) => {
    const r = executedAt(side, executed);
    expect(r.slippage).toBe(slippage);
    expect(r.slippageBps).toBe(bps);
  });

  it('slippage is taken on the VWAP of the fills', () => {
    const r = foldSignal([
      generated(S, t('1'), { side: 'sell', entryPrice: '150' }),
      submitted(S, t('2'), 'o-1', '300'),
      filled(S, t('3'), '149.10', '100', { fillId: 'a' }),
      filled(S, t('4'), '149.40', '200', { fillId: 'b' }),
    ]);
    expect(r.executedPrice).toBe('149.30');
    expect(r.slippage).toBe('0.70');
  });

  it('both are null until both prices are known: a fill before the details, details before a fill', () => {
    const fillOnly = foldSignal([filled(S, t('3'), '151', '100', { leaves: '0' })]);
    expect([fillOnly.executedPrice, fillOnly.slippage, fillOnly.slippageBps]).toEqual(['151', null, null]);
    const detailsOnly = foldSignal([generated(S, t('1')), submitted(S, t('2'))]);
    expect([detailsOnly.signalPrice, detailsOnly.slippage, detailsOnly.slippageBps]).toEqual(['150', null, null]);
  });
});
