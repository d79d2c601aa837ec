// README "Bad input", docs/bad-input.md, and docs/decisions.md "Choices where the contract is silent", Decimals
// and Times; contract section 2:
// the limits a message is held to, each at the edge and one step past it, through parseMessage (a message
// past a limit is a dead letter with a problem at its JSON path).
// Pinned elsewhere, on the pure functions (not repeated here): test/contract/parse-message.hostile.unit.test.ts
// normalizeDecimal("12345678901234567890") kept, "1e21" refused (exponent path), "0.000000000001" kept,
// "1.0000000000001" refused; normalizeTimestamp "1969-12-31T23:30:00-00:30" kept as the epoch,
// "9999-12-31T23:59:59.999999Z" kept, "1969-12-31T23:59:59Z" and "9999-12-31T23:59:59-01:00" refused,
// "2026-01-05T24:00:00Z" refused; test/contract/parse-message.unit.test.ts a 1,048,577-byte message of
// "x" refused (not valid JSON, so it says nothing about a valid message at the limit).
import { describe, expect, it } from 'vitest';
import { parseMessage, type ParsedMessage } from '../../src/contract/index.ts';

const source = { type: 'file' as const, file: 'limits', line: 1, topic: 'orders.filled', key: 'sig-1' };
const fill = { signal_id: 'sig-1', occurred_at: '2026-01-05T10:00:00Z', order_id: 'o-1', price: '150', quantity: '10' };
const parse = (text: string): ParsedMessage => parseMessage({ topic: 'orders.filled', value: text, key: 'sig-1', source });
/** A fill whose `field` is given as its raw JSON text (a JSON number or a quoted string). */
const withRaw = (field: string, raw: string) => parse(JSON.stringify({ ...fill, [field]: '@@' }).replace('"@@"', raw));

function accepted(m: ParsedMessage) {
  if (!m.ok) throw new Error(`expected the message to be accepted: ${JSON.stringify(m.problems)}`);
  if (m.event.kind !== 'filled') throw new Error('expected a fill');
  return m.event;
}
function problems(m: ParsedMessage) {
  if (m.ok) throw new Error('expected a dead letter');
  return m.problems;
}

describe('decimals: at most 20 integer digits, decided from the text', () => {
  const twenty = '12345678901234567890';
  const twentyOne = '123456789012345678901';
  it.each([
    ['a decimal string', (d: string) => JSON.stringify(d)],
    ['a JSON number', (d: string) => d],
  ])('as %s: 20 integer digits are accepted exactly, 21 are a dead letter at the field', (_form, raw) => {
    expect(accepted(withRaw('price', raw(twenty))).price).toBe(twenty);
    expect(accepted(withRaw('price', raw(`${twenty}.5`))).price).toBe(`${twenty}.5`);
    expect(problems(withRaw('price', raw(twentyOne)))).toEqual([{ path: '$.price', message: 'more than 20 integer digits' }]);
  });

  it('leading zeros do not count as integer digits', () => {
    expect(accepted(withRaw('quantity', JSON.stringify(`000${twenty}`))).quantity).toBe(twenty);
  });
});

describe('decimals: at most 12 decimal places, decided from the text', () => {
  it.each([
    ['a decimal string', (d: string) => JSON.stringify(d)],
    ['a JSON number', (d: string) => d],
  ])('as %s: 12 places are accepted exactly, 13 are a dead letter at the field', (_form, raw) => {
    expect(accepted(withRaw('price', raw('0.123456789012'))).price).toBe('0.123456789012');
    expect(problems(withRaw('price', raw('0.1234567890123')))).toEqual([{ path: '$.price', message: 'more than 12 decimal places' }]);
  });

  it('trailing zeros are places too: a 13th place of 0 is refused (the scale is kept as written)', () => {
    expect(accepted(withRaw('price', '"1.000000000000"')).price).toBe('1.000000000000');
    expect(problems(withRaw('price', '"1.0000000000000"'))).toEqual([{ path: '$.price', message: 'more than 12 decimal places' }]);
  });
});

describe('timestamps: 1970-01-01 to 9999-12-31 UTC once the offset is applied', () => {
  const at = (occurredAt: string) => parse(JSON.stringify({ ...fill, occurred_at: occurredAt }));
  const outOfRange = [{ path: '$.occurred_at', message: expect.stringMatching(/^out of range: with its offset applied it is not between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z$/) }];

  it('the first instant is accepted and one microsecond before it is a dead letter, with or without an offset', () => {
    expect(accepted(at('1970-01-01T00:00:00Z')).occurredAt).toBe('1970-01-01T00:00:00.000000Z');
    expect(accepted(at('1970-01-01T01:00:00+01:00')).occurredAt).toBe('1970-01-01T00:00:00.000000Z');
    expect(problems(at('1969-12-31T23:59:59.999999Z'))).toEqual(outOfRange);
    expect(problems(at('1970-01-01T00:59:59.999999+01:00'))).toEqual(outOfRange);
  });

  it('the last instant is accepted and one minute past it (by its offset) is a dead letter', () => {
    expect(accepted(at('9999-12-31T23:59:59.999999Z')).occurredAt).toBe('9999-12-31T23:59:59.999999Z');
    expect(accepted(at('9999-12-31T22:59:59.999999-01:00')).occurredAt).toBe('9999-12-31T23:59:59.999999Z');
    expect(problems(at('9999-12-31T23:59:59.999999-00:01'))).toEqual(outOfRange);
  });

  it('an hour of 24 is a dead letter; 23:59:59.999999 is accepted', () => {
    expect(accepted(at('2026-01-05T23:59:59.999999Z')).occurredAt).toBe('2026-01-05T23:59:59.999999Z');
    expect(problems(at('2026-01-05T24:00:00Z'))).toEqual([{ path: '$.occurred_at', message: 'time of day out of range' }]);
  });

  it('times are normalized to UTC microseconds, and digits past microseconds are cut, not rounded', () => {
    expect(accepted(at('2026-01-05T10:00:00.1234569+02:00')).occurredAt).toBe('2026-01-05T08:00:00.123456Z');
    expect(accepted(at('2026-01-05T10:00:00.999999999Z')).occurredAt).toBe('2026-01-05T10:00:00.999999Z');
  });
});

describe('message size: at most 1 MiB (1,048,576 bytes) of value', () => {
  /** A valid fill padded with an unknown field (tolerated) to exactly `bytes` bytes, with `char` as padding. */
  function fillOfBytes(bytes: number, char = 'x'): string {
    const empty = JSON.stringify({ ...fill, padding: '' });
    const room = bytes - Buffer.byteLength(empty);
    const width = Buffer.byteLength(char);
    const text = JSON.stringify({ ...fill, padding: char.repeat(Math.floor(room / width)) + 'x'.repeat(room % width) });
    expect(Buffer.byteLength(text)).toBe(bytes);
    return text;
  }

  it('a valid message of exactly 1,048,576 bytes is accepted; one byte more is a dead letter before it is read', () => {
    expect(accepted(parse(fillOfBytes(1_048_576))).price).toBe('150');
    const over = parse(fillOfBytes(1_048_577));
    expect(problems(over)).toEqual([{ path: '$', message: 'message of 1048577 bytes is larger than the limit of 1048576' }]);
    expect(!over.ok && over.raw).toBeNull();
  });

  it('the limit counts UTF-8 bytes, not characters', () => {
    const text = fillOfBytes(1_048_578, 'é');
    expect(text.length).toBeLessThan(1_048_576);
    expect(problems(parse(text))[0]?.message).toBe('message of 1048578 bytes is larger than the limit of 1048576');
    expect(accepted(parse(fillOfBytes(1_048_576, 'é'))).price).toBe('150');
  });
});
