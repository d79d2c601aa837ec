import { Decimal as DecimalJs } from 'decimal.js';
import { quote } from './json-hazards.ts';
import { LIMITS } from './limits.ts';

/** Decimal arithmetic for money and quantities: 50 significant digits, banker's rounding, never a binary float. */
export const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -50, toExpPos: 50 });
export type Decimal = InstanceType<typeof Decimal>;

export const DECIMAL_LIMITS = { maxIntegerDigits: 20, maxScale: 12 } as const;

/**
 * Decimal arithmetic that never rounds sums and products of accepted decimals (at most 32 digits each: their
 * products have at most 64, and sums of many a few more), for the fold's averages. Divide with divideRounded.
 */
export const ExactDecimal = DecimalJs.clone({ precision: 400, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -400, toExpPos: 400 });
export type ExactDecimal = InstanceType<typeof ExactDecimal>;

/** A finite decimal as an integer and the power of ten it is divided by ("-1.50" is -150n and 2). */
function scaledInteger(d: { toFixed(): string }): { int: bigint; scale: number } {
  const text = d.toFixed();
  const point = text.indexOf('.');
  if (point === -1) return { int: BigInt(text), scale: 0 };
  return { int: BigInt(text.slice(0, point) + text.slice(point + 1)), scale: text.length - point - 1 };
}

/**
 * dividend / divisor rounded once, half to even, to `places` decimal places, exactly. (Decimal#div first rounds
 * the quotient to the constructor's significant digits, so rounding that to places again can land on the other
 * side of a half: a VWAP of 20-digit prices came out 10000000000000000000 for ...0000.0000000000500...01.)
 */
export function divideRounded(dividend: { toFixed(): string }, divisor: { toFixed(): string }, places: number): Decimal {
  const a = scaledInteger(dividend);
  const b = scaledInteger(divisor);
  if (b.int === 0n) throw new RangeError('division by zero');
  // a/b = (A / 10^sa) / (B / 10^sb); times 10^places it is A * 10^(sb + places) / (B * 10^sa)
  let num = a.int * 10n ** BigInt(b.scale + places);
  let den = b.int * 10n ** BigInt(a.scale);
  if (den < 0n) [num, den] = [-num, -den];
  let q = num / den;
  const r = num % den;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice > den || (twice === den && q % 2n !== 0n)) q += num < 0n ? -1n : 1n;
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`;
  return new Decimal(negative ? `-${text}` : text);
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

/** Number of digits after the decimal point of a canonical decimal string. */
export function scaleOf(value: string): number {
  const dot = value.indexOf('.');
  return dot === -1 ? 0 : value.length - dot - 1;
}

/** Formats a Decimal with at least `minScale` and at most `maxScale` places, trimming zeros beyond minScale. */
export function formatDecimal(d: Decimal, minScale: number, maxScale: number = DECIMAL_LIMITS.maxScale): string {
  // toFixed rounds with the configured mode (half-even), as toDecimalPlaces would
  const fixed = d.toFixed(maxScale);
  const [int, frac = ''] = fixed.split('.');
  let end = frac.length;
  while (end > minScale && frac[end - 1] === '0') end--;
  const out = end > 0 ? `${int}.${frac.slice(0, end)}` : `${int}`;
  return /^-0(\.0*)?$/.test(out) ? out.slice(1) : out;
}

/** A canonical decimal string: no leading zeros, no exponent, no negative zero. */
const CANONICAL = /^(-(?=[1-9]|0\.\d*[1-9])|)(0|[1-9]\d*)(\.\d+)?$/;

/** Sum of canonical decimals keeping the largest scale of the addends, as SQL numeric does. */
export function sumDecimals(values: readonly string[]): string {
  const only = values.length === 1 ? (values[0] as string) : null;
  if (only !== null && CANONICAL.test(only)) return only;
  let total = new Decimal(0);
  let scale = 0;
  for (const v of values) {
    total = total.plus(v);
    scale = Math.max(scale, scaleOf(v));
  }
  return total.toFixed(scale);
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
