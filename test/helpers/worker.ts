import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type KafkaConfig, loadKafkaConfig } from '../../src/config.ts';
import { DEFAULT_TOPICS, EVENT_KINDS } from '../../src/contract/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import type { EventLine } from '../../src/simulate/generate-events.ts';
import { countBehind, createKafka, createTopics, fetchPartitionOffsets, produceEventLines } from '../../src/worker/index.ts';
import { pino } from 'pino';
import { type CliProcess, startCli } from './cli.ts';
import { createTestDatabase, type DatabaseKind } from './databases.ts';

export const quietLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A Kafka configuration of its own for one test: a random topic prefix and group on the test broker. */
export function testKafkaConfig(dbUrl: string, env: Record<string, string> = {}): KafkaConfig & { env: Record<string, string> } {
  const id = randomBytes(4).toString('hex');
  const all = { KAFKA_BROKERS: inject('kafkaBrokers'), KAFKA_TOPIC_PREFIX: `t${id}.`, KAFKA_GROUP_ID: `g${id}`, DATABASE_URL: dbUrl, ...env };
  return { ...loadKafkaConfig({}, all), env: all };
}

export const topicsOf = (config: KafkaConfig): string[] => EVENT_KINDS.map((k) => config.topics[k]);

/** The five topics (and the dead-letter topic); they accept messages up to 4 MB, so oversized ones can be tested. */
export async function createTestTopics(config: KafkaConfig, partitions = 6): Promise<void> {
  const names = [...topicsOf(config), ...(config.deadLetterTopic === null ? [] : [config.deadLetterTopic])];
  await createTopics(createKafka(config.kafka, quietLogger()), names, partitions, 1, [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }]);
}

/** Publishes lines written for the default topic names to this test's topics. */
export async function produce(config: KafkaConfig, lines: Iterable<EventLine>): Promise<number> {
  const kindOf = new Map(EVENT_KINDS.map((k) => [DEFAULT_TOPICS[k], k]));
  const onTestTopics = [...lines].map((l) => {
    const kind = kindOf.get(l.topic);
    return kind === undefined ? l : { ...l, topic: config.topics[kind] };
  });
  return produceEventLines(createKafka(config.kafka, quietLogger()), onTestTopics);
}

/** The end offset of every partition of the five topics now, as `topic:partition` -> offset. */
export async function endOffsets(config: KafkaConfig): Promise<Map<string, bigint>> {
  return new Map([...(await fetchPartitionOffsets(createKafka(config.kafka, quietLogger()), topicsOf(config)))].map(([k, o]) => [k, o.high]));
}

/** Waits until the store's checkpoints of the group reach every end offset; throws after timeoutMs. */
export async function waitUntilCaughtUp(store: Store, config: KafkaConfig, groupId: string, timeoutMs = 90_000): Promise<void> {
  const ends = await endOffsets(config);
  const deadline = Date.now() + timeoutMs;
  let behind = Infinity;
  while (Date.now() < deadline) {
    behind = await countBehind(store, groupId, ends).catch(() => Infinity);
    if (behind === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`group ${groupId} still ${behind} messages behind after ${timeoutMs / 1000} s`);
}

/** waitUntilCaughtUp for a `signal-ledger worker` process, failing at once, with its last output, if it exits first. */
export async function waitUntilCliWorkerCaughtUp(worker: CliProcess, store: Store, config: KafkaConfig, timeoutMs?: number): Promise<void> {
  const died = worker.exited.then(({ code }) => Promise.reject(new Error(`the worker exited with ${code}: ${worker.output.slice(-3000)}`)));
  await Promise.race([waitUntilCaughtUp(store, config, config.groupId, timeoutMs), died]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One run of the worker command: its exit and output, and the database it wrote. */
export interface WorkerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  store: Store;
  dbUrl: string;
  config: ReturnType<typeof testKafkaConfig>;
}

/**
 * Publishes `lines` to fresh one-partition topics, runs `signal-ledger worker` over them into a fresh
 * database of `kind` until the store's checkpoints reach the end offsets, stops it with SIGTERM and
 * hands the run to `check`; the database is dropped after. A worker that exits before it has caught up
 * fails the test at once with what it wrote.
 */
export async function withWorkerRun(kind: DatabaseKind, lines: readonly EventLine[], check: (run: WorkerRun) => Promise<void>): Promise<void> {
  const db = await createTestDatabase(kind);
  const config = testKafkaConfig(db.url);
  const store = await openStore({ dbUrl: db.url });
  try {
    await createTestTopics(config, 1);
    await produce(config, lines);
    const worker = startCli(['worker', '--brokers', config.env.KAFKA_BROKERS as string, '--metrics-port', '0'], {
      env: { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: config.env.KAFKA_TOPIC_PREFIX as string, KAFKA_GROUP_ID: config.groupId, LOG_LEVEL: 'warn' },
    });
    try {
      await Promise.race([
        waitUntilCaughtUp(store, config, config.groupId, 60_000),
        worker.exited.then(({ code, signal }) => {
          throw new Error(`the worker exited (${code ?? signal}) before reaching the end of the topics:\n${worker.output}`);
        }),
      ]);
      worker.kill('SIGTERM');
      const { code, signal } = await worker.exited;
      await check({ code, signal, output: worker.output, store, dbUrl: db.url, config });
    } finally {
      worker.kill('SIGKILL');
    }
  } finally {
    await store.close();
    await db.drop();
  }
}
