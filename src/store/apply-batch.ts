import type { AcceptedMessage, EventSource, ParsedMessage, Problem, RejectedMessage } from '../contract/index.ts';
import { canonicalJson, EXACT_HASH_PREFIX, storableProblems, LIMITS, quote, sameContent, sha256Hex, storableText, timestampFromDate } from '../contract/index.ts';
import { deriveFacts, EMPTY_STATE, type FoldState, mergeStates, stateOf, summarizeStatus } from '../fold/index.ts';
import { classifyFailure, ContractError, describeError, FailureClass, InputError, isTransactionRace, LedgerError, StoreError } from '../errors.ts';
import { type BatchWriter, type BulkColumn, type BulkInsert, inJsonArray, insertRows, type NativeSqlite, type QueryRunner, runSql } from './bulk-sql.ts';
import type { Dialect, Store } from './open-store.ts';
import { addDeadLetterRollups, type Contributions, contributionsOf, ROLLUP_SLOTS, shiftRollups } from './rollups.ts';
import { SIGNAL_WRITE_COLUMNS, toSignalRow } from './signal-columns.ts';

/** What one batch did. */
export interface ApplyResult {
  /** messages given */
  received: number;
  /** new distinct events written to the audit trail and folded into their signals */
  applied: number;
  /** events whose event_id was already recorded with the same content (or repeated in the batch) */
  duplicates: number;
  /** messages recorded as dead letters (contract violations, event_id reused for different content) */
  deadLetters: number;
  /** signals whose record changed */
  signalsChanged: number;
  /** the signals touched, for callers that read them back */
  signalIds: string[];
  /** what became of each message given, in the order given */
  outcomes: MessageOutcome[];
  /** the messages that became dead letters (their index in the batch, in order) and their problems, for a dead-letter topic */
  rejections: { at: number; problems: Problem[] }[];
}

/** What became of one message of a batch. */
export const MESSAGE_OUTCOMES = ['applied', 'duplicate', 'dead-letter'] as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[number];

export interface ApplyOptions {
  /** the receipt time written to the audit trail and dead letters (default now) */
  receivedAt?: Date;
  /** attempts on a deadlock or serialization failure (default 8) */
  maxAttempts?: number;
  /** Kafka: where this batch ends per partition, recorded in the batch's transaction (a checkpoint never moves back) */
  checkpoints?: readonly ConsumerCheckpoint[];
  /**
   * PostgreSQL: which of ROLLUP_SLOTS copies of the day's rollup rows this batch adds to, so that batches
   * applied side by side (ingest lanes, the worker's partitions) do not wait on each other's row locks;
   * default the first checkpoint's partition, else 0. SQLite has one writer and one copy.
   */
  rollupSlot?: number;
  /**
   * Strict mode (the worker's --on-invalid stop, and the repository): a message that would become a
   * dead letter (a contract violation, an event_id owned elsewhere, data the database refuses) makes the
   * batch throw a CONTRACT_VIOLATION error instead, and nothing of the batch is written.
   */
  strict?: boolean;
}

/** The offset after the last message of a consumer group applied from one topic partition. */
export interface ConsumerCheckpoint {
  groupId: string;
  topic: string;
  partition: number;
  /** the next offset to read (last applied + 1), as Kafka gives offsets: a decimal string */
  nextOffset: string;
}



const AUDIT_COLUMNS: BulkColumn[] = [
  ['event_id', 'text'], ['signal_id', 'text'], ['kind', 'text'], ['occurred_at', 'timestamptz'], ['received_at', 'timestamptz'],
  ['source', 'text'], ['topic', 'text'], ['partition', 'integer'], ['offset', 'bigint'], ['message_key', 'text'],
  ['payload', 'text'], ['content_hash', 'text'], ['status_before', 'text'], ['status_after', 'text'], ['anomaly', 'text'],
].map(([name, pgType]) => ({ name, pgType }) as BulkColumn);

const DEAD_LETTER_COLUMNS: BulkColumn[] = [
  ['dedupe_key', 'text'], ['received_at', 'timestamptz'], ['source', 'text'], ['topic', 'text'], ['partition', 'integer'], ['offset', 'bigint'],
  ['message_key', 'text'], ['raw_value', 'text'], ['problems', 'jsonb'], ['event_id', 'text'], ['signal_id', 'text'],
].map(([name, pgType]) => ({ name, pgType }) as BulkColumn);

const CHECKPOINT_COLUMNS: BulkColumn[] = [
  ['group_id', 'text'], ['topic', 'text'], ['partition', 'integer'], ['next_offset', 'bigint'], ['updated_at', 'timestamptz'],
].map(([name, pgType]) => ({ name, pgType }) as BulkColumn);

interface StatementSet {
  saveCheckpoints: BulkInsert;
  insertSignals: BulkInsert;
  lockSignals: string;
  existingEvents: string;
  insertAudit: BulkInsert;
  upsertSignals: BulkInsert;
  insertDeadLetters: BulkInsert;
}

function buildStatements(dialect: Dialect): StatementSet {
  const updates = SIGNAL_WRITE_COLUMNS.filter((c) => c.name !== 'signal_id' && c.name !== 'created_at')
    .map((c) => `"${c.name}" = excluded."${c.name}"`)
    .join(', ');
  const max = dialect === 'postgresql' ? 'greatest' : 'max';
  return {
    saveCheckpoints: {
      table: 'consumer_checkpoints',
      columns: CHECKPOINT_COLUMNS,
      tail: `on conflict ("group_id", "topic", "partition") do update set "next_offset" = ${max}("consumer_checkpoints"."next_offset", excluded."next_offset"), "updated_at" = excluded."updated_at"`,
      orderBy: 'partition',
    },
    insertSignals: { table: 'signals', columns: SIGNAL_WRITE_COLUMNS, tail: 'on conflict ("signal_id") do nothing', orderBy: 'signal_id' },
    lockSignals:
      `select "signal_id", "status", "version", "fold_state" from "signals" where ${inJsonArray(dialect, 'signal_id')} order by "signal_id"` +
      (dialect === 'postgresql' ? ' for update' : ''),
    existingEvents: `select "event_id", "signal_id", "content_hash" from "signal_events" where ${inJsonArray(dialect, 'event_id')}`,
    // arrival order, so the audit trail's ids follow the order events were received
    insertAudit: { table: 'signal_events', columns: AUDIT_COLUMNS, tail: 'on conflict ("event_id") do nothing' },
    upsertSignals: { table: 'signals', columns: SIGNAL_WRITE_COLUMNS, tail: `on conflict ("signal_id") do update set ${updates}`, orderBy: 'signal_id' },
    insertDeadLetters: { table: 'dead_letters', columns: DEAD_LETTER_COLUMNS, tail: 'on conflict ("dedupe_key") do nothing' },
  };
}

const STATEMENTS: Record<Dialect, StatementSet> = { sqlite: buildStatements('sqlite'), postgresql: buildStatements('postgresql') };

/** Columns that say where a message came from, for the audit trail and dead letters. */
function sourceColumns(source: EventSource, topic: string | null, key: string | null) {
  switch (source.type) {
    case 'kafka':
      return { source: `${source.topic}/${source.partition}@${source.offset}`, topic: source.topic, partition: source.partition, offset: source.offset, message_key: source.key };
    case 'file':
      return { source: `${source.file}:${source.line}`, topic: source.topic, partition: null, offset: null, message_key: source.key };
    case 'api':
      return { source: 'api', topic, partition: null, offset: null, message_key: key };
    default: {
      const never: never = source;
      throw new Error(`unknown source ${JSON.stringify(never)}`);
    }
  }
}

/** Longest dedupe key the column holds; a Kafka source past it (a topic name of up to 249 characters) is hashed. */
const MAX_DEDUPE_KEY = 200;

/** A dead letter's row; every text is one both databases store alike (the contract makes raw, key and ids so; topics are cut here). */
function deadLetterRow(receivedAt: string, m: RejectedMessage) {
  const source = sourceColumns(m.source, m.topic, m.key);
  const kafkaKey = m.source.type === 'kafka' ? (source.source.length <= MAX_DEDUPE_KEY ? source.source : `sha256:${sha256Hex(source.source)}`) : null;
  return {
    dedupe_key: kafkaKey ?? `sha256:${sha256Hex(`${m.topic}\n${m.raw ?? ''}\n${canonicalJson(m.problems)}`)}`,
    received_at: receivedAt,
    ...source,
    source: storableText(source.source, 10_000),
    topic: source.topic === null ? null : storableText(source.topic, 255),
    raw_value: m.raw,
    // again here, for dead letters made elsewhere (a refused message carries the database's error)
    problems: storableProblems(m.problems),
    event_id: m.eventId,
    signal_id: m.signalId,
  };
}

/** An accepted message that is not applied after all (its event_id is owned elsewhere, or the database refused it), as a dead letter. */
function deadLetterOf(m: AcceptedMessage, problems: Problem[]): RejectedMessage {
  const topic = m.source.type === 'api' ? null : m.source.topic;
  const key = m.source.type === 'api' ? null : m.source.key;
  return { ok: false, problems, raw: m.payload, topic: topic ?? 'api', key, source: m.source, eventId: m.event.eventId, signalId: m.event.signalId };
}

/** A concurrent writer recorded one of our event ids or signals between our read and our insert: run the batch again. */
class ConcurrentInsert extends Error {}

/**
 * The one write path of signal-ledger: Kafka batches, file ingest and the repository all call it.
 * One transaction per batch and a fixed number of set-based statements whatever the batch size:
 * new events are found by their unique event_id (a repeat with the same content is a duplicate; with
 * other content, or for another signal, a dead letter), merged into the stored fold state of their
 * signals, and the changed records upserted. On PostgreSQL the affected signal rows are locked in id
 * order, so concurrent appliers on overlapping signals serialize per signal and cannot lose an event.
 * A failure is classified once (classifyFailure): a race between transactions is run again here with
 * backoff; a database that is away is thrown, retryable, for the caller to wait for; data the database
 * refuses splits the batch until the messages that fail alone are found, which become dead letters
 * while the rest commits; anything else is thrown.
 */
export async function applyBatch(store: Store, messages: readonly ParsedMessage[], options: ApplyOptions = {}): Promise<ApplyResult> {
  if (messages.length > LIMITS.maxBatchEvents) {
    throw InputError.limit('applyBatch', `${messages.length} messages in one batch; the limit is ${LIMITS.maxBatchEvents}`);
  }
  const fixed = { ...options, receivedAt: options.receivedAt ?? new Date() };
  return oneWriterOnSqlite(store, () => applyWithSafetyNet(store, messages, fixed));
}

const sqliteWrites = new WeakMap<Store, Promise<unknown>>();

/** SQLite has one connection and one writer: batches on one store run one after another, whoever calls. */
function oneWriterOnSqlite<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  if (store.dialect !== 'sqlite') return fn();
  const next = (sqliteWrites.get(store) ?? Promise.resolve()).then(fn, fn);
  sqliteWrites.set(store, next.catch(() => undefined));
  return next;
}

/** A batch of at least this many messages that all fail alone is not refused for its messages but for something they share: it stops. */
const SYSTEMIC_FAILURE_AT = 8;

/**
 * Applies the batch; when the database refuses it for its data, splits it in halves, applying each
 * part that passes, until the messages that fail on their own are found. Those become dead letters
 * carrying the database's error, written with the batch's checkpoints in a last transaction, so a
 * crash half-way replays the batch (whose applied parts are then duplicates). In strict mode the parts
 * are applied in transactions that are rolled back, only to name the messages in the violation.
 */
async function applyWithSafetyNet(store: Store, messages: readonly ParsedMessage[], options: ApplyOptions): Promise<ApplyResult> {
  let first: unknown;
  try {
    return await applyWithRetries(store, messages, options);
  } catch (error) {
    if (messages.length === 0 || classifyFailure(error) !== FailureClass.DeadLetter) throw error;
    first = error;
  }
  const dryRun = options.strict === true;
  const outcomes = new Array<MessageOutcome>(messages.length);
  const total: ApplyResult = { received: messages.length, applied: 0, duplicates: 0, deadLetters: 0, signalsChanged: 0, signalIds: [], outcomes, rejections: [] };
  const signalIds = new Set<string>();
  const add = (r: ApplyResult, at: readonly number[]) => {
    total.applied += r.applied;
    total.duplicates += r.duplicates;
    total.deadLetters += r.deadLetters;
    total.signalsChanged += r.signalsChanged;
    for (const id of r.signalIds) signalIds.add(id);
    r.outcomes.forEach((o, i) => (outcomes[at[i] as number] = o));
    for (const { at: i, problems } of r.rejections) total.rejections.push({ at: at[i] as number, problems });
  };
  const refused: { at: number; message: RejectedMessage }[] = [];
  // the parts write no checkpoint (the last transaction does) but add to the batch's rollup copy
  const partOptions: ApplyOptions = { ...options, checkpoints: undefined, rollupSlot: options.rollupSlot ?? options.checkpoints?.[0]?.partition };
  const split = async (at: readonly number[]): Promise<void> => {
    const part = at.map((i) => messages[i] as ParsedMessage);
    try {
      add(await applyWithRetries(store, part, partOptions, dryRun), at);
    } catch (error) {
      if (classifyFailure(error) !== FailureClass.DeadLetter) throw error;
      if (at.length === 1) {
        refused.push({ at: at[0] as number, message: refusedDeadLetter(part[0] as ParsedMessage, error) });
        return;
      }
      const half = Math.ceil(at.length / 2);
      await split(at.slice(0, half));
      await split(at.slice(half));
    }
  };
  const all = messages.map((_, i) => i);
  const half = Math.ceil(all.length / 2);
  await split(all.slice(0, half));
  await split(all.slice(half));
  if (refused.length === messages.length && messages.length >= SYSTEMIC_FAILURE_AT) throw first;
  if (dryRun) {
    if (refused.length === 0) throw first;
    throw ContractError.violation(refused.map(({ message: m }) => ({ source: sourceColumns(m.source, m.topic, m.key).source, where: m.source, problems: m.problems })));
  }
  // the refused messages' dead letters and the batch's checkpoints, in one last transaction; should the
  // database refuse even those, they are written again with only a hash of their raw value
  const deadLetters = refused.map((r) => r.message);
  let last: ApplyResult;
  try {
    last = await applyWithRetries(store, deadLetters, options);
  } catch (error) {
    if (classifyFailure(error) !== FailureClass.DeadLetter) throw error;
    last = await applyWithRetries(store, deadLetters.map((m) => ({ ...m, raw: m.raw === null ? null : `sha256:${sha256Hex(m.raw)}` })), options);
  }
  add(last, refused.map((r) => r.at));
  total.signalIds = [...signalIds].sort();
  total.rejections.sort((a, b) => a.at - b.at);
  return total;
}

/** A message the database refused on its own, as a dead letter carrying the database's error. */
function refusedDeadLetter(m: ParsedMessage, error: unknown): RejectedMessage {
  const problem: Problem = { path: '$', message: `the database refused this message: ${describeError(error)}` };
  return m.ok ? deadLetterOf(m, [problem]) : { ...m, problems: [...m.problems, problem] };
}

/** The result of a transaction run only to see whether it passes (strict mode's split): thrown to roll it back. */
class RolledBack extends Error {
  readonly result: ApplyResult;
  constructor(result: ApplyResult) {
    super('rolled back');
    this.result = result;
  }
}

/** Runs the batch in one transaction, again after a race or while the database is away, with backoff. */
async function applyWithRetries(store: Store, messages: readonly ParsedMessage[], options: ApplyOptions, dryRun = false): Promise<ApplyResult> {
  const maxAttempts = options.maxAttempts ?? 8;
  // after an event_id was found taken at insert time, every id is looked up, not only stored signals'
  let lookUpEveryEvent = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(store, async (writer) => {
        const result = await applyInTransaction(writer, messages, options, lookUpEveryEvent);
        if (dryRun) throw new RolledBack(result);
        return result;
      });
    } catch (error) {
      if (error instanceof RolledBack) return error.result;
      const race = error instanceof ConcurrentInsert;
      if (race && !lookUpEveryEvent) {
        // an event_id taken by another signal (or a concurrent writer): run again looking every id up, at once and not as an attempt
        lookUpEveryEvent = true;
        attempt--;
        continue;
      }
      // races are run again here; a database that is away is the caller's to wait for (the worker
      // pauses and shows it in /healthz and ledger_db_retries_total, ingest backs off), so it is thrown
      const retry = race || isTransactionRace(error);
      if (attempt < maxAttempts && retry) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 10 * 2 ** attempt) * (0.5 + Math.random())));
        continue;
      }
      if (error instanceof LedgerError || !retry) throw error;
      throw StoreError.conflict(`batch not applied after ${attempt} attempts`, error);
    }
  }
}

/**
 * One transaction on the store. SQLite's begins IMMEDIATE: a deferred one that reads first cannot take
 * the write lock once another connection has written, and SQLite then fails at once with SQLITE_BUSY
 * instead of waiting (busy_timeout only applies to taking the lock). PostgreSQL's uses Kysely's
 * callback transaction (under MikroORM's connection), which always gives its connection back to the
 * pool; a controlled transaction (em.transactional) keeps a connection whose rollback failed, so a
 * database restart would drain the pool and hang every later batch.
 */
async function inTransaction<T>(store: Store, fn: (writer: BatchWriter) => Promise<T>): Promise<T> {
  const connection = store.em().getConnection();
  if (store.dialect === 'sqlite') {
    const sqlite = (await connection.getNativeClient()) as NativeSqlite & { inTransaction: boolean };
    const writer: BatchWriter = { dialect: 'sqlite', runner: connection.getClient() as unknown as QueryRunner, sqlite };
    sqlite.prepare('begin immediate').run();
    try {
      const result = await fn(writer);
      sqlite.prepare('commit').run();
      return result;
    } catch (error) {
      if (sqlite.inTransaction) sqlite.prepare('rollback').run();
      throw error;
    }
  }
  return connection.getClient().transaction().execute((trx) => fn({ dialect: 'postgresql', runner: trx as unknown as QueryRunner }));
}

/** The checkpoints of a consumer group, in topic and partition order. */
export async function readCheckpoints(store: Store, groupId: string): Promise<ConsumerCheckpoint[]> {
  const rows = await store.em().getConnection().execute<{ topic: string; partition: number; next_offset: string }[]>(
    'select "topic", "partition", cast("next_offset" as text) as "next_offset" from "consumer_checkpoints" where "group_id" = ? order by "topic", "partition"',
    [groupId],
  );
  return rows.map((r) => ({ groupId, topic: r.topic, partition: Number(r.partition), nextOffset: r.next_offset }));
}

/** Forgets one partition's checkpoint (one that belongs to an earlier incarnation of its topic). */
export async function deleteCheckpoint(store: Store, at: { groupId: string; topic: string; partition: number }): Promise<void> {
  await store.em().getConnection().execute('delete from "consumer_checkpoints" where "group_id" = ? and "topic" = ? and "partition" = ?', [at.groupId, at.topic, at.partition]);
}

async function applyInTransaction(writer: BatchWriter, messages: readonly ParsedMessage[], options: ApplyOptions, lookUpEveryEvent: boolean): Promise<ApplyResult> {
  const { runner } = writer;
  const sql = STATEMENTS[writer.dialect];
  const now = timestampFromDate(options.receivedAt ?? new Date());
  const rollupSlot = writer.dialect === 'sqlite' ? 0 : (options.rollupSlot ?? options.checkpoints?.[0]?.partition ?? 0) % ROLLUP_SLOTS;
  const dead: RejectedMessage[] = [];
  const rejections: ApplyResult['rejections'] = [];
  const reject = (m: RejectedMessage, at: number) => {
    dead.push(m);
    rejections.push({ at, problems: m.problems });
    outcomes[at] = 'dead-letter';
  };
  const outcomes = messages.map((m): MessageOutcome => (m.ok ? 'applied' : 'dead-letter'));
  let duplicates = 0;

  const accepted: { m: AcceptedMessage; at: number }[] = [];
  messages.forEach((m, at) => (m.ok ? accepted.push({ m, at }) : reject(m, at)));

  const signalIds = [...new Set(accepted.map(({ m }) => m.event.signalId))].sort();
  let applied = 0;
  let signalsChanged = 0;
  let rollupsBefore: Contributions = new Map();
  let rollupsAfter: Contributions = new Map();

  if (signalIds.length > 0) {
    // Lock the signals that exist, in id order; signals that do not exist yet are inserted below and
    // a concurrent creator of the same signal makes that insert skip the row, which retries the batch.
    const locked = await runSql<{ signal_id: string; status: string; version: number | string; fold_state: unknown }>(runner, sql.lockSignals, [JSON.stringify(signalIds)]);
    const rows = new Map(locked.map((r) => [r.signal_id, r]));
    // Only a stored signal can have recorded events: a signal's row is written in the transaction of
    // its first event. (A signal created concurrently since the lock makes an insert below skip a row,
    // and the batch runs again.)
    // An event_id reused by another signal is found at insert time (fewer rows written); the batch
    // then runs again looking every id up.
    const candidates = [
      ...new Set(accepted.filter(({ m }) => lookUpEveryEvent || rows.has(m.event.signalId)).flatMap(({ m }) => (m.legacyEventId === undefined ? [m.event.eventId] : [m.event.eventId, m.legacyEventId]))),
    ];
    const existing = new Map(
      candidates.length === 0
        ? []
        : (await runSql<{ event_id: string; signal_id: string; content_hash: string }>(runner, sql.existingEvents, [JSON.stringify(candidates)])).map((r) => [r.event_id, r]),
    );

    interface Pending {
      state: FoldState;
      status: string | null;
      anomalies: string[];
      version: number;
      stored: boolean;
      changed: boolean;
    }
    const pending = new Map<string, Pending>();
    for (const id of signalIds) {
      const row = rows.get(id);
      const state = row === undefined ? EMPTY_STATE : ((typeof row.fold_state === 'string' ? JSON.parse(row.fold_state) : row.fold_state) as FoldState);
      pending.set(id, {
        state,
        status: row?.status ?? null,
        anomalies: row === undefined ? [] : summarizeStatus(state).anomalies,
        version: Number(row?.version ?? 0),
        stored: row !== undefined,
        changed: false,
      });
    }

    // In arrival order, an event_id belongs to the signal that recorded it before, else to the first
    // message of this batch that has it: a repeat with the same content is a duplicate, anything else a
    // dead letter naming the owner (one statement cannot insert the same key twice, either).
    const auditRows: Record<string, unknown>[] = [];
    const claimed = new Map<string, AcceptedMessage>();
    for (const { m, at } of accepted) {
      const id = m.event.eventId;
      // recorded by an earlier version under the id it derived over doubles: the same event again
      const earlier = m.legacyEventId === undefined ? undefined : existing.get(m.legacyEventId);
      if (earlier !== undefined && !earlier.content_hash.startsWith(EXACT_HASH_PREFIX) && earlier.content_hash === m.legacyContentHash) {
        duplicates++;
        outcomes[at] = 'duplicate';
        continue;
      }
      const prior = existing.get(id);
      const first = claimed.get(id);
      if (prior !== undefined || first !== undefined) {
        if (prior !== undefined ? sameContent(prior.content_hash, m) : first?.contentHash === m.contentHash) {
          duplicates++;
          outcomes[at] = 'duplicate';
          continue;
        }
        const owner = prior?.signal_id ?? (first as AcceptedMessage).event.signalId;
        const why =
          owner === m.event.signalId
            ? `event_id ${quote(id)} ${prior !== undefined ? 'was already recorded' : 'appears earlier in the same batch'} with different content; this message was not applied`
            : prior !== undefined
              ? `event_id ${quote(id)} already belongs to signal ${quote(owner)}; this message for signal ${quote(m.event.signalId)} was not applied`
              : `event_id ${quote(id)} belongs to signal ${quote(owner)} (earlier in the same batch); this message for signal ${quote(m.event.signalId)} was not applied`;
        reject(deadLetterOf(m, [{ path: '$.event_id', message: why }]), at);
        continue;
      }
      claimed.set(id, m);
      const p = pending.get(m.event.signalId) as Pending;
      p.state = mergeStates(p.state, stateOf(m.event));
      const summary = summarizeStatus(p.state);
      const added = summary.anomalies.filter((a) => !p.anomalies.includes(a));
      auditRows.push({
        event_id: m.event.eventId,
        signal_id: m.event.signalId,
        kind: m.event.kind,
        occurred_at: m.event.occurredAt,
        received_at: now,
        ...sourceColumns(m.source, null, null),
        payload: m.payload,
        content_hash: m.contentHash,
        status_before: p.status,
        status_after: summary.status,
        anomaly: added.length > 0 ? added.join(',') : null,
      });
      p.status = summary.status;
      p.anomalies = summary.anomalies;
      p.version++;
      p.changed = true;
    }

    const created: Record<string, unknown>[] = [];
    const updated: Record<string, unknown>[] = [];
    for (const [id, p] of pending) {
      if (!p.changed) continue;
      const row = toSignalRow({ ...deriveFacts(id, p.state), version: p.version, createdAt: now, updatedAt: now }, p.state);
      (p.stored ? updated : created).push(row);
    }
    if ((await insertRows(writer, sql.insertSignals, created)) !== created.length) throw new ConcurrentInsert('a signal was created concurrently');
    // what the rewritten rows counted in the rollups before, and what every written row counts now
    rollupsBefore = await contributionsOf(writer, updated.map((r) => r.signal_id as string));
    await insertRows(writer, sql.upsertSignals, updated);
    rollupsAfter = await contributionsOf(writer, [...created, ...updated].map((r) => r.signal_id as string));
    if ((await insertRows(writer, sql.insertAudit, auditRows)) !== auditRows.length) throw new ConcurrentInsert('an event id was recorded concurrently');
    applied = auditRows.length;
    signalsChanged = created.length + updated.length;
  }

  if (options.strict && dead.length > 0) {
    throw ContractError.violation(dead.map((m) => ({ source: sourceColumns(m.source, m.topic, m.key).source, where: m.source, problems: m.problems })));
  }
  // per topic, so the rollup counts exactly the dead letters written (a redelivered one is skipped)
  const byTopic = new Map<string, Record<string, unknown>[]>();
  for (const m of dead) {
    const row = deadLetterRow(now, m);
    const topic = (row.topic as string | null) ?? 'api';
    const rows = byTopic.get(topic);
    if (rows === undefined) byTopic.set(topic, [row]);
    else rows.push(row);
  }
  const written = new Map<string, number>();
  for (const [topic, rows] of byTopic) written.set(topic, await insertRows(writer, sql.insertDeadLetters, rows));
  await addDeadLetterRollups(writer, now.slice(0, 10), written);
  await shiftRollups(writer, rollupsAfter, rollupsBefore, rollupSlot);
  if (options.checkpoints !== undefined && options.checkpoints.length > 0) {
    const rows = options.checkpoints.map((c) => ({ group_id: c.groupId, topic: c.topic, partition: c.partition, next_offset: c.nextOffset, updated_at: now }));
    await insertRows(writer, sql.saveCheckpoints, rows);
  }
  rejections.sort((a, b) => a.at - b.at);
  return { received: messages.length, applied, duplicates, deadLetters: dead.length, signalsChanged, signalIds, outcomes, rejections };
}
