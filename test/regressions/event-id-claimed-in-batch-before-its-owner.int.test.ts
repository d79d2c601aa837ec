// Found by the fuzz suite: an event_id was claimed by the first message of a batch that had it before the
// database was asked who owned it. With ev-x recorded for sig-owner earlier, a batch [sig-intruder, sig-other,
// sig-owner] all with ev-x gave three dead letters, the last two naming "sig-intruder", and the owner's own
// redelivery became a dead letter. The owner is now the signal that recorded the id, then the batch's first.
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

const risk = (signalId: string, offset: number) =>
  parseMessage({
    topic: 'signals.risk',
    value: JSON.stringify({ signal_id: 'sig-owner', event_id: 'ev-x', occurred_at: '2026-01-05T10:00:00Z', passed: true, ...(signalId === 'sig-owner' ? {} : { signal_id: signalId }) }),
    source: { type: 'kafka', topic: 'signals.risk', partition: 0, offset: String(offset), key: signalId },
  });

describe.each(['sqlite-file', 'postgresql'] as const)('an event_id recorded before, reused in a later batch, on %s', (kind) => {
  it('belongs to the signal that recorded it: the others are dead letters naming it, and its redelivery is a duplicate', async () => {
    await withTestStore(kind, async (store) => {
      expect((await applyBatch(store, [risk('sig-owner', 1)])).outcomes).toEqual(['applied']);
      const later = await applyBatch(store, [risk('sig-intruder', 2), risk('sig-other', 3), risk('sig-owner', 4)]);
      expect(later.outcomes).toEqual(['dead-letter', 'dead-letter', 'duplicate']);
      expect(later.rejections.map((r) => r.problems[0]?.message)).toEqual([
        'event_id "ev-x" already belongs to signal "sig-owner"; this message for signal "sig-intruder" was not applied',
        'event_id "ev-x" already belongs to signal "sig-owner"; this message for signal "sig-other" was not applied',
      ]);
    });
  });
});
