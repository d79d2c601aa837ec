import type { PartitionBuffers, Slice } from './partition-buffers.ts';

export interface SliceSchedulerOptions {
  /** where slices come from */
  buffers: Pick<PartitionBuffers, 'nextSlice' | 'holdsMessages' | 'anyPaused'>;
  /** applies one slice; a rejection is handed to onError and the loop goes on until halted */
  apply(slice: Slice): Promise<void>;
  onError(error: unknown): void;
  /** true once the worker is stopping: no new slice is taken */
  halting(): boolean;
  /** slices in hand at once (each of another partition number) */
  lanes: number;
  /** how long a free lane waits for a full slice before it takes what lies within the watermark */
  patienceMs: number;
  /** the clock and the wait, replaced by tests */
  now?(): number;
  sleep?(ms: number): Promise<unknown>;
}

/**
 * The worker's applier loop: takes slices from the buffers and applies them, several partition numbers
 * at once (on PostgreSQL in transactions side by side; SQLite's one writer takes them in turn while the
 * next ones are validated), until halted, then waits for the slices in hand. It prefers full slices
 * (fewer, larger transactions write each record fewer times); once a lane has been free for patienceMs
 * it takes what lies within the watermark, and past the watermark only while partitions wait paused
 * (produce times going backwards). `wake` is called when new messages are buffered; `wakeSoon` once the
 * messages of every batch in hand are (kafkajs hands a fetch's batches out together: one look at them all,
 * not one between each).
 */
export function createSliceScheduler(options: SliceSchedulerOptions): { run(): Promise<void>; wake(): void; wakeSoon(): void } {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const { buffers, lanes, patienceMs } = options;
  let wake: () => void = () => {};
  let wakeScheduled = false;
  return {
    wake: () => wake(),
    wakeSoon() {
      if (wakeScheduled) return;
      wakeScheduled = true;
      setImmediate(() => {
        wakeScheduled = false;
        wake();
      });
    },
    async run() {
      const running = new Set<Promise<void>>();
      /** partition numbers with a slice in hand */
      const inFlight = new Set<number>();
      /** since when a lane has been free without a full slice to take */
      let idleSince: number | null = null;
      while (!options.halting()) {
        let slice: Slice | null = null;
        if (running.size < lanes) {
          slice = buffers.nextSlice('full', inFlight);
          idleSince ??= now();
          const patient = now() - idleSince >= patienceMs;
          if (slice === null && patient) slice = buffers.nextSlice('any', inFlight);
          // produce times going backwards can leave nothing within the watermark while partitions wait paused
          if (slice === null && patient && buffers.anyPaused) slice = buffers.nextSlice('forced', inFlight);
        }
        if (slice === null) {
          const waits = [...running, new Promise<void>((resolve) => (wake = resolve))];
          if (buffers.holdsMessages) waits.push(sleep(patienceMs).then(() => undefined));
          await Promise.race(waits);
          continue;
        }
        idleSince = null;
        const { partition } = slice;
        inFlight.add(partition);
        const task: Promise<void> = options
          .apply(slice)
          .catch((error: unknown) => options.onError(error))
          .finally(() => {
            inFlight.delete(partition);
            running.delete(task);
          });
        running.add(task);
      }
      await Promise.all(running);
    },
  };
}
