/** What the slicer needs of one topic partition: the produce times of its buffered messages, in offset order. */
export interface SliceSource {
  /** produce (or log-append) time of each buffered message, milliseconds, in offset order */
  timestamps: readonly number[];
  /** the partition holds messages not fetched yet */
  hasMore: boolean;
  /** produce time of the last message fetched from the partition (buffered or already applied) */
  fetchedUntil: number;
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
 * most `max`. Past it, messages wait for the slower partitions to be fetched; with `ignoreWatermark`
 * (the buffer is full, so nothing more can be fetched until something is applied) they are taken in
 * produce-time order all the same. All zeros: nothing to apply yet.
 */
export function alignedSlice(sources: readonly SliceSource[], max: number, ignoreWatermark = false): number[] {
  if (!(max >= 1)) throw new RangeError(`a slice holds at least one message, not ${max}`);
  const setter = watermarkSetter(sources);
  const watermark = ignoreWatermark || setter === -1 ? Infinity : (sources[setter] as SliceSource).fetchedUntil;
  const taken = sources.map(() => 0);
  for (let size = 0; size < max; size++) {
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
    if (pick === -1) break;
    taken[pick] = (taken[pick] as number) + 1;
  }
  return taken;
}

/** The index of the partition that sets the watermark (the earliest `fetchedUntil` of those with more to fetch), or -1 when none has more. */
export function watermarkSetter(sources: readonly SliceSource[]): number {
  let setter = -1;
  sources.forEach((s, i) => {
    if (s.hasMore && (setter === -1 || s.fetchedUntil < (sources[setter] as SliceSource).fetchedUntil)) setter = i;
  });
  return setter;
}
