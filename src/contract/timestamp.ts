const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Normalizes an RFC 3339 timestamp with offset to UTC with microseconds, `2026-01-05T09:30:00.123456Z`.
 * The fixed width makes string order equal time order. Digits beyond microseconds are truncated.
 */
export function normalizeTimestamp(text: string): { value: string } | { error: string } {
  const m = RFC3339.exec(text);
  if (!m) return { error: 'not an RFC 3339 timestamp with offset (e.g. 2026-01-05T09:30:00.123Z)' };
  const [, y, mo, d, h, mi, s, frac = '', zone, sign, oh, om] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return { error: 'not a valid calendar date' };
  }
  if (hour > 23 || minute > 59 || second > 59) return { error: 'time of day out of range' };
  if (year < 1970 || year > 9999) return { error: 'year out of range 1970..9999' };
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    offsetMinutes = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1);
    if (Number(oh) > 23 || Number(om) > 59) return { error: 'offset out of range' };
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  return { value: formatMicros(ms, (frac + '000000').slice(0, 6)) };
}

function formatMicros(epochMs: number, micros: string): string {
  const iso = new Date(epochMs).toISOString(); // 2026-01-05T09:30:00.000Z
  return `${iso.slice(0, 19)}.${micros}Z`;
}

/** A JS Date (millisecond precision) as a normalized timestamp. */
export function timestampFromDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  return `${date.toISOString().slice(0, 23)}000Z`;
}

/** Accepts a Date or an RFC 3339 string and returns a normalized timestamp, or throws a RangeError. */
export function toTimestamp(value: Date | string): string {
  if (value instanceof Date) return timestampFromDate(value);
  const r = normalizeTimestamp(value);
  if ('error' in r) throw new RangeError(`${JSON.stringify(value)}: ${r.error}`);
  return r.value;
}
