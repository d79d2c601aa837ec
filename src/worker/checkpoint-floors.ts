import type { Logger } from 'pino';
import type { ConsumerCheckpoint } from '../store/index.ts';
import { partitionKey } from './partition-offsets.ts';

/** Where a consumer group's checkpoints are kept: the store's consumer_checkpoints (readCheckpoints, deleteCheckpoint). */
export interface CheckpointSource {
  read(): Promise<ConsumerCheckpoint[]>;
  remove(checkpoint: { topic: string; partition: number }): Promise<void>;
}

/**
 * Per partition (`topic:partition`), the next offset the store has: its checkpoints, and the slices this
 * worker applied since. A fetched message below it is skipped unparsed, so each partition resumes from the
 * later of the group's committed offset and the store's checkpoint (they differ after a crash between the
 * database commit and the offset commit). A floor only ever rises.
 */
export class CheckpointFloors {
  readonly #floors = new Map<string, bigint>();
  readonly #source: CheckpointSource;

  constructor(source: CheckpointSource) {
    this.#source = source;
  }

  get(key: string): bigint | undefined {
    return this.#floors.get(key);
  }

  /** Raises a partition's floor to `next` (a slice applied); a lower offset changes nothing. */
  raise(key: string, next: bigint): void {
    if (next > (this.#floors.get(key) ?? -1n)) this.#floors.set(key, next);
  }

  /** Reads the store's checkpoints again (at start, and on every assignment: another member may have applied further). */
  async refresh(): Promise<void> {
    for (const c of await this.#source.read()) this.raise(partitionKey(c.topic, c.partition), BigInt(c.nextOffset));
  }

  /**
   * Drops, from the floors and from the store, every checkpoint past the end of its partition: it belongs
   * to an earlier incarnation of the topic (deleted and created again), and trusting it would skip the new
   * messages. Each is logged.
   */
  async dropPastEnd(partitions: ReadonlyMap<string, { topic: string; partition: number; high: bigint }>, log: Logger): Promise<void> {
    for (const [key, { topic, partition, high }] of partitions) {
      const floor = this.#floors.get(key);
      if (floor === undefined || floor <= high) continue;
      log.warn({ topic, partition, checkpoint: floor.toString(), end: high.toString() }, 'the store checkpoint is past the end of the partition (topic recreated?): ignoring it, resuming from the committed offset');
      this.#floors.delete(key);
      await this.#source.remove({ topic, partition });
    }
  }
}
