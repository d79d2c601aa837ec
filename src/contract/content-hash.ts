import { canonicalJson, canonicalJsonWithout, sha256Hex } from './canonical-json.ts';
import { normalizeDecimal } from './decimal.ts';
import type { SignalEvent } from './events.ts';
import { DEFAULT_TOPICS, type EventKind } from './schemas.ts';

// Event ids and content hashes: the id a producer did not give, and the hash that tells a redelivery (the
// same content) from a reused event_id (other content), over decimals as written.

/** The event id a producer did not give: derived from the event's default topic and the canonical JSON of the value. */
export function deriveEventId(kind: EventKind, value: unknown): string {
  return sha256Hex(`${DEFAULT_TOPICS[kind]}\n${canonicalJson(value)}`);
}

/** deriveEventId of a message's content, the message without its event_id, without first copying the message without it. */
export function deriveContentId(kind: EventKind, message: Record<string, unknown>): string {
  return sha256Hex(`${DEFAULT_TOPICS[kind]}\n${canonicalJsonWithout(message, 'event_id')}`);
}

/**
 * A signal's events_digest: the sha256 over the content hashes of its distinct events (as recorded), sorted and
 * one per line. Order-independent, so it is a pure function of the event set, as the record is.
 */
export function eventsDigest(contentHashes: readonly string[]): string {
  return sha256Hex([...contentHashes].sort().join('\n'));
}

/** A hash of everything that defines an event (not where it came from): equal events, equal hash. */
export function hashEvent(event: SignalEvent): string {
  return sha256Hex(canonicalJson(event));
}

/**
 * Content hashes of messages are written `x1:` and the first 61 hex digits (244 bits: the column holds
 * 64 characters) since decimals are hashed exactly; a hash of 64 hex digits was written before, over
 * doubles, and is compared with `legacyContentHash`.
 */
export const EXACT_HASH_PREFIX = 'x1:';

/** True when a recorded content hash says the message carries the same event: compared in the form it was written in. */
export function sameContent(recordedHash: string, m: { contentHash: string; legacyContentHash?: string }): boolean {
  return recordedHash.startsWith(EXACT_HASH_PREFIX) ? recordedHash === m.contentHash : recordedHash === (m.legacyContentHash ?? m.contentHash);
}

/**
 * True when a JSON number's text is what its double prints, decided from the text alone (the common
 * case, cheaper than printing the double): plain notation, no sign on zero, no leading zeros, no
 * trailing zeros after the point, at most 15 digits (every such decimal survives a double), and not
 * below 1e-6 (which JavaScript prints with an exponent).
 */
export function doubleWritesItBack(text: string): boolean {
  let i = text.charCodeAt(0) === 0x2d /* - */ ? 1 : 0;
  const first = text.charCodeAt(i);
  if (first === 0x30 /* 0 */ && i + 1 < text.length && text.charCodeAt(i + 1) !== 0x2e /* . */) return false;
  let digits = 0;
  let point = -1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x2e && point === -1) point = i;
    else return false;
  }
  if (digits === 0 || digits > 15 || text === '-0') return false;
  if (point !== -1 && (point === text.length - 1 || text.charCodeAt(text.length - 1) === 0x30)) return false;
  // 0.000000x and below print as 1e-7
  return !(first === 0x30 && point !== -1 && text.startsWith('000000', point + 1));
}

/**
 * The canonical JSON reads numbers as doubles, so 151.10 and 151.1, or 12345678901234567890 and
 * ...891, look alike there, while the record keeps each decimal as written. When a decimal given as a
 * JSON number is not the double's own decimal, the content hash is taken over the exact decimals
 * instead, so the two messages are told apart (a reused event_id is then a dead letter, not a silent
 * duplicate), and so is the derived event_id of a message without one; the id an earlier version
 * derived over doubles is kept beside it (legacyEventId), so that a replay of an event recorded then is
 * still a duplicate. Null when the doubles say it all (the common case: one string compare per decimal).
 */
export function exactContentHash(kind: EventKind, message: Record<string, unknown>, decimalNumbers: readonly string[], input: Record<string, unknown>, data: Record<string, unknown>): string | null {
  let exact: Record<string, unknown> | null = null;
  for (const f of decimalNumbers) {
    const text = input[f];
    // Stryker disable next-line EqualityOperator,StringLiteral: equivalent: skipping this shortcut leaves the check below, which says the same (doubleWritesItBack(text) implies String(Number(text)) === text, a property in parse-message.hostile.unit.test.ts)
    if (typeof text === 'string' && doubleWritesItBack(text)) continue;
    const double = String(message[f]);
    if (input[f] === double) continue;
    const asDouble = normalizeDecimal(double);
    if ('value' in asDouble && asDouble.value === data[f]) continue;
    exact ??= { ...message };
    exact[f] = data[f];
  }
  return exact === null ? null : deriveContentId(kind, exact);
}
