// Found while writing the regression tests (not fixed yet): decimals are kept exactly as written
// (151.10 stays "151.10", 20-digit quantities keep every digit), but the content hash and the derived
// event_id are still taken from JSON.parse's object, where those numbers are doubles. So
// 12345678901234567890 and 12345678901234567891 hash alike: under one event_id the second message
// counts as a duplicate instead of an id reused for different content, without an event_id it is
// silently dropped as a duplicate, and 151.1 / 151.10 give a record that depends on arrival order.
import { describe, expect, it } from 'vitest';
import { parseMessage, type ParsedMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { snapshot } from '../helpers/workload.ts';

/** A signal-generated message for sig-h with the given raw JSON numbers; `eventId` null leaves it out. */
function generated(line: number, numbers: { entryPrice: string; quantity: string }, eventId: string | null): ParsedMessage {
  const id = eventId === null ? '' : `"event_id":"${eventId}",`;
  const value = `{${id}"signal_id":"sig-h","occurred_at":"2026-01-05T14:30:00Z","strategy_name":"m","symbol":"AAPL","side":"buy","confidence":0.8,"sharpe_estimate":1.5,"entry_price":${numbers.entryPrice},"requested_quantity":${numbers.quantity}}`;
  return parseMessage({ topic: 'signals.generated', key: 'sig-h', value, source: { type: 'file', file: 'hash', line, topic: 'signals.generated', key: 'sig-h' } });
}

describe.each(['sqlite-file', 'postgresql'] as const)('content hashes of exact decimals on %s', (kind) => {
  /** Applies the messages one batch each into a fresh database: what became of each, and the records. */
  const applyInOrder = (messages: readonly ParsedMessage[]) =>
    withTestStore(kind, async (store) => {
      const outcomes = [];
      for (const m of messages) outcomes.push(...(await applyBatch(store, [m])).outcomes);
      return { outcomes, records: await snapshot(store) };
    });

  it('one event_id with quantities that differ past a double: the second message is a dead letter, not a duplicate', async () => {
    const a = generated(1, { entryPrice: '150', quantity: '12345678901234567890' }, 'E1');
    const b = generated(2, { entryPrice: '150', quantity: '12345678901234567891' }, 'E1');
    expect((await applyInOrder([a, b])).outcomes).toEqual(['applied', 'dead-letter']);
  });

  it('no event_id and quantities that differ past a double: two distinct events, neither dropped as a duplicate', async () => {
    const a = generated(1, { entryPrice: '150', quantity: '12345678901234567890' }, null);
    const b = generated(2, { entryPrice: '150', quantity: '12345678901234567891' }, null);
    expect((await applyInOrder([a, b])).outcomes).toEqual(['applied', 'applied']);
    if (a.ok && b.ok) expect(b.event.eventId).not.toBe(a.event.eventId);
  });

  it('an event an earlier version recorded under the id it derived over doubles is a duplicate when it comes again', async () => {
    await withTestStore(kind, async (store) => {
      const a = generated(1, { entryPrice: '151.10', quantity: '12345678901234567890' }, null);
      if (!a.ok || a.legacyEventId === undefined) throw new Error('expected a message with an exact derived id');
      await applyBatch(store, [a]);
      // as the earlier version wrote it: the id and the hash over doubles
      await store.em().getConnection().execute('update "signal_events" set "event_id" = ?, "content_hash" = ?', [a.legacyEventId, a.legacyContentHash]);
      expect((await applyBatch(store, [generated(2, { entryPrice: '151.10', quantity: '12345678901234567890' }, null)])).outcomes).toEqual(['duplicate']);
    });
  });

  it('a message recorded before decimals were hashed exactly (a hash of hex digits over doubles) is still a duplicate when it comes again', async () => {
    await withTestStore(kind, async (store) => {
      const a = generated(1, { entryPrice: '151.10', quantity: '100' }, 'E1');
      if (!a.ok) throw new Error('expected a valid message');
      await applyBatch(store, [a]);
      await store.em().getConnection().execute('update "signal_events" set "content_hash" = ?', [a.legacyContentHash]);
      expect((await applyBatch(store, [generated(2, { entryPrice: '151.10', quantity: '100' }, 'E1')])).outcomes).toEqual(['duplicate']);
    });
  });

  it('151.1 and 151.10 under one event_id: when the second is taken for a duplicate, the record is the same in either order', async () => {
    const a = generated(1, { entryPrice: '151.1', quantity: '100' }, 'E1');
    const b = generated(2, { entryPrice: '151.10', quantity: '100' }, 'E1');
    const ab = await applyInOrder([a, b]);
    const ba = await applyInOrder([b, a]);
    // a duplicate must add nothing, so the record is a function of the set of accepted events;
    // the other consistent answer is that the second is an id reused for different content
    if (ab.outcomes[1] === 'duplicate' && ba.outcomes[1] === 'duplicate') expect(ab.records).toBe(ba.records);
    else expect([ab.outcomes, ba.outcomes]).toEqual([['applied', 'dead-letter'], ['applied', 'dead-letter']]);
  });
});
