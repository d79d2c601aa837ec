import type { KafkaMessage } from 'kafkajs';
import { type ApplyResult, MESSAGE_OUTCOMES, type MessageOutcome } from '../store/index.ts';
import type { RejectedKafkaMessage } from './dead-letter-forwarder.ts';
import type { TakenPart } from './partition-buffers.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface SliceResultTargets {
  metrics: Pick<WorkerMetrics, 'applied' | 'duplicates' | 'deadLettered'>;
  /** copies a partition's dead letters to the dead-letter topic (dead-letter-forwarder.ts) */
  forwardDeadLetters(rejected: RejectedKafkaMessage[], topic: string, partition: number): Promise<void>;
  /** the store now holds the partition up to this offset (checkpoint-floors.ts) */
  raiseFloor(key: string, nextOffset: bigint): void;
  onProgress?(topic: string, partition: number, nextOffset: bigint, messages: readonly KafkaMessage[]): void;
}

/**
 * What follows a slice's commit, part by part (a part is one partition's messages, in the order they were
 * applied): the outcome counters, the dead letters forwarded, the checkpoint floor raised, and the progress
 * callback (the lag is sampled on a timer: lag-sampler.ts). The result's outcomes and rejections are indexed by message across the whole slice.
 * Returns the slice's outcome counts.
 */
export async function recordSliceResult(parts: readonly TakenPart[], result: Pick<ApplyResult, 'outcomes' | 'rejections'>, targets: SliceResultTargets): Promise<Record<MessageOutcome, number>> {
  const { metrics } = targets;
  const counters = { applied: metrics.applied, duplicate: metrics.duplicates, 'dead-letter': metrics.deadLettered } as const;
  const total = { applied: 0, duplicate: 0, 'dead-letter': 0 };
  let at = 0;
  for (const { buffer: { topic, partition, key }, chunk, nextOffset } of parts) {
    const from = at;
    at += chunk.length;
    const tally = { applied: 0, duplicate: 0, 'dead-letter': 0 };
    for (let j = from; j < at; j++) tally[result.outcomes[j] as MessageOutcome]++;
    for (const outcome of MESSAGE_OUTCOMES) {
      total[outcome] += tally[outcome];
      if (tally[outcome] > 0) counters[outcome].inc({ topic }, tally[outcome]);
    }
    const rejected = result.rejections.filter((r) => r.at >= from && r.at < at).map((r) => ({ message: chunk[r.at - from] as KafkaMessage, problems: r.problems }));
    await targets.forwardDeadLetters(rejected, topic, partition);
    targets.raiseFloor(key, nextOffset);
    targets.onProgress?.(topic, partition, nextOffset, chunk);
  }
  return total;
}
