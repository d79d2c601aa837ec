// The analytics module's reading side of the audit trail (what reporting jobs import from
// signal-ledger/analytics): history, as-of and known-at, verify, the digest root and the dead letters, on
// SQLite and PostgreSQL, equal to what the repository and the commands' own functions give.
import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { computeLedgerDigest, findDeadLetters } from '../../src/store/index.ts';
import { type DatabaseKind, withTestStore } from '../helpers/databases.ts';
import { applyAll, toMessages } from '../helpers/workload.ts';

describe.each(['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[])('Analytics reading the audit trail on %s', (kind) => {
  it('gives the repository\'s history and as-of records, a clean verify, the digest root and the dead letters', async () => {
    await withTestStore(kind, async (store) => {
      await applyAll(store, toMessages([...generateEvents({ signals: 15, bad: 0.2, duplicates: 0.1, seed: 31 })]), 9);
      const analytics = Analytics.fromStore(store);
      const repo = SignalRepository.fromStore(store);
      const asOf = '2026-01-05T14:30:02Z';
      for (const id of ['sig-00000001', 'sig-00000007']) {
        expect(await analytics.getSignalHistory(id)).toEqual(await repo.getSignalHistory(id));
        expect(await analytics.getSignalAsOf(id, { asOf })).toEqual(await repo.getSignalById(id, { asOf }));
      }
      const asOfList = await analytics.getSignalsAsOf({}, { limit: 100 }, { asOf });
      expect(asOfList).toEqual(await repo.getSignals({}, { limit: 100 }, { asOf }));
      expect(asOfList.length).toBeGreaterThan(0);
      expect(await analytics.verify()).toMatchObject({ signals: 15, differences: 0 });
      expect(await analytics.getDigest()).toEqual(await computeLedgerDigest(store));
      const dead = await analytics.listDeadLetters({ limit: 5 });
      expect(dead).toEqual(await findDeadLetters(store, { limit: 5 }));
      expect(dead.length).toBeGreaterThan(0);
    });
  });
});
