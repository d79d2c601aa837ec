import { readWholeNumber, wholeNumberRule } from '../config-choices.ts';
import { InputError } from '../errors.ts';
import { hideUrls } from './output.ts';

/** A flag's bad value as an error quotes it: a URL or anything with an @ (a password typed in the wrong place) as ***. */
const shown = (value: string): string => JSON.stringify(hideUrls(value));

/** A commander parser for a whole-number flag: decimal digits only (no 0x10, 1e2, -1), from min to max; a bad value names the flag. */
export function wholeNumberFlag(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = readWholeNumber(value, min, max);
    if (n === null) throw InputError.invalid(flag, `${wholeNumberRule(min, max)} (got ${shown(value)})`);
    return n;
  };
}

/** A commander parser for a plain decimal flag (digits, one optional point: no 0x10, 1e2 or -1), from min to max; a bad value names the flag. */
export function decimalFlag(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\s*\d{1,15}(\.\d{1,15})?\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min && n <= max)) throw InputError.invalid(flag, `a number from ${min} to ${max} (got ${shown(value)})`);
    return n;
  };
}

/**
 * A commander parser for a flag with fixed choices (set with Option.choices too, so --help lists them): a value
 * outside them is one line naming the flag and exit code 2, as for every other bad flag value (commander's own
 * check exits 1 and prints the whole usage). `variadic` collects repeated values into a list.
 */
export function choiceFlag(flag: string, choices: readonly string[], variadic = false): (value: string, previous: unknown) => string | string[] {
  return (value, previous) => {
    if (!choices.includes(value)) throw InputError.invalid(flag, `one of ${choices.join(', ')} (got ${shown(value)})`);
    if (!variadic) return value;
    return Array.isArray(previous) ? [...(previous as string[]), value] : [value];
  };
}

/** Checks time flags (flag name -> value given) before anything is opened, so that a bad time is reported under its flag's name. */
export async function checkTimeFlags(flags: Record<string, string | undefined>): Promise<void> {
  const { timeParam } = await import('../store/sql-params.ts');
  for (const [flag, value] of Object.entries(flags)) if (value !== undefined) timeParam(value, flag);
}
