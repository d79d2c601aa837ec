import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokenDecimalRule, type DecimalRule } from '../../src/contract/schemas.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

/** The rules written as patterns over the decimal's text (how brokenDecimalRule said them until it read the characters itself). */
function ruleHolds(v: string, rule: DecimalRule): boolean {
  const negative = v.startsWith('-');
  const zero = /^-?0(\.0*)?$/.test(v);
  if (rule === 'positive') return !negative && !zero;
  if (rule === 'nonNegative') return !negative;
  if (rule === 'unitInterval') return !negative && (v.split('.')[0] === '0' || /^1(\.0*)?$/.test(v));
  return true;
}

const RULES: readonly DecimalRule[] = ['positive', 'nonNegative', 'unitInterval', 'any'];

describe('brokenDecimalRule: a decimal field rule, said with the value', () => {
  it('refuses 0 and below where a value must be positive, below 0 where it must not be negative, outside [0, 1] for a unit interval', () => {
    expect(brokenDecimalRule('0', 'positive')).toBe('must be greater than 0 (got 0)');
    expect(brokenDecimalRule('0.000', 'positive')).toBe('must be greater than 0 (got 0.000)');
    expect(brokenDecimalRule('0.001', 'positive')).toBeNull();
    expect(brokenDecimalRule('-1', 'nonNegative')).toBe('must be 0 or greater (got -1)');
    expect(brokenDecimalRule('0', 'nonNegative')).toBeNull();
    expect(brokenDecimalRule('1.000', 'unitInterval')).toBeNull();
    expect(brokenDecimalRule('0.999', 'unitInterval')).toBeNull();
    expect(brokenDecimalRule('0', 'unitInterval')).toBeNull();
    expect(brokenDecimalRule('1.001', 'unitInterval')).toBe('must be between 0 and 1 (got 1.001)');
    expect(brokenDecimalRule('10', 'unitInterval')).toBe('must be between 0 and 1 (got 10)');
    expect(brokenDecimalRule('-0.5', 'unitInterval')).toBe('must be between 0 and 1 (got -0.5)');
    expect(brokenDecimalRule('-7.25', 'any')).toBeNull();
  });

  it('decides every rule as the rules written as patterns do, for any text of signs, digits and points (property)', () => {
    const text = fc.oneof(fc.stringMatching(/^-?[0-9.]{1,8}$/), fc.string({ unit: fc.constantFrom('-', '+', '0', '1', '2', '9', '.', 'e'), maxLength: 8 }));
    fc.assert(
      fc.property(text, fc.constantFrom(...RULES), (v, rule) => {
        expect(brokenDecimalRule(v, rule) === null, `${rule} ${v}`).toBe(ruleHolds(v, rule));
      }),
      { numRuns: propertyRuns(20000) },
    );
  });
});
