// Regression (found by the fold oracle, issue 13): a fill's key was `fill:${order_id}:${fill_id}`, so order "a:b"
// with fill "c" and order "a" with fill "b:c" were one fill: the second replaced the first, the executed quantity
// lost the first fill's and the record carried a conflicting_fill anomaly. Fills are distinct by order_id and
// fill_id, as docs/decisions.md says; ids with a colon are now keyed without that ambiguity.
import { describe, expect, it } from 'vitest';
import { foldSignal } from '../../src/fold/index.ts';
import { filled, generated, submitted, t } from '../helpers/events.ts';

const S = 'sig-colon';

describe('two fills whose order and fill ids join to the same text with a colon', () => {
  it('are two fills: both quantities count, the VWAP takes both prices, and there is no conflict', () => {
    const facts = foldSignal([
      generated(S, t('1'), { side: 'buy', entryPrice: '150' }),
      submitted(S, t('2'), 'a', '1000'),
      filled(S, t('3'), '150', '10', { orderId: 'a:b', fillId: 'c', eventId: 'e-3' }),
      filled(S, t('4'), '151', '20', { orderId: 'a', fillId: 'b:c', eventId: 'e-4' }),
    ]);
    expect(facts.executedQuantity).toBe('30');
    expect(facts.executedPrice).toBe('150.6666666667');
    expect(facts.slippage).toBe('0.6666666667');
    expect(facts.anomalies).toEqual([]);
  });

  it('while a fill re-sent with the same ids (a colon in them or not) still counts once', () => {
    for (const [orderId, fillId] of [['a:b', 'c'], ['o-1', 'f-1']] as const) {
      const facts = foldSignal([
        generated(S, t('1'), { side: 'buy', entryPrice: '150' }),
        submitted(S, t('2'), orderId, '1000'),
        filled(S, t('3'), '150', '10', { orderId, fillId, eventId: 'e-3' }),
        filled(S, t('4'), '150', '10', { orderId, fillId, eventId: 'e-4' }),
      ]);
      expect(facts.executedQuantity, `${orderId} ${fillId}`).toBe('10');
      expect(facts.anomalies).toEqual([]);
    }
  });
});
