import kafkajs, { type Admin, type Consumer, type KafkaConfig as KafkajsConfig, type logLevel as LogLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConnection } from '../config.ts';
import { classifyFailure, ConfigError, FailureClass } from '../errors.ts';
import { registerCompressionCodecs } from './compression-codecs.ts';
import { installLinearRecordDecoder } from './kafkajs-record-decoder.ts';

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

/**
 * Node's codes of a TLS handshake that failed on the broker's certificate: not signed by a trusted CA (KAFKA_SSL_CA,
 * else Node's own), expired or not yet valid, revoked, or for another host name. Trying again cannot help.
 */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'CERT_REVOKED', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

let certificateErrorsFinal = false;
/**
 * kafkajs wraps every socket error in a KafkaJSConnectionError that it retries (about 40 s with our retry
 * settings), a refused certificate included, and logs each attempt. Its class is given a `retriable` that is
 * false when the code is a certificate's, so kafkajs gives up at the first refusal (KafkaJSError's constructor
 * assigns `retriable`, which this setter takes; kafkajs reads it before it retries). The class is kafkajs's own:
 * the change holds for every kafkajs client of the process, an embedding application's included (a refused
 * certificate is final for them too).
 */
function makeCertificateErrorsFinal(): void {
  if (certificateErrorsFinal) return;
  certificateErrorsFinal = true;
  const given = new WeakMap<object, unknown>();
  Object.defineProperty(kafkajs.KafkaJSConnectionError.prototype, 'retriable', {
    configurable: true,
    get(this: { code?: unknown }) {
      return typeof this.code === 'string' && CERTIFICATE_CODES.has(this.code) ? false : (given.get(this) ?? true);
    },
    set(this: object, value: unknown) {
      given.set(this, value);
    },
  });
}

/** The errors in a chain of causes (kafkajs's retrier wraps what it gives up on). */
function* causes(error: unknown): Generator<Error> {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 10; depth++, e = e.cause) yield e;
}

/** True when an error is a refused SASL login or a refused broker certificate. */
const isRefusal = (e: Error): boolean => {
  const code = (e as { code?: unknown }).code;
  return e.name === 'KafkaJSSASLAuthenticationError' || (e.name === 'KafkaJSConnectionError' && typeof code === 'string' && CERTIFICATE_CODES.has(code));
};

/**
 * A broker refused the credentials (SASL) or the client refused the broker's certificate: the one line that
 * says which setting to look at (never the password), as a ConfigError; null for any other failure.
 */
export function connectionRefusal(error: unknown, connection: KafkaConnection): Error | null {
  const e = [...causes(error)].find(isRefusal);
  if (e === undefined) return null;
  const brokers = connection.brokers.join(',');
  if (e.name === 'KafkaJSSASLAuthenticationError') {
    const sasl = connection.sasl;
    const who = sasl === undefined ? '' : ` user "${sasl.username}" (${sasl.mechanism.toUpperCase()})`;
    // kafkajs's message starts "SASL SCRAM SHA512 authentication failed: " (plain: "SASL PLAIN ..."): the broker's words follow
    const reason = e.message.replace(/^SASL [^:]*authentication failed: /i, '');
    return ConfigError.invalid('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD', `${brokers} refused the SASL login of${who}: ${reason}; check the user name and password`);
  }
  const code = (e as { code?: string }).code as string;
  const reason = e.message.replace(/^Connection error: /, '');
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return ConfigError.invalid('KAFKA_BROKERS', `the TLS certificate of ${brokers} is not for that host name: ${reason}`);
  }
  const ca = connection.ssl !== true && connection.ssl?.ca !== undefined ? 'the CA in KAFKA_SSL_CA' : "a CA Node.js trusts (set KAFKA_SSL_CA to the cluster's CA file)";
  return ConfigError.invalid('KAFKA_SSL_CA', `the TLS certificate of ${brokers} was refused (${reason} [${code}]): it must be signed by ${ca}`);
}

/** A failure of the connection's settings (connectionRefusal) as its ConfigError, any other as it is. */
export function explainKafkaError(error: unknown, connection: KafkaConnection): unknown {
  return connectionRefusal(error, connection) ?? error;
}

/** What `work` gives; when it fails, a refused login or certificate becomes the one line naming its setting (explainKafkaError). */
export function explainingRefusals<T>(work: Promise<T>, connection: KafkaConnection): Promise<T> {
  return work.catch((error: unknown) => {
    throw explainKafkaError(error, connection);
  });
}

/**
 * Tells kafkajs's own lines about a refused login or certificate (its log entries carry text, not the error):
 * the command reports the refusal once, as the setting to fix (explainKafkaError), so these lines (three or
 * more per attempt) are kept for debug. A certificate's refusal is known by its stack (Node's onConnectSecure);
 * the lines after it that quote its message are about it too.
 */
function refusalLines(): (message: string, rest: Record<string, unknown>) => boolean {
  const refusedCertificates = new Set<string>();
  return (message, rest) => {
    const text = `${message} ${typeof rest.error === 'string' ? rest.error : ''}`;
    if (/^SASL\b|\bSaslAuthenticate\b|Authentication failed/i.test(text)) return true;
    if (typeof rest.stack === 'string' && rest.stack.includes('onConnectSecure')) {
      refusedCertificates.add(message);
      return true;
    }
    return [...refusedCertificates].some((m) => message.includes(m));
  };
}

/** A kafkajs client whose own log lines go to pino (warnings and errors only), reading and writing every Kafka codec, decoding records in time linear in their headers. */
export function createKafka(connection: KafkaConnection, logger: Logger): InstanceType<typeof Kafka> {
  silenceKafkajsTimerWarning();
  makeCertificateErrorsFinal();
  // kafkajs's codec table and module cache belong to this thread's copy of kafkajs: the worker thread sets its own
  registerCompressionCodecs();
  installLinearRecordDecoder();
  const log = logger.child({ component: 'kafkajs' });
  const aboutRefusal = refusalLines();
  const config: KafkajsConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      // kafkajs logs its connection errors at ERROR while it retries them: they are warnings to us;
      // its warning that bounded retries weaken an idempotent producer is a choice we made (produce-events.ts)
      // its lines about a refused login or certificate come again as the command's own error (explainKafkaError)
      if ((level as LogLevel) <= logLevel.WARN && !String(message).startsWith('Limiting retries for the idempotent producer') && !aboutRefusal(String(message), rest)) log.warn(rest, String(message));
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

/** The most bytes one fetch brings (kafkajs maxBytes), across all partitions: 4 MiB, with the default --partition-buffer (config-choices.ts), keeps the worker under 300 MB (docs/benchmarks.md). */
const FETCH_BYTES = 4 * 1_048_576;

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
    // a refused login or certificate is not restarted either: it stops the worker with the setting to fix
    retry: { retries: 8, restartOnFailure: async (error) => !isBug(error) && ![...causes(error)].some(isRefusal) },
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
