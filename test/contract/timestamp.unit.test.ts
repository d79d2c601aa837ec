import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../helpers/property-runs.ts';
import { normalizeTimestamp, normalizeZulu, TIMESTAMP_RANGE, timestampFromDate, toTimestamp } from '../../src/contract/timestamp.ts';

const NOT_RFC3339 = 'not an RFC 3339 timestamp with offset (e.g. 2026-01-05T09:30:00.123Z)';
const NO_OFFSET =
  'has no UTC offset (add Z or +hh:mm); to read offset-less timestamps as UTC, set NAIVE_TIMESTAMPS=utc (--naive-timestamps utc)';
const OUT_OF_RANGE = 'out of range: with its offset applied it is not between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z';
const BAD_DATE = 'not a valid calendar date';
const BAD_TIME = 'time of day out of range';
const BAD_OFFSET = 'offset out of range';

/** The last millisecond a JS Date can hold inside TIMESTAMP_RANGE: 9999-12-31T23:59:59.999Z. */
const MAX_MS = 253_402_300_799_999;

/**
 * Text in or near the form `YYYY-MM-DDTHH:MM:SS[.f]Z`: each field within or just past its range, 0 to 10 fractional
 * digits, and in two cases of three one character replaced, inserted or deleted (most of them still end in Z).
 */
const nearZulu = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1968, max: 2101 }), fc.constantFrom(0, 99, 1900, 1969, 1970, 9999)),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 24 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    fraction: fc.oneof(fc.constant(''), fc.constant('.'), fc.stringMatching(/^[0-9]{1,10}$/).map((d) => `.${d}`), fc.stringMatching(/^[0-9]{1,3}$/)),
    edit: fc.option(fc.record({ at: fc.nat(), put: fc.constantFrom('0', '9', '/', ':', 'a', ' ', '-', '.', 'T', 'Z', ''), insert: fc.boolean() }), { freq: 2 }),
  })
  .map((f) => {
    const pad = (v: number, width = 2) => String(v).padStart(width, '0');
    const text = `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}${f.fraction}Z`;
    if (f.edit === null) return text;
    const at = f.edit.at % text.length;
    return `${text.slice(0, at)}${f.edit.put}${text.slice(f.edit.insert ? at : at + 1)}`;
  });

/** `YYYY-MM-DDTHH:MM:SS[.f]Z` with 1 to 9 fractional digits: the form normalizeZulu reads. */
const ZULU = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

describe('normalizeZulu: the common form without the regular expression', () => {
  it('normalizes exactly the valid instants of its form, as the regular expression does, and returns null for other text in or near that form (property)', () => {
    fc.assert(
      fc.property(nearZulu, (t) => {
        const slow = normalizeTimestamp(`${t.slice(0, -1)}z`);
        expect(normalizeZulu(t), t).toBe(ZULU.test(t) && 'value' in slow ? slow.value : null);
      }),
      { numRuns: propertyRuns(20000) },
    );
  });

  it('pads a fraction to six digits, cuts it past six, and returns text already in the stored form as it is', () => {
    expect(normalizeZulu('2026-01-05T09:30:00Z')).toBe('2026-01-05T09:30:00.000000Z');
    expect(normalizeZulu('2026-01-05T09:30:00.1Z')).toBe('2026-01-05T09:30:00.100000Z');
    expect(normalizeZulu('2026-01-05T09:30:00.12345Z')).toBe('2026-01-05T09:30:00.123450Z');
    const stored = '2026-01-05T09:30:00.123456Z';
    expect(normalizeZulu(stored)).toBe(stored);
    expect(normalizeZulu('2026-01-05T09:30:00.1234567Z')).toBe(stored);
    expect(normalizeZulu('2026-01-05T09:30:00.123456789Z')).toBe(stored);
    expect(normalizeZulu('2026-01-05T09:30:00.1234567890Z')).toBeNull();
    expect(normalizeZulu('2026-01-05T09:30:00.Z')).toBeNull();
    expect(normalizeZulu('1969-12-31T23:59:59.999Z')).toBeNull();
    expect(normalizeZulu('2024-02-29T23:59:59Z')).toBe('2024-02-29T23:59:59.000000Z');
    expect(normalizeZulu('2023-02-29T00:00:00Z')).toBeNull();
  });
});

describe('normalizeTimestamp: RFC 3339 with offset to UTC with microseconds', () => {
  it('writes UTC with exactly six fraction digits, padding short fractions with zeros', () => {
    expect(normalizeTimestamp('2026-01-05T09:30:00Z')).toEqual({ value: '2026-01-05T09:30:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00.1Z')).toEqual({ value: '2026-01-05T09:30:00.100000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00.123Z')).toEqual({ value: '2026-01-05T09:30:00.123000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00.123456Z')).toEqual({ value: '2026-01-05T09:30:00.123456Z' });
  });

  it('cuts digits past microseconds without rounding', () => {
    expect(normalizeTimestamp('2026-01-05T09:30:00.123456789Z')).toEqual({ value: '2026-01-05T09:30:00.123456Z' });
    expect(normalizeTimestamp('2026-01-05T09:59:59.9999999Z')).toEqual({ value: '2026-01-05T09:59:59.999999Z' });
  });

  it('accepts a lowercase t or a space as the separator and a lowercase z as UTC', () => {
    expect(normalizeTimestamp('2026-01-05t09:30:00z')).toEqual({ value: '2026-01-05T09:30:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05 09:30:00Z')).toEqual({ value: '2026-01-05T09:30:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00z', 'utc')).toEqual({ value: '2026-01-05T09:30:00.000000Z' });
  });

  it('applies the offset: +05:30 is five and a half hours ahead of UTC, -05:30 behind', () => {
    expect(normalizeTimestamp('2026-01-05T09:30:00+05:30')).toEqual({ value: '2026-01-05T04:00:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00-05:30')).toEqual({ value: '2026-01-05T15:00:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00.5+00:00')).toEqual({ value: '2026-01-05T09:30:00.500000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00-00:00')).toEqual({ value: '2026-01-05T09:30:00.000000Z' });
    // the offset's minutes count on their own: +00:45 is 45 minutes ahead
    expect(normalizeTimestamp('2026-01-05T09:30:00+00:45')).toEqual({ value: '2026-01-05T08:45:00.000000Z' });
  });

  it('moves the date when the offset crosses midnight or a year', () => {
    expect(normalizeTimestamp('2026-01-01T01:00:00+02:00')).toEqual({ value: '2025-12-31T23:00:00.000000Z' });
    expect(normalizeTimestamp('2025-12-31T23:00:00-02:00')).toEqual({ value: '2026-01-01T01:00:00.000000Z' });
  });

  it('accepts offsets up to ±23:59 and refuses an hour over 23 or minutes over 59', () => {
    expect(normalizeTimestamp('2026-01-05T23:59:00+23:59')).toEqual({ value: '2026-01-05T00:00:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T00:00:00-23:59')).toEqual({ value: '2026-01-05T23:59:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T12:00:00+23:00')).toEqual({ value: '2026-01-04T13:00:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T12:00:00+00:59')).toEqual({ value: '2026-01-05T11:01:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T12:00:00+24:00')).toEqual({ error: BAD_OFFSET });
    expect(normalizeTimestamp('2026-01-05T12:00:00-24:00')).toEqual({ error: BAD_OFFSET });
    expect(normalizeTimestamp('2026-01-05T12:00:00+00:60')).toEqual({ error: BAD_OFFSET });
  });

  it('refuses a time of day past 23:59:59 (no leap second), accepting each field at its maximum', () => {
    expect(normalizeTimestamp('2026-01-05T23:59:59Z')).toEqual({ value: '2026-01-05T23:59:59.000000Z' });
    expect(normalizeTimestamp('2026-01-05T00:00:00Z')).toEqual({ value: '2026-01-05T00:00:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T24:00:00Z')).toEqual({ error: BAD_TIME });
    expect(normalizeTimestamp('2026-01-05T12:60:00Z')).toEqual({ error: BAD_TIME });
    expect(normalizeTimestamp('2026-01-05T12:00:60Z')).toEqual({ error: BAD_TIME });
  });

  it('refuses dates that do not exist rather than rolling them over', () => {
    expect(normalizeTimestamp('2026-02-30T00:00:00Z')).toEqual({ error: BAD_DATE });
    expect(normalizeTimestamp('2026-04-31T00:00:00Z')).toEqual({ error: BAD_DATE });
    expect(normalizeTimestamp('2026-13-01T00:00:00Z')).toEqual({ error: BAD_DATE });
    expect(normalizeTimestamp('2026-00-10T00:00:00Z')).toEqual({ error: BAD_DATE });
    expect(normalizeTimestamp('2026-01-00T00:00:00Z')).toEqual({ error: BAD_DATE });
    expect(normalizeTimestamp('2026-01-32T00:00:00Z')).toEqual({ error: BAD_DATE });
  });

  it('knows leap years: 2024-02-29 and 2000-02-29 exist, 2025-02-29 and 2100-02-29 do not', () => {
    expect(normalizeTimestamp('2024-02-29T12:00:00Z')).toEqual({ value: '2024-02-29T12:00:00.000000Z' });
    expect(normalizeTimestamp('2000-02-29T12:00:00Z')).toEqual({ value: '2000-02-29T12:00:00.000000Z' });
    expect(normalizeTimestamp('2025-02-29T12:00:00Z')).toEqual({ error: BAD_DATE });
    expect(normalizeTimestamp('2100-02-29T12:00:00Z')).toEqual({ error: BAD_DATE });
  });

  it('accepts the last day of every month', () => {
    const last = ['01-31', '02-28', '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31'];
    for (const md of last) expect(normalizeTimestamp(`2026-${md}T00:00:00Z`)).toEqual({ value: `2026-${md}T00:00:00.000000Z` });
  });

  it('agrees with Date on which days exist, for every month 00-13 and day 00-32 of years across 0000-9999', () => {
    const years = [...Array.from({ length: 10_000 / 37 }, (_, i) => i * 37), 0, 4, 100, 400, 1600, 1900, 2000, 2024, 2100, 9996, 9999];
    for (const year of years) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const probe = new Date(0);
          probe.setUTCFullYear(year, month - 1, day);
          const exists = month >= 1 && month <= 12 && probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
          const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:00:00+00:00`;
          const r = normalizeTimestamp(text);
          // a day that exists is either read or out of range (before 1970); one that does not is never read
          if (exists) expect('value' in r || ('error' in r && r.error === OUT_OF_RANGE), text).toBe(true);
          else expect(r, text).toEqual({ error: BAD_DATE });
        }
      }
    }
  });

  it('reads any instant of the range written with any offset as that instant (property, against Date)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_MS }), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom('T', 't', ' '), (ms, offset, extraMicros, separator) => {
        // the local time at that offset, written with the offset
        const local = new Date(ms + offset * 60_000).toISOString();
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const zone = offset === 0 && extraMicros % 2 === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        if (local.startsWith('+') || local.startsWith('-')) return; // a local year outside 0000-9999 has no RFC 3339 form
        const text = `${local.slice(0, 10)}${separator}${local.slice(11, 23)}${String(extraMicros).padStart(3, '0')}${zone}`;
        expect(normalizeTimestamp(text)).toEqual({ value: `${new Date(ms).toISOString().slice(0, 23)}${String(extraMicros).padStart(3, '0')}Z` });
      }),
      { numRuns: propertyRuns(5000) },
    );
  });

  it('reads text ending in Z as it reads the same text ending in a lowercase z, which only the regular expression reads (property: the fast path of the common form adds nothing and refuses nothing)', () => {
    fc.assert(
      fc.property(nearZulu, (t) => {
        fc.pre(t.endsWith('Z'));
        const lower = `${t.slice(0, -1)}z`;
        expect(normalizeTimestamp(t), t).toEqual(normalizeTimestamp(lower));
        expect(normalizeTimestamp(t, 'utc'), t).toEqual(normalizeTimestamp(lower, 'utc'));
      }),
      { numRuns: propertyRuns(20000) },
    );
  });

  it('never reads a year before 0100 as 19xx (Date.UTC would): it is refused', () => {
    const r = normalizeTimestamp('0050-01-01T00:00:00Z');
    expect(r).toHaveProperty('error');
    expect(normalizeTimestamp('0099-12-31T23:59:59Z')).toHaveProperty('error');
  });

  it('accepts both ends of TIMESTAMP_RANGE and refuses the instants just outside, offset applied', () => {
    expect(normalizeTimestamp(TIMESTAMP_RANGE.min)).toEqual({ value: '1970-01-01T00:00:00.000000Z' });
    expect(normalizeTimestamp(TIMESTAMP_RANGE.max)).toEqual({ value: '9999-12-31T23:59:59.999999Z' });
    expect(normalizeTimestamp('9999-12-31T23:59:59.999999999Z')).toEqual({ value: '9999-12-31T23:59:59.999999Z' });
    expect(normalizeTimestamp('1969-12-31T23:59:59.999999Z')).toEqual({ error: OUT_OF_RANGE });
    expect(normalizeTimestamp('1970-01-01T00:00:00+00:01')).toEqual({ error: OUT_OF_RANGE });
    expect(normalizeTimestamp('1969-12-31T19:00:00-05:00')).toEqual({ value: '1970-01-01T00:00:00.000000Z' });
    expect(normalizeTimestamp('9999-12-31T23:59:59-01:00')).toEqual({ error: OUT_OF_RANGE });
    expect(normalizeTimestamp('9999-12-31T23:59:59-00:01')).toEqual({ error: OUT_OF_RANGE });
    expect(normalizeTimestamp('9999-12-31T23:59:59+01:00')).toEqual({ value: '9999-12-31T22:59:59.000000Z' });
    expect(normalizeTimestamp('0000-01-01T00:00:00Z')).toHaveProperty('error');
  });

  it('refuses a timestamp without an offset unless naive timestamps are read as UTC', () => {
    expect(normalizeTimestamp('2026-01-05T09:30:00')).toEqual({ error: NO_OFFSET });
    expect(normalizeTimestamp('2026-01-05T09:30:00', 'reject')).toEqual({ error: NO_OFFSET });
    expect(normalizeTimestamp('2026-01-05T09:30:00.123456', 'utc')).toEqual({ value: '2026-01-05T09:30:00.123456Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00+01:00', 'utc')).toEqual({ value: '2026-01-05T08:30:00.000000Z' });
    // the rest of the checks still apply to naive timestamps
    expect(normalizeTimestamp('2026-02-30T09:30:00', 'utc')).toEqual({ error: BAD_DATE });
    expect(normalizeTimestamp('1969-12-31T23:59:59', 'utc')).toEqual({ error: OUT_OF_RANGE });
  });

  it('refuses text that is not RFC 3339 date-time', () => {
    for (const text of [
      '',
      '2026-01-05',
      '2026-01-05T09:30Z',
      '2026-1-05T09:30:00Z',
      '2026-01-05T09:30:00.Z',
      '2026-01-05T09:30:00.1234567890Z',
      '2026-01-05T09:30:00+0530',
      '2026-01-05T09:30:00+05',
      '2026-01-05T09:30:00 Z',
      ' 2026-01-05T09:30:00Z',
      '2026-01-05T09:30:00Z ',
      '12026-01-05T09:30:00Z',
      '2026-01-05X09:30:00Z',
      `2026-01-05T09:30:00.123456789Z${' '.repeat(20)}`,
    ]) {
      expect(normalizeTimestamp(text), text).toEqual({ error: NOT_RFC3339 });
    }
  });
});

describe('timestampFromDate: a JS Date as a normalized timestamp', () => {
  it('writes the millisecond instant in UTC with microseconds', () => {
    expect(timestampFromDate(new Date('2026-01-05T09:30:00.123+01:00'))).toBe('2026-01-05T08:30:00.123000Z');
    expect(timestampFromDate(new Date(Date.UTC(2026, 0, 5)))).toBe('2026-01-05T00:00:00.000000Z');
  });

  it('accepts the first and the last millisecond of TIMESTAMP_RANGE', () => {
    expect(timestampFromDate(new Date(0))).toBe('1970-01-01T00:00:00.000000Z');
    expect(timestampFromDate(new Date(MAX_MS))).toBe('9999-12-31T23:59:59.999000Z');
  });

  it('throws a RangeError naming the date and the range one millisecond outside it', () => {
    expect(() => timestampFromDate(new Date(-1))).toThrow(
      new RangeError('1969-12-31T23:59:59.999Z is not between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z'),
    );
    expect(() => timestampFromDate(new Date(MAX_MS + 1))).toThrow(
      new RangeError('+010000-01-01T00:00:00.000Z is not between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z'),
    );
    expect(() => timestampFromDate(new Date(-1))).toThrow(RangeError);
  });

  it('throws a RangeError for an invalid Date', () => {
    expect(() => timestampFromDate(new Date(Number.NaN))).toThrow(new RangeError('invalid date'));
    expect(() => timestampFromDate(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('toTimestamp: a Date or an RFC 3339 string, normalized, or a RangeError', () => {
  it('normalizes a Date as timestampFromDate does', () => {
    expect(toTimestamp(new Date('2026-01-05T09:30:00.5Z'))).toBe('2026-01-05T09:30:00.500000Z');
    expect(() => toTimestamp(new Date(-1))).toThrow(RangeError);
  });

  it('normalizes a string as normalizeTimestamp does', () => {
    expect(toTimestamp('2026-01-05T09:30:00.1234567+01:00')).toBe('2026-01-05T08:30:00.123456Z');
  });

  it('throws a RangeError with the quoted text and the problem for a string normalizeTimestamp refuses', () => {
    expect(() => toTimestamp('yesterday')).toThrow(new RangeError(`"yesterday": ${NOT_RFC3339}`));
    expect(() => toTimestamp('2026-02-30T00:00:00Z')).toThrow(new RangeError(`"2026-02-30T00:00:00Z": ${BAD_DATE}`));
    // offset-less strings are refused: toTimestamp reads them with the contract's rule
    expect(() => toTimestamp('2026-01-05T09:30:00')).toThrow(new RangeError(`"2026-01-05T09:30:00": ${NO_OFFSET}`));
  });
});
