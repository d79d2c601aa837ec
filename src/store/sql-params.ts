import { LIMITS, quote, toTimestamp, unstorableReason } from '../contract/index.ts';
import { InputError } from '../errors.ts';
import type { QueryRunner } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';
import type { Store } from './store.ts';

/** Collects bound parameters in the placeholder style of a dialect. */
export class SqlParams {
  readonly values: unknown[] = [];
  private readonly dialect: Dialect;
  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }
  /** Binds a value; text that no row can hold (NUL, a lone surrogate) is refused alike on both databases. */
  add(value: unknown, pgCast = ''): string {
    if (typeof value === 'string') {
      const why = unstorableReason(value);
      if (why !== null) throw InputError.invalid('filter', `${quote(value)} ${why}, so no record can match it`);
    }
    this.values.push(value);
    return this.dialect === 'postgresql' ? `$${this.values.length}${pgCast}` : '?';
  }
}

/** A list's `limit`: default 100, a whole number from 1 to 10,000; `maximum` and `hint` word the error past it. */
export function listLimit(given: number | undefined, maximum: string, hint = ''): number {
  const limit = given ?? LIMITS.defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1) throw InputError.invalid('limit', `must be a whole number of at least 1 (got ${limit})`);
  if (limit > LIMITS.maxPageSize) throw InputError.limit('limit', `${limit} is above ${maximum} of ${LIMITS.maxPageSize}${hint}`);
  return limit;
}

export function kyselyOf(store: Store): QueryRunner {
  return store.em().getConnection().getClient();
}

/** A query bound: a Date, an RFC 3339 timestamp, or a plain date (midnight UTC). */
export function timeParam(value: Date | string, setting: string): string {
  try {
    return toTimestamp(typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  } catch (error) {
    throw InputError.invalid(setting, (error as Error).message);
  }
}

/** A WHERE clause (without the keyword) for a date range on effective_at. */
export function rangeClause(
  params: SqlParams,
  startDate: Date | string | undefined,
  endDate: Date | string | undefined,
  alias = '',
  names: readonly [string, string] = ['startDate', 'endDate'],
  column = 'effective_at',
): string[] {
  const p = alias ? `${alias}.` : '';
  const where: string[] = [];
  if (startDate !== undefined) where.push(`${p}"${column}" >= ${params.add(timeParam(startDate, names[0]), '::timestamptz')}`);
  if (endDate !== undefined) where.push(`${p}"${column}" < ${params.add(timeParam(endDate, names[1]), '::timestamptz')}`);
  return where;
}
