// Found by ingesting a file Python wrote (test/cli/ingest-outside-file.e2e.test.ts): a reused event_id's dead
// letter said "appears earlier in the same batch" or "(earlier in the same batch)" when the id's first carrier was
// in its batch, and "was already recorded" / "already belongs" when it was in an earlier one. Where batches are
// cut depends on the database (ingest splits PostgreSQL's work into lanes by signal), the batch size and
// redelivery, so SQLite and PostgreSQL stored different problems for the same file, and since a file line's dead
// letter is recorded once per topic, raw value and problems, ingesting the file again added a second row.
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

/** Line `line` of a file: signal `signalId`'s risk decision, carrying event_id "ev-x". */
const line = (line: number, signalId: string, passed = true) =>
  parseMessage({
    topic: 'signals.risk',
    key: signalId,
    value: JSON.stringify({ signal_id: signalId, event_id: 'ev-x', occurred_at: '2026-01-05T10:00:00Z', passed, ...(passed ? {} : { rejection_reason: 'limit' }) }),
    source: { type: 'file', file: 'events.ndjson', line, topic: 'signals.risk', key: signalId },
  });

describe.each(['sqlite-file', 'postgresql'] as const)('an event_id reused in the batch of its first carrier, then again in a later batch, on %s', (kind) => {
  it('gets the same problem both times, so the second time adds no dead letter row', async () => {
    await withTestStore(kind, async (store) => {
      const intruder = line(2, 'sig-other');
      const forged = line(3, 'sig-owner', false);
      const first = await applyBatch(store, [line(1, 'sig-owner'), intruder, forged]);
      expect(first.outcomes).toEqual(['applied', 'dead-letter', 'dead-letter']);
      const again = await applyBatch(store, [intruder, forged]);
      expect(again.outcomes).toEqual(['dead-letter', 'dead-letter']);
      const words = [
        'event_id "ev-x" already belongs to signal "sig-owner"; this message for signal "sig-other" was not applied',
        'event_id "ev-x" was already recorded with different content; this message was not applied',
      ];
      expect(first.rejections.map((r) => r.problems[0]?.message)).toEqual(words);
      expect(again.rejections.map((r) => r.problems[0]?.message)).toEqual(words);
      expect((await readDeadLetters(store)).map((d) => d.source)).toEqual(['events.ndjson:2', 'events.ndjson:3']);
    });
  });
});
