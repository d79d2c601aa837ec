import type { Command } from 'commander';
import { COMPRESSIONS, DEFAULT_MAX_BATCH, defaultPartitionBuffer, MAX_PARTITION_BUFFER, NAIVE_TIMESTAMPS, ON_INVALID } from '../../config-choices.ts';
import type { KafkaFlags } from '../../config.ts';
import { LIMITS } from '../../contract/limits.ts';
import { fromThreadError } from '../../errors.ts';
import { migrateOnOpen, type GlobalOptions } from '../context.ts';
import { startThread } from '../thread.ts';
import type { WorkerThreadCommand, WorkerThreadInput, WorkerThreadMessage } from './worker-thread.ts';

/** The worker's own flags (the database is a global one; --max-line-bytes is ingest's). */
type WorkerFlags = Omit<KafkaFlags, 'db' | 'maxLineBytes'>;

const KAFKA_OPTION_HELP = `
Environment: DATABASE_URL, KAFKA_BROKERS (host:port,...; default 127.0.0.1:9092), KAFKA_GROUP_ID (default
signal-ledger), KAFKA_CLIENT_ID, KAFKA_TOPIC_PREFIX, KAFKA_TOPIC_SIGNALS_GENERATED / _SIGNALS_RISK /
_ORDERS_SUBMITTED / _ORDERS_FILLED / _SIGNALS_OUTCOME (full topic names), KAFKA_DLQ_TOPIC, KAFKA_SSL=true,
KAFKA_SSL_CA / KAFKA_SSL_CERT / KAFKA_SSL_KEY (PEM files), KAFKA_SASL_MECHANISM (plain, scram-sha-256,
scram-sha-512) with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, METRICS_PORT (default 9464), METRICS_HOST
(default 127.0.0.1), WORKER_MAX_BATCH (default 4000), WORKER_PARTITION_BUFFER (default max batch / 8),
KAFKA_COMPRESSION (codec of what the ledger produces; every codec is read), WORKER_ON_INVALID (dead-letter or
stop), NAIVE_TIMESTAMPS (reject or utc), LOG_LEVEL, OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (traces over OTLP/HTTP; default off), OTEL_SERVICE_NAME.
Flags override the environment.
`;

/** The options worker and replay share: what to do with a bad message, and how to read offset-less timestamps. */
export function addMessageRuleOptions(command: Command): Command {
  return command
    .option(
      '--on-invalid <rule>',
      `a message that breaks the contract: ${ON_INVALID.join(' or ')}; "stop" stops the worker at the first one without committing its offset, logs where it is and exits with code 4 (default $WORKER_ON_INVALID, else dead-letter)`,
    )
    .option('--naive-timestamps <rule>', `a timestamp without a UTC offset: ${NAIVE_TIMESTAMPS.join(' or ')} (read as UTC) (default $NAIVE_TIMESTAMPS, else reject)`);
}

export function addKafkaOptions(command: Command): Command {
  return command
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port,... (default $KAFKA_BROKERS, else 127.0.0.1:9092)')
    .addHelpText('after', KAFKA_OPTION_HELP);
}

export function kafkaFlags(global: GlobalOptions, opts: WorkerFlags): KafkaFlags {
  return {
    db: global.db,
    brokers: opts.brokers,
    groupId: opts.groupId,
    dlqTopic: opts.dlqTopic,
    metricsPort: opts.metricsPort,
    metricsHost: opts.metricsHost,
    maxBatch: opts.maxBatch,
    partitionBuffer: opts.partitionBuffer,
    compression: opts.compression,
    onInvalid: opts.onInvalid,
    naiveTimestamps: opts.naiveTimestamps,
  };
}

export function registerWorker(program: Command): void {
  addKafkaOptions(
    addMessageRuleOptions(program
      .command('worker')
      .description('the main job: consume the five topics into the database until SIGTERM/SIGINT, then finish the slices in hand, commit and exit 0')
      .option('--group-id <id>', 'consumer group (default $KAFKA_GROUP_ID, else signal-ledger)')
      .option('--dlq-topic <topic>', 'also forward bad messages to this topic, with their headers plus the problems (default $KAFKA_DLQ_TOPIC)')
      .option('--metrics-port <port>', 'port of /livez, /readyz, /healthz and /metrics, 0 for any free port (default $METRICS_PORT, else 9464)')
      .option('--metrics-host <address>', 'address they listen on: 0.0.0.0 or :: to be reached from outside a container (default $METRICS_HOST, else 127.0.0.1)')
      .option('--max-batch <n>', `at most this many messages per database transaction, 1 to ${LIMITS.maxBatchEvents} (default $WORKER_MAX_BATCH, else ${DEFAULT_MAX_BATCH})`)
      .option(
        '--partition-buffer <n>',
        `fetched messages buffered per topic partition before fetching it pauses, 1 to ${MAX_PARTITION_BUFFER}: more is faster and takes more memory (default $WORKER_PARTITION_BUFFER, else an eighth of --max-batch rounded up: ${defaultPartitionBuffer(DEFAULT_MAX_BATCH)})`,
      )
      .option('--compression <codec>', `codec of the messages forwarded to --dlq-topic: ${COMPRESSIONS.join(', ')} (default $KAFKA_COMPRESSION, else none)`)),
  ).action(async (opts: WorkerFlags, cmd: Command) => {
    const global = cmd.optsWithGlobals<GlobalOptions>();
    // the thread reads and checks the settings: this thread loads neither zod nor the contract (config-choices.ts)
    await runWorkerThread({ flags: kafkaFlags(global, opts), migrate: migrateOnOpen(global) });
  });
}

/** Heap bounds of the worker thread: one fetch and a few slices in flight, small enough to keep RSS flat. */
const WORKER_HEAP = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 };

/** Runs the worker in a thread with a bounded heap; the first SIGTERM/SIGINT stops it gracefully, a second exits at once. */
function runWorkerThread(input: WorkerThreadInput): Promise<void> {
  return new Promise((resolve, reject) => {
    let signals = 0;
    const onSignal = (signal: string) => {
      if (++signals > 1) {
        process.stderr.write(`signal-ledger worker: second ${signal}: exiting at once; the slice in hand is not committed and will be read again\n`);
        process.exit(130);
      }
      thread.postMessage({ type: 'stop', signal } satisfies WorkerThreadCommand);
    };
    const onTerm = () => onSignal('SIGTERM');
    const onInt = () => onSignal('SIGINT');
    // the first call settles the promise; a later one (the thread's exit after its last message) changes nothing
    const settle = (error?: Error) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      if (error) reject(error);
      else resolve();
    };
    const thread = startThread({ name: 'worker', script: 'worker-thread', from: import.meta.url, workerData: input, heap: WORKER_HEAP }, settle);
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    thread.on('message', (m: WorkerThreadMessage) => {
      // the thread's LedgerError keeps its code across the boundary: it decides the exit code
      settle(m.type === 'done' ? undefined : fromThreadError(m));
      void thread.terminate(); // its message port would keep it alive
    });
  });
}
