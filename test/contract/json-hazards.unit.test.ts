// Unit tests of src/contract/json-hazards.ts: why a value or a text cannot be stored alike on SQLite and
// PostgreSQL, the paths that name each problem, and the bounds on the work done to find them.
import { describe, expect, it } from 'vitest';
import { findJsonHazards, nestsDeeperThan, pathSegment, quote, toJsonPath, unstorableReason } from '../../src/contract/index.ts';

const NUL_TEXT = 'the text contains U+0000 (NUL), which PostgreSQL cannot store';
const NUL_KEY = 'the key contains U+0000 (NUL), which PostgreSQL cannot store';
const LONE_TEXT = 'the text contains a lone UTF-16 surrogate, which is not Unicode text';
const LONE_KEY = 'the key contains a lone UTF-16 surrogate, which is not Unicode text';
const INFINITE = 'a number beyond the range of a double (it reads as Infinity)';

/** `levels` arrays nested in one another: [[...]] is 2 levels. */
const nestedArrays = (levels: number): unknown => {
  let v: unknown = [];
  for (let i = 1; i < levels; i++) v = [v];
  return v;
};

/** An object or array whose member reads are counted (not an array's length), to see which walks read it. */
function counted<T extends object>(target: T): { value: T; reads: () => number; listings: () => number } {
  let reads = 0;
  let listings = 0;
  const value = new Proxy(target, {
    ownKeys(t) {
      listings++;
      return Reflect.ownKeys(t);
    },
    get(t, k, r) {
      if (typeof k === 'string' && k !== 'length') reads++;
      return Reflect.get(t, k, r) as unknown;
    },
  });
  return { value, reads: () => reads, listings: () => listings };
}

describe('unstorableReason', () => {
  it('given plain text, including an escaped-looking backslash-u and a surrogate pair, when checked, then it is storable (null)', () => {
    expect(unstorableReason('')).toBeNull();
    expect(unstorableReason('plain text')).toBeNull();
    expect(unstorableReason('\\u0000')).toBeNull();
    expect(unstorableReason('\ud83d\ude00')).toBeNull();
  });

  it('given a NUL anywhere, when checked, then the reason names U+0000 and PostgreSQL', () => {
    expect(unstorableReason('\u0000')).toBe('contains U+0000 (NUL), which PostgreSQL cannot store');
    expect(unstorableReason('ab\u0000')).toBe('contains U+0000 (NUL), which PostgreSQL cannot store');
  });

  it('given a lone high or low surrogate, when checked, then the reason says it is not Unicode text', () => {
    expect(unstorableReason('x\ud800')).toBe('contains a lone UTF-16 surrogate, which is not Unicode text');
    expect(unstorableReason('\udc00y')).toBe('contains a lone UTF-16 surrogate, which is not Unicode text');
  });

  it('given both a NUL and a lone surrogate, when checked, then the NUL is named first', () => {
    expect(unstorableReason('\ud800\u0000')).toBe('contains U+0000 (NUL), which PostgreSQL cannot store');
  });
});

describe('quote', () => {
  it('given a text of at most max characters, when quoted, then it is its whole JSON string literal', () => {
    expect(quote('a"b', 3)).toBe('"a\\"b"');
    expect(quote('abc', 5)).toBe('"abc"');
    expect(quote('', 0)).toBe('""');
  });

  it('given a text one character longer than max, when quoted, then it is cut to max characters with an ellipsis and its length', () => {
    expect(quote('abcd', 3)).toBe('"abc"… (4 characters)');
  });

  it('given no max, when quoted, then 80 characters are kept whole and 81 are cut to 80', () => {
    const eighty = 'x'.repeat(80);
    expect(quote(eighty)).toBe(`"${eighty}"`);
    expect(quote(`${eighty}y`)).toBe(`"${eighty}"… (81 characters)`);
  });

  it('given a cut through a surrogate pair, when quoted, then the half pair left is written as U+FFFD, not as a lone surrogate', () => {
    expect(quote('a\ud83d\ude00', 2)).toBe('"a\ufffd"… (3 characters)');
  });
});

describe('pathSegment and toJsonPath', () => {
  it('given an array index, when written, then it is [n]', () => {
    expect(pathSegment(0)).toBe('[0]');
    expect(pathSegment(3)).toBe('[3]');
  });

  it('given a key that is an identifier, when written, then it is .name', () => {
    for (const key of ['a', 'Z', '_', '_x9', 'abc_DEF_123']) expect(pathSegment(key)).toBe(`.${key}`);
  });

  it('given a key that is not an identifier, when written, then it is ["quoted"]', () => {
    expect(pathSegment('1a')).toBe('["1a"]');
    expect(pathSegment('3')).toBe('["3"]');
    expect(pathSegment('a b')).toBe('["a b"]');
    expect(pathSegment('a-b')).toBe('["a-b"]');
    expect(pathSegment('ab$')).toBe('["ab$"]');
    expect(pathSegment('$ab')).toBe('["$ab"]');
    expect(pathSegment('')).toBe('[""]');
    expect(pathSegment('é')).toBe('["é"]');
    expect(pathSegment('a\nb')).toBe('["a\\nb"]');
  });

  it('given a symbol, when written, then it is quoted by its description', () => {
    expect(pathSegment(Symbol('s'))).toBe('["Symbol(s)"]');
  });

  it('given a long key, when written, then it is quoted at most 80 characters', () => {
    const key = `-${'k'.repeat(99)}`;
    expect(pathSegment(key)).toBe(`["-${'k'.repeat(79)}"… (100 characters)]`);
  });

  it('given a path, when written, then it starts at $ and joins the segments', () => {
    expect(toJsonPath([])).toBe('$');
    expect(toJsonPath(['checks', 'max size'])).toBe('$.checks["max size"]');
    expect(toJsonPath(['metadata', 'legs', 0, 'px'])).toBe('$.metadata.legs[0].px');
  });
});

describe('nestsDeeperThan', () => {
  it('given nesting of exactly maxDepth, when scanned, then it is not deeper; one more level is', () => {
    expect(nestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(nestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":{"b":{}}}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":{"b":{"c":{}}}}', 3)).toBe(true);
    expect(nestsDeeperThan('[{"a":[{}]}]', 3)).toBe(true);
    expect(nestsDeeperThan('[{"a":[{}]}]', 4)).toBe(false);
  });

  it('given containers side by side, when scanned, then closing brackets and braces bring the depth back down', () => {
    expect(nestsDeeperThan('[[],[],[],[]]', 2)).toBe(false);
    expect(nestsDeeperThan('{"a":{},"b":{},"c":{}}', 2)).toBe(false);
    expect(nestsDeeperThan('[][][]', 1)).toBe(false);
    expect(nestsDeeperThan('{}{}{}', 1)).toBe(false);
  });

  it('given no containers, when scanned, then nothing is deeper than 0', () => {
    expect(nestsDeeperThan('', 0)).toBe(false);
    expect(nestsDeeperThan('123', 0)).toBe(false);
    expect(nestsDeeperThan('[', 0)).toBe(true);
    expect(nestsDeeperThan('{', 0)).toBe(true);
  });

  it('given brackets inside strings, when scanned, then they are not counted', () => {
    expect(nestsDeeperThan('["[[[[", "{{{{"]', 1)).toBe(false);
    expect(nestsDeeperThan('{"[[[[":"]]]]"}', 1)).toBe(false);
  });

  it('given an escaped quote inside a string, when scanned, then the string goes on past it', () => {
    expect(nestsDeeperThan('["\\"[[[["]', 1)).toBe(false);
  });

  it('given an escaped backslash before the closing quote, when scanned, then the string ends there and what follows counts', () => {
    expect(nestsDeeperThan('["\\\\",[[]]]', 2)).toBe(true);
    expect(nestsDeeperThan('["\\\\",[[]]]', 3)).toBe(false);
  });

  it('given a string that closes, when scanned, then brackets after it count again', () => {
    expect(nestsDeeperThan('["a",[[]]]', 2)).toBe(true);
    expect(nestsDeeperThan('"a"[[', 1)).toBe(true);
  });

  it('given a string that never closes, when scanned, then the rest is string', () => {
    expect(nestsDeeperThan('["abc [[[[', 1)).toBe(false);
    expect(nestsDeeperThan('["abc\\', 1)).toBe(false);
  });
});

describe('findJsonHazards: unstorable text', () => {
  it('given a NUL or lone surrogate in a string or key, when checked with checkText, then each is named at its path', () => {
    const value = { a: 'x\u0000', 'b\u0000': 1, c: ['ok', '\ud800'], 'd\udc00': { e: 'fine' } };
    expect(findJsonHazards(value, { checkText: true })).toEqual([
      { path: '$.a', message: NUL_TEXT },
      { path: '$["b\\u0000"]', message: NUL_KEY },
      { path: '$["d\\udc00"]', message: LONE_KEY },
      { path: '$.c[1]', message: LONE_TEXT },
    ]);
  });

  it('given unstorable text, when checked without checkText, then nothing is reported (the source text proved there is none)', () => {
    expect(findJsonHazards({ a: 'x\u0000', 'b\u0000': 'c', d: ['\ud800'] }, { checkText: false })).toEqual([]);
    expect(findJsonHazards({ a: 'x\u0000', d: ['\ud800'] }, { checkText: false, checkTypes: true })).toEqual([]);
    expect(findJsonHazards('\u0000', { checkText: false })).toEqual([]);
  });

  it('given a top-level string, when checked, then its problem is at $', () => {
    expect(findJsonHazards('a\u0000', { checkText: true })).toEqual([{ path: '$', message: NUL_TEXT }]);
    expect(findJsonHazards('\ud800', { checkText: true, checkTypes: true })).toEqual([{ path: '$', message: LONE_TEXT }]);
    expect(findJsonHazards('fine', { checkText: true })).toEqual([]);
  });

  it('given top-level primitives and null, when checked, then there is nothing to report', () => {
    for (const root of [null, undefined, 1, true, 'x']) expect(findJsonHazards(root, { checkText: true })).toEqual([]);
  });

  it('given a key and its string both unstorable, when checked, then both are named, the key first', () => {
    expect(findJsonHazards({ 'k\u0000': 'v\ud800' }, { checkText: true })).toEqual([
      { path: '$["k\\u0000"]', message: NUL_KEY },
      { path: '$["k\\u0000"]', message: LONE_TEXT },
    ]);
  });

  it('given clean arrays, objects, numbers, booleans and nulls, when checked with every check on, then nothing is reported', () => {
    const value = { a: [1, 'two', true, false, null, { b: [null, 0.5, -3] }], c: null, d: 'text', e: 1e308 };
    expect(findJsonHazards(value, { checkText: true, checkTypes: true })).toEqual([]);
    expect(findJsonHazards([[], {}, [null]], { checkText: true, checkTypes: true })).toEqual([]);
  });

  it('given a deep path, when a problem is found there, then the path names every step from $', () => {
    const value = { metadata: { legs: [{ 'odd key': [0, { px: '\u0000' }] }] } };
    expect(findJsonHazards(value, { checkText: true })).toEqual([{ path: '$.metadata.legs[0]["odd key"][1].px', message: NUL_TEXT }]);
  });

  it('given a top-level array, when a problem is found in it, then its path starts with the index', () => {
    expect(findJsonHazards(['ok', ['\u0000']], { checkText: true })).toEqual([{ path: '$[1][0]', message: NUL_TEXT }]);
  });
});

describe('findJsonHazards: numbers beyond a double', () => {
  it('given Infinity, -Infinity or NaN below or at the top level, when checked, then each is named', () => {
    expect(findJsonHazards({ a: Infinity, b: { c: [1, -Infinity] }, d: NaN }, { checkText: false })).toEqual([
      { path: '$.a', message: INFINITE },
      { path: '$.d', message: INFINITE },
      { path: '$.b.c[1]', message: INFINITE },
    ]);
  });

  it('given an overflowing number in an array at the top level, when checked, then it is named', () => {
    expect(findJsonHazards([1, Infinity], { checkText: false })).toEqual([{ path: '$[1]', message: INFINITE }]);
    expect(findJsonHazards({ a: [[0, Infinity]] }, { checkText: false })).toEqual([{ path: '$.a[0][1]', message: INFINITE }]);
  });

  it('given a top-level decimal member that overflows, when checked, then it is left to the decimal reader', () => {
    const decimals = ['price', 'qty'];
    expect(findJsonHazards({ price: Infinity, qty: -Infinity, other: 1 }, { checkText: false, decimals })).toEqual([]);
    expect(findJsonHazards({ price: Infinity }, { checkText: true, decimals })).toEqual([]);
  });

  it('given a member named like a decimal but nested, when it overflows, then it is named', () => {
    const decimals = ['price'];
    expect(findJsonHazards({ m: { price: Infinity } }, { checkText: false, decimals })).toEqual([{ path: '$.m.price', message: INFINITE }]);
    expect(findJsonHazards({ m: { price: Infinity } }, { checkText: true, decimals })).toEqual([{ path: '$.m.price', message: INFINITE }]);
    expect(findJsonHazards({ m: [{ price: Infinity }] }, { checkText: false, decimals })).toEqual([{ path: '$.m[0].price', message: INFINITE }]);
  });

  it('given a top-level member that is not a decimal, when it overflows, then it is named even when decimals are given', () => {
    expect(findJsonHazards({ price: Infinity, other: Infinity }, { checkText: false, decimals: ['price'] })).toEqual([{ path: '$.other', message: INFINITE }]);
  });

  it('given no decimals at all, when a top-level member overflows, then it is named', () => {
    expect(findJsonHazards({ price: Infinity }, { checkText: false })).toEqual([{ path: '$.price', message: INFINITE }]);
  });

  it('given a top-level overflowing number as the whole value, when checked, then nothing is reported (only members are checked)', () => {
    expect(findJsonHazards(Infinity, { checkText: false })).toEqual([]);
  });
});

describe('findJsonHazards: nesting', () => {
  it('given the default limit, when a value nests 64 levels, then it is fine; at 65 the object passing the limit is named', () => {
    expect(findJsonHazards({ a: nestedArrays(63) }, { checkText: false })).toEqual([]);
    // $ is level 1, $.a level 2, and each [0] one more: the 65th level is $.a and 63 steps of [0]
    expect(findJsonHazards({ a: nestedArrays(64) }, { checkText: false })).toEqual([{ path: `$.a${'[0]'.repeat(63)}`, message: 'nested deeper than 64 levels' }]);
    expect(findJsonHazards({ a: nestedArrays(64) }, { checkText: true })).toEqual([{ path: `$.a${'[0]'.repeat(63)}`, message: 'nested deeper than 64 levels' }]);
  });

  it('given maxDepth 3, when objects and arrays nest 3 levels, then it is fine; a fourth is named', () => {
    const ok = { a: { b: [1] }, c: [[2]] };
    for (const checkText of [false, true]) {
      expect(findJsonHazards(ok, { checkText, maxDepth: 3 })).toEqual([]);
      expect(findJsonHazards({ a: { b: { c: {} } } }, { checkText, maxDepth: 3 })).toEqual([{ path: '$.a.b.c', message: 'nested deeper than 3 levels' }]);
      expect(findJsonHazards({ a: [[[]]] }, { checkText, maxDepth: 3 })).toEqual([{ path: '$.a[0][0]', message: 'nested deeper than 3 levels' }]);
      expect(findJsonHazards([[[[]]]], { checkText, maxDepth: 3 })).toEqual([{ path: '$[0][0][0]', message: 'nested deeper than 3 levels' }]);
    }
  });

  it('given maxDepth 1, when the value holds any container, then that container is named', () => {
    expect(findJsonHazards({ a: 1, b: [] }, { checkText: false, maxDepth: 1 })).toEqual([{ path: '$.b', message: 'nested deeper than 1 levels' }]);
    expect(findJsonHazards([1, {}], { checkText: false, maxDepth: 1 })).toEqual([{ path: '$[1]', message: 'nested deeper than 1 levels' }]);
    expect(findJsonHazards({ a: 1, b: null }, { checkText: false, maxDepth: 1 })).toEqual([]);
  });

  it('given nulls and booleans at the deepest level, when checked with every check on, then they are not containers', () => {
    const value = { a: [null, true, false, 'x', 1] };
    expect(findJsonHazards(value, { checkText: true, checkTypes: true, maxDepth: 2 })).toEqual([]);
    expect(findJsonHazards({ a: { b: null, c: false } }, { checkText: false, maxDepth: 2 })).toEqual([]);
  });

  it('given arrays nested 60 deep within the limit, when checked without checkText, then the lean pass visits each once', () => {
    // visiting an array's items twice would double the work at every level: 2^60 visits never finish
    expect(findJsonHazards({ a: nestedArrays(60) }, { checkText: false })).toEqual([]);
  });
});

describe('findJsonHazards: JSON types (checkTypes)', () => {
  class Leg {
    px = 1;
  }

  it('given values that are not JSON, when checked with checkTypes, then each is named with its type', () => {
    const value = { f: () => 1, big: 10n, sym: Symbol('s'), date: new Date(0), leg: new Leg(), map: new Map() };
    expect(findJsonHazards(value, { checkText: false, checkTypes: true })).toEqual([
      { path: '$.f', message: 'not a JSON value (a function)' },
      { path: '$.big', message: 'not a JSON value (a bigint)' },
      { path: '$.sym', message: 'not a JSON value (a symbol)' },
      { path: '$.date', message: 'not a JSON value (a Date)' },
      { path: '$.leg', message: 'not a JSON value (a Leg)' },
      { path: '$.map', message: 'not a JSON value (a Map)' },
    ]);
  });

  it('given a value that is not JSON as the root itself, when checked with checkTypes, then it is named at $, and without checkTypes it passes', () => {
    for (const [root, type] of [[10n, 'bigint'], [() => 1, 'function'], [Symbol('s'), 'symbol'], [new Date(0), 'Date'], [new Leg(), 'Leg']] as const) {
      expect(findJsonHazards(root, { checkText: false, checkTypes: true })).toEqual([{ path: '$', message: `not a JSON value (a ${type})` }]);
      expect(findJsonHazards(root, { checkText: true })).toEqual([]);
    }
    for (const root of [undefined, null, 1, 'x', true, [], {}, Object.create(null) as object]) {
      expect(findJsonHazards(root, { checkText: true, checkTypes: true })).toEqual([]);
    }
  });

  it('given an object whose prototype has no constructor, when checked with checkTypes, then it is a non-plain object', () => {
    const odd = Object.create(Object.create(null) as object) as object;
    expect(findJsonHazards({ odd }, { checkText: false, checkTypes: true })).toEqual([{ path: '$.odd', message: 'not a JSON value (a non-plain object)' }]);
  });

  it('given plain objects, null-prototype objects, arrays and undefined members, when checked with checkTypes, then they are JSON', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(findJsonHazards({ bare, list: [1, { b: 2 }], gone: undefined, items: [undefined] }, { checkText: false, checkTypes: true })).toEqual([]);
  });

  it('given values that are not JSON, when checked without checkTypes, then they are not named', () => {
    const value = { f: () => 1, big: 10n, date: new Date(0), leg: new Leg() };
    expect(findJsonHazards(value, { checkText: false })).toEqual([]);
    expect(findJsonHazards(value, { checkText: true })).toEqual([]);
    expect(findJsonHazards([() => 1, 10n], { checkText: true })).toEqual([]);
  });

  it('given a non-JSON value in an array, when checked with checkTypes, then its index is named', () => {
    expect(findJsonHazards({ a: [1, new Date(0), 10n] }, { checkText: false, checkTypes: true })).toEqual([
      { path: '$.a[1]', message: 'not a JSON value (a Date)' },
      { path: '$.a[2]', message: 'not a JSON value (a bigint)' },
    ]);
  });

  it('given a non-JSON object beyond the depth limit, when checked with checkTypes, then its type is named rather than its depth', () => {
    expect(findJsonHazards({ a: { d: new Date(0) } }, { checkText: false, checkTypes: true, maxDepth: 2 })).toEqual([{ path: '$.a.d', message: 'not a JSON value (a Date)' }]);
  });
});

describe('findJsonHazards: a bounded number of problems', () => {
  it('given more problems than the default of 10, when checked, then the first 10 are kept', () => {
    const value = Array.from({ length: 25 }, () => '\u0000');
    const problems = findJsonHazards(value, { checkText: true });
    expect(problems.map((p) => p.path)).toEqual(Array.from({ length: 10 }, (_, i) => `$[${i}]`));
  });

  it('given more problems than maxProblems in an object, when checked, then exactly maxProblems are kept, in member order', () => {
    const value = { a: '\u0000', b: '\u0000', c: '\u0000', d: '\u0000' };
    expect(findJsonHazards(value, { checkText: true, maxProblems: 2 }).map((p) => p.path)).toEqual(['$.a', '$.b']);
    expect(findJsonHazards(value, { checkText: true, maxProblems: 4 }).map((p) => p.path)).toEqual(['$.a', '$.b', '$.c', '$.d']);
  });

  it('given a member whose key and string are both bad, when it would pass maxProblems, then the list is still cut to maxProblems', () => {
    expect(findJsonHazards({ 'k\u0000': '\u0000' }, { checkText: true, maxProblems: 1 })).toEqual([{ path: '$["k\\u0000"]', message: NUL_KEY }]);
    expect(findJsonHazards({ a: '\u0000', 'k\u0000': '\u0000' }, { checkText: true, maxProblems: 2 })).toEqual([
      { path: '$.a', message: NUL_TEXT },
      { path: '$["k\\u0000"]', message: NUL_KEY },
    ]);
  });

  it('given enough problems in the first container, when checked, then the containers still to visit are not read', () => {
    const later = counted({ x: '\u0000' });
    // later is met first, so it waits on the stack while a and b give the two problems
    const problems = findJsonHazards({ later: later.value, a: '\u0000', b: '\u0000' }, { checkText: true, maxProblems: 2 });
    expect(problems.map((p) => p.path)).toEqual(['$.a', '$.b']);
    expect(later.reads()).toBe(0);
    expect(later.listings()).toBe(0);
  });

  it('given enough problems in an object, when checked, then the members after them are not read', () => {
    const obj = counted({ a: '\u0000', b: '\u0000', c: 'x', d: 'y' });
    expect(findJsonHazards(obj.value, { checkText: true, maxProblems: 2 })).toHaveLength(2);
    expect(obj.reads()).toBe(2);
  });

  it('given enough problems in an array, when checked, then the items after them are not read', () => {
    const arr = counted(['\u0000', '\u0000', 'x', 'y']);
    expect(findJsonHazards({ a: arr.value }, { checkText: true, maxProblems: 2 })).toHaveLength(2);
    expect(arr.reads()).toBe(2);
  });
});

describe('findJsonHazards: the lean pass decides the common case', () => {
  it('given a clean value and no text or type checks, when checked, then each member is read once (no second, full walk)', () => {
    const inner = counted({ x: 1, y: 'two', z: null, w: [1, 2] });
    const outer = counted({ a: inner.value, b: 3, c: true });
    expect(findJsonHazards(outer.value, { checkText: false, decimals: ['b'] })).toEqual([]);
    expect(outer.reads()).toBe(3);
    expect(inner.reads()).toBe(4);
  });

  it('given a clean array of numbers, when checked, then each item is read once', () => {
    const list = counted([1, 2, 3, -4.5, 0]);
    expect(findJsonHazards({ list: list.value }, { checkText: false })).toEqual([]);
    expect(list.reads()).toBe(5);
    // while the full walk, which checkText asks for, reads them again
    expect(findJsonHazards({ list: list.value }, { checkText: true })).toEqual([]);
    expect(list.reads()).toBe(10);
  });

  it('given a clean value nested exactly to the limit, when checked, then only the lean pass reads it', () => {
    const deepest = counted({ v: 1 });
    const value = { a: { b: deepest.value } };
    expect(findJsonHazards(value, { checkText: false, maxDepth: 3 })).toEqual([]);
    expect(deepest.reads()).toBe(1);
  });

  it('given strings, nulls, booleans and containers up to the depth limit, when checked, then only the lean pass reads them', () => {
    const innerList = counted(['z', null, 1, true]);
    const innerObject = counted({ n: null, s: 'w', b: false });
    const list = counted(['y', null, innerList.value, innerObject.value]);
    expect(findJsonHazards({ s: 'x', n: null, list: list.value }, { checkText: false, maxDepth: 3 })).toEqual([]);
    expect([list.reads(), innerList.reads(), innerObject.reads()]).toEqual([4, 4, 3]);
  });

  it('given a top-level array, when decimals are given, then its items are not decimal members', () => {
    expect(findJsonHazards([Infinity], { checkText: false, decimals: ['0'] })).toEqual([{ path: '$[0]', message: INFINITE }]);
    expect(findJsonHazards([Infinity], { checkText: true, decimals: ['0'] })).toEqual([{ path: '$[0]', message: INFINITE }]);
  });

  it('given a clean top-level decimal member, when checked, then only the lean pass reads it', () => {
    const value = counted({ price: 151.1, qty: Infinity });
    expect(findJsonHazards(value.value, { checkText: false, decimals: ['qty'] })).toEqual([]);
    expect(value.reads()).toBe(2);
  });
});
