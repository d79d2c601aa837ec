/**
 * fast-check arbitraries of message values an attacker (or a broken producer) could send: valid events
 * of the five kinds, the same events mutated one way each (a field missing, a type swapped, huge
 * numbers, deep nesting, NUL and lone surrogates, over-long strings, timestamps out of range), and
 * arbitrary bytes, JSON and strings. Messages are serialised with JSON.stringify, and textual edits
 * write what JSON.stringify cannot (number texts such as 1e999999999, raw control characters).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { DEFAULT_TOPICS, EVENT_KINDS, type EventKind, LIMITS, type SignalEvent } from '../../src/contract/index.ts';

/** JSON text written verbatim where it stands in a value given to `serialize`. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}
export const rawJson = (text: string): RawJson => new RawJson(text);

/** JSON.stringify, then every RawJson replaced by its text (a textual edit, so any number text or nesting can be written). */
export function serialize(value: unknown, space?: string | number): string {
  const nonce = `raw-${randomBytes(12).toString('hex')}`;
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof RawJson ? `${nonce}:${raws.push(v.text) - 1}` : v), space);
  if (raws.length === 0) return text;
  return text.replace(new RegExp(`"${nonce}:(\\d+)"`, 'g'), (_m, i: string) => raws[Number(i)] as string);
}

/** True when PostgreSQL and SQLite store the text alike: no U+0000 and no lone surrogate. */
export const isStorableText = (text: string): boolean => !text.includes('\u0000') && text.isWellFormed();

// ---------------------------------------------------------------------------------------------
// valid events

export type DecimalRule = 'positive' | 'nonNegative' | 'unitInterval' | 'any';
type FieldType = 'id' | 'text' | 'enum' | 'timestamp' | 'decimal' | 'boolean' | 'object' | 'int';
interface FieldSpec {
  type: FieldType;
  /** null is accepted (the schema says nullish) */
  nullable?: boolean;
  /** longest accepted string, in UTF-16 units */
  max?: number;
  rule?: DecimalRule;
}

const ENVELOPE: Record<string, FieldSpec> = {
  signal_id: { type: 'id', max: LIMITS.maxIdLength },
  occurred_at: { type: 'timestamp' },
  event_id: { type: 'id', max: LIMITS.maxIdLength },
  schema_version: { type: 'int' },
  metadata: { type: 'object' },
};

/** Every field the contract names, per kind, with its type (from src/contract/schemas.ts). */
export const FIELDS: Readonly<Record<EventKind, Record<string, FieldSpec>>> = {
  generated: {
    ...ENVELOPE,
    strategy_name: { type: 'id', max: 128 },
    symbol: { type: 'id', max: 64 },
    side: { type: 'enum' },
    confidence: { type: 'decimal', rule: 'unitInterval' },
    sharpe_estimate: { type: 'decimal', rule: 'any' },
    entry_price: { type: 'decimal', rule: 'positive' },
    stop_loss: { type: 'decimal', rule: 'positive', nullable: true },
    take_profit: { type: 'decimal', rule: 'positive', nullable: true },
    signal_type: { type: 'id', max: 64 },
    quality_score: { type: 'decimal', rule: 'any', nullable: true },
    requested_quantity: { type: 'decimal', rule: 'positive', nullable: true },
    position_value: { type: 'decimal', rule: 'any', nullable: true },
    target_price: { type: 'decimal', rule: 'positive', nullable: true },
    expires_at: { type: 'timestamp', nullable: true },
  },
  risk: {
    ...ENVELOPE,
    passed: { type: 'boolean' },
    checks: { type: 'object', nullable: true },
    rejection_reason: { type: 'text', max: LIMITS.maxTextLength, nullable: true },
  },
  submitted: {
    ...ENVELOPE,
    order_id: { type: 'id', max: LIMITS.maxIdLength },
    quantity: { type: 'decimal', rule: 'positive', nullable: true },
    limit_price: { type: 'decimal', rule: 'positive', nullable: true },
    broker: { type: 'text', max: LIMITS.maxTextLength, nullable: true },
  },
  filled: {
    ...ENVELOPE,
    order_id: { type: 'id', max: LIMITS.maxIdLength },
    price: { type: 'decimal', rule: 'positive' },
    quantity: { type: 'decimal', rule: 'positive' },
    fill_id: { type: 'id', max: LIMITS.maxIdLength, nullable: true },
    leaves_quantity: { type: 'decimal', rule: 'nonNegative', nullable: true },
    fee: { type: 'decimal', rule: 'any', nullable: true },
  },
  outcome: {
    ...ENVELOPE,
    outcome: { type: 'enum' },
    reason: { type: 'text', max: LIMITS.maxTextLength, nullable: true },
    order_id: { type: 'id', max: LIMITS.maxIdLength, nullable: true },
  },
};

/** The fields each kind requires (risk also requires rejection_reason when passed is false). */
export const REQUIRED: Readonly<Record<EventKind, readonly string[]>> = {
  generated: ['signal_id', 'occurred_at', 'strategy_name', 'symbol', 'side', 'confidence', 'sharpe_estimate', 'entry_price'],
  risk: ['signal_id', 'occurred_at', 'passed'],
  submitted: ['signal_id', 'occurred_at', 'order_id'],
  filled: ['signal_id', 'occurred_at', 'order_id', 'price', 'quantity'],
  outcome: ['signal_id', 'occurred_at', 'outcome'],
};

/** A valid message value of one kind before serialisation. */
export interface EventDraft {
  kind: EventKind;
  /** the value; a RawJson is a decimal written as a JSON number exactly as its text */
  value: Record<string, unknown>;
  /** every decimal field given, as the text written (what the event must hold, digit for digit) */
  decimals: Record<string, string>;
}

/** Signal ids most events share, so that events of one signal meet in a batch. */
export const SIGNAL_ID_POOL = ['sig-a', 'sig-b', 'sig-c', 'sig-d'] as const;
/** Event ids several events share: the same id for other content or another signal. */
export const EVENT_ID_POOL = ['ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5', 'ev-6'] as const;

/** Text both databases store alike, 1..max UTF-16 units: ASCII or any Unicode without NUL. */
export function storableTextArb(max: number, minLength = 1): fc.Arbitrary<string> {
  const length = { minLength, maxLength: Math.min(max, 24) };
  return fc
    .oneof(fc.string({ unit: 'grapheme-ascii', ...length }), fc.string({ unit: 'grapheme', ...length }))
    .filter((s) => s.length >= minLength && s.length <= max && isStorableText(s));
}

const idArb = (max: number) => fc.oneof(storableTextArb(max), fc.stringMatching(/^[a-z][a-z0-9-]{0,40}$/));

/** A decimal's text in canonical form (no leading zeros, at most 20 integer digits and 12 places) obeying `rule`. */
export function decimalTextArb(rule: DecimalRule): fc.Arbitrary<string> {
  const frac = fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined });
  if (rule === 'unitInterval') {
    return fc.oneof(
      frac.map((f) => (f === undefined ? '0' : `0.${f}`)),
      fc.option(fc.stringMatching(/^0{1,12}$/), { nil: undefined }).map((z) => (z === undefined ? '1' : `1.${z}`)),
    );
  }
  const int = fc.oneof({ arbitrary: fc.constant('0'), weight: 1 }, { arbitrary: fc.stringMatching(/^[1-9]\d{0,4}$/), weight: 3 }, { arbitrary: fc.stringMatching(/^[1-9]\d{15,19}$/), weight: 1 });
  const unsigned = fc.tuple(int, frac).map(([i, f]) => (f === undefined ? i : `${i}.${f}`));
  const isZero = (t: string) => !/[1-9]/.test(t);
  if (rule === 'positive') return unsigned.filter((t) => !isZero(t));
  if (rule === 'nonNegative') return unsigned;
  return fc.tuple(fc.boolean(), unsigned).map(([neg, t]) => (neg && !isZero(t) ? `-${t}` : t));
}

/** A decimal written as a JSON number (its exact text) or as a decimal string. */
const writtenDecimalArb = (rule: DecimalRule) => fc.tuple(decimalTextArb(rule), fc.boolean()).map(([text, asNumber]) => ({ text, written: asNumber ? rawJson(text) : text }));

const FIRST_MS = Date.UTC(1970, 0, 2);
const LAST_MS = Date.UTC(9999, 11, 30);
/** The first and last instants the ledger stores, written several ways. */
export const EDGE_TIMESTAMPS = [
  '1970-01-01T00:00:00Z',
  '1970-01-01T00:00:00.000000000+00:00',
  '1970-01-01T23:59:59+23:59',
  '1969-12-31T23:59:59-23:59',
  '9999-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59.999999999z',
  '9999-12-31 00:00:59-23:59',
] as const;

/** RFC 3339 timestamps with an offset whose instant is in 1970..9999: Z, z or ±hh:mm, T, t or space, 0..9 fraction digits. */
const writtenTimestampArb: fc.Arbitrary<string> = fc
  .record({
    ms: fc.oneof(fc.integer({ min: FIRST_MS, max: LAST_MS }), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })),
    offsetMinutes: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), { nil: undefined }),
    fraction: fc.stringMatching(/^\d{0,9}$/),
    separator: fc.constantFrom('T', 't', ' '),
    zulu: fc.constantFrom('Z', 'z'),
  })
  .map(({ ms, offsetMinutes, fraction, separator, zulu }) => {
    const local = new Date(Math.floor(ms / 1000) * 1000 + (offsetMinutes ?? 0) * 60_000).toISOString();
    const minutes = Math.abs(offsetMinutes ?? 0);
    const zone = offsetMinutes === undefined ? zulu : `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    return `${local.slice(0, 10)}${separator}${local.slice(11, 19)}${fraction ? `.${fraction}` : ''}${zone}`;
  });

/** A timestamp the contract accepts: mostly any instant written any valid way, sometimes one at the edges of the range. */
export const timestampArb: fc.Arbitrary<string> = fc.oneof({ arbitrary: fc.constantFrom(...EDGE_TIMESTAMPS), weight: 1 }, { arbitrary: writtenTimestampArb, weight: 9 });

/** JSON both databases store alike: small objects of finite numbers, storable strings, arrays. */
export const storableJsonArb: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }).filter((v) => isStorableText(JSON.stringify(v)));
/** A small JSON object (metadata, risk checks) that the contract accepts. */
export const jsonObjectArb = (keys: fc.Arbitrary<string> = storableTextArb(20, 0)): fc.Arbitrary<Record<string, unknown>> =>
  fc.dictionary(keys, storableJsonArb, { maxKeys: 4, noNullPrototype: true });

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const envelopeArb = fc.record({
  signal_id: fc.oneof({ arbitrary: fc.constantFrom(...SIGNAL_ID_POOL), weight: 4 }, { arbitrary: idArb(LIMITS.maxIdLength), weight: 1 }),
  occurred_at: timestampArb,
  event_id: optional(fc.oneof(fc.constantFrom(...EVENT_ID_POOL), idArb(LIMITS.maxIdLength))),
  schema_version: optional(fc.constant(1)),
  metadata: optional(jsonObjectArb()),
  note: optional(storableJsonArb),
});

/** Builds a draft from generated fields: decimals become RawJson or strings, absent fields are left out. */
function draftOf(kind: EventKind, fields: Record<string, unknown>): EventDraft {
  const value: Record<string, unknown> = {};
  const decimals: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && 'written' in v && 'text' in v) {
      value[k] = (v as { written: unknown }).written;
      decimals[k] = (v as { text: string }).text;
    } else value[k] = v;
  }
  return { kind, value, decimals };
}

const decimalField = (rule: DecimalRule) => writtenDecimalArb(rule);
const optionalDecimal = (rule: DecimalRule) => optional(writtenDecimalArb(rule));

/** A valid message value of each kind, as the contract describes it. */
export const validDraftArbs: Readonly<Record<EventKind, fc.Arbitrary<EventDraft>>> = {
  generated: fc
    .record({
      envelope: envelopeArb,
      strategy_name: idArb(128),
      symbol: fc.oneof(fc.constantFrom('AAPL', 'MSFT', 'BRK.B'), storableTextArb(64)),
      side: fc.constantFrom('buy', 'sell'),
      confidence: decimalField('unitInterval'),
      sharpe_estimate: decimalField('any'),
      entry_price: decimalField('positive'),
      stop_loss: optionalDecimal('positive'),
      take_profit: optionalDecimal('positive'),
      signal_type: optional(fc.constantFrom('entry', 'exit', 'scale_in')),
      quality_score: optionalDecimal('any'),
      requested_quantity: optionalDecimal('positive'),
      position_value: optionalDecimal('any'),
      target_price: optionalDecimal('positive'),
      expires_at: optional(timestampArb),
    })
    .map(({ envelope, ...rest }) => draftOf('generated', { ...envelope, ...rest })),
  risk: fc
    .record({ envelope: envelopeArb, passed: fc.boolean(), checks: optional(jsonObjectArb()), reason: storableTextArb(LIMITS.maxTextLength) })
    // a rejection's reason must not be blank (white space alone is refused): such reasons keep their spaces behind a letter
    .map(({ envelope, passed, checks, reason }) => draftOf('risk', { ...envelope, passed, checks, rejection_reason: passed ? undefined : reason.trim() === '' ? `r${reason}` : reason })),
  submitted: fc
    .record({ envelope: envelopeArb, order_id: idArb(LIMITS.maxIdLength), quantity: optionalDecimal('positive'), limit_price: optionalDecimal('positive'), broker: optional(storableTextArb(40)) })
    .map(({ envelope, ...rest }) => draftOf('submitted', { ...envelope, ...rest })),
  filled: fc
    .record({
      envelope: envelopeArb,
      order_id: fc.oneof(fc.constantFrom('o-1', 'o-2'), idArb(LIMITS.maxIdLength)),
      price: decimalField('positive'),
      quantity: decimalField('positive'),
      fill_id: optional(idArb(LIMITS.maxIdLength)),
      leaves_quantity: optionalDecimal('nonNegative'),
      fee: optionalDecimal('any'),
    })
    .map(({ envelope, ...rest }) => draftOf('filled', { ...envelope, ...rest })),
  outcome: fc
    .record({ envelope: envelopeArb, outcome: fc.constantFrom('cancelled', 'expired', 'missed', 'error'), reason: optional(storableTextArb(200)), order_id: optional(idArb(LIMITS.maxIdLength)) })
    .map(({ envelope, ...rest }) => draftOf('outcome', { ...envelope, ...rest })),
};

/** A valid message value of any kind. */
export const validDraftArb: fc.Arbitrary<EventDraft> = fc.oneof(...EVENT_KINDS.map((k) => validDraftArbs[k]));

/** Keys that name members of Object.prototype: in JSON they are keys like any other. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'] as const;

/** A valid draft whose metadata (or, for a risk decision, checks) has keys of PROTOTYPE_KEYS, as own members (as JSON.parse makes them). */
export const prototypeKeysDraftArb: fc.Arbitrary<EventDraft> = fc
  .tuple(validDraftArb, fc.subarray([...PROTOTYPE_KEYS], { minLength: 1 }), fc.array(storableJsonArb, { minLength: 5, maxLength: 5 }))
  .map(([draft, keys, values]) => {
    const field = draft.kind === 'risk' ? 'checks' : 'metadata';
    const object = Object.fromEntries([...keys.map((k, i) => [k, values[i] ?? { a: 1 }] as const), ['plain', 1] as const]);
    return { ...draft, value: { ...draft.value, [field]: object } };
  });

/** The decimal an accepted event holds for a wire field (confidence, entry_price, price, ...), or undefined. */
export function eventDecimal(event: SignalEvent, wireField: string): string | null | undefined {
  const holder = (event.kind === 'generated' ? event.details : event) as unknown as Record<string, unknown>;
  return holder[wireField.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())] as string | null | undefined;
}

// ---------------------------------------------------------------------------------------------
// hostile messages

/** What parseMessage must make of a message. */
export type Expectation = 'accept' | 'reject' | 'either';

/** One message as a Kafka consumer would hand it over, with what was done to it. */
export interface HostileMessage {
  /** what was done (shown when a property fails) */
  label: string;
  topic: string;
  key: string | Uint8Array | null;
  value: string | Uint8Array | null;
  expect: Expectation;
  /** the valid event it came from, when it is one unchanged (expect 'accept') */
  draft?: EventDraft;
}

const preview = (v: string | Uint8Array | null): string => {
  if (v === null) return 'null';
  const text = typeof v === 'string' ? v : Buffer.from(v).toString('latin1');
  const size = typeof v === 'string' ? `${v.length} chars` : `${v.byteLength} bytes`;
  return `${typeof v === 'string' ? 'string' : 'bytes'} of ${size}: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 200)}…${text.slice(-60)}` : text)}`;
};

/** A HostileMessage that prints itself short (labels and the ends of long values), so fast-check reports stay readable. */
export function hostileMessage(m: HostileMessage): HostileMessage {
  return Object.defineProperty(m, fc.toStringMethod, {
    value: () => `{${m.label} | expect ${m.expect} | topic ${JSON.stringify(m.topic.length > 80 ? `${m.topic.slice(0, 80)}…` : m.topic)} | key ${preview(m.key)} | value ${preview(m.value)}}`,
    enumerable: false,
  });
}

/** Characters PostgreSQL cannot store (NUL) or that are not Unicode (lone surrogates). */
export const UNSTORABLE_CHARS = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff'] as const;
const unstorableCharArb = fc.constantFrom(...UNSTORABLE_CHARS);

/** Number texts that overflow or underflow anything: exponents of 9 and 6 digits, a 100,000-digit integer. */
export const HUGE_NUMBER_TEXTS = [
  '1e999999999',
  '-1e999999999',
  '1e-999999',
  '1E+99999',
  '1e400',
  '0e99999',
  '9'.repeat(100_000),
  `0.${'0'.repeat(5000)}1`,
  `1${'0'.repeat(21)}`,
  '0.0000000000001',
] as const;

/** Timestamps the contract refuses: out of 1970..9999 UTC once the offset is applied, offset-less, impossible dates and times. */
export const BAD_TIMESTAMPS = [
  '9999-12-31T23:59:59-01:00',
  '1969-12-31T23:59:59Z',
  '1970-01-01T00:00:00+00:01',
  '2026-01-05T10:00:00',
  '2026-01-05T24:00:00Z',
  '2026-02-30T10:00:00Z',
  '2026-13-01T10:00:00Z',
  '2026-01-05T10:60:00Z',
  '2026-01-05T10:00:60Z',
  '2026-01-05T10:00:00+24:00',
  '0000-01-01T00:00:00Z',
  '0050-06-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  '+010000-01-01T00:00:00Z',
  '2026-01-05T10:00:00.1234567891Z',
  '2026-01-05',
  '',
  '2026-01-05T10:00:00Z'.repeat(1000),
] as const;

/** Wrong-typed values for a field of a type: none of them is accepted there. */
function wrongValues(spec: FieldSpec, required: boolean): unknown[] {
  const containers = [[], {}, ['x'], { a: 'b' }, [rawJson('1')]];
  const nul = required || !spec.nullable ? [null] : [];
  switch (spec.type) {
    case 'id':
    case 'text':
    case 'enum':
    case 'timestamp':
      return [42, rawJson('1.50'), true, false, ...containers, ...nul];
    case 'decimal':
      return [true, false, 'abc', '', '1,5', ' ', 'NaN', 'Infinity', '0x10', '١٢', ...containers, ...nul];
    case 'boolean':
      return ['true', 'false', 1, 0, ...containers, ...nul];
    case 'object':
      return ['x', 1, true, [], [{ a: 1 }], ...nul];
    case 'int':
      return ['1', 1.5, 2, 0, true, [], {}, null];
  }
}

/** A message value with one mutation applied: the value (serialised later) or the finished text. */
interface Mutated {
  label: string;
  value?: Record<string, unknown>;
  text?: string;
  expect: Expectation;
  /** deliver the text as a JS string, not bytes (raw lone surrogates do not survive UTF-8) */
  asString?: boolean;
}

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const fieldsOf = (kind: EventKind, filter: (spec: FieldSpec, name: string) => boolean) =>
  Object.entries(FIELDS[kind])
    .filter(([name, spec]) => filter(spec, name))
    .map(([name]) => name);

/** Nesting `depth` levels deep, as JSON text: arrays or objects. */
export const nestedText = (depth: number, shape: 'array' | 'object'): string =>
  shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

/**
 * Messages whose threat is their cost rather than their outcome: about 1 MiB of structure (the most
 * nodes per byte), number texts and strings built to be slow, nesting far past the limit. The fuzz
 * tests check what each parses to; `npm run bench:hostile` times each against JSON.parse of the same
 * text (its targets live there, not in the tests). Each is [name, topic, text].
 */
export function costlyMessages(): [string, string, string][] {
  const nearMib = LIMITS.maxMessageBytes - 256;
  /** `unit` repeated inside an array to fill about 1 MiB. */
  const filled = (unit: string) => `[${unit.repeat(Math.floor((nearMib - 300) / unit.length)).replace(/,$/, '')}]`;
  const risk = (checks: string) => `{"signal_id":"s","occurred_at":"2026-01-05T10:00:00Z","passed":true,"checks":{"a":${checks}}}`;
  const generated = (field: string, inner: string) =>
    `{"signal_id":"s","occurred_at":"2026-01-05T10:00:00Z","strategy_name":"x","symbol":"A","side":"buy","confidence":0.5,"sharpe_estimate":1,"entry_price":"150","${field}":${inner}}`;
  return [
    ['risk checks holding 350k empty arrays', 'signals.risk', risk(filled('[],'))],
    ['risk checks holding 350k empty objects', 'signals.risk', risk(filled('{},'))],
    ['risk checks holding arrays 60 levels deep, repeated', 'signals.risk', risk(filled(`${nestedText(60, 'array')},`))],
    ['risk checks holding 500k zeros', 'signals.risk', risk(filled('0,'))],
    ['risk checks with 70k keys', 'signals.risk', `{"signal_id":"s","occurred_at":"2026-01-05T10:00:00Z","passed":true,"checks":{${Array.from({ length: 70_000 }, (_, i) => `"k${i}":0`).join(',')}}}`],
    ['an unknown field holding 200k short strings', 'signals.generated', generated('extra', filled('"ab",'))],
    ['a price of 1 MiB of digits', 'orders.filled', `{"signal_id":"s","occurred_at":"2026-01-05T10:00:00Z","order_id":"o","price":${'9'.repeat(nearMib)},"quantity":1}`],
    ['a price string of 900k digits', 'orders.filled', `{"signal_id":"s","occurred_at":"2026-01-05T10:00:00Z","order_id":"o","price":"${'1'.repeat(900_000)}x","quantity":1}`],
    ['1 MiB of opening brackets', 'orders.filled', '['.repeat(nearMib)],
    ['metadata nested 10,000 deep', 'signals.generated', generated('metadata', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`)],
    ['1 MiB of \\u0000 escapes in an unknown field', 'signals.generated', generated('extra', filled('"\\u0000",'))],
    ['an exponent in the millions, under 200 bytes', 'signals.generated', generated('extra', '1').replace('"entry_price":"150"', '"entry_price":1e9999999')],
  ];
}

/** Each kind of mutation of a valid draft, as an arbitrary of the mutated message. */
function mutationsOf(draft: EventDraft): fc.Arbitrary<Mutated>[] {
  const { kind } = draft;
  const copy = () => ({ ...draft.value });
  const required = [...REQUIRED[kind], ...(kind === 'risk' && draft.value.passed === false ? ['rejection_reason'] : [])];
  const stringFields = fieldsOf(kind, (s) => s.type === 'id' || s.type === 'text');
  const decimalFields = fieldsOf(kind, (s) => s.type === 'decimal');
  const objectField = kind === 'risk' ? 'checks' : 'metadata';
  const limited = fieldsOf(kind, (s) => s.max !== undefined);

  const missing = pick(required).map((f): Mutated => {
    const value = copy();
    delete value[f];
    return { label: `missing ${f}`, value, expect: 'reject' };
  });

  const swapped = pick(Object.keys(FIELDS[kind])).chain((f) => {
    const spec = FIELDS[kind][f] as FieldSpec;
    return pick(wrongValues(spec, required.includes(f))).map((wrong): Mutated => ({ label: `${f} = ${serialize(wrong)}`, value: { ...copy(), [f]: wrong }, expect: 'reject' }));
  });

  const huge = fc.tuple(pick(HUGE_NUMBER_TEXTS), fc.boolean(), fc.constantFrom('decimal', 'metadata', 'extra', 'schema_version'), pick(decimalFields.length > 0 ? decimalFields : ['metadata'])).map(([text, asNumber, where, f]): Mutated => {
    const label = `${text.length > 20 ? `${text.slice(0, 12)}…(${text.length} chars)` : text} as ${asNumber ? 'number' : 'string'} in`;
    const written = asNumber ? rawJson(text) : text;
    const overflows = !Number.isFinite(Number(text));
    switch (where) {
      case 'decimal': {
        // every huge text is outside the decimal limits (length, exponent, integer digits or places)
        return { label: `${label} ${f}`, value: { ...copy(), [f]: f === 'metadata' ? { x: written } : written }, expect: f === 'metadata' ? (overflows && asNumber ? 'reject' : 'either') : 'reject' };
      }
      case 'metadata':
        return { label: `${label} ${objectField}`, value: { ...copy(), [objectField]: { x: [written] } }, expect: asNumber && overflows ? 'reject' : 'either' };
      case 'schema_version':
        return { label: `${label} schema_version`, value: { ...copy(), schema_version: written }, expect: 'reject' };
      default:
        return { label: `${label} an unknown field`, value: { ...copy(), extra: { n: written } }, expect: asNumber && overflows ? 'reject' : 'either' };
    }
  });

  const deep = fc
    .tuple(fc.constantFrom(65, 100, 1000, 5000, 50_000), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.constantFrom('metadata', 'checks', 'extra', 'field', 'value'))
    .map(([depth, shape, where]): Mutated => {
      const nested = rawJson(nestedText(depth, shape));
      const label = `${depth} levels of ${shape}s in`;
      switch (where) {
        case 'metadata':
          return { label: `${label} metadata`, value: { ...copy(), metadata: { deep: nested } }, expect: 'reject' };
        case 'checks':
          return { label: `${label} ${objectField}`, value: { ...copy(), [objectField]: { deep: nested } }, expect: 'reject' };
        case 'extra':
          return { label: `${label} an unknown field`, value: { ...copy(), extra: nested }, expect: 'reject' };
        case 'field':
          return { label: `${label} signal_id`, value: { ...copy(), signal_id: nested }, expect: 'reject' };
        default:
          return { label: `${label} the value itself`, text: nestedText(depth, shape), expect: 'reject' };
      }
    });

  // the last depth allowed and the first refused, with the text long enough (or not) for the scan before JSON.parse
  const boundary = fc
    .tuple(fc.constantFrom(62, 63, 64, 65), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.constantFrom('metadata', 'extra'), fc.boolean())
    .map(([levels, shape, where, long]): Mutated => {
      // the value is level 1; metadata is level 2 and its member level 3; an unknown field's value is level 2
      const depth = where === 'metadata' ? levels - 2 : levels - 1;
      const value = { ...copy(), ...(where === 'metadata' ? { metadata: { deep: rawJson(nestedText(depth, shape)) } } : { extra: rawJson(nestedText(depth, shape)) }), ...(long ? { pad: 'p'.repeat(5000) } : {}) };
      return { label: `nesting of ${levels} levels (${shape}s in ${where}${long ? ', text over 4096 chars' : ''})`, value, expect: levels <= LIMITS.maxJsonDepth ? 'accept' : 'reject' };
    });

  const unstorable = fc
    .tuple(unstorableCharArb, fc.constantFrom('field', 'metadata key', 'metadata value', 'extra key', 'extra value'), pick(stringFields), fc.nat(3))
    .map(([ch, where, f, at]): Mutated => {
      const name = `U+${ch.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
      const base = String(draft.value[f] ?? 'abc');
      const text = `${base.slice(0, at)}${ch}${base.slice(at)}`;
      switch (where) {
        case 'field':
          return { label: `${name} in ${f}`, value: { ...copy(), [f]: text }, expect: 'reject' };
        case 'metadata key':
          return { label: `${name} in a key of ${objectField}`, value: { ...copy(), [objectField]: { [text]: 1 } }, expect: 'reject' };
        case 'metadata value':
          return { label: `${name} in a value of ${objectField}`, value: { ...copy(), [objectField]: { k: [text] } }, expect: 'reject' };
        case 'extra key':
          return { label: `${name} in an unknown key`, value: { ...copy(), [text]: true }, expect: 'reject' };
        default:
          return { label: `${name} in an unknown field's value`, value: { ...copy(), extra: text }, expect: 'reject' };
      }
    });

  // the characters themselves in the text, not escaped: in a string, or between tokens (then it is not JSON)
  const rawChars = fc.tuple(unstorableCharArb, fc.boolean(), fc.nat()).map(([ch, inString, n]): Mutated => {
    const text = serialize(draft.value);
    const name = `raw U+${ch.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
    if (inString) {
      const at = text.indexOf('"signal_id":"') + '"signal_id":"'.length;
      return { label: `${name} inside the signal_id string`, text: `${text.slice(0, at)}${ch}${text.slice(at)}`, expect: 'reject', asString: true };
    }
    const structural = [...text.matchAll(/[{}[\]:,]/g)].map((m) => m.index);
    const at = structural[n % structural.length] as number;
    return { label: `${name} before the character at ${at}`, text: `${text.slice(0, at)}${ch}${text.slice(at)}`, expect: 'reject', asString: true };
  });

  const long = fc
    .tuple(fc.constantFrom('limit', 'reason', 'mebibyte'), pick(limited), fc.constantFrom('x', 'é', '😀'), fc.constantFrom(-64, -1, 0, 1, 64), fc.constantFrom('extra', 'symbol', 'metadata'))
    .map(([what, f, unit, delta, where]): Mutated => {
      if (what === 'limit') {
        const max = (FIELDS[kind][f] as FieldSpec).max as number;
        return { label: `${f} of ${max + 1} chars`, value: { ...copy(), [f]: 'i'.repeat(max + 1) }, expect: 'reject' };
      }
      if (what === 'reason') {
        const field = kind === 'risk' ? 'rejection_reason' : kind === 'outcome' ? 'reason' : kind === 'submitted' ? 'broker' : f;
        const max = (FIELDS[kind][field] as FieldSpec).max as number;
        return { label: `${field} of ${max + 1} chars`, value: { ...copy(), [field]: 'r'.repeat(max + 1) }, expect: 'reject' };
      }
      // a value that brings the message to 1 MiB + delta bytes
      const target = where === 'symbol' && kind !== 'generated' ? 'extra' : where;
      const probe = serialize({ ...copy(), [target]: target === 'metadata' ? { s: '' } : '' });
      const room = LIMITS.maxMessageBytes + delta - Buffer.byteLength(probe);
      const filler = unit.repeat(Math.max(0, Math.floor(room / Buffer.byteLength(unit)))) + 'x'.repeat(Math.max(0, room % Buffer.byteLength(unit)));
      const value = { ...copy(), [target]: target === 'metadata' ? { s: filler } : filler };
      const over = Buffer.byteLength(serialize(value)) > LIMITS.maxMessageBytes;
      return { label: `1 MiB ${delta >= 0 ? '+' : ''}${delta} bytes with a ${target} of ${unit}`, value, expect: over || target !== 'extra' ? 'reject' : 'accept' };
    });

  const badTime = fc.tuple(fc.oneof(pick(BAD_TIMESTAMPS), fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(s))), fc.constantFrom('occurred_at', 'expires_at')).map(([t, f]): Mutated => {
    const field = kind === 'generated' ? f : 'occurred_at';
    return { label: `${field} = ${JSON.stringify(t.slice(0, 60))}`, value: { ...copy(), [field]: t }, expect: 'reject' };
  });

  // metadata (ASCII) of exactly the limit, and one character more
  const metadataSize = fc.constantFrom(0, 1).map((over): Mutated => {
    const filler = 'm'.repeat(LIMITS.maxMetadataBytes - '{"s":""}'.length + over);
    return { label: `metadata of ${LIMITS.maxMetadataBytes + over} characters`, value: { ...copy(), metadata: { s: filler } }, expect: over === 0 ? 'accept' : 'reject' };
  });

  return [missing, swapped, huge, deep, boundary, unstorable, rawChars, long, badTime, metadataSize];
}

/** Topics a message may come with: its event's, an unknown Kafka-legal one (up to 249 chars), or a hostile string. */
const topicArb = (kind: EventKind, legalOnly: boolean): fc.Arbitrary<{ topic: string; known: boolean }> => {
  const own = fc.constant({ topic: DEFAULT_TOPICS[kind], known: true });
  const legal = fc.stringMatching(/^[A-Za-z0-9._-]{1,249}$/).filter((t) => !Object.values(DEFAULT_TOPICS).includes(t)).map((topic) => ({ topic, known: false }));
  const hostile = fc.tuple(fc.string({ unit: 'binary', maxLength: 300 }), unstorableCharArb).map(([s, ch]) => ({ topic: `${DEFAULT_TOPICS[kind]}${ch}${s}`, known: false }));
  return legalOnly ? fc.oneof({ arbitrary: own, weight: 12 }, { arbitrary: legal, weight: 1 }) : fc.oneof({ arbitrary: own, weight: 10 }, { arbitrary: legal, weight: 1 }, { arbitrary: hostile, weight: 1 });
};

/** Message keys: absent, the signal id, text with anything in it, or arbitrary bytes. */
export const keyArb: fc.Arbitrary<string | Uint8Array | null> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 2 },
  { arbitrary: fc.constantFrom(...SIGNAL_ID_POOL), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
);

/** Options of the message arbitraries. */
export interface HostileOptions {
  /** only Kafka-legal topic names (what a broker delivers); default false, which adds topics with NUL and lone surrogates */
  legalTopics?: boolean;
}

/** How a valid message's text is laid out: what JSON allows beyond JSON.stringify's compact form. */
export const LAYOUTS = ['compact', 'indented', 'CRLF and tabs', 'duplicate keys first', 'escaped keys'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Values a decimal key may have before its last occurrence (JSON.parse keeps the last). */
const SHADOWED = ['1e999999999', '"abc"', 'null', '[1,2]', '{"a":1}', '0.5', '-1'] as const;

/** A draft's message text laid out one way; every layout reads as the same value. */
export function layOut(draft: EventDraft, layout: Layout): string {
  const decimals = Object.keys(draft.decimals);
  switch (layout) {
    case 'compact':
      return serialize(draft.value);
    case 'indented':
      return serialize(draft.value, 2);
    case 'CRLF and tabs':
      return serialize(draft.value, '\t').replace(/\n/g, '\r\n');
    case 'duplicate keys first': {
      const text = serialize(draft.value);
      const shadows = decimals.map((f, i) => `${JSON.stringify(f)}:${SHADOWED[i % SHADOWED.length]},`).join('');
      return `{${shadows}${text.slice(1)}`;
    }
    case 'escaped keys': {
      let text = serialize(draft.value);
      for (const f of decimals) text = text.replace(`${JSON.stringify(f)}:`, `"${[...f].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}":`);
      return text;
    }
  }
}

/** A valid message of any kind, unchanged but for its layout (expect 'accept' when its topic is its kind's). */
export const validMessageArb = (options: HostileOptions = {}): fc.Arbitrary<HostileMessage> =>
  fc.tuple(validDraftArb, keyArb, fc.boolean(), fc.constantFrom(...LAYOUTS)).chain(([draft, key, asBytes, layout]) =>
    topicArb(draft.kind, options.legalTopics ?? false).map(({ topic, known }) => {
      const text = layOut(draft, layout);
      return hostileMessage({ label: `valid ${draft.kind} (${layout})`, topic, key, value: asBytes ? Buffer.from(text) : text, expect: known ? 'accept' : 'reject', draft });
    }),
  );

/** A valid message of any kind with one mutation applied (see the module comment). */
export const mutatedMessageArb = (options: HostileOptions = {}): fc.Arbitrary<HostileMessage> =>
  fc.tuple(validDraftArb, keyArb, fc.boolean()).chain(([draft, key, asBytes]) =>
    fc.tuple(fc.oneof(...mutationsOf(draft)), topicArb(draft.kind, options.legalTopics ?? false)).map(([m, { topic, known }]) => {
      const text = m.text ?? serialize(m.value);
      const value = m.asString || !asBytes ? text : Buffer.from(text);
      return hostileMessage({ label: `${draft.kind}: ${m.label}`, topic, key, value, expect: known ? m.expect : 'reject' });
    }),
  );

/** Arbitrary bytes (mostly invalid UTF-8), arbitrary JSON and objects, arbitrary strings with lone surrogates, null values. */
export const noiseMessageArb = (options: HostileOptions = {}): fc.Arbitrary<HostileMessage> => {
  const value = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((v) => ({ label: 'random bytes', v: v as string | Uint8Array | null })),
    fc.jsonValue().map((j) => ({ label: 'random JSON', v: JSON.stringify(j) ?? 'null' })),
    fc.object({ maxDepth: 4 }).map((o) => ({ label: 'random object', v: JSON.stringify(o) })),
    fc.string({ unit: 'binary', maxLength: 300 }).map((s) => ({ label: 'random string', v: s })),
    fc.string({ unit: 'binary', maxLength: 60 }).map((s) => ({ label: 'random string in braces', v: `{"signal_id":${s}}` })),
    fc.constant({ label: 'null value', v: null }),
    fc.constant({ label: 'empty value', v: '' }),
  );
  return fc.tuple(value, fc.constantFrom(...EVENT_KINDS), keyArb).chain(([{ label, v }, kind, key]) =>
    topicArb(kind, options.legalTopics ?? false).map(({ topic }) => hostileMessage({ label, topic, key, value: v, expect: 'either' })),
  );
};

/** Valid, mutated and noise messages mixed (weights 4 : 5 : 1). */
export const anyMessageArb = (options: HostileOptions = {}): fc.Arbitrary<HostileMessage> =>
  fc.oneof({ arbitrary: validMessageArb(options), weight: 4 }, { arbitrary: mutatedMessageArb(options), weight: 5 }, { arbitrary: noiseMessageArb(options), weight: 1 });
