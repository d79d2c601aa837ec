import { describe, expect, it } from 'vitest';
import {
  compareDecimals,
  Decimal,
  divideRounded,
  formatDecimal,
  normalizeDecimal,
  ScaledDecimal,
  sumDecimals,
} from '../../src/contract/decimal.ts';

/** divideRounded's result as plain text with exactly `places` places. */
function divide(dividend: string, divisor: string, places: number): string {
  return divideRounded(ScaledDecimal.of(dividend), ScaledDecimal.of(divisor), places).toFixed();
}

describe('divideRounded: the exact quotient rounded once, half to even', () => {
  it('divides exactly when the quotient fits the places', () => {
    expect(divide('6', '3', 0)).toBe('2');
    expect(divide('1.50', '0.5', 2)).toBe('3.00');
    expect(divide('1', '8', 3)).toBe('0.125');
    expect(divide('0.001', '1', 3)).toBe('0.001');
    expect(divide('12.5', '0.25', 1)).toBe('50.0');
  });

  it('rounds below a half down and above a half up, away from zero for negative quotients', () => {
    expect(divide('1', '3', 4)).toBe('0.3333');
    expect(divide('2', '3', 4)).toBe('0.6667');
    expect(divide('-1', '3', 4)).toBe('-0.3333');
    expect(divide('-2', '3', 4)).toBe('-0.6667');
    expect(divide('2', '-3', 4)).toBe('-0.6667');
    expect(divide('-2', '-3', 4)).toBe('0.6667');
    expect(divide('0.1251', '1', 2)).toBe('0.13');
    expect(divide('-0.1251', '1', 2)).toBe('-0.13');
    expect(divide('0.1249', '1', 2)).toBe('0.12');
  });

  it('rounds an exact half to the even neighbour, whatever the signs', () => {
    expect(divide('5', '2', 0)).toBe('2');
    expect(divide('7', '2', 0)).toBe('4');
    expect(divide('-5', '2', 0)).toBe('-2');
    expect(divide('-7', '2', 0)).toBe('-4');
    expect(divide('5', '-2', 0)).toBe('-2');
    expect(divide('7', '-2', 0)).toBe('-4');
    expect(divide('-7', '-2', 0)).toBe('4');
    expect(divide('1', '8', 2)).toBe('0.12');
    expect(divide('3', '8', 2)).toBe('0.38');
    expect(divide('-1', '8', 2)).toBe('-0.12');
    expect(divide('-3', '8', 2)).toBe('-0.38');
    expect(divide('0.5', '1', 0)).toBe('0');
    expect(divide('1.5', '1', 0)).toBe('2');
  });

  it('rounds the exact quotient once, so a tiny excess over a half of 20-digit values still rounds up', () => {
    // (Decimal#div rounds to 50 significant digits first and would then see an exact half)
    const dividend = '10000000000000000000.00000000005000000000000000000000000000000001';
    expect(divide(dividend, '1', 10)).toBe('10000000000000000000.0000000001');
    expect(divide('10000000000000000000.00000000005', '1', 10)).toBe('10000000000000000000.0000000000');
  });

  it('gives the VWAP of docs/decisions.md: 150 x 1 and 151 x 2 average 150.6666666667', () => {
    expect(divide('452', '3', 10)).toBe('150.6666666667');
  });

  it('keeps leading zeros of small quotients and works with decimals of any scale on either side', () => {
    expect(divide('1', '20', 2)).toBe('0.05');
    expect(divide('-1', '20', 2)).toBe('-0.05');
    expect(divide('0.003', '0.2', 4)).toBe('0.0150');
    expect(divide('30', '0.002', 0)).toBe('15000');
    expect(divide('1.2345', '10', 5)).toBe('0.12345');
    expect(divideRounded(ScaledDecimal.of('1'), ScaledDecimal.of('20'), 2)).toEqual(new ScaledDecimal(5n, 2));
  });

  it('gives zero without a sign when a negative quotient rounds to zero', () => {
    const q = divideRounded(ScaledDecimal.of('-0.001'), ScaledDecimal.of('1'), 2);
    expect(q.int).toBe(0n);
    expect(q.toFixed()).toBe('0.00');
    expect(divide('0', '-3', 2)).toBe('0.00');
  });

  it('throws a RangeError for a zero divisor, whatever its scale', () => {
    expect(() => divideRounded(ScaledDecimal.of('1'), ScaledDecimal.of('0'), 2)).toThrow(new RangeError('division by zero'));
    expect(() => divideRounded(ScaledDecimal.of('0'), ScaledDecimal.of('0.000'), 0)).toThrow(new RangeError('division by zero'));
  });
});

describe('normalizeDecimal: the text checks', () => {
  it('accepts text of exactly 100 characters and refuses 101, counting the text as given', () => {
    expect(normalizeDecimal(`${'0'.repeat(99)}7`)).toEqual({ value: '7' });
    expect(normalizeDecimal(`${' '.repeat(99)}7`)).toEqual({ value: '7' });
    expect(normalizeDecimal(`${'0'.repeat(100)}7`)).toEqual({ error: 'not a decimal within the limits: more than 100 characters (101)' });
    expect(normalizeDecimal(`${' '.repeat(100)}7`)).toEqual({ error: 'not a decimal within the limits: more than 100 characters (101)' });
  });

  it('refuses text without a digit: "", "+", "-", ".", "-.", "e5", ".e5"', () => {
    for (const text of ['', '+', '-', '.', '-.', '+.', 'e5', '.e5', '-e5', ' ']) {
      expect(normalizeDecimal(text), text).toEqual({ error: `not a decimal number: ${JSON.stringify(text)}` });
    }
  });

  it('refuses text that is not plain or exponent notation', () => {
    for (const text of ['1.2.3', '1,5', '0x10', 'Infinity', 'NaN', '+-1', '1_000', '1e', '1e+', '1e5.5', '١٢', '1 000', '--1', '1f']) {
      expect(normalizeDecimal(text), text).toEqual({ error: `not a decimal number: ${JSON.stringify(text)}` });
    }
  });

  it('quotes refused text at most 80 characters long', () => {
    const text = 'x'.repeat(90);
    expect(normalizeDecimal(text)).toEqual({ error: `not a decimal number: "${'x'.repeat(80)}"… (90 characters)` });
  });

  it('trims surrounding white space', () => {
    expect(normalizeDecimal(' 12.50 ')).toEqual({ value: '12.50' });
    expect(normalizeDecimal('\n-3\t')).toEqual({ value: '-3' });
  });

  it('keeps the scale as written and drops leading zeros and a plus sign', () => {
    expect(normalizeDecimal('151.10')).toEqual({ value: '151.10' });
    expect(normalizeDecimal('007')).toEqual({ value: '7' });
    expect(normalizeDecimal('000')).toEqual({ value: '0' });
    expect(normalizeDecimal('0')).toEqual({ value: '0' });
    expect(normalizeDecimal('00.50')).toEqual({ value: '0.50' });
    expect(normalizeDecimal('-007.10')).toEqual({ value: '-7.10' });
    expect(normalizeDecimal('+5')).toEqual({ value: '5' });
    expect(normalizeDecimal('+0.25')).toEqual({ value: '0.25' });
    // zeros inside or at the end of the integer part are digits, not leading zeros
    expect(normalizeDecimal('100')).toEqual({ value: '100' });
    expect(normalizeDecimal('1007.05')).toEqual({ value: '1007.05' });
    expect(normalizeDecimal('-100')).toEqual({ value: '-100' });
  });

  it('reads ".5" as 0.5 and "5." as 5', () => {
    expect(normalizeDecimal('.5')).toEqual({ value: '0.5' });
    expect(normalizeDecimal('-.5')).toEqual({ value: '-0.5' });
    expect(normalizeDecimal('+.5')).toEqual({ value: '0.5' });
    expect(normalizeDecimal('5.')).toEqual({ value: '5' });
    expect(normalizeDecimal('-5.')).toEqual({ value: '-5' });
  });

  it('never gives negative zero, whatever its scale, but keeps the sign of a small negative value', () => {
    expect(normalizeDecimal('-0')).toEqual({ value: '0' });
    expect(normalizeDecimal('-00')).toEqual({ value: '0' });
    expect(normalizeDecimal('-0.')).toEqual({ value: '0' });
    expect(normalizeDecimal('-0.000')).toEqual({ value: '0.000' });
    expect(normalizeDecimal('-.0')).toEqual({ value: '0.0' });
    expect(normalizeDecimal('-0e3')).toEqual({ value: '0' });
    expect(normalizeDecimal('-0.00e1')).toEqual({ value: '0.0' });
    expect(normalizeDecimal('-0.5')).toEqual({ value: '-0.5' });
    expect(normalizeDecimal('-0.001')).toEqual({ value: '-0.001' });
    expect(normalizeDecimal('-0.0010')).toEqual({ value: '-0.0010' });
    expect(normalizeDecimal('-10')).toEqual({ value: '-10' });
    expect(normalizeDecimal('-1e-3')).toEqual({ value: '-0.001' });
  });

  it('allows 20 integer digits and 12 places, and refuses 21 and 13, with or without a sign', () => {
    expect(normalizeDecimal('12345678901234567890')).toEqual({ value: '12345678901234567890' });
    expect(normalizeDecimal('-12345678901234567890.123456789012')).toEqual({ value: '-12345678901234567890.123456789012' });
    expect(normalizeDecimal('000012345678901234567890')).toEqual({ value: '12345678901234567890' });
    expect(normalizeDecimal('123456789012345678901')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('-123456789012345678901')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('0.123456789012')).toEqual({ value: '0.123456789012' });
    expect(normalizeDecimal('0.1234567890123')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('-0.1234567890123')).toEqual({ error: 'more than 12 decimal places' });
    // trailing zeros count: the scale is as written
    expect(normalizeDecimal('1.0000000000000')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('-0.0000000000000')).toEqual({ error: 'more than 12 decimal places' });
  });
});

describe('normalizeDecimal: exponent notation', () => {
  it('writes the value in plain notation with the scale the digits give', () => {
    expect(normalizeDecimal('1e3')).toEqual({ value: '1000' });
    expect(normalizeDecimal('1E3')).toEqual({ value: '1000' });
    expect(normalizeDecimal('1e+2')).toEqual({ value: '100' });
    expect(normalizeDecimal('1.5e3')).toEqual({ value: '1500' });
    expect(normalizeDecimal('1.50e1')).toEqual({ value: '15.0' });
    expect(normalizeDecimal('150e-2')).toEqual({ value: '1.50' });
    expect(normalizeDecimal('-1.5e-1')).toEqual({ value: '-0.15' });
    expect(normalizeDecimal('1e-0')).toEqual({ value: '1' });
    expect(normalizeDecimal('2.5e0')).toEqual({ value: '2.5' });
    expect(normalizeDecimal('5.e2')).toEqual({ value: '500' });
    expect(normalizeDecimal('.5e1')).toEqual({ value: '5' });
    expect(normalizeDecimal('.5e-1')).toEqual({ value: '0.05' });
    expect(normalizeDecimal('0e-5')).toEqual({ value: '0.00000' });
    expect(normalizeDecimal('12345678901234567890.123456789012e0')).toEqual({ value: '12345678901234567890.123456789012' });
  });

  it('reads exponents with leading zeros by their value', () => {
    expect(normalizeDecimal('1e0005')).toEqual({ value: '100000' });
    expect(normalizeDecimal('1e-00012')).toEqual({ value: '0.000000000001' });
    expect(normalizeDecimal('1e+00000000')).toEqual({ value: '1' });
    expect(normalizeDecimal('1e000005')).toEqual({ value: '100000' });
    expect(normalizeDecimal('1e-000000012')).toEqual({ value: '0.000000000001' });
  });

  it('refuses an exponent of more than 4 digits from the text, quoting at most 12 of its characters', () => {
    expect(normalizeDecimal('1e99999')).toEqual({ error: 'exponent "99999" out of range (at most 4 digits)' });
    expect(normalizeDecimal('1e+10000')).toEqual({ error: 'exponent "+10000" out of range (at most 4 digits)' });
    expect(normalizeDecimal('1e-99999')).toEqual({ error: 'exponent "-99999" out of range (at most 4 digits)' });
    // even for zero, which no exponent could make large
    expect(normalizeDecimal('0e99999')).toEqual({ error: 'exponent "99999" out of range (at most 4 digits)' });
    expect(normalizeDecimal(`1e${'9'.repeat(20)}`)).toEqual({ error: 'exponent "999999999999"… (20 characters) out of range (at most 4 digits)' });
  });

  it('counts the integer digits the exponent gives: 1e19 has 20, 1e20 has 21', () => {
    expect(normalizeDecimal('1e19')).toEqual({ value: '10000000000000000000' });
    expect(normalizeDecimal('1e20')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('-1e20')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('1e9999')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('0.1e20')).toEqual({ value: '10000000000000000000' });
    expect(normalizeDecimal('0.1e21')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('0.01e21')).toEqual({ value: '10000000000000000000' });
    expect(normalizeDecimal('10e18')).toEqual({ value: '10000000000000000000' });
    expect(normalizeDecimal('10e19')).toEqual({ error: 'more than 20 integer digits' });
    expect(normalizeDecimal('00001e19')).toEqual({ value: '10000000000000000000' });
    expect(normalizeDecimal('1234.5e16')).toEqual({ value: '12345000000000000000' });
    expect(normalizeDecimal('1234.5e17')).toEqual({ error: 'more than 20 integer digits' });
  });

  it('reads zero with any exponent of up to 4 digits as zero at the scale it gives', () => {
    expect(normalizeDecimal('0e9999')).toEqual({ value: '0' });
    expect(normalizeDecimal('0e20')).toEqual({ value: '0' });
    expect(normalizeDecimal('0.000e9999')).toEqual({ value: '0' });
    expect(normalizeDecimal('0e-12')).toEqual({ value: '0.000000000000' });
    expect(normalizeDecimal('0e-13')).toEqual({ error: 'more than 12 decimal places' });
  });

  it('refuses a scale over 12 places, however small the exponent makes the value', () => {
    expect(normalizeDecimal('1e-12')).toEqual({ value: '0.000000000001' });
    expect(normalizeDecimal('1e-13')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('1e-20')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('123e-21')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('1e-9999')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('-1e-9999')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('1.0000000000000e0')).toEqual({ error: 'more than 12 decimal places' });
    expect(normalizeDecimal('123.456789012345e2')).toEqual({ value: '12345.6789012345' });
    expect(normalizeDecimal('1.23456789012345e1')).toEqual({ error: 'more than 12 decimal places' });
  });
});

describe('formatDecimal: between minScale and maxScale places, zeros trimmed down to minScale', () => {
  it('pads to minScale and trims trailing zeros beyond it, never further', () => {
    expect(formatDecimal(ScaledDecimal.of('1.5'), 2, 4)).toBe('1.50');
    expect(formatDecimal(ScaledDecimal.of('1'), 2, 4)).toBe('1.00');
    expect(formatDecimal(ScaledDecimal.of('1'), 0, 4)).toBe('1');
    expect(formatDecimal(ScaledDecimal.of('10'), 0, 4)).toBe('10');
    expect(formatDecimal(ScaledDecimal.of('1.10'), 1, 4)).toBe('1.1');
    expect(formatDecimal(ScaledDecimal.of('1.23450000'), 2, 8)).toBe('1.2345');
    expect(formatDecimal(ScaledDecimal.of('1.2050'), 0, 4)).toBe('1.205');
    expect(formatDecimal(ScaledDecimal.of('100.5'), 0, 2)).toBe('100.5');
    expect(formatDecimal(ScaledDecimal.of('-2.500'), 1, 3)).toBe('-2.5');
  });

  it('rounds half to even at maxScale, which defaults to 12', () => {
    expect(formatDecimal(ScaledDecimal.of('2.5'), 0, 0)).toBe('2');
    expect(formatDecimal(ScaledDecimal.of('3.5'), 0, 0)).toBe('4');
    expect(formatDecimal(ScaledDecimal.of('0.125'), 0, 2)).toBe('0.12');
    expect(formatDecimal(ScaledDecimal.of(new Decimal(1).div(3)), 0)).toBe('0.333333333333');
    expect(formatDecimal(ScaledDecimal.of('0.0000000000005'), 0)).toBe('0');
    expect(formatDecimal(ScaledDecimal.of('0.0000000000015'), 0)).toBe('0.000000000002');
  });

  it('never gives negative zero, at any minScale, but keeps the sign of a small negative value', () => {
    expect(formatDecimal(ScaledDecimal.of('-0.00005'), 0, 4)).toBe('0');
    expect(formatDecimal(ScaledDecimal.of('-0.00005'), 2, 4)).toBe('0.00');
    expect(formatDecimal(ScaledDecimal.of('-0.00004'), 4, 4)).toBe('0.0000');
    expect(formatDecimal(ScaledDecimal.of('-0.4'), 0, 0)).toBe('0');
    expect(formatDecimal(ScaledDecimal.of('-0.00015'), 0, 4)).toBe('-0.0002');
    expect(formatDecimal(ScaledDecimal.of('-0.5'), 0, 4)).toBe('-0.5');
    expect(formatDecimal(ScaledDecimal.of('-10'), 0, 2)).toBe('-10');
  });
});

describe('sumDecimals: exact sum at the largest scale of the terms', () => {
  it('returns a single canonical value as it is', () => {
    expect(sumDecimals(['1.50'])).toBe('1.50');
    expect(sumDecimals(['-0.5'])).toBe('-0.5');
    expect(sumDecimals(['0'])).toBe('0');
    expect(sumDecimals(['12345678901234567890.123456789012'])).toBe('12345678901234567890.123456789012');
  });

  it('normalizes a single value that is not canonical: negative zero loses its sign, leading zeros go', () => {
    expect(sumDecimals(['-0'])).toBe('0');
    expect(sumDecimals(['-0.00'])).toBe('0.00');
    expect(sumDecimals(['007'])).toBe('7');
    expect(sumDecimals(['00.10'])).toBe('0.10');
  });

  it('sums several values exactly, keeping the largest scale', () => {
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(sumDecimals(['1.5', '2.25'])).toBe('3.75');
    expect(sumDecimals(['1.50', '2'])).toBe('3.50');
    expect(sumDecimals(['2', '1.50'])).toBe('3.50');
    expect(sumDecimals(['1', '2'])).toBe('3');
    expect(sumDecimals(['-1.5', '1.5'])).toBe('0.0');
    expect(sumDecimals(['-0.001', '0.0005', '0.0005'])).toBe('0.0000');
    expect(sumDecimals(['12345678901234567890.123456789012', '12345678901234567890.123456789012'])).toBe(
      '24691357802469135780.246913578024',
    );
  });

  it('gives 0 for no values', () => {
    expect(sumDecimals([])).toBe('0');
  });
});

describe('compareDecimals: -1, 0 or 1 by numeric value', () => {
  it('orders integers of different lengths by value, not as text', () => {
    expect(compareDecimals('100', '99')).toBe(1);
    expect(compareDecimals('99', '100')).toBe(-1);
    expect(compareDecimals('10', '9.999')).toBe(1);
    expect(compareDecimals('9.999', '10')).toBe(-1);
  });

  it('orders integers of the same length digit by digit', () => {
    expect(compareDecimals('12', '13')).toBe(-1);
    expect(compareDecimals('13', '12')).toBe(1);
    expect(compareDecimals('12', '12')).toBe(0);
  });

  it('compares fractions of different lengths as if padded with zeros', () => {
    expect(compareDecimals('10.50', '10.5')).toBe(0);
    expect(compareDecimals('2', '2.000')).toBe(0);
    expect(compareDecimals('2.000', '2')).toBe(0);
    expect(compareDecimals('2.001', '2')).toBe(1);
    expect(compareDecimals('2', '2.001')).toBe(-1);
    expect(compareDecimals('1.2', '1.10')).toBe(1);
    expect(compareDecimals('1.10', '1.2')).toBe(-1);
    expect(compareDecimals('1.05', '1.5')).toBe(-1);
    expect(compareDecimals('0.5', '0.25')).toBe(1);
    expect(compareDecimals('0.25', '0.5')).toBe(-1);
  });

  it('compares negative values by value, whichever side they are on', () => {
    expect(compareDecimals('-1', '0.5')).toBe(-1);
    expect(compareDecimals('1', '-2')).toBe(1);
    expect(compareDecimals('-2', '1')).toBe(-1);
    expect(compareDecimals('-0.5', '-0.25')).toBe(-1);
    expect(compareDecimals('-100', '-99')).toBe(-1);
    expect(compareDecimals('-1.50', '-1.5')).toBe(0);
  });

  it('compares decimal strings that are not canonical by value', () => {
    expect(compareDecimals('007', '7')).toBe(0);
    expect(compareDecimals('1e2', '99')).toBe(1);
    expect(compareDecimals('99', '1e2')).toBe(-1);
    expect(compareDecimals('.5', '0.25')).toBe(1);
    expect(compareDecimals('0.25', '.5')).toBe(-1);
    expect(compareDecimals('010', '9')).toBe(1);
    expect(compareDecimals('9', '010')).toBe(-1);
  });
});
