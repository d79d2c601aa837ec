// A recorded event read back: the payload of an audit row parsed again with the current contract, for the
// queries that refold a signal from its audit trail (history, as-of).
import { hashEvent } from './content-hash.ts';
import type { SignalEvent } from './events.ts';
import { findJsonHazards } from './json-hazards.ts';
import { LIMITS } from './limits.ts';
import { parseMessage } from './parse-message.ts';
import type { Problem } from './problem.ts';
import { DEFAULT_TOPICS, EVENT_KINDS, type EventKind } from './schemas.ts';
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
 * An event a repository call made, from its JSON (an audit payload, or a line of an export marked "origin":
 * "api"): its envelope checked (a kind, origin "api", ids and a normalized time) and nothing the databases
 * cannot store alike; the rest is as the repository wrote it.
 */
export function parseApiEvent(text: string): StoredEventParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: '$', message: `not JSON: ${(error as Error).message}` }] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problems: [{ path: '$', message: "a repository call's event is a JSON object" }] };
  const e = value as Record<string, unknown>;
  const problems: Problem[] = [];
  if (!EVENT_KINDS.includes(e.kind as EventKind)) problems.push({ path: '$.kind', message: `one of ${EVENT_KINDS.join(', ')}` });
  if (e.origin !== 'api') problems.push({ path: '$.origin', message: '"api"' });
  for (const id of ['eventId', 'signalId'] as const) {
    const v = e[id];
    if (typeof v !== 'string' || v === '' || v.length > LIMITS.maxIdLength) problems.push({ path: `$.${id}`, message: `a string of 1 to ${LIMITS.maxIdLength} characters` });
  }
  const at = typeof e.occurredAt === 'string' ? normalizeTimestamp(e.occurredAt) : null;
  if (at === null || !('value' in at) || at.value !== e.occurredAt) problems.push({ path: '$.occurredAt', message: 'a normalized UTC timestamp with microseconds' });
  problems.push(...findJsonHazards(value, { checkText: true, checkTypes: true }));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, event: value as SignalEvent, contentHash: hashEvent(value as SignalEvent) };
}
