import kafkajs, { type Admin, type Consumer, type KafkaConfig as KafkajsConfig, type logLevel as LogLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConnection } from '../config.ts';
import { classifyFailure, FailureClass } from '../errors.ts';
import { registerCompressionCodecs } from './compression-codecs.ts';

const { Kafka, logLevel } = kafkajs;

let timerWarningSilenced = false;
/**
 * kafkajs 2.2.4 sets timers with negative durations (it computes them from a stale clock); Node then
 * prints a TimeoutNegativeWarning each time. The timers still fire at once, as kafkajs expects.
 */
function silenceKafkajsTimerWarning(): void {
  if (timerWarningSilenced) return;
  timerWarningSilenced = true;
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    for (const l of listeners) l(warning);
  });
}

/** A kafkajs client whose own log lines go to pino (warnings and errors only), reading and writing every Kafka codec. */
export function createKafka(connection: KafkaConnection, logger: Logger): InstanceType<typeof Kafka> {
  silenceKafkajsTimerWarning();
  // kafkajs's codec table belongs to this thread's copy of kafkajs: the worker thread registers its own
  registerCompressionCodecs();
  const log = logger.child({ component: 'kafkajs' });
  const config: KafkajsConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      // kafkajs logs its connection errors at ERROR while it retries them: they are warnings to us;
      // its warning that bounded retries weaken an idempotent producer is a choice we made (produce-events.ts)
      if ((level as LogLevel) <= logLevel.WARN && !String(message).startsWith('Limiting retries for the idempotent producer')) log.warn(rest, String(message));
      else log.debug(rest, String(message));
    },
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
  };
  if (connection.ssl !== undefined) config.ssl = connection.ssl;
  if (connection.sasl !== undefined) config.sasl = connection.sasl as KafkajsConfig['sasl'];
  return new Kafka(config);
}

/** Creates the topics that do not exist yet, with the same partition count; returns the names created. */
export async function createTopics(
  kafka: InstanceType<typeof Kafka>,
  topics: readonly string[],
  partitions: number,
  replicationFactor = 1,
  configEntries: { name: string; value: string }[] = [],
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: false, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor, configEntries })) });
      await waitForLeaders(admin, missing);
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

/**
 * kafkajs's own waitForLeaders gives up when the broker answers UNKNOWN_TOPIC_OR_PARTITION, as it does
 * for a moment after the controller created the topic (its metadata lags): this asks again until then.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await admin.fetchTopicMetadata({ topics }).then(
      (m) => m.topics.length === topics.length && m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
      (error: unknown) => (Date.now() < deadline ? false : Promise.reject(error)),
    );
    if (ready) return;
    if (Date.now() >= deadline) throw new Error(`topic(s) ${topics.join(', ')} have no leader ${timeoutMs / 1000} s after they were created`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The most bytes one fetch brings (kafkajs maxBytes), across all partitions. */
const FETCH_BYTES = 8 * 1_048_576;

/**
 * The worker's consumer of `partitionCount` topic partitions in all: a fetch brings all of them within a
 * bounded size, a long database outage keeps the group membership, and kafkajs restarts the consumer after
 * an error unless it is of our own making.
 */
export function createLedgerConsumer(kafka: InstanceType<typeof Kafka>, groupId: string, partitionCount: number): Consumer {
  return kafka.consumer({
    groupId,
    // during a long database outage the buffers fill and their partitions pause, while kafkajs goes on
    // fetching nothing and heartbeating; the session only ends if the process hangs
    sessionTimeout: 30_000,
    // with every partition paused (buffers full) kafkajs sleeps this long before it looks again
    maxWaitTimeInMs: 200,
    heartbeatInterval: 3_000,
    // bounded in-flight memory: one fetch of at most FETCH_BYTES, shared by every partition, so that
    // each fetch brings all partitions (and partition p of every topic can be applied together)
    maxBytesPerPartition: Math.max(64 * 1024, Math.floor(FETCH_BYTES / Math.max(1, partitionCount))),
    maxBytes: FETCH_BYTES,
    retry: { retries: 8, restartOnFailure: async (error) => !isBug(error) },
  });
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
