import kafkajs, { type Admin, type KafkaConfig as KafkajsConfig, type logLevel as LogLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConnection } from '../config.ts';
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
