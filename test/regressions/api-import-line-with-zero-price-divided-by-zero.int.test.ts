// Found in a review of the fold's decimals: an export line marked "origin": "api" was checked only for canonical
// decimals, not for the rules the repository holds its arguments to. A hand-made line with "entryPrice": "0" was
// applied (no repository call could make it), and a later fill of that signal threw a RangeError (division by
// zero) in the fold, which its dead letter called "the database refused this message". Now the line is a dead
// letter naming the field and the rule, the fill is applied, and a dead letter of a RangeError says it is
// signal-ledger's, not the database's; alike on both databases.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hashEvent, parseMessage, type AcceptedMessage, type SignalEvent } from '../../src/contract/index.ts';
import { ingestLines } from '../../src/ingest/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

/** A signal's event as saveSignal makes it (the wire message parsed, origin api), with its entry price and confidence replaced. */
const wire = { signal_id: 's-0', event_id: 'g-1', occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'AAPL', side: 'buy', confidence: 0.8, sharpe_estimate: 1.5, entry_price: 10 };
const made = parseMessage({ topic: 'signals.generated', value: JSON.stringify(wire), source: { type: 'api' } });
if (!made.ok || made.event.kind !== 'generated') throw new Error('the valid message did not parse');
const saved = made.event;
const generated = (entryPrice: string, confidence = '0.8'): SignalEvent => ({ ...saved, origin: 'api', details: { ...saved.details, entryPrice, confidence } });
const fill = { signalId: 's-0', schemaVersion: 1, metadata: null, origin: 'api', recordFields: null, kind: 'filled', eventId: 'f-1', occurredAt: '2026-01-05T10:00:01.000000Z', orderId: 'o-1', fillId: null, price: '10', quantity: '5', leavesQuantity: null, fee: null, completes: true } as unknown as SignalEvent;
const line = (e: SignalEvent) => `${JSON.stringify({ topic: 'signals.x', key: null, value: JSON.stringify(e), origin: 'api' })}\n`;
const accepted = (event: SignalEvent): AcceptedMessage => ({ ok: true, event, payload: JSON.stringify(event), contentHash: hashEvent(event), source: { type: 'api' } });

describe.each(['sqlite-file', 'postgresql'] as const)('an "origin": "api" line the repository could not have made, on %s', (kind) => {
  it.each([
    ['an entry price of 0', generated('0'), '$.details.entryPrice', 'must be greater than 0 (got 0)'],
    ['a negative entry price', generated('-1.5'), '$.details.entryPrice', 'must be greater than 0 (got -1.5)'],
    ['a confidence above 1', generated('10', '1.5'), '$.details.confidence', 'must be between 0 and 1 (got 1.5)'],
  ])('%s is a dead letter naming the field and its rule, and the fill after it is applied', async (_name, event, path, message) => {
    await withTestStore(kind, async (store) => {
      const summary = await ingestLines(store, Readable.from([line(event), line(fill)]));
      expect(summary).toMatchObject({ read: 2, applied: 1, deadLetters: 1 });
      const dead = await readDeadLetters(store);
      expect(dead.map((d) => [d.eventId, d.problems])).toEqual([['g-1', [{ path, message }]]]);
    });
  });

  it('a fill that throws a RangeError in the fold is a dead letter saying so, not the database refusing it', async () => {
    await withTestStore(kind, async (store) => {
      // applyBatch takes accepted messages as given: only such a message can still bring the fold a zero price
      const result = await applyBatch(store, [accepted(generated('0')), accepted(fill)]);
      expect(result).toMatchObject({ applied: 1, deadLetters: 1 });
      const [dead] = await readDeadLetters(store);
      expect(dead?.problems).toEqual([{ path: '$', message: expect.stringMatching(/^signal-ledger could not apply this message: .*Division by zero/i) }]);
    });
  });
});
