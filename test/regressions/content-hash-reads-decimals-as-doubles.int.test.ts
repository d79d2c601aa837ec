// Regression: decimals were kept exactly as written (151.10 stays "151.10", 20-digit quantities keep
// every digit), but the content hash and the derived event_id were taken from JSON.parse's object, where
// those numbers are doubles. So 12345678901234567890 and 12345678901234567891 hashed alike: under one
// event_id the second message counted as a duplicate instead of an id reused for different content,
// without an event_id it was silently dropped as a duplicate, and 151.1 / 151.10 gave a record that
// depended on arrival order. Now hashes and derived ids read decimals exactly, as written. This file
// proves, on SQLite and PostgreSQL: under one event_id, quantities that differ past a double, and 151.1
// against 151.10 in either order, make the second message a dead letter (the record keeps the first);
// without an event_id the two quantities are two events; and an event an earlier version recorded under
// the id or hash it took over doubles is still a duplicate when it comes again.
import { describe, expect, it } from 'vitest';
import { parseMessage, type ParsedMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';
import { snapshot } from '../helpers/workload.ts';

/** A signal-generated message for sig-h with the given raw JSON numbers; `eventId` null leaves it out. */
function generated(line: number, numbers: { entryPrice: string; quantity: string }, eventId: string | null): ParsedMessage {
  const id = eventId === null ? '' : `"event_id":"${eventId}",`;
  const value = `{${id}"signal_id":"sig-h","occurred_at":"2026-01-05T14:30:00Z","strategy_name":"m","symbol":"AAPL","side":"buy","confidence":0.8,"sharpe_estimate":1.5,"entry_price":${numbers.entryPrice},"requested_quantity":${numbers.quantity}}`;
  return parseMessage({ topic: 'signals.generated', key: 'sig-h', value, source: { type: 'file', file: 'hash', line, topic: 'signals.generated', key: 'sig-h' } });
}

describe.each(['sqlite-file', 'postgresql'] as const)('content hashes of exact decimals on %s', (kind) => {
  /** Applies the messages one batch each into a fresh database: what became of each, the records and the dead letters. */
  const applyInOrder = (messages: readonly ParsedMessage[]) =>
    withTestStore(kind, async (store) => {
      const outcomes = [];
      for (const m of messages) outcomes.push(...(await applyBatch(store, [m])).outcomes);
      return { outcomes, records: await snapshot(store), deadLetters: await readDeadLetters(store) };
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
      const again = await applyBatch(store, [generated(2, { entryPrice: '151.10', quantity: '12345678901234567890' }, null)]);
      expect(again).toMatchObject({ outcomes: ['duplicate'], duplicates: 1, applied: 0 });
    });
  });

  it('an event recorded under the id an earlier version derived, but with other content, is not this message: it is applied', async () => {
    await withTestStore(kind, async (store) => {
      const a = generated(1, { entryPrice: '151.10', quantity: '12345678901234567890' }, null);
      if (!a.ok || a.legacyEventId === undefined) throw new Error('expected a message with an exact derived id');
      await applyBatch(store, [a]);
      // the id over doubles, with the hash (over doubles) of some other content
      await store.em().getConnection().execute('update "signal_events" set "event_id" = ?, "content_hash" = ?', [a.legacyEventId, 'f'.repeat(64)]);
      const again = await applyBatch(store, [generated(2, { entryPrice: '151.10', quantity: '12345678901234567890' }, null)]);
      expect(again).toMatchObject({ outcomes: ['applied'], duplicates: 0, applied: 1 });
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

  it('151.1 and 151.10 under one event_id are different content: in either order the second is a dead letter and the record keeps the first', async () => {
    const a = generated(1, { entryPrice: '151.1', quantity: '100' }, 'E1');
    const b = generated(2, { entryPrice: '151.10', quantity: '100' }, 'E1');
    for (const [first, second, price, deadSource] of [[a, b, '151.1', 'hash:2'], [b, a, '151.10', 'hash:1']] as const) {
      const run = await applyInOrder([first, second]);
      expect(run.outcomes, `${price} first`).toEqual(['applied', 'dead-letter']);
      expect(JSON.parse(run.records), `${price} first`).toEqual([expect.objectContaining({ signalId: 'sig-h', signalPrice: price })]);
      expect(run.deadLetters.map((d) => [d.source, d.eventId, d.problems]), `${price} first`).toEqual([
        [deadSource, 'E1', [{ path: '$.event_id', message: 'event_id "E1" was already recorded with different content; this message was not applied' }]],
      ]);
    }
  });
});
