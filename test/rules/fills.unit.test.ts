// docs/decisions.md "Choices where the contract is silent", Fills: fills are distinct by order_id + fill_id (by
// event when fill_id is absent); two different reports of one fill keep the later and note
// conflicting_fill; executions recorded through updateSignalStatus are one cumulative execution, the
// latest call winning. Already pinned elsewhere (not repeated here): test/fold/fold-signal.unit.test.ts
// "a fill re-sent with the same fill_id under a new event_id counts once" (same content, no anomaly).
import { describe, expect, it } from 'vitest';
import type { OrderFilled, SignalEvent } from '../../src/contract/index.ts';
import { foldSignal, type SignalFacts } from '../../src/fold/index.ts';
import { filled, generated, submitted, t } from '../helpers/events.ts';

const S = 'sig-fill';

function foldBothWays(events: SignalEvent[]): SignalFacts {
  const forward = foldSignal(events);
  expect(foldSignal([...events].reverse())).toEqual(forward);
  return forward;
}

/** An execution recorded through updateSignalStatus (source `api`): executed completes the order, partially_filled does not. */
const apiExecution = (at: string, price: string, quantity: string, completes: boolean, eventId: string): SignalEvent => ({
  ...(filled(S, at, price, quantity, { eventId }) as OrderFilled),
  orderId: null,
  origin: 'api',
  completes,
});

describe('fill identity: order_id + fill_id, else the event', () => {
  it('the same fill_id on two different orders is two fills', () => {
    const r = foldBothWays([
      generated(S, t('1')),
      submitted(S, t('2'), 'o-1', '1000'),
      filled(S, t('3'), '150', '40', { orderId: 'o-1', fillId: 'f-1', eventId: 'ev-a' }),
      filled(S, t('4'), '150', '60', { orderId: 'o-2', fillId: 'f-1', eventId: 'ev-b' }),
    ]);
    expect(r.executedQuantity).toBe('100');
    expect(r.anomalies).toEqual([]);
  });

  it('two fills without fill_id are distinct by event, even with identical content', () => {
    const r = foldBothWays([
      generated(S, t('1')),
      submitted(S, t('2'), 'o-1', '1000'),
      filled(S, t('3'), '150', '40', { eventId: 'ev-a' }),
      filled(S, t('3'), '150', '40', { eventId: 'ev-b' }),
    ]);
    expect(r.executedQuantity).toBe('80');
    expect(r.anomalies).toEqual([]);
  });
});

describe('conflicting fills: two different reports of one fill keep the later and note conflicting_fill', () => {
  it('the later report of order_id + fill_id gives price and quantity, counted once, with the anomaly', () => {
    const r = foldBothWays([
      generated(S, t('1')),
      submitted(S, t('2'), 'o-1', '1000'),
      filled(S, t('3'), '150', '40', { fillId: 'f-1', eventId: 'ev-b' }),
      filled(S, t('4'), '151', '50', { fillId: 'f-1', eventId: 'ev-a' }),
    ]);
    expect(r.executedPrice).toBe('151');
    expect(r.executedQuantity).toBe('50');
    expect(r.executedAt).toBe(t('4'));
    expect(r.anomalies).toEqual(['conflicting_fill']);
  });

  it('reports that differ only in leaves_quantity or fee conflict too', () => {
    const base = [generated(S, t('1')), submitted(S, t('2'), 'o-1', '1000'), filled(S, t('3'), '150', '40', { fillId: 'f-1', eventId: 'ev-a' })];
    expect(foldBothWays([...base, filled(S, t('3'), '150', '40', { fillId: 'f-1', leaves: '960', eventId: 'ev-b' })]).anomalies).toEqual(['conflicting_fill']);
    expect(foldBothWays([...base, filled(S, t('3'), '150', '40', { fillId: 'f-1', fee: '0.5', eventId: 'ev-b' })]).anomalies).toEqual(['conflicting_fill']);
  });
});

describe('executions recorded through the API are one cumulative execution, the latest call winning', () => {
  it('a later call replaces the earlier execution instead of adding to it, and notes no conflict', () => {
    const r = foldBothWays([
      generated(S, t('1')),
      apiExecution(t('3'), '150', '40', false, 'api-b'),
      apiExecution(t('4'), '151', '100', true, 'api-a'),
    ]);
    expect(r.executedQuantity).toBe('100');
    expect(r.executedPrice).toBe('151');
    expect(r.status).toBe('executed');
    expect(r.anomalies).toEqual([]);
  });

  it('a price given without a quantity has no weight beside fills that have one: the VWAP is of the wire fills, and the quantity theirs', () => {
    const priceOnly: SignalEvent = { ...apiExecution(t('4'), '160', '1', false, 'api-a'), quantity: null } as SignalEvent;
    const r = foldBothWays([generated(S, t('1')), submitted(S, t('2'), 'o-1', '100'), filled(S, t('3'), '150', '40', { fillId: 'f-1' }), filled(S, t('3'), '151', '40', { fillId: 'f-2' }), priceOnly]);
    expect(r.executedPrice).toBe('150.5');
    expect(r.executedQuantity).toBe('80');
  });

  it('a price given without a quantity and nothing to weigh is the executed price as given, with its slippage (the Python layer stored it)', () => {
    const priceOnly: SignalEvent = { ...apiExecution(t('4'), '151.00', '1', true, 'api-a'), quantity: null } as SignalEvent;
    const r = foldBothWays([generated(S, t('1'), { side: 'buy', entryPrice: '150' }), priceOnly]);
    expect(r.status).toBe('executed');
    expect(r.executedPrice).toBe('151.00');
    expect(r.executedQuantity).toBeNull();
    expect(r.slippage).toBe('1.00');
    // a wire fill without a price leaves it so too
    const withUnpricedFill = foldBothWays([generated(S, t('1'), { side: 'buy', entryPrice: '150' }), submitted(S, t('2'), 'o-1', '100'), { ...filled(S, t('3'), '1', '40', { fillId: 'f-1' }), price: null } as SignalEvent, priceOnly]);
    expect(withUnpricedFill.executedPrice).toBe('151.00');
    expect(withUnpricedFill.executedQuantity).toBe('40');
  });

  it('two calls at the same instant: the larger event id wins', () => {
    const r = foldBothWays([generated(S, t('1')), apiExecution(t('3'), '150', '40', false, 'api-a'), apiExecution(t('3'), '151', '60', false, 'api-b')]);
    expect(r.executedQuantity).toBe('60');
    expect(r.executedPrice).toBe('151');
    expect(r.status).toBe('partially_filled');
  });
});
