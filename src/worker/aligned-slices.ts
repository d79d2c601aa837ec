/** What the slicer needs of one fetched topic-partition batch: its messages' produce times, in offset order. */
export interface SliceSource {
  /** produce (or log-append) time of each message, milliseconds, in offset order */
  timestamps: readonly number[];
  /** the partition holds messages after these (the batch stopped before the high watermark) */
  hasMore: boolean;
}

/**
 * Which messages of one fetch's batches to apply now, and in which transactions: a list of slices,
 * each the number of further messages to take from every batch (always the next ones in offset
 * order, so offsets stay contiguous and each slice is a prefix of what remains).
 *
 * A signal's events go to five topics under the same key, so partition p of every topic holds the
 * same signals; applied together, a signal's generated, risk, submitted, filled and outcome events
 * merge into its record in one write instead of five. So the batches are cut at a common produce
 * time, the watermark: the earliest last-fetched time of a batch whose partition has more messages
 * (what follows in that partition has not been fetched yet). Up to the watermark, messages are taken
 * in produce-time order, at most `max` per slice. Messages past it are left for the next fetch
 * (their offsets are not resolved, so Kafka hands them out again). If the watermark would leave
 * nothing (produce times going backwards), every message is taken: a call never takes nothing from
 * batches that hold messages.
 */
export function alignedSlices(sources: readonly SliceSource[], max: number): number[][] {
  if (!(max >= 1)) throw new RangeError(`a slice holds at least one message, not ${max}`);
  let watermark = Infinity;
  for (const s of sources) {
    const last = s.timestamps.at(-1);
    if (s.hasMore && last !== undefined) watermark = Math.min(watermark, last);
  }
  // per batch, how many leading messages lie within the watermark
  let ends = sources.map((s) => {
    let n = 0;
    while (n < s.timestamps.length && (s.timestamps[n] as number) <= watermark) n++;
    return n;
  });
  if (ends.every((n) => n === 0)) ends = sources.map((s) => s.timestamps.length);

  const slices: number[][] = [];
  const next = sources.map(() => 0);
  for (;;) {
    const slice = sources.map(() => 0);
    let size = 0;
    while (size < max) {
      // the batch whose next message was produced earliest
      let pick = -1;
      let earliest = Infinity;
      for (let i = 0; i < sources.length; i++) {
        const at = next[i] as number;
        if (at >= (ends[i] as number)) continue;
        const t = (sources[i] as SliceSource).timestamps[at] as number;
        if (pick === -1 || t < earliest) {
          pick = i;
          earliest = t;
        }
      }
      if (pick === -1) break;
      next[pick] = (next[pick] as number) + 1;
      slice[pick] = (slice[pick] as number) + 1;
      size++;
    }
    if (size === 0) return slices;
    slices.push(slice);
  }
}
