// The growth profile's diagnostic (`PROFILE_ORDERED_IDS=1 npm run profile -- growth-*`, scripts/profile.ts) swaps
// the generator's event ids for ids that sort in arrival order. Its figures compare with the plain run's only if
// the swap changes nothing else the ledger sees: a duplicate must stay a duplicate, a reused id stay reused, and
// each id keep its length (the audit trail and the fold state hold it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../src/contract/index.ts';
import { inArrivalOrder } from '../../scripts/bench-common.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

const accepted = (eventId: string) => ({ ok: true, event: { eventId } }) as unknown as ParsedMessage;
const idOf = (m: ParsedMessage) => (m.ok ? m.event.eventId : null);

// ids of 10 to 40 characters from a few stems, so that the same id comes again and ids share long prefixes
const ids = fc.array(fc.constantFrom('0123456789abcdef', 'sig-00000001-fill-0001', 'f', 'z'.repeat(40), 'evt-000000009', 'evt-000000010').chain((stem) => fc.nat({ max: 3 }).map((n) => `${stem}${'x'.repeat(n)}`.padEnd(10, '-'))), { maxLength: 60 });

describe('inArrivalOrder', () => {
  it('gives ids that sort in the order of their first arrival, the same old id the same new id and distinct ones distinct, each of its old length, across calls', () => {
    fc.assert(
      fc.property(ids, fc.nat({ max: 60 }), (old, cut) => {
        const messages = old.map(accepted);
        const given = new Map<string, string>();
        // two calls sharing the map, as the growth profile makes one a tenth of the events
        inArrivalOrder(messages.slice(0, cut), given);
        inArrivalOrder(messages.slice(cut), given);
        const now = messages.map(idOf) as string[];
        now.forEach((id, i) => {
          expect(id).toHaveLength((old[i] as string).length);
          old.forEach((other, j) => expect(now[j] === id).toBe(other === old[i]));
        });
        const firsts = [...new Set(now)];
        expect([...firsts].sort()).toEqual(firsts);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('leaves a rejected message as it is', () => {
    const rejected = { ok: false, problems: [], raw: '{}' } as unknown as ParsedMessage;
    const given = new Map<string, string>();
    inArrivalOrder([rejected, accepted('evt-0000000001')], given);
    expect(rejected).toEqual({ ok: false, problems: [], raw: '{}' });
    expect([...given]).toEqual([['evt-0000000001', '00000000000001']]);
  });
});
