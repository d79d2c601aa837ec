import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../config.ts';
import { EVENT_KINDS, parseMessage, type ParsedMessage, type RejectedMessage, type TopicMap } from '../contract/index.ts';
import { describeError } from '../errors.ts';
import { applyBatch, type ApplyResult, type ConsumerCheckpoint, deleteCheckpoint, MESSAGE_OUTCOMES, type MessageOutcome, readCheckpoints, type Store } from '../store/index.ts';
import { alignedSlices } from './aligned-slices.ts';
import { createKafka } from './kafka-client.ts';
import { fetchPartitionOffsets, partitionKey } from './partition-offsets.ts';
import { isStoreUnavailable } from './store-errors.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface WorkerOptions {
  store: Store;
  config: KafkaConfig;
  logger: Logger;
  metrics: WorkerMetrics;
  /** the consumer group (default config.groupId) */
  groupId?: string;
  /** where a group with no committed offset starts: the beginning (default), so no history is skipped */
  fromBeginning?: boolean;
  /** replay: stop once every partition has reached these offsets (`topic:partition` -> end offset) */
  stopAt?: ReadonlyMap<string, bigint>;
  /** called after each applied slice (committed to the database), per partition in it, with the partition's next offset and its messages */
  onProgress?: (topic: string, partition: number, nextOffset: bigint, messages: readonly KafkaMessage[]) => void;
  /** partition numbers (each with its partition of every topic) applied at once on PostgreSQL (default 3; SQLite has one writer: 1) */
  concurrentGroups?: number;
  /** longest wait between retries while the database is unavailable (default 10 s) */
  maxRetryDelayMs?: number;
}

export interface LedgerWorker {
  /** connects, subscribes and starts consuming; rejects with one clear error when it cannot */
  start(): Promise<void>;
  /** stops fetching, lets the batch in hand finish and commit, disconnects; idempotent */
  stop(): Promise<void>;
  /** resolves when the worker has stopped (by stop(), or a replay reaching its end), rejects if it crashed */
  readonly done: Promise<void>;
  /** connected to Kafka (joined the group) and the last database operation succeeded */
  readonly health: { kafka: boolean; database: boolean };
}

/** A Kafka message as the contract reads it: a typed event or its problems, with where it came from. */
export function parseKafkaMessage(topic: string, partition: number, message: KafkaMessage, topics: TopicMap): ParsedMessage {
  const key = message.key === null ? null : message.key.toString('utf8');
  return parseMessage({ topic, key: message.key, value: message.value, source: { type: 'kafka', topic, partition, offset: message.offset, key } }, topics);
}

/** The most bytes one fetch brings (kafkajs maxBytes), across all partitions. */
const FETCH_BYTES = 8 * 1_048_576;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Kafka worker: consumes the five topics with eachBatch and manual offset resolution. The batches
 * of one fetch are grouped by partition number (partition p of every topic holds the same signals)
 * and each group is cut into slices aligned on produce time; each slice is validated and applied in
 * ONE transaction, which also records the checkpoint of every partition in it; only after that commit
 * are its offsets resolved and committed. A crash anywhere replays at most the slices whose offsets
 * were not committed, and their events are duplicates by event_id: at-least-once delivery,
 * exactly-once effect.
 */
export function createWorker(options: WorkerOptions): LedgerWorker {
  const { store, config, logger, metrics } = options;
  const groupId = options.groupId ?? config.groupId;
  const maxBatch = config.maxBatch;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  const topics = EVENT_KINDS.map((k) => config.topics[k]);
  const kafka = createKafka(config.kafka, logger);
  const log = logger.child({ component: 'worker', group: groupId });
  const health = { kafka: false, database: false };
  /**
   * Per partition, the next offset the store has (its checkpoints, and this worker's commits). A fetched
   * message below it is skipped unparsed, so each partition resumes from the later of the group's
   * committed offset and the store's checkpoint (they differ after a crash between the two commits).
   */
  const floors = new Map<string, bigint>();
  const remaining = new Set(options.stopAt === undefined ? [] : [...options.stopAt].filter(([, end]) => end > 0n).map(([k]) => k));
  let consumer: Consumer | null = null;
  let producer: Producer | null = null;
  let stopping: Promise<void> | null = null;
  let outage = false;
  let pinger: ReturnType<typeof setInterval> | null = null;
  let settle: { resolve: () => void; reject: (e: unknown) => void } = { resolve: () => {}, reject: () => {} };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection

  const databaseState = (up: boolean, error?: unknown) => {
    health.database = up;
    if (up && outage) log.info('database available again: consumption resumed');
    if (!up && !outage) log.warn({ error: describeError(error) }, 'database unavailable: consumption paused, no offset committed; retrying with backoff');
    outage = !up;
  };

  async function refreshFloors(): Promise<void> {
    for (const c of await readCheckpoints(store, groupId)) {
      const key = partitionKey(c.topic, c.partition);
      const next = BigInt(c.nextOffset);
      if (next > (floors.get(key) ?? -1n)) floors.set(key, next);
    }
  }

  /** Applies one slice, retrying while the database is unavailable; null when stopped or rebalanced first. */
  async function applySlice(parsed: ParsedMessage[], checkpoints: ConsumerCheckpoint[], heartbeat: () => Promise<void>): Promise<ApplyResult | null> {
    let delay = 200;
    for (;;) {
      try {
        const result = await applyBatch(store, parsed, { checkpoints });
        databaseState(true);
        return result;
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        metrics.dbRetries.inc();
        databaseState(false, error);
        // wait in slices, heartbeating, so the group keeps this member while the database is away
        for (const until = Date.now() + delay * (0.75 + Math.random() / 2); Date.now() < until; ) {
          if (stopping !== null) return null;
          await sleep(Math.min(1_000, Math.max(0, until - Date.now())));
          await heartbeat();
        }
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  async function forwardDeadLetters(rejected: { message: KafkaMessage; parsed: RejectedMessage }[], topic: string, partition: number): Promise<void> {
    if (config.deadLetterTopic === null || rejected.length === 0 || producer === null) return;
    await producer.send({
      topic: config.deadLetterTopic,
      messages: rejected.map(({ message, parsed }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          'signal-ledger-error': JSON.stringify(parsed.problems),
          'signal-ledger-source': `${topic}/${partition}@${message.offset}`,
        },
      })),
    });
  }

  const outcomeCounter = { applied: metrics.applied, duplicate: metrics.duplicates, 'dead-letter': metrics.deadLettered } as const;

  /** A fetched batch waiting for its round: the messages the store does not have yet, and its payload. */
  interface Fetched {
    payload: EachBatchPayload;
    topic: string;
    partition: number;
    key: string;
    messages: KafkaMessage[];
    hasMore: boolean;
    settle: { resolve: () => void; reject: (error: unknown) => void };
  }
  let round: Fetched[] = [];
  let roundScheduled = false;

  /**
   * kafkajs hands every batch of one fetch to eachBatch at once (its concurrency is set to the number
   * of partitions). Each call parks its batch in the round and waits; once all of them are in (the
   * next turn of the event loop), the round's batches are grouped by partition number and each group
   * is applied in aligned slices (alignedSlices), groups concurrently on PostgreSQL.
   */
  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary } = payload;
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    const end = options.stopAt?.get(key);
    const floor = floors.get(key) ?? 0n;
    log.debug({ topic, partition, first: batch.firstOffset(), last: batch.lastOffset(), floor: floor.toString() }, 'batch:received');
    // below the store's checkpoint: already applied (a crash between the database commit and the offset commit)
    let messages = batch.messages.filter((m) => BigInt(m.offset) >= floor);
    if (end !== undefined) messages = messages.filter((m) => BigInt(m.offset) < end);
    if (messages.length === 0) {
      const last = batch.messages.at(-1);
      if (last !== undefined && BigInt(last.offset) < floor) {
        resolveOffset(last.offset);
        await commitOffsetsIfNecessary();
      }
      return;
    }
    const next = BigInt((messages.at(-1) as KafkaMessage).offset) + 1n;
    const hasMore = next < BigInt(batch.highWatermark) && (end === undefined || next < end);
    await new Promise<void>((resolve, reject) => {
      round.push({ payload, topic, partition, key, messages, hasMore, settle: { resolve, reject } });
      if (!roundScheduled) {
        roundScheduled = true;
        setImmediate(runRound);
      }
    });
  }

  function runRound(): void {
    const fetched = round;
    round = [];
    roundScheduled = false;
    const groups = new Map<number, Fetched[]>();
    for (const f of fetched) groups.set(f.partition, [...(groups.get(f.partition) ?? []), f]);
    const queue = [...groups.values()];
    const lanes = store.dialect === 'sqlite' ? 1 : (options.concurrentGroups ?? 3);
    const lane = async (): Promise<void> => {
      for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
        try {
          await applyGroup(group);
          for (const f of group) f.settle.resolve();
        } catch (error) {
          for (const f of group) f.settle.reject(error);
        }
      }
    };
    for (let i = 0; i < Math.min(lanes, queue.length); i++) void lane();
  }

  /** Applies one partition number's batches of a round, slice by slice, each slice in one transaction. */
  async function applyGroup(group: Fetched[]): Promise<void> {
    const { heartbeat, commitOffsetsIfNecessary } = (group[0] as Fetched).payload;
    const slices = alignedSlices(
      group.map((f) => ({ timestamps: f.messages.map((m) => Number(m.timestamp)), hasMore: f.hasMore })),
      maxBatch,
    );
    const taken = group.map(() => 0);
    for (const slice of slices) {
      if (stopping !== null || group.some((f) => !f.payload.isRunning() || f.payload.isStale())) return;
      const parts = group.flatMap((f, i) => {
        const count = slice[i] as number;
        if (count === 0) return [];
        const chunk = f.messages.slice(taken[i], (taken[i] as number) + count);
        taken[i] = (taken[i] as number) + count;
        return [{ f, chunk, nextOffset: BigInt((chunk.at(-1) as KafkaMessage).offset) + 1n }];
      });
      const parsed = parts.flatMap(({ f, chunk }) => {
        metrics.consumed.inc({ topic: f.topic }, chunk.length);
        return chunk.map((m) => parseKafkaMessage(f.topic, f.partition, m, config.topics));
      });
      const timer = metrics.batchSeconds.startTimer();
      const checkpoints = parts.map(({ f, nextOffset }) => ({ groupId, topic: f.topic, partition: f.partition, nextOffset: nextOffset.toString() }));
      const result = await applySlice(parsed, checkpoints, heartbeat);
      if (result === null) return; // stopping while the database is away: nothing resolved, nothing committed
      timer();
      let at = 0;
      for (const { f, chunk, nextOffset } of parts) {
        const from = at;
        const own = parsed.slice(from, (at += chunk.length));
        const tally = { applied: 0, duplicate: 0, 'dead-letter': 0 };
        for (let j = from; j < at; j++) tally[result.outcomes[j] as MessageOutcome]++;
        for (const outcome of MESSAGE_OUTCOMES) if (tally[outcome] > 0) outcomeCounter[outcome].inc({ topic: f.topic }, tally[outcome]);
        await forwardDeadLetters(
          own.flatMap((p, j) => (p.ok ? [] : [{ message: chunk[j] as KafkaMessage, parsed: p }])),
          f.topic,
          f.partition,
        );
        // the slice is in the database: only now may its offsets be committed
        f.payload.resolveOffset((chunk.at(-1) as KafkaMessage).offset);
        floors.set(f.key, nextOffset);
        metrics.lag.set({ topic: f.topic, partition: String(f.partition) }, Math.max(0, Number(BigInt(f.payload.batch.highWatermark) - nextOffset)));
        options.onProgress?.(f.topic, f.partition, nextOffset, chunk);
        const end = options.stopAt?.get(f.key);
        if (end !== undefined && nextOffset >= end && remaining.delete(f.key) && remaining.size === 0) void stop();
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  async function start(): Promise<void> {
    await refreshFloors();
    health.database = true;
    // an idle worker still notices the database going away (and coming back) for /healthz
    pinger = setInterval(() => {
      store
        .em()
        .getConnection()
        .execute('select 1')
        .then(
          () => databaseState(true),
          (error: unknown) => databaseState(false, error),
        );
    }, 5_000);
    pinger.unref();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0) throw new Error(`topic(s) ${missing.join(', ')} do not exist on ${config.kafka.brokers.join(',')}; create them with \`signal-ledger topics create\``);
    } finally {
      await admin.disconnect();
    }
    // a checkpoint past the end of its partition belongs to an earlier incarnation of the topic
    // (deleted and created again): trusting it would skip the new messages
    const partitions = await fetchPartitionOffsets(kafka, topics);
    for (const [key, { topic, partition, high }] of partitions) {
      const floor = floors.get(key);
      if (floor === undefined || floor <= high) continue;
      log.warn({ topic, partition, checkpoint: floor.toString(), end: high.toString() }, 'the store checkpoint is past the end of the partition (topic recreated?): ignoring it, resuming from the committed offset');
      floors.delete(key);
      await deleteCheckpoint(store, { groupId, topic, partition });
    }
    if (options.stopAt !== undefined && remaining.size === 0) {
      settle.resolve();
      return;
    }
    if (config.deadLetterTopic !== null) {
      producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
    }
    const c = kafka.consumer({
      groupId,
      // a long database outage is waited out inside eachBatch with heartbeats; the session only ends if the process hangs
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      // bounded in-flight memory: one fetch of at most FETCH_BYTES, shared by every partition, so that
      // each fetch brings all partitions (and partition p of every topic can be applied together)
      maxBytesPerPartition: Math.max(64 * 1024, Math.floor(FETCH_BYTES / Math.max(1, partitions.size))),
      maxBytes: FETCH_BYTES,
      retry: { retries: 8, restartOnFailure: async (error) => !isBug(error) },
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, ({ payload }) => {
      health.kafka = true;
      // a new assignment may bring partitions another member applied further than it committed
      void refreshFloors().catch((error: unknown) => log.warn({ error: describeError(error), partitions: payload.memberAssignment }, 'could not read the checkpoints; the event_id dedupe still keeps re-read messages from counting twice'));
    });
    c.on(c.events.CONNECT, () => (health.kafka = true));
    c.on(c.events.DISCONNECT, () => (health.kafka = false));
    c.on(c.events.CRASH, ({ payload }) => {
      health.kafka = false;
      if (payload.restart) {
        log.warn({ error: describeError(payload.error) }, 'consumer restarting after an error');
        return;
      }
      log.error({ error: describeError(payload.error) }, 'worker stopped: an error that retrying cannot fix; no offset past stored data was committed');
      void shutdown().then(() => settle.reject(payload.error));
    });
    await c.connect();
    await c.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
    await c.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      // every batch of a fetch reaches eachBatch at once, to be grouped into one round (runRound)
      partitionsConsumedConcurrently: Math.max(1, partitions.size),
      eachBatch,
    });
    log.info({ topics, brokers: config.kafka.brokers }, 'worker consuming');
  }

  /** A failure of our own making (not the broker's, not the database being away) stops the worker. */
  function isBug(error: unknown): boolean {
    let e: unknown = error;
    while (e instanceof Error) {
      if (e.name.startsWith('KafkaJS') && e.name !== 'KafkaJSNonRetriableError') return false;
      if (isStoreUnavailable(e)) return false;
      e = e.cause;
    }
    return true;
  }

  async function shutdown(): Promise<void> {
    if (pinger !== null) clearInterval(pinger);
    const c = consumer;
    consumer = null;
    if (c !== null) {
      await c.stop(); // waits for the batch in hand; its applied chunks are resolved and get committed
      await c.disconnect();
    }
    if (producer !== null) await producer.disconnect();
    producer = null;
    health.kafka = false;
  }

  function stop(): Promise<void> {
    stopping ??= shutdown().then(
      () => {
        log.info('worker stopped');
        settle.resolve();
      },
      (error: unknown) => {
        settle.reject(error);
        throw error;
      },
    );
    return stopping;
  }

  return { start, stop, done, health };
}
