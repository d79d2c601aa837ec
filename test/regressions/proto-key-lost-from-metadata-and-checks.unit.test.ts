// Found by the fuzz suite: zod's record of JSON values copied metadata and risk checks by assigning keys, so
// a "__proto__" key set the copy's prototype and vanished from the record ({"__proto__":{"a":1},"b":2} became
// {b:2}); the same walk and copy cost about 25 times JSON.parse on a large object. Both are now taken as parsed.
import { describe, expect, it } from 'vitest';
import { canonicalJson, parseMessage, sortKeysDeep } from '../../src/contract/index.ts';

const source = { type: 'api' } as const;

describe('a "__proto__" key in metadata or risk checks', () => {
  it('is kept in the event, in its canonical JSON and in the stored (key-sorted) form', () => {
    const m = parseMessage({ topic: 'signals.risk', value: '{"signal_id":"s","occurred_at":"2026-01-05T10:00:00Z","passed":true,"checks":{"__proto__":{"a":1},"b":2},"metadata":{"__proto__":"x"}}', source });
    if (!m.ok || m.event.kind !== 'risk') throw new Error('expected an accepted risk decision');
    expect(Object.keys(m.event.checks ?? {})).toEqual(['__proto__', 'b']);
    expect(canonicalJson(m.event.checks)).toBe('{"__proto__":{"a":1},"b":2}');
    expect(JSON.stringify(sortKeysDeep(m.event.checks))).toBe('{"__proto__":{"a":1},"b":2}');
    expect(JSON.stringify(sortKeysDeep(m.event.metadata))).toBe('{"__proto__":"x"}');
  });
});
