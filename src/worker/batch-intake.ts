import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { PartitionBuffers } from './partition-buffers.ts';
import { partitionKey } from './partition-offsets.ts';

export interface BatchIntakeOptions {
  buffers: Pick<PartitionBuffers, 'intake'>;
  /** the offset the store holds each partition up to (checkpoint-floors.ts) */
  floor(key: string): bigint | undefined;
  /** a bounded run's end offset of a partition (EndOffsets) */
  end(key: string): bigint | undefined;
  /** commits offsets to the group; never throws */
  commit(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
  /** new messages are buffered */
  wake(): void;
  /** a batch that buffered nothing moved the partition on (it may have reached a bounded run's end) */
  passed(key: string): void;
  log: Logger;
}

/**
 * The consumer's eachBatch. kafkajs fetches; this only buffers what the store does not have yet and
 * resolves the batch's offsets so the next fetch goes on (autoCommit is off: kafkajs commits nothing
 * itself), while the applier writes slices to the database and commits exactly their offsets. Fetching
 * and applying thus overlap. A partition holding its cap of messages (--partition-buffer) or bytes (half a slice) is paused until
 * the applier takes some, so its buffer is bounded and the partitions behind keep being fetched (partition-buffers.ts).
 */
export function createBatchIntake(options: BatchIntakeOptions): (payload: Pick<EachBatchPayload, 'batch' | 'resolveOffset' | 'pause'>) => Promise<void> {
  return async ({ batch, resolveOffset, pause }) => {
    // kafkajs hands eachBatch no empty batch; one whose records were all left out comes to onPassedBatch (consumer-events.ts)
    if (batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    const floor = options.floor(key) ?? 0n;
    const intake = options.buffers.intake(batch, floor, options.end(key));
    options.log.debug({ topic, partition, first: batch.firstOffset(), last: batch.lastOffset(), floor: floor.toString() }, 'batch:received');
    resolveOffset(intake.lastOffset);
    if (intake.pause) pause();
    if (intake.buffered === 0 && BigInt(intake.lastOffset) + 1n <= floor) {
      // a whole batch the store already has (a crash between the database commit and the offset commit): move the group's committed offset up to the checkpoint
      await options.commit([{ topic, partition, offset: floor.toString() }]);
    }
    if (intake.buffered === 0) options.passed(key);
    options.wake();
  };
}
