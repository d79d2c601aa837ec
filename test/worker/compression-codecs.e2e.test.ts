import { beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConfig } from '../../src/config.ts';
import { type EventLine, generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import {
  type CompressionCodec,
  createKafka,
  createTopics,
  createWorker,
  createWorkerMetrics,
  fetchPartitionOffsets,
  MAX_DECOMPRESSED_BATCH_BYTES,
  resolveCompressionType,
} from '../../src/worker/index.ts';
import { type CliResult, runCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import {
  countDecompressedBytes,
  deleteTestTopics,
  ensureKafkaClients,
  kafkaJavaArgs,
  onTestTopics,
  publishWithConsoleProducer,
  publishWithKcat,
  runToolAsync,
} from '../helpers/kafka-clients.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';
import { createTestTopics, quietLogger, testKafkaConfig, topicsOf, waitUntilCaughtUp } from '../helpers/worker.ts';
import { expectLedger, recordsOf, shuffled, toMessages } from '../helpers/workload.ts';

const CODECS: readonly CompressionCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];

/** A shuffled, duplicated workload over all five topics, with some bad messages. */
const workload = (signals: number, seed: number): EventLine[] => shuffled([...generateEvents({ signals, duplicates: 0.1, outOfOrder: 0.1, bad: 0.01, seed })], seed);

const distinctEvents = (lines: readonly EventLine[]) => new Set(toMessages(lines).flatMap((m) => (m.ok ? [m.event.eventId] : []))).size;
const valueBytes = (lines: readonly EventLine[]) => lines.reduce((n, l) => n + Buffer.byteLength(typeof l.value === 'string' ? l.value : JSON.stringify(l.value)), 0);

async function countEvents(store: Store): Promise<number> {
  const rows = (await store.em().getConnection().execute('select count(*) as n from signal_events')) as { n: string | number }[];
  return Number(rows[0]?.n);
}

/**
 * Publishes the lines (moved onto fresh topics, made with `topicConfig`) with `publish`, runs the real
 * worker until its checkpoints reach every end offset, and checks that it stored exactly what ingesting
 * the same lines from a file gives, every message having come through `codec`.
 */
async function expectAppliedThroughCodec(
  codec: CompressionCodec,
  lines: readonly EventLine[],
  publish: (config: KafkaConfig, onTopics: EventLine[]) => Promise<void>,
  options: { database: 'postgresql' | 'sqlite-file'; topicConfig?: { name: string; value: string }[]; env?: Record<string, string> },
): Promise<void> {
  const expected = await recordsOf(lines);
  const db = await createTestDatabase(options.database);
  const config = testKafkaConfig(db.url, options.env);
  await createTopics(createKafka(config.kafka, quietLogger()), topicsOf(config), 6, 1, options.topicConfig);
  const decompressed = countDecompressedBytes(codec);
  const store = await openStore({ dbUrl: db.url });
  const worker = createWorker({ store, config, logger: quietLogger(), metrics: createWorkerMetrics() });
  try {
    if (options.env?.WORKER_PARTITION_BUFFER !== undefined) expect(worker.partitionBuffer).toBe(Number(options.env.WORKER_PARTITION_BUFFER));
    await publish(config, onTestTopics(config, lines));
    await worker.start();
    await waitUntilCaughtUp(store, config, config.groupId);
    await expectLedger(store, expected);
    expect(await countEvents(store)).toBe(distinctEvents(lines));
    // had a batch gone uncompressed, the codec would have seen fewer bytes than the values hold
    expect(decompressed.bytes()).toBeGreaterThan(valueBytes(lines));
  } finally {
    decompressed.restore();
    await worker.stop();
    await store.close();
    await deleteTestTopics(config, topicsOf(config));
    await db.drop();
  }
}

beforeAll(() => ensureKafkaClients());

describe('the Kafka worker against a real broker: every codec from producers that are not kafkajs', () => {
  it.each(CODECS)(
    "%s batches from Apache Kafka's Java console producer and from librdkafka (kcat) on all five topics end equal to ingesting the same events from a file, every message through the codec",
    (codec) =>
      expectAppliedThroughCodec(
        codec,
        workload(150, 30 + CODECS.indexOf(codec)),
        (config, onTopics) =>
          Promise.all([
            publishWithConsoleProducer(config, onTopics.filter((_, i) => i % 2 === 0), codec),
            publishWithKcat(config, onTopics.filter((_, i) => i % 2 === 1), codec),
          ]).then(() => undefined),
        { database: 'postgresql' },
      ),
  );

  it('lz4 batches from librdkafka (kcat) into a worker whose partitions pause whenever they hold a message (WORKER_PARTITION_BUFFER=1) end equal to ingesting the same events from a file', () =>
    expectAppliedThroughCodec('lz4', workload(150, 45), (config, onTopics) => publishWithKcat(config, onTopics, 'lz4'), {
      database: 'sqlite-file',
      env: { WORKER_PARTITION_BUFFER: '1' },
    }));

  it("a topic with compression.type=zstd recompresses an uncompressed librdkafka producer's batches on the broker, and the worker applies them exactly", () =>
    expectAppliedThroughCodec('zstd', workload(150, 40), (config, onTopics) => publishWithKcat(config, onTopics, 'none'), {
      database: 'sqlite-file',
      topicConfig: [{ name: 'compression.type', value: 'zstd' }],
    }));

  it('a zstd batch that would decompress past 64 MiB is a dead letter at each of its offsets, naming the codec and the limit; the worker goes on and applies what follows', async () => {
    const lines = workload(40, 41);
    const after = workload(20, 42).map((l) => ({ ...l, key: `after-${l.key}`, value: typeof l.value === 'string' ? l.value : { ...l.value, signal_id: `after-${String(l.value.signal_id)}` } }));
    const expected = await recordsOf([...lines, ...after]);
    const db = await createTestDatabase('postgresql');
    const config = testKafkaConfig(db.url);
    await createTestTopics(config);
    const store = await openStore({ dbUrl: db.url });
    const worker = createWorker({ store, config, logger: quietLogger(), metrics: createWorkerMetrics() });
    const kafka = createKafka(config.kafka, quietLogger());
    try {
      await publishWithKcat(config, onTestTopics(config, lines), 'lz4');
      await worker.start();
      await waitUntilCaughtUp(store, config, config.groupId);
      // three records in one batch, one of them zeros past the bound: a few KiB compressed, which the broker takes
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const [sent] = await producer.send({
        topic: config.topics.generated,
        compression: resolveCompressionType('zstd'),
        messages: [
          { key: 'bomb', value: 'a' },
          { key: 'bomb', value: Buffer.alloc(MAX_DECOMPRESSED_BATCH_BYTES + 1024) },
          { key: 'bomb', value: 'c' },
        ],
      });
      await producer.disconnect();
      await publishWithKcat(config, onTestTopics(config, after), 'lz4');
      await waitUntilCaughtUp(store, config, config.groupId);
      const bombAt = BigInt(sent?.baseOffset ?? -1);
      const source = (offset: bigint) => `${config.topics.generated}/${sent?.partition}@${offset}`;
      // the workload has bad lines of its own; the batch's three are those whose problem is the refusal
      const dead = (await readDeadLetters(store)).filter((d) => JSON.stringify(d.problems).includes('decompression bomb'));
      expect(dead.map((d) => d.source)).toEqual([source(bombAt), source(bombAt + 1n), source(bombAt + 2n)]);
      for (const d of dead) {
        expect(d.problems).toEqual([
          { path: '$', message: 'zstd record batch decompresses to more than 64 MiB (MAX_DECOMPRESSED_BATCH_BYTES): refused as a possible decompression bomb' },
        ]);
        expect(d.rawValue).toBeNull();
      }
      await expectLedger(store, expected);
      expect(worker.health.kafka).toBe(true);
    } finally {
      await worker.stop();
      await store.close();
      await deleteTestTopics(config, topicsOf(config));
      await db.drop();
    }
  });
});

/** `signal-ledger ARGS` with the test's Kafka settings; throws with its stderr when it fails. */
function cli(args: readonly string[], env: Record<string, string>): CliResult {
  const r = runCli(args, { env, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`signal-ledger ${args.join(' ')} exited with ${r.code}: ${r.stderr}`);
  return r;
}

const NULL_KEY = '<null>';
/** One message as `key<TAB>value`, the form both consumers print. */
const keyed = (key: string | null, value: string) => `${key ?? NULL_KEY}\t${value}`;

/**
 * Every message of the one-partition topics as Apache Kafka's Java console consumer prints it (`key<TAB>value`).
 * It reads each partition by assignment, from its earliest offset to the end offset the broker gives, so no
 * consumer group is involved. (A CI run once failed here, reading through a group subscribed to the test's topics
 * by pattern until `--max-messages`: 295 lines, not the 295 expected. Its diff was cut off, so the cause is not
 * known; a group's rebalance handing a record over twice, at-least-once delivery, fits it. A mismatch is now
 * reported line by line.)
 */
async function readWithJavaConsoleConsumer(config: KafkaConfig): Promise<string[]> {
  const ends = await fetchPartitionOffsets(createKafka(config.kafka, quietLogger()), topicsOf(config));
  const reads = [...ends.values()]
    .filter((p) => p.high > p.low)
    .map(async (p) => {
      const out = await runToolAsync(
        'java',
        kafkaJavaArgs([
          'org.apache.kafka.tools.consumer.ConsoleConsumer',
          ...['--bootstrap-server', config.kafka.brokers.join(','), '--topic', p.topic, '--partition', String(p.partition), '--offset', 'earliest'],
          ...['--max-messages', String(p.high - p.low), '--timeout-ms', '15000', '--formatter-property', 'print.key=true', '--formatter-property', `null.literal=${NULL_KEY}`],
        ]),
      );
      return out.toString().split('\n').filter(Boolean);
    });
  return (await Promise.all(reads)).flat();
}

/** What a reader got against what it should have: the lines it lacks and the ones it should not have, each with its count, quoted (so whitespace shows). */
function difference(got: readonly string[], want: readonly string[]): { missing: string[]; unexpected: string[] } {
  const count = (xs: readonly string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const [g, w] = [count(got), count(want)];
  const short = (a: Map<string, number>, b: Map<string, number>) =>
    [...a].filter(([x, n]) => n > (b.get(x) ?? 0)).map(([x, n]) => `${n - (b.get(x) ?? 0)}x ${JSON.stringify(x.slice(0, 120))}`);
  return { missing: short(w, g), unexpected: short(g, w) };
}

describe('generate --produce --compression against a real broker', () => {
  it.each(CODECS)(
    '%s: what generate --produce --compression publishes, the broker accepts and librdkafka (kcat) and the Java console consumer read back message for message',
    async (codec) => {
      const db = await createTestDatabase('sqlite-memory');
      const config = testKafkaConfig(db.url);
      await createTestTopics(config, 1);
      const brokers = config.kafka.brokers.join(',');
      try {
        const shape = ['--signals', '60', '--seed', String(50 + CODECS.indexOf(codec))];
        expect(cli(['generate', '--produce', '--compression', codec, ...shape], config.env).stderr).toContain(`(compression ${codec})`);
        // the same events written to a file, on this test's topics
        const written = onTestTopics(config, cli(['generate', ...shape], config.env).stdout.trim().split('\n').map((l) => JSON.parse(l) as EventLine));
        const expected = (topic?: string) =>
          written.filter((l) => topic === undefined || l.topic === topic).map((l) => keyed(l.key, typeof l.value === 'string' ? l.value : JSON.stringify(l.value)));
        for (const topic of topicsOf(config)) {
          const read = (await runToolAsync('kcat', ['-C', '-b', brokers, '-t', topic, '-e', '-q', '-J'])).toString().trim().split('\n').filter(Boolean);
          const messages = read.map((l) => JSON.parse(l) as { key: string | null; payload: string });
          expect(difference(messages.map((m) => keyed(m.key, m.payload)), expected(topic)), `kcat on ${topic}`).toEqual({ missing: [], unexpected: [] });
        }
        expect(difference(await readWithJavaConsoleConsumer(config), expected()), 'the Java console consumer').toEqual({ missing: [], unexpected: [] });
      } finally {
        await deleteTestTopics(config, topicsOf(config));
        await db.drop();
      }
    },
  );
});
