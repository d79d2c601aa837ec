import type { Span } from '@opentelemetry/api';
import type { Consumer } from 'kafkajs';
import { EVENT_KINDS, type ParseOptions } from '../contract/index.ts';
import { describeError } from '../errors.ts';
import { deleteCheckpoint, readCheckpoints } from '../store/index.ts';
import { createBatchIntake } from './batch-intake.ts';
import { CheckpointFloors } from './checkpoint-floors.ts';
import { resolveCompressionType } from './compression-codecs.ts';
import { watchConsumer } from './consumer-events.ts';
import { databaseRetry, pingEvery } from './database-retry.ts';
import { type DeadLetterProducer, deadLetterProducer } from './dead-letter-forwarder.ts';
import { logFatalError } from './fatal-errors.ts';
import { createKafka, createLedgerConsumer } from './kafka-client.ts';
import { parseKafkaMessage } from './kafka-message.ts';
import { PartitionBuffers, type Slice, type TakenPart } from './partition-buffers.ts';
import { LagSampler, sampleLagEvery } from './lag-sampler.ts';
import { EndOffsets, fetchPartitionOffsets, partitionKey, readPartitionOffsets } from './partition-offsets.ts';
import { assertTopicsExist } from './preflight.ts';
import { recordSliceResult } from './slice-results.ts';
import { createSliceScheduler } from './slice-scheduler.ts';
import { openStoreWriter, type StoreWriter } from './store-writer.ts';
import { inSpan, producerLinks, SpanKind } from './tracing.ts';
import type { LedgerWorker, WorkerOptions } from './worker-options.ts';

/** How long the applier waits for a full slice before it applies what it has. */
const PATIENCE_MS = 100;

/** A slice's span attributes: where its messages come from. */
function sliceAttributes(groupId: string, parts: readonly TakenPart[]): Record<string, string | number | string[]> {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.consumer.group.name': groupId,
    'messaging.destination.partition.id': String(parts[0]?.buffer.partition ?? ''),
    'messaging.batch.message_count': parts.reduce((n, p) => n + p.chunk.length, 0),
    'ledger.topics': parts.map((p) => p.buffer.topic),
    // topic:partition:first-last offset of each part
    'ledger.offsets': parts.map(({ buffer: { topic, partition }, chunk, nextOffset }) => `${topic}:${partition}:${chunk[0]?.offset}-${nextOffset - 1n}`),
  };
}

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
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  const lagSampleMs = options.lagSampleMs ?? 5_000;
  const tracer = options.tracer ?? null;
  const topics = EVENT_KINDS.map((k) => config.topics[k]);
  const parseOptions: ParseOptions = { topics: config.topics, naiveTimestamps: config.naiveTimestamps };
  const kafka = createKafka(config.kafka, logger);
  const log = logger.child({ component: 'worker', group: groupId });
  const health = { kafka: false, database: false };
  const floors = new CheckpointFloors({
    read: () => readCheckpoints(store, groupId),
    remove: ({ topic, partition }) => deleteCheckpoint(store, { groupId, topic, partition }),
  });
  const ends = new EndOffsets(options.stopAt);
  let consumer: Consumer | null = null;
  /** the dead-letter topic's producer (dead-letter-forwarder.ts), known from before it connects */
  let deadLetters: DeadLetterProducer | null = null;
  let stopping: Promise<void> | null = null;
  let halting = false;
  let stopPings = () => {};
  let stopLagSamples = async () => {};
  /** this member's partitions (its last assignment), whose lag it samples */
  let assigned: { key: string; topic: string; partition: number }[] = [];
  /** per partition in a slice being applied: the produce time of the slice's first message of it */
  const applying = new Map<string, number>();
  const settled = Promise.withResolvers<void>();
  settled.promise.catch(() => undefined); // observed by whoever awaits done; never an unhandled rejection

  const database = databaseRetry({
    log,
    onState: (up) => (health.database = up),
    onRetry: () => metrics.dbRetries.inc(),
    halting: () => halting,
    maxRetryDelayMs,
  });

  const buffers = new PartitionBuffers(config.maxBatch, undefined, config.partitionBuffer);
  let applier: Promise<void> = Promise.resolve();
  let writer: StoreWriter | null = null;

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
    onError: fail,
    halting: () => halting,
    // SQLite's one writer applies one slice at a time: a second lane keeps the next slice validated and waiting; a
    // third only held one more slice in both threads (24 MB of peak RSS, measured). PostgreSQL applies them side by side.
    lanes: options.concurrentGroups ?? (store.dialect === 'sqlite' ? 2 : 3),
    patienceMs: PATIENCE_MS,
  });

  /** An error retrying cannot fix stops the worker: the slices in hand commit first. */
  function fail(error: unknown): void {
    logFatalError(log, error);
    void shutdown().then(() => settled.reject(error));
  }

  /** Applies one slice in one transaction, then commits its offsets. */
  async function applySliceOf(slice: Slice): Promise<void> {
    const { parts, resume } = buffers.take(slice);
    for (const { topic, partition } of resume) consumer?.resume([{ topic, partitions: [partition] }]);
    for (const { buffer, chunk } of parts) if (!applying.has(buffer.key)) applying.set(buffer.key, Number(chunk[0]?.timestamp));
    let committed = false;
    try {
      // the span's links and attributes are read only when tracing is on
      const spanOptions = tracer === null ? {} : { kind: SpanKind.CONSUMER, links: producerLinks(parts.flatMap((p) => p.chunk)), attributes: sliceAttributes(groupId, parts) };
      committed = await inSpan(tracer, 'signal-ledger apply slice', spanOptions, (span) => applyTaken(parts, span));
    } finally {
      for (const { buffer } of parts) applying.delete(buffer.key);
    }
    // a batch of only a marker may have come while this slice was applied
    if (committed) for (const { buffer } of parts) checkPassedEnd(buffer.key);
  }

  /** Validates and applies the taken parts, then commits their offsets; false when halted before the database took them. */
  async function applyTaken(parts: TakenPart[], span: Span | null): Promise<boolean> {
    const parsed = parts.flatMap(({ buffer: { topic, partition }, chunk }) => {
      metrics.consumed.inc({ topic }, chunk.length);
      return chunk.map((m) => parseKafkaMessage(topic, partition, m, parseOptions));
    });
    const timer = metrics.batchSeconds.startTimer();
    const checkpoints = parts.map(({ buffer: { topic, partition }, nextOffset }) => ({ groupId, topic, partition, nextOffset: nextOffset.toString() }));
    // retried while the database is unavailable; null when stopped first
    const result = await inSpan(tracer, 'signal-ledger database transaction', { attributes: { 'db.system.name': store.dialect } }, () =>
      database.run(() => (writer as StoreWriter).apply(parsed, checkpoints, config.onInvalid === 'stop')),
    );
    if (result === null) return false; // halted while the database was away: nothing committed
    timer();
    metrics.lastApplied.set(Date.now() / 1000);
    metrics.signalWrites.inc(result.signalsChanged);
    const forwardDeadLetters = deadLetters?.forward ?? (async () => {});
    const counts = await recordSliceResult(parts, result, { metrics, forwardDeadLetters, raiseFloor: (key, next) => floors.raise(key, next), onProgress: options.onProgress });
    const outcomes = { 'ledger.events_applied': counts.applied, 'ledger.duplicates': counts.duplicate, 'ledger.dead_letters': counts['dead-letter'] };
    span?.setAttributes(outcomes);
    log.debug({ partition: parts[0]?.buffer.partition, messages: parsed.length, ...outcomes }, 'slice applied');
    // the slice is in the database: only now may its offsets be committed
    await commit(parts.map(({ buffer: { topic, partition }, nextOffset }) => ({ topic, partition, offset: nextOffset.toString() })));
    if (parts.filter(({ buffer: { key }, nextOffset }) => endReached(key, nextOffset)).length > 0) void stop();
    return true;
  }

  /**
   * A bounded run whose partition ends in records that are not messages (a transaction's marker) or past its end:
   * once the partition holds nothing and has no slice in hand, nothing more will come to apply.
   */
  function checkPassedEnd(key: string): void {
    if (!halting && !applying.has(key) && endReached(key, -1n)) void stop();
  }

  /** Records how far a partition is applied (or passed, when it holds nothing more to take); true when that ends a bounded run. */
  function endReached(key: string, appliedTo: bigint): boolean {
    const passed = buffers.passedOffset(key) ?? -1n;
    return ends.reached(key, passed > appliedTo ? passed : appliedTo);
  }

  /**
   * Starts consuming. A stop meanwhile makes it resolve as soon as the step under way ends, without consuming
   * (an error of that step included); a step that fails otherwise closes what start opened, then rejects.
   */
  function start(): Promise<void> {
    return startSteps().catch(async (error: unknown) => {
      if (halting) return;
      await shutdown().catch(() => undefined);
      throw error;
    });
  }

  /** the consumer's run() under way: it joins the group, and a stop waits for it before it stops the consumer */
  let running: Promise<void> | null = null;

  /**
   * Each step that waits is followed by a look at `halting`: a stop meanwhile has closed what was open
   * then, and what the step opened after that is closed here (release), so nothing runs after a stop.
   */
  async function startSteps(): Promise<void> {
    // until its first slice, the worker's start: a worker that applies nothing from its start still shows as stalled
    metrics.lastApplied.set(Date.now() / 1000);
    await floors.refresh();
    if (halting) return;
    health.database = true;
    // an idle worker still notices the database going away (and coming back) for /healthz
    stopPings = pingEvery(5_000, () => store.em().getConnection().execute('select 1'), database.observe);
    await assertTopicsExist(kafka.admin(), [...topics, ...(config.deadLetterTopic === null ? [] : [config.deadLetterTopic])], config.kafka.brokers);
    if (halting) return release();
    const partitions = await fetchPartitionOffsets(kafka, topics);
    if (halting) return release();
    await floors.dropPastEnd(partitions, log);
    if (ends.done) {
      await release();
      return settled.resolve();
    }
    if (halting) return release();
    if (config.deadLetterTopic !== null) {
      const dlq = { topic: config.deadLetterTopic, compression: resolveCompressionType(config.compression), log, halting: () => halting, maxRetryDelayMs };
      // known before it connects, whose retries end at a stop
      deadLetters = deadLetterProducer(kafka, dlq);
      await deadLetters.connect();
      if (halting) return release();
    }
    const c = createLedgerConsumer(kafka, groupId, partitions.size);
    watchConsumer(c, {
      log,
      health,
      clearBuffers: () => buffers.clear(),
      refreshFloors: () => floors.refresh(),
      onAssignment: (assignment) => (assigned = Object.entries(assignment).flatMap(([topic, ps]) => ps.map((partition) => ({ key: partitionKey(topic, partition), topic, partition })))),
      onFatal: fail,
      onPassedBatch: ({ topic, partition, highWatermark, lastOffset }) => {
        const key = partitionKey(topic, partition);
        buffers.intake({ topic, partition, highWatermark, messages: [], lastOffset: () => lastOffset }, floors.get(key) ?? 0n, ends.get(key));
        scheduler.wakeSoon();
        checkPassedEnd(key);
      },
    });
    // known once connected (kafkajs's connect cannot be cut short: a stop meanwhile is seen after it)
    await c.connect();
    consumer = c;
    if (halting) return release();
    await c.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
    if (halting) return release();
    writer = await openStoreWriter(store);
    if (halting) return release();
    if (lagSampleMs > 0) {
      // its admin client connects on the first sample: a broker away then fails a sample, not the start
      const lagAdmin = kafka.admin();
      let lagStopped = false;
      const sampler = new LagSampler({
        ends: async () => {
          try {
            return await readPartitionOffsets(lagAdmin, topics, () => lagStopped);
          } finally {
            // a read that outlasted the stop's wait: kafkajs may have connected again for it after the disconnect
            if (lagStopped) await lagAdmin.disconnect().catch(() => undefined);
          }
        },
        assigned: () => assigned,
        applied: (key) => floors.get(key),
        oldestPending: (key) => applying.get(key) ?? buffers.oldestTime(key),
      });
      const stopSampling = sampleLagEvery(lagSampleMs, sampler, metrics, log);
      stopLagSamples = async () => {
        // a read under way is let end first (it asks nothing again once stopped): kafkajs would connect again
        // for its next step after a disconnect (findBroker refreshes the metadata), and that connection would stay
        lagStopped = true;
        await stopSampling();
        await lagAdmin.disconnect().catch(() => undefined);
      };
    }
    // until the next step nothing waits: a stop sees the applier it must wait for
    applier = scheduler.run();
    running = c.run({
      eachBatchAutoResolve: false,
      // offsets are committed by the applier, after their slice is in the database, and by nothing else
      autoCommit: false,
      eachBatch: createBatchIntake({ buffers, floor: (key) => floors.get(key), end: (key) => ends.get(key), commit, wake: () => scheduler.wakeSoon(), passed: checkPassedEnd, log }),
    });
    await running;
    if (halting) return release();
    log.info({ topics, brokers: config.kafka.brokers }, 'worker consuming');
  }

  /** Closes what is open now; each is taken before it is closed, so a second call closes nothing twice, and one that fails does not keep the rest open. */
  async function release(): Promise<void> {
    stopPings();
    const stopLag = stopLagSamples;
    stopLagSamples = async () => {};
    const w = writer;
    writer = null;
    const c = consumer;
    consumer = null;
    const d = deadLetters;
    deadLetters = null;
    const closing = [
      stopLag(),
      w?.close(),
      // a consumer still joining its group (run() under way) is only stopped once it has joined: stopped
      // before, kafkajs would drop its runner and let the join go on to fetch
      c === null ? undefined : (async () => {
        await running?.catch(() => undefined);
        await c.stop();
        await c.disconnect();
      })(),
      d?.disconnect(),
    ];
    health.kafka = false;
    const failed = (await Promise.allSettled(closing)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  let shuttingDown: Promise<void> | null = null;
  /** Lets the slices in hand commit (and their offsets), then stops the consumer; what is still buffered is read again next time. */
  function shutdown(): Promise<void> {
    shuttingDown ??= (async () => {
      halting = true;
      scheduler.wake();
      await applier;
      await release();
    })();
    return shuttingDown;
  }

  function stop(): Promise<void> {
    stopping ??= shutdown().then(
      () => {
        log.info('worker stopped');
        settled.resolve();
      },
      (error: unknown) => {
        settled.reject(error);
        throw error;
      },
    );
    return stopping;
  }

  return { start, stop, done: settled.promise, health, partitionBuffer: buffers.cap };
}
