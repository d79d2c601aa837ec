// The fold state is stored beside each record (fold_state) and merged with the states of later batches, so its
// laws hold on the state itself, byte for byte, not only on the record derived from it; and its keys stay as
// databases already hold them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type RecordFieldOverrides, type SignalEvent } from '../../src/contract/index.ts';
import { EMPTY_STATE, type FoldState, foldEvents, foldSignal, mergeStates, stateOf } from '../../src/fold/index.ts';
import { filled, generated, outcome, risk, submitted, t } from '../helpers/events.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

const S = 'sig-1';
const bytes = (s: FoldState) => canonicalJson(s);
const withFields = (event: SignalEvent, recordFields: RecordFieldOverrides): SignalEvent => ({ ...event, origin: 'api', recordFields });

describe('fold state: given the stored state of a batch, when later events merge into it', () => {
  it('a fill with a fill_id and ids without a colon keeps the key stored databases hold (fill:ORDER:FILL)', () => {
    expect(Object.keys(stateOf(filled(S, t('1'), '150', '10', { orderId: 'o-1', fillId: 'f-1' })).fills)).toEqual(['fill:o-1:f-1']);
    expect(Object.keys(stateOf(filled(S, t('1'), '150', '10', { orderId: 'o:1', fillId: 'f-1' })).fills)).toEqual(['fill-json:["o:1","f-1"]']);
    expect(Object.keys(stateOf(filled(S, t('1'), '150', '10', { fillId: null, eventId: 'e-9' })).fills)).toEqual(['event:e-9']);
    const noOrder = { ...filled(S, t('1'), '150', '10', { fillId: 'f-1' }), orderId: null } as SignalEvent;
    expect(Object.keys(stateOf(noOrder).fills)).toEqual(['fill::f-1']);
  });

  it('the same fill re-sent onto a stored state that holds it counts once (a state stored before this code)', () => {
    const stored = JSON.parse('{"firstEventAt":"2026-01-05T10:00:01.000000Z","details":null,"detailsConflict":false,"risk":null,"submission":null,"fills":{"fill:o-1:f-1":{"at":"2026-01-05T10:00:01.000000Z","id":"e-old","orderId":"o-1","price":"150","quantity":"10","leaves":null,"fee":null,"completes":false,"api":false,"conflict":false}},"outcome":null,"overrides":{}}') as FoldState;
    const state = foldEvents([filled(S, t('2'), '150', '10', { orderId: 'o-1', fillId: 'f-1', eventId: 'e-new' })], stored);
    expect(Object.keys(state.fills)).toEqual(['fill:o-1:f-1']);
    expect(foldEvents([], state)).toBe(state);
  });

  it('a conflict already merged into one side is kept when the other side holds the first copy of that fill', () => {
    const first = filled(S, t('3'), '150', '40', { fillId: 'x', eventId: 'e-a' });
    const conflicting = filled(S, t('4'), '151', '40', { fillId: 'x', eventId: 'e-b' });
    const merged = mergeStates(stateOf(first), stateOf(conflicting));
    expect(Object.values(merged.fills).map((f) => f.conflict)).toEqual([true]);
    // the first copy again, on either side of the merge
    for (const state of [mergeStates(stateOf(first), merged), mergeStates(merged, stateOf(first)), mergeStates(stateOf(conflicting), merged)]) {
      expect(Object.values(state.fills).map((f) => f.conflict)).toEqual([true]);
    }
    expect(foldSignal([generated(S, t('1')), submitted(S, t('2')), first, conflicting, first]).anomalies).toEqual(['conflicting_fill']);
  });

  it('a state merged with one that sets no record field holds only the fields set, never a null one', () => {
    const set = stateOf(withFields(submitted(S, t('2')), { positionValue: '1000' }));
    const other = stateOf(withFields(submitted(S, t('3')), { targetPrice: '155' }));
    expect(Object.keys(mergeStates(set, other).overrides).sort()).toEqual(['positionValue', 'targetPrice']);
    expect(mergeStates(other, set).overrides).toEqual(mergeStates(set, other).overrides);
    expect(Object.keys(mergeStates(stateOf(generated(S, t('1'))), other).overrides)).toEqual(['targetPrice']);
  });

  it('an update of the same field keeps the latest time, then the larger event id', () => {
    const early = stateOf(withFields(submitted(S, t('2'), 'o-1', '100', 'e-1'), { positionValue: '1' }));
    const late = stateOf(withFields(submitted(S, t('3'), 'o-1', '100', 'e-0'), { positionValue: '2' }));
    const tie = stateOf(withFields(submitted(S, t('3'), 'o-1', '100', 'e-2'), { positionValue: '3' }));
    expect(mergeStates(early, late).overrides.positionValue?.value).toBe('2');
    expect(mergeStates(late, early).overrides.positionValue?.value).toBe('2');
    expect(mergeStates(late, tie).overrides.positionValue?.value).toBe('3');
    expect(mergeStates(tie, late).overrides.positionValue?.value).toBe('3');
  });

  it('foldSignal refuses no events and the events of two signals, naming them', () => {
    expect(() => foldSignal([])).toThrow(new RangeError('foldSignal needs at least one event'));
    expect(() => foldSignal([generated('a', t('1')), generated('b', t('2'))])).toThrow(new RangeError('events of a and b in one fold'));
  });
});

// ---- laws on the state -----------------------------------------------------------------------------

const times = fc.constantFrom(t('1'), t('2'), t('3'));
const price = fc.constantFrom('150', '151.10');
let ids = 0;
const fieldsArb = fc.option(
  fc.record({ positionValue: fc.constantFrom('1000', '2000'), targetPrice: fc.constantFrom('155', '160') }, { requiredKeys: [] }),
  { nil: null },
);
const eventArb: fc.Arbitrary<SignalEvent> = fc
  .tuple(
    fc.oneof(
      fc.record({ at: times, side: fc.constantFrom('buy', 'sell' as const) }).map(({ at, side }) => generated(S, at, { side }, `g${++ids}`)),
      fc.record({ at: times, passed: fc.boolean() }).map(({ at, passed }) => risk(S, at, passed, passed ? null : 'limit', `r${++ids}`)),
      times.map((at) => submitted(S, at, 'o-1', '100', `s${++ids}`)),
      fc
        .record({ at: times, p: price, fillId: fc.option(fc.constantFrom('f1', 'f2'), { nil: null }) })
        .map(({ at, p, fillId }) => filled(S, at, p, '40', { fillId, eventId: `f${++ids}` })),
      times.map((at) => outcome(S, at, 'cancelled', null, `o${++ids}`)),
    ),
    fieldsArb,
  )
  .map(([event, fields]) => (fields === null || Object.keys(fields).length === 0 ? event : withFields(event, fields)));
/** Three states folded from subsets of one pool of events, so the same event (and fill) is often on two sides. */
const statesArb = fc
  .array(eventArb, { minLength: 1, maxLength: 8 })
  .chain((pool) => fc.tuple(...[0, 1, 2].map(() => fc.subarray(pool, { minLength: 1 }))))
  .map((sets) => sets.map((events) => foldEvents(events)) as [FoldState, FoldState, FoldState]);

describe('merging fold states, byte for byte', () => {
  it('is commutative, associative and idempotent, and the empty state is its identity', () => {
    fc.assert(
      fc.property(statesArb, ([x, y, z]) => {
        expect(bytes(mergeStates(x, y))).toBe(bytes(mergeStates(y, x)));
        expect(bytes(mergeStates(mergeStates(x, y), z))).toBe(bytes(mergeStates(x, mergeStates(y, z))));
        expect(bytes(mergeStates(x, x))).toBe(bytes(x));
        expect(bytes(mergeStates(x, EMPTY_STATE))).toBe(bytes(x));
        expect(bytes(mergeStates(EMPTY_STATE, x))).toBe(bytes(x));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });
});
