// Dead letters parsed again with the current contract and settings (after a producer's bug was fixed, or naive
// timestamps were allowed): those that now pass go through applyBatch like any message, and are marked
// resolved with the event they became. A dead letter is never deleted; one still refused stays as it was.
import { DEFAULT_TOPICS, type EventSource, type NaiveTimestampRule, type ParsedMessage, parseMessage, type Problem, type TopicMap } from '../contract/index.ts';
import { timestampFromDate } from '../contract/index.ts';
import { applyBatch, withWriteTransaction } from './apply-batch.ts';
import { runSql } from './bulk-sql.ts';
import { timestampTextSql } from './column-types.ts';
import { daySql } from './rollups.ts';
import { addResolvedDeadLetters } from './rollup-upkeep.ts';
import { kyselyOf, listLimit, SqlParams, timeParam } from './sql-params.ts';
import type { Store } from './store.ts';

export interface RetryOptions {
  /** only these dead letters (ids as `dead-letters list` shows them); default every open one */
  ids?: readonly (number | string)[];
  /** the topic of each event kind (the worker's); the contract's default names are read as well */
  topics?: TopicMap;
  naiveTimestamps?: NaiveTimestampRule;
  /** dead letters parsed and applied at a time (default 500) */
  pageSize?: number;
  onResolved?: (id: string, eventId: string) => void;
  onRefused?: (id: string, problems: readonly Problem[]) => void;
}

export interface RetryResult {
  /** open dead letters read */
  tried: number;
  resolved: number;
  /** still refused: left open, as they were */
  refused: number;
}

interface DeadLetterRow {
  id: string | number;
  source: string;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  message_key: string | null;
  raw_value: string | null;
}

/** Where a dead letter came from, as its message said: Kafka's partition and offset, a file's line, or a repository call. */
function sourceOf(d: DeadLetterRow): EventSource {
  const topic = d.topic ?? 'api';
  if (d.partition !== null && d.offset !== null) return { type: 'kafka', topic, partition: Number(d.partition), offset: String(d.offset), key: d.message_key };
  if (d.source === 'api') return { type: 'api' };
  const at = d.source.lastIndexOf(':');
  return { type: 'file', file: d.source.slice(0, at), line: Number(d.source.slice(at + 1)), topic, key: d.message_key };
}

/** A dead letter's message again: its topic, key and value (bytes again when they were not UTF-8). */
function messageOf(d: DeadLetterRow, options: RetryOptions): ParsedMessage {
  const raw = d.raw_value;
  const value = raw?.startsWith('base64:') ? Buffer.from(raw.slice('base64:'.length), 'base64') : raw;
  const topic = d.topic ?? 'api';
  const parse = (topics: TopicMap) => parseMessage({ topic, key: d.message_key, value, source: sourceOf(d) }, { topics, naiveTimestamps: options.naiveTimestamps });
  const configured = parse(options.topics ?? DEFAULT_TOPICS);
  // a file's lines name the contract's default topics, whatever the worker's prefix
  return configured.ok || options.topics === undefined || !configured.problems.some((p) => p.message.startsWith('unknown topic')) ? configured : parse(DEFAULT_TOPICS);
}

/** Retries the open dead letters (or those of `ids`), page by page in id order. */
export async function retryDeadLetters(store: Store, options: RetryOptions = {}): Promise<RetryResult> {
  const result: RetryResult = { tried: 0, resolved: 0, refused: 0 };
  const pageSize = options.pageSize ?? 500;
  const refuse = (id: string, problems: readonly Problem[]) => {
    result.refused++;
    options.onRefused?.(id, problems);
  };
  let cursor = '0';
  for (;;) {
    const params = new SqlParams(store.dialect);
    const where = [`"resolved_at" is null`, `"id" > ${params.add(cursor, '::bigint')}`];
    if (options.ids !== undefined) where.push(`"id" in (${options.ids.length === 0 ? 'null' : options.ids.map((id) => params.add(String(id), '::bigint')).join(', ')})`);
    const rows = await runSql<DeadLetterRow>(
      kyselyOf(store),
      `select "id", "source", "topic", "partition", cast("offset" as text) as "offset", "message_key", "raw_value" from "dead_letters" where ${where.join(' and ')} order by "id" limit ${params.add(pageSize)}`,
      params.values,
    );
    if (rows.length === 0) break;
    cursor = String(rows[rows.length - 1]?.id);
    result.tried += rows.length;
    const accepted: { id: string; m: Extract<ParsedMessage, { ok: true }> }[] = [];
    for (const d of rows) {
      const m = messageOf(d, options);
      if (m.ok) accepted.push({ id: String(d.id), m });
      else refuse(String(d.id), m.problems);
    }
    if (accepted.length === 0) continue;
    // the apply path's rules, but a message it still refuses is the dead letter being retried: none is written
    const applied = await applyBatch(
      store,
      accepted.map((a) => a.m),
      { writeNoDeadLetters: true },
    );
    const resolved: { id: string; eventId: string }[] = [];
    accepted.forEach((a, i) => {
      if (applied.outcomes[i] === 'dead-letter') refuse(a.id, applied.rejections.find((r) => r.at === i)?.problems ?? []);
      else resolved.push({ id: a.id, eventId: a.m.event.eventId });
    });
    const marked = await markResolved(store, resolved);
    for (const r of resolved.filter((r) => marked.has(r.id))) {
      result.resolved++;
      options.onResolved?.(r.id, r.eventId);
    }
  }
  return result;
}

/** Marks dead letters resolved with their events, and counts them in the rollups; returns the ids it marked (one resolved meanwhile is left). */
async function markResolved(store: Store, resolved: readonly { id: string; eventId: string }[]): Promise<Set<string>> {
  if (resolved.length === 0) return new Set();
  const now = timestampFromDate(new Date());
  return withWriteTransaction(store, async (writer) => {
    const pg = writer.dialect === 'postgresql';
    const marked = new Set<string>();
    const counts = new Map<string, { day: string; topic: string; n: number }>();
    for (const r of resolved) {
      const rows = await runSql<{ day: string; topic: string }>(
        writer.runner,
        `update "dead_letters" set "resolved_at" = ${pg ? '$1' : '?'}, "resolved_event_id" = ${pg ? '$2' : '?'} where "id" = ${pg ? '$3::bigint' : '?'} and "resolved_at" is null returning ${daySql(writer.dialect, '"received_at"')} as "day", coalesce("topic", 'api') as "topic"`,
        [now, r.eventId, r.id],
      );
      for (const row of rows) {
        marked.add(r.id);
        const key = `${row.day}\u0000${row.topic}`;
        counts.set(key, { day: row.day, topic: row.topic, n: (counts.get(key)?.n ?? 0) + 1 });
      }
    }
    await addResolvedDeadLetters(writer, [...counts.values()]);
    return marked;
  });
}

/** A dead letter as `dead-letters list` shows it. */
export interface DeadLetterEntry {
  id: string;
  receivedAt: string;
  source: string;
  topic: string | null;
  key: string | null;
  eventId: string | null;
  signalId: string | null;
  problems: Problem[];
  rawValue: string | null;
  resolvedAt: string | null;
  resolvedEventId: string | null;
}

export interface DeadLetterFilters {
  topic?: string;
  /** received at or after */
  from?: Date | string;
  /** received before */
  to?: Date | string;
  /** a text that the message of one of its problems contains (A-Z and a-z alike) */
  problem?: string;
  /** open, resolved, or all (default) */
  state?: 'open' | 'resolved' | 'all';
  /** the id of the last dead letter of the previous page: the next are older */
  before?: string;
  /** default 100 */
  limit?: number;
}

/** Dead letters, newest first (by id), filtered and keyset-paged. */
export async function findDeadLetters(store: Store, filters: DeadLetterFilters = {}): Promise<DeadLetterEntry[]> {
  const params = new SqlParams(store.dialect);
  const pg = store.dialect === 'postgresql';
  const where: string[] = [];
  const state = filters.state ?? 'all';
  if (state !== 'all') where.push(`"resolved_at" is ${state === 'open' ? '' : 'not '}null`);
  if (filters.topic !== undefined) where.push(`coalesce("topic", 'api') = ${params.add(filters.topic)}`);
  if (filters.from !== undefined) where.push(`"received_at" >= ${params.add(timeParam(filters.from, 'from'), '::timestamptz')}`);
  if (filters.to !== undefined) where.push(`"received_at" < ${params.add(timeParam(filters.to, 'to'), '::timestamptz')}`);
  if (filters.problem !== undefined) {
    // the problems' messages, A-Z folded to a-z alike on both databases (SQLite's lower() folds ASCII only)
    const needle = params.add(`%${filters.problem.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(
      pg
        ? `exists (select 1 from jsonb_array_elements("problems") p where translate(p->>'message', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') like ${needle} escape '\\')`
        : `exists (select 1 from json_each("problems") p where lower(json_extract(p.value, '$.message')) like ${needle} escape '\\')`,
    );
  }
  if (filters.before !== undefined) where.push(`"id" < ${params.add(filters.before, '::bigint')}`);
  const ts = (c: string) => (pg ? `${timestampTextSql(`"${c}"`)} as "${c}"` : `"${c}"`);
  const rows = await runSql<Record<string, unknown>>(
    kyselyOf(store),
    `select cast("id" as text) as "id", ${ts('received_at')}, "source", "topic", "message_key", "event_id", "signal_id", "problems", "raw_value", ${ts('resolved_at')}, "resolved_event_id"
       from "dead_letters"${where.length > 0 ? ` where ${where.join(' and ')}` : ''} order by "dead_letters"."id" desc limit ${params.add(listLimit(filters.limit, 'the maximum page size', '; page with before'))}`,
    params.values,
  );
  return rows.map((r) => ({
    id: String(r.id),
    receivedAt: String(r.received_at),
    source: String(r.source),
    topic: (r.topic as string | null) ?? null,
    key: (r.message_key as string | null) ?? null,
    eventId: (r.event_id as string | null) ?? null,
    signalId: (r.signal_id as string | null) ?? null,
    problems: (typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems) as Problem[],
    rawValue: (r.raw_value as string | null) ?? null,
    resolvedAt: (r.resolved_at as string | null) ?? null,
    resolvedEventId: (r.resolved_event_id as string | null) ?? null,
  }));
}
