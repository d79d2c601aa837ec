import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import { EVENT_KINDS, type ParseOptions } from '../contract/index.ts';
import { describeError, ErrorCode, LedgerError } from '../errors.ts';
import { deleteCheckpoint, MESSAGE_OUTCOMES, type MessageOutcome, readCheckpoints } from '../store/index.ts';
import { CheckpointFloors } from './checkpoint-floors.ts';
import { resolveCompressionType } from './compression-codecs.ts';
import { databaseRetry } from './database-retry.ts';
import { createDeadLetterForwarder, type RejectedKafkaMessage } from './dead-letter-forwarder.ts';
import { createKafka, createLedgerConsumer } from './kafka-client.ts';
import { parseKafkaMessage } from './kafka-message.ts';
import { PartitionBuffers, type Slice } from './partition-buffers.ts';
import { fetchPartitionOffsets, partitionKey } from './partition-offsets.ts';
import { assertTopicsExist } from './preflight.ts';
import { createSliceScheduler } from './slice-scheduler.ts';
import { openStoreWriter, type StoreWriter } from './store-writer.ts';
import type { LedgerWorker, WorkerOptions } from './worker-options.ts';

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
  let halting = false;
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
    const c = createLedgerConsumer(kafka, groupId, partitions.size);
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
