import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../helpers/property-runs.ts';
import {
  doubleWritesItBack,
  findJsonHazards,
  keyText,
  nestsDeeperThan,
  normalizeDecimal,
  normalizeTimestamp,
  parseMessage,
  storableRaw,
  storableText,
  timestampFromDate,
  topLevelValueSpans,
} from '../../src/contract/index.ts';

const source = { type: 'kafka' as const, topic: 'signals.generated', partition: 0, offset: '1', key: null };
const generated = { signal_id: 's-1', occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1 };
const parseText = (text: string, options = {}) => parseMessage({ topic: 'signals.generated', value: Buffer.from(text), source }, options);
/** Parses and returns the problems (none for an accepted message); what each costs is timed by npm run bench:hostile. */
function outcome(text: string) {
  const m = parseText(text);
  return { problems: m.ok ? [] : m.problems, raw: m.ok ? null : m.raw };
}

describe('decimals are refused by their text, before any big-number arithmetic', () => {
  it.each([
    ['1e9999999', /exponent .* out of range/],
    ['1E+0000100000', /exponent .* out of range/],
    ['1e1000', /more than 20 integer digits/],
    ['1e21', /more than 20 integer digits/],
    ['0.0000000001e31', /more than 20 integer digits/],
    ['1'.repeat(101), /more than 100 characters/],
    ['1.0000000000001', /more than 12 decimal places/],
    ['1.5e-20', /more than 12 decimal places/],
  ])('%s is refused: %s', (text, why) => {
    const r = normalizeDecimal(text);
    expect('error' in r && r.error).toMatch(why);
  });

  it.each([
    ['9.9e19', '99000000000000000000'],
    ['1E+00000000000000000000000000000000000009', '1000000000'],
    ['12345678901234567890', '12345678901234567890'],
    ['0.000000000001', '0.000000000001'],
    ['151.10', '151.10'],
    ['1.5e2', '150'],
    ['00012.500', '12.500'],
    ['-0.0', '0.0'],
  ])('%s at the limits is kept exactly as %s', (text, value) => {
    expect(normalizeDecimal(text)).toEqual({ value });
  });

  it('a message of under 200 bytes with an exponent in the millions is a dead letter (refused by its text: no big-number arithmetic)', () => {
    const text = JSON.stringify(generated).replace('"entry_price":1', '"entry_price":1e9999999');
    expect(text.length).toBeLessThan(200);
    const r = outcome(text);
    expect(r.problems).toEqual([{ path: '$.entry_price', message: expect.stringMatching(/exponent .* out of range/) }]);
  });

  it('a decimal string of a megabyte of digits is refused by its length', () => {
    const r = outcome(JSON.stringify({ ...generated, entry_price: `${'1'.repeat(900_000)}x` }));
    expect(r.problems[0]).toEqual({ path: '$.entry_price', message: expect.stringMatching(/more than 100 characters/) });
  });
});

describe('timestamps are instants between 1970 and 9999 UTC', () => {
  it.each([
    ['9999-12-31T23:59:59-01:00', /out of range/],
    ['1970-01-01T00:30:00+01:00', /out of range/],
    ['1969-12-31T23:59:59Z', /out of range/],
    ['2026-01-05T24:00:00Z', /time of day out of range/],
    ['2026-02-30T10:00:00Z', /not a valid calendar date/],
    ['2026-01-05T10:00:00+24:00', /offset out of range/],
    ['2026-01-05T10:00:00.123456', /has no UTC offset.*NAIVE_TIMESTAMPS=utc \(--naive-timestamps utc\)/],
  ])('%s is refused: %s', (text, why) => {
    const r = normalizeTimestamp(text);
    expect('error' in r && r.error).toMatch(why);
  });

  it('the first and last instants of the range are kept, whatever the offset', () => {
    expect(normalizeTimestamp('1969-12-31T23:30:00-00:30')).toEqual({ value: '1970-01-01T00:00:00.000000Z' });
    expect(normalizeTimestamp('9999-12-31T23:59:59.999999Z')).toEqual({ value: '9999-12-31T23:59:59.999999Z' });
    expect(normalizeTimestamp('2026-01-05 10:00:00+02:00')).toEqual({ value: '2026-01-05T08:00:00.000000Z' });
  });

  it('an offset-less timestamp is read as UTC only when asked to (Python utcnow().isoformat())', () => {
    expect(normalizeTimestamp('2026-01-05T14:30:00.123456', 'utc')).toEqual({ value: '2026-01-05T14:30:00.123456Z' });
    const text = JSON.stringify({ ...generated, occurred_at: '2026-01-05T14:30:00.123456', expires_at: '2026-01-06T00:00:00' });
    const m = parseText(text, { naiveTimestamps: 'utc' });
    if (!m.ok || m.event.kind !== 'generated') throw new Error('expected the signal to be accepted');
    expect(m.event.occurredAt).toBe('2026-01-05T14:30:00.123456Z');
    expect(m.event.details.expiresAt).toBe('2026-01-06T00:00:00.000000Z');
    expect(m.payload).toBe(text);
  });

  it('a Date past the range is a RangeError, not a malformed timestamp', () => {
    expect(() => timestampFromDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
  });
});

describe('text the databases cannot store alike is a dead letter naming where it is', () => {
  it.each([
    ['NUL in a field', { ...generated, strategy_name: 'a\u0000b' }, '$.strategy_name', /U\+0000 \(NUL\)/],
    ['NUL in a metadata key', { ...generated, metadata: { 'k\u0000': 1 } }, '$.metadata["k\\u0000"]', /the key contains U\+0000/],
    ['a lone surrogate', { ...generated, symbol: '\ud800' }, '$.symbol', /lone UTF-16 surrogate/],
    ['a lone surrogate deep in metadata', { ...generated, metadata: { a: [{ b: 'x\udc00' }] } }, '$.metadata.a[0].b', /lone UTF-16 surrogate/],
    ['a NUL in an unknown extra field', { ...generated, note: '\u0000' }, '$.note', /NUL/],
  ])('%s', (_name, value, path, why) => {
    const m = parseText(JSON.stringify(value));
    expect(m.ok).toBe(false);
    if (m.ok) return;
    expect(m.problems[0]?.path).toBe(path);
    expect(m.problems[0]?.message).toMatch(why);
    // the raw value itself is stored as written: its escapes are plain text
    expect(m.raw).toBe(JSON.stringify(value));
  });

  it('a pair of surrogate escapes (an emoji) and an escaped backslash before u0000 are fine', () => {
    expect(parseText(JSON.stringify({ ...generated, strategy_name: '\ud83d\ude00' })).ok).toBe(true);
    expect(parseText(JSON.stringify({ ...generated, strategy_name: '\\u0000' })).ok).toBe(true);
  });

  it('a raw NUL byte in the value is kept as the base64 of the exact bytes', () => {
    const bytes = Buffer.from('{"signal_id":"s\u0000"}');
    const m = parseMessage({ topic: 'signals.generated', value: bytes, source });
    expect(!m.ok && m.raw).toBe(`base64:${bytes.toString('base64')}`);
  });

  it('keys, topics and ids are stored as text both databases keep', () => {
    expect(keyText(Buffer.from([0x61, 0x00]))).toBe('base64:YQA=');
    expect(keyText(Buffer.from([0xff]))).toBe('base64:/w==');
    expect(keyText(Buffer.from('sig-1'))).toBe('sig-1');
    expect(storableText('a\u0000\ud800', 255)).toBe('a\\u0000\\ud800');
    expect(storableText('x'.repeat(300), 255)).toHaveLength(255);
    expect(storableRaw('plain')).toBe('plain');
    const m = parseMessage({ topic: `t\u0000${'x'.repeat(400)}`, value: '{}', source });
    expect(!m.ok && m.topic.length).toBe(255);
    expect(!m.ok && m.topic.includes('\u0000')).toBe(false);
  });
});

describe('nesting deeper than 64 levels is refused, and nothing recurses on it', () => {
  it('metadata nested 100 deep is a dead letter at the path where it passes the limit', () => {
    const deep = `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`;
    const r = outcome(JSON.stringify(generated).replace(/}$/, `,"metadata":${deep}}`));
    expect(r.problems).toEqual([{ path: `$.metadata${'.a'.repeat(63)}`, message: 'nested deeper than 64 levels' }]);
  });

  it('metadata nested 10,000 deep is refused from the text, before it is parsed', () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const r = outcome(JSON.stringify(generated).replace(/}$/, `,"metadata":${deep}}`));
    expect(r.problems).toEqual([{ path: '$', message: 'nested deeper than 64 levels' }]);
  });

  it('64 levels are accepted and 65 are not', () => {
    const nest = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    // the value is level 1 and metadata level 2: 62 more arrays reach 64
    const at = (levels: number) => parseText(JSON.stringify(generated).replace(/}$/, `,"metadata":{"x":${nest(levels)}}}`));
    expect(at(62).ok).toBe(true);
    expect(at(63).ok).toBe(false);
  });

  it('a value of a megabyte of opening brackets is refused from its text', () => {
    const r = outcome('['.repeat(1_048_000));
    expect(r.problems[0]?.message).toBe('nested deeper than 64 levels');
    expect(nestsDeeperThan('["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]', 64)).toBe(false);
  });

  it('numbers below the top level that overflow a double are named, not silently turned to null', () => {
    expect(findJsonHazards(JSON.parse('{"m":{"x":1e999}}'), { checkText: false })).toEqual([{ path: '$.m.x', message: 'a number beyond the range of a double (it reads as Infinity)' }]);
  });
});

describe('doubleWritesItBack, the shortcut of exact content hashes', () => {
  it('says yes only for texts a double prints back exactly', () => {
    const decimalText = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.stringMatching(/^-?(0|[1-9]\d{0,20})(\.\d{1,20})?$/),
    );
    fc.assert(fc.property(decimalText, (text) => !doubleWritesItBack(text) || String(Number(text)) === text), { numRuns: propertyRuns(5000) });
    expect(['151.1', '0.82', '100', '0', '0.000001'].map(doubleWritesItBack)).toEqual([true, true, true, true, true]);
    expect(['151.10', '1e2', '-0', '0.0000001', '12345678901234567890', '007'].map(doubleWritesItBack)).toEqual([false, false, false, false, false, false]);
  });
});

describe('topLevelValueSpans', () => {
  it('gives the exact source text of every top-level member, whatever it holds', () => {
    const text = '{ "a" : 151.10 , "b":{"c":[1,{"d":"}"}]}, "e":"x\\"y", "f":true,"g":null ,"h":-1E+3}';
    const spans = topLevelValueSpans(text);
    const source = Object.fromEntries([...spans].map(([k, s]) => [k, text.slice(s.start, s.end)]));
    expect(source).toEqual({ a: '151.10', b: '{"c":[1,{"d":"}"}]}', e: '"x\\"y"', f: 'true', g: 'null', h: '-1E+3' });
  });
});
