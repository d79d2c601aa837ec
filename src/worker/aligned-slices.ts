/** What the slicer needs of one topic partition: the produce times of its buffered messages, in offset order. */
export interface SliceSource {
  /** produce (or log-append) time of each buffered message, milliseconds, in offset order */
  timestamps: readonly number[];
  /** bytes of each buffered message (its key, value and headers), in the same order */
  sizes: readonly number[];
  /** the partition holds messages not fetched yet */
  hasMore: boolean;
  /** produce time of the last message fetched from the partition (buffered or already applied) */
  fetchedUntil: number;
}

/** The most one slice may hold: messages, and their bytes (keys, values and headers). A first message is taken whatever its size. */
export interface SliceLimits {
  messages: number;
  bytes: number;
}

/** A slice's count of messages from each partition, and whether a limit cut it (waiting cannot make it larger). */
export interface AlignedSlice {
  counts: number[];
  full: boolean;
}

/**
 * The next slice to apply in one transaction: how many leading buffered messages to take from each
 * partition (always the next ones in offset order, so each partition's applied offsets stay contiguous).
 *
 * A signal's events go to five topics under the same key, so partition p of every topic holds the
 * same signals; applied together, a signal's generated, risk, submitted, filled and outcome events
 * merge into its record in one write instead of five. So the partitions are cut at a common produce
 * time, the watermark: the earliest `fetchedUntil` of a partition that has more messages (what follows
 * there has not been fetched yet). Messages up to the watermark are taken in produce-time order, at
 * most `limits.messages` of them and `limits.bytes` (so a slice of large messages holds fewer, and the
 * threads that parse and write it stay within their heaps whatever producers send). Past the watermark,
 * messages wait for the slower partitions to be fetched; with `ignoreWatermark` (the buffer is full, so
 * nothing more can be fetched until something is applied) they are taken in produce-time order all the
 * same. All zeros: nothing to apply yet.
 */
export function alignedSlice(sources: readonly SliceSource[], limits: SliceLimits, ignoreWatermark = false): AlignedSlice {
  if (!(limits.messages >= 1)) throw new RangeError(`a slice holds at least one message, not ${limits.messages}`);
  if (!(limits.bytes >= 1)) throw new RangeError(`a slice holds at least one byte, not ${limits.bytes}`);
  const setter = watermarkSetter(sources);
  const watermark = ignoreWatermark || setter === -1 ? Infinity : (sources[setter] as SliceSource).fetchedUntil;
  const taken = sources.map(() => 0);
  let bytes = 0;
  for (let size = 0; size < limits.messages; size++) {
    // the partition whose next message was produced earliest, within the watermark
    let pick = -1;
    let earliest = Infinity;
    for (let i = 0; i < sources.length; i++) {
      const t = (sources[i] as SliceSource).timestamps[taken[i] as number];
      if (t !== undefined && t <= watermark && (pick === -1 || t < earliest)) {
        pick = i;
        earliest = t;
      }
    }
    if (pick === -1) return { counts: taken, full: false };
    const next = (sources[pick] as SliceSource).sizes[taken[pick] as number] as number;
    if (size > 0 && bytes + next > limits.bytes) return { counts: taken, full: true };
    bytes += next;
    taken[pick] = (taken[pick] as number) + 1;
  }
  return { counts: taken, full: true };
}

/**
 * The index of the partition that sets the watermark (the earliest `fetchedUntil` of those with more to fetch), or -1
 * when none has more. A partition that has brought no message yet (only a transaction's marker or aborted
 * messages) does not set it, as one not fetched yet does not.
 */
export function watermarkSetter(sources: readonly SliceSource[]): number {
  let setter = -1;
  sources.forEach((s, i) => {
    if (s.hasMore && s.fetchedUntil > -Infinity && (setter === -1 || s.fetchedUntil < (sources[setter] as SliceSource).fetchedUntil)) setter = i;
  });
  return setter;
}
