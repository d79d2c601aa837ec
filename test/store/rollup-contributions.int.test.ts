// What rows count in the rollups, computed in Node from the rows being written (contributionsOfRows, the apply path's
// and rebuild's), against what the database computes from the same rows once stored (contributionsOf, byRollupKeySql's
// SQL): equal on SQLite and on PostgreSQL, for rows of the fold with any measured column missing, any status, booleans
// either way, decimals past 12 places and 2^53, strategies and symbols whose texts run together, and rows of version 0.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsDigest } from '../../src/contract/index.ts';
import { deriveFacts, foldEvents, SIGNAL_STATUSES } from '../../src/fold/index.ts';
import { canonicalDecimal } from '../../src/numeric/index.ts';
import { insertRows, type Store, toSignalRow, withWriteTransaction } from '../../src/store/index.ts';
import { upsertSignalsStatement } from '../../src/store/apply-transaction.ts';
import { condColumn, COUNT_MEASURES, SUM_MEASURES } from '../../src/store/rollup-measures.ts';
import { type Contributions, contributionsOf, contributionsOfRows } from '../../src/store/rollups.ts';
import { blockStore } from '../helpers/databases.ts';
import { propertyRuns, propertyTimeLimit } from '../helpers/property-runs.ts';
import { parsedWorkload } from '../helpers/workload.ts';
import { acceptedEventsBySignal } from '../oracle/plain-fold.ts';

const STAMP = '2026-01-01T00:00:00.000000Z';

/** Rows as the apply path writes them, one a signal of a generated workload (executed, rejected, open...). */
function foldedRows(): Record<string, unknown>[] {
  const messages = parsedWorkload({ signals: 60, seed: 7 }, 'rollup-contributions');
  // the content hash of each event id's first carrier, which owns it
  const hashes = new Map<string, string>();
  for (const m of messages) if (m.ok && !hashes.has(m.event.eventId)) hashes.set(m.event.eventId, m.contentHash);
  return [...acceptedEventsBySignal(messages)].map(([id, events]) => {
    const state = foldEvents(events);
    const digest = eventsDigest(events.map((e) => hashes.get(e.eventId) as string));
    return toSignalRow({ ...deriveFacts(id, state), version: events.length, eventsDigest: digest, createdAt: STAMP, updatedAt: STAMP }, state);
  });
}

/** Every column a measure reads but the status and the boolean, which editArb sets instead. */
const NULLABLE: string[] = [
  ...new Set([...COUNT_MEASURES.flatMap((m) => m.when.map(condColumn)), ...SUM_MEASURES.flatMap((m) => [...m.when.map(condColumn), m.column, ...(m.times === undefined ? [] : [m.times])])]),
].filter((c) => c !== 'status' && c !== 'risk_check_passed');
const DECIMAL_COLUMNS = [...new Set(SUM_MEASURES.flatMap((m) => (m.times === undefined ? [m.column] : [m.column, m.times])))];
const ODD_DECIMALS = ['0', '-0.000000000001', '99999999999999999999.999999999999', '9007199254740993', '-12345678901234567890.5', '0.100000000000'];
// texts that run together: "s" + "x/y" and "s/x" + "y"; null and '' are one key, as coalesce makes them
const STRATEGIES = ['s', 's/x', '', null, 'momentum'];
const SYMBOLS = ['x/y', 'y', '', null, 'AAPL'];
const DAYS = ['2025-03-01T23:59:59.999999Z', '2025-03-02T00:00:00.000000Z', '1970-01-01T00:00:00.000000Z', '9999-12-31T23:59:59.999999Z'];

/** One row changed: a subset of its measured columns missing, and any of the others picked from edges. */
const editArb = fc.record({
  missing: fc.subarray(NULLABLE),
  status: fc.option(fc.constantFrom(...SIGNAL_STATUSES), { nil: undefined }),
  // booleans as toSignalRow gives them, and as SQLite gives them back
  riskPassed: fc.constantFrom(true, false, 1, 0, null, undefined),
  strategy: fc.option(fc.constantFrom(...STRATEGIES), { nil: undefined }),
  symbol: fc.option(fc.constantFrom(...SYMBOLS), { nil: undefined }),
  day: fc.option(fc.constantFrom(...DAYS), { nil: undefined }),
  odd: fc.option(fc.tuple(fc.constantFrom(...DECIMAL_COLUMNS), fc.constantFrom(...ODD_DECIMALS)), { nil: undefined }),
  versionZero: fc.boolean(),
});

type Edit = typeof editArb extends fc.Arbitrary<infer T> ? T : never;

function edited(row: Record<string, unknown>, e: Edit): Record<string, unknown> {
  const out = { ...row };
  for (const c of e.missing) out[c] = null;
  if (e.status !== undefined) out.status = e.status;
  if (e.riskPassed !== undefined) out.risk_check_passed = e.riskPassed;
  if (e.strategy !== undefined) out.strategy_name = e.strategy;
  if (e.symbol !== undefined) out.symbol = e.symbol;
  if (e.day !== undefined) out.effective_at = e.day;
  if (e.odd !== undefined) out[e.odd[0]] = e.odd[1];
  if (e.versionZero) out.version = 0;
  return out;
}

/** Contributions with their sums canonical, keyed and ordered, to compare. */
const comparable = (c: Contributions) =>
  [...c]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, { key, measures }]) => [k, key, measures.counts, Object.fromEntries(Object.entries(measures.sums).map(([n, v]) => [n, canonicalDecimal(v)]))]);

describe.each(['sqlite-file', 'postgresql'] as const)('the rollup contributions of rows being written, on %s', (kind) => {
  const opened = blockStore(kind);
  let store: Store;
  beforeAll(() => void (store = opened()));
  const base = foldedRows();

  it('the rows of a generated workload: computed in Node, they count what the database counts once they are stored', async () => {
    expect(base.length).toBeGreaterThan(40);
    await store.em().getConnection().execute('delete from "signals"');
    await withWriteTransaction(store, async (writer) => {
      await insertRows(writer, upsertSignalsStatement(writer.dialect), base);
      const stored = await contributionsOf(writer, base.map((r) => String(r.signal_id)));
      expect(stored.size).toBeGreaterThan(1);
      expect(comparable(contributionsOfRows(base))).toEqual(comparable(stored));
    });
  });

  it('rows with any measured column missing, any status, edge keys, odd decimals and version 0 count alike in Node and in the database', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length - 1), editArb), { minLength: 1, maxLength: 30 }), async (picks) => {
        const rows = [...new Map(picks.map(([i, e]) => [i, edited(base[i] as Record<string, unknown>, e)])).values()];
        await store.em().getConnection().execute('delete from "signals"');
        await withWriteTransaction(store, async (writer) => {
          await insertRows(writer, upsertSignalsStatement(writer.dialect), rows);
          const stored = await contributionsOf(writer, rows.map((r) => String(r.signal_id)));
          expect(comparable(contributionsOfRows(rows))).toEqual(comparable(stored));
        });
      }),
      { numRuns: propertyRuns(60), interruptAfterTimeLimit: propertyTimeLimit(30_000) },
    );
  });
});
