// foldSignal against an independent oracle (test/oracle/plain-fold.ts), field by field, on random event
// sets; the oracle's own examples from the documents; and a guard that keeps the oracle independent.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, DEFAULT_TOPICS, type JsonObject, parseMessage, type RecordFieldOverrides, type SignalEvent } from '../../src/contract/index.ts';
import { foldSignal, type SignalFacts } from '../../src/fold/index.ts';
import { acceptedEventsBySignal, type PlainFacts, plainFold } from '../oracle/plain-fold.ts';
import { filled, generated, outcome, risk, submitted, t } from '../helpers/events.ts';
import { serialize, validDraftArb } from '../helpers/hostile-messages.ts';
import { MUTATION_TESTING, propertyRuns } from '../helpers/property-runs.ts';

const ORACLE = path.join(import.meta.dirname, '..', 'oracle', 'plain-fold.ts');
const SRC = path.join(import.meta.dirname, '..', '..', 'src');

describe('the oracle stays independent of src/fold', () => {
  const source = readFileSync(ORACLE, 'utf8');
  // every module specifier, static or dynamic, import or re-export
  const specifiers = [...source.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
  const resolved = specifiers.map((s) => (s.startsWith('.') ? path.resolve(path.dirname(ORACLE), s) : s));

  it('imports nothing from src/fold, nor anything that re-exports it (src/index.ts, src/store), nor decimal.js', () => {
    expect(specifiers.length).toBeGreaterThan(0);
    const fold = path.join(SRC, 'fold');
    expect(resolved.filter((r) => r === fold || r.startsWith(`${fold}${path.sep}`))).toEqual([]);
    expect(resolved.filter((r) => r.startsWith(SRC) && !r.startsWith(`${path.join(SRC, 'contract')}${path.sep}`))).toEqual([]);
    expect(specifiers.filter((s) => !s.startsWith('.'))).toEqual([]);
    expect(source).not.toMatch(/\brequire\s*\(/);
  });

  it('takes only types from src/contract: its decimal arithmetic and its rules are its own', () => {
    const statements = [...source.matchAll(/^\s*(import|export)\b[^;]*?\bfrom\s*['"][^'"]+['"]/gm)].map((m) => m[0].trim());
    expect(statements.length).toBe(specifiers.length);
    expect(statements.filter((s) => !s.startsWith('import type '))).toEqual([]);
  });
});

describe('the oracle on the documents\' own examples', () => {
  const S = 'sig-1';
  it('buy, entry 150, executed 151: slippage 1 (66.6667 bps); a sell at the same prices: -1', () => {
    const buy = plainFold([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '151', '100', { leaves: '0' })]);
    expect(buy).toMatchObject({ status: 'executed', executedPrice: '151', slippage: '1', slippageBps: '66.6667', anomalies: [] });
    const sell = plainFold([generated(S, t('1'), { side: 'sell' }), submitted(S, t('2')), filled(S, t('3'), '151', '100', { leaves: '0' })]);
    expect(sell).toMatchObject({ direction: 'SELL', slippage: '-1', slippageBps: '-66.6667' });
  });

  it('a VWAP keeps the largest price scale and rounds half to even at 10 places', () => {
    const events = [generated(S, t('1'), { entryPrice: '150.00' }), submitted(S, t('2'), 'o-1', '300')];
    expect(plainFold([...events, filled(S, t('3'), '150.10', '100', { fillId: 'a' }), filled(S, t('5'), '150.40', '200', { fillId: 'b' })])).toMatchObject({
      executedPrice: '150.30',
      executedQuantity: '300',
      executedAt: t('5'),
      slippage: '0.30',
      slippageBps: '20',
    });
    // (150 * 1 + 151 * 2) / 3 = 150.666..., and a tie at the 11th place goes to the even digit
    expect(plainFold([...events, filled(S, t('3'), '150', '1', { fillId: 'a' }), filled(S, t('4'), '151', '2', { fillId: 'b' })]).executedPrice).toBe('150.6666666667');
    expect(plainFold([...events, filled(S, t('3'), '0.0000000001', '1', { fillId: 'a' }), filled(S, t('4'), '0.0000000002', '1', { fillId: 'b' })]).executedPrice).toBe('0.0000000002');
    expect(plainFold([...events, filled(S, t('3'), '0.0000000003', '1', { fillId: 'a' }), filled(S, t('4'), '0.0000000004', '1', { fillId: 'b' })]).executedPrice).toBe('0.0000000004');
    expect(plainFold([...events, filled(S, t('3'), '0.0000000002', '1', { fillId: 'a' }), filled(S, t('4'), '0.0000000003', '1', { fillId: 'b' })]).executedPrice).toBe('0.0000000002');
    expect(plainFold([...events, filled(S, t('3'), '0.0000000001', '3', { fillId: 'a' }), filled(S, t('4'), '0.0000000002', '1', { fillId: 'b' })]).executedPrice).toBe('0.0000000001');
    // a price with 12 places keeps them
    expect(plainFold([...events, filled(S, t('3'), '150.000000000001', '1', { fillId: 'a' }), filled(S, t('4'), '150', '2', { fillId: 'b' })]).executedPrice).toBe('150.000000000000');
  });

  it('ties: details by the earliest time then the smallest id; risk by the latest, a rejection winning, then the largest id', () => {
    const details = plainFold([generated(S, t('2'), { symbol: 'B' }, 'g-b'), generated(S, t('2'), { symbol: 'A' }, 'g-c'), generated(S, t('3'), { symbol: 'Z' }, 'g-a')]);
    expect(details).toMatchObject({ symbol: 'B', anomalies: ['duplicate_details'] });
    const decided = plainFold([risk(S, t('2'), true, null, 'r-z'), risk(S, t('2'), false, 'limit', 'r-a'), risk(S, t('1'), false, 'old', 'r-y')]);
    expect(decided).toMatchObject({ status: 'rejected', rejectionReason: 'limit', closedAt: t('2') });
    const twoRejections = plainFold([risk(S, t('2'), false, 'first', 'r-a'), risk(S, t('2'), false, 'second', 'r-b')]);
    expect(twoRejections.rejectionReason).toBe('second');
  });

  it('an outcome beside partial fills keeps their quantities; completion beats an outcome and notes it', () => {
    const partial = plainFold([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '150', '40', { leaves: '60' }), outcome(S, t('4'), 'cancelled', 'timeout')]);
    expect(partial).toMatchObject({ status: 'cancelled', executedQuantity: '40', outcomeReason: 'timeout', closedAt: t('4'), anomalies: [] });
    const done = plainFold([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '150', '100', { leaves: '0.000' }), outcome(S, t('4'), 'expired')]);
    expect(done).toMatchObject({ status: 'executed', anomalies: ['outcome_after_completion'] });
  });

  it('a fill re-sent under a new event id counts once; two different reports of one fill keep the later and note it', () => {
    const resent = plainFold([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '150', '40', { fillId: 'x' }), filled(S, t('3'), '150', '40', { fillId: 'x' })]);
    expect(resent).toMatchObject({ executedQuantity: '40', status: 'partially_filled', anomalies: [] });
    const differ = plainFold([generated(S, t('1')), submitted(S, t('2')), filled(S, t('3'), '150', '40', { fillId: 'x' }), filled(S, t('4'), '151', '50', { fillId: 'x' })]);
    expect(differ).toMatchObject({ executedQuantity: '50', executedPrice: '151', anomalies: ['conflicting_fill'] });
    const sameIdOtherOrder = plainFold([generated(S, t('1')), submitted(S, t('2'), 'a', '1000'), filled(S, t('3'), '150', '10', { orderId: 'a:b', fillId: 'c' }), filled(S, t('4'), '151', '20', { orderId: 'a', fillId: 'b:c' })]);
    expect(sameIdOtherOrder).toMatchObject({ executedQuantity: '30', executedPrice: '150.6666666667', anomalies: [] });
  });

  it('quality score defaults to confidence * min(sharpe / 2, 1)', () => {
    expect(plainFold([generated(S, t('1'), { confidence: '0.8', sharpeEstimate: '1.5' })]).qualityScore).toBe('0.6');
    expect(plainFold([generated(S, t('1'), { confidence: '0.8', sharpeEstimate: '3' })]).qualityScore).toBe('0.8');
    expect(plainFold([generated(S, t('1'), { confidence: '0.5', sharpeEstimate: '-1' })]).qualityScore).toBe('-0.25');
  });
});

// ---- the property -----------------------------------------------------------------------------------

const S = 'sig-oracle';
const TIMES = ['1', '2', '3', '4', '5'].map(t);
/** Event ids, shuffled onto the events so that ties on time are broken every which way. */
const IDS = Array.from({ length: 40 }, (_, i) => `e${i}`);

// Decimals: scales 0..12, VWAPs that do not divide out (prices by 3, 7, 33...), leaves that are zero with a scale.
// Ids with ':' in order_id and fill_id, and 20-digit prices and quantities, are in: they found two bugs in
// foldSignal (regressions fill-ids-with-a-colon-merge-two-fills and vwap-of-20-digit-prices-rounded-twice).
const ENTRY = ['150', '150.00', '99.995', '0.0003', '151.1', '12345678.123456789012'];
const PRICE = ['150', '150.1', '150.37', '149.999', '151', '150.25', '0.3333', '151.10', '0.000000000123', '99.995', '150.000000000001', '10000000000000000000', '10000000000000000001', '99999999999999999999.999999999999'];
const QTY = ['1', '3', '7', '0.5', '2.25', '33', '100', '10', '0.000001', '9999999999499999999.999999999999', '500000000.000000000001'];
const LEAVES = [null, null, null, '0', '0.000', '10', '2.5'];
const FEE = [null, null, '0.01', '-0.005', '1.5', '0'];
const ORDER = ['o-1', 'o-2', 'a:b', 'a'];
const FILL_ID = [null, 'f1', 'f2', 'f3', 'c', 'b:c'];
const SUBMITTED_QTY = [null, '10', '100', '7', '0.5', '12.75'];
const REQUESTED = [null, '100', '10', '7.5'];
const CONFIDENCE = ['0', '0.8', '0.123456789012', '1', '0.5'];
const SHARPE = ['1.5', '3', '-0.7', '0.333333333333', '2', '0', '0.000000000003', '12345678901234567890.123456789012'];
const QUALITY = [null, null, '0.42', '-1.5'];
const METADATA: (JsonObject | null)[] = [null, { a: 1 }, { stop_loss: 'x', n: [1, 2] }, JSON.parse('{"__proto__":{"x":1},"k":"v"}') as JsonObject];
const CHECKS: (JsonObject | null)[] = [null, { limit: true }, { limit: false, var: 0.3 }];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const optionalKey = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Fields an API call sets on the record (saveSignal/updateSignalStatus options). */
const overridesArb: fc.Arbitrary<RecordFieldOverrides | null> = fc.option(
  fc
    .record({
      signalType: optionalKey(pick(['exit', 'scale_in'])),
      requestedQuantity: optionalKey(pick(['50', '7', '0.25'])),
      positionValue: optionalKey(pick(['1000', '-5.5'])),
      targetPrice: optionalKey(pick(['155', '160.5'])),
      qualityScore: optionalKey(pick(['0.9', '0'])),
      signalMetadata: optionalKey(pick([{ set: 'by-api' }, {}] as JsonObject[])),
    })
    .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as RecordFieldOverrides),
  { nil: null, freq: 2 },
);

/** An event without its id (given later). */
type Draft = SignalEvent;
const envelope = (at: string, origin: 'wire' | 'api', recordFields: RecordFieldOverrides | null = null, metadata: JsonObject | null = null) => ({
  eventId: '',
  signalId: S,
  occurredAt: at,
  schemaVersion: 1,
  metadata,
  origin,
  recordFields: origin === 'api' && recordFields !== null && Object.keys(recordFields).length > 0 ? recordFields : null,
});

const generatedArb: fc.Arbitrary<Draft> = fc
  .record({
    at: pick(TIMES),
    origin: pick(['wire', 'wire', 'api'] as const),
    metadata: pick(METADATA),
    side: pick(['buy', 'sell'] as const),
    entryPrice: pick(ENTRY),
    confidence: pick(CONFIDENCE),
    sharpeEstimate: pick(SHARPE),
    qualityScore: pick(QUALITY),
    requestedQuantity: pick(REQUESTED),
    positionValue: pick([null, '1000', '-3.25']),
    stopLoss: pick([null, '145']),
    takeProfit: pick([null, '160', '158.50']),
    targetPrice: pick([null, null, '157']),
    signalType: pick(['entry', 'exit']),
    expiresAt: pick([null, t('59')]),
    symbol: pick(['AAPL', 'MSFT']),
  })
  .map(({ at, origin, metadata, ...details }) => ({
    ...envelope(at, origin, null, metadata),
    kind: 'generated',
    details: { strategyName: 'momentum', ...details },
  }));

const riskArb: fc.Arbitrary<Draft> = fc
  .record({ at: pick(TIMES), origin: pick(['wire', 'wire', 'api'] as const), overrides: overridesArb, passed: fc.boolean(), reason: pick(['max_position', 'daily_loss_limit', null]), checks: pick(CHECKS) })
  .map(({ at, origin, overrides, passed, reason, checks }) => ({
    ...envelope(at, origin, overrides),
    kind: 'risk',
    passed,
    checks,
    // the wire requires a reason with a rejection; the API does not; a pass may carry one
    rejectionReason: !passed && origin === 'wire' ? (reason ?? 'limit') : reason,
  }));

const submittedArb: fc.Arbitrary<Draft> = fc
  .record({ at: pick(TIMES), origin: pick(['wire', 'wire', 'api'] as const), overrides: overridesArb, orderId: pick(ORDER), quantity: pick(SUBMITTED_QTY), noOrderId: fc.boolean() })
  .map(({ at, origin, overrides, orderId, quantity, noOrderId }) => ({
    ...envelope(at, origin, overrides),
    kind: 'submitted',
    orderId: origin === 'api' && noOrderId ? null : orderId,
    quantity,
    limitPrice: null,
    broker: null,
  }));

const wireFillArb: fc.Arbitrary<Draft> = fc
  .record({ at: pick(TIMES), orderId: pick(ORDER), fillId: pick(FILL_ID), price: pick(PRICE), quantity: pick(QTY), leaves: pick(LEAVES), fee: pick(FEE), metadata: pick([null, { venue: 'X' }]) })
  .map(({ at, orderId, fillId, price, quantity, leaves, fee, metadata }) => ({
    ...envelope(at, 'wire', null, metadata),
    kind: 'filled',
    orderId,
    fillId,
    price,
    quantity,
    leavesQuantity: leaves,
    fee,
    completes: null,
  }));

/** updateSignalStatus(executed | partially_filled): one cumulative execution, prices optional. */
const apiFillArb: fc.Arbitrary<Draft> = fc
  .record({
    at: pick(TIMES),
    overrides: overridesArb,
    orderId: pick([null, ...ORDER]),
    price: pick(PRICE),
    quantity: pick(QTY),
    fee: pick(FEE),
    completes: fc.boolean(),
    // bare: updateSignalStatus(id, 'executed') with no price and no quantity
    given: pick(['price and quantity', 'price and quantity', 'bare', 'price only', 'quantity only'] as const),
  })
  .map(({ at, overrides, orderId, price, quantity, fee, completes, given }) => ({
    ...envelope(at, 'api', overrides),
    kind: 'filled',
    orderId,
    fillId: null,
    price: given === 'bare' || given === 'quantity only' ? null : price,
    quantity: given === 'bare' || given === 'price only' ? null : quantity,
    leavesQuantity: null,
    fee,
    completes,
  }));

const outcomeArb: fc.Arbitrary<Draft> = fc
  .record({ at: pick(TIMES), origin: pick(['wire', 'wire', 'api'] as const), overrides: overridesArb, outcome: pick(['cancelled', 'expired', 'missed', 'error'] as const), reason: pick([null, 'timeout', 'halted']) })
  .map(({ at, origin, overrides, outcome: result, reason }) => ({ ...envelope(at, origin, overrides), kind: 'outcome', outcome: result, reason, orderId: null }));

const draftArb: fc.Arbitrary<Draft> = fc.oneof(
  { arbitrary: generatedArb, weight: 2 },
  { arbitrary: riskArb, weight: 2 },
  { arbitrary: submittedArb, weight: 2 },
  { arbitrary: wireFillArb, weight: 5 },
  { arbitrary: apiFillArb, weight: 1 },
  { arbitrary: outcomeArb, weight: 1 },
);

/** A wire fill sent again under a new event id: identical, at another time, or as a different report. */
const resendArb = fc.record({
  which: fc.nat(),
  at: fc.option(pick(TIMES), { nil: null }),
  change: pick([null, null, 'price', 'quantity', 'leaves', 'fee', 'same price written longer'] as const),
});

function resent(draft: Extract<SignalEvent, { kind: 'filled' }>, r: { at: string | null; change: string | null }): Draft {
  const copy = { ...draft, occurredAt: r.at ?? draft.occurredAt };
  switch (r.change) {
    case 'price':
      return { ...copy, price: draft.price === '151' ? '150.5' : '151' };
    case 'quantity':
      return { ...copy, quantity: draft.quantity === '5' ? '6' : '5' };
    case 'leaves':
      return { ...copy, leavesQuantity: draft.leavesQuantity === '0' ? '1' : '0' };
    case 'fee':
      return { ...copy, fee: draft.fee === '0.02' ? null : '0.02' };
    case 'same price written longer':
      return { ...copy, price: draft.price === null ? null : draft.price.includes('.') ? `${draft.price}0` : `${draft.price}.0` };
    default:
      return copy;
  }
}

/** A random set of events of one signal (1..16 distinct, unique ids), given with some repeated. */
const eventSetArb: fc.Arbitrary<{ events: SignalEvent[]; given: SignalEvent[] }> = fc
  .tuple(fc.array(draftArb, { minLength: 1, maxLength: 12 }), fc.array(resendArb, { maxLength: 4 }))
  .map(([drafts, resends]) => {
    const wireFills = drafts.filter((d): d is Extract<SignalEvent, { kind: 'filled' }> => d.kind === 'filled' && d.origin === 'wire');
    return wireFills.length === 0 ? drafts : [...drafts, ...resends.map((r) => resent(wireFills[r.which % wireFills.length] as Extract<SignalEvent, { kind: 'filled' }>, r))];
  })
  .chain((drafts) => fc.tuple(fc.constant(drafts), fc.shuffledSubarray(IDS, { minLength: drafts.length, maxLength: drafts.length }), fc.array(fc.nat(), { maxLength: 4 })))
  .chain(([drafts, ids, repeats]) => {
    const events = drafts.map((d, i) => ({ ...d, eventId: ids[i] as string }) as SignalEvent);
    // foldSignal is given them with some repeated, in any order: neither may matter
    const given = [...events, ...repeats.map((r) => events[r % events.length] as SignalEvent)];
    return fc.shuffledSubarray(given, { minLength: given.length, maxLength: given.length }).map((shuffled) => ({ events, given: shuffled }));
  });

/** The fields where foldSignal and the oracle differ (empty when they agree), and keys only one has. */
function differences(actual: SignalFacts, expected: PlainFacts): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const k of [...keys].sort()) {
    if (!(k in actual)) out.push(`${k}: only the oracle has it`);
    else if (!(k in expected)) out.push(`${k}: only foldSignal has it`);
    else {
      const a = canonicalJson((actual as unknown as Record<string, unknown>)[k]);
      const e = canonicalJson((expected as unknown as Record<string, unknown>)[k]);
      if (a !== e) out.push(`${k}: foldSignal ${a}, oracle ${e}`);
    }
  }
  return out;
}

const RUNS = propertyRuns(5_000);

describe('foldSignal equals the oracle, field by field', () => {
  it(`on ${RUNS} random event sets: ties, resent and conflicting fills, every anomaly, API executions and updates`, () => {
    const seen = new Map<string, number>();
    const note = (what: string, when: boolean) => {
      if (when) seen.set(what, (seen.get(what) ?? 0) + 1);
    };
    fc.assert(
      fc.property(eventSetArb, ({ events, given }) => {
        const expected = plainFold(events);
        expect(differences(foldSignal(given), expected)).toEqual([]);

        // what the run covered
        for (const a of expected.anomalies) note(`anomaly ${a}`, true);
        note(`status ${expected.status}`, true);
        const byKind = (kind: string) => events.filter((e) => e.kind === kind);
        const sameTime = (es: SignalEvent[]) => new Set(es.map((e) => e.occurredAt)).size < es.length;
        note('tie: details', sameTime(byKind('generated')));
        note('tie: submissions', sameTime(byKind('submitted')));
        note('tie: outcomes', sameTime(byKind('outcome')));
        const risks = byKind('risk') as Extract<SignalEvent, { kind: 'risk' }>[];
        const latestRisk = risks.map((r) => r.occurredAt).sort().at(-1);
        const atLatest = risks.filter((r) => r.occurredAt === latestRisk);
        note('tie: risk, a pass and a rejection at the latest time', atLatest.some((r) => r.passed) && atLatest.some((r) => !r.passed));
        note('tie: API field updates', sameTime(events.filter((e) => e.recordFields?.positionValue !== undefined)));
        const fills = byKind('filled') as Extract<SignalEvent, { kind: 'filled' }>[];
        const priced = new Set(fills.filter((f) => f.price !== null && f.quantity !== null).map((f) => (f.origin === 'api' ? 'api' : `${f.orderId}/${f.fillId ?? f.eventId}`)));
        note('VWAP of several fills, rounded to 10 places', priced.size > 1 && /\.\d{10}$/.test(expected.executedPrice ?? ''));
        note('VWAP of several fills', priced.size > 1);
        const sign = expected.slippage === null ? null : expected.slippage.startsWith('-') ? 'favourable' : /[1-9]/.test(expected.slippage) ? 'adverse' : 'zero';
        note(`slippage ${expected.direction} ${sign}`, sign !== null);
        note('outcome beside partial fills', ['cancelled', 'expired', 'missed', 'error'].includes(expected.status) && expected.executedQuantity !== null);
        note('API execution', fills.some((f) => f.origin === 'api'));
        note('API execution completing without prices', expected.status === 'executed' && expected.executedPrice === null);
        note('API execution beside wire fills', fills.some((f) => f.origin === 'api') && fills.some((f) => f.origin === 'wire'));
        note('API execution price without a quantity, nothing to weigh', priced.size === 0 && fills.some((f) => f.origin === 'api' && f.price !== null && f.quantity === null));
        note('no details', expected.generatedAt === null);
      }),
      { numRuns: RUNS },
    );
    const must = [
      ...['duplicate_details', 'fill_after_rejection', 'fill_without_submission', 'submission_after_rejection', 'conflicting_fill', 'outcome_after_completion', 'overfilled_order'].map((a) => `anomaly ${a}`),
      ...['generated', 'passed_risk', 'rejected', 'submitted', 'executed', 'partially_filled', 'cancelled', 'expired', 'missed', 'error'].map((s) => `status ${s}`),
      'tie: details',
      'tie: submissions',
      'tie: outcomes',
      'tie: risk, a pass and a rejection at the latest time',
      'tie: API field updates',
      'VWAP of several fills, rounded to 10 places',
      'slippage BUY adverse',
      'slippage BUY favourable',
      'slippage SELL adverse',
      'slippage SELL favourable',
      'outcome beside partial fills',
      'API execution',
      'API execution completing without prices',
      'API execution beside wire fills',
      'API execution price without a quantity, nothing to weigh',
      'no details',
    ];
    // This checks the generators, which no mutant changes: under mutation testing, with a tenth of the runs, it is left out.
    const thin = must.filter((what) => (seen.get(what) ?? 0) < 10).map((what) => `${what}: ${seen.get(what) ?? 0} runs`);
    if (!MUTATION_TESTING) expect(thin, 'each case the generators promise is met in at least 10 runs').toEqual([]);
  });

  it('on valid wire messages of every kind (extreme decimals, any timestamps), parsed and grouped by signal as the store groups them', () => {
    fc.assert(
      fc.property(fc.array(validDraftArb, { minLength: 1, maxLength: 30 }), (drafts) => {
        const messages = drafts.map((d) => parseMessage({ topic: DEFAULT_TOPICS[d.kind], value: serialize(d.value), source: { type: 'api' } }));
        for (const [, events] of acceptedEventsBySignal(messages)) expect(differences(foldSignal(events), plainFold(events))).toEqual([]);
      }),
      { numRuns: propertyRuns(500) },
    );
  });
});
