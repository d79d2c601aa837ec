import type { Tracer } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../config.ts';
import type { Store } from '../store/index.ts';
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
  /** called after each applied slice (committed to the database), per partition in it, with the partition's next offset and its messages */
  onProgress?: (topic: string, partition: number, nextOffset: bigint, messages: readonly KafkaMessage[]) => void;
  /** slices (each of one partition number) in hand at once (default 3 on PostgreSQL, applied side by side; 2 on SQLite, whose one writer takes them in turn) */
  concurrentGroups?: number;
  /** longest wait between retries while the database is unavailable (default 10 s) */
  maxRetryDelayMs?: number;
  /** how often the lag is sampled (lag-sampler.ts; default 5 s); 0: never */
  lagSampleMs?: number;
  /** traces each applied slice (tracing.ts); default none */
  tracer?: Tracer | null;
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
  /** fetched messages a topic partition buffers before its fetching pauses: --partition-buffer, else its default */
  readonly partitionBuffer: number;
}
