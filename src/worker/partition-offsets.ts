import type { Admin, Kafka } from 'kafkajs';
import { readCheckpoints, type Store } from '../store/index.ts';

/** The key of a topic partition in offset maps: `topic:partition`. */
export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

export interface PartitionOffsets {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
}

/**
 * The earliest and end offset of every partition of the topics now, by partitionKey. Right after
 * topics are created their leaders may still move ("not the leader for that topic-partition"): such
 * retriable answers are asked again, with fresh metadata, a few times before giving up.
 */
export async function fetchPartitionOffsets(kafka: Kafka, topics: readonly string[]): Promise<Map<string, PartitionOffsets>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await readPartitionOffsets(admin, topics);
  } finally {
    await admin.disconnect();
  }
}

/**
 * fetchPartitionOffsets through an admin client the caller holds (the lag sampler's, which stays connected).
 * Once `stopped` says so, a failed read is not asked again (the caller is disconnecting the client).
 */
export async function readPartitionOffsets(
  admin: Pick<Admin, 'fetchTopicOffsets' | 'fetchTopicMetadata'>,
  topics: readonly string[],
  stopped: () => boolean = () => false,
): Promise<Map<string, PartitionOffsets>> {
  const out = new Map<string, PartitionOffsets>();
  for (const topic of topics) {
    if (stopped()) throw new Error('end offsets not read: stopped');
    for (let attempt = 1; ; attempt++) {
      try {
        for (const p of await admin.fetchTopicOffsets(topic)) out.set(partitionKey(topic, p.partition), { topic, partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) });
        break;
      } catch (error) {
        if (attempt >= 10 || (error as { retriable?: boolean }).retriable !== true || stopped()) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        if (stopped()) throw error;
        await admin.fetchTopicMetadata({ topics: [topic] });
      }
    }
  }
  return out;
}

/** How many messages before the given end offsets the store's checkpoints of a group still are. */
export async function countBehind(store: Store, groupId: string, ends: ReadonlyMap<string, bigint>): Promise<number> {
  const at = new Map((await readCheckpoints(store, groupId)).map((c) => [partitionKey(c.topic, c.partition), BigInt(c.nextOffset)]));
  let behind = 0n;
  for (const [key, end] of ends) {
    const next = at.get(key) ?? 0n;
    if (end > next) behind += end - next;
  }
  return Number(behind);
}

/**
 * A bounded run (replay): the end offset of each partition it reads, and which of them it has not applied
 * to their end yet. An unbounded run (no ends) is never done.
 */
export class EndOffsets {
  readonly #ends: ReadonlyMap<string, bigint> | undefined;
  readonly #remaining: Set<string>;

  constructor(ends: ReadonlyMap<string, bigint> | undefined) {
    this.#ends = ends;
    // an empty partition (end 0) has nothing to wait for
    this.#remaining = new Set(ends === undefined ? [] : [...ends].filter(([, end]) => end > 0n).map(([key]) => key));
  }

  /** The end offset of a partition, if the run is bounded. */
  get(key: string): bigint | undefined {
    return this.#ends?.get(key);
  }

  /** True when the run is bounded and every partition is applied to its end. */
  get done(): boolean {
    return this.#ends !== undefined && this.#remaining.size === 0;
  }

  /** Records that a partition is applied up to nextOffset; true when that made the run done. */
  reached(key: string, nextOffset: bigint): boolean {
    const end = this.#ends?.get(key);
    return end !== undefined && nextOffset >= end && this.#remaining.delete(key) && this.#remaining.size === 0;
  }
}
