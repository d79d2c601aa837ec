import { describe, expect, it } from 'vitest';
import { deriveEventId, parseMessage, type ParsedMessage } from '../../src/contract/index.ts';

const source = { type: 'kafka' as const, topic: 'orders.filled', partition: 0, offset: '7', key: 'sig-1' };
const parse = (topic: string, value: unknown): ParsedMessage =>
  parseMessage({ topic, value: typeof value === 'string' ? value : JSON.stringify(value), key: 'sig-1', source });
const fill = { signal_id: 'sig-1', occurred_at: '2026-01-05T10:00:00.5+02:00', order_id: 'o-1', price: '151.10', quantity: 100 };

describe('parseMessage', () => {
  it('turns a valid fill into a typed event with exact decimals and a UTC microsecond timestamp', () => {
    const m = parse('orders.filled', fill);
    expect(m.ok).toBe(true);
    if (!m.ok || m.event.kind !== 'filled') throw new Error('expected a fill');
    expect(m.event.price).toBe('151.10');
    expect(m.event.quantity).toBe('100');
    expect(m.event.occurredAt).toBe('2026-01-05T08:00:00.500000Z');
  });

  it('reads a JSON number 151.10 from its source text, without binary-float drift', () => {
    const m = parse('orders.filled', '{"signal_id":"sig-1","occurred_at":"2026-01-05T10:00:00Z","order_id":"o","price":151.10,"quantity":1e2}');
    if (!m.ok || m.event.kind !== 'filled') throw new Error('expected a fill');
    expect(m.event.price).toBe('151.10');
    expect(m.event.quantity).toBe('100');
  });

  it('derives the same event_id for a byte-identical replay, and a different one for other content', () => {
    const a = parse('orders.filled', fill);
    const b = parse('orders.filled', { ...fill });
    const c = parse('orders.filled', { ...fill, quantity: 101 });
    if (!a.ok || !b.ok || !c.ok) throw new Error('expected valid');
    expect(a.event.eventId).toBe(b.event.eventId);
    expect(a.event.eventId).toBe(deriveEventId('filled', fill));
    expect(c.event.eventId).not.toBe(a.event.eventId);
  });

  it('keeps a given event_id and tolerates unknown fields', () => {
    const m = parse('orders.filled', { ...fill, event_id: 'ex-1', venue: 'XNAS' });
    expect(m.ok && m.event.eventId).toBe('ex-1');
  });

  it.each([
    ['not JSON', 'orders.filled', '{"signal_id":', '$', /not JSON/],
    ['a JSON array', 'orders.filled', '[1]', '$', /expected a JSON object/],
    ['a negative price', 'orders.filled', { ...fill, price: -1 }, '$.price', /greater than 0/],
    ['a missing order_id', 'orders.filled', { ...fill, order_id: undefined }, '$.order_id', /^required, but missing$/],
    ['a timestamp without offset', 'orders.filled', { ...fill, occurred_at: '2026-01-05T10:00:00' }, '$.occurred_at', /has no UTC offset .*NAIVE_TIMESTAMPS=utc \(--naive-timestamps utc\)/],
    ['an unknown schema version', 'orders.filled', { ...fill, schema_version: 2 }, '$.schema_version', /unknown schema_version 2/],
    ['a rejection without reason', 'signals.risk', { signal_id: 's', occurred_at: '2026-01-05T10:00:00Z', passed: false }, '$.rejection_reason', /required when passed is false/],
    ['confidence above 1', 'signals.generated', { signal_id: 's', occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'x', symbol: 'A', side: 'buy', confidence: 1.5, sharpe_estimate: 1, entry_price: 1 }, '$.confidence', /between 0 and 1/],
    ['an unknown outcome', 'signals.outcome', { signal_id: 's', occurred_at: '2026-01-05T10:00:00Z', outcome: 'vanished' }, '$.outcome', /expected one of/],
    ['an unknown topic', 'orders.other', fill, '$', /unknown topic/],
  ])('rejects %s with a problem at its JSON path', (_name, topic, value, path, message) => {
    const m = parse(topic, value);
    expect(m.ok).toBe(false);
    if (m.ok) return;
    expect(m.problems[0]?.path).toBe(path);
    expect(m.problems[0]?.message).toMatch(message);
    expect(m.source).toEqual(source);
  });

  it('rejects an oversized message and invalid UTF-8 without reading them', () => {
    const big = parseMessage({ topic: 'orders.filled', value: 'x'.repeat(1_048_577), source });
    expect(!big.ok && big.problems[0]?.message).toMatch(/larger than the limit/);
    const bad = parseMessage({ topic: 'orders.filled', value: new Uint8Array([0xff, 0xfe]), source });
    expect(!bad.ok && bad.raw).toBe('base64://4=');
  });
});
