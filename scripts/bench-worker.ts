// npm run bench:worker: pre-produces events to 6 partitions per topic on a local broker, then measures in one
// run events/s and the time from produce to record (p50/p99) of (a) the worker into PostgreSQL and SQLite,
// (b) a naive eachMessage consumer writing each event in its own ORM transaction, (c) a consume-only loop of
// the same client that parses and validates every message (the ceiling; run before and after the database runs
// and averaged), plus the peak RSS of `signal-ledger worker`; and (costs) what lag sampling and tracing cost the
// worker, in throughput against the worker with neither, and measured directly. Loopback only, bounded counts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { DEFAULT_MAX_BATCH, loadKafkaConfig } from '../src/config.ts';
import { EVENT_KINDS } from '../src/contract/index.ts';
import { generateEvents, type EventLine } from '../src/simulate/generate-events.ts';
import { openStore, type Store } from '../src/store/index.ts';
import {
  countBehind,
  createKafka,
  createTopics,
  createWorker,
  createWorkerMetrics,
  fetchPartitionOffsets,
  parseKafkaMessage,
  produceEventLines,
  startTracing,
  topicMessagesOf,
} from '../src/worker/index.ts';
import { applyNaively, CPU_COST_HEADER, cpuCost, type CpuSnapshot, cpuSnapshot, freshDatabase, printTable, withFreshStore } from './bench-common.ts';
import { lagSampleMs, startReceiver, tracingOffNs } from './bench-costs.ts';
import { portAnswers, startLocalKafka, stopLocalKafka } from './kafka-local.ts';

const EVENTS = Number(process.env.BENCH_WORKER_EVENTS ?? 200_000);
const NAIVE_EVENTS = Number(process.env.BENCH_NAIVE_EVENTS ?? 3_000);
const STORES = (process.env.BENCH_WORKER_STORES ?? 'postgresql,sqlite').split(',') as ('postgresql' | 'sqlite')[];
const MEASURE_RSS = process.env.BENCH_WORKER_RSS !== '0';
/** Which parts run: main (a, b, c), live, rss, costs, replay (a second pass over what the store holds), batch (--max-batch 250, 1000, 4000). */
const PARTS = new Set((process.env.BENCH_WORKER_PARTS ?? 'main,live,rss,costs,replay,batch').split(','));
/**
 * BENCH_WORKER_ARENAS=<n>: the rss part runs the worker a second time with glibc's malloc arenas capped at n (default 2;
 * `off` does not); BENCH_WORKER_ARENAS_FIRST=1 runs the capped one first.
 */
const ARENAS = process.env.BENCH_WORKER_ARENAS === 'off' ? undefined : Number(process.env.BENCH_WORKER_ARENAS ?? 2);
if (ARENAS !== undefined && (!Number.isInteger(ARENAS) || ARENAS < 1)) throw new Error(`BENCH_WORKER_ARENAS must be a whole number from 1 or off, not ${process.env.BENCH_WORKER_ARENAS}`);
const ARENAS_FIRST = process.env.BENCH_WORKER_ARENAS_FIRST === '1';
/** BENCH_WORKER_PROFILE=<dir>: the rss part's worker process (its run with the default arenas only) writes a CPU profile of each of its threads there (npm run profile -- <file> sums one up) */
const PROFILE_DIR = process.env.BENCH_WORKER_PROFILE;
const silent = pino({ level: 'silent' });

const port = 9092;
const startedBroker = process.env.KAFKA_BROKERS === undefined && !(await portAnswers(port));
if (process.env.KAFKA_BROKERS === undefined) await startLocalKafka({ port });
const id = randomBytes(3).toString('hex');
// WORKER_PARTITION_BUFFER reaches every part: the in-process workers through this configuration, the rss part's process through its environment
const env = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? `127.0.0.1:${port}`,
  KAFKA_TOPIC_PREFIX: `bench${id}.`,
  KAFKA_GROUP_ID: `bench${id}`,
  ...(process.env.WORKER_PARTITION_BUFFER === undefined ? {} : { WORKER_PARTITION_BUFFER: process.env.WORKER_PARTITION_BUFFER }),
};
const config = loadKafkaConfig({}, env);
const kafka = createKafka(config.kafka, silent);
const topics = EVENT_KINDS.map((k) => config.topics[k]);
const dir = mkdtempSync(path.join(tmpdir(), 'signal-ledger-bench-worker-'));

/** Throughput from the first message received to the last, and produce-to-record latencies. */
class Meter {
  first = 0;
  last = 0;
  count = 0;
  /** slices applied (the worker's ledger_batch_apply_seconds count) */
  slices = 0;
  latencies: number[] = [];
  /** the machine's CPU time at the first message and at the one that makes `total` (the run's CPU cost) */
  cpuFrom: CpuSnapshot | undefined;
  cpuTo: CpuSnapshot | undefined;
  private readonly total: number;
  constructor(total = Number.POSITIVE_INFINITY) {
    this.total = total;
  }
  see(messages: readonly KafkaMessage[]) {
    const now = Date.now();
    if (this.first === 0) {
      this.first = performance.now();
      this.cpuFrom = cpuSnapshot();
    }
    this.last = performance.now();
    this.count += messages.length;
    if (this.count >= this.total && this.cpuTo === undefined) this.cpuTo = cpuSnapshot();
    for (const m of messages) this.latencies.push(now - Number(m.timestamp));
  }
  rate = () => this.count / ((this.last - this.first) / 1000 || 1e-3);
  pct(p: number) {
    const s = [...this.latencies].sort((a, b) => a - b);
    return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
  }
}

/** The first `count` lines of the generator's mix (10% duplicates, 5% out of order, 1% bad), about 4.6 events a signal. */
function workloadLines(count: number, seed: number, topics: typeof config.topics): EventLine[] {
  const lines: EventLine[] = [];
  for (const l of generateEvents({ signals: Math.ceil(count / 4.6), duplicates: 0.1, outOfOrder: 0.05, bad: 0.01, seed, topics })) {
    lines.push(l);
    if (lines.length === count) break;
  }
  return lines;
}

async function waitFor(done: () => boolean, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * (c) the ceiling: the same client consuming everything and doing the worker's work short of the
 * database (parse and validate each message); `parse: false` measures bare consumption as well.
 */
let ceilingRuns = 0;
async function consumeOnly(total: number, parse: boolean): Promise<Meter> {
  const meter = new Meter(total);
  const consumer = kafka.consumer({ groupId: `${env.KAFKA_GROUP_ID}-c${parse ? 'p' : ''}${ceilingRuns++}`, maxBytesPerPartition: 1_048_576 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: true,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const { topic, partition } = batch;
      if (parse) for (const m of batch.messages) parseKafkaMessage(topic, partition, m, { topics: config.topics });
      meter.see(batch.messages);
    },
  });
  await waitFor(() => meter.count >= total, 'consume-only');
  await consumer.disconnect();
  return meter;
}

/** A variant of the worker: a costs run's lag sampling and tracer, a batch run's --max-batch. */
interface WorkerVariant {
  lagSampleMs?: number;
  tracer?: Tracer | null;
  maxBatch?: number;
}

/** (a) the worker, in this process, so each chunk's commit time is seen exactly. */
async function worker(kind: 'sqlite' | 'postgresql', total: number, variant: WorkerVariant = {}): Promise<Meter> {
  return withFreshStore(kind, dir, `worker_${kind}`, (store) => workerPass(store, kind, total, variant));
}

let workerRuns = 0;
/** One pass of the worker over all the topics, under a group of its own, into `store`. */
async function workerPass(store: Store, kind: string, total: number, { maxBatch, ...variant }: WorkerVariant = {}): Promise<Meter> {
  const meter = new Meter(total);
  const groupId = `${env.KAFKA_GROUP_ID}-a-${kind}-${workerRuns++}`;
  const metrics = createWorkerMetrics();
  const passConfig = maxBatch === undefined ? config : { ...config, maxBatch };
  const w = createWorker({ store, config: passConfig, logger: silent, metrics, groupId, ...variant, onProgress: (_t, _p, _n, messages) => meter.see(messages) });
  try {
    await w.start();
    await waitFor(() => meter.count >= total, `worker on ${kind}`);
  } finally {
    await w.stop();
  }
  meter.slices = (await metrics.batchSeconds.get()).values.find((v) => v.metricName === 'ledger_batch_apply_seconds_count')?.value ?? 0;
  return meter;
}

/** Replay: the worker's first pass into an empty store, then a second pass (a new group) over the same store, where every event is a duplicate and nothing changes. */
async function replay(kind: 'sqlite' | 'postgresql', total: number): Promise<{ first: Meter; again: Meter }> {
  return withFreshStore(kind, dir, `replay_${kind}`, async (store) => ({ first: await workerPass(store, kind, total), again: await workerPass(store, kind, total) }));
}

/** (b) naive: eachMessage, one ORM transaction per event, the first NAIVE_EVENTS messages. */
async function naive(kind: 'sqlite' | 'postgresql'): Promise<Meter> {
  return withFreshStore(kind, dir, `naive_${kind}`, async (store) => {
    const meter = new Meter();
    const consumer = kafka.consumer({ groupId: `${env.KAFKA_GROUP_ID}-b-${kind}` });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          if (meter.count >= NAIVE_EVENTS) return;
          const m = parseKafkaMessage(topic, partition, message, { topics: config.topics });
          if (m.ok) await applyNaively(store, m);
          meter.see([message]);
        },
      });
      await waitFor(() => meter.count >= NAIVE_EVENTS, `naive on ${kind}`);
    } finally {
      await consumer.disconnect();
    }
    return meter;
  });
}

const LIVE_RATE = Number(process.env.BENCH_LIVE_RATE ?? 2_000);
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 10);
/** Empty topics of their own for each store's live run. */
const liveConfigs = new Map(STORES.map((kind) => [kind, loadKafkaConfig({}, { ...env, KAFKA_TOPIC_PREFIX: `bench${id}live${kind}.` })]));
const liveTopics = [...liveConfigs.values()].flatMap((c) => EVENT_KINDS.map((k) => c.topics[k]));

/**
 * A live stream rather than a backlog: the worker runs on empty topics while a producer sends
 * LIVE_RATE events/s for LIVE_SECONDS, in sends every 50 ms; the latency from produce to record is
 * what a reader of the ledger waits for.
 */
async function live(kind: 'sqlite' | 'postgresql'): Promise<Meter> {
  const liveConfig = liveConfigs.get(kind) as typeof config;
  return withFreshStore(kind, dir, `live_${kind}`, async (store) => {
    const meter = new Meter();
    const w = createWorker({ store, config: liveConfig, logger: silent, metrics: createWorkerMetrics(), groupId: `${env.KAFKA_GROUP_ID}-live-${kind}`, onProgress: (_t, _p, _n, messages) => meter.see(messages) });
    const lines = workloadLines(LIVE_RATE * LIVE_SECONDS, kind === 'sqlite' ? 3 : 2, liveConfig.topics);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    try {
      await producer.connect();
      await w.start();
      await waitFor(() => w.health.kafka, `live worker on ${kind} joining its group`);
      const tick = Math.max(1, Math.round(LIVE_RATE / 20));
      const t0 = performance.now();
      for (let i = 0; i < lines.length; i += tick) {
        const due = t0 + (i / LIVE_RATE) * 1000;
        if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
        await producer.sendBatch({ topicMessages: topicMessagesOf(lines.slice(i, i + tick)) });
      }
      await waitFor(() => meter.count >= lines.length, `live worker on ${kind}`, 120_000);
    } finally {
      await w.stop();
      await producer.disconnect();
    }
    return meter;
  });
}

/**
 * The peak RSS of `signal-ledger worker` consuming everything into SQLite, as a separate process: with glibc's
 * default malloc arenas (MALLOC_ARENA_MAX unset whatever this process has), or with the arenas capped.
 */
async function workerRss(arenaMax: number | undefined): Promise<{ mb: number; seconds: number }> {
  const name = arenaMax === undefined ? 'rss' : `rss-arenas${arenaMax}`;
  const db = await freshDatabase('sqlite', dir, name);
  const groupId = `${env.KAFKA_GROUP_ID}-${name}`;
  const { MALLOC_ARENA_MAX: _inherited, ...inherited } = process.env;
  const arenas = arenaMax === undefined ? {} : { MALLOC_ARENA_MAX: String(arenaMax) };
  const cli = path.join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const profile = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`];
  const child = spawn(process.execPath, [...profile, cli, '--db', db.url, 'worker', '--metrics-port', '0'], { env: { ...inherited, ...arenas, ...env, KAFKA_GROUP_ID: groupId, LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  const t0 = performance.now();
  const ends = new Map([...(await fetchPartitionOffsets(kafka, topics))].map(([k, o]) => [k, o.high]));
  const store = await openStore({ dbUrl: db.url });
  let peak = 0;
  try {
    for (;;) {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      if ((await countBehind(store, groupId, ends).catch(() => Infinity)) === 0) break;
      if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}`);
      if (performance.now() - t0 > 600_000) throw new Error('worker RSS run did not finish in 10 minutes');
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    child.kill('SIGTERM');
    await store.close();
    // the profiles are written as the process exits (a worker stops in seconds; the bench waits 30 s at most)
    if (child.exitCode === null) await new Promise((resolve) => (child.once('exit', resolve), setTimeout(resolve, 30_000).unref()));
    await db.drop();
  }
  return { mb: Math.round(peak), seconds: (performance.now() - t0) / 1000 };
}

/**
 * Costs: the worker on PostgreSQL with neither lag sampling nor tracing (the reference, run first and last, and
 * averaged), with lag sampling at its default interval, and with tracing on, exporting to a local receiver; in
 * this one run. Measured directly too: one lag sample (end offsets from the broker, then the sample of 30
 * partitions) against its 5 s interval, and the tracing-off path of one slice against the slices a second.
 */
async function costs(total: number): Promise<void> {
  const receiver = await startReceiver();
  try {
    const first = await worker('postgresql', total, { lagSampleMs: 0 });
    const lag = await worker('postgresql', total, { lagSampleMs: 5_000 });
    const tracing = await startTracing({ tracesUrl: receiver.url, serviceName: 'signal-ledger-bench' });
    const traced = await worker('postgresql', total, { lagSampleMs: 0, tracer: tracing.tracer });
    await tracing.shutdown();
    const last = await worker('postgresql', total, { lagSampleMs: 0 });
    const reference = (first.rate() + last.rate()) / 2;
    const share = (m: Meter) => `${((100 * (reference - m.rate())) / reference).toFixed(1)}%`;

    const sampleMs = await lagSampleMs(kafka, topics);
    const off = await tracingOffNs();
    const offNs = off.perSlice;
    const slicesPerSecond = (first.slices + last.slices) / 2 / ((first.last - first.first + last.last - last.first) / 2 / 1000);

    process.stdout.write(`\ncosts on PostgreSQL (${total} messages each; reference: the worker with neither, run first and last, mean ${reference.toFixed(0)} ev/s):\n`);
    printTable(
      ['variant', 'ev/s', 'cost (throughput)', 'cost (measured directly)'],
      [
        ['reference, first', first.rate().toFixed(0), '', ''],
        ['lag sampling every 5 s', lag.rate().toFixed(0), share(lag), `${sampleMs.toFixed(2)} ms per sample: ${((100 * sampleMs) / 5000).toFixed(3)}% of a core`],
        ['tracing off', '(the reference)', '', `${offNs.toFixed(1)} ns per slice (inSpan without a tracer ${off.wrapped.toFixed(1)} ns, the call alone ${off.bare.toFixed(1)} ns) at ${slicesPerSecond.toFixed(1)} slices/s: ${((100 * offNs * slicesPerSecond) / 1e9).toFixed(6)}%`],
        [`tracing on (${await receiver.spans()} spans exported)`, traced.rate().toFixed(0), share(traced), ''],
        ['reference, last', last.rate().toFixed(0), '', ''],
      ],
    );
  } finally {
    receiver.stop();
  }
}

try {
  await createTopics(kafka, topics, 6);
  const lines = workloadLines(EVENTS, 1, config.topics);
  const p0 = performance.now();
  await produceEventLines(kafka, lines, { batchSize: 2000 });
  const total = [...(await fetchPartitionOffsets(kafka, topics)).values()].reduce((n, o) => n + Number(o.high), 0);
  process.stdout.write(`signal-ledger worker benchmark: ${total} messages pre-produced to 5 topics x 6 partitions in ${((performance.now() - p0) / 1000).toFixed(1)} s (10% duplicates, 5% out of order, 1% bad)\n\n`);

  if (PARTS.has('main')) {
    const bare = await consumeOnly(total, false);
    const before = await consumeOnly(total, true);
    const measured: { kind: string; a: Meter; b: Meter }[] = [];
    for (const kind of STORES) measured.push({ kind, a: await worker(kind, total), b: await naive(kind) });
    // the ceiling again after the database runs: this machine is shared, and the ratio should not hang on one moment
    const after = await consumeOnly(total, true);
    const ceiling = (before.rate() + after.rate()) / 2;
    const ms = (m: Meter) => `${m.pct(50).toFixed(0)} / ${m.pct(99).toFixed(0)}`;
    const rows = measured.map(({ kind, a, b }) => [
      kind, a.rate().toFixed(0), ms(a), `${b.rate().toFixed(0)} (first ${NAIVE_EVENTS})`, ceiling.toFixed(0), `${(a.rate() / b.rate()).toFixed(1)}x`, `${((100 * a.rate()) / ceiling).toFixed(0)}%`,
    ]);
    printTable(['store', '(a) worker ev/s', '(a) p50/p99 ms', '(b) naive eachMessage ev/s', '(c) consume + parse ev/s', 'a/b', 'a/c'], rows);
    process.stdout.write(
      `(c) consumes and parses/validates every message, no database: the mean of ${before.rate().toFixed(0)} ev/s before the database runs and ${after.rate().toFixed(0)} ev/s after them ` +
        `(p50/p99 produce-to-parsed ms before: ${before.pct(50).toFixed(0)} / ${before.pct(99).toFixed(0)}); ` +
        `bare consumption without parsing: ${bare.rate().toFixed(0)} ev/s.\nRates run from the first message received to the last; latencies include the time the pre-produced messages waited.\n`,
    );
    // where the cores went: a rate can only rise by spreading the same work over idle cores or by less work an event
    const cpuRows = [
      ['(c) before', ...cpuCost(before.cpuFrom, before.cpuTo, before.count)],
      ...measured.map(({ kind, a }) => [`(a) ${kind}`, ...cpuCost(a.cpuFrom, a.cpuTo, a.count)]),
      ['(c) after', ...cpuCost(after.cpuFrom, after.cpuTo, after.count)],
    ];
    process.stdout.write('\nCPU time an event, from the first message to the last, by process (/proc; this benchmark runs the worker or the consumer in it; other: the rest of the machine):\n');
    printTable(['run', ...CPU_COST_HEADER], cpuRows);
  }
  if (PARTS.has('live')) {
    await createTopics(kafka, liveTopics, 6);
    const liveRows: string[][] = [];
    for (const kind of STORES) {
      const m = await live(kind);
      liveRows.push([kind, `${LIVE_RATE} for ${LIVE_SECONDS} s`, String(m.count), `${m.pct(50).toFixed(0)} / ${m.pct(99).toFixed(0)}`]);
    }
    process.stdout.write('\nlive stream (the worker running while a producer sends at a steady rate):\n');
    printTable(['store', 'produced ev/s', 'recorded', 'produce-to-record p50/p99 ms'], liveRows);
  }
  if (PARTS.has('rss') && MEASURE_RSS) {
    // glibc's arenas capped: a setting an operator short of memory may choose (docs/operations.md), tracked beside the
    // default; not while profiling, whose cost would be in one figure and not the other
    const cap = PROFILE_DIR === undefined ? ARENAS : undefined;
    const cappedFirst = cap !== undefined && ARENAS_FIRST ? await workerRss(cap) : undefined;
    const rss = await workerRss(undefined);
    const capped = cappedFirst ?? (cap === undefined ? undefined : await workerRss(cap));
    const line = (what: string, { mb, seconds }: { mb: number; seconds: number }) => `peak RSS of ${what}: ${mb} MB (${seconds.toFixed(0)} s)\n`;
    process.stdout.write(`\n${line(`\`signal-ledger worker\` consuming all ${total} messages into SQLite`, rss)}`);
    if (capped !== undefined) process.stdout.write(line(`the same with MALLOC_ARENA_MAX=${cap}, run ${ARENAS_FIRST ? 'first' : 'second'}`, capped));
  }
  if (PARTS.has('costs')) await costs(total);
  if (PARTS.has('replay')) {
    const rows: string[][] = [];
    for (const kind of STORES) {
      const { first, again } = await replay(kind, total);
      rows.push([kind, first.rate().toFixed(0), again.rate().toFixed(0), `${(again.rate() / first.rate()).toFixed(2)}x`]);
    }
    process.stdout.write(`\nreplay: a second pass of the worker (a new group) over the ${total} messages the store already holds (every event a duplicate), against the first pass into the empty store (target at least 1.5x):\n`);
    printTable(['store', 'first pass ev/s', 'second pass ev/s', 'second / first'], rows);
  }
  if (PARTS.has('batch')) {
    const sizes = [...new Set([250, 1000, 4000, DEFAULT_MAX_BATCH])].sort((a, b) => a - b);
    const rows: string[][] = [];
    for (const kind of STORES) {
      const rates = new Map<number, number>();
      for (const maxBatch of sizes) rates.set(maxBatch, (await worker(kind, total, { maxBatch })).rate());
      const best = Math.max(...rates.values());
      rows.push([kind, ...sizes.map((n) => (rates.get(n) as number).toFixed(0)), `${((100 * (rates.get(DEFAULT_MAX_BATCH) as number)) / best).toFixed(0)}%`]);
    }
    process.stdout.write(`\n--max-batch: the worker's events/s at each size; the default (${DEFAULT_MAX_BATCH}) against the best (target at least 90%):\n`);
    printTable(['store', ...sizes.map((n) => `${n}${n === DEFAULT_MAX_BATCH ? ' (default)' : ''} ev/s`), 'default / best'], rows);
  }
} finally {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...topics, ...liveTopics] }).catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
  if (startedBroker) await stopLocalKafka({ port });
}
