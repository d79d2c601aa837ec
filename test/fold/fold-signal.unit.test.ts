import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../helpers/property-runs.ts';
import { canonicalJson, type SignalEvent } from '../../src/contract/index.ts';
import { deriveFacts, EMPTY_STATE, type FoldState, foldEvents, foldSignal, mergeStates, stateOf } from '../../src/fold/index.ts';
import { filled, generated, outcome, risk, submitted, t } from '../helpers/events.ts';

const S = 'sig-1';

describe('foldSignal: given events, then the record of contract section 3', () => {
  it('a buy at entry 150 executed at 151 has slippage 1.00 and 66.6667 bps', () => {
    const r = foldSignal([generated(S, t('1')), risk(S, t('2'), true), submitted(S, t('3')), filled(S, t('4'), '151', '100', { leaves: '0' })]);
    expect(r.status).toBe('executed');
    expect(Number(r.slippage)).toBe(1);
    expect(r.slippageBps).toBe('66.6667');
    expect(r.executedPrice).toBe('151');
  });

  it('a sell executed above its entry has negative (favourable) slippage', () => {
    const r = foldSignal([generated(S, t('1'), { side: 'sell' }), filled(S, t('4'), '151', '100', { leaves: '0' })]);
    expect(r.direction).toBe('SELL');
    expect(r.slippage).toBe('-1');
  });

  it('keeps the scale of decimals as sent: 151.10 stays 151.10', () => {
    const r = foldSignal([generated(S, t('1'), { entryPrice: '150.00' }), submitted(S, t('2')), filled(S, t('3'), '151.10', '100', { leaves: '0' })]);
    expect(r.executedPrice).toBe('151.10');
    expect(r.slippage).toBe('1.10');
    expect(r.signalPrice).toBe('150.00');
  });

  it('executed price is the quantity-weighted average of distinct fills, executed_at the last fill', () => {
    const r = foldSignal([
      generated(S, t('1')),
      submitted(S, t('2'), 'o-1', '300'),
      filled(S, t('3'), '150.10', '100', { fillId: 'a' }),
      filled(S, t('5'), '150.40', '200', { fillId: 'b' }),
    ]);
    expect(r.executedQuantity).toBe('300');
    expect(r.executedPrice).toBe('150.30');
    expect(r.executedAt).toBe(t('5'));
    expect(r.status).toBe('executed');
  });

  it('a fill re-sent with the same fill_id under a new event_id counts once', () => {
    const r = foldSignal([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '150', '40', { fillId: 'x' }), filled(S, t('3'), '150', '40', { fillId: 'x' })]);
    expect(r.executedQuantity).toBe('40');
    expect(r.status).toBe('partially_filled');
    expect(r.anomalies).toEqual([]);
  });

  it('the latest risk decision wins, and on a tie the rejection wins', () => {
    expect(foldSignal([generated(S, t('1')), risk(S, t('2'), false), risk(S, t('3'), true)]).status).toBe('passed_risk');
    const tie = foldSignal([generated(S, t('1')), risk(S, t('2'), true), risk(S, t('2'), false, 'daily_loss_limit')]);
    expect(tie.status).toBe('rejected');
    expect(tie.rejectionReason).toBe('daily_loss_limit');
  });

  it('an outcome beats partial fills, which keep their quantities', () => {
    const r = foldSignal([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '150', '40', { leaves: '60' }), outcome(S, t('9'), 'cancelled', 'timeout')]);
    expect(r.status).toBe('cancelled');
    expect(r.executedQuantity).toBe('40');
    expect(r.outcomeReason).toBe('timeout');
    expect(r.closedAt).toBe(t('9'));
  });

  it('completion beats an outcome and notes the anomaly', () => {
    const r = foldSignal([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '150', '100', { leaves: '0' }), outcome(S, t('4'), 'expired')]);
    expect(r.status).toBe('executed');
    expect(r.anomalies).toContain('outcome_after_completion');
  });

  it('the earliest of several signal-generated events gives the details and flags duplicate_details', () => {
    const r = foldSignal([generated(S, t('5'), { symbol: 'MSFT' }), generated(S, t('1'), { symbol: 'NVDA' })]);
    expect(r.symbol).toBe('NVDA');
    expect(r.anomalies).toEqual(['duplicate_details']);
  });

  it('events before the signal-generated event make a record with empty details', () => {
    const r = foldSignal([risk(S, t('2'), true)]);
    expect(r.status).toBe('passed_risk');
    expect(r.symbol).toBeNull();
    expect(r.generatedAt).toBeNull();
    expect(r.firstEventAt).toBe(t('2'));
  });

  it('a fill after a rejection is applied and flagged', () => {
    const r = foldSignal([generated(S, t('1')), risk(S, t('2'), false), filled(S, t('3'), '150', '10')]);
    expect(r.status).toBe('partially_filled');
    expect(r.anomalies).toEqual(['fill_after_rejection', 'fill_without_submission']);
  });

  it('statuses follow the first rule that holds', () => {
    expect(foldSignal([generated(S, t('1'))]).status).toBe('generated');
    expect(foldSignal([generated(S, t('1')), risk(S, t('2'), true)]).status).toBe('passed_risk');
    expect(foldSignal([generated(S, t('1')), risk(S, t('2'), true), submitted(S, t('3'))]).status).toBe('submitted');
    expect(foldSignal([generated(S, t('1')), submitted(S, t('3')), filled(S, t('4'), '1', '100')]).status).toBe('executed');
    expect(foldSignal([generated(S, t('1')), outcome(S, t('4'), 'missed')]).status).toBe('missed');
  });

  it('quality score defaults to confidence * min(sharpe / 2, 1)', () => {
    expect(foldSignal([generated(S, t('1'), { confidence: '0.8', sharpeEstimate: '1.5' })]).qualityScore).toBe('0.6');
    expect(foldSignal([generated(S, t('1'), { confidence: '0.8', sharpeEstimate: '3' })]).qualityScore).toBe('0.8');
  });
});

// ---- laws ----------------------------------------------------------------------------------------

const times = fc.constantFrom(t('1'), t('2'), t('3'), t('4'));
const price = fc.constantFrom('150', '150.25', '149.9', '151.10');
const qty = fc.constantFrom('10', '25', '40', '100');
let ids = 0;
const eventArb: fc.Arbitrary<SignalEvent> = fc.oneof(
  fc.record({ at: times, side: fc.constantFrom('buy', 'sell' as const), entry: price }).map(({ at, side, entry }) => generated(S, at, { side, entryPrice: entry }, `g${++ids}`)),
  fc.record({ at: times, passed: fc.boolean() }).map(({ at, passed }) => risk(S, at, passed, passed ? null : 'limit', `r${++ids}`)),
  fc.record({ at: times, q: fc.option(qty, { nil: null }) }).map(({ at, q }) => submitted(S, at, 'o-1', q, `s${++ids}`)),
  fc
    .record({ at: times, p: price, q: qty, leaves: fc.option(fc.constantFrom('0', '10'), { nil: null }), fillId: fc.option(fc.constantFrom('f1', 'f2'), { nil: null }) })
    .map(({ at, p, q, leaves, fillId }) => filled(S, at, p, q, { leaves, fillId, eventId: `f${++ids}` })),
  fc.record({ at: times, o: fc.constantFrom('cancelled', 'expired', 'missed', 'error' as const) }).map(({ at, o }) => outcome(S, at, o, null, `o${++ids}`)),
);
const eventsArb = fc.array(eventArb, { minLength: 1, maxLength: 12 });
const bytes = (events: readonly SignalEvent[]) => canonicalJson(foldSignal(events));

describe('the fold is a function of the set of events', () => {
  it('any permutation of the same events gives the same record, byte for byte', () => {
    fc.assert(
      fc.property(eventsArb.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length }))), ([es, shuffled]) => {
        expect(bytes(shuffled)).toBe(bytes(es));
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('any duplication of the same events gives the same record', () => {
    fc.assert(
      fc.property(eventsArb.chain((es) => fc.tuple(fc.constant(es), fc.array(fc.constantFrom(...es), { maxLength: 12 }))), ([es, extra]) => {
        expect(bytes([...extra, ...es, ...extra])).toBe(bytes(es));
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('applying the events in several batches, through stored state, gives the same record as one fold', () => {
    fc.assert(
      fc.property(
        eventsArb.chain((es) => fc.tuple(fc.constant(es), fc.array(fc.integer({ min: 0, max: es.length }), { maxLength: 4 }))),
        ([es, cuts]) => {
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), es.length];
          let stored: FoldState = EMPTY_STATE;
          for (let i = 0; i + 1 < bounds.length; i++) {
            const batch = es.slice(bounds[i], bounds[i + 1]);
            stored = JSON.parse(JSON.stringify(foldEvents(batch, stored))) as FoldState;
          }
          expect(canonicalJson(deriveFacts(S, stored))).toBe(bytes(es));
        },
      ),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('merging states is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(eventArb, eventArb, eventArb, (a, b, c) => {
        const [x, y, z] = [stateOf(a), stateOf(b), stateOf(c)];
        const f = (s: FoldState) => canonicalJson(deriveFacts(S, s));
        expect(f(mergeStates(x, y))).toBe(f(mergeStates(y, x)));
        expect(f(mergeStates(mergeStates(x, y), z))).toBe(f(mergeStates(x, mergeStates(y, z))));
        expect(f(mergeStates(x, x))).toBe(f(x));
      }),
      { numRuns: propertyRuns(1000) },
    );
  });
});
