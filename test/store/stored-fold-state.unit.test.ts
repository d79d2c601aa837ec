// The fold state as the signals table stores it: a positional form, read back to the same state, whose text
// is pinned (databases hold it) and about 60 % of the bytes of the state object's JSON.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonObject, OVERRIDABLE_FIELDS, type SignalDetails } from '../../src/contract/index.ts';
import { EMPTY_STATE, type FillFact, type FoldState, foldEvents, stateOf } from '../../src/fold/index.ts';
import { fromStoredState, toStoredState } from '../../src/store/index.ts';
import { compactFoldState, objectFoldState } from '../../src/store/migrations/Migration20261202000000_compact_fold_state.ts';
import { filled, generated, risk, submitted, t } from '../helpers/events.ts';
import { propertyRuns } from '../helpers/property-runs.ts';
import { parsedWorkload } from '../helpers/workload.ts';

const S = 'sig-1';
/** what a database gives back: the stored form's JSON text */
const roundTrip = (state: FoldState) => fromStoredState(JSON.stringify(toStoredState(state)));

describe('the stored fold state: given a state, when it is stored and read back', () => {
  it('is written in its positional form, first the form number; the text is pinned, for databases hold it', () => {
    const state = foldEvents([
      generated(S, t('1'), { side: 'sell', stopLoss: '155' }, 'g-1'),
      risk(S, t('2'), false, 'max_position', 'r-1'),
      submitted(S, t('3'), 'o-1', '100', 's-1'),
      filled(S, t('4'), '150.10', '40', { orderId: 'o-1', fillId: 'f-1', eventId: 'f-1' }),
      { ...submitted(S, t('5'), 'o-1', '100', 's-2'), origin: 'api', recordFields: { positionValue: '1000' } },
    ]);
    expect(JSON.stringify(toStoredState(state))).toBe(
      '[1,"2026-01-05T10:00:01.000000Z",' +
        '["2026-01-05T10:00:01.000000Z","g-1","momentum","AAPL","sell","0.8","1.5","150","155","160","entry",null,"100",null,null,null,null],false,' +
        '["2026-01-05T10:00:02.000000Z","r-1",false,{"limit":false},"max_position"],["2026-01-05T10:00:05.000000Z","s-2","o-1","100"],' +
        '{"fill:o-1:f-1":["2026-01-05T10:00:04.000000Z","f-1","o-1","150.10","40",null,null,null,false,false]},null,' +
        '{"positionValue":["2026-01-05T10:00:05.000000Z","s-2","1000"]}]',
    );
    expect(roundTrip(state)).toEqual(state);
  });

  it('lists the details in one fixed order, whatever order the event held them in', () => {
    const state = stateOf(generated(S, t('1'), {}, 'g-1'));
    const details = state.details?.details as SignalDetails;
    const reversed = Object.fromEntries(Object.entries(details).reverse()) as unknown as SignalDetails;
    const other: FoldState = { ...state, details: { ...(state.details as NonNullable<FoldState['details']>), details: reversed } };
    expect(JSON.stringify(toStoredState(other))).toBe(JSON.stringify(toStoredState(state)));
    expect(JSON.stringify((toStoredState(state)[2] as unknown[]).slice(2, 16))).toBe(
      JSON.stringify(['strategyName', 'symbol', 'side', 'confidence', 'sharpeEstimate', 'entryPrice', 'stopLoss', 'takeProfit', 'signalType', 'qualityScore', 'requestedQuantity', 'positionValue', 'targetPrice', 'expiresAt'].map((k) => details[k as keyof SignalDetails])),
    );
  });

  it('lists fills by key and record-field updates by field, whatever order the merges made them in', () => {
    const state = foldEvents([
      filled(S, t('4'), '150', '40', { orderId: 'o-1', fillId: 'f-2', eventId: 'f-2' }),
      filled(S, t('3'), '151', '40', { orderId: 'o-1', fillId: 'f-1', eventId: 'f-1' }),
      { ...submitted(S, t('5'), 'o-1', '100', 's-2'), origin: 'api', recordFields: { targetPrice: '155', positionValue: '1000' } },
    ]);
    const reordered: FoldState = {
      ...state,
      fills: Object.fromEntries(Object.entries(state.fills).reverse()),
      overrides: Object.fromEntries(Object.entries(state.overrides).reverse()),
    };
    expect(Object.keys(reordered.fills)).not.toEqual(Object.keys(state.fills));
    const stored = toStoredState(reordered);
    expect(JSON.stringify(stored)).toBe(JSON.stringify(toStoredState(state)));
    expect(Object.keys(stored[6] as object)).toEqual(['fill:o-1:f-1', 'fill:o-1:f-2']);
    expect(Object.keys(stored[8] as object)).toEqual(['positionValue', 'targetPrice']);
  });

  it('the empty state', () => {
    expect(JSON.stringify(toStoredState(EMPTY_STATE))).toBe('[1,null,null,false,null,null,{},null,{}]');
    expect(roundTrip(EMPTY_STATE)).toEqual(EMPTY_STATE);
  });

  it('any state reads back equal, and writes the same text again', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const text = JSON.stringify(toStoredState(state));
        const back = fromStoredState(text);
        expect(canonicalJson(back)).toBe(canonicalJson(JSON.parse(JSON.stringify(state))));
        expect(JSON.stringify(toStoredState(back))).toBe(text);
        // as the driver gives a json column on PostgreSQL: already parsed
        expect(canonicalJson(fromStoredState(JSON.parse(text)))).toBe(canonicalJson(back));
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('reads a state still stored as the state object (written by the release before) as it is', () => {
    const state = stateOf(filled(S, t('4'), '150.10', '40', { orderId: 'o-1', fillId: 'f-1', eventId: 'f-1' }));
    expect(fromStoredState(JSON.stringify(state))).toEqual(state);
    expect(fromStoredState(JSON.parse(JSON.stringify(EMPTY_STATE)))).toEqual(EMPTY_STATE);
  });

  it('refuses a state in no form it reads, naming the signal and what recomputes it', () => {
    const refusal = /^signal s-9: its stored fold state is in no form this version reads \(signal-ledger rebuild recomputes it from the audit trail\): /;
    for (const text of ['[2,null,null,false,null,null,{},null,{}]', '[1,null,null,false,null,null,{},null]', '{"edited":true}', 'null', '"x"']) {
      expect(() => fromStoredState(text, 's-9'), text).toThrow(refusal);
    }
    expect(() => fromStoredState('{"edited":true}')).toThrow(/^its stored fold state is in no form this version reads .*: \{"edited":true\}$/);
  });

  it("the generator's workload: about 60 % of the bytes of the state object's JSON", () => {
    const bySignal = Map.groupBy(
      parsedWorkload({ signals: 400, duplicates: 0.1, outOfOrder: 0.05, seed: 21 }).flatMap((m) => (m.ok ? [m.event] : [])),
      (e) => e.signalId,
    );
    let objectBytes = 0;
    let storedBytes = 0;
    for (const events of bySignal.values()) {
      const state = foldEvents(events);
      objectBytes += JSON.stringify(state).length;
      storedBytes += JSON.stringify(toStoredState(state)).length;
    }
    // the times and event ids of each fact are most of what is left
    expect(storedBytes / objectBytes).toBeLessThan(0.62);
    expect(storedBytes / objectBytes).toBeGreaterThan(0.55);
  });
});

describe("the migration's own copy of the two forms", () => {
  it('rewrites a state object as toStoredState writes it, and back as the state, for any state', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const object: unknown = JSON.parse(JSON.stringify(state));
        const compact = compactFoldState(object);
        expect(JSON.stringify(compact)).toBe(JSON.stringify(toStoredState(state)));
        expect(canonicalJson(objectFoldState(compact))).toBe(canonicalJson(object));
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('leaves a state in form 1 and what no form reads as they are (rebuild recomputes those)', () => {
    const stored = toStoredState(stateOf(generated(S, t('1'), {}, 'g-1')));
    expect(compactFoldState(stored)).toBe(stored);
    for (const v of [{ edited: true }, null, 5, 'x', { firstEventAt: null }]) expect(compactFoldState(v)).toBe(v);
    for (const v of [[2], { edited: true }, null]) expect(objectFoldState(v)).toBe(v);
  });
});

// ---- any state, not only those a fold makes ---------------------------------------------------------

const at = fc.constantFrom(t('1'), t('2'), '9999-12-31T23:59:59.999999Z');
const id = fc.string({ minLength: 1, maxLength: 6 });
const text = fc.option(fc.string({ maxLength: 6 }), { nil: null });
const decimal = fc.option(fc.constantFrom('0', '150.10', '-0.5', '99999999999999999999.999999999999'), { nil: null });
const object = fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) as fc.Arbitrary<JsonObject>, { nil: null });
const detailsArb = fc.record({
  strategyName: fc.string(),
  symbol: fc.string(),
  side: fc.constantFrom('buy', 'sell' as const),
  confidence: fc.constantFrom('0', '0.8'),
  sharpeEstimate: fc.constantFrom('1.5', '-0.7'),
  entryPrice: fc.constantFrom('150', '151.10'),
  stopLoss: decimal,
  takeProfit: decimal,
  signalType: fc.string(),
  qualityScore: decimal,
  requestedQuantity: decimal,
  positionValue: decimal,
  targetPrice: decimal,
  expiresAt: fc.option(at, { nil: null }),
}) satisfies fc.Arbitrary<SignalDetails>;
const fillArb: fc.Arbitrary<FillFact> = fc.record({
  at,
  id,
  orderId: text,
  price: decimal,
  quantity: decimal,
  leaves: decimal,
  fee: decimal,
  completes: fc.option(fc.boolean(), { nil: null }),
  api: fc.boolean(),
  conflict: fc.boolean(),
});
const stateArb: fc.Arbitrary<FoldState> = fc.record({
  firstEventAt: fc.option(at, { nil: null }),
  details: fc.option(fc.record({ at, id, details: detailsArb, metadata: object }), { nil: null }),
  detailsConflict: fc.boolean(),
  risk: fc.option(fc.record({ at, id, passed: fc.boolean(), checks: object, reason: text }), { nil: null }),
  submission: fc.option(fc.record({ at, id, orderId: text, quantity: decimal }), { nil: null }),
  fills: fc.dictionary(fc.oneof(fc.constant('api'), fc.string().map((s) => `fill:${s}`)), fillArb, { maxKeys: 4 }),
  outcome: fc.option(fc.record({ at, id, outcome: fc.constantFrom('cancelled', 'expired', 'missed', 'error' as const), reason: text }), { nil: null }),
  overrides: fc.dictionary(fc.constantFrom(...OVERRIDABLE_FIELDS), fc.record({ at, id, value: fc.jsonValue({ maxDepth: 1 }) }), { maxKeys: 3 }),
}) as fc.Arbitrary<FoldState>;
