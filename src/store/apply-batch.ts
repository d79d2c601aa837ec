import type { ParsedMessage, Problem, RejectedMessage } from '../contract/index.ts';
import { LIMITS, sha256Hex } from '../contract/index.ts';
import { classifyFailure, ContractError, describeError, FailureClass, InputError, isDatabaseRefusal, isTransactionRace, LedgerError, StoreError } from '../errors.ts';
import { type BatchWriter, ConcurrentInsert, type NativeSqlite, keptStatement, type PgClient, pgRunner } from './bulk-sql.ts';
import type { Store } from './store.ts';
import { applyInTransaction, deadLetterOf, sourceColumns } from './apply-transaction.ts';
import type { ApplyOptions, ApplyResult, ConsumerCheckpoint, MessageOutcome } from './apply-types.ts';

export * from './apply-types.ts';

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
 * Applies the batch; when the database refuses it for its data (or applying it raises a RangeError in Node),
 * splits it in halves, applying each part that passes, until the messages that fail on their own are found.
 * Those become dead letters carrying the error and whose it is, written with the batch's checkpoints in a last
 * transaction, so a crash half-way replays the batch (whose applied parts are then duplicates). In strict mode
 * the parts are applied in transactions that are rolled back, only to name the messages in the violation.
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

/**
 * A message that failed alone, as a dead letter carrying the error and saying whose it is (isDatabaseRefusal): the
 * database's, refusing the data, or signal-ledger's own, a RangeError raised while applying it.
 */
function refusedDeadLetter(m: ParsedMessage, error: unknown): RejectedMessage {
  const who = isDatabaseRefusal(error) ? 'the database refused this message' : 'signal-ledger could not apply this message';
  const problem: Problem = { path: '$', message: `${who}: ${describeError(error)}` };
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

/** The wait before attempt + 1 after a race: 20 ms doubling to 1 s, jittered by ±50 %. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 10 * 2 ** attempt) * (0.5 + Math.random())));

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
        await backoff(attempt);
        continue;
      }
      if (error instanceof LedgerError || !retry) throw error;
      throw StoreError.conflict(`batch not applied after ${attempt} attempts`, error);
    }
  }
}

/**
 * Runs fn in one write transaction as the apply path does (on SQLite after the store's other writes, BEGIN
 * IMMEDIATE), again after a race between transactions, with backoff (rebuild's pages).
 */
export function withWriteTransaction<T>(store: Store, fn: (writer: BatchWriter) => Promise<T>, maxAttempts = 8): Promise<T> {
  return oneWriterOnSqlite(store, async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(store, fn);
      } catch (error) {
        if (attempt >= maxAttempts || !isTransactionRace(error)) throw error;
        await backoff(attempt);
      }
    }
  });
}

/** The part of MikroORM's `pg` pool a transaction uses: a client of its own, given back (or dropped when broken) after. */
interface PgPool {
  connect(): Promise<PgClient & { release(error?: Error | boolean): void }>;
}

/**
 * One transaction on the store. SQLite's begins IMMEDIATE: a deferred one that reads first cannot take
 * the write lock once another connection has written, and SQLite then fails at once with SQLITE_BUSY
 * instead of waiting (busy_timeout only applies to taking the lock). PostgreSQL's runs on a `pg` client
 * of its own from MikroORM's pool (COPY is submitted to the client; Kysely's connection hides it), which
 * always goes back to the pool, and is dropped from it when its rollback failed: a controlled transaction
 * (em.transactional) kept such a connection, so a database restart drained the pool and hung every later batch.
 */
async function inTransaction<T>(store: Store, fn: (writer: BatchWriter) => Promise<T>): Promise<T> {
  const connection = store.em().getConnection();
  if (store.dialect === 'sqlite') {
    const sqlite = (await connection.getNativeClient()) as NativeSqlite;
    const writer: BatchWriter = { dialect: 'sqlite', runner: connection.getClient(), sqlite };
    keptStatement(sqlite, 'begin immediate').run();
    try {
      const result = await fn(writer);
      keptStatement(sqlite, 'commit').run();
      return result;
    } catch (error) {
      if (sqlite.inTransaction) keptStatement(sqlite, 'rollback').run();
      throw error;
    }
  }
  const pg = await ((await connection.getNativeClient()) as PgPool).connect();
  let broken: Error | undefined;
  try {
    await pg.query('begin');
    const result = await fn({ dialect: 'postgresql', runner: pgRunner(pg), pg });
    await pg.query('commit');
    return result;
  } catch (error) {
    await pg.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    pg.release(broken);
  }
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
