// The growth profile's diagnostic (`PROFILE_ORDERED_IDS=1 npm run profile -- growth-*`, scripts/profile.ts) swaps
// the generator's event ids for ids that sort in arrival order. Its figures compare with the plain run's only if
// the swap changes nothing else the ledger sees: a duplicate must stay a duplicate, an id reused by another signal
// stay reused, and each id keep its length (the audit trail and the fold state hold it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../src/contract/index.ts';
import { inArrivalOrder } from '../../scripts/bench-common.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

const accepted = ([eventId, signalId]: readonly [string, string]) => ({ ok: true, event: { eventId, signalId } }) as unknown as ParsedMessage;
const idOf = (m: ParsedMessage) => (m.ok ? m.event.eventId : null);

// ids of 1 to 44 characters from a few stems, so that the same id comes again, under one signal or another, and ids
// share long prefixes
const stem = fc.constantFrom('0123456789abcdef', 'sig-00000001:fill:0001', 'f', 'z'.repeat(40), 'evt-000000009', 'evt-000000010', 'evt-9');
const message = fc.tuple(fc.tuple(stem, fc.nat({ max: 3 })).map(([s, n]) => `${s}${'x'.repeat(n)}`), fc.constantFrom('sig-1', 'sig-2'));
const messages = fc.array(message, { maxLength: 60 }).chain((list) => fc.tuple(fc.constant(list), fc.nat({ max: list.length })));

describe('inArrivalOrder', () => {
  it('gives ids that sort in the order of their first arrival, the same old id the same new id under any signal and distinct ones distinct, each of its old length or 10, across calls', () => {
    fc.assert(
      fc.property(messages, ([list, cut]) => {
        const parsed = list.map(accepted);
        const old = list.map(([id]) => id);
        const given = new Map<string, string>();
        // two calls sharing the map, as the growth profile makes one for each tenth of the events
        inArrivalOrder(parsed.slice(0, cut), given);
        inArrivalOrder(parsed.slice(cut), given);
        const now = parsed.map(idOf) as string[];
        now.forEach((id, i) => {
          expect(id).toHaveLength(Math.max(10, (old[i] as string).length));
          old.forEach((other, j) => expect(now[j] === id).toBe(other === old[i]));
        });
        const firsts = [...new Set(now)];
        expect([...firsts].sort()).toEqual(firsts);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('leaves a rejected message as it is, and gives it no number, even when it carries an accepted message\'s id', () => {
    const rejected = { ok: false, problems: [], raw: '{}', eventId: 'evt-0000000001', signalId: 'sig-1' } as unknown as ParsedMessage;
    const given = new Map<string, string>();
    inArrivalOrder([rejected, accepted(['evt-0000000002', 'sig-1']), accepted(['evt-0000000001', 'sig-1'])], given);
    expect(rejected).toEqual({ ok: false, problems: [], raw: '{}', eventId: 'evt-0000000001', signalId: 'sig-1' });
    expect([...given]).toEqual([
      ['evt-0000000002', '00000000000002'],
      ['evt-0000000001', '00000000010001'],
    ]);
  });
});
