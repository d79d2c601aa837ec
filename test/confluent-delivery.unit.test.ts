// publishWithConfluentKafka checks where python3-confluent-kafka was told each message went (test/helpers/kafka-clients.ts):
// two messages at one offset of a partition, or one at none, mean the broker's log holds fewer than were delivered, and
// the publish fails saying so, before a test compares a ledger with what it thinks was published.
import { describe, expect, it } from 'vitest';
import { assertDistinctOffsets } from './helpers/kafka-clients.ts';

describe('assertDistinctOffsets', () => {
  it('passes offsets that are distinct in each partition (the same offset in two partitions or topics included)', () => {
    expect(() => assertDistinctOffsets([['a', 0, 0], ['a', 0, 1], ['a', 1, 0], ['b', 0, 0]])).not.toThrow();
  });

  it('fails on one offset given twice in a partition, naming it, as when the first batch of a new partition went missing', () => {
    expect(() => assertDistinctOffsets([['t.signals.generated', 0, 0], ['t.signals.generated', 0, 1], ['t.signals.generated', 0, 0]])).toThrow(
      /one offset twice \(t\.signals\.generated\/0@0\).*upstream of signal-ledger/,
    );
  });

  it('fails on a delivery with no offset', () => {
    expect(() => assertDistinctOffsets([['a', 2, -1001]])).toThrow(/no offset \(a\/2@-1001\)/);
  });
});
