import type { Kafka } from 'kafkajs';
import { readCheckpoints, type Store } from '../store/index.ts';

/** The key of a topic partition in offset maps: `topic:partition`. */
export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** The earliest and end offset of every partition of the topics now, by partitionKey. */
export async function fetchPartitionOffsets(kafka: Kafka, topics: readonly string[]): Promise<Map<string, { low: bigint; high: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) out.set(partitionKey(topic, p.partition), { low: BigInt(p.low), high: BigInt(p.high) });
    return out;
  } finally {
    await admin.disconnect();
  }
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
