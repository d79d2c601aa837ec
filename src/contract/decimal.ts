import { Decimal as DecimalJs } from 'decimal.js';
import { quote } from './json-hazards.ts';
import { LIMITS } from './limits.ts';

/** Decimal arithmetic for money and quantities: 50 significant digits, banker's rounding, never a binary float. */
export const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -50, toExpPos: 50 });
export type Decimal = InstanceType<typeof Decimal>;

export const DECIMAL_LIMITS = { maxIntegerDigits: 20, maxScale: 12 } as const;

/** 10^n as a BigInt, the first powers kept. */
const POWERS = Array.from({ length: 65 }, (_, n) => 10n ** BigInt(n));
const pow10 = (n: number): bigint => POWERS[n] ?? 10n ** BigInt(n);

/** int / divisor (divisor > 0) rounded once to an integer, half to even. */
function roundHalfEven(int: bigint, divisor: bigint): bigint {
  const q = int / divisor;
  const r = int % divisor;
  const twice = 2n * (r < 0n ? -r : r);
  return twice > divisor || (twice === divisor && q % 2n !== 0n) ? q + (int < 0n ? -1n : 1n) : q;
}

const PLAIN_TEXT = /^-?\d+(?:\.\d+)?$/;

/**
 * A decimal as a whole number of 10^-scale ("-1.50" is -150n and 2): the fold's exact sums, products, differences
 * and comparisons in a BigInt, several times faster than decimal.js and never rounded (decimal.js rounds every
 * result to its precision). Divide with divideRounded; write with formatDecimal.
 */
export class ScaledDecimal {
  readonly int: bigint;
  readonly scale: number;

  constructor(int: bigint, scale: number) {
    this.int = int;
    this.scale = scale;
  }

  /**
   * A finite decimal's text or a decimal.js value, exactly: a plain text ("-1.50") with the places it is written
   * with; another form decimal.js reads ("2.5e1") as decimal.js writes it out, without trailing zeros.
   */
  static of(value: string | { toFixed(): string }): ScaledDecimal {
    const given = typeof value === 'string' ? value : value.toFixed();
    const text = PLAIN_TEXT.test(given) ? given : new Decimal(given).toFixed();
    const point = text.indexOf('.');
    return point === -1 ? new ScaledDecimal(BigInt(text), 0) : new ScaledDecimal(BigInt(text.slice(0, point) + text.slice(point + 1)), text.length - point - 1);
  }

  /** The integer this value is at `scale` places, at least its own ("1.5" at 3 places is 1500n). */
  intAt(scale: number): bigint {
    return scale === this.scale ? this.int : this.int * pow10(scale - this.scale);
  }

  plus(other: ScaledDecimal): ScaledDecimal {
    const scale = Math.max(this.scale, other.scale);
    return new ScaledDecimal(this.intAt(scale) + other.intAt(scale), scale);
  }

  minus(other: ScaledDecimal): ScaledDecimal {
    return this.plus(other.negated());
  }

  times(other: ScaledDecimal): ScaledDecimal {
    return new ScaledDecimal(this.int * other.int, this.scale + other.scale);
  }

  negated(): ScaledDecimal {
    return new ScaledDecimal(-this.int, this.scale);
  }

  /** -1, 0 or 1 */
  compare(other: ScaledDecimal): number {
    const scale = Math.max(this.scale, other.scale);
    const a = this.intAt(scale);
    const b = other.intAt(scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Plain text with all its places; zero without a sign. */
  toFixed(): string {
    const negative = this.int < 0n;
    const digits = (negative ? -this.int : this.int).toString().padStart(this.scale + 1, '0');
    const text = this.scale === 0 ? digits : `${digits.slice(0, digits.length - this.scale)}.${digits.slice(digits.length - this.scale)}`;
    return negative ? `-${text}` : text;
  }
}

/**
 * dividend / divisor rounded once, half to even, to `places` decimal places, exactly. (Decimal#div first rounds
 * the quotient to the constructor's significant digits, so rounding that to places again can land on the other
 * side of a half: a VWAP of 20-digit prices came out 10000000000000000000 for ...0000.0000000000500...01.)
 */
export function divideRounded(dividend: ScaledDecimal, divisor: ScaledDecimal, places: number): ScaledDecimal {
  if (divisor.int === 0n) throw new RangeError('division by zero');
  // a/b = (A / 10^sa) / (B / 10^sb); times 10^places it is A * 10^(sb + places) / (B * 10^sa)
  const num = dividend.int * pow10(divisor.scale + places);
  const den = divisor.int * pow10(dividend.scale);
  return new ScaledDecimal(den < 0n ? roundHalfEven(-num, -den) : roundHalfEven(num, den), places);
}

const PLAIN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Exponents beyond this many digits are refused from the text: 1e99999999 would make a string of that many digits. */
const MAX_EXPONENT_DIGITS = 4;

/**
 * Reads a decimal given as a JSON number's source text or a decimal string and returns its canonical
 * string: plain notation, no leading zeros, the scale as written ("151.10" stays "151.10").
 * Returns an error message instead when the text is not a finite decimal within the limits. The text's
 * length, its exponent and the integer digits it would have are checked on the text itself, before any
 * big-number arithmetic, so hostile input costs microseconds and no memory.
 */
export function normalizeDecimal(text: string): { value: string } | { error: string } {
  if (isCanonicalUnsigned(text)) return { value: text };
  if (text.length > LIMITS.maxDecimalChars) return { error: `not a decimal within the limits: more than ${LIMITS.maxDecimalChars} characters (${text.length})` };
  const m = PLAIN.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return { error: `not a decimal number: ${quote(text)}` };
  const [, sign = '', intDigits = '', fracDigits = '', exponent] = m;
  let value: string;
  if (exponent !== undefined) {
    const exponentDigits = exponent.replace(/^[+-]?0*/, '');
    if (exponentDigits.length > MAX_EXPONENT_DIGITS) return { error: `exponent ${quote(exponent, 12)} out of range (at most ${MAX_EXPONENT_DIGITS} digits)` };
    const e = Number(exponent);
    const digits = `${intDigits}${fracDigits}`;
    const first = digits.search(/[1-9]/);
    // integer digits of the value: the first significant digit's place, shifted by the exponent
    if (first !== -1 && intDigits.length - first + e > DECIMAL_LIMITS.maxIntegerDigits) return { error: `more than ${DECIMAL_LIMITS.maxIntegerDigits} integer digits` };
    // decimal places of the value as written: refused before toFixed, which would round them away (and could
    // carry into a 21st integer digit, reported as the wrong limit)
    const scale = Math.max(0, fracDigits.length - e);
    // Stryker disable next-line ConditionalExpression: equivalent: without it toFixed(scale) keeps every place and the check of the places below gives the same error; it spares writing out up to 10,000 digits first
    if (scale > DECIMAL_LIMITS.maxScale) return { error: `more than ${DECIMAL_LIMITS.maxScale} decimal places` };
    value = new Decimal(`${sign}${intDigits || '0'}.${fracDigits || '0'}e${e}`).toFixed(scale);
  } else {
    const int = intDigits.replace(/^0+(?=\d)/, '') || '0';
    value = `${sign === '-' ? '-' : ''}${int}${fracDigits ? `.${fracDigits}` : ''}`;
  }
  if (/^-0(\.0*)?$/.test(value)) value = value.slice(1);
  const [int = '', frac = ''] = value.replace('-', '').split('.');
  if (int.length > DECIMAL_LIMITS.maxIntegerDigits) return { error: `more than ${DECIMAL_LIMITS.maxIntegerDigits} integer digits` };
  if (frac.length > DECIMAL_LIMITS.maxScale) return { error: `more than ${DECIMAL_LIMITS.maxScale} decimal places` };
  return { value };
}

/**
 * The common case, decided in one pass over the text: an unsigned decimal that is its own canonical form within
 * the limits (digits, and at most one point with digits after it; no leading zero but a lone 0 before the point).
 */
function isCanonicalUnsigned(text: string): boolean {
  const n = text.length;
  let point = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */ && point === -1) point = i;
    else if (c < 0x30 || c > 0x39) return false;
  }
  const intDigits = point === -1 ? n : point;
  const scale = point === -1 ? 0 : n - point - 1;
  if (intDigits === 0 || intDigits > DECIMAL_LIMITS.maxIntegerDigits || (point !== -1 && scale === 0) || scale > DECIMAL_LIMITS.maxScale) return false;
  return intDigits === 1 || text.charCodeAt(0) !== 0x30 /* 0 */;
}

/**
 * A decimal with at least `minScale` and at most `maxScale` places: rounded half to even at maxScale, zeros
 * trimmed down to minScale; zero without a sign.
 */
export function formatDecimal(d: ScaledDecimal, minScale: number, maxScale: number = DECIMAL_LIMITS.maxScale): string {
  const rounded = d.scale > maxScale ? new ScaledDecimal(roundHalfEven(d.int, pow10(d.scale - maxScale)), maxScale) : d;
  const least = Math.min(minScale, maxScale);
  if (rounded.scale <= least) return new ScaledDecimal(rounded.intAt(least), least).toFixed();
  const text = rounded.toFixed();
  // trailing zeros beyond `least` places go, and the point with them when no place is left
  const stop = text.length - rounded.scale + least;
  let end = text.length;
  while (end > stop && text.charCodeAt(end - 1) === 0x30) end--;
  return text.charCodeAt(end - 1) === 0x2e ? text.slice(0, end - 1) : text.slice(0, end);
}

/** A canonical decimal string: no leading zeros, no exponent, no negative zero. */
const CANONICAL = /^(-(?=[1-9]|0\.\d*[1-9])|)(0|[1-9]\d*)(\.\d+)?$/;

/** Sum of decimals (the fold's are canonical) keeping the largest scale of the addends, as SQL numeric does. */
export function sumDecimals(values: readonly string[]): string {
  const only = values.length === 1 ? (values[0] as string) : null;
  if (only !== null && CANONICAL.test(only)) return only;
  let total = new ScaledDecimal(0n, 0);
  for (const v of values) total = total.plus(ScaledDecimal.of(v));
  return total.toFixed();
}

const UNSIGNED = /^(0|[1-9]\d*)(\.\d+)?$/;

/** Compares two decimal strings (-1, 0, 1); canonical non-negative ones without building Decimals. */
export function compareDecimals(a: string, b: string): number {
  if (!UNSIGNED.test(a) || !UNSIGNED.test(b)) return new Decimal(a).comparedTo(b);
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const x = af.padEnd(width, '0');
  const y = bf.padEnd(width, '0');
  return x === y ? 0 : x < y ? -1 : 1;
}
