import { Decimal as DecimalJs } from 'decimal.js';
import quickselect from 'quickselect';

// Exact decimal arithmetic on decimal texts, shared by the write path (the rollups' running sums), the SQLite
// aggregates and the analytics: no database, no I/O.

/** Wide enough for a sum of products of two 32-digit decimals. */
export const Exact = DecimalJs.clone({ precision: 120, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -120, toExpPos: 120 });
export type Exact = InstanceType<typeof Exact>;

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
export class ExactSum {
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

/**
 * The values at nearest ranks of numbers, each found by selection (quickselect, linear time) instead of a sort: on a
 * year's million latencies, sorting took most of a percentile query's time on SQLite. `work` is reordered.
 */
function selectRanks(work: Float64Array, fractions: readonly number[]): number[] {
  const select = (k: number) => {
    // a rank that is not a whole number (a fraction that is NaN) would never end quickselect's loop
    if (!Number.isInteger(k)) throw new RangeError(`no nearest rank ${k} of ${work.length} values`);
    // a Float64Array is indexed and swapped as an array is
    quickselect(work as unknown as number[], k);
    return work[k] as number;
  };
  return fractions.map((p) => select(rankOf(work.length, p) - 1));
}

/** Nearest-rank picks of numbers (null for none). */
export function pickNumbers(values: readonly number[], fractions: readonly number[]): (number | null)[] {
  return values.length === 0 ? fractions.map(() => null) : selectRanks(Float64Array.from(values), fractions);
}

/**
 * Nearest-rank picks of decimal texts without sorting the texts: the double at each rank is selected (rounding keeps
 * order), and only the values sharing it are ordered exactly.
 */
export function pickDecimals(values: readonly string[], fractions: readonly number[]): (string | null)[] {
  if (values.length === 0) return fractions.map(() => null);
  const doubles = Float64Array.from(values, (v) => Number.parseFloat(v));
  const picked = selectRanks(doubles.slice(), fractions);
  return fractions.map((p, at) => {
    const rank = rankOf(values.length, p);
    const f = picked[at] as number;
    let below = 0;
    const ties: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const d = doubles[i] as number;
      if (d < f) below++;
      else if (d === f) ties.push(values[i] as string);
    }
    return sortDecimals(ties)[rank - 1 - below] ?? null;
  });
}
