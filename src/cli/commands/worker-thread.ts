// Runs `signal-ledger worker` in a worker thread whose heap is bounded: the main thread's default heap
// grows lazily with the garbage of millions of messages (426 MB peak RSS measured against 222 MB
// bounded, at the same speed). The main thread only relays signals: the settings are read here, so that it
// loads neither zod nor the contract (config-choices.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { type KafkaConfig, type KafkaFlags, loadKafkaConfig } from '../../config.ts';
import { ConfigError, describeError, type ThreadError, toThreadError } from '../../errors.ts';
import type { OpenStoreOptions } from '../../store/index.ts';
import { createLogger } from '../logger.ts';

export interface WorkerThreadInput {
  /** the flags given: the settings are read and checked here, a bad one ends the thread with its ConfigError */
  flags: KafkaFlags;
  migrate: OpenStoreOptions['migrate'];
}

export type WorkerThreadMessage = { type: 'done' } | ({ type: 'error' } & ThreadError);
export type WorkerThreadCommand = { type: 'stop'; signal: string };

/** host:port, with an IPv6 address in brackets. */
const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

const { flags, migrate } = workerData as WorkerThreadInput;
const post = (m: WorkerThreadMessage) => parentPort?.postMessage(m);
// a bad setting ends the thread with its ConfigError (exit code 2), before the store and the Kafka client are
// even loaded (run imports them)
let config: KafkaConfig | undefined;
try {
  config = loadKafkaConfig(flags);
} catch (error) {
  post({ type: 'error', ...toThreadError(error) });
}
if (config !== undefined) await run(config);

async function run(config: KafkaConfig): Promise<void> {
  const [{ openStore }, { activeTraceIds, createWorker, createWorkerMetrics, explainKafkaError, startHealthServer, startTracing }] = await Promise.all([
    import('../../store/index.ts'),
    import('../../worker/index.ts'),
  ]);
  // off (and nothing loaded) unless OTEL_EXPORTER_OTLP_ENDPOINT is set; then log lines in a slice carry its trace
  const tracing = await startTracing(config.tracing);
  const logger = await createLogger(config.logLevel, undefined, tracing.tracer === null ? undefined : activeTraceIds);
  try {
    const store = await openStore({ dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate });
    try {
      const metrics = createWorkerMetrics();
      const worker = createWorker({ store, config, logger, metrics, tracer: tracing.tracer });
      const { metricsHost: host, metricsPort: port } = config;
      // a port taken, not allowed, or an address not of this machine: a setting to change (exit code 2)
      const server = await startHealthServer({ host, port, registry: metrics.registry, health: () => worker.health }).catch((error: unknown) => {
        throw ConfigError.invalid('--metrics-host/--metrics-port (METRICS_HOST/METRICS_PORT)', `cannot listen on ${hostPort(host, port)}: ${describeError(error)}`, error);
      });
      parentPort?.on('message', (m: WorkerThreadCommand) => {
        if (m.type !== 'stop') return;
        logger.info({ signal: m.signal }, 'stopping: finishing the batch in hand');
        void worker.stop().catch(() => undefined);
      });
      logger.info(
        { database: store.target.url, group: config.groupId, metrics: `http://${hostPort(host, server.port)}/metrics`, maxBatch: config.maxBatch, partitionBuffer: worker.partitionBuffer },
        'worker starting',
      );
      try {
        // a stop while start() still waits for a broker that does not answer (kafkajs tries for about 30 s)
        // ends the worker at once: nothing is in hand yet
        const starting = worker.start();
        starting.catch(() => undefined);
        await Promise.race([starting, worker.done]);
        await worker.done;
      } finally {
        await worker.stop().catch(() => undefined);
        await server.close();
      }
    } finally {
      await store.close();
      // exports the spans still queued
      if (!(await tracing.shutdown())) logger.warn({ endpoint: config.tracing.tracesUrl }, 'the last spans could not be exported');
    }
    logger.flush();
    post({ type: 'done' });
  } catch (caught) {
    logger.flush();
    // a refused login or certificate: the setting to fix
    const error = explainKafkaError(caught, config.kafka);
    post({ type: 'error', ...toThreadError(error) });
  }
}
