import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonHazards, nestsDeeperThan } from '../../src/contract/json-hazards.ts';
import { LIMITS } from '../../src/contract/limits.ts';
import { DECIMAL_FIELDS, DEFAULT_TOPICS, EVENT_KINDS, type EventKind, WIRE_SCHEMAS } from '../../src/contract/schemas.ts';
import { topLevelValueSpans } from '../../src/contract/value-spans.ts';
import { parseWire, parseWireFast } from '../../src/contract/wire-fast-path.ts';
import { parseMessage } from '../../src/contract/index.ts';
import { type HostileMessage, mutatedMessageArb, validMessageArb } from '../helpers/hostile-messages.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

// parseWireFast (Ajv's compiled JSON Schemas, then the zod schemas' own refinements) decides most messages
// without zod. It must say what zod says: the same verdict, and when both accept, the same fields.

const KIND_OF_TOPIC = new Map<string, EventKind>(EVENT_KINDS.map((kind) => [DEFAULT_TOPICS[kind], kind]));

/**
 * The objects a message may give the validators: JSON.parse's object, and the same with each decimal given as a
 * number replaced by its source text (how parseMessage passes decimals; only this one must be accepted when the
 * message is valid, as doubles may lose its digits). Null for a message
 * that never reaches them: an unknown topic, not a JSON object, or refused by parseMessage's checks before them
 * (nesting, unstorable text, hostile numbers, an unsupported schema_version).
 */
function inputsOf(m: HostileMessage): { kind: EventKind; inputs: Record<string, unknown>[] } | null {
  const kind = KIND_OF_TOPIC.get(m.topic);
  if (kind === undefined || m.value === null) return null;
  const text = typeof m.value === 'string' ? m.value : Buffer.from(m.value).toString('utf8');
  if (nestsDeeperThan(text, LIMITS.maxJsonDepth)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const obj = parsed as Record<string, unknown>;
  if (findJsonHazards(obj, { checkText: true, decimals: DECIMAL_FIELDS[kind] }).length > 0 || (obj.schema_version ?? 1) !== 1) return null;
  const spans = topLevelValueSpans(text);
  const withSources = { ...obj };
  for (const field of DECIMAL_FIELDS[kind]) {
    const span = spans.get(field);
    if (typeof obj[field] === 'number' && span !== undefined) withSources[field] = text.slice(span.start, span.end);
  }
  return { kind, inputs: [obj, withSources] };
}

/** The schema's own fields of a parse result (zod also copies unknown keys, and may drop a "__proto__" one). */
function schemaFields(kind: EventKind, data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(WIRE_SCHEMAS[kind].shape).filter((f) => Object.hasOwn(data, f)).map((f) => [f, data[f]]));
}

/** Holds the law for one input, and says whether the fast path accepted it. */
function agreesWithZod(kind: EventKind, input: Record<string, unknown>): boolean {
  const before = JSON.stringify(input);
  const fast = parseWireFast(kind, input);
  const zod = WIRE_SCHEMAS[kind].safeParse(input);
  expect(JSON.stringify(input), 'the input is left as it was').toBe(before);
  expect(fast !== null, `verdict: zod says ${zod.success ? 'valid' : JSON.stringify(zod.error.issues)}`).toBe(zod.success);
  if (fast !== null && zod.success) expect(schemaFields(kind, fast)).toEqual(schemaFields(kind, zod.data as Record<string, unknown>));
  return fast !== null;
}

describe('parseWireFast: the same verdict and fields as zod', () => {
  it('accepts every valid message, with the fields zod gives (property)', () => {
    fc.assert(
      fc.property(validMessageArb({ legalTopics: true }), (m) => {
        const parsed = inputsOf(m);
        if (parsed === null) return;
        const [asParsed, withSources] = parsed.inputs as [Record<string, unknown>, Record<string, unknown>];
        agreesWithZod(parsed.kind, asParsed);
        expect(agreesWithZod(parsed.kind, withSources), m.label).toBe(true);
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('on mutated messages, accepts what zod accepts and refuses what zod refuses (property)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(mutatedMessageArb({ legalTopics: true }), (m) => {
        const parsed = inputsOf(m);
        if (parsed === null) return;
        for (const input of parsed.inputs) {
          if (agreesWithZod(parsed.kind, input)) accepted++;
          else refused++;
        }
      }),
      { numRuns: propertyRuns(2000) },
    );
    // the mutations reach both verdicts
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

describe('parseWireFast: rules a JSON Schema validator would read otherwise', () => {
  const base = { signal_id: 's-1', occurred_at: '2026-01-05T10:00:00Z', order_id: 'o-1', price: '10', quantity: '1' };

  it('counts a string length in code points, as zod does: a surrogate pair is one, a lone surrogate one', () => {
    // 128 astral characters are 256 UTF-16 code units, and at the limit of 128
    expect(agreesWithZod('filled', { ...base, order_id: '😀'.repeat(128) })).toBe(true);
    expect(agreesWithZod('filled', { ...base, order_id: '😀'.repeat(129) })).toBe(false);
    expect(agreesWithZod('filled', { ...base, order_id: `${'😀'.repeat(127)}\ud800` })).toBe(true);
    expect(agreesWithZod('filled', { ...base, order_id: `${'😀'.repeat(127)}\ud800\udfff\udfff` })).toBe(false);
    expect(agreesWithZod('filled', { ...base, order_id: '' })).toBe(false);
    expect(agreesWithZod('filled', { ...base, order_id: '\udfff' })).toBe(true);
  });

  it('runs the refinements of decimals, timestamps and metadata, and the risk check over the whole object', () => {
    expect(agreesWithZod('filled', { ...base, price: '0' })).toBe(false);
    expect(agreesWithZod('filled', { ...base, price: '1.0000000000001' })).toBe(false);
    expect(agreesWithZod('filled', { ...base, occurred_at: '2026-02-30T10:00:00Z' })).toBe(false);
    expect(agreesWithZod('filled', { ...base, metadata: { note: 'x'.repeat(16_384) } })).toBe(false);
    const risk = { signal_id: 's-1', occurred_at: '2026-01-05T10:00:00Z', passed: false };
    expect(agreesWithZod('risk', { ...risk, rejection_reason: ' \t' })).toBe(false);
    expect(agreesWithZod('risk', { ...risk, rejection_reason: 'limit' })).toBe(true);
  });

  it('gives the stored forms: decimals canonical, timestamps in UTC with microseconds, nulls kept', () => {
    expect(parseWireFast('filled', { ...base, price: '010.50', occurred_at: '2026-01-05T11:00:00+01:00', fee: null })).toMatchObject({
      price: '10.50',
      occurred_at: '2026-01-05T10:00:00.000000Z',
      fee: null,
    });
  });

  it('leaves the problems of a refused message to zod: parseWire gives its error', () => {
    const r = parseWire('filled', { ...base, price: '-1' });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => [i.path, i.message])).toEqual([[['price'], 'must be greater than 0 (got -1)']]);
  });

  it('gives parseMessage the same event for a message the fast path takes', () => {
    const value = JSON.stringify({ ...base, price: 101.1, quantity: '2', fee: 0.5 });
    const m = parseMessage({ topic: 'orders.filled', value, source: { type: 'kafka', topic: 'orders.filled', partition: 0, offset: '0', key: null } });
    expect(m.ok && m.event).toMatchObject({ kind: 'filled', price: '101.1', quantity: '2', fee: '0.5', occurredAt: '2026-01-05T10:00:00.000000Z' });
  });
});
