// A recorded event read back: the payload of an audit row parsed again with the current contract, for the
// queries that refold a signal from its audit trail (history, as-of).
import { z } from 'zod';
import { hashEvent } from './content-hash.ts';
import { normalizeDecimal } from './decimal.ts';
import type { SignalEvent } from './events.ts';
import { findJsonHazards, toJsonPath } from './json-hazards.ts';
import { LIMITS } from './limits.ts';
import { parseMessage } from './parse-message.ts';
import type { Problem } from './problem.ts';
import { brokenDecimalRule, DEFAULT_TOPICS, type DecimalRule, EVENT_KINDS, type EventKind, Outcome, Side } from './schemas.ts';
import { normalizeTimestamp } from './timestamp.ts';

/** What an audit row keeps of an event: its id, kind and source (`api` for the repository's calls) and its payload. */
export interface StoredEventRow {
  eventId: string;
  kind: string;
  source: string;
  payload: string;
}

/** A stored event parsed again: the event, and the content hash its payload gives now (compare with the row's through sameContent). */
export type StoredEventParse = { ok: true; event: SignalEvent; contentHash: string; legacyContentHash?: string } | { ok: false; problems: Problem[] };

/**
 * The event an audit row recorded. A message's payload (the value as received) is parsed as a message of its
 * kind's default topic, with offset-less timestamps read as UTC (only a ledger set to accept them recorded
 * any); a repository call's payload is the event itself, as JSON. The event keeps the row's event_id, which
 * is the id the ledger folded with (an earlier version derived ids of messages without one differently).
 */
export function parseStoredEvent(row: StoredEventRow): StoredEventParse {
  const kind = EVENT_KINDS.find((k) => k === row.kind);
  if (kind === undefined) return { ok: false, problems: [{ path: '$', message: `unknown event kind ${JSON.stringify(row.kind)}` }] };
  const parsed = row.source === 'api' ? parseApiPayload(kind, row.payload) : parseWirePayload(kind, row.payload);
  return parsed.ok ? { ...parsed, event: { ...parsed.event, eventId: row.eventId } } : parsed;
}

function parseWirePayload(kind: EventKind, payload: string): StoredEventParse {
  const m = parseMessage({ topic: DEFAULT_TOPICS[kind], value: payload, source: { type: 'api' } }, { naiveTimestamps: 'utc' });
  if (!m.ok) return { ok: false, problems: m.problems };
  return { ok: true, event: m.event, contentHash: m.contentHash, legacyContentHash: m.legacyContentHash };
}

function parseApiPayload(kind: EventKind, payload: string): StoredEventParse {
  const parsed = parseApiEvent(payload);
  if (parsed.ok && parsed.event.kind !== kind) return { ok: false, problems: [{ path: '$.kind', message: `the payload is a ${parsed.event.kind} event, its row a ${kind} one` }] };
  return parsed;
}

/**
 * A decimal as the ledger keeps it: canonical text within the contract's limits, held to its field's rule as
 * the repository's arguments are (prices and quantities > 0, a confidence in 0..1), so that an import line
 * cannot give the fold what no repository call could.
 */
const decimal = (rule: DecimalRule = 'any') =>
  z.string().check((ctx) => {
    const n = normalizeDecimal(ctx.value);
    const broken = !('value' in n) || n.value !== ctx.value ? 'a canonical decimal string' : brokenDecimalRule(ctx.value, rule);
    // Stryker disable next-line StringLiteral: equivalent: the issue code is not observable, parseApiEvent keeps only each issue's path and message
    if (broken !== null) ctx.issues.push({ code: 'custom', message: broken, input: ctx.value });
  });
const timestamp = z.string().refine((v) => {
  const t = normalizeTimestamp(v);
  return 'value' in t && t.value === v;
}, 'a normalized UTC timestamp with microseconds');
const text = (max: number) => z.string().max(max);
const json = z.record(z.string(), z.unknown());
const id = z.string().min(1).max(LIMITS.maxIdLength);

/** The events the repository makes (src/api/signal-repository.ts), field by field: what an "origin": "api" line may hold. */
const API_EVENT = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('generated'),
    details: z.strictObject({
      strategyName: id,
      symbol: text(64).min(1),
      side: z.enum(Object.values(Side)),
      confidence: decimal('unitInterval'),
      sharpeEstimate: decimal(),
      entryPrice: decimal('positive'),
      stopLoss: decimal('positive').nullable(),
      takeProfit: decimal('positive').nullable(),
      signalType: text(64).min(1),
      qualityScore: decimal().nullable(),
      requestedQuantity: decimal('positive').nullable(),
      positionValue: decimal().nullable(),
      targetPrice: decimal('positive').nullable(),
      expiresAt: timestamp.nullable(),
    }),
  }),
  z.object({ kind: z.literal('risk'), passed: z.boolean(), checks: json.nullable(), rejectionReason: z.string().nullable() }),
  z.object({ kind: z.literal('submitted'), orderId: text(128).nullable(), quantity: decimal('positive').nullable(), limitPrice: decimal('positive').nullable(), broker: z.string().nullable() }),
  z.object({
    kind: z.literal('filled'),
    orderId: text(128).nullable(),
    fillId: text(128).nullable(),
    price: decimal('positive').nullable(),
    quantity: decimal('positive').nullable(),
    leavesQuantity: decimal('nonNegative').nullable(),
    fee: decimal().nullable(),
    completes: z.boolean().nullable(),
  }),
  z.object({ kind: z.literal('outcome'), outcome: z.enum(Object.values(Outcome)), reason: z.string().nullable(), orderId: text(128).nullable() }),
]);
const API_ENVELOPE = z.object({
  eventId: id,
  signalId: id,
  occurredAt: timestamp,
  schemaVersion: z.literal(1),
  metadata: json.nullable(),
  origin: z.literal('api'),
  recordFields: z
    .strictObject({
      signalType: text(64).optional(),
      requestedQuantity: decimal('positive').optional(),
      positionValue: decimal().optional(),
      targetPrice: decimal('positive').optional(),
      qualityScore: decimal().optional(),
      signalMetadata: json.optional(),
    })
    .nullable(),
});

/**
 * An event a repository call made, from its JSON (an audit payload, or a line of an export marked "origin":
 * "api"): every field checked as the repository writes it (kind, ids, a normalized time, canonical decimals held
 * to the rules its arguments are held to), and nothing the databases cannot store alike, so both databases take
 * it or neither does, and the fold gets nothing a repository call could not give it.
 */
export function parseApiEvent(text: string): StoredEventParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: '$', message: `not JSON: ${(error as Error).message}` }] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problems: [{ path: '$', message: "a repository call's event is a JSON object" }] };
  const problems: Problem[] = findJsonHazards(value, { checkText: true, checkTypes: true });
  for (const schema of [API_ENVELOPE, API_EVENT]) {
    const r = schema.safeParse(value);
    if (!r.success) problems.push(...r.error.issues.map((i) => ({ path: toJsonPath(i.path), message: i.message })));
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, event: value as SignalEvent, contentHash: hashEvent(value as SignalEvent) };
}
