import { Decimal as DecimalJs } from 'decimal.js';
import type { Dialect } from './database-url.ts';

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

const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** A plain decimal text as a whole number of 10^-places. */
function scaledBy(text: string, places: number): bigint {
  const dot = text.indexOf('.');
  const frac = dot === -1 ? '' : text.slice(dot + 1);
  return BigInt(`${dot === -1 ? text : text.slice(0, dot)}${frac.padEnd(places, '0')}`);
}

const placesOf = (text: string): number => {
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
};

/** a + sign * b exactly, canonical: plain decimals in a BigInt (the rollups' running sums), others by decimal.js. */
export function exactAdd(a: string, b: string, sign: 1 | -1 = 1): string {
  if (!PLAIN_DECIMAL.test(a) || !PLAIN_DECIMAL.test(b)) return canonicalDecimal(sign === 1 ? new Exact(a).plus(b) : new Exact(a).minus(b)) ?? '0';
  const places = Math.max(placesOf(a), placesOf(b));
  const sum = scaledBy(a, places) + (sign === 1 ? scaledBy(b, places) : -scaledBy(b, places));
  if (places === 0) return sum.toString();
  const text = fromScaled(sum, places).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

/** Text order by code point, nulls last: the same on both databases whatever their collation. */
export function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** a / b to MEAN_SCALE places, or null when either is missing or b is 0. */
export function ratioOf(a: unknown, b: unknown): string | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const den = new Exact(String(b));
  if (den.isZero()) return null;
  return canonicalDecimal(new Exact(String(a)).div(den).toDecimalPlaces(MEAN_SCALE).toFixed());
}

/** sum / count to MEAN_SCALE places, or null when count is 0. */
export const meanOf = (sum: unknown, count: number): string | null => ratioOf(sum, count);

/** The 1-based nearest rank of fraction p among n values, as PostgreSQL's percentile_disc picks it. */
export const rankOf = (n: number, p: number): number => Math.min(n, Math.max(1, Math.ceil(p * n)));

/** The nearest-rank percentile of sorted values. */
export function nearestRank<T>(sorted: readonly T[], p: number): T | null {
  return sorted.length === 0 ? null : (sorted[rankOf(sorted.length, p) - 1] as T);
}

interface NativeAggregateDb {
  aggregate(name: string, options: { start: () => unknown; step: (acc: never, ...args: never[]) => unknown; result: (acc: never) => unknown; deterministic: boolean; varargs: boolean }): unknown;
}

/** One exact aggregate of a query: a sum, a sum of products, or nearest-rank percentiles. */
type Slot = { kind: 's' | 'p' } | { kind: 'd' | 'i'; fractions: number[] };
type SlotState = ExactSum | { values: unknown[] };
/** The running state of one group: its slots (from the spec) and one state per slot. */
type GroupState = { slots: Slot[]; states: SlotState[] };

const specs = new Map<string, Slot[]>();
function parseSpec(spec: string): Slot[] {
  let slots = specs.get(spec);
  if (slots === undefined) {
    slots = (JSON.parse(spec) as [Slot['kind'], number[]?][]).map(([kind, fractions]) => (kind === 'd' || kind === 'i' ? { kind, fractions: fractions ?? [] } : { kind }));
    specs.set(spec, slots);
  }
  return slots;
}

const startGroup = (slots: Slot[]): GroupState => ({
  slots,
  states: slots.map((slot) => (slot.kind === 's' ? new ExactSum('sum') : slot.kind === 'p' ? new ExactSum('product') : { values: [] })),
});

const registered = new WeakSet<object>();

/** Registers the ledger_* aggregates on a SQLite connection (better-sqlite3's Database; once per connection). */
export function registerSqliteAggregates(native: unknown): void {
  const db = native as NativeAggregateDb;
  if (registered.has(db)) return;
  // every exact aggregate of a query in one call per row: ledger_aggregates(spec, args...), where spec is
  // the JSON list of slots (["s"] sum, ["p"] sum of products, ["d", fractions] / ["i", fractions]
  // percentiles of decimals / integers) and args their arguments in order; the result is a JSON array
  db.aggregate('ledger_aggregates', {
    start: () => null,
    step: (acc: GroupState | null, spec: string, ...args: unknown[]) => {
      const group = acc ?? startGroup(parseSpec(spec));
      let a = 0;
      for (let i = 0; i < group.slots.length; i++) {
        const slot = group.slots[i] as Slot;
        const st = group.states[i] as SlotState;
        if (slot.kind === 's') (st as ExactSum).add(args[a++]);
        else if (slot.kind === 'p') {
          (st as ExactSum).addProduct(args[a], args[a + 1]);
          a += 2;
        } else {
          const v = args[a++];
          if (v !== null && v !== undefined) (st as { values: unknown[] }).values.push(v);
        }
      }
      return group;
    },
    result: (acc: GroupState | null) =>
      acc === null ? null : JSON.stringify(acc.states.map((st, i) => (st instanceof ExactSum ? st.result() : pickPercentiles(st.values, acc.slots[i] as Slot)))),
    deterministic: true,
    varargs: true,
  } as never);
  // nearest-rank percentiles per group without SQL's GROUP BY (which sorts every row by its key first):
  // ledger_grouped(spec, key, value), spec one slot ["d" | "i", fractions]; the result is the JSON list of
  // [key, count, picks] per key
  db.aggregate('ledger_grouped', {
    start: () => null,
    step: (acc: { slot: Slot; groups: Map<unknown, unknown[]> } | null, spec: string, key: unknown, value: unknown) => {
      const state = acc ?? { slot: parseSpec(`[${spec}]`)[0] as Slot, groups: new Map<unknown, unknown[]>() };
      if (value === null || value === undefined) return state;
      const values = state.groups.get(key);
      if (values === undefined) state.groups.set(key, [value]);
      else values.push(value);
      return state;
    },
    result: (acc: { slot: Slot; groups: Map<unknown, unknown[]> } | null) =>
      JSON.stringify(acc === null ? [] : [...acc.groups].map(([key, values]) => [key, values.length, pickPercentiles(values, acc.slot)])),
    deterministic: true,
    varargs: false,
  } as never);
  // the rollups' exact running sums: ledger_add(a, b, sign) is a + sign * b on decimal texts
  (db as unknown as NativeFunctionDb).function('ledger_add', { deterministic: true }, (a: unknown, b: unknown, sign: unknown) =>
    exactAdd(String(a ?? '0'), String(b ?? '0'), Number(sign) < 0 ? -1 : 1),
  );
  registered.add(db);
}

interface NativeFunctionDb {
  function(name: string, options: { deterministic: boolean }, fn: (...args: never[]) => unknown): unknown;
}

/** Places of the fixed-point fast path: the contract's decimals have at most 12. */
const PLACES = 12;

/** A canonical decimal string as a whole number of 10^-12, or null when it does not fit that form. */
function toScaled(text: string): bigint | null {
  if (placesOf(text) > PLACES) return null;
  try {
    return scaledBy(text, PLACES);
  } catch {
    return null;
  }
}

function fromScaled(v: bigint, places: number): string {
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(places + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/**
 * An exact sum of decimal texts: whole numbers of 10^-12 (or 10^-24 for products) in a BigInt, several
 * times faster than decimal.js per value; a value outside that form moves the sum to decimal.js.
 */
class ExactSum {
  #scaled = 0n;
  #slow: Exact | null = null;
  #any = false;
  /** 12 for sums of values, 24 for sums of products */
  readonly #places: number;

  constructor(kind: 'sum' | 'product') {
    this.#places = kind === 'sum' ? PLACES : 2 * PLACES;
  }

  add(x: unknown): this {
    if (x === null || x === undefined) return this;
    this.#any = true;
    const text = String(x);
    const v = this.#slow === null ? toScaled(text) : null;
    if (v !== null) this.#scaled += v;
    else this.#slow = this.#toSlow().plus(text);
    return this;
  }

  addProduct(a: unknown, b: unknown): this {
    if (a === null || a === undefined || b === null || b === undefined) return this;
    this.#any = true;
    const x = this.#slow === null ? toScaled(String(a)) : null;
    const y = x === null ? null : toScaled(String(b));
    if (x !== null && y !== null) this.#scaled += x * y;
    else this.#slow = this.#toSlow().plus(new Exact(String(a)).times(String(b)));
    return this;
  }

  #toSlow(): Exact {
    return this.#slow ?? new Exact(fromScaled(this.#scaled, this.#places));
  }

  result(): string | null {
    if (!this.#any) return null;
    return this.#slow !== null ? this.#slow.toFixed() : fromScaled(this.#scaled, this.#places);
  }
}

/** Decimal texts in exact order: by their double first (rounding keeps order), ties settled exactly. */
export function sortDecimals(values: readonly string[]): string[] {
  const keyed = values.map((v) => ({ v, f: Number.parseFloat(v) }));
  keyed.sort((a, b) => a.f - b.f || (a.v === b.v ? 0 : new Exact(a.v).comparedTo(b.v)));
  return keyed.map((k) => k.v);
}

function pickPercentiles(values: unknown[], slot: Slot): (string | number | null)[] | null {
  if (values.length === 0 || !('fractions' in slot)) return null;
  const { fractions } = slot;
  if (slot.kind === 'i') {
    const sorted = Float64Array.from(values as number[]).sort();
    return fractions.map((p) => nearestRank(sorted as unknown as number[], p));
  }
  return pickDecimals(values.map(String), fractions);
}

/**
 * Nearest-rank picks of decimal texts without sorting the texts: their doubles are sorted natively
 * (rounding keeps order), and only the values sharing the picked double are ordered exactly.
 */
function pickDecimals(values: readonly string[], fractions: readonly number[]): (string | null)[] {
  const doubles = Float64Array.from(values, (v) => Number.parseFloat(v));
  const sorted = doubles.slice().sort();
  return fractions.map((p) => {
    const rank = rankOf(values.length, p);
    const f = sorted[rank - 1] as number;
    let below = 0;
    for (let hi = rank - 1; below < hi; ) {
      const mid = (below + hi) >>> 1;
      if ((sorted[mid] as number) < f) below = mid + 1;
      else hi = mid;
    }
    const ties: string[] = [];
    for (let i = 0; i < values.length; i++) if (doubles[i] === f) ties.push(values[i] as string);
    return sortDecimals(ties)[rank - 1 - below] ?? null;
  });
}

/** The SQL fragments the analytics queries write differently per dialect. */
export interface Aggregates {
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
  /** a text expression compared by code point (for ORDER BY) */
  binary(expr: string): string;
}

const literal = (ps: readonly number[]) => ps.map((p) => String(p)).join(',');

export function aggregatesFor(dialect: Dialect): Aggregates {
  if (dialect === 'postgresql') {
    return {
      microsBetween: (a, b) => `((extract(epoch from ${a}) - extract(epoch from ${b})) * 1000000)::bigint`,
      isTrue: (e) => `${e} is true`,
      bucket: (e, unit) => `to_char(date_trunc('${unit}', ${e} at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
      timestamp: (e) => `to_char(${e} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      jsonElements: (e, alias) => `jsonb_array_elements_text(${e}) as ${alias}("value")`,
      binary: (e) => `${e} collate "C"`,
    };
  }
  return {
    microsBetween: (a, b) =>
      `((unixepoch(substr(${a}, 1, 19)) - unixepoch(substr(${b}, 1, 19))) * 1000000 + (cast(substr(${a}, 21, 6) as integer) - cast(substr(${b}, 21, 6) as integer)))`,
    isTrue: (e) => `${e} = 1`,
    bucket: (e, unit) => (unit === 'hour' ? `substr(${e}, 1, 13) || ':00:00Z'` : `substr(${e}, 1, 10) || 'T00:00:00Z'`),
    timestamp: (e) => e,
    jsonElements: (e, alias) => `json_each(${e}) as ${alias}`,
    binary: (e) => e,
  };
}

/** A handle on one aggregate of an ExactAggregates set. */
export type AggregateSlot<T> = { readonly read: (values: readonly unknown[]) => T };

/**
 * The exact aggregates of one query (sums, sums of products, percentiles), added one by one and read
 * back by handle. PostgreSQL gets one column per aggregate; SQLite one `ledger_aggregates` column for
 * all of them, so the query calls into JavaScript once per row instead of once per aggregate.
 */
export class ExactAggregates {
  readonly #dialect: Dialect;
  readonly #slots: { spec: [string, number[]?]; args: string[]; pg: string }[] = [];

  constructor(dialect: Dialect) {
    this.#dialect = dialect;
  }

  #add<T>(spec: [string, number[]?], args: string[], pg: string, read: (v: unknown) => T): AggregateSlot<T> {
    const index = this.#slots.push({ spec, args, pg }) - 1;
    return { read: (values) => read(values[index]) };
  }

  /** exact sum of a decimal expression (null when no values) */
  sum(expr: string): AggregateSlot<string | null> {
    return this.#add(['s'], [expr], `sum(${expr})::text`, (v) => canonicalDecimal(v));
  }

  /** exact sum of a * b */
  sumProduct(a: string, b: string): AggregateSlot<string | null> {
    return this.#add(['p'], [a, b], `sum(${a} * ${b})::text`, (v) => canonicalDecimal(v));
  }

  /** nearest-rank percentiles of a decimal expression, canonical strings in the order asked */
  decimalPercentiles(expr: string, fractions: readonly number[]): AggregateSlot<(string | null)[]> {
    const pg = `array_to_json((percentile_disc(array[${literal(fractions)}]::float8[]) within group (order by ${expr}))::text[])`;
    return this.#add(['d', [...fractions]], [expr], pg, (v) => picks(v, fractions.length).map(canonicalDecimal));
  }

  /** nearest-rank percentiles of an integer expression */
  integerPercentiles(expr: string, fractions: readonly number[]): AggregateSlot<(number | null)[]> {
    const pg = `array_to_json(percentile_disc(array[${literal(fractions)}]::float8[]) within group (order by ${expr}))`;
    return this.#add(['i', [...fractions]], [expr], pg, (v) => picks(v, fractions.length).map((x) => (x === null ? null : Number(x))));
  }

  /** The SELECT items, named "agg_0", "agg_1", ... on PostgreSQL and "agg" on SQLite. */
  select(): string {
    if (this.#slots.length === 0) return 'null as "agg"';
    if (this.#dialect === 'postgresql') return this.#slots.map((s, i) => `${s.pg} as "agg_${i}"`).join(', ');
    const spec = JSON.stringify(this.#slots.map((s) => s.spec)).replace(/'/g, "''");
    return `ledger_aggregates('${spec}', ${this.#slots.flatMap((s) => s.args).join(', ')}) as "agg"`;
  }

  /** The aggregate values of a result row, by slot index. */
  values(row: Record<string, unknown>): unknown[] {
    if (this.#dialect === 'postgresql') return this.#slots.map((_, i) => row[`agg_${i}`]);
    const v = row.agg;
    return v === null || v === undefined ? this.#slots.map(() => null) : (JSON.parse(String(v)) as unknown[]);
  }
}

function picks(value: unknown, n: number): (string | null)[] {
  if (value === null || value === undefined) return new Array<null>(n).fill(null);
  const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as unknown[];
  return parsed.map((v) => (v === null ? null : String(v)));
}
