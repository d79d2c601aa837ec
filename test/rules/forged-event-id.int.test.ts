// docs/bad-input.md (an event_id owned by another signal: "dead letter naming the owner; the rest of the
// batch is applied") and docs/decisions.md "Choices where the contract is silent" ("the same
// event_id with different content is not a duplicate: the later message becomes a dead letter ('already
// recorded with different content', or 'already belongs to signal X' when it names another signal) and
// changes nothing; the rest of its batch is applied"). Through applyBatch on SQLite.
// Pinned elsewhere (not repeated here): an event_id reused by ANOTHER signal, in the same batch and in a
// later one, with the exact messages naming the owner: test/store/apply-batch.safety-net.int.test.ts
// "an event_id owned by another signal is a dead letter naming the owner, in the same batch and in a later
// one, and the rest is applied" (SQLite file and PostgreSQL), and test/regressions/event-id-*.
// test/store/apply-batch.int.test.ts pins a later forged message of the same signal with a hand-made
// content hash (dead letter, "already recorded with different content"), not the rest of its batch.
import { describe, expect, it } from 'vitest';
import { type JsonObject, parseMessage } from '../../src/contract/index.ts';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

const S = 'sig-forged';
let offset = 0;
const message = (topic: string, value: JsonObject) =>
  parseMessage({ topic, key: S, value: JSON.stringify({ signal_id: S, ...value }), source: { type: 'kafka', topic, partition: 0, offset: String(++offset), key: S } });
const details = (symbol: string) =>
  message('signals.generated', { event_id: 'ev-1', occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol, side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 150 });
const risk = () => message('signals.risk', { event_id: 'ev-2', occurred_at: '2026-01-05T10:00:01Z', passed: true });

const record = async (store: Store) => {
  const r = await SignalRepository.fromStore(store).getSignalById(S);
  return { symbol: r?.symbol, status: r?.status, version: r?.version, anomalies: r?.anomalies };
};

describe('a forged event_id (the same id, other content, the same signal)', () => {
  it('in the same batch: the later message is a dead letter at $.event_id, changes nothing, and the rest of the batch applies', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      const forged = details('MSFT');
      const r = await applyBatch(store, [details('AAPL'), forged, risk()]);
      expect(r.outcomes).toEqual(['applied', 'dead-letter', 'applied']);
      expect(r.rejections).toEqual([
        { at: 1, problems: [{ path: '$.event_id', message: 'event_id "ev-1" was already recorded with different content; this message was not applied' }] },
      ]);
      // the first message's details stand; the forged one made no duplicate_details
      expect(await record(store)).toEqual({ symbol: 'AAPL', status: 'passed_risk', version: 2, anomalies: [] });
      const dead = await readDeadLetters(store);
      expect(dead.map((d) => [d.source, d.eventId, d.signalId])).toEqual([[`signals.generated/0@${forged.source.type === 'kafka' ? forged.source.offset : ''}`, 'ev-1', S]]);
      expect(dead[0]?.rawValue).toMatch(/"MSFT"/);
    });
  });

  it('in a later batch: a dead letter ("already recorded with different content"), the rest of its batch applies, and a true redelivery is a duplicate', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      expect((await applyBatch(store, [details('AAPL')])).outcomes).toEqual(['applied']);
      const r = await applyBatch(store, [details('MSFT'), risk(), details('AAPL')]);
      expect(r.outcomes).toEqual(['dead-letter', 'applied', 'duplicate']);
      expect(r.rejections[0]?.problems).toEqual([{ path: '$.event_id', message: 'event_id "ev-1" was already recorded with different content; this message was not applied' }]);
      expect(await record(store)).toEqual({ symbol: 'AAPL', status: 'passed_risk', version: 2, anomalies: [] });
      expect((await readDeadLetters(store)).map((d) => [d.eventId, d.signalId])).toEqual([['ev-1', S]]);
    });
  });
});
