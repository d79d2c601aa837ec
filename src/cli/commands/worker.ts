import type { Command } from 'commander';
import { loadKafkaConfig, type KafkaFlags } from '../../config.ts';
import { describeError } from '../../errors.ts';
import { redactUrl } from '../../store/database-url.ts';
import type { GlobalOptions } from '../context.ts';
import { createLogger } from '../logger.ts';

interface WorkerFlags {
  brokers?: string;
  groupId?: string;
  dlqTopic?: string;
  metricsPort?: string;
}

const KAFKA_OPTION_HELP = `
Environment: DATABASE_URL, KAFKA_BROKERS (host:port,...; default 127.0.0.1:9092), KAFKA_GROUP_ID (default
signal-ledger), KAFKA_CLIENT_ID, KAFKA_TOPIC_PREFIX, KAFKA_TOPIC_SIGNALS_GENERATED / _SIGNALS_RISK /
_ORDERS_SUBMITTED / _ORDERS_FILLED / _SIGNALS_OUTCOME (full topic names), KAFKA_DLQ_TOPIC, KAFKA_SSL=true,
KAFKA_SSL_CA / KAFKA_SSL_CERT / KAFKA_SSL_KEY (PEM files), KAFKA_SASL_MECHANISM (plain, scram-sha-256,
scram-sha-512) with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, METRICS_PORT (default 9464), LOG_LEVEL.
Flags override the environment.
`;

export function addKafkaOptions(command: Command): Command {
  return command
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port,... (default $KAFKA_BROKERS, else 127.0.0.1:9092)')
    .addHelpText('after', KAFKA_OPTION_HELP);
}

export function kafkaFlags(global: GlobalOptions, opts: WorkerFlags): KafkaFlags {
  return { db: global.db, brokers: opts.brokers, groupId: opts.groupId, dlqTopic: opts.dlqTopic, metricsPort: opts.metricsPort };
}

export function registerWorker(program: Command): void {
  addKafkaOptions(
    program
      .command('worker')
      .description('the main job: consume the five topics into the database until SIGTERM/SIGINT, then finish the batch in hand, commit and exit 0')
      .option('--group-id <id>', 'consumer group (default $KAFKA_GROUP_ID, else signal-ledger)')
      .option('--dlq-topic <topic>', 'also forward bad messages to this topic, with their headers plus the problems (default $KAFKA_DLQ_TOPIC)')
      .option('--metrics-port <port>', '127.0.0.1 port of /healthz and /metrics, 0 for any free port (default $METRICS_PORT, else 9464)'),
  ).action(async (opts: WorkerFlags, cmd: Command) => {
    const global = cmd.optsWithGlobals<GlobalOptions>();
    const config = loadKafkaConfig(kafkaFlags(global, opts));
    const logger = await createLogger(config.logLevel);
    const [{ openStore }, { createWorker, createWorkerMetrics, startHealthServer }] = await Promise.all([import('../../store/index.ts'), import('../../worker/index.ts')]);
    const store = await openStore({ dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate: global.migrate !== false });
    const metrics = createWorkerMetrics();
    const worker = createWorker({ store, config, logger, metrics });
    const server = await startHealthServer({ port: config.metricsPort, registry: metrics.registry, health: () => worker.health }).catch(async (error: unknown) => {
      await store.close();
      throw new Error(`--metrics-port/METRICS_PORT: cannot listen on 127.0.0.1:${config.metricsPort}: ${describeError(error)}`);
    });
    let signals = 0;
    const onSignal = (name: string) => {
      if (++signals > 1) {
        logger.warn({ signal: name }, 'second signal: exiting at once; the batch in hand is not committed and will be read again');
        process.exit(130);
      }
      logger.info({ signal: name }, 'stopping: finishing the batch in hand');
      void worker.stop().catch(() => undefined);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    logger.info({ database: redactUrl(config.databaseUrl), group: config.groupId, metrics: `http://127.0.0.1:${server.port}/metrics` }, 'worker starting');
    try {
      await worker.start();
      await worker.done;
    } finally {
      await worker.stop().catch(() => undefined);
      await server.close();
      await store.close();
    }
  });
}
