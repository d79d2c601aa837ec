import { createHash } from 'node:crypto';
import { canonicalJson, type ParsedMessage, parseMessage, type ParseOptions } from '../../src/contract/index.ts';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { findSignals } from '../../src/api/index.ts';
import { type EventLine, generateEvents, type GenerateOptions, createRandom } from '../../src/simulate/generate-events.ts';
import { acceptedEventsBySignal, plainFold } from '../oracle/plain-fold.ts';

/** Generated event lines as parsed messages, as file ingest would produce them. */
export function parsedWorkload(options: GenerateOptions, name = 'workload'): ParsedMessage[] {
  return toMessages([...generateEvents(options)], name);
}

export function toMessages(lines: readonly EventLine[], name = 'workload', options: ParseOptions = {}): ParsedMessage[] {
  return lines.map((l, i) =>
    parseMessage(
      {
        topic: l.topic,
        key: l.key,
        value: typeof l.value === 'string' ? l.value : JSON.stringify(l.value),
        source: { type: 'file', file: name, line: i + 1, topic: l.topic, key: l.key },
      },
      options,
    ),
  );
}

/** A seeded Fisher-Yates shuffle. */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rand = createRandom(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Applies messages in batches of `size` and adds up what the batches did. */
export async function applyAll(store: Store, messages: readonly ParsedMessage[], size = 500) {
  const total = { applied: 0, duplicates: 0, deadLetters: 0 };
  for (const batch of chunks(messages, size)) {
    const r = await applyBatch(store, batch);
    total.applied += r.applied;
    total.duplicates += r.duplicates;
    total.deadLetters += r.deadLetters;
  }
  return total;
}

/** Every record of a store as canonical JSON, without the two wall-clock columns this database adds. */
export async function snapshot(store: Store): Promise<string> {
  const records = await findSignals(store, {}, { limit: 10_000 });
  return canonicalJson(records.map(({ createdAt: _c, updatedAt: _u, ...rest }) => rest));
}

/**
 * Asserts that a store's records are `expected` (recordsOf's text). On a difference, the error's first line names the
 * signals that differ and how (CI prints only that line), and the rest gives what the store holds of them: their
 * audit rows with where each came from, the dead letters, both records whole, the checkpoints, and `context()` (a
 * worker's output).
 */
export async function expectLedger(store: Store, expected: string, context: () => string = () => ''): Promise<void> {
  const actual = await snapshot(store);
  if (actual === expected) return;
  const byId = (text: string) => new Map((JSON.parse(text) as Record<string, unknown>[]).map((r) => [String(r.signalId), r]));
  const [want, got] = [byId(expected), byId(actual)];
  const ids = [...new Set([...want.keys(), ...got.keys()])].filter((id) => canonicalJson(want.get(id) ?? null) !== canonicalJson(got.get(id) ?? null)).sort();
  const how = (id: string) => {
    const [w, g] = [want.get(id), got.get(id)];
    if (w === undefined || g === undefined) return `${id} ${w === undefined ? 'not expected' : 'missing'}`;
    const fields = Object.keys(w).filter((k) => canonicalJson(w[k] ?? null) !== canonicalJson(g[k] ?? null));
    // the version and status first, with their values: the line is cut at 300 characters
    const shown = ['version', 'status'].filter((k) => fields.includes(k));
    const change = (k: string) => `${k} ${canonicalJson(w[k] ?? null)} -> ${canonicalJson(g[k] ?? null)}`;
    return `${id} (${[...shown.map(change), ...fields.filter((k) => !shown.includes(k))].join(', ')})`;
  };
  const conn = store.em().getConnection();
  const rows = async (sql: string, params: unknown[] = []) => JSON.stringify(await conn.execute(sql, params));
  const idsIn = store.dialect === 'postgresql' ? 'select json_array_elements_text(cast(? as json))' : 'select value from json_each(?)';
  const held = [
    `audit rows of these signals: ${await rows(`select "event_id", "signal_id", "kind", "source", "status_before", "status_after" from "signal_events" where "signal_id" in (${idsIn})`, [JSON.stringify(ids)])}`,
    `dead letters: ${await rows('select "source", "event_id", "signal_id", "problems" from "dead_letters"')}`,
    `records expected and held: ${ids.map((id) => `${canonicalJson(want.get(id) ?? null)} / ${canonicalJson(got.get(id) ?? null)}`).join('; ')}`,
    `checkpoints: ${await rows('select "group_id", "topic", "partition", cast("next_offset" as text) as "next_offset" from "consumer_checkpoints"')}`,
  ];
  throw new Error(`the ledger differs from the oracle in ${ids.length} of ${want.size} signals: ${ids.slice(0, 5).map(how).join('; ')}\n${held.join('\n')}\n${context()}`);
}

/** Code point order (what SQLite's binary collation gives for UTF-8 text). */
const byCodePoints = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The records that applying these event lines (read with `options`) in a fresh store gives, as snapshot() writes them, computed
 * by the test oracle (test/oracle/plain-fold.ts), not by the ledger's own fold or apply path: each signal's
 * accepted events folded, `version` their count, newest first as findSignals lists them (generated_at, or
 * first_event_at without details, then signal_id, both descending), at most the 10,000 snapshot() reads.
 */
export async function recordsOf(lines: readonly EventLine[], options: ParseOptions = {}): Promise<string> {
  const messages = toMessages(lines, 'workload', options);
  const digests = eventsDigestsOf(messages);
  const records = [...acceptedEventsBySignal(messages).values()].map((events) => {
    const facts = plainFold(events);
    return { ...facts, version: events.length, eventsDigest: digests.get(facts.signalId) };
  });
  const effectiveAt = (r: (typeof records)[number]) => r.generatedAt ?? r.firstEventAt;
  records.sort((a, b) => (effectiveAt(a) !== effectiveAt(b) ? (effectiveAt(a) < effectiveAt(b) ? 1 : -1) : byCodePoints(b.signalId, a.signalId)));
  return canonicalJson(records.slice(0, 10_000));
}

/**
 * Each signal's events_digest, computed here with node:crypto: the sha256 over the content hashes of the
 * messages a store records (the first of each event_id), sorted, one per line.
 */
export function eventsDigestsOf(messages: readonly ParsedMessage[]): Map<string, string> {
  const owned = new Set<string>();
  const hashes = new Map<string, string[]>();
  for (const m of messages) {
    if (!m.ok || owned.has(m.event.eventId)) continue;
    owned.add(m.event.eventId);
    hashes.set(m.event.signalId, [...(hashes.get(m.event.signalId) ?? []), m.contentHash]);
  }
  return new Map([...hashes].map(([id, hs]) => [id, createHash('sha256').update(hs.sort().join('\n')).digest('hex')]));
}
