import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../config.ts';
import { EVENT_KINDS, LIMITS, parseMessage, type ParsedMessage, type RejectedMessage } from '../contract/index.ts';
import { describeError } from '../errors.ts';
import { applyBatch, type ApplyResult, type ConsumerCheckpoint, deleteCheckpoint, readCheckpoints, type Store } from '../store/index.ts';
import { createKafka } from './kafka-client.ts';
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
  /** called after each applied chunk (committed to the database) with the partition's next offset and the chunk's messages */
  onProgress?: (topic: string, partition: number, nextOffset: bigint, messages: readonly KafkaMessage[]) => void;
  /** partitions consumed at once; their chunks are applied together (default 10) */
  partitionsConsumedConcurrently?: number;
  /** messages per database transaction (default 1000) */
  chunkSize?: number;
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

const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Kafka worker: consumes the five topics with eachBatch and manual offset resolution. Each chunk
 * of a partition's batch is validated and applied in ONE transaction, which also records the
 * partition's checkpoint; only after that commit are its offsets resolved and committed. A crash
 * anywhere replays at most the chunks whose offsets were not committed, and their events are
 * duplicates by event_id: at-least-once delivery, exactly-once effect.
 */
export function createWorker(options: WorkerOptions): LedgerWorker {
  const { store, config, logger, metrics } = options;
  const groupId = options.groupId ?? config.groupId;
  const chunkSize = options.chunkSize ?? 1000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  const topics = EVENT_KINDS.map((k) => config.topics[k]);
  const kafka = createKafka(config.kafka, logger);
  const log = logger.child({ component: 'worker', group: groupId });
  const health = { kafka: false, database: false };
  /** per partition, the next offset the store has (from its checkpoints and this worker's commits) */
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

  /** partitions whose stored checkpoint was found past the partition's end at start */
  const ignored = new Set<string>();
  async function refreshFloors(): Promise<void> {
    for (const c of await readCheckpoints(store, groupId)) {
      const key = partitionKey(c.topic, c.partition);
      if (!ignored.has(key)) floors.set(key, BigInt(c.nextOffset));
    }
  }

  /**
   * Chunks waiting for a transaction. Concurrent partitions' chunks are applied together, in one
   * transaction with all their checkpoints: with keys by signal, partition p of every topic holds the
   * same signals, so a combined transaction writes each signal once instead of once per topic.
   */
  const queue: { parsed: ParsedMessage[]; checkpoint: ConsumerCheckpoint; done: (applied: boolean) => void; fail: (e: unknown) => void }[] = [];
  let flushing = 0;
  const maxFlushes = store.dialect === 'sqlite' ? 1 : 2;

  function scheduleFlush(): void {
    if (flushing >= maxFlushes || queue.length === 0) return;
    flushing++;
    // one turn of the event loop lets the other partitions' chunks of this fetch join
    setImmediate(() => {
      void flush().finally(() => {
        flushing--;
        scheduleFlush();
      });
    });
  }

  async function flush(): Promise<void> {
    const taken: typeof queue = [];
    let size = 0;
    while (queue.length > 0 && (taken.length === 0 || size + (queue[0]?.parsed.length ?? 0) <= LIMITS.maxBatchEvents)) {
      const item = queue.shift() as (typeof queue)[number];
      taken.push(item);
      size += item.parsed.length;
    }
    if (taken.length === 0) return;
    try {
      const timer = metrics.batchSeconds.startTimer();
      const result = await applyWithRetries(taken.flatMap((t) => t.parsed), taken.map((t) => t.checkpoint));
      if (result !== null) {
        timer();
        for (const [topic, n] of Object.entries(result.byTopic)) {
          metrics.applied.inc({ topic }, n.applied);
          metrics.duplicates.inc({ topic }, n.duplicates);
          metrics.deadLettered.inc({ topic }, n.deadLetters);
        }
      }
      for (const t of taken) t.done(result !== null);
    } catch (error) {
      for (const t of taken) t.fail(error);
    }
  }

  /** Applies messages in one transaction, retrying while the database is unavailable; null when stopping first. */
  async function applyWithRetries(parsed: ParsedMessage[], checkpoints: ConsumerCheckpoint[]): Promise<ApplyResult | null> {
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
        for (const until = Date.now() + delay * (0.75 + Math.random() / 2); Date.now() < until; ) {
          if (stopping !== null) return null;
          await sleep(Math.min(500, Math.max(0, until - Date.now())));
        }
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  /**
   * Queues one partition's chunk and waits until it is in the database, heartbeating meanwhile so the
   * group keeps this member through a long batch or a database outage. False when stopping first.
   */
  async function applyChunk(parsed: ParsedMessage[], topic: string, partition: number, nextOffset: bigint, heartbeat: () => Promise<void>): Promise<boolean> {
    let outcome: { applied: boolean } | { error: unknown } | null = null;
    const settled = new Promise<void>((resolve) => {
      queue.push({
        parsed,
        checkpoint: { groupId, topic, partition, nextOffset: nextOffset.toString() },
        done: (applied) => ((outcome = { applied }), resolve()),
        fail: (error) => ((outcome = { error }), resolve()),
      });
    });
    scheduleFlush();
    while (outcome === null) {
      await Promise.race([settled, sleep(2_000)]);
      if (outcome === null) await heartbeat();
    }
    const o = outcome as { applied: boolean } | { error: unknown };
    if ('error' in o) throw o.error;
    return o.applied;
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

  async function eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
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
    for (let i = 0; i < messages.length; i += chunkSize) {
      if (!isRunning() || isStale() || stopping !== null) return;
      const chunk = messages.slice(i, i + chunkSize);
      const parsed = chunk.map((m) =>
        parseMessage(
          { topic, key: m.key, value: m.value, source: { type: 'kafka', topic, partition, offset: m.offset, key: m.key === null ? null : m.key.toString('utf8') } },
          config.topics,
        ),
      );
      metrics.consumed.inc({ topic }, chunk.length);
      const last = chunk[chunk.length - 1] as KafkaMessage;
      const nextOffset = BigInt(last.offset) + 1n;
      const applied = await applyChunk(parsed, topic, partition, nextOffset, heartbeat);
      if (!applied) return; // stopping while the database is away: nothing resolved, nothing committed
      await forwardDeadLetters(
        parsed.flatMap((p, j) => (p.ok ? [] : [{ message: chunk[j] as KafkaMessage, parsed: p }])),
        topic,
        partition,
      );
      // the chunk is in the database: only now may its offsets be committed
      resolveOffset(last.offset);
      floors.set(key, nextOffset);
      metrics.lag.set({ topic, partition: String(partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - nextOffset)));
      await commitOffsetsIfNecessary();
      options.onProgress?.(topic, partition, nextOffset, chunk);
      if (end !== undefined && nextOffset >= end && remaining.delete(key) && remaining.size === 0) void stop();
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
      // a checkpoint past the end of its partition belongs to an earlier incarnation of the topic
      // (deleted and created again): trusting it would skip the new messages
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          const key = partitionKey(topic, p.partition);
          const floor = floors.get(key);
          if (floor !== undefined && floor > BigInt(p.high)) {
            log.warn({ topic, partition: p.partition, checkpoint: floor.toString(), end: p.high }, 'the store checkpoint is past the end of the partition (topic recreated?): ignoring it, resuming from the committed offset');
            floors.delete(key);
            ignored.add(key);
            await deleteCheckpoint(store, { groupId, topic, partition: p.partition });
          }
        }
      }
    } finally {
      await admin.disconnect();
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
      // bounded in-flight memory: about one chunk per partition, a few partitions per fetch
      maxBytesPerPartition: 512 * 1024,
      maxBytes: 4 * 1_048_576,
      retry: { retries: 8, restartOnFailure: async (error) => !isBug(error) },
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, ({ payload }) => {
      health.kafka = true;
      void seekToCheckpoints(c, payload.memberAssignment).catch((error: unknown) => log.warn({ error: describeError(error) }, 'could not compare checkpoints with committed offsets; resuming from the committed offsets'));
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
      // several partitions at once on both stores: their chunks share transactions (see flush)
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 10,
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

  async function seekToCheckpoints(c: Consumer, assignment: Record<string, number[]>): Promise<void> {
    await refreshFloors();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics: Object.keys(assignment) });
      for (const { topic, partitions } of committed) {
        for (const { partition, offset } of partitions) {
          if (!(assignment[topic] ?? []).includes(partition)) continue;
          const floor = floors.get(partitionKey(topic, partition));
          // resume from the later of the group's committed offset and the store's checkpoint
          if (floor !== undefined && floor > BigInt(offset)) {
            log.info({ topic, partition, committed: offset, checkpoint: floor.toString() }, 'store is ahead of the committed offset: seeking to its checkpoint');
            c.seek({ topic, partition, offset: floor.toString() });
          }
        }
      }
    } finally {
      await admin.disconnect();
    }
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
