import { Decimal as DecimalJs } from 'decimal.js';
import type { Dialect, Store } from './open-store.ts';

/**
 * Exact aggregates in SQL on both databases. PostgreSQL has them (numeric sum, percentile_disc);
 * SQLite keeps decimals as text and has neither an exact sum nor PostgreSQL's percentile_disc (its
 * own uses another rank and doubles), so the same functions are registered on its connection and run
 * inside SQLite's query engine: rows never come up to the caller, only the aggregates do.
 */

/** Wide enough for a sum of products of two 32-digit decimals. */
const Exact = DecimalJs.clone({ precision: 120, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -120, toExpPos: 120 });
type Exact = InstanceType<typeof Exact>;

/** Places kept by a mean (half-even). */
export const MEAN_SCALE = 12;

/** Plain notation without trailing zeros ("151.10" -> "151.1", "-0" -> "0"): both databases print the same. */
export function canonicalDecimal(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const d = new Exact(String(value));
  return d.isZero() ? '0' : d.toFixed();
}

/** sum / count to MEAN_SCALE places, or null when count is 0. */
export function meanOf(sum: unknown, count: number): string | null {
  if (count === 0 || sum === null || sum === undefined) return null;
  return canonicalDecimal(new Exact(String(sum)).div(count).toDecimalPlaces(MEAN_SCALE).toFixed());
}

/** a / b to MEAN_SCALE places, or null when b is missing or 0. */
export function ratioOf(a: unknown, b: unknown): string | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const den = new Exact(String(b));
  if (den.isZero()) return null;
  return canonicalDecimal(new Exact(String(a)).div(den).toDecimalPlaces(MEAN_SCALE).toFixed());
}

/** The nearest-rank percentile of sorted values, as PostgreSQL's percentile_disc picks it. */
export function nearestRank<T>(sorted: readonly T[], p: number): T | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as T;
}

interface NativeAggregateDb {
  aggregate(name: string, options: { start: () => unknown; step: (acc: never, ...args: never[]) => unknown; result: (acc: never) => unknown; deterministic: boolean }): unknown;
}

const registered = new WeakSet<object>();

/** Registers the ledger_* aggregates on a SQLite store's connection (once per connection). */
export async function registerSqliteAggregates(store: Store): Promise<void> {
  if (store.dialect !== 'sqlite') return;
  const db = (await store.em().getConnection().getNativeClient()) as NativeAggregateDb;
  if (registered.has(db)) return;
  db.aggregate('ledger_dec_sum', {
    start: () => null,
    step: (acc: Exact | null, x: unknown) => (x === null || x === undefined ? acc : acc === null ? new Exact(String(x)) : acc.plus(String(x))),
    result: (acc: Exact | null) => (acc === null ? null : acc.toFixed()),
    deterministic: true,
  });
  db.aggregate('ledger_dec_sum_product', {
    start: () => null,
    step: (acc: Exact | null, a: unknown, b: unknown) => {
      if (a === null || a === undefined || b === null || b === undefined) return acc;
      const product = new Exact(String(a)).times(String(b));
      return acc === null ? product : acc.plus(product);
    },
    result: (acc: Exact | null) => (acc === null ? null : acc.toFixed()),
    deterministic: true,
  });
  // percentiles: collect the group's values, sort once, pick each nearest rank; a JSON array of the picks
  for (const kind of ['dec', 'int'] as const) {
    db.aggregate(`ledger_${kind}_percentiles`, {
      start: () => ({ values: [] as unknown[], ps: '' }),
      step: (acc: { values: unknown[]; ps: string }, x: unknown, ps: unknown) => {
        if (x !== null && x !== undefined) acc.values.push(x);
        acc.ps = String(ps);
        return acc;
      },
      result: (acc: { values: unknown[]; ps: string }) => pickPercentiles(acc.values, acc.ps, kind),
      deterministic: true,
    });
  }
  registered.add(db);
}

function pickPercentiles(values: unknown[], ps: string, kind: 'dec' | 'int'): string | null {
  if (values.length === 0) return null;
  const fractions = ps.split(',').map(Number);
  if (kind === 'int') {
    const sorted = Float64Array.from(values as number[]).sort();
    return JSON.stringify(fractions.map((p) => nearestRank(sorted as unknown as number[], p)));
  }
  const sorted = (values as string[]).map((v) => new Exact(v)).sort((a, b) => a.comparedTo(b));
  return JSON.stringify(fractions.map((p) => nearestRank(sorted, p)?.toFixed() ?? null));
}

/** The SQL of the exact aggregates in one dialect. */
export interface Aggregates {
  /** exact sum of a decimal expression, as text (null when no values) */
  decSum(expr: string): string;
  /** exact sum of a * b */
  decSumProduct(a: string, b: string): string;
  /** nearest-rank percentiles of a decimal expression: read with readPercentiles */
  decPercentiles(expr: string, ps: readonly number[]): string;
  /** nearest-rank percentiles of an integer expression: read with readPercentiles */
  intPercentiles(expr: string, ps: readonly number[]): string;
  /** microseconds from b to a, two timestamp columns, as an exact integer */
  microsBetween(a: string, b: string): string;
  /** a boolean column is true */
  isTrue(expr: string): string;
  /** the start of the hour or day of a timestamp column, as RFC 3339 text */
  bucket(expr: string, unit: 'hour' | 'day'): string;
  /** a timestamp column as RFC 3339 text with microseconds */
  timestamp(expr: string): string;
  /** the elements of a JSON array column as rows of `value` (a FROM item) */
  jsonElements(expr: string, alias: string): string;
  /** the number of elements of a JSON array column */
  jsonArrayLength(expr: string): string;
  /** a text expression compared by code point (for ORDER BY) */
  binary(expr: string): string;
}

const literal = (ps: readonly number[]) => ps.map((p) => String(p)).join(',');

export function aggregatesFor(dialect: Dialect): Aggregates {
  if (dialect === 'postgresql') {
    return {
      decSum: (e) => `sum(${e})::text`,
      decSumProduct: (a, b) => `sum(${a} * ${b})::text`,
      decPercentiles: (e, ps) => `array_to_json((percentile_disc(array[${literal(ps)}]::float8[]) within group (order by ${e}))::text[])::text`,
      intPercentiles: (e, ps) => `array_to_json(percentile_disc(array[${literal(ps)}]::float8[]) within group (order by ${e}))::text`,
      microsBetween: (a, b) => `((extract(epoch from ${a}) - extract(epoch from ${b})) * 1000000)::bigint`,
      isTrue: (e) => `${e} is true`,
      bucket: (e, unit) => `to_char(date_trunc('${unit}', ${e} at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
      timestamp: (e) => `to_char(${e} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      jsonElements: (e, alias) => `jsonb_array_elements_text(${e}) as ${alias}("value")`,
      jsonArrayLength: (e) => `jsonb_array_length(${e})`,
      binary: (e) => `${e} collate "C"`,
    };
  }
  return {
    decSum: (e) => `ledger_dec_sum(${e})`,
    decSumProduct: (a, b) => `ledger_dec_sum_product(${a}, ${b})`,
    decPercentiles: (e, ps) => `ledger_dec_percentiles(${e}, '${literal(ps)}')`,
    intPercentiles: (e, ps) => `ledger_int_percentiles(${e}, '${literal(ps)}')`,
    microsBetween: (a, b) =>
      `((unixepoch(substr(${a}, 1, 19)) - unixepoch(substr(${b}, 1, 19))) * 1000000 + (cast(substr(${a}, 21, 6) as integer) - cast(substr(${b}, 21, 6) as integer)))`,
    isTrue: (e) => `${e} = 1`,
    bucket: (e, unit) => (unit === 'hour' ? `substr(${e}, 1, 13) || ':00:00Z'` : `substr(${e}, 1, 10) || 'T00:00:00Z'`),
    timestamp: (e) => e,
    jsonElements: (e, alias) => `json_each(${e}) as ${alias}`,
    jsonArrayLength: (e) => `json_array_length(${e})`,
    binary: (e) => e,
  };
}

/** The values of a decPercentiles / intPercentiles column, in the order asked. */
export function readPercentiles(value: unknown): (string | null)[] {
  if (value === null || value === undefined) return [];
  const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as unknown[];
  return parsed.map((v) => (v === null ? null : String(v)));
}
