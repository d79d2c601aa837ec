// Bug: canonicalJson sorts a value's keys in place of copying (inSortedOrder) and writes it with JSON.stringify,
// but a null anywhere inside sent the whole value down the slower member-by-member path (canonicalText): every
// parsed event has null members, so every hashEvent (verify, rebuild, history, the API) and every fill's
// content took it, about 2.5 times slower. The text was right either way, so only the path shows it: sortKeysDeep
// shares the sorting and returns a value it did not have to reorder as it is.
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalText, sortKeysDeep } from '../../src/contract/canonical-json.ts';

describe('a null member', () => {
  it('keeps a sorted value on the sorting path: sortKeysDeep returns it as it is, and canonicalJson writes the same text', () => {
    const value = { a: null, b: [null, { c: null }], d: 'x' };
    expect(sortKeysDeep(value)).toBe(value);
    expect(sortKeysDeep(value.b)).toBe(value.b);
    expect(canonicalJson(value)).toBe('{"a":null,"b":[null,{"c":null}],"d":"x"}');
    expect(canonicalJson(value)).toBe(canonicalText(value));
  });
});
