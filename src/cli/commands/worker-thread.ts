// Runs `signal-ledger worker` in a worker thread whose heap is bounded: the main thread's default heap
// grows lazily with the garbage of millions of messages (426 MB peak RSS measured against 222 MB
// bounded, at the same speed). The main thread only relays signals.
import { parentPort, workerData } from 'node:worker_threads';
import type { KafkaConfig } from '../../config.ts';
import { describeError, type ErrorCode, LedgerError } from '../../errors.ts';
import { openStore } from '../../store/index.ts';
import { createWorker, createWorkerMetrics, startHealthServer } from '../../worker/index.ts';
import { createLogger } from '../logger.ts';

export interface WorkerThreadInput {
  config: KafkaConfig;
  migrate: boolean;
}

export type WorkerThreadMessage = { type: 'done' } | { type: 'error'; message: string; code: ErrorCode | null };
export type WorkerThreadCommand = { type: 'stop'; signal: string };

const { config, migrate } = workerData as WorkerThreadInput;
const post = (m: WorkerThreadMessage) => parentPort?.postMessage(m);
const logger = await createLogger(config.logLevel);
try {
  const store = await openStore({ dbUrl: config.databaseUrl, setting: config.databaseUrlSetting, migrate });
  try {
    const metrics = createWorkerMetrics();
    const worker = createWorker({ store, config, logger, metrics });
    const server = await startHealthServer({ port: config.metricsPort, registry: metrics.registry, health: () => worker.health }).catch((error: unknown) => {
      throw new Error(`--metrics-port/METRICS_PORT: cannot listen on 127.0.0.1:${config.metricsPort}: ${describeError(error)}`);
    });
    parentPort?.on('message', (m: WorkerThreadCommand) => {
      if (m.type !== 'stop') return;
      logger.info({ signal: m.signal }, 'stopping: finishing the batch in hand');
      void worker.stop().catch(() => undefined);
    });
    logger.info({ database: store.target.url, group: config.groupId, metrics: `http://127.0.0.1:${server.port}/metrics` }, 'worker starting');
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
  }
  logger.flush();
  post({ type: 'done' });
} catch (error) {
  logger.flush();
  post({ type: 'error', message: describeError(error), code: error instanceof LedgerError ? error.code : null });
}
