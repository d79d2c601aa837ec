import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MUTATION_TESTING, propertyRuns } from '../helpers/property-runs.ts';
import { canonicalJson, DEFAULT_TOPICS, keyText, LIMITS, parseMessage, type ParsedMessage, type RawMessage } from '../../src/contract/index.ts';
import {
  anyMessageArb,
  costlyMessages,
  eventDecimal,
  type HostileMessage,
  isStorableText,
  mutatedMessageArb,
  noiseMessageArb,
  prototypeKeysDraftArb,
  rawJson,
  serialize,
  validDraftArbs,
  validMessageArb,
} from '../helpers/hostile-messages.ts';

const MAX_PROBLEM_MESSAGE = 2_000;
/**
 * No message may stall a parse: the fastest of three parses of one message stays under 1 s plus 1 s per MiB.
 * This is a liveness bound, twenty times the speed targets that `npm run bench:hostile` holds (50 ms plus
 * 250 ms per MiB; 15 times JSON.parse): what it catches is a parse that hangs (a catastrophic pattern,
 * big-number arithmetic on an exponent), never a busy machine. Under mutation testing the code is instrumented
 * (a check before every expression, several times slower) and both cores are busy: there the bound is five times wider.
 */
const stallBoundMs = (bytes: number) => (MUTATION_TESTING ? 5 : 1) * (1_000 + (1_000 * bytes) / (1024 * 1024));

const rawOf = (m: HostileMessage, offset = 0): RawMessage => {
  const key = keyText(m.key);
  return { topic: m.topic, key, value: m.value, source: { type: 'kafka', topic: m.topic, partition: 0, offset: String(offset), key } };
};
const sizeOf = (value: RawMessage['value']) => (value === null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength);

/** Parses a message and checks what holds for every message: no throw, no stall, and a rejection's parts storable. */
function parseChecked(m: HostileMessage): ParsedMessage {
  const raw = rawOf(m);
  const bound = stallBoundMs(sizeOf(m.value));
  let fastest = Number.POSITIVE_INFINITY;
  let result: ParsedMessage | undefined;
  for (let i = 0; i < 3 && fastest > bound; i++) {
    const t0 = performance.now();
    result = parseMessage(raw);
    fastest = Math.min(fastest, performance.now() - t0);
  }
  expect(fastest, `parse of ${m.label} (fastest of 3, ms)`).toBeLessThan(bound);
  if (result === undefined) throw new Error('unreachable: parsed at least once');
  if (result.ok) {
    expect(result.payload).toBe(typeof m.value === 'string' ? m.value : Buffer.from(m.value as Uint8Array).toString('utf8'));
    return result;
  }
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(p.path.startsWith('$'), `path ${p.path}`).toBe(true);
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
    expect(p.message.length).toBeLessThan(MAX_PROBLEM_MESSAGE);
    // problems are stored as jsonb: PostgreSQL refuses \u0000 and lone surrogates there
    expect(isStorableText(p.path), `problem path ${JSON.stringify(p.path)} is storable`).toBe(true);
    expect(isStorableText(p.message), `problem message ${JSON.stringify(p.message)} is storable`).toBe(true);
  }
  for (const [name, text] of Object.entries({ raw: result.raw, topic: result.topic, key: result.key, eventId: result.eventId, signalId: result.signalId })) {
    if (text !== null) expect(isStorableText(text), `${name} ${JSON.stringify(text.slice(0, 200))} is storable`).toBe(true);
  }
  const size = sizeOf(m.value);
  if (result.raw === null) expect(m.value === null || size > LIMITS.maxMessageBytes, 'raw is kept unless the value is null or too large').toBe(true);
  else expect(result.raw.length).toBeLessThanOrEqual(Math.ceil(size * 1.4) + 16);
  expect(result.eventId === null || result.eventId.length <= LIMITS.maxIdLength).toBe(true);
  expect(result.signalId === null || result.signalId.length <= LIMITS.maxIdLength).toBe(true);
  return result;
}

/** Checks parseMessage's answer against what the generator expects. */
function expectOutcome(m: HostileMessage, parsed: ParsedMessage): void {
  if (m.expect === 'accept') expect(parsed.ok ? 'accepted' : `rejected: ${JSON.stringify(parsed.problems).slice(0, 500)}`).toBe('accepted');
  if (m.expect === 'reject') expect(parsed.ok ? 'accepted' : 'rejected').toBe('rejected');
}

describe('parseMessage against hostile input', () => {
  it('never throws, stays within its time budget, and gives every rejection storable parts and bounded problems', () => {
    fc.assert(
      fc.property(anyMessageArb(), (m) => {
        expectOutcome(m, parseChecked(m));
      }),
      { numRuns: propertyRuns(400) },
    );
  });

  it('refuses every mutated event (missing fields, swapped types, huge numbers, deep nesting, NUL, lone surrogates, long strings, bad timestamps), and accepts the ones at the limits', () => {
    fc.assert(
      fc.property(mutatedMessageArb(), (m) => {
        expectOutcome(m, parseChecked(m));
      }),
      { numRuns: propertyRuns(400) },
    );
  });

  it('makes arbitrary bytes, JSON and strings rejections with storable parts, never a throw', () => {
    fc.assert(
      fc.property(noiseMessageArb(), (m) => {
        parseChecked(m);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('accepts a valid event of each kind and keeps each decimal as its text was written', () => {
    fc.assert(
      fc.property(validMessageArb({ legalTopics: true }), (m) => {
        const parsed = parseChecked(m);
        expectOutcome(m, parsed);
        if (!parsed.ok || m.draft === undefined) return;
        expect(parsed.event.kind).toBe(m.draft.kind);
        for (const [field, text] of Object.entries(m.draft.decimals)) expect(eventDecimal(parsed.event, field), field).toBe(text);
      }),
      { numRuns: propertyRuns(200) },
    );
  });

  it('keeps metadata and risk checks as written, whatever their keys (__proto__, constructor, ...)', () => {
    fc.assert(
      fc.property(prototypeKeysDraftArb, (draft) => {
        const text = serialize(draft.value);
        const parsed = parseMessage({ topic: DEFAULT_TOPICS[draft.kind], value: text, source: { type: 'api' } });
        if (!parsed.ok) throw new Error(`rejected: ${JSON.stringify(parsed.problems)}`);
        const written = JSON.parse(text) as Record<string, unknown>;
        const field = draft.kind === 'risk' ? 'checks' : 'metadata';
        const kept = field === 'checks' ? (parsed.event as { checks: unknown }).checks : parsed.event.metadata;
        expect(canonicalJson(kept)).toBe(canonicalJson(written[field]));
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it('gives two fills whose prices differ different event ids and content hashes, however many digits they have', () => {
    const fillArb = validDraftArbs.filled.filter((d) => typeof d.value.price === 'object');
    fc.assert(
      fc.property(fillArb, fc.constantFrom('1', '3', '7'), (draft, digit) => {
        const { event_id: _given, ...value } = draft.value;
        const price = draft.decimals.price as string;
        // another last digit: a different price with as many digits
        const other = `${price.slice(0, -1)}${price.endsWith(digit) ? '9' : digit}`;
        const a = parseMessage({ topic: 'orders.filled', value: serialize(value), source: { type: 'api' } });
        const b = parseMessage({ topic: 'orders.filled', value: serialize({ ...value, price: rawJson(other) }), source: { type: 'api' } });
        if (!a.ok || !b.ok) throw new Error('expected two valid fills');
        expect(a.ok && a.event.kind === 'filled' && a.event.price).toBe(price);
        expect(b.ok && b.event.kind === 'filled' && b.event.price).toBe(other);
        expect(b.event.eventId, `derived event id of price ${other} vs ${price}`).not.toBe(a.event.eventId);
        expect(b.contentHash).not.toBe(a.contentHash);
      }),
      { numRuns: propertyRuns(200) },
    );
  });

  it('reads an offset-less timestamp as UTC only when asked to, as the same instant written with Z', () => {
    const instant = fc.oneof(fc.constantFrom(0, Date.UTC(9999, 11, 31, 23, 59, 59)), fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59) }));
    fc.assert(
      fc.property(validDraftArbs.filled, instant, fc.stringMatching(/^(\.\d{1,9})?$/), (draft, ms, fraction) => {
        const naive = `${new Date(ms).toISOString().slice(0, 19)}${fraction}`;
        const parse = (occurredAt: string, naiveTimestamps?: 'utc') =>
          parseMessage({ topic: 'orders.filled', value: serialize({ ...draft.value, occurred_at: occurredAt }), source: { type: 'api' } }, { naiveTimestamps });
        const asUtc = parse(naive, 'utc');
        const withZ = parse(`${naive}Z`);
        if (!asUtc.ok || !withZ.ok) throw new Error(`expected both accepted: ${JSON.stringify([asUtc, withZ].map((r) => !r.ok && r.problems))}`);
        expect(asUtc.event.occurredAt).toBe(withZ.event.occurredAt);
        const refused = parse(naive);
        expect(!refused.ok && refused.problems.map((p) => `${p.path} ${p.message}`).join('; ')).toMatch(/\$\.occurred_at .*NAIVE_TIMESTAMPS=utc/);
      }),
      { numRuns: propertyRuns(200) },
    );
    for (const outside of ['1969-12-31T23:59:59', '10000-01-01T00:00:00', '2026-02-30T10:00:00', '2026-01-05T24:00:00']) {
      const r = parseMessage({ topic: 'signals.outcome', value: JSON.stringify({ signal_id: 's', occurred_at: outside, outcome: 'missed' }), source: { type: 'api' } }, { naiveTimestamps: 'utc' });
      expect(r.ok, outside).toBe(false);
    }
  });

  it.each([
    ['bytes with NUL before the error', Buffer.from('x\u0000')],
    ['bytes with NUL inside an object', Buffer.from('{"signal_id":x\u0000}')],
    ['a string with a lone surrogate', '\ud800x'],
    ['a string with a lone surrogate as a value', '{"signal_id":\udc00}'],
  ])('a message that is not JSON, %s, gets problems that PostgreSQL can store', (_name, value) => {
    const parsed = parseMessage({ topic: 'signals.generated', value, source: { type: 'api' } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems[0]?.message).toMatch(/^not JSON/);
    for (const p of parsed.problems) expect(isStorableText(p.message), JSON.stringify(p.message)).toBe(true);
  });
});

describe('parseMessage on messages built to be costly (their speed against JSON.parse: npm run bench:hostile)', () => {
  it.each(costlyMessages())('%s is decided without a stall: a dead letter whose parts are storable, or an event', (name, topic, text) => {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(LIMITS.maxMessageBytes);
    parseChecked({ label: name, topic, key: null, value: Buffer.from(text), expect: 'either' });
  });
});
