// docs/decisions.md "Choices where the contract is silent", Anomalies: "sorted list on the record; the audit entry
// that introduced one names it", and contract section 4 (the audit trail carries "any anomaly note").
// Through applyBatch on SQLite, in one batch and across batches.
import { describe, expect, it } from 'vitest';
import { type JsonObject, parseMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { withTestStore } from '../helpers/databases.ts';

const S = 'sig-audit';
let line = 0;
const message = (topic: string, value: JsonObject) =>
  parseMessage({ topic, key: S, value: JSON.stringify({ signal_id: S, ...value }), source: { type: 'file', file: 'anomalies', line: ++line, topic, key: S } });

describe('the audit entry that introduced an anomaly names it', () => {
  it('only the event that raised each anomaly carries it, in the batch and in a later one', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      await applyBatch(store, [
        message('signals.generated', { event_id: 'gen', occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 150 }),
        message('signals.risk', { event_id: 'risk', occurred_at: '2026-01-05T10:00:01Z', passed: false, rejection_reason: 'limit' }),
        message('orders.submitted', { event_id: 'sub', occurred_at: '2026-01-05T10:00:02Z', order_id: 'o-1', quantity: 100 }),
      ]);
      // a later batch: the fill raises fill_after_rejection; submission_after_rejection is not named again
      await applyBatch(store, [message('orders.filled', { event_id: 'fill', occurred_at: '2026-01-05T10:00:03Z', order_id: 'o-1', price: 150, quantity: 10 })]);
      const repo = SignalRepository.fromStore(store);
      const trail = await repo.getAuditTrail(S);
      expect(trail.map((e) => [e.eventId, e.anomaly])).toEqual([
        ['gen', null],
        ['risk', null],
        ['sub', 'submission_after_rejection'],
        ['fill', 'fill_after_rejection'],
      ]);
      expect((await repo.getSignalById(S))?.anomalies).toEqual(['fill_after_rejection', 'submission_after_rejection']);
    });
  });

  it('an event that raises two anomalies at once names both, comma-separated, in the record\'s order', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      await applyBatch(store, [
        message('signals.risk', { event_id: 'risk', occurred_at: '2026-01-05T10:00:01Z', passed: false, rejection_reason: 'limit' }),
        message('orders.filled', { event_id: 'fill', occurred_at: '2026-01-05T10:00:03Z', order_id: 'o-1', price: 150, quantity: 10 }),
      ]);
      const trail = await SignalRepository.fromStore(store).getAuditTrail(S);
      expect(trail.map((e) => [e.eventId, e.anomaly])).toEqual([
        ['risk', null],
        ['fill', 'fill_after_rejection,fill_without_submission'],
      ]);
    });
  });
});
