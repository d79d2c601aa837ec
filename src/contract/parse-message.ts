import type * as z from 'zod';
import { deriveContentId, EXACT_HASH_PREFIX, exactContentHash } from './content-hash.ts';
import type { EventSource, JsonObject, Problem, SignalEvent } from './events.ts';
import { LIMITS } from './limits.ts';
import { findJsonHazards, nestsDeeperThan, quote, toJsonPath } from './json-hazards.ts';
import { keyText, storableProblems, storableRaw, storableText } from './storable.ts';
import { normalizeTimestamp, type NaiveTimestampRule } from './timestamp.ts';
import { topLevelValueSpans } from './value-spans.ts';
import { parseWire } from './wire-fast-path.ts';
import {
  DECIMAL_FIELD_SETS,
  DECIMAL_FIELDS,
  DEFAULT_TOPICS,
  EVENT_KINDS,
  type EventKind,
  SUPPORTED_SCHEMA_VERSIONS,
  type OrderFilledWire,
  type OrderSubmittedWire,
  type RiskDecisionWire,
  type SignalGeneratedWire,
  type SignalOutcomeWire,
} from './schemas.ts';

/** A message as it arrives: from Kafka, a file line or a test. */
export interface RawMessage {
  topic: string;
  value: Uint8Array | string | null;
  key?: Uint8Array | string | null;
  source: EventSource;
}

/** A valid event with its raw value text (kept verbatim in the audit trail) and its content hash. */
export interface AcceptedMessage {
  ok: true;
  event: SignalEvent;
  payload: string;
  contentHash: string;
  /** the hash over doubles that events recorded before decimals were hashed exactly carry (see sameContent) */
  legacyContentHash?: string;
  /** the event_id an earlier version derived for this message, over doubles, when it differs: a replay of it is a duplicate */
  legacyEventId?: string;
  source: EventSource;
}

/** A message that breaks the contract: it becomes a dead letter and never touches a signal. */
export interface RejectedMessage {
  ok: false;
  problems: Problem[];
  raw: string | null;
  topic: string;
  key: string | null;
  source: EventSource;
  eventId: string | null;
  signalId: string | null;
}

export type ParsedMessage = AcceptedMessage | RejectedMessage;

/** Maps topic names (defaults, or configured ones) to event kinds. */
export type TopicMap = Readonly<Record<EventKind, string>>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How parseMessage reads messages: the topic of each event kind, and the rule for offset-less timestamps. */
export interface ParseOptions {
  /** default the contract's topic names */
  topics?: TopicMap;
  /** offset-less timestamps: a dead letter (default) or read as UTC (NAIVE_TIMESTAMPS=utc) */
  naiveTimestamps?: NaiveTimestampRule;
}

/** Values longer than this are scanned for their nesting depth before JSON.parse reads them. */
const SCAN_DEPTH_ABOVE_CHARS = 4096;
/** `\u0000` or a surrogate escape in JSON text: only then can a parsed string hold NUL or a lone surrogate. */
const RISKY_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

function decodeText(value: Uint8Array | string | null | undefined): { text: string } | { error: string; raw: string | null } {
  if (value == null) return { error: 'empty message (null value)', raw: null };
  if (typeof value === 'string') return { text: value };
  try {
    return { text: utf8.decode(value) };
  } catch {
    return { error: 'value is not valid UTF-8', raw: `base64:${Buffer.from(value).toString('base64')}` };
  }
}

/** How an unknown schema_version is quoted: at most 20 characters of it, and its length when it is cut. */
function shownVersion(version: unknown): string {
  if (typeof version === 'string') return quote(version, 20);
  if (typeof version === 'number') return String(version);
  const json = JSON.stringify(version);
  return json.length <= 20 ? json : `${json.slice(0, 20)}… (${json.length} characters)`;
}

/** The message of a field that is not there at all: zod's own says what type it expected and that it "received undefined". */
const MISSING_FIELD = 'required, but missing';

/**
 * The problems of a message the schema refused: each issue's path and message; MISSING_FIELD for zod's own
 * issues on a field that is absent (the contract's own checks, code custom, say why the field is needed).
 */
function problemsOf(error: z.ZodError, input: Record<string, unknown>): Problem[] {
  return error.issues.map((issue) => ({
    path: toJsonPath(issue.path),
    message: issue.code !== 'custom' && isMissing(input, issue.path) ? MISSING_FIELD : issue.message,
  }));
}

/** Whether an issue is about a field the message does not have (the contract's fields are all top-level). */
function isMissing(input: Record<string, unknown>, path: readonly PropertyKey[]): boolean {
  // Stryker disable next-line ConditionalExpression: equivalent: zod reports no issue at the root of an object (path []), and a deeper path starts at a field that is there
  return path.length === 1 && !Object.hasOwn(input, path[0] as PropertyKey);
}

/** The timestamp fields of each event kind, which NAIVE_TIMESTAMPS=utc may read without an offset. */
const TIMESTAMP_FIELDS: Readonly<Record<EventKind, readonly string[]>> = {
  generated: ['occurred_at', 'expires_at'],
  risk: ['occurred_at'],
  submitted: ['occurred_at'],
  filled: ['occurred_at'],
  outcome: ['occurred_at'],
};

/**
 * The only place untrusted input meets the schemas: a raw message becomes a typed event or a list of
 * problems, each with a JSON path. Never throws for bad input, and bounded in time and memory for any
 * input: size, nesting depth, text the databases cannot store and hostile numbers are refused first.
 */
export function parseMessage(message: RawMessage, options: ParseOptions = {}): ParsedMessage {
  const topics = options.topics ?? DEFAULT_TOPICS;
  const key = keyText(message.key);
  const reject = (problems: Problem[], raw: string | null, ids: { eventId?: unknown; signalId?: unknown } = {}): RejectedMessage => ({
    ok: false,
    problems: storableProblems(problems),
    raw,
    topic: storableText(message.topic, 255),
    key,
    source: message.source,
    eventId: typeof ids.eventId === 'string' ? storableText(ids.eventId, LIMITS.maxIdLength) : null,
    signalId: typeof ids.signalId === 'string' ? storableText(ids.signalId, LIMITS.maxIdLength) : null,
  });

  const size = message.value == null ? 0 : typeof message.value === 'string' ? Buffer.byteLength(message.value) : message.value.byteLength;
  if (size > LIMITS.maxMessageBytes) {
    return reject([{ path: '$', message: `message of ${size} bytes is larger than the limit of ${LIMITS.maxMessageBytes}` }], null);
  }
  const decoded = decodeText(message.value);
  if ('error' in decoded) return reject([{ path: '$', message: decoded.error }], decoded.raw);
  const text = decoded.text;
  const bytes = typeof message.value === 'string' ? undefined : (message.value ?? undefined);
  const raw = () => storableRaw(text, bytes);

  const kind = EVENT_KINDS.find((k) => topics[k] === message.topic);
  if (kind === undefined) {
    return reject([{ path: '$', message: `unknown topic ${quote(message.topic)}; expected one of ${EVENT_KINDS.map((k) => topics[k]).join(', ')}` }], raw());
  }
  if (text.length > SCAN_DEPTH_ABOVE_CHARS && nestsDeeperThan(text, LIMITS.maxJsonDepth)) {
    return reject([{ path: '$', message: `nested deeper than ${LIMITS.maxJsonDepth} levels` }], raw());
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return reject([{ path: '$', message: `not JSON: ${(error as Error).message}` }], raw());
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return reject([{ path: '$', message: `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` }], raw());
  }
  const obj = value as Record<string, unknown>;
  const ids = { eventId: obj.event_id, signalId: obj.signal_id };
  // Text decoded strictly from bytes holds no lone surrogate, and JSON cannot hold a raw NUL in a
  // string: then only an escape can make a parsed string unstorable, and the text check runs only then.
  const checkText = (text.includes('\\u') && RISKY_ESCAPE.test(text)) || (typeof message.value === 'string' && !text.isWellFormed());
  const hazards = findJsonHazards(obj, { checkText, decimals: DECIMAL_FIELDS[kind] });
  if (hazards.length > 0) return reject(hazards, raw(), ids);

  const version = obj.schema_version ?? 1;
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(version as 1)) {
    return reject(
      [{ path: '$.schema_version', message: `unknown schema_version ${shownVersion(version)}; this ledger reads ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}` }],
      raw(),
      ids,
    );
  }

  // Read decimals from their source text: JSON.parse would turn 151.10 into 151.1.
  let input: Record<string, unknown> = obj;
  const decimalNumbers = DECIMAL_FIELDS[kind].filter((f) => typeof obj[f] === 'number');
  if (decimalNumbers.length > 0) {
    const spans = topLevelValueSpans(text, DECIMAL_FIELD_SETS[kind]);
    input = { ...obj };
    for (const f of decimalNumbers) {
      const span = spans.get(f);
      input[f] = span === undefined ? obj[f] : text.slice(span.start, span.end);
    }
  }
  if (options.naiveTimestamps === 'utc') {
    for (const f of TIMESTAMP_FIELDS[kind]) {
      const t = input[f];
      if (typeof t !== 'string') continue;
      // Stryker disable next-line StringLiteral: equivalent: normalizeTimestamp refuses an offset-less timestamp only for the rule 'reject', so any other text reads it as UTC
      const utc = normalizeTimestamp(t, 'utc');
      if ('value' in utc && utc.value !== t) {
        if (input === obj) input = { ...obj };
        input[f] = utc.value;
      }
    }
  }

  const result = parseWire(kind, input);
  if (!result.success) return reject(problemsOf(result.error, input), raw(), ids);

  // One canonical form serves both: the derived id when no event_id is given, and the content hash
  // that tells a redelivery (same content) from a reused event_id (other content).
  const givenId = obj.event_id;
  const overDoubles = deriveContentId(kind, obj);
  const exact = exactContentHash(kind, obj, decimalNumbers, input, result.data);
  const derived = exact ?? overDoubles;
  const eventId = typeof givenId === 'string' ? givenId : derived;
  const event = toEvent(kind, result.data as WireOf[typeof kind], eventId);
  const accepted: AcceptedMessage = {
    ok: true,
    event,
    payload: text,
    contentHash: `${EXACT_HASH_PREFIX}${derived.slice(0, 61)}`,
    legacyContentHash: overDoubles,
    source: message.source,
  };
  if (typeof givenId !== 'string' && exact !== null) accepted.legacyEventId = overDoubles;
  return accepted;
}

type WireOf = {
  generated: SignalGeneratedWire;
  risk: RiskDecisionWire;
  submitted: OrderSubmittedWire;
  filled: OrderFilledWire;
  outcome: SignalOutcomeWire;
};

function toEvent<K extends EventKind>(kind: K, data: WireOf[K], eventId: string): SignalEvent {
  const base = {
    eventId,
    signalId: data.signal_id,
    occurredAt: data.occurred_at,
    schemaVersion: data.schema_version ?? 1,
    metadata: (data.metadata ?? null) as JsonObject | null,
    origin: 'wire' as const,
    recordFields: null,
  };
  switch (kind) {
    case 'generated': {
      const d = data as SignalGeneratedWire;
      return {
        ...base,
        kind: 'generated',
        details: {
          strategyName: d.strategy_name,
          symbol: d.symbol,
          side: d.side,
          confidence: d.confidence,
          sharpeEstimate: d.sharpe_estimate,
          entryPrice: d.entry_price,
          stopLoss: d.stop_loss ?? null,
          takeProfit: d.take_profit ?? null,
          signalType: d.signal_type ?? 'entry',
          qualityScore: d.quality_score ?? null,
          requestedQuantity: d.requested_quantity ?? null,
          positionValue: d.position_value ?? null,
          targetPrice: d.target_price ?? null,
          expiresAt: d.expires_at ?? null,
        },
      };
    }
    case 'risk': {
      const d = data as RiskDecisionWire;
      return {
        ...base,
        kind: 'risk',
        passed: d.passed,
        checks: (d.checks ?? null) as JsonObject | null,
        rejectionReason: d.rejection_reason ?? null,
      };
    }
    case 'submitted': {
      const d = data as OrderSubmittedWire;
      return { ...base, kind: 'submitted', orderId: d.order_id, quantity: d.quantity ?? null, limitPrice: d.limit_price ?? null, broker: d.broker ?? null };
    }
    case 'filled': {
      const d = data as OrderFilledWire;
      return {
        ...base,
        kind: 'filled',
        orderId: d.order_id,
        fillId: d.fill_id ?? null,
        price: d.price,
        quantity: d.quantity,
        leavesQuantity: d.leaves_quantity ?? null,
        fee: d.fee ?? null,
        completes: null,
      };
    }
    case 'outcome': {
      const d = data as SignalOutcomeWire;
      return { ...base, kind: 'outcome', outcome: d.outcome, reason: d.reason ?? null, orderId: d.order_id ?? null };
    }
    // Stryker disable next-line all: unreachable: kind is always one of EVENT_KINDS, each a case above (the compiler proves it with never)
    default: {
      const never: never = kind as never;
      // Stryker disable next-line all: unreachable, as above
      throw new Error(`unhandled event kind ${String(never)}`);
    }
  }
}
