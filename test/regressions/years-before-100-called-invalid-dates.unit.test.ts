// Regression (found while pinning the timestamp limits, issue 13): a timestamp in the years 0000-0099, say
// 0050-01-01T00:00:00Z, was refused as "not a valid calendar date" instead of "out of range": the calendar
// check built the date with Date.UTC, which reads the years 0-99 as 1900-1999 (so the probe came back as 1950).
// A producer with a zeroed or two-digit year was told its date did not exist. Dates are now built with
// setUTCFullYear, which takes the year as given.
import { describe, expect, it } from 'vitest';
import { normalizeTimestamp } from '../../src/contract/index.ts';

const OUT_OF_RANGE = 'out of range: with its offset applied it is not between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z';

describe('a timestamp in the years 0000-0099', () => {
  it.each(['0000-01-01T00:00:00Z', '0050-01-01T00:00:00Z', '0099-12-31T23:59:59Z', '0026-01-05T09:30:00+01:00', '0004-02-29T00:00:00Z'])(
    '%s is a real date, refused as out of range',
    (text) => {
      expect(normalizeTimestamp(text)).toEqual({ error: OUT_OF_RANGE });
    },
  );

  it('is still checked against the calendar: 0050-02-29 (not a leap year) and 0001-13-01 do not exist', () => {
    expect(normalizeTimestamp('0050-02-29T00:00:00Z')).toEqual({ error: 'not a valid calendar date' });
    expect(normalizeTimestamp('0001-13-01T00:00:00Z')).toEqual({ error: 'not a valid calendar date' });
  });

  it('the year 1950 itself is out of range too, and 1970 onwards is read as before', () => {
    expect(normalizeTimestamp('1950-01-01T00:00:00Z')).toEqual({ error: OUT_OF_RANGE });
    expect(normalizeTimestamp('1970-01-01T00:00:00Z')).toEqual({ value: '1970-01-01T00:00:00.000000Z' });
    expect(normalizeTimestamp('2026-01-05T09:30:00.1234567-05:30')).toEqual({ value: '2026-01-05T15:00:00.123456Z' });
    expect(normalizeTimestamp('9999-12-31T23:59:59.999999Z')).toEqual({ value: '9999-12-31T23:59:59.999999Z' });
  });
});
