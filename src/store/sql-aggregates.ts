import { canonicalDecimal, Exact, ExactSum, exactAdd, pickDecimals, pickNumbers } from '../numeric/index.ts';
import { sha256Hex } from '../contract/index.ts';
import { timestampTextSql } from './column-types.ts';
import type { Dialect } from './database-url.ts';

/**
 * Exact aggregates in SQL on both databases. PostgreSQL has them (numeric sum, percentile_disc);
 * SQLite keeps decimals as text and has neither an exact sum nor PostgreSQL's percentile_disc (its
 * own uses another rank and doubles), so the same functions are registered on its connection and run
 * inside SQLite's query engine: rows never come up to the caller, only the aggregates do.
 */

interface NativeAggregateDb {
  function(name: string, options: { deterministic: boolean }, fn: (...args: never[]) => unknown): unknown;
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

/**
 * ledger_aggregates' specs by number: its SQL passes the number, so SQLite hands JavaScript a small integer a row
 * rather than the spec's text (on a year's million rows the text cost about a tenth of the query). The numbers are
 * this thread's: a query is built and run on the same thread's connection.
 */
const specNumbers = new Map<string, number>();
const numberedSpecs: Slot[][] = [];
function specNumber(spec: string): number {
  let n = specNumbers.get(spec);
  if (n === undefined) {
    n = numberedSpecs.push(parseSpec(spec)) - 1;
    specNumbers.set(spec, n);
  }
  return n;
}
function numberedSpec(n: number): Slot[] {
  const slots = numberedSpecs[n];
  if (slots === undefined) throw new Error(`ledger_aggregates: no spec numbered ${n} on this thread`);
  return slots;
}

/** A group's first state; `args`, the arguments its first row passed, must be what the slots take (a spec numbered elsewhere would not). */
function startGroup(slots: Slot[], args: number): GroupState {
  const takes = slots.reduce((n, slot) => n + (slot.kind === 'p' ? 2 : 1), 0);
  if (args !== takes) throw new Error(`ledger_aggregates: its spec takes ${takes} arguments, the query passed ${args}`);
  return { slots, states: slots.map((slot) => (slot.kind === 's' ? new ExactSum('sum') : slot.kind === 'p' ? new ExactSum('product') : { values: [] })) };
}

const registered = new WeakSet<object>();

/** Registers the ledger_* aggregates on a SQLite connection (better-sqlite3's Database; once per connection). */
export function registerSqliteAggregates(native: unknown): void {
  const db = native as NativeAggregateDb;
  if (registered.has(db)) return;
  // sha256 in hex of a text (the events_digest backfill of an older file)
  db.function('ledger_sha256', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? sha256Hex(text) : null));
  // every exact aggregate of a query in one call per row: ledger_aggregates(spec, args...), where spec is the
  // number (specNumber) of the JSON list of slots (["s"] sum, ["p"] sum of products, ["d", fractions] /
  // ["i", fractions] percentiles of decimals / integers) and args their arguments in order; the result is a JSON array
  db.aggregate('ledger_aggregates', {
    start: () => null,
    step: (acc: GroupState | null, spec: number, ...args: unknown[]) => {
      const group = acc ?? startGroup(numberedSpec(spec), args.length);
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

function pickPercentiles(values: unknown[], slot: Slot): (string | number | null)[] | null {
  if (values.length === 0 || !('fractions' in slot)) return null;
  const { fractions } = slot;
  if (slot.kind === 'i') return pickNumbers(values as number[], fractions);
  return pickDecimals(values.map(String), fractions);
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
      timestamp: timestampTextSql,
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
    const spec = specNumber(JSON.stringify(this.#slots.map((s) => s.spec)));
    return `ledger_aggregates(${spec}, ${this.#slots.flatMap((s) => s.args).join(', ')}) as "agg"`;
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
