import type { AcceptedMessage, EventSource, ParsedMessage, Problem, RejectedMessage } from '../contract/index.ts';
import { canonicalJson, eventsDigest, EXACT_HASH_PREFIX, storableProblems, quote, sameContent, sha256Hex, storableText, timestampFromDate } from '../contract/index.ts';
import { deriveFacts, EMPTY_STATE, type FoldState, mergeStates, stateOf, summarizeStatus } from '../fold/index.ts';
import { ContractError } from '../errors.ts';
import { type BatchWriter, type BulkInsert, ConcurrentInsert, inJsonArray, insertRows, selectRows } from './bulk-sql.ts';
import type { Dialect } from './database-url.ts';
import { ConsumerCheckpointEntity } from './entities/consumer-checkpoint.entity.ts';
import { DeadLetterEntity } from './entities/dead-letter.entity.ts';
import { SignalEventEntity } from './entities/signal-event.entity.ts';
import { columnsOf } from './entity-columns.ts';
import { addDeadLetterRollups, type Contributions, contributionsOf, contributionsOfRows, ROLLUP_SLOTS, shiftRollups } from './rollups.ts';
import { SIGNAL_WRITE_COLUMNS, toSignalRow } from './signal-columns.ts';
import { fromStoredState } from './stored-fold-state.ts';
import type { ApplyOptions, ApplyResult, MessageOutcome } from './apply-types.ts';

// Inside one transaction of applyBatch (apply-batch.ts): the batch's set-based statements, its dead-letter rows,
// and the fold of its events into their signals' stored states.

// the columns each statement fills, as the entities declare them
const AUDIT_COLUMNS = columnsOf(SignalEventEntity);
const DEAD_LETTER_COLUMNS = columnsOf(DeadLetterEntity);
const CHECKPOINT_COLUMNS = columnsOf(ConsumerCheckpointEntity);

interface StatementSet {
  saveCheckpoints: BulkInsert;
  insertSignals: BulkInsert;
  lockSignals: string;
  existingEvents: string;
  storedHashes: string;
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
    insertSignals: { table: 'signals', columns: SIGNAL_WRITE_COLUMNS, tail: 'on conflict ("signal_id") do nothing', orderBy: 'signal_id', copy: { key: 'signals_pkey' } },
    lockSignals:
      `select "signal_id", "status", "version", "fold_state" from "signals" where ${inJsonArray(dialect, 'signal_id')} order by "signal_id"` +
      (dialect === 'postgresql' ? ' for update' : ''),
    existingEvents: `select "event_id", "signal_id", "content_hash" from "signal_events" where ${inJsonArray(dialect, 'event_id')}`,
    // the content hashes a stored signal's events already have: its events_digest covers them and the batch's
    storedHashes: `select "signal_id", "content_hash" from "signal_events" where ${inJsonArray(dialect, 'signal_id')}`,
    // arrival order, so the audit trail's ids follow the order events were received
    insertAudit: { table: 'signal_events', columns: AUDIT_COLUMNS, tail: 'on conflict ("event_id") do nothing', copy: { key: 'signal_events_event_id_key' } },
    upsertSignals: { table: 'signals', columns: SIGNAL_WRITE_COLUMNS, tail: `on conflict ("signal_id") do update set ${updates}`, orderBy: 'signal_id' },
    insertDeadLetters: { table: 'dead_letters', columns: DEAD_LETTER_COLUMNS, tail: 'on conflict ("dedupe_key") do nothing' },
  };
}

const STATEMENTS: Record<Dialect, StatementSet> = { sqlite: buildStatements('sqlite'), postgresql: buildStatements('postgresql') };

/** The apply path's upsert of signal rows (rebuild writes its rows with it). */
export const upsertSignalsStatement = (dialect: Dialect): BulkInsert => STATEMENTS[dialect].upsertSignals;

/** Columns that say where a message came from, for the audit trail and dead letters. */
export function sourceColumns(source: EventSource, topic: string | null, key: string | null) {
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
export function deadLetterOf(m: AcceptedMessage, problems: Problem[]): RejectedMessage {
  const topic = m.source.type === 'api' ? null : m.source.topic;
  const key = m.source.type === 'api' ? null : m.source.key;
  return { ok: false, problems, raw: m.payload, topic: topic ?? 'api', key, source: m.source, eventId: m.event.eventId, signalId: m.event.signalId };
}

export async function applyInTransaction(writer: BatchWriter, messages: readonly ParsedMessage[], options: ApplyOptions, lookUpEveryEvent: boolean): Promise<ApplyResult> {
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
    // Lock the signals that exist, in id order; signals that do not exist yet are inserted below, and a
    // concurrent creator of the same signal retries the batch: the insert finds the key taken (ConcurrentInsert,
    // from COPY on PostgreSQL, from the conflict clause's short count on SQLite).
    const locked = await selectRows<{ signal_id: string; status: string; version: number | string; fold_state: unknown }>(writer, sql.lockSignals, [JSON.stringify(signalIds)]);
    const rows = new Map(locked.map((r) => [r.signal_id, r]));
    // Only a stored signal can have recorded events: a signal's row is written in the transaction of
    // its first event. (A signal created concurrently since the lock makes an insert below find its key
    // taken, and the batch runs again.)
    // An event_id reused by another signal is found at insert time (its key taken); the batch then runs
    // again looking every id up.
    const candidates = [
      ...new Set(accepted.filter(({ m }) => lookUpEveryEvent || rows.has(m.event.signalId)).flatMap(({ m }) => (m.legacyEventId === undefined ? [m.event.eventId] : [m.event.eventId, m.legacyEventId]))),
    ];
    const existing = new Map(
      candidates.length === 0
        ? []
        : (await selectRows<{ event_id: string; signal_id: string; content_hash: string }>(writer, sql.existingEvents, [JSON.stringify(candidates)])).map((r) => [r.event_id, r]),
    );

    interface Pending {
      state: FoldState;
      /** the content hashes of the events this batch records for the signal */
      hashes: string[];
      status: string | null;
      anomalies: string[];
      version: number;
      stored: boolean;
      changed: boolean;
    }
    const pending = new Map<string, Pending>();
    for (const id of signalIds) {
      const row = rows.get(id);
      const state = row === undefined ? EMPTY_STATE : fromStoredState(row.fold_state, id);
      pending.set(id, {
        state,
        hashes: [],
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
        // the same words whether the first carrier is in this batch or an earlier one: batches are cut differently
        // by database (ingest's lanes), batch size and redelivery, and a file's dead letter is recorded once per
        // topic, raw value and problems, so words that named the batch made a second row on a second ingest
        const why =
          owner === m.event.signalId
            ? `event_id ${quote(id)} was already recorded with different content; this message was not applied`
            : `event_id ${quote(id)} already belongs to signal ${quote(owner)}; this message for signal ${quote(m.event.signalId)} was not applied`;
        reject(deadLetterOf(m, [{ path: '$.event_id', message: why }]), at);
        continue;
      }
      claimed.set(id, m);
      const p = pending.get(m.event.signalId) as Pending;
      p.state = mergeStates(p.state, stateOf(m.event));
      const summary = summarizeStatus(p.state);
      const added = summary.anomalies.filter((a) => !p.anomalies.includes(a));
      const source = sourceColumns(m.source, null, null);
      // every column named in one literal, so each row is made in its final shape at once (keep these five in step with
      // sourceColumns): spreading its object in took 17 to 30 % of the time building and encoding an audit row took
      // (docs/benchmarks.md, "Audit rows in one literal")
      auditRows.push({
        event_id: m.event.eventId,
        signal_id: m.event.signalId,
        kind: m.event.kind,
        occurred_at: m.event.occurredAt,
        received_at: now,
        source: source.source,
        topic: source.topic,
        partition: source.partition,
        offset: source.offset,
        message_key: source.message_key,
        payload: m.payload,
        content_hash: m.contentHash,
        status_before: p.status,
        status_after: summary.status,
        anomaly: added.length > 0 ? added.join(',') : null,
      });
      p.hashes.push(m.contentHash);
      p.status = summary.status;
      p.anomalies = summary.anomalies;
      p.version++;
      p.changed = true;
    }

    const created: Record<string, unknown>[] = [];
    const updated: Record<string, unknown>[] = [];
    const rewritten = [...pending].filter(([, p]) => p.changed && p.stored).map(([id]) => id);
    const storedHashes = Map.groupBy(
      rewritten.length === 0 ? [] : await selectRows<{ signal_id: string; content_hash: string }>(writer, sql.storedHashes, [JSON.stringify(rewritten)]),
      (r) => r.signal_id,
    );
    for (const [id, p] of pending) {
      if (!p.changed) continue;
      const digest = eventsDigest([...(storedHashes.get(id) ?? []).map((r) => r.content_hash), ...p.hashes]);
      const row = toSignalRow({ ...deriveFacts(id, p.state), version: p.version, eventsDigest: digest, createdAt: now, updatedAt: now }, p.state);
      (p.stored ? updated : created).push(row);
    }
    if ((await insertRows(writer, sql.insertSignals, created)) !== created.length) throw new ConcurrentInsert('a signal was created concurrently');
    // what the rewritten rows counted in the rollups before, and what every written row counts now
    rollupsBefore = await contributionsOf(writer, updated.map((r) => r.signal_id as string));
    await insertRows(writer, sql.upsertSignals, updated);
    rollupsAfter = contributionsOfRows([...created, ...updated]);
    if ((await insertRows(writer, sql.insertAudit, auditRows)) !== auditRows.length) throw new ConcurrentInsert('an event id was recorded concurrently');
    applied = auditRows.length;
    signalsChanged = created.length + updated.length;
  }

  if (options.strict && dead.length > 0) {
    throw ContractError.violation(dead.map((m) => ({ source: sourceColumns(m.source, m.topic, m.key).source, where: m.source, problems: m.problems })));
  }
  // per topic, so the rollup counts exactly the dead letters written (a redelivered one is skipped)
  const byTopic = new Map<string, Record<string, unknown>[]>();
  for (const m of options.writeNoDeadLetters ? [] : dead) {
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
