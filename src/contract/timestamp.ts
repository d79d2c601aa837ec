const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))?$/;

/** The instants the ledger stores: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z, on both databases. */
export const TIMESTAMP_RANGE = { min: '1970-01-01T00:00:00Z', max: '9999-12-31T23:59:59.999999Z' } as const;
const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** How a timestamp without an offset is read: refused (the contract) or as UTC (NAIVE_TIMESTAMPS=utc). */
export type NaiveTimestampRule = 'reject' | 'utc';

/**
 * Normalizes an RFC 3339 timestamp with offset to UTC with microseconds, `2026-01-05T09:30:00.123456Z`.
 * The fixed width makes string order equal time order. Digits beyond microseconds are truncated. The
 * instant, once its offset is applied, must lie in TIMESTAMP_RANGE. A timestamp without an offset (as
 * Python's `datetime.utcnow().isoformat()` writes) is refused unless `naive` is 'utc'.
 */
export function normalizeTimestamp(text: string, naive: NaiveTimestampRule = 'reject'): { value: string } | { error: string } {
  const zulu = normalizeZulu(text);
  // Stryker disable next-line ConditionalExpression: equivalent: without the fast path the regular expression gives the same answers (a property in timestamp.unit.test.ts), only slower
  if (zulu !== null) return { value: zulu };
  const m = text.length <= 40 ? RFC3339.exec(text) : null;
  if (!m) return { error: 'not an RFC 3339 timestamp with offset (e.g. 2026-01-05T09:30:00.123Z)' };
  const [, y, mo, d, h, mi, s, frac = '', zone, sign, oh, om] = m;
  if (zone === undefined && naive === 'reject') {
    return { error: 'has no UTC offset (add Z or +hh:mm); to read offset-less timestamps as UTC, set NAIVE_TIMESTAMPS=utc (--naive-timestamps utc)' };
  }
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { error: 'not a valid calendar date' };
  if (hour > 23 || minute > 59 || second > 59) return { error: 'time of day out of range' };
  const micros = (frac + '000000').slice(0, 6);
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    if (Number(oh) > 23 || Number(om) > 59) return { error: 'offset out of range' };
    offsetMinutes = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1);
  }
  // in UTC already, and in range (every instant of the years 1970-9999 is): the fields are the answer
  if (offsetMinutes === 0 && year >= 1970) return { value: `${y}-${mo}-${d}T${h}:${mi}:${s}.${micros}Z` };
  const ms = utcDate(year, month, day).getTime() + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000;
  if (ms < 0 || ms > MAX_EPOCH_MS) return { error: `out of range: with its offset applied it is not between ${TIMESTAMP_RANGE.min} and ${TIMESTAMP_RANGE.max}` };
  return { value: formatMicros(ms, micros) };
}

/** The length of `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the normalized form. */
const NORMALIZED_LENGTH = 27;

/**
 * The form most producers write, `YYYY-MM-DDTHH:MM:SS[.f]Z` with 1 to 9 fractional digits, a valid date and time of
 * the years 1970-9999, normalized from its characters without the regular expression, Date or a field's string
 * (in the parse profile, 1.1 % of the samples where normalizeTimestamp took 6.2 %). Null for any other text, which
 * normalizeTimestamp's regular expression reads then: this says nothing it would not. Exported for its tests
 * (timestamp.unit.test.ts), which hold it to that form and to the regular expression's answers.
 */
export function normalizeZulu(text: string): string | null {
  const n = text.length;
  // Stryker disable next-line ConditionalExpression: equivalent for n < 20: shorter text ending in Z fails the checks of the separators or the seconds below
  if (n < 20 || n === 21 || n > 30 || text.charCodeAt(n - 1) !== 0x5a /* Z */) return null;
  if (text.charCodeAt(4) !== 0x2d /* - */ || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54 /* T */) return null;
  if (text.charCodeAt(13) !== 0x3a /* : */ || text.charCodeAt(16) !== 0x3a) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  if (n === 20) return `${text.slice(0, 19)}.000000Z`;
  // a point and n - 21 digits (1 to 9) before the Z
  if (text.charCodeAt(19) !== 0x2e /* . */ || digitsAt(text, 20, n - 21) < 0) return null;
  // Stryker disable next-line ConditionalExpression: equivalent: the cut below gives the same text, in a new string
  if (n === NORMALIZED_LENGTH) return text;
  // Stryker disable next-line EqualityOperator: equivalent: n is not NORMALIZED_LENGTH here (returned above)
  return n < NORMALIZED_LENGTH ? `${text.slice(0, n - 1)}${'00000'.slice(n - 22)}Z` : `${text.slice(0, NORMALIZED_LENGTH - 1)}Z`;
}

/** The number the `count` ASCII digits at `from` write (count at most 9), or -1 when one of them is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in a month of the proleptic Gregorian calendar (the one Date and both databases use), for every year 0000-9999. */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/**
 * Midnight UTC of a calendar day, for every year 0000-9999. (Date.UTC reads the years 0-99 as 1900-1999, so
 * 0050-01-01 would be taken for 1950-01-01 and called an invalid date instead of out of range.)
 */
function utcDate(year: number, month: number, day: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date;
}

function formatMicros(epochMs: number, micros: string): string {
  const iso = new Date(epochMs).toISOString(); // 2026-01-05T09:30:00.000Z
  return `${iso.slice(0, 19)}.${micros}Z`;
}

/** A JS Date (millisecond precision) as a normalized timestamp; a RangeError outside TIMESTAMP_RANGE. */
export function timestampFromDate(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid date');
  if (ms < 0 || ms > MAX_EPOCH_MS) throw new RangeError(`${date.toISOString()} is not between ${TIMESTAMP_RANGE.min} and ${TIMESTAMP_RANGE.max}`);
  return `${date.toISOString().slice(0, 23)}000Z`;
}

/** Accepts a Date or an RFC 3339 string and returns a normalized timestamp, or throws a RangeError. */
export function toTimestamp(value: Date | string): string {
  if (value instanceof Date) return timestampFromDate(value);
  const r = normalizeTimestamp(value);
  if ('error' in r) throw new RangeError(`${JSON.stringify(value)}: ${r.error}`);
  return r.value;
}
