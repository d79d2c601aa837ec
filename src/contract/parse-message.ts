import type * as z from 'zod';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import type { EventSource, JsonObject, Problem, SignalEvent } from './events.ts';
import { LIMITS } from './limits.ts';
import { topLevelNumberSources } from './number-sources.ts';
import {
  DECIMAL_FIELDS,
  DEFAULT_TOPICS,
  EVENT_KINDS,
  type EventKind,
  SUPPORTED_SCHEMA_VERSIONS,
  WIRE_SCHEMAS,
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

function decodeText(value: Uint8Array | string | null | undefined): { text: string } | { error: string; raw: string | null } {
  if (value == null) return { error: 'empty message (null value)', raw: null };
  if (typeof value === 'string') return { text: value };
  try {
    return { text: utf8.decode(value) };
  } catch {
    return { error: 'value is not valid UTF-8', raw: `base64:${Buffer.from(value).toString('base64')}` };
  }
}

/** A JSON path such as $.checks["max size"] or $.metadata.legs[0] for a zod issue path. */
export function toJsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({ path: toJsonPath(issue.path), message: issue.message }));
}

/** The event id a producer did not give: derived from the event's default topic and the canonical JSON of the value. */
export function deriveEventId(kind: EventKind, value: unknown): string {
  return sha256Hex(`${DEFAULT_TOPICS[kind]}\n${canonicalJson(value)}`);
}

/** A hash of everything that defines an event (not where it came from): equal events, equal hash. */
export function hashEvent(event: SignalEvent): string {
  return sha256Hex(canonicalJson(event));
}

/**
 * The only place untrusted input meets the schemas: a raw message becomes a typed event or a list of
 * problems, each with a JSON path. Never throws for bad input.
 */
export function parseMessage(message: RawMessage, topics: TopicMap = DEFAULT_TOPICS): ParsedMessage {
  const key = message.key == null ? null : typeof message.key === 'string' ? message.key : Buffer.from(message.key).toString('utf8');
  const reject = (problems: Problem[], raw: string | null, ids: { eventId?: unknown; signalId?: unknown } = {}): RejectedMessage => ({
    ok: false,
    problems,
    raw,
    topic: message.topic,
    key,
    source: message.source,
    eventId: typeof ids.eventId === 'string' ? ids.eventId.slice(0, LIMITS.maxIdLength) : null,
    signalId: typeof ids.signalId === 'string' ? ids.signalId.slice(0, LIMITS.maxIdLength) : null,
  });

  const size = message.value == null ? 0 : typeof message.value === 'string' ? Buffer.byteLength(message.value) : message.value.byteLength;
  if (size > LIMITS.maxMessageBytes) {
    return reject([{ path: '$', message: `message of ${size} bytes is larger than the limit of ${LIMITS.maxMessageBytes}` }], null);
  }
  const decoded = decodeText(message.value);
  if ('error' in decoded) return reject([{ path: '$', message: decoded.error }], decoded.raw);
  const text = decoded.text;

  const kind = EVENT_KINDS.find((k) => topics[k] === message.topic);
  if (kind === undefined) {
    return reject([{ path: '$', message: `unknown topic ${JSON.stringify(message.topic)}; expected one of ${EVENT_KINDS.map((k) => topics[k]).join(', ')}` }], text);
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return reject([{ path: '$', message: `not JSON: ${(error as Error).message}` }], text);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return reject([{ path: '$', message: `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` }], text);
  }
  const obj = value as Record<string, unknown>;
  const ids = { eventId: obj.event_id, signalId: obj.signal_id };

  const version = obj.schema_version ?? 1;
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(version as 1)) {
    return reject(
      [{ path: '$.schema_version', message: `unknown schema_version ${JSON.stringify(version)}; this ledger reads ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}` }],
      text,
      ids,
    );
  }

  // Read decimals from their source text: JSON.parse would turn 151.10 into 151.1.
  let input: Record<string, unknown> = obj;
  const decimalNumbers = DECIMAL_FIELDS[kind].filter((f) => typeof obj[f] === 'number');
  if (decimalNumbers.length > 0) {
    const sources = topLevelNumberSources(text);
    input = { ...obj };
    for (const f of decimalNumbers) input[f] = sources.get(f) ?? obj[f];
  }

  const result = WIRE_SCHEMAS[kind].safeParse(input);
  if (!result.success) return reject(problemsOf(result.error), text, ids);

  // One canonical form serves both: the derived id when no event_id is given, and the content hash
  // that tells a redelivery (same content) from a reused event_id (other content).
  const { event_id: givenId, ...content } = obj;
  const contentHash = deriveEventId(kind, content);
  const eventId = typeof givenId === 'string' ? givenId : contentHash;
  const event = toEvent(kind, result.data, eventId);
  return { ok: true, event, payload: text, contentHash, source: message.source };
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
    default: {
      const never: never = kind as never;
      throw new Error(`unhandled event kind ${String(never)}`);
    }
  }
}
