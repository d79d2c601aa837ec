// Unit tests of src/contract/value-spans.ts: the source span of each member of a top-level JSON object,
// found in one pass over the text (no parse), so decimals keep their digits and deep lines can be read.
import { describe, expect, it } from 'vitest';
import { topLevelValueSpans } from '../../src/contract/index.ts';

/** Each member's source text, by key, in the order the spans were found. */
const sources = (text: string): Record<string, string> => Object.fromEntries([...topLevelValueSpans(text)].map(([k, s]) => [k, text.slice(s.start, s.end)]));

describe('topLevelValueSpans: values of every kind', () => {
  it('given one member of each kind, when spanned, then each span is its value exactly as written', () => {
    const text = '{"n":151.10,"neg":-0.5,"exp":1E+3,"t":true,"f":false,"z":null,"s":"x","o":{"a":1},"l":[1,2],"eo":{},"el":[]}';
    expect(sources(text)).toEqual({ n: '151.10', neg: '-0.5', exp: '1E+3', t: 'true', f: 'false', z: 'null', s: '"x"', o: '{"a":1}', l: '[1,2]', eo: '{}', el: '[]' });
  });

  it('given a single member, when spanned, then its span gives the start and the end (exclusive) of its value', () => {
    expect(topLevelValueSpans('{"a":12}')).toEqual(new Map([['a', { start: 5, end: 7 }]]));
    expect(topLevelValueSpans('{"a":"xy"}')).toEqual(new Map([['a', { start: 5, end: 9 }]]));
    expect(topLevelValueSpans('{"a":[1]}')).toEqual(new Map([['a', { start: 5, end: 8 }]]));
    expect(topLevelValueSpans('{"a":{"b":2}}')).toEqual(new Map([['a', { start: 5, end: 12 }]]));
  });

  it('given an empty object, or a text that is not an object, when spanned, then there are no spans', () => {
    for (const text of ['{}', ' { } ', '[]', '[1,"a",{"b":2}]', '["k",["v"]]', '1', '"k"', 'null', '']) expect(topLevelValueSpans(text).size).toBe(0);
  });

  it('given the key last in text order, when it repeats, then its last value is kept (as JSON.parse keeps)', () => {
    expect(sources('{"a":1,"a":"two"}')).toEqual({ a: '"two"' });
    expect(sources('{"a":{"x":1},"b":0,"a":[3]}')).toEqual({ a: '[3]', b: '0' });
  });
});

describe('topLevelValueSpans: only the members asked for', () => {
  it('given a set of keys, when spanned, then only those top-level members have spans, each as it would without the set', () => {
    const text = '{"a":1.10,"b":{"a":2},"c":"x","a2":3,"d":[4]}';
    const all = topLevelValueSpans(text);
    const some = topLevelValueSpans(text, new Set(['a', 'd', 'missing']));
    expect([...some.keys()]).toEqual(['a', 'd']);
    expect(some.get('a')).toEqual(all.get('a'));
    expect(some.get('d')).toEqual(all.get('d'));
    expect(topLevelValueSpans(text, new Set())).toEqual(new Map());
  });
});

describe('topLevelValueSpans: whitespace', () => {
  it.each([
    ['spaces', ' '],
    ['newlines', '\n'],
    ['carriage returns', '\r'],
    ['tabs', '\t'],
  ])('given %s around every colon, comma and value, when spanned, then no span holds them', (_name, ws) => {
    const text = `{${ws}"a"${ws}:${ws}1.50${ws},${ws}"b"${ws}:${ws}true${ws},${ws}"c"${ws}:${ws}"s"${ws},${ws}"d"${ws}:${ws}[${ws}1${ws}]${ws},${ws}"e"${ws}:${ws}null${ws}}`;
    expect(sources(text)).toEqual({ a: '1.50', b: 'true', c: '"s"', d: `[${ws}1${ws}]`, e: 'null' });
  });

  it('given a number followed by whitespace, when spanned, then the span ends at the whitespace', () => {
    expect(topLevelValueSpans('{"a":12 \n}')).toEqual(new Map([['a', { start: 5, end: 7 }]]));
    expect(topLevelValueSpans('{"a":  12\t,"b":3\r}')).toEqual(
      new Map([
        ['a', { start: 7, end: 9 }],
        ['b', { start: 15, end: 16 }],
      ]),
    );
  });
});

describe('topLevelValueSpans: strings and escapes', () => {
  it('given keys with escapes, when spanned, then each key is its parsed text', () => {
    expect(sources('{"a\\"b":1,"c\\\\":2,"\\u0041":3,"":4,"x y":5}')).toEqual({ 'a"b': '1', 'c\\': '2', A: '3', '': '4', 'x y': '5' });
  });

  it('given string values with escaped quotes and backslashes, when spanned, then each string ends at its real closing quote', () => {
    const text = '{"a":"x\\"y","b":"z\\\\","c":"\\\\\\"","d":1}';
    expect(JSON.parse(text)).toEqual({ a: 'x"y', b: 'z\\', c: '\\"', d: 1 });
    expect(sources(text)).toEqual({ a: '"x\\"y"', b: '"z\\\\"', c: '"\\\\\\""', d: '1' });
  });

  it('given strings holding braces, brackets, colons and commas, when spanned, then they do not count as structure', () => {
    const text = '{"k:{[,":"]}:,","n":{"x":"}],{:"},"m":[":", ","],"last":2}';
    expect(sources(text)).toEqual({ 'k:{[,': '"]}:,"', n: '{"x":"}],{:"}', m: '[":", ","]', last: '2' });
  });

  it('given a key with an escaped quote inside an object value, when spanned, then the value ends at its own brace', () => {
    const text = '{"v":{"a\\"}":"\\"}"},"w":0}';
    expect(sources(text)).toEqual({ v: '{"a\\"}":"\\"}"}', w: '0' });
  });
});

describe('topLevelValueSpans: nesting', () => {
  it('given nested objects and arrays in values, when spanned, then each top-level value spans all of its nesting', () => {
    const text = '{"a":{"b":{"c":[1,{"d":[[]]}]}},"e":[[1,[2]],{"f":{}}],"g":3}';
    expect(sources(text)).toEqual({ a: '{"b":{"c":[1,{"d":[[]]}]}}', e: '[[1,[2]],{"f":{}}]', g: '3' });
  });

  it('given keys that also appear nested, when spanned, then only the top-level members count, whatever the order', () => {
    expect(sources('{"x":{"y":1,"z":[2]},"y":"top","z":false}')).toEqual({ x: '{"y":1,"z":[2]}', y: '"top"', z: 'false' });
    expect(sources('{"y":"top","x":{"y":1,"z":{"y":[2]}},"z":0}')).toEqual({ y: '"top"', x: '{"y":1,"z":{"y":[2]}}', z: '0' });
    expect(sources('{"x":[{"y":1},{"y":2}]}')).toEqual({ x: '[{"y":1},{"y":2}]' });
  });

  it('given numbers, literals and strings inside nested values, when spanned, then none of them becomes a top-level value', () => {
    const text = '{"a":[1,true,null,"s",{"k":2,"l":"t"}],"b":{"k":3},"c":4}';
    expect(topLevelValueSpans(text)).toEqual(
      new Map([
        ['a', { start: 5, end: 38 }],
        ['b', { start: 43, end: 50 }],
        ['c', { start: 55, end: 56 }],
      ]),
    );
  });

  it('given a value too deep to parse, when spanned, then its span is found without recursion', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const text = `{"topic":"signals.generated","key":"k1","value":${deep}}`;
    const spans = topLevelValueSpans(text);
    expect(sources(text).topic).toBe('"signals.generated"');
    expect(sources(text).key).toBe('"k1"');
    expect(spans.get('value')).toEqual({ start: 48, end: 48 + deep.length });
  });
});

describe('topLevelValueSpans: text never parsed (a deep file line)', () => {
  it('given text cut off after a number, when spanned, then the span ends at the end of the text, not past it', () => {
    expect(topLevelValueSpans('{"a":"x","b":12')).toEqual(
      new Map([
        ['a', { start: 5, end: 8 }],
        ['b', { start: 13, end: 15 }],
      ]),
    );
  });

  it('given text cut off right after a colon, when spanned, then that member has no span', () => {
    expect(topLevelValueSpans('{"a":1,"b":')).toEqual(new Map([['a', { start: 5, end: 6 }]]));
    expect(topLevelValueSpans('{"a":1,"b": ')).toEqual(new Map([['a', { start: 5, end: 6 }]]));
  });

  it('given a member with no value, when spanned, then it has no span and the next member is still found', () => {
    expect(topLevelValueSpans('{"a":,"b":1}')).toEqual(new Map([['b', { start: 10, end: 11 }]]));
  });

  it('given a number directly before a closing bracket, when spanned, then the number ends there', () => {
    expect(sources('{"a":1]')).toEqual({ a: '1' });
  });

  it('given a byte-order mark before the object (JSON.parse refuses it), when spanned, then the members are still found', () => {
    expect(sources('\ufeff{"topic":"t","key":"k"}')).toEqual({ topic: '"t"', key: '"k"' });
  });

  it('given a value with no key before it, when spanned, then it has no span', () => {
    const spans = topLevelValueSpans('{:1,"a":2}');
    expect([...spans.keys()]).toEqual(['a']);
    expect(spans.get('a')).toEqual({ start: 8, end: 9 });
  });
});
