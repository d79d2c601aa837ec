import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import { partitionKey } from './partition-offsets.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

/** What a lag sample reads: the broker's end offsets, and what the worker holds of each partition. */
export interface LagSources {
  /** the earliest and end offset (low and high watermark) of each partition of the topics now, by partitionKey (readPartitionOffsets); may throw (broker away) */
  ends(): Promise<ReadonlyMap<string, { low: bigint; high: bigint }>>;
  /** the partitions assigned to this worker (its last assignment), as { key, topic, partition } */
  assigned(): Iterable<{ key: string; topic: string; partition: number }>;
  /** the next offset the store holds of a partition: its checkpoint, raised by every slice applied since (none: the partition's earliest offset) */
  applied(key: string): bigint | undefined;
  /** the produce time (ms) of the oldest message of a partition that is fetched but not applied: in a slice being applied, else buffered */
  oldestPending(key: string): number | undefined;
}

/** One partition's lag. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** messages between what the store holds and the partition's end */
  messages: number;
  /** the age of the oldest message not yet applied (0 when none) */
  seconds: number;
}

/**
 * The lag of the assigned partitions: in messages, the end offset less the next offset the store holds; in
 * seconds, the age of the oldest message not yet applied. That message's produce time is known when the
 * worker has fetched it (buffered, or in a slice that waits for the database); otherwise (not fetched yet:
 * just assigned, or fetching stalled) the age counts from the first sample that saw the partition behind at
 * that offset, a lower bound that still rises for as long as nothing is applied. The end offsets are read
 * apart from the samples (`refresh`), so a broker that does not answer leaves the last ones in use and the
 * age keeps rising through its outage too.
 */
export class LagSampler {
  readonly #sources: LagSources;
  #ends: ReadonlyMap<string, { low: bigint; high: bigint }> = new Map();
  /** per partition: the offset it was first seen behind at, and when */
  readonly #behindSince = new Map<string, { next: bigint; at: number }>();

  constructor(sources: LagSources) {
    this.#sources = sources;
  }

  /** Reads the end offsets again; when they cannot be read, the last ones stay and the error is thrown. */
  async refresh(): Promise<void> {
    this.#ends = await this.#sources.ends();
  }

  /** The lag of each assigned partition whose end offset is known, at time `now` (ms). */
  sample(now: number): PartitionLag[] {
    const out: PartitionLag[] = [];
    const seen = new Set<string>();
    for (const { key, topic, partition } of this.#sources.assigned()) {
      const offsets = this.#ends.get(key);
      if (offsets === undefined) continue;
      seen.add(key);
      const end = offsets.high;
      const next = this.#sources.applied(key) ?? offsets.low;
      const messages = end > next ? Number(end - next) : 0;
      if (messages === 0) {
        this.#behindSince.delete(key);
        out.push({ topic, partition, messages, seconds: 0 });
        continue;
      }
      let since = this.#behindSince.get(key);
      if (since?.next !== next) this.#behindSince.set(key, (since = { next, at: now }));
      const produced = this.#sources.oldestPending(key) ?? since.at;
      out.push({ topic, partition, messages, seconds: Math.max(0, now - produced) / 1000 });
    }
    for (const key of this.#behindSince.keys()) if (!seen.has(key)) this.#behindSince.delete(key);
    return out;
  }
}

/**
 * Every `intervalMs`, sets `ledger_consumer_lag` and `ledger_consumer_lag_seconds` from the sampler, and reads
 * the end offsets again unless a read is still under way (the gauges are set again when it ends). A partition
 * no longer assigned leaves both. Returns the function that stops it: a read still under way then sets no gauge,
 * and the promise it returns resolves once that read has ended, or after `waitMs` if it has not (a broker away).
 */
export function sampleLagEvery(intervalMs: number, sampler: LagSampler, metrics: Pick<WorkerMetrics, 'lag' | 'lagSeconds'>, log: Logger, waitMs = 2_000): () => Promise<void> {
  let reported = new Map<string, { topic: string; partition: string }>();
  let stopped = false;
  const publish = () => {
    if (stopped) return;
    const now = new Map<string, { topic: string; partition: string }>();
    for (const { topic, partition, messages, seconds } of sampler.sample(Date.now())) {
      const labels = { topic, partition: String(partition) };
      now.set(partitionKey(topic, partition), labels);
      metrics.lag.set(labels, messages);
      metrics.lagSeconds.set(labels, seconds);
    }
    for (const [key, labels] of reported) {
      if (now.has(key)) continue;
      metrics.lag.remove(labels);
      metrics.lagSeconds.remove(labels);
    }
    reported = now;
  };
  let reading: Promise<void> | null = null;
  const timer = setInterval(() => {
    publish();
    reading ??= sampler
      .refresh()
      .then(publish, (error: unknown) => log.debug({ error: describeError(error) }, 'lag: end offsets not read; the last ones stay in use'))
      .finally(() => (reading = null));
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    if (reading === null) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([reading, new Promise((resolve) => (timeout = setTimeout(resolve, waitMs)))]);
    clearTimeout(timeout);
  };
}
