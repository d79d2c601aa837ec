import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { COMPRESSIONS, DEFAULT_MAX_BATCH, defaultPartitionBuffer, MAX_PARTITION_BUFFER, NAIVE_TIMESTAMPS, ON_INVALID, type Compression, type NaiveTimestamps, type OnInvalid, readWholeNumber, wholeNumberRule } from './config-choices.ts';
import { DEFAULT_TOPICS, EVENT_KINDS, type EventKind } from './contract/index.ts';
import { LIMITS } from './contract/limits.ts';
import { ConfigError } from './errors.ts';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './store/database-url.ts';

export { LIMITS };
export { COMPRESSIONS, DEFAULT_MAX_BATCH, defaultPartitionBuffer, MAX_PARTITION_BUFFER, NAIVE_TIMESTAMPS, ON_INVALID, type Compression, type NaiveTimestamps, type OnInvalid };

/** A setting that is a whole number (readWholeNumber's rule), from min to max. */
function wholeNumber(min: number, max: number) {
  return z.string().transform((value, ctx) => {
    const n = readWholeNumber(value, min, max);
    if (n === null) ctx.addIssue({ code: 'custom', message: wholeNumberRule(min, max) });
    return n ?? z.NEVER;
  });
}

/** Per-topic overrides: KAFKA_TOPIC_SIGNALS_GENERATED and so on, full topic names (no prefix added). */
const TOPIC_SETTINGS: Record<EventKind, string> = Object.fromEntries(
  EVENT_KINDS.map((kind) => [kind, `KAFKA_TOPIC_${DEFAULT_TOPICS[kind].toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]),
) as Record<EventKind, string>;

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: 1 to 249 of letters, digits, ".", "_", "-"');
const port = wholeNumber(0, 65535);
const otlpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL of an OTLP/HTTP receiver' });

/**
 * Every setting read from the environment; flags override them. `process.env` is read nowhere else in src/ (the
 * OpenTelemetry exporter, when tracing is on, reads its own other OTEL_EXPORTER_OTLP_* settings).
 */
const envSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  KAFKA_BROKERS: z
    .string()
    .regex(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'a comma-separated list of host:port, such as 127.0.0.1:9092')
    .optional(),
  KAFKA_GROUP_ID: z.string().min(1).max(255).optional(),
  KAFKA_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, 'letters, digits, ".", "_", "-"').optional(),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]{0,200}$/, 'letters, digits, ".", "_", "-"').optional(),
  ...Object.fromEntries(Object.values(TOPIC_SETTINGS).map((name) => [name, topicName.optional()])),
  KAFKA_DLQ_TOPIC: topicName.optional(),
  KAFKA_SSL: z.enum(['true', 'false']).optional(),
  KAFKA_SSL_CA: z.string().min(1).optional(),
  KAFKA_SSL_CERT: z.string().min(1).optional(),
  KAFKA_SSL_KEY: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.union([z.ipv4(), z.ipv6(), z.hostname()], 'an IP address or host name to listen on, such as 127.0.0.1, 0.0.0.0 or ::').optional(),
  WORKER_MAX_BATCH: wholeNumber(1, LIMITS.maxBatchEvents).optional(),
  WORKER_PARTITION_BUFFER: wholeNumber(1, MAX_PARTITION_BUFFER).optional(),
  KAFKA_COMPRESSION: z.enum(COMPRESSIONS, `one of ${COMPRESSIONS.join(', ')}`).optional(),
  WORKER_ON_INVALID: z.enum(ON_INVALID, `one of ${ON_INVALID.join(', ')}`).optional(),
  NAIVE_TIMESTAMPS: z.enum(NAIVE_TIMESTAMPS, `one of ${NAIVE_TIMESTAMPS.join(', ')}`).optional(),
  INGEST_MAX_LINE_BYTES: wholeNumber(1024, LIMITS.maxLineBytesCeiling).optional(),
  // OpenTelemetry's own names (the exporter reads its other OTEL_EXPORTER_OTLP_* settings itself: headers, timeout)
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(255).optional(),
});
type Env = z.infer<typeof envSchema>;

export interface LedgerConfig {
  databaseUrl: string;
  /** which setting the database URL came from, for error lines */
  databaseUrlSetting: string;
  logLevel: string;
  /** offset-less timestamps: a dead letter ('reject', default) or read as UTC */
  naiveTimestamps: NaiveTimestamps;
  /** file ingest: a longer line is a dead letter holding its first bytes, length and sha256 */
  maxLineBytes: number;
}

export interface ConfigFlags {
  db?: string;
  naiveTimestamps?: string;
  maxLineBytes?: string;
}

/** Each flag: its field in the flags given, the environment variable it overrides, and its name on the command line. */
const FLAG_SETTINGS = [
  ['naiveTimestamps', 'NAIVE_TIMESTAMPS', '--naive-timestamps'],
  ['maxLineBytes', 'INGEST_MAX_LINE_BYTES', '--max-line-bytes'],
  ['brokers', 'KAFKA_BROKERS', '--brokers'],
  ['groupId', 'KAFKA_GROUP_ID', '--group-id'],
  ['dlqTopic', 'KAFKA_DLQ_TOPIC', '--dlq-topic'],
  ['metricsPort', 'METRICS_PORT', '--metrics-port'],
  ['metricsHost', 'METRICS_HOST', '--metrics-host'],
  ['maxBatch', 'WORKER_MAX_BATCH', '--max-batch'],
  ['partitionBuffer', 'WORKER_PARTITION_BUFFER', '--partition-buffer'],
  ['compression', 'KAFKA_COMPRESSION', '--compression'],
  ['onInvalid', 'WORKER_ON_INVALID', '--on-invalid'],
] as const satisfies readonly (readonly [keyof KafkaFlags, keyof Env, string])[];

/**
 * The environment with every flag given laid over the variable it overrides, validated as a whole: a bad
 * value is reported under its flag when a flag gave it, and a bad variable that a flag overrides is not read.
 */
function readSettings(flags: KafkaFlags, env: Record<string, string | undefined>): Env {
  const overrides: Record<string, string | undefined> = { ...env };
  for (const [field, variable] of FLAG_SETTINGS) if (flags[field] !== undefined) overrides[variable] = flags[field];
  try {
    return readEnv(overrides);
  } catch (error) {
    const setting = (error as { context?: { setting?: string } }).context?.setting;
    const given = FLAG_SETTINGS.find(([field, variable]) => variable === setting && flags[field] !== undefined);
    if (given !== undefined) throw ConfigError.invalid(given[2], (error as Error).message.replace(/^[^:]+: /, ''));
    throw error;
  }
}

function readEnv(env: Record<string, string | undefined>): Env {
  // an empty variable counts as unset
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ConfigError.invalid(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/** Loads and validates the configuration once per entry point; a bad value throws a ConfigError naming the setting. */
export function loadConfig(flags: ConfigFlags = {}, env: Record<string, string | undefined> = process.env): LedgerConfig {
  return ledgerConfig(flags, readSettings(flags, env));
}

function ledgerConfig(flags: ConfigFlags, parsed: Env): LedgerConfig {
  const setting = flags.db !== undefined ? '--db' : parsed.DATABASE_URL !== undefined ? 'DATABASE_URL' : 'default database URL';
  const databaseUrl = flags.db ?? parsed.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  parseDatabaseUrl(databaseUrl, setting);
  return {
    databaseUrl,
    databaseUrlSetting: setting,
    logLevel: parsed.LOG_LEVEL ?? 'info',
    naiveTimestamps: parsed.NAIVE_TIMESTAMPS ?? 'reject',
    maxLineBytes: parsed.INGEST_MAX_LINE_BYTES ?? LIMITS.maxLineBytes,
  };
}

/** How to reach Kafka: kafkajs's ssl and sasl options, already read and checked (file contents, not paths). */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  ssl?: { ca?: string; cert?: string; key?: string } | true;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface KafkaConfig extends LedgerConfig {
  kafka: KafkaConnection;
  groupId: string;
  /** the topic of each event kind (prefix and overrides applied) */
  topics: Record<EventKind, string>;
  deadLetterTopic: string | null;
  /** port of /livez, /readyz, /healthz and /metrics; 0 picks a free one */
  metricsPort: number;
  /** the address they listen on: 127.0.0.1 by default, 0.0.0.0 (or ::) in a container */
  metricsHost: string;
  /** the worker applies at most this many messages per database transaction */
  maxBatch: number;
  /**
   * fetched messages the worker buffers for a topic partition before it pauses fetching it (memory against speed):
   * the value set, else null for the default, an eighth of maxBatch (defaultPartitionBuffer), which follows
   * a maxBatch changed later (the benchmark's batch sizes)
   */
  partitionBuffer: number | null;
  /** codec of the messages the ledger produces (dead-letter topic, generate --produce) */
  compression: Compression;
  /** a contract violation: dead letter and go on (default), or stop the worker without committing its offset */
  onInvalid: OnInvalid;
  /** where spans are exported (worker, replay, generate --produce) */
  tracing: TracingConfig;
}

/** Where spans go: an OTLP/HTTP traces URL, or null (tracing off). */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else null */
  tracesUrl: string | null;
  /** the resource's service.name: OTEL_SERVICE_NAME, else signal-ledger */
  serviceName: string;
}

export interface KafkaFlags extends ConfigFlags {
  brokers?: string;
  groupId?: string;
  dlqTopic?: string;
  metricsPort?: string;
  metricsHost?: string;
  maxBatch?: string;
  partitionBuffer?: string;
  compression?: string;
  onInvalid?: string;
}

function readSecretFile(setting: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw ConfigError.invalid(setting, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, error);
  }
}

/** The worker's, replay's and topics' configuration: the database plus Kafka, validated in one place. */
export function loadKafkaConfig(flags: KafkaFlags = {}, env: Record<string, string | undefined> = process.env): KafkaConfig {
  const e = readSettings(flags, env);
  const base = ledgerConfig(flags, e);
  const prefix = e.KAFKA_TOPIC_PREFIX ?? '';
  const topics = Object.fromEntries(
    EVENT_KINDS.map((kind) => [kind, (e as Record<string, string | undefined>)[TOPIC_SETTINGS[kind]] ?? `${prefix}${DEFAULT_TOPICS[kind]}`]),
  ) as Record<EventKind, string>;
  if (new Set(Object.values(topics)).size !== EVENT_KINDS.length) {
    throw ConfigError.invalid('KAFKA_TOPIC_*', `two event kinds share one topic: ${JSON.stringify(topics)}`);
  }
  const kafka: KafkaConnection = {
    brokers: (e.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
    clientId: e.KAFKA_CLIENT_ID ?? 'signal-ledger',
  };
  const tlsFiles = { ca: e.KAFKA_SSL_CA, cert: e.KAFKA_SSL_CERT, key: e.KAFKA_SSL_KEY };
  if ((tlsFiles.cert === undefined) !== (tlsFiles.key === undefined)) {
    throw ConfigError.invalid(tlsFiles.cert === undefined ? 'KAFKA_SSL_CERT' : 'KAFKA_SSL_KEY', 'a client certificate needs both KAFKA_SSL_CERT and KAFKA_SSL_KEY');
  }
  if (e.KAFKA_SSL === 'true' || Object.values(tlsFiles).some((v) => v !== undefined)) {
    if (e.KAFKA_SSL === 'false') throw ConfigError.invalid('KAFKA_SSL', 'is false but KAFKA_SSL_CA, KAFKA_SSL_CERT or KAFKA_SSL_KEY is set');
    const ssl: { ca?: string; cert?: string; key?: string } = {};
    if (tlsFiles.ca !== undefined) ssl.ca = readSecretFile('KAFKA_SSL_CA', tlsFiles.ca);
    if (tlsFiles.cert !== undefined) ssl.cert = readSecretFile('KAFKA_SSL_CERT', tlsFiles.cert);
    if (tlsFiles.key !== undefined) ssl.key = readSecretFile('KAFKA_SSL_KEY', tlsFiles.key);
    kafka.ssl = Object.keys(ssl).length > 0 ? ssl : true;
  }
  if (e.KAFKA_SASL_MECHANISM !== undefined) {
    if (e.KAFKA_SASL_USERNAME === undefined) throw ConfigError.invalid('KAFKA_SASL_USERNAME', `required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`);
    if (e.KAFKA_SASL_PASSWORD === undefined) throw ConfigError.invalid('KAFKA_SASL_PASSWORD', `required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`);
    kafka.sasl = { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password: e.KAFKA_SASL_PASSWORD };
  } else if (e.KAFKA_SASL_USERNAME !== undefined || e.KAFKA_SASL_PASSWORD !== undefined) {
    throw ConfigError.invalid('KAFKA_SASL_MECHANISM', 'required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set (plain, scram-sha-256 or scram-sha-512)');
  }
  return {
    ...base,
    kafka,
    groupId: e.KAFKA_GROUP_ID ?? 'signal-ledger',
    topics,
    deadLetterTopic: e.KAFKA_DLQ_TOPIC ?? null,
    metricsPort: e.METRICS_PORT ?? 9464,
    metricsHost: e.METRICS_HOST ?? '127.0.0.1',
    maxBatch: e.WORKER_MAX_BATCH ?? DEFAULT_MAX_BATCH,
    partitionBuffer: e.WORKER_PARTITION_BUFFER ?? null,
    compression: e.KAFKA_COMPRESSION ?? 'none',
    onInvalid: e.WORKER_ON_INVALID ?? 'dead-letter',
    tracing: {
      tracesUrl: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? null : `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`),
      serviceName: e.OTEL_SERVICE_NAME ?? 'signal-ledger',
    },
  };
}
