// README "Bad input" and docs/bad-input.md: every bad message is a dead letter whose problems name the JSON path
// and say what is wrong there; a problem's wording is part of the interface (it is what an operator reads in
// dead_letters). These tests pin the exact problem of each kind of bad input, and the other fields of a rejection
// (topic, key, raw value, the event and signal ids when they could be read). Decimal and timestamp limits at
// their edges: test/rules/limits.unit.test.ts; NUL, surrogates, nesting, huge exponents:
// test/contract/parse-message.hostile.unit.test.ts.
import { describe, expect, it } from 'vitest';
import { LIMITS, parseMessage, type ParsedMessage, type Problem, type RawMessage } from '../../src/contract/index.ts';

const source = { type: 'kafka' as const, topic: 'orders.filled', partition: 3, offset: '42', key: 'sig-1' };
const at = '2026-01-05T10:00:00Z';
const generated = { signal_id: 's-1', occurred_at: at, strategy_name: 'momentum', symbol: 'AAPL', side: 'buy', confidence: '0.5', sharpe_estimate: '1', entry_price: '150' };
const risk = { signal_id: 's-1', occurred_at: at, passed: false };
const submitted = { signal_id: 's-1', occurred_at: at, order_id: 'o-1' };
const fill = { signal_id: 's-1', occurred_at: at, order_id: 'o-1', price: '150', quantity: '10' };
const outcome = { signal_id: 's-1', occurred_at: at, outcome: 'cancelled' };
const TOPIC = { generated: 'signals.generated', risk: 'signals.risk', submitted: 'orders.submitted', filled: 'orders.filled', outcome: 'signals.outcome' } as const;

const parse = (topic: string, value: RawMessage['value'], extra: Partial<RawMessage> = {}): ParsedMessage =>
  parseMessage({ topic, value, key: 'sig-1', source, ...extra });
const parseJson = (topic: string, value: unknown) => parse(topic, JSON.stringify(value));

/** The problems of a message that must be a dead letter. */
function problemsOf(m: ParsedMessage): Problem[] {
  if (m.ok) throw new Error(`expected a dead letter, got an accepted ${m.event.kind} event`);
  return m.problems;
}
function rejected(m: ParsedMessage) {
  if (m.ok) throw new Error(`expected a dead letter, got an accepted ${m.event.kind} event`);
  return m;
}
const only = (path: string, message: string): Problem[] => [{ path, message }];
const EXPECTED_DECIMAL = 'expected a decimal (a JSON number or a decimal string), got';

describe('a decimal field of the wrong type names the type it got', () => {
  it.each([
    ['null', null, 'null'],
    ['a boolean', true, 'boolean'],
    ['an array', ['150'], 'an array'],
    ['an object', { value: '150' }, 'object'],
  ])('given a fill whose price is %s, when parsed, then the problem says a decimal was expected and names %s', (_name, price, got) => {
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, price }))).toEqual(only('$.price', `${EXPECTED_DECIMAL} ${got}`));
  });

  it('given a fill without its required price, when parsed, then the problem is at $.price and says it is missing', () => {
    const { price: _omitted, ...withoutPrice } = fill;
    expect(problemsOf(parseJson(TOPIC.filled, withoutPrice))).toEqual(only('$.price', 'required, but missing'));
  });

  it('given a null for an optional decimal (stop_loss), when parsed, then it is accepted as absent', () => {
    const m = parseJson(TOPIC.generated, { ...generated, stop_loss: null });
    expect(m.ok && m.event.kind === 'generated' && m.event.details.stopLoss).toBeNull();
  });
});

describe('a decimal string that is not a decimal is refused by its text', () => {
  it.each([
    ['letters', 'abc', 'not a decimal number'],
    ['a leading space', ' 1', 'not a decimal number'],
    ['two points', '1.2.3', 'not a decimal number'],
    ['a hex number', '0x10', 'not a decimal number'],
    ['more than 100 characters', '1'.repeat(101), 'not a decimal within the limits: more than 100 characters'],
    ['an exponent of 5 digits', '1e10000', 'exponent "10000" out of range (at most 4 digits)'],
  ])('given a price of %s, when parsed, then the problem at $.price is "%s"', (_name, price, message) => {
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, price }))).toEqual(only('$.price', message));
  });

  it('given a price of exactly 100 characters (leading zeros), when parsed, then it passes the length limit', () => {
    const price = `${'0'.repeat(97)}1.5`;
    expect(price).toHaveLength(LIMITS.maxDecimalChars);
    const m = parseJson(TOPIC.filled, { ...fill, price });
    expect(m.ok && m.event.kind === 'filled' && m.event.price).toBe('1.5');
  });
});

describe('prices and quantities must be greater than 0', () => {
  it.each([
    ['0', 0, 'must be greater than 0 (got 0)'],
    ['"0.00"', '0.00', 'must be greater than 0 (got 0.00)'],
    ['"-0"', '-0', 'must be greater than 0 (got 0)'],
    ['-1.5', -1.5, 'must be greater than 0 (got -1.5)'],
    ['"-0.01"', '-0.01', 'must be greater than 0 (got -0.01)'],
  ])('given a fill price of %s, when parsed, then the problem at $.price says it must be greater than 0, quoting the canonical value', (_name, price, message) => {
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, price }))).toEqual(only('$.price', message));
  });

  it('given an entry price, a quantity and a limit price of 0, when parsed, then each is a problem at its field', () => {
    expect(problemsOf(parseJson(TOPIC.generated, { ...generated, entry_price: 0 }))).toEqual(only('$.entry_price', 'must be greater than 0 (got 0)'));
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, quantity: '0.0' }))).toEqual(only('$.quantity', 'must be greater than 0 (got 0.0)'));
    expect(problemsOf(parseJson(TOPIC.submitted, { ...submitted, limit_price: 0 }))).toEqual(only('$.limit_price', 'must be greater than 0 (got 0)'));
  });

  it('given the smallest price (0.000000000001), when parsed, then it is accepted', () => {
    const m = parseJson(TOPIC.filled, { ...fill, price: '0.000000000001' });
    expect(m.ok && m.event.kind === 'filled' && m.event.price).toBe('0.000000000001');
  });
});

describe('a remaining quantity may be 0 but not negative; fees and Sharpe estimates may be negative', () => {
  it('given leaves_quantity -1, when parsed, then the problem says it must be 0 or greater', () => {
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, leaves_quantity: -1 }))).toEqual(only('$.leaves_quantity', 'must be 0 or greater (got -1)'));
  });

  it('given leaves_quantity 0 and a negative fee (a rebate), when parsed, then both are accepted as written', () => {
    const m = parseJson(TOPIC.filled, { ...fill, leaves_quantity: '0', fee: '-0.25' });
    if (!m.ok || m.event.kind !== 'filled') throw new Error('expected an accepted fill');
    expect([m.event.leavesQuantity, m.event.fee]).toEqual(['0', '-0.25']);
  });

  it('given a negative Sharpe estimate, when parsed, then it is accepted', () => {
    const m = parseJson(TOPIC.generated, { ...generated, sharpe_estimate: -3.5 });
    expect(m.ok && m.event.kind === 'generated' && m.event.details.sharpeEstimate).toBe('-3.5');
  });
});

describe('confidence must be between 0 and 1, both included', () => {
  it.each([
    ['1.5', 1.5, '1.5'],
    ['11', 11, '11'],
    ['2.1', '2.1', '2.1'],
    ['21', '21', '21'],
    ['10.0', '10.0', '10.0'],
    ['1.01', '1.01', '1.01'],
    ['-0.5', -0.5, '-0.5'],
    ['-1', -1, '-1'],
  ])('given confidence %s, when parsed, then the problem at $.confidence says it must be between 0 and 1', (_name, confidence, canonical) => {
    expect(problemsOf(parseJson(TOPIC.generated, { ...generated, confidence }))).toEqual(only('$.confidence', `must be between 0 and 1 (got ${canonical})`));
  });

  it.each([
    ['0', 0, '0'],
    ['0.0', '0.0', '0.0'],
    ['0.999', 0.999, '0.999'],
    ['1', 1, '1'],
    ['1.000', '1.000', '1.000'],
    ['"-0"', '-0', '0'],
  ])('given confidence %s, when parsed, then it is accepted as %s', (_name, confidence, kept) => {
    const m = parseJson(TOPIC.generated, { ...generated, confidence });
    expect(m.ok && m.event.kind === 'generated' && m.event.details.confidence).toBe(kept);
  });
});

describe('timestamps', () => {
  it('given occurred_at that is not a timestamp, when parsed, then the problem gives an example of one', () => {
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, occurred_at: 'yesterday' }))).toEqual(
      only('$.occurred_at', 'not an RFC 3339 timestamp with offset (e.g. 2026-01-05T09:30:00.123Z)'),
    );
  });

  it('given an expires_at without offset, when parsed, then the problem says how to add one or read it as UTC', () => {
    expect(problemsOf(parseJson(TOPIC.generated, { ...generated, expires_at: '2026-01-06T00:00:00' }))).toEqual(
      only('$.expires_at', 'has no UTC offset (add Z or +hh:mm); to read offset-less timestamps as UTC, set NAIVE_TIMESTAMPS=utc (--naive-timestamps utc)'),
    );
  });

  it('given a timestamp on a day that does not exist, when parsed, then the problem says so', () => {
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, occurred_at: '2026-02-30T10:00:00Z' }))).toEqual(only('$.occurred_at', 'not a valid calendar date'));
  });

  it('given a timestamp given as a number, when parsed, then the problem is the type', () => {
    expect(problemsOf(parseJson(TOPIC.filled, { ...fill, occurred_at: 1767607200 }))).toEqual(only('$.occurred_at', 'Invalid input: expected string, received number'));
  });
});

describe('metadata and checks must be JSON objects; metadata at most 16 KiB of JSON text', () => {
  it.each([
    ['null', null],
    ['a number', 5],
    ['a string', '{"a":1}'],
    ['an array', [{ a: 1 }]],
    ['a boolean', true],
  ])('given metadata that is %s, when parsed, then the problem at $.metadata says a JSON object was expected', (_name, metadata) => {
    expect(problemsOf(parseJson(TOPIC.generated, { ...generated, metadata }))).toEqual(only('$.metadata', 'expected a JSON object'));
  });

  it.each([
    ['a string', 'all passed'],
    ['an array', ['size']],
    ['a number', 1],
  ])('given risk checks that are %s, when parsed, then the problem at $.checks says a JSON object was expected', (_name, checks) => {
    expect(problemsOf(parseJson(TOPIC.risk, { ...risk, passed: true, checks }))).toEqual(only('$.checks', 'expected a JSON object'));
  });

  /** Metadata whose JSON text is exactly `bytes` bytes. */
  const metadataOf = (bytes: number) => {
    const empty = JSON.stringify({ note: '' });
    const metadata = { note: 'x'.repeat(bytes - empty.length) };
    expect(Buffer.byteLength(JSON.stringify(metadata))).toBe(bytes);
    return metadata;
  };

  it('given metadata of exactly 16,384 bytes of JSON, when parsed, then it is accepted; one byte more is a problem at $.metadata', () => {
    const m = parseJson(TOPIC.generated, { ...generated, metadata: metadataOf(LIMITS.maxMetadataBytes) });
    expect(m.ok).toBe(true);
    expect(problemsOf(parseJson(TOPIC.generated, { ...generated, metadata: metadataOf(LIMITS.maxMetadataBytes + 1) }))).toEqual(only('$.metadata', 'larger than 16384 bytes'));
  });
});

describe('a risk rejection must say why', () => {
  it.each([
    ['without rejection_reason', {}],
    ['with a null rejection_reason', { rejection_reason: null }],
    ['with an empty rejection_reason', { rejection_reason: '' }],
    ['with a rejection_reason of spaces', { rejection_reason: '   ' }],
    ['with a rejection_reason of a tab and a line break', { rejection_reason: '\t\n' }],
  ])('given passed false %s, when parsed, then the problem at $.rejection_reason says it is required and not blank', (_name, extra) => {
    expect(problemsOf(parseJson(TOPIC.risk, { ...risk, ...extra }))).toEqual(only('$.rejection_reason', 'required when passed is false, and not blank'));
  });

  it('given passed true without a reason, or passed false with one, when parsed, then both are accepted', () => {
    expect(parseJson(TOPIC.risk, { ...risk, passed: true }).ok).toBe(true);
    expect(parseJson(TOPIC.risk, { ...risk, rejection_reason: ' x ' }).ok).toBe(true);
    expect(parseJson(TOPIC.risk, { ...risk, passed: true, rejection_reason: ' ' }).ok).toBe(true);
  });

  it('given passed as a string, when parsed, then the problem is the type of passed, not a missing reason', () => {
    expect(problemsOf(parseJson(TOPIC.risk, { ...risk, passed: 'false' }))).toEqual(only('$.passed', 'Invalid input: expected boolean, received string'));
  });
});

describe('missing fields, wrong types and choices outside the list (zod wording)', () => {
  it.each([
    ['a missing signal_id', TOPIC.filled, { ...fill, signal_id: undefined }, '$.signal_id', 'required, but missing'],
    ['an empty signal_id', TOPIC.filled, { ...fill, signal_id: '' }, '$.signal_id', 'Too small: expected string to have >=1 characters'],
    ['a signal_id of 129 characters', TOPIC.filled, { ...fill, signal_id: 'x'.repeat(129) }, '$.signal_id', 'Too big: expected string to have <=128 characters'],
    ['a numeric order_id', TOPIC.submitted, { ...submitted, order_id: 7 }, '$.order_id', 'Invalid input: expected string, received number'],
    ['an unknown side', TOPIC.generated, { ...generated, side: 'hold' }, '$.side', 'Invalid option: expected one of "buy"|"sell"'],
    ['an unknown outcome', TOPIC.outcome, { ...outcome, outcome: 'vanished' }, '$.outcome', 'Invalid option: expected one of "cancelled"|"expired"|"missed"|"error"'],
    ['a fractional schema_version', TOPIC.filled, { ...fill, schema_version: 1.5 }, '$.schema_version', 'unknown schema_version 1.5; this ledger reads 1'],
    ['a null schema_version', TOPIC.filled, { ...fill, schema_version: null }, '$.schema_version', 'Invalid input: expected number, received null'],
  ])('given %s, when parsed, then the problem is at its path', (_name, topic, value, path, message) => {
    expect(problemsOf(parseJson(topic, value))).toEqual(only(path, message));
  });

  it('given a fill with several faults, when parsed, then every one is a problem, in the order of the fields', () => {
    const m = parseJson(TOPIC.filled, { signal_id: '', occurred_at: 'x', order_id: 5, price: -1 });
    expect(problemsOf(m)).toEqual([
      { path: '$.signal_id', message: 'Too small: expected string to have >=1 characters' },
      { path: '$.occurred_at', message: 'not an RFC 3339 timestamp with offset (e.g. 2026-01-05T09:30:00.123Z)' },
      { path: '$.order_id', message: 'Invalid input: expected string, received number' },
      { path: '$.price', message: 'must be greater than 0 (got -1)' },
      { path: '$.quantity', message: 'required, but missing' },
    ]);
  });
});

describe('an unknown schema_version quotes what was given, shortened', () => {
  const withVersion = (versionJson: string) => parse(TOPIC.filled, JSON.stringify(fill).replace(/}$/, `,"schema_version":${versionJson}}`));
  it.each([
    ['a later version', '2', 'unknown schema_version 2; this ledger reads 1'],
    ['a number JavaScript writes with an exponent, whole', '-1.2345678901234567e-100', 'unknown schema_version -1.2345678901234567e-100; this ledger reads 1'],
    ['a string, quoted', '"2"', 'unknown schema_version "2"; this ledger reads 1'],
    ['a long string, cut at 20 characters with its length', JSON.stringify('v'.repeat(30)), `unknown schema_version "${'v'.repeat(20)}"… (30 characters); this ledger reads 1`],
    ['an object, as JSON', '{"v":1}', 'unknown schema_version {"v":1}; this ledger reads 1'],
    ['a long array, its first 20 characters of JSON and its length', '[1,2,3,4,5,6,7,8,9,10,11]', 'unknown schema_version [1,2,3,4,5,6,7,8,9,1… (25 characters); this ledger reads 1'],
    ['an array of exactly 20 characters of JSON, whole', '[1,2,3,4,5,6,7,8,91]', 'unknown schema_version [1,2,3,4,5,6,7,8,91]; this ledger reads 1'],
    ['a boolean', 'true', 'unknown schema_version true; this ledger reads 1'],
  ])('given %s, when parsed, then the problem at $.schema_version is "%s"', (_name, versionJson, message) => {
    expect(problemsOf(withVersion(versionJson))).toEqual(only('$.schema_version', message));
  });

  it('given schema_version 1 written as 1.0, when parsed, then it is the supported version', () => {
    const m = withVersion('1.0');
    expect(m.ok && m.event.schemaVersion).toBe(1);
  });
});

describe('a value that is not a JSON object', () => {
  it.each([
    ['null', 'expected a JSON object, got null'],
    ['42', 'expected a JSON object, got number'],
    ['"signal"', 'expected a JSON object, got string'],
    ['true', 'expected a JSON object, got boolean'],
    ['[{"signal_id":"s-1"}]', 'expected a JSON object, got an array'],
    ['[]', 'expected a JSON object, got an array'],
  ])('given the value %s, when parsed, then the problem at $ is "%s"', (text, message) => {
    expect(problemsOf(parse(TOPIC.filled, text))).toEqual(only('$', message));
  });

  it('given a null value (a tombstone), when parsed, then the problem says the message is empty and no raw value is kept', () => {
    const m = rejected(parse(TOPIC.filled, null));
    expect(m.problems).toEqual(only('$', 'empty message (null value)'));
    expect(m.raw).toBeNull();
  });

  it('given an empty or cut-off value, when parsed, then the problem is "not JSON" with the parser\'s reason', () => {
    expect(problemsOf(parse(TOPIC.filled, ''))).toEqual(only('$', 'not JSON: Unexpected end of JSON input'));
    expect(problemsOf(parse(TOPIC.filled, '{"signal_id":'))).toEqual(only('$', 'not JSON: Unexpected end of JSON input'));
  });
});

describe('a message on a topic the ledger does not read', () => {
  it('given the default topics, when a message arrives on another topic, then the problem lists the five topics it reads', () => {
    const m = rejected(parseJson('orders.other', fill));
    expect(m.problems).toEqual(only('$', 'unknown topic "orders.other"; expected one of signals.generated, signals.risk, orders.submitted, orders.filled, signals.outcome'));
    expect(m.topic).toBe('orders.other');
    expect(m.raw).toBe(JSON.stringify(fill));
  });

  it('given configured topic names, when a message arrives on a default name, then the problem lists the configured names', () => {
    const topics = { generated: 'p.gen', risk: 'p.risk', submitted: 'p.sub', filled: 'p.fill', outcome: 'p.out' };
    const m = parseMessage({ topic: 'orders.filled', value: JSON.stringify(fill), source }, { topics });
    expect(problemsOf(m)).toEqual(only('$', 'unknown topic "orders.filled"; expected one of p.gen, p.risk, p.sub, p.fill, p.out'));
    expect(parseMessage({ topic: 'p.fill', value: JSON.stringify(fill), source }, { topics }).ok).toBe(true);
  });

  it('given a topic name of 300 characters, when refused, then the problem quotes its first 80 characters and its length', () => {
    const topic = 'q'.repeat(300);
    expect(problemsOf(parseJson(topic, fill))).toEqual(
      only('$', `unknown topic "${'q'.repeat(80)}"… (300 characters); expected one of signals.generated, signals.risk, orders.submitted, orders.filled, signals.outcome`),
    );
  });
});

describe('nesting: a value over 4,096 characters is measured from its text, a shorter one after parsing', () => {
  /** A generated signal of exactly `chars` characters whose metadata nests 100 levels deep. */
  function deepSignal(chars: number): string {
    const deep = `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`;
    const without = JSON.stringify({ ...generated, pad: '' }).replace(/}$/, `,"metadata":${deep}}`);
    const text = JSON.stringify({ ...generated, pad: 'x'.repeat(chars - without.length) }).replace(/}$/, `,"metadata":${deep}}`);
    expect(text).toHaveLength(chars);
    return text;
  }

  it('given a value of exactly 4,096 characters nested too deep, when parsed, then the problem names the path where the limit is passed', () => {
    expect(problemsOf(parse(TOPIC.generated, deepSignal(4096)))).toEqual(only(`$.metadata${'.a'.repeat(63)}`, 'nested deeper than 64 levels'));
  });

  it('given a value of 4,097 characters nested too deep, when parsed, then it is refused from its text, at $', () => {
    expect(problemsOf(parse(TOPIC.generated, deepSignal(4097)))).toEqual(only('$', 'nested deeper than 64 levels'));
  });
});

describe('what a dead letter keeps beside its problems', () => {
  it('given a bad message with a string event_id and signal_id, when parsed, then the rejection carries both ids, its topic, key and source', () => {
    const value = JSON.stringify({ ...fill, event_id: 'ev-9', signal_id: 'sig-9', price: 0 });
    expect(rejected(parse(TOPIC.filled, value))).toEqual({
      ok: false,
      problems: only('$.price', 'must be greater than 0 (got 0)'),
      raw: value,
      topic: TOPIC.filled,
      key: 'sig-1',
      source,
      eventId: 'ev-9',
      signalId: 'sig-9',
    });
  });

  it('given ids that are not strings, when parsed, then the rejection holds no ids', () => {
    const m = rejected(parseJson(TOPIC.filled, { ...fill, event_id: 17, signal_id: ['s-1'] }));
    expect([m.eventId, m.signalId]).toEqual([null, null]);
    expect(m.problems.map((p) => p.path)).toEqual(['$.signal_id', '$.event_id']);
  });

  it('given a message refused for its schema_version or a hazard, when parsed, then the ids are still read', () => {
    const version = rejected(parseJson(TOPIC.filled, { ...fill, event_id: 'ev-1', schema_version: 2 }));
    expect([version.eventId, version.signalId]).toEqual(['ev-1', 's-1']);
    const hazard = rejected(parseJson(TOPIC.filled, { ...fill, event_id: 'ev-2', note: 'a\u0000b' }));
    expect([hazard.eventId, hazard.signalId]).toEqual(['ev-2', 's-1']);
  });

  it('given a message refused before it is read as an object, when parsed, then it holds no ids', () => {
    const m = rejected(parse(TOPIC.filled, '["ev-1"]'));
    expect([m.eventId, m.signalId]).toEqual([null, null]);
  });

  it('given ids longer than 128 characters, when parsed, then the rejection keeps them cut to 128 characters', () => {
    const m = rejected(parseJson(TOPIC.filled, { ...fill, event_id: 'e'.repeat(300), signal_id: 's'.repeat(129) }));
    expect(m.eventId).toBe(`${'e'.repeat(127)}…`);
    expect(m.signalId).toBe(`${'s'.repeat(127)}…`);
  });

  it('given a string key, a byte key or none, when a message is refused, then the key is its text, or null', () => {
    expect(rejected(parse('x', '{}', { key: 'sig-7' })).key).toBe('sig-7');
    expect(rejected(parse('x', '{}', { key: Buffer.from('sig-8') })).key).toBe('sig-8');
    expect(rejected(parse('x', '{}', { key: null })).key).toBeNull();
    expect(rejected(parse('x', '{}', { key: undefined })).key).toBeNull();
  });

  it('given a string key holding NUL, when a message is refused, then the key is kept as the base64 of its UTF-8', () => {
    expect(rejected(parse('x', '{}', { key: 'a\u0000' })).key).toBe(`base64:${Buffer.from('a\u0000').toString('base64')}`);
  });

  it('given a topic of 255 characters, when a message is refused, then the topic is kept whole; one of 256 is cut to 255 ending in …', () => {
    const t255 = 't'.repeat(255);
    expect(rejected(parse(t255, '{}')).topic).toBe(t255);
    expect(rejected(parse(`${t255}u`, '{}')).topic).toBe(`${'t'.repeat(254)}…`);
  });
});

describe('the raw value of a dead letter loses nothing', () => {
  it('given a string value with a lone surrogate, when refused, then raw is json: and its JSON string literal, and the problem names the field', () => {
    const value = '{"signal_id":"s\ud800"}';
    const m = rejected(parse(TOPIC.filled, value));
    expect(m.raw).toBe(`json:${JSON.stringify(value)}`);
    expect(m.raw).toBe('json:"{\\"signal_id\\":\\"s\\ud800\\"}"');
    expect(m.problems[0]).toEqual({ path: '$.signal_id', message: 'the text contains a lone UTF-16 surrogate, which is not Unicode text' });
    expect(m.signalId).toBe('s\\ud800');
  });

  it('given a string value with a raw NUL, when refused, then raw is the base64 of its UTF-8', () => {
    const value = '{"signal_id":"s\u0000"}';
    const m = rejected(parse(TOPIC.filled, value));
    expect(m.raw).toBe(`base64:${Buffer.from(value, 'utf8').toString('base64')}`);
  });

  it('given bytes with a byte order mark and a raw NUL, when refused, then raw is the base64 of the exact bytes, mark included', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"signal_id":"s\u0000"}')]);
    const m = rejected(parse(TOPIC.filled, new Uint8Array(bytes)));
    expect(m.raw).toBe(`base64:${bytes.toString('base64')}`);
  });

  it('given bytes that are valid UTF-8 but not JSON, when refused, then raw is the text itself', () => {
    const m = rejected(parse(TOPIC.filled, Buffer.from('{"price": 1.5é')));
    expect(m.raw).toBe('{"price": 1.5é');
  });
});
