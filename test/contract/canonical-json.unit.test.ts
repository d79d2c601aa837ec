import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonWithout, canonicalText, sha256Hex, sortKeysDeep } from '../../src/contract/canonical-json.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

/**
 * canonicalJson is hashed into derived event ids, so its exact text is part of the contract: these tests pin the
 * text itself (not only that equal values give equal text).
 */
describe('canonicalJson: exact text, sorted keys, no whitespace', () => {
  it('writes primitives as JSON does', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(-1.5)).toBe('-1.5');
    expect(canonicalJson('151.10')).toBe('"151.10"');
    expect(canonicalJson('')).toBe('""');
  });

  it('writes a value JSON has no text for (undefined, a function) as null, never as nothing', () => {
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(() => 1)).toBe('null');
    // as JSON.stringify does inside an array
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  it('escapes strings as JSON does: quotes, backslashes, control characters, lone surrogates', () => {
    expect(canonicalJson('a"b\\c\nd\u0001')).toBe('"a\\"b\\\\c\\nd\\u0001"');
    expect(canonicalJson('\ud800')).toBe('"\\ud800"');
    expect(canonicalJson({ 'k"ey\n': 'v' })).toBe('{"k\\"ey\\n":"v"}');
  });

  it('writes empty containers as [] and {}', () => {
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ a: {}, b: [] })).toBe('{"a":{},"b":[]}');
  });

  it('writes arrays in their order with a comma between elements only, and no trailing element', () => {
    expect(canonicalJson([1])).toBe('[1]');
    expect(canonicalJson([1, 2, 3])).toBe('[1,2,3]');
    expect(canonicalJson(['b', 'a'])).toBe('["b","a"]');
    expect(canonicalJson([[], [1, [2]], null])).toBe('[[],[1,[2]],null]');
  });

  it('writes an array as an array, not as an object with index keys', () => {
    expect(canonicalJson([10, 20])).not.toContain('"0"');
    expect(canonicalJson({ list: ['x', 'y'] })).toBe('{"list":["x","y"]}');
  });

  it('writes a single-key object without a comma', () => {
    expect(canonicalJson({ a: 1 })).toBe('{"a":1}');
    expect(canonicalJson({ only: { inner: 'v' } })).toBe('{"only":{"inner":"v"}}');
  });

  it('sorts keys at every depth, arrays inside objects and objects inside arrays included', () => {
    const value = { z: 1, a: { d: [{ y: 2, b: 3 }, 4], c: null }, m: 'x' };
    expect(canonicalJson(value)).toBe('{"a":{"c":null,"d":[{"b":3,"y":2},4]},"m":"x","z":1}');
  });

  it('gives the same text for the same members inserted in another order', () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(canonicalJson({ a: 2, b: 1 })).toBe('{"a":2,"b":1}');
  });

  it('sorts keys by UTF-16 code units, so "Z" comes before "a" and "é", and "10" before "9"', () => {
    // "é" is U+00E9; "😀" is the surrogate pair D83D DE00, which sorts before U+FF21 "Ａ" by code unit
    // (by code point it would come after)
    const value = { é: 1, a: 2, Z: 3, '\uff21': 4, '😀': 5 };
    expect(canonicalJson(value)).toBe('{"Z":3,"a":2,"é":1,"😀":5,"Ａ":4}');
    // integer-like keys, which JavaScript enumerates first in numeric order, are sorted as text too
    expect(canonicalJson({ 9: 'nine', 10: 'ten', b: 'b' })).toBe('{"10":"ten","9":"nine","b":"b"}');
  });

  it('skips members whose value is undefined, wherever they are, with no stray comma', () => {
    expect(canonicalJson({ a: undefined })).toBe('{}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ a: 1, b: undefined, c: 2 })).toBe('{"a":1,"c":2}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    // a null member is data, not skipped
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
  });

  it('keeps a "__proto__" key that JSON.parse made an own property', () => {
    const parsed = JSON.parse('{"b":1,"__proto__":{"x":2}}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":2},"b":1}');
  });
});

describe('canonicalJson: JSON.stringify over a sorted copy writes what the member-by-member text does', () => {
  // keys that insertion order does not rule (array indexes, "__proto__"), and values JSON has no text for
  const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', '0', '1', '10', '9', '01', '4294967295', '-1', 'é', '😀'));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    ),
  }));

  it('for any value: nested objects and arrays, any keys, undefined members, -0, NaN (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(canonicalText(v));
      }),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('for JSON.parse output, whose "__proto__" key is an own property (property)', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const parsed = JSON.parse(`{"__proto__":${text},"k":${text}}`) as unknown;
        expect(canonicalJson(parsed)).toBe(canonicalText(parsed));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('for a function inside an object or an array: null, as the member-by-member text writes it', () => {
    expect(canonicalJson({ b: () => 1, a: 1 })).toBe('{"a":1,"b":null}');
    expect(canonicalJson([Symbol('s')])).toBe('[null]');
  });
});

describe('canonicalJsonWithout: the canonical JSON of an object less one member', () => {
  const without = (obj: Record<string, unknown>, omit: string) => {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(obj)) if (k !== omit) Object.defineProperty(copy, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
    return copy;
  };

  it('leaves out the member at the top level only, wherever it sorts, and keeps the object as it was', () => {
    const message = { signal_id: 's', event_id: 'e', metadata: { event_id: 'kept', a: 1 }, b: [{ event_id: 2 }] };
    expect(canonicalJsonWithout(message, 'event_id')).toBe('{"b":[{"event_id":2}],"metadata":{"a":1,"event_id":"kept"},"signal_id":"s"}');
    expect(message).toEqual({ signal_id: 's', event_id: 'e', metadata: { event_id: 'kept', a: 1 }, b: [{ event_id: 2 }] });
    expect(canonicalJsonWithout({ a: 1, event_id: 'e' }, 'event_id')).toBe('{"a":1}');
    expect(canonicalJsonWithout({ event_id: 'e', z: 1 }, 'event_id')).toBe('{"z":1}');
    expect(canonicalJsonWithout({ event_id: 'e' }, 'event_id')).toBe('{}');
  });

  it('writes an object without that member as canonicalJson does: sorted or not, keys that may be array indexes (property)', () => {
    const key = fc.oneof(fc.constantFrom('event_id', '0', '10', '__proto__', 'a', 'Z'), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 }), fc.constantFrom('event_id', 'a', '0'), (first, members, omit) => {
        const text = `{${[['event_id', first] as const, ...members].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        const obj = JSON.parse(text) as Record<string, unknown>;
        expect(canonicalJsonWithout(obj, omit)).toBe(canonicalJson(without(obj, omit)));
        expect(JSON.stringify(obj)).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: propertyRuns(3000) },
    );
  });
});

describe('sortKeysDeep: the same value with object keys sorted at every depth', () => {
  it('returns primitives and null as they are', () => {
    expect(sortKeysDeep(null)).toBeNull();
    expect(sortKeysDeep(undefined)).toBeUndefined();
    expect(sortKeysDeep('ab')).toBe('ab');
    expect(sortKeysDeep(42)).toBe(42);
    expect(sortKeysDeep(false)).toBe(false);
  });

  it('sorts keys by UTF-16 code units at every depth, keeping array order', () => {
    const input = { b: { z: 1, a: [{ y: 1, x: 2 }, 'k'] }, a: 2, Z: 0, é: 3 };
    const out = sortKeysDeep(input);
    expect(Object.keys(out)).toEqual(['Z', 'a', 'b', 'é']);
    expect(Object.keys(out.b)).toEqual(['a', 'z']);
    expect(Object.keys(out.b.a[0] as object)).toEqual(['x', 'y']);
    expect(JSON.stringify(out)).toBe('{"Z":0,"a":2,"b":{"a":[{"x":2,"y":1},"k"],"z":1},"é":3}');
  });

  it('copies only what it reorders (arrays stay arrays), leaving the input as it was; a sorted part is the input itself', () => {
    const input = { b: [{ d: 1, c: 2 }, { e: [1] }], a: 1 };
    const out = sortKeysDeep(input);
    expect(out).not.toBe(input);
    expect(out.b).not.toBe(input.b);
    expect(out.b[0]).not.toBe(input.b[0]);
    expect(out.b[1]).toBe(input.b[1]);
    expect(Array.isArray(out.b)).toBe(true);
    expect(out.b).toHaveLength(2);
    expect(Object.keys(input)).toEqual(['b', 'a']);
    expect(Object.keys(input.b[0] as object)).toEqual(['d', 'c']);
    const sorted = { a: { b: [{ c: 1, d: 2 }] }, z: 'z' };
    expect(sortKeysDeep(sorted)).toBe(sorted);
  });

  it('copies a value with a key that may be an array index whole, in the order objects list their keys', () => {
    const input = { b: { y: 1, x: 2 }, 10: 'ten', 9: 'nine', a: [] };
    const out = sortKeysDeep(input);
    expect(out).not.toBe(input);
    expect(out.a).not.toBe(input.a);
    expect(Object.keys(out)).toEqual(['9', '10', 'a', 'b']);
    expect(Object.keys(out.b)).toEqual(['x', 'y']);
  });

  it('keeps a "__proto__" key as data in a value it copies whole (one with a key that may be an array index)', () => {
    const input = JSON.parse('{"z":1,"1":0,"__proto__":{"polluted":true,"b":1,"a":2}}') as Record<string, unknown>;
    const out = sortKeysDeep(input);
    expect(out).not.toBe(input);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['1', '__proto__', 'z']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')).toEqual({ value: { a: 2, b: 1, polluted: true }, enumerable: true, writable: true, configurable: true });
    expect(Object.keys(Object.getOwnPropertyDescriptor(out, '__proto__')?.value as object)).toEqual(['a', 'b', 'polluted']);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('for any JSON value: the text of a copy with its keys inserted in sorted order at every depth, and the input unchanged', () => {
    // objects list keys that may be array indexes first, in numeric order, whatever the order they were made in
    const sortedCopy = (v: unknown): unknown =>
      v === null || typeof v !== 'object'
        ? v
        : Array.isArray(v)
          ? v.map(sortedCopy)
          : Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedCopy((v as Record<string, unknown>)[k])]));
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const before = JSON.stringify(value);
        expect(JSON.stringify(sortKeysDeep(value))).toBe(JSON.stringify(sortedCopy(value)));
        expect(JSON.stringify(value)).toBe(before);
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it('keeps a "__proto__" key as an ordinary enumerable, writable data property, not as the prototype', () => {
    const input = JSON.parse('{"z":1,"__proto__":{"polluted":true,"b":1,"a":2}}') as Record<string, unknown>;
    const out = sortKeysDeep(input);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'z']);
    const descriptor = Object.getOwnPropertyDescriptor(out, '__proto__');
    expect(descriptor).toEqual({ value: { a: 2, b: 1, polluted: true }, enumerable: true, writable: true, configurable: true });
    // its value is sorted too
    expect(Object.keys(descriptor?.value as object)).toEqual(['a', 'b', 'polluted']);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"a":2,"b":1,"polluted":true},"z":1}');
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('sha256Hex', () => {
  it('gives the lowercase hex SHA-256 of the UTF-8 text', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('é')).toBe(sha256Hex('\u00e9'));
    expect(sha256Hex('é')).not.toBe(sha256Hex('e\u0301'));
  });
});
