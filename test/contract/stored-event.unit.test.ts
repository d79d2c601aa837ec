// Stored events parsed again (parseStoredEvent) and repository events checked field by field (parseApiEvent):
// what history, verify, rebuild and the ingest of an export's "origin": "api" lines rely on.
import { describe, expect, it } from 'vitest';
import { hashEvent, parseApiEvent, parseStoredEvent, type SignalEvent } from '../../src/contract/index.ts';

const wire = '{"signal_id":"s-1","occurred_at":"2026-01-05T10:00:00Z","strategy_name":"m","symbol":"AAPL","side":"buy","confidence":0.8,"sharpe_estimate":1.5,"entry_price":150.10}';

/** An event as the repository makes one (saveSignal): every field, origin api. */
const apiEvent = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'generated',
  eventId: 'e-1',
  signalId: 's-1',
  occurredAt: '2026-01-05T10:00:00.000000Z',
  schemaVersion: 1,
  metadata: null,
  origin: 'api',
  recordFields: { signalMetadata: { n: 1 } },
  details: {
    strategyName: 'm',
    symbol: 'AAPL',
    side: 'buy',
    confidence: '0.8',
    sharpeEstimate: '1.5',
    entryPrice: '150.1',
    stopLoss: null,
    takeProfit: null,
    signalType: 'entry',
    qualityScore: null,
    requestedQuantity: null,
    positionValue: null,
    targetPrice: null,
    expiresAt: null,
  },
  ...over,
});

describe('parseStoredEvent', () => {
  it('parses a message\'s payload under its kind\'s default topic, keeps the row\'s event id and digits as written, and gives its content hash', () => {
    const r = parseStoredEvent({ eventId: 'recorded-id', kind: 'generated', source: 'file.ndjson:1', payload: wire });
    expect(r).toMatchObject({ ok: true, event: { kind: 'generated', eventId: 'recorded-id', signalId: 's-1', details: { entryPrice: '150.10' } }, contentHash: expect.stringMatching(/^x1:[0-9a-f]{61}$/) });
    expect(r.ok && r.legacyContentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads an offset-less timestamp as UTC (a ledger recorded one only when set to accept them)', () => {
    const r = parseStoredEvent({ eventId: 'e', kind: 'generated', source: 'x', payload: wire.replace('10:00:00Z', '10:00:00') });
    expect(r).toMatchObject({ ok: true, event: { occurredAt: '2026-01-05T10:00:00.000000Z' } });
  });

  it('says what is wrong with a payload that no longer parses, an unknown kind, and a repository payload of another kind', () => {
    expect(parseStoredEvent({ eventId: 'e', kind: 'generated', source: 'x', payload: '{' })).toMatchObject({ ok: false, problems: [{ path: '$', message: expect.stringMatching(/^not JSON/) }] });
    expect(parseStoredEvent({ eventId: 'e', kind: 'closed', source: 'x', payload: wire })).toEqual({ ok: false, problems: [{ path: '$', message: 'unknown event kind "closed"' }] });
    expect(parseStoredEvent({ eventId: 'e-1', kind: 'risk', source: 'api', payload: JSON.stringify(apiEvent()) })).toEqual({
      ok: false,
      problems: [{ path: '$.kind', message: 'the payload is a generated event, its row a risk one' }],
    });
  });

  it('reports a stored repository payload the repository could not have made (an import line accepted before the rules held), as verify lists it', () => {
    const zero = apiEvent({ details: { ...(apiEvent().details as object), entryPrice: '0' } });
    expect(parseStoredEvent({ eventId: 'e-1', kind: 'generated', source: 'api', payload: JSON.stringify(zero) })).toEqual({
      ok: false,
      problems: [{ path: '$.details.entryPrice', message: 'must be greater than 0 (got 0)' }],
    });
  });

  it('takes a repository call\'s payload as the event itself, with its hash', () => {
    const r = parseStoredEvent({ eventId: 'e-1', kind: 'generated', source: 'api', payload: JSON.stringify(apiEvent()) });
    expect(r).toEqual({ ok: true, event: apiEvent(), contentHash: hashEvent(apiEvent() as unknown as SignalEvent) });
  });
});

describe('parseApiEvent', () => {
  it('takes an event of each kind as the repository writes it', () => {
    const kinds = [
      apiEvent(),
      apiEvent({ kind: 'risk', details: undefined, passed: false, checks: { limit: true }, rejectionReason: null }),
      apiEvent({ kind: 'submitted', details: undefined, orderId: 'o', quantity: '10', limitPrice: null, broker: null }),
      apiEvent({ kind: 'filled', details: undefined, orderId: 'o', fillId: null, price: null, quantity: null, leavesQuantity: null, fee: null, completes: true }),
      apiEvent({ kind: 'outcome', details: undefined, outcome: 'cancelled', reason: 'timeout', orderId: null }),
    ].map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>);
    for (const e of kinds) expect(parseApiEvent(JSON.stringify(e)), String(e.kind)).toMatchObject({ ok: true, event: e });
  });

  it('takes the edge values a repository call can make: confidence 0 and 1, negative sharpe, score, value and fee, nothing left of an order', () => {
    const d = apiEvent().details as object;
    const events = [
      apiEvent({ details: { ...d, confidence: '0' } }),
      apiEvent({ details: { ...d, confidence: '1', sharpeEstimate: '-2.5', qualityScore: '-1', positionValue: '-100' } }),
      apiEvent({ recordFields: { signalType: '', qualityScore: '-0.5', positionValue: '-1' } }),
      apiEvent({ kind: 'filled', details: undefined, orderId: 'o', fillId: null, price: '0.000000000001', quantity: '1', leavesQuantity: '0', fee: '-0.25', completes: true }),
    ].map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>);
    for (const e of events) expect(parseApiEvent(JSON.stringify(e))).toMatchObject({ ok: true, event: e });
  });

  it('takes every decimal field a repository call can fill, each at a value its rule allows', () => {
    const events = [
      apiEvent({
        details: { ...(apiEvent().details as object), stopLoss: '140', takeProfit: '160', qualityScore: '0.6', requestedQuantity: '10', positionValue: '1501', targetPrice: '170' },
        recordFields: { requestedQuantity: '12', positionValue: '1800', targetPrice: '165', qualityScore: '0.5' },
      }),
      apiEvent({ kind: 'submitted', details: undefined, orderId: 'o', quantity: '10', limitPrice: '150.5', broker: 'b' }),
    ].map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>);
    for (const e of events) expect(parseApiEvent(JSON.stringify(e))).toMatchObject({ ok: true, event: e });
  });

  it.each([
    ['a decimal that is not canonical', apiEvent({ details: { ...(apiEvent().details as object), entryPrice: '0150.1' } }), '$.details.entryPrice', 'a canonical decimal string'],
    ['a decimal with more than 12 places', apiEvent({ details: { ...(apiEvent().details as object), entryPrice: '1.0000000000000' } }), '$.details.entryPrice', 'a canonical decimal string'],
    ['a decimal that is not a number', apiEvent({ details: { ...(apiEvent().details as object), confidence: 'high' } }), '$.details.confidence', 'a canonical decimal string'],
    ['an offset-less time', apiEvent({ occurredAt: '2026-01-05T10:00:00' }), '$.occurredAt', 'a normalized UTC timestamp with microseconds'],
    ['another origin', apiEvent({ origin: 'wire' }), '$.origin', undefined],
    ['an id too long', apiEvent({ signalId: 'x'.repeat(129) }), '$.signalId', undefined],
    ['a detail the repository never writes', apiEvent({ details: { ...(apiEvent().details as object), venue: 'X' } }), '$.details', undefined],
    ['an unknown kind', apiEvent({ kind: 'closed' }), '$.kind', undefined],
    ['another schema version', apiEvent({ schemaVersion: 2 }), '$.schemaVersion', undefined],
    ['a side that is neither', apiEvent({ details: { ...(apiEvent().details as object), side: 'hold' } }), '$.details.side', undefined],
    ['a NUL in a text', apiEvent({ metadata: { note: 'a\u0000b' } }), '$.metadata.note', undefined],
    // the rules the repository holds its arguments to, so that an import line gives the fold nothing a call could not
    ['an entry price of 0', apiEvent({ details: { ...(apiEvent().details as object), entryPrice: '0' } }), '$.details.entryPrice', 'must be greater than 0 (got 0)'],
    ['a negative stop-loss', apiEvent({ details: { ...(apiEvent().details as object), stopLoss: '-1' } }), '$.details.stopLoss', 'must be greater than 0 (got -1)'],
    ['a confidence above 1', apiEvent({ details: { ...(apiEvent().details as object), confidence: '1.01' } }), '$.details.confidence', 'must be between 0 and 1 (got 1.01)'],
    ['an empty strategy name', apiEvent({ details: { ...(apiEvent().details as object), strategyName: '' } }), '$.details.strategyName', undefined],
    ['an empty symbol', apiEvent({ details: { ...(apiEvent().details as object), symbol: '' } }), '$.details.symbol', undefined],
    ['a requested quantity of 0 among the record fields', apiEvent({ recordFields: { requestedQuantity: '0' } }), '$.recordFields.requestedQuantity', 'must be greater than 0 (got 0)'],
    [
      'a fill of a negative quantity',
      apiEvent({ kind: 'filled', details: undefined, orderId: 'o', fillId: null, price: '10', quantity: '-5', leavesQuantity: null, fee: null, completes: true }),
      '$.quantity',
      'must be greater than 0 (got -5)',
    ],
    [
      'a fill leaving a negative quantity',
      apiEvent({ kind: 'filled', details: undefined, orderId: 'o', fillId: null, price: '10', quantity: '5', leavesQuantity: '-1', fee: null, completes: false }),
      '$.leavesQuantity',
      'must be 0 or greater (got -1)',
    ],
    ['an order of quantity 0', apiEvent({ kind: 'submitted', details: undefined, orderId: 'o', quantity: '0', limitPrice: null, broker: null }), '$.quantity', 'must be greater than 0 (got 0)'],
  ])('refuses %s, naming the field', (_name, event, path, message) => {
    const r = parseApiEvent(JSON.stringify(event));
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.map((p) => p.path)).toContain(path);
    if (message !== undefined) expect(problems.find((p) => p.path === path)?.message).toBe(message);
  });

  it('refuses what is not a JSON object', () => {
    expect(parseApiEvent('[1]')).toEqual({ ok: false, problems: [{ path: '$', message: "a repository call's event is a JSON object" }] });
    expect(parseApiEvent('null')).toMatchObject({ ok: false });
    expect(parseApiEvent('nope')).toMatchObject({ ok: false, problems: [{ path: '$', message: expect.stringMatching(/^not JSON: /) }] });
  });
});
