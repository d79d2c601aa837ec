// Contract section 2 and docs/architecture.md "Events", docs/decisions.md: what an accepted message holds,
// field by field: each event kind's fields and defaults, the envelope, the derived event_id (sha256 of the
// default topic and the canonical JSON of the value, decimals as written), the content hashes that tell a
// redelivery from a reused event_id, offset-less timestamps read as UTC when asked, and the helpers that make
// keys, topics and raw values storable.
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  deriveEventId,
  doubleWritesItBack,
  EXACT_HASH_PREFIX,
  hashEvent,
  keyText,
  parseMessage,
  type AcceptedMessage,
  type ParsedMessage,
  type ParseOptions,
  type RawMessage,
  sameContent,
  sha256Hex,
  storableRaw,
  storableText,
  WIRE_SCHEMAS,
} from '../../src/contract/index.ts';

const source = { type: 'file' as const, file: 'events.ndjson', line: 12, topic: 'orders.filled', key: 'sig-1' };
const at = '2026-01-05T10:00:00+02:00';
const atUtc = '2026-01-05T08:00:00.000000Z';

const parse = (topic: string, value: RawMessage['value'], options?: ParseOptions): ParsedMessage => parseMessage({ topic, value, key: 'sig-1', source }, options);

function accepted(m: ParsedMessage): AcceptedMessage {
  if (!m.ok) throw new Error(`expected the message to be accepted: ${JSON.stringify(m.problems)}`);
  return m;
}
/** The fields every wire event of this test carries, with its given or derived event id. */
const envelope = (eventId: string, signalId = 's-1') => ({ eventId, signalId, occurredAt: atUtc, schemaVersion: 1, metadata: null, origin: 'wire', recordFields: null });

describe('a signal generated event', () => {
  const minimal = { signal_id: 's-1', occurred_at: at, strategy_name: 'momentum', symbol: 'AAPL', side: 'sell', confidence: '0.8', sharpe_estimate: '1.2', entry_price: '150.25' };

  it('given only the required fields, when parsed, then the optional details are null and signal_type defaults to entry', () => {
    const m = accepted(parse('signals.generated', JSON.stringify(minimal)));
    expect(m.event).toEqual({
      ...envelope(deriveEventId('generated', minimal)),
      kind: 'generated',
      details: {
        strategyName: 'momentum',
        symbol: 'AAPL',
        side: 'sell',
        confidence: '0.8',
        sharpeEstimate: '1.2',
        entryPrice: '150.25',
        stopLoss: null,
        takeProfit: null,
        signalType: 'entry',
        qualityScore: null,
        requestedQuantity: null,
        positionValue: null,
        targetPrice: null,
        expiresAt: null,
      },
    });
  });

  it('given every optional field, when parsed, then each is kept (decimals as canonical strings, times in UTC)', () => {
    const full = {
      ...minimal,
      event_id: 'gen-1',
      schema_version: 1,
      metadata: { desk: 'eq', legs: [1, 2] },
      stop_loss: '140',
      take_profit: 160.5,
      signal_type: 'exit',
      quality_score: '-0.5',
      requested_quantity: '00100',
      position_value: 15025,
      target_price: '158',
      expires_at: '2026-01-06T00:00:00Z',
    };
    const m = accepted(parse('signals.generated', JSON.stringify(full)));
    expect(m.event).toEqual({
      ...envelope('gen-1'),
      metadata: { desk: 'eq', legs: [1, 2] },
      kind: 'generated',
      details: {
        strategyName: 'momentum',
        symbol: 'AAPL',
        side: 'sell',
        confidence: '0.8',
        sharpeEstimate: '1.2',
        entryPrice: '150.25',
        stopLoss: '140',
        takeProfit: '160.5',
        signalType: 'exit',
        qualityScore: '-0.5',
        requestedQuantity: '100',
        positionValue: '15025',
        targetPrice: '158',
        expiresAt: '2026-01-06T00:00:00.000000Z',
      },
    });
  });
});

describe('a risk decision', () => {
  it('given a rejection with its reason and checks, when parsed, then passed, checks and the reason are kept', () => {
    const value = { signal_id: 's-1', occurred_at: at, passed: false, rejection_reason: 'position limit', checks: { size: false, 'max loss': { limit: 5 } } };
    const m = accepted(parse('signals.risk', JSON.stringify(value)));
    expect(m.event).toEqual({
      ...envelope(deriveEventId('risk', value)),
      kind: 'risk',
      passed: false,
      checks: { size: false, 'max loss': { limit: 5 } },
      rejectionReason: 'position limit',
    });
  });

  it('given a pass without checks or reason, when parsed, then checks and the reason are null', () => {
    const value = { signal_id: 's-1', occurred_at: at, passed: true };
    const m = accepted(parse('signals.risk', JSON.stringify(value)));
    expect(m.event).toEqual({ ...envelope(deriveEventId('risk', value)), kind: 'risk', passed: true, checks: null, rejectionReason: null });
  });
});

describe('an order submitted', () => {
  it('given quantity, limit price and broker, when parsed, then each is kept', () => {
    const value = { signal_id: 's-1', occurred_at: at, order_id: 'o-1', quantity: '100', limit_price: 150.1, broker: 'IBKR' };
    const m = accepted(parse('orders.submitted', JSON.stringify(value)));
    expect(m.event).toEqual({ ...envelope(deriveEventId('submitted', value)), kind: 'submitted', orderId: 'o-1', quantity: '100', limitPrice: '150.1', broker: 'IBKR' });
  });

  it('given only the order id, when parsed, then quantity, limit price and broker are null', () => {
    const value = { signal_id: 's-1', occurred_at: at, order_id: 'o-1' };
    const m = accepted(parse('orders.submitted', JSON.stringify(value)));
    expect(m.event).toEqual({ ...envelope(deriveEventId('submitted', value)), kind: 'submitted', orderId: 'o-1', quantity: null, limitPrice: null, broker: null });
  });
});

describe('an order filled', () => {
  it('given a fill id, remaining quantity and fee, when parsed, then each is kept and completes is left to the fold (null)', () => {
    const value = { signal_id: 's-1', occurred_at: at, order_id: 'o-1', fill_id: 'f-1', price: '150.5', quantity: '40', leaves_quantity: '60', fee: '-0.2' };
    const m = accepted(parse('orders.filled', JSON.stringify(value)));
    expect(m.event).toEqual({
      ...envelope(deriveEventId('filled', value)),
      kind: 'filled',
      orderId: 'o-1',
      fillId: 'f-1',
      price: '150.5',
      quantity: '40',
      leavesQuantity: '60',
      fee: '-0.2',
      completes: null,
    });
  });
});

describe('a signal outcome', () => {
  it('given a reason and an order id, when parsed, then both are kept', () => {
    const value = { signal_id: 's-1', occurred_at: at, outcome: 'expired', reason: 'end of day', order_id: 'o-1' };
    const m = accepted(parse('signals.outcome', JSON.stringify(value)));
    expect(m.event).toEqual({ ...envelope(deriveEventId('outcome', value)), kind: 'outcome', outcome: 'expired', reason: 'end of day', orderId: 'o-1' });
  });

  it('given neither, when parsed, then both are null', () => {
    const value = { signal_id: 's-1', occurred_at: at, outcome: 'missed' };
    const m = accepted(parse('signals.outcome', JSON.stringify(value)));
    expect(m.event).toEqual({ ...envelope(deriveEventId('outcome', value)), kind: 'outcome', outcome: 'missed', reason: null, orderId: null });
  });
});

describe('the accepted message around the event', () => {
  const fill = { signal_id: 's-1', occurred_at: at, order_id: 'o-1', price: '150', quantity: '10' };

  it('given a fill whose decimals a double writes back, when parsed, then payload is the text, the hashes are over the canonical JSON, and no legacy id is set', () => {
    const text = JSON.stringify(fill);
    const m = accepted(parse('orders.filled', text));
    const derived = sha256Hex(`orders.filled\n${canonicalJson(fill)}`);
    expect(m).toEqual({
      ok: true,
      event: expect.objectContaining({ eventId: derived }),
      payload: text,
      contentHash: `x1:${derived.slice(0, 61)}`,
      legacyContentHash: derived,
      source,
    });
    expect(m.contentHash).toHaveLength(64);
    expect('legacyEventId' in m).toBe(false);
  });

  it('given configured topic names, when parsed, then the derived event_id is still over the default topic name', () => {
    const topics = { generated: 'p.gen', risk: 'p.risk', submitted: 'p.sub', filled: 'p.fill', outcome: 'p.out' };
    const m = accepted(parse('p.fill', JSON.stringify(fill), { topics }));
    expect(m.event.eventId).toBe(sha256Hex(`orders.filled\n${canonicalJson(fill)}`));
  });

  it('given a value as bytes, when parsed, then the payload is its UTF-8 text', () => {
    const text = JSON.stringify({ ...fill, venue: 'Zürich' });
    expect(accepted(parse('orders.filled', Buffer.from(text))).payload).toBe(text);
  });

  it('given a given event_id, when parsed, then it is the event id and the content hash leaves it out', () => {
    const m = accepted(parse('orders.filled', JSON.stringify({ ...fill, event_id: 'ev-1' })));
    expect(m.event.eventId).toBe('ev-1');
    expect(m.contentHash).toBe(`x1:${deriveEventId('filled', fill).slice(0, 61)}`);
    expect(m.legacyContentHash).toBe(deriveEventId('filled', fill));
  });

  it('given no schema_version, when parsed, then the event is of version 1', () => {
    expect(accepted(parse('orders.filled', JSON.stringify(fill))).event.schemaVersion).toBe(1);
    expect(accepted(parse('orders.filled', JSON.stringify({ ...fill, schema_version: 1 }))).event.schemaVersion).toBe(1);
  });
});

describe('decimals given as JSON numbers are hashed as written', () => {
  const text = (price: string, extra = '') => `{"signal_id":"s-1","occurred_at":"${at}","order_id":"o-1","price":${price},"quantity":10${extra}}`;
  const content = (price: unknown) => ({ signal_id: 's-1', occurred_at: at, order_id: 'o-1', price, quantity: 10 });

  it('given a price of 151.10 as a JSON number and no event_id, when parsed, then the id is over the exact decimal and the id over doubles is kept as legacyEventId', () => {
    const m = accepted(parse('orders.filled', text('151.10')));
    const exact = deriveEventId('filled', content('151.10'));
    const overDoubles = deriveEventId('filled', content(151.1));
    expect(exact).not.toBe(overDoubles);
    expect(m.event.eventId).toBe(exact);
    expect(m.legacyEventId).toBe(overDoubles);
    expect(m.contentHash).toBe(`x1:${exact.slice(0, 61)}`);
    expect(m.legacyContentHash).toBe(overDoubles);
  });

  it('given the same price with an event_id, when parsed, then the given id stands, no legacyEventId is set, and the content hash is still exact', () => {
    const m = accepted(parse('orders.filled', text('151.10', ',"event_id":"ev-1"')));
    expect(m.event.eventId).toBe('ev-1');
    expect('legacyEventId' in m).toBe(false);
    expect(m.contentHash).toBe(`x1:${deriveEventId('filled', content('151.10')).slice(0, 61)}`);
  });

  it('given 151.1 and 151.10, when parsed, then they are two events with different ids', () => {
    const a = accepted(parse('orders.filled', text('151.1')));
    const b = accepted(parse('orders.filled', text('151.10')));
    expect(a.event.eventId).toBe(deriveEventId('filled', content(151.1)));
    expect(a.event.eventId).not.toBe(b.event.eventId);
    expect(b.legacyEventId).toBe(a.event.eventId);
  });

  it.each([
    ['1.5e2', '150'],
    ['1.51E+2', '151'],
    ['15e1', '150'],
  ])('given a price of %s (another spelling of the double %s), when parsed, then the id is over doubles and no legacy id is set', (price, canonical) => {
    const m = accepted(parse('orders.filled', text(price)));
    expect(m.event.kind === 'filled' && m.event.price).toBe(canonical);
    expect(m.event.eventId).toBe(deriveEventId('filled', content(Number(price))));
    expect('legacyEventId' in m).toBe(false);
  });

  it('given 20-digit quantities a double cannot tell apart, when parsed, then their ids differ', () => {
    const a = accepted(parse('orders.filled', text('1', '').replace('"quantity":10', '"quantity":12345678901234567890')));
    const b = accepted(parse('orders.filled', text('1', '').replace('"quantity":10', '"quantity":12345678901234567891')));
    expect(a.event.eventId).not.toBe(b.event.eventId);
    expect(a.legacyEventId).toBe(b.legacyEventId);
  });
});

describe('sameContent compares a recorded content hash in the form it was written', () => {
  const m = accepted(parse('orders.filled', '{"signal_id":"s-1","occurred_at":"2026-01-05T10:00:00Z","order_id":"o-1","price":151.10,"quantity":10}'));

  it('given the exact hash (x1:) recorded, then the same message has the same content and another hash does not', () => {
    expect(m.contentHash.startsWith(EXACT_HASH_PREFIX)).toBe(true);
    expect(sameContent(m.contentHash, m)).toBe(true);
    expect(sameContent(`x1:${'0'.repeat(61)}`, m)).toBe(false);
  });

  it('given a hash over doubles recorded by an earlier version, then it is compared with the legacy hash', () => {
    expect(sameContent(m.legacyContentHash as string, m)).toBe(true);
    expect(sameContent('0'.repeat(64), m)).toBe(false);
    // a hash in the old form that is not the legacy one: not the same content
    expect(sameContent(m.contentHash.slice(3), m)).toBe(false);
  });

  it('given a message without a legacy hash, then an old-form hash is compared with its content hash', () => {
    const { legacyContentHash: _dropped, ...withoutLegacy } = m;
    expect(sameContent('abc', { ...withoutLegacy, contentHash: 'abc' })).toBe(true);
    expect(sameContent('abd', { ...withoutLegacy, contentHash: 'abc' })).toBe(false);
  });
});

describe('hashEvent: equal events, equal hash', () => {
  it('given an event, then its hash is the sha256 of its canonical JSON, and another event hashes differently', () => {
    const a = accepted(parse('signals.outcome', JSON.stringify({ signal_id: 's-1', occurred_at: at, outcome: 'missed' }))).event;
    const b = accepted(parse('signals.outcome', JSON.stringify({ signal_id: 's-1', occurred_at: at, outcome: 'error' }))).event;
    expect(hashEvent(a)).toBe(sha256Hex(canonicalJson(a)));
    expect(hashEvent(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEvent({ ...a })).toBe(hashEvent(a));
    expect(hashEvent(b)).not.toBe(hashEvent(a));
  });
});

describe('offset-less timestamps read as UTC (NAIVE_TIMESTAMPS=utc)', () => {
  const utc: ParseOptions = { naiveTimestamps: 'utc' };
  const signal = { signal_id: 's-1', occurred_at: '2026-01-05T14:30:00', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: '0.5', sharpe_estimate: '1', entry_price: '150' };

  it('given a signal without expires_at, when parsed as UTC, then occurred_at is read as UTC and expires_at stays null', () => {
    const m = accepted(parse('signals.generated', JSON.stringify(signal), utc));
    expect(m.event.occurredAt).toBe('2026-01-05T14:30:00.000000Z');
    expect(m.event.kind === 'generated' && m.event.details.expiresAt).toBeNull();
  });

  it('given an offset-less timestamp read as UTC and no event_id, when parsed, then the derived event_id is over the value as written', () => {
    const m = accepted(parse('signals.generated', JSON.stringify(signal), utc));
    expect(m.event.eventId).toBe(deriveEventId('generated', signal));
    expect(m.legacyContentHash).toBe(deriveEventId('generated', signal));
  });

  it('given a risk decision without occurred_at, when parsed as UTC, then the problem is the missing field', () => {
    const m = parse('signals.risk', JSON.stringify({ signal_id: 's-1', passed: true }), utc);
    expect(!m.ok && m.problems).toEqual([{ path: '$.occurred_at', message: 'required, but missing' }]);
  });

  it('given a timestamp that is not one at all, when parsed as UTC, then the problem is the same as without the option', () => {
    const m = parse('signals.generated', JSON.stringify({ ...signal, occurred_at: 'today' }), utc);
    expect(!m.ok && m.problems).toEqual([{ path: '$.occurred_at', message: 'not an RFC 3339 timestamp with offset (e.g. 2026-01-05T09:30:00.123Z)' }]);
  });

  it('given a timestamp with an offset, when parsed as UTC, then the offset is applied as usual', () => {
    const m = accepted(parse('signals.generated', JSON.stringify({ ...signal, occurred_at: at }), utc));
    expect(m.event.occurredAt).toBe(atUtc);
  });

  it('given decimals as JSON numbers beside an offset-less timestamp, when parsed as UTC, then the decimals are still read as written', () => {
    const text = JSON.stringify({ ...signal, entry_price: '@' }).replace('"@"', '151.10');
    const m = accepted(parse('signals.generated', text, utc));
    if (m.event.kind !== 'generated') throw new Error('expected a signal');
    expect(m.event.details.entryPrice).toBe('151.10');
    expect(m.event.occurredAt).toBe('2026-01-05T14:30:00.000000Z');
    expect(m.payload).toBe(text);
  });

  it('given the same offset-less timestamp without the option, then it is a dead letter', () => {
    expect(parse('signals.generated', JSON.stringify(signal)).ok).toBe(false);
  });
});

describe('doubleWritesItBack: true only when a double prints the text back as it is', () => {
  it.each(['5', '-5', '9', '19.9', '-151.1', '0.5', '-0.25', '123456789012345', '1.0000001', '10.000005', '0.000001'])('%s is written back', (text) => {
    expect(String(Number(text))).toBe(text);
    expect(doubleWritesItBack(text)).toBe(true);
  });

  it.each([
    ['an empty text', ''],
    ['a lone minus', '-'],
    ['a lone point', '.'],
    ['a trailing point', '5.'],
    ['a trailing zero', '1.50'],
    ['two points', '1.2.3'],
    ['16 digits', '1234567890123456'],
    ['a leading zero', '05'],
    ['negative zero', '-0'],
    ['an exponent', '1e5'],
    ['below 1e-6', '0.0000001'],
  ])('%s (%s) is not', (_name, text) => {
    expect(doubleWritesItBack(text)).toBe(false);
  });
});

describe('keys, topics, ids and raw values as both databases store them', () => {
  it('keyText keeps a string or UTF-8 bytes as text, and null as null', () => {
    expect(keyText('sig-1')).toBe('sig-1');
    expect(keyText('')).toBe('');
    expect(keyText(new Uint8Array(Buffer.from('sig-é')))).toBe('sig-é');
    expect(keyText(null)).toBeNull();
    expect(keyText(undefined)).toBeNull();
  });

  it('storableText keeps text of exactly maxChars whole and cuts one more to maxChars ending in …', () => {
    expect(storableText('abcde', 5)).toBe('abcde');
    expect(storableText('abcdef', 5)).toBe('abcd…');
    expect(storableText('a\u0000b', 10)).toBe('a\\u0000b');
  });

  it('storableRaw keeps storable text, writes a JS string with a lone surrogate as json:, and anything else with NUL as base64: of its bytes', () => {
    expect(storableRaw('{"a":1}')).toBe('{"a":1}');
    expect(storableRaw('x\ud800')).toBe('json:"x\\ud800"');
    expect(storableRaw('x\u0000')).toBe(`base64:${Buffer.from('x\u0000').toString('base64')}`);
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x78, 0x00]);
    expect(storableRaw('x\u0000', bytes)).toBe('base64:77u/eAA=');
    // given the bytes, a lone surrogate in the text is not what is kept: the bytes are
    expect(storableRaw('x\ud800', new Uint8Array([0x78, 0xff]))).toBe('base64:eP8=');
  });
});

describe('the wire schemas read a decimal given as a JavaScript number', () => {
  it('given a fill whose price is a finite JS number (not message text), when parsed by the schema, then it is the number\'s decimal', () => {
    const r = WIRE_SCHEMAS.filled.safeParse({ signal_id: 's-1', occurred_at: at, order_id: 'o-1', price: 151.1, quantity: 1e2 });
    expect(r.success && [r.data.price, r.data.quantity]).toEqual(['151.1', '100']);
  });
});
