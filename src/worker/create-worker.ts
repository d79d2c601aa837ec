import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../config.ts';
import { EVENT_KINDS, keyText, parseMessage, type ParsedMessage, type ParseOptions } from '../contract/index.ts';
import { classifyFailure, describeError, ErrorCode, FailureClass, LedgerError } from '../errors.ts';
import { deleteCheckpoint, MESSAGE_OUTCOMES, type MessageOutcome, readCheckpoints, type Store } from '../store/index.ts';
import { openStoreWriter, type StoreWriter } from './store-writer.ts';
import { createKafka } from './kafka-client.ts';
import { refusalOf, resolveCompressionType } from './compression-codecs.ts';
import { CheckpointFloors } from './checkpoint-floors.ts';
import { databaseRetry } from './database-retry.ts';
import { createDeadLetterForwarder, type RejectedKafkaMessage } from './dead-letter-forwarder.ts';
import { PartitionBuffers, type Slice } from './partition-buffers.ts';
import { createSliceScheduler } from './slice-scheduler.ts';
import { assertTopicsExist } from './preflight.ts';
import { fetchPartitionOffsets, partitionKey } from './partition-offsets.ts';
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
  /** slices (each of one partition number) in hand at once (default 3): side by side on PostgreSQL; SQLite's one writer takes them in turn */
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
export function parseKafkaMessage(topic: string, partition: number, message: KafkaMessage, options: ParseOptions): ParsedMessage {
  const key = keyText(message.key);
  const source = { type: 'kafka', topic, partition, offset: message.offset, key } as const;
  // a stand-in for a record of a batch that could not be decompressed: a dead letter saying why
  const refused = refusalOf(message.value);
  if (refused !== null) return { ok: false, problems: [{ path: '$', message: refused }], raw: null, topic, key, source, eventId: null, signalId: null };
  return parseMessage({ topic, key, value: message.value, source }, options);
}

/** The most bytes one fetch brings (kafkajs maxBytes), across all partitions. */
const FETCH_BYTES = 8 * 1_048_576;
/** How long the applier waits for a full slice before it applies what it has. */
const PATIENCE_MS = 100;

/**
 * The Kafka worker: consumes the five topics with eachBatch into per-partition buffers, while an
 * applier takes slices of partition p of every topic (they hold the same signals), aligned on produce
 * time, and validates and applies each in ONE transaction, which also records the checkpoint of every
 * partition in it; only after that commit are its offsets committed to Kafka (kafkajs commits nothing
 * itself). A crash anywhere replays at most the slices whose offsets were not committed, and their
 * events are duplicates by event_id: at-least-once delivery, exactly-once effect.
 */
export function createWorker(options: WorkerOptions): LedgerWorker {
  const { store, config, logger, metrics } = options;
  const groupId = options.groupId ?? config.groupId;
  const maxBatch = config.maxBatch;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  const topics = EVENT_KINDS.map((k) => config.topics[k]);
  const parseOptions: ParseOptions = { topics: config.topics, naiveTimestamps: config.naiveTimestamps };
  const kafka = createKafka(config.kafka, logger);
  const log = logger.child({ component: 'worker', group: groupId });
  const health = { kafka: false, database: false };
  const floors = new CheckpointFloors({
    read: () => readCheckpoints(store, groupId),
    remove: ({ topic, partition }) => deleteCheckpoint(store, { groupId, topic, partition }),
  });
  const remaining = new Set(options.stopAt === undefined ? [] : [...options.stopAt].filter(([, end]) => end > 0n).map(([k]) => k));
  let consumer: Consumer | null = null;
  let producer: Producer | null = null;
  /** copies a slice's dead letters to the dead-letter topic, once its producer is connected (dead-letter-forwarder.ts) */
  let forwardDeadLetters = async (_rejected: RejectedKafkaMessage[], _topic: string, _partition: number): Promise<void> => {};
  let stopping: Promise<void> | null = null;
  let pinger: ReturnType<typeof setInterval> | null = null;
  let settle: { resolve: () => void; reject: (e: unknown) => void } = { resolve: () => {}, reject: () => {} };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection

  const database = databaseRetry({
    log,
    onState: (up) => (health.database = up),
    onRetry: () => metrics.dbRetries.inc(),
    halting: () => halting,
    maxRetryDelayMs,
  });



  const outcomeCounter = { applied: metrics.applied, duplicate: metrics.duplicates, 'dead-letter': metrics.deadLettered } as const;

  const buffers = new PartitionBuffers(maxBatch);
  let halting = false;
  let wakeScheduled = false;
  let applier: Promise<void> = Promise.resolve();
  let writer: StoreWriter | null = null;

  /**
   * kafkajs fetches; eachBatch only buffers what the store does not have yet and resolves the batch's
   * offsets so the next fetch goes on (autoCommit is off: kafkajs commits nothing itself), while the
   * applier writes slices to the database and commits exactly their offsets. Fetching and applying
   * thus overlap. A partition holding its cap of messages (half a slice) is paused until the applier
   * takes some, so memory is bounded and the partitions behind keep being fetched (partition-buffers.ts).
   */
  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, pause } = payload;
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    const floor = floors.get(key) ?? 0n;
    const intake = buffers.intake(batch, floor, options.stopAt?.get(key));
    if (intake === null) return;
    log.debug({ topic, partition, first: batch.firstOffset(), last: batch.lastOffset(), floor: floor.toString() }, 'batch:received');
    resolveOffset(intake.lastOffset);
    if (intake.pause) pause();
    if (intake.buffered === 0 && BigInt(intake.lastOffset) + 1n <= floor) {
      // a whole batch the store already has (a crash between the database commit and the offset commit): move the group's committed offset up to the checkpoint
      await commit([{ topic, partition, offset: floor.toString() }]);
    }
    // once every batch of this fetch is buffered (they are handed out together), not between them
    if (!wakeScheduled) {
      wakeScheduled = true;
      setImmediate(() => {
        wakeScheduled = false;
        scheduler.wake();
      });
    }
  }

  /** Commits offsets the store has; a failure (a rebalance under way) only leaves them to the store's checkpoints. */
  async function commit(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    try {
      await consumer?.commitOffsets(offsets);
    } catch (error) {
      log.debug({ error: describeError(error), offsets }, 'offset commit failed; the store checkpoints still say how far it is');
    }
  }

  const scheduler = createSliceScheduler({
    buffers,
    apply: (slice) => applySliceOf(slice),
    onError: (error) => {
      if (error instanceof LedgerError && error.code === ErrorCode.ContractViolation) logViolations(error);
      else log.error({ error: describeError(error) }, 'worker stopped: an error that retrying cannot fix; no offset past stored data was committed');
      void shutdown().then(() => settle.reject(error));
    },
    halting: () => halting,
    lanes: options.concurrentGroups ?? 3,
    patienceMs: PATIENCE_MS,
  });

  /** Strict mode: each message that broke the contract, with where it is, before the worker stops. */
  function logViolations(error: LedgerError): void {
    const messages = (error.context.messages ?? []) as { where: { topic?: string; partition?: number; offset?: string }; problems: unknown }[];
    for (const { where, problems } of messages) {
      log.error({ topic: where.topic, partition: where.partition, offset: where.offset, problems }, 'contract violation in strict mode (--on-invalid stop): the worker stops; this offset is not committed');
    }
  }

  /** Applies one slice in one transaction, then commits its offsets. */
  async function applySliceOf(slice: Slice): Promise<void> {
    const { parts, resume } = buffers.take(slice);
    for (const { topic, partition } of resume) consumer?.resume([{ topic, partitions: [partition] }]);
    const parsed = parts.flatMap(({ buffer: { topic, partition }, chunk }) => {
      metrics.consumed.inc({ topic }, chunk.length);
      return chunk.map((m) => parseKafkaMessage(topic, partition, m, parseOptions));
    });
    const timer = metrics.batchSeconds.startTimer();
    const checkpoints = parts.map(({ buffer: { topic, partition }, nextOffset }) => ({ groupId, topic, partition, nextOffset: nextOffset.toString() }));
    // retried while the database is unavailable; null when stopped first
    const result = await database.run(() => (writer as StoreWriter).apply(parsed, checkpoints, config.onInvalid === 'stop'));
    if (result === null) return; // halted while the database was away: nothing committed
    timer();
    metrics.signalWrites.inc(result.signalsChanged);
    let at = 0;
    for (const { buffer: { topic, partition, key, highWatermark }, chunk, nextOffset } of parts) {
      const from = at;
      at += chunk.length;
      const tally = { applied: 0, duplicate: 0, 'dead-letter': 0 };
      for (let j = from; j < at; j++) tally[result.outcomes[j] as MessageOutcome]++;
      for (const outcome of MESSAGE_OUTCOMES) if (tally[outcome] > 0) outcomeCounter[outcome].inc({ topic }, tally[outcome]);
      const rejected = result.rejections.filter((r) => r.at >= from && r.at < at).map((r) => ({ message: chunk[r.at - from] as KafkaMessage, problems: r.problems }));
      await forwardDeadLetters(rejected, topic, partition);
      floors.raise(key, nextOffset);
      metrics.lag.set({ topic, partition: String(partition) }, Math.max(0, Number(highWatermark - nextOffset)));
      options.onProgress?.(topic, partition, nextOffset, chunk);
    }
    // the slice is in the database: only now may its offsets be committed
    await commit(parts.map(({ buffer: { topic, partition }, nextOffset }) => ({ topic, partition, offset: nextOffset.toString() })));
    for (const { buffer: { key }, nextOffset } of parts) {
      const end = options.stopAt?.get(key);
      if (end !== undefined && nextOffset >= end && remaining.delete(key) && remaining.size === 0) void stop();
    }
  }

  async function start(): Promise<void> {
    await floors.refresh();
    health.database = true;
    // an idle worker still notices the database going away (and coming back) for /healthz
    pinger = setInterval(() => {
      store
        .em()
        .getConnection()
        .execute('select 1')
        .then(
          () => database.observe(true),
          (error: unknown) => database.observe(false, error),
        );
    }, 5_000);
    pinger.unref();
    await assertTopicsExist(kafka.admin(), [...topics, ...(config.deadLetterTopic === null ? [] : [config.deadLetterTopic])], config.kafka.brokers);
    const partitions = await fetchPartitionOffsets(kafka, topics);
    await floors.dropPastEnd(partitions, log);
    if (options.stopAt !== undefined && remaining.size === 0) {
      settle.resolve();
      return;
    }
    // stopped while the broker was being reached: nothing to consume into
    if (halting) return;
    if (config.deadLetterTopic !== null) {
      const dlq = kafka.producer({ allowAutoTopicCreation: false });
      producer = dlq;
      await dlq.connect();
      forwardDeadLetters = createDeadLetterForwarder({
        topic: config.deadLetterTopic,
        compression: resolveCompressionType(config.compression),
        send: (batch) => dlq.send(batch),
        log,
        halting: () => halting,
        maxRetryDelayMs,
      });
    }
    const c = kafka.consumer({
      groupId,
      // during a long database outage the buffers fill and their partitions pause, while kafkajs goes on
      // fetching nothing and heartbeating; the session only ends if the process hangs
      sessionTimeout: 30_000,
      // with every partition paused (buffers full) kafkajs sleeps this long before it looks again
      maxWaitTimeInMs: 200,
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
      // kafkajs fetches a new assignment from the committed offsets: what is buffered will come again
      const paused = buffers.clear();
      if (paused.length > 0) c.resume(paused.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
      // a new assignment may bring partitions another member applied further than it committed
      void floors.refresh().catch((error: unknown) => log.warn({ error: describeError(error), partitions: payload.memberAssignment }, 'could not read the checkpoints; the event_id dedupe still keeps re-read messages from counting twice'));
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
    writer = await openStoreWriter(store);
    applier = scheduler.run();
    await c.run({
      eachBatchAutoResolve: false,
      // offsets are committed by the applier, after their slice is in the database, and by nothing else
      autoCommit: false,
      eachBatch,
    });
    log.info({ topics, brokers: config.kafka.brokers }, 'worker consuming');
  }

  /** A failure of our own making (not the broker's, not the database being away) stops the worker. */
  function isBug(error: unknown): boolean {
    let e: unknown = error;
    while (e instanceof Error) {
      if (e.name.startsWith('KafkaJS') && e.name !== 'KafkaJSNonRetriableError') return false;
      if (classifyFailure(e) === FailureClass.Retry) return false;
      e = e.cause;
    }
    return true;
  }

  let shuttingDown: Promise<void> | null = null;
  /** Lets the slices in hand commit (and their offsets), then stops the consumer; what is still buffered is read again next time. */
  function shutdown(): Promise<void> {
    shuttingDown ??= (async () => {
      if (pinger !== null) clearInterval(pinger);
      halting = true;
      scheduler.wake();
      await applier;
      await writer?.close();
      writer = null;
      const c = consumer;
      consumer = null;
      if (c !== null) {
        await c.stop();
        await c.disconnect();
      }
      if (producer !== null) await producer.disconnect();
      producer = null;
      health.kafka = false;
    })();
    return shuttingDown;
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
