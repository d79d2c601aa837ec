// Regression: an event_id reused by a new signal is found when its audit insert skips a row; the batch
// is then rolled back and run again looking every id up, and that second run took one of `maxAttempts`,
// which is meant for deadlocks and serialization failures. With maxAttempts 1 such a batch threw "batch
// not applied after 1 attempts" every time instead of recording the reuse as a dead letter and applying
// the rest. Now the run that looks every id up is not counted as an attempt. This file proves, on SQLite
// and PostgreSQL, that with maxAttempts 1 the reuse is a dead letter and the rest of the batch is applied.
import { describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { generatedValue, riskValue } from '../helpers/events.ts';
import { toMessages } from '../helpers/workload.ts';

describe.each(['sqlite-file', 'postgresql'] as const)('applyBatch with maxAttempts 1 on %s', (kind) => {
  it('an event_id reused by a new signal is a dead letter and the rest of the batch is applied', async () => {
    await withTestStore(kind, async (store) => {
      const [owner, reuse, rest] = toMessages(
        [
          { topic: 'signals.generated', key: 'sig-a', value: generatedValue('sig-a', { event_id: 'shared-id' }) },
          { topic: 'signals.generated', key: 'sig-c', value: generatedValue('sig-c', { event_id: 'shared-id' }) },
          { topic: 'signals.risk', key: 'sig-c', value: riskValue('sig-c') },
        ],
        'reuse',
      ) as [ParsedMessage, ParsedMessage, ParsedMessage];
      await applyBatch(store, [owner]);
      const r = await applyBatch(store, [reuse, rest], { maxAttempts: 1 });
      expect(r.outcomes).toEqual(['dead-letter', 'applied']);
    });
  });
});
