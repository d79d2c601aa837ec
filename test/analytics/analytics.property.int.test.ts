import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import { createRandom, generateEvents } from '../../src/simulate/generate-events.ts';
import { applyBatch, openStore, rebuildRollups, type SignalRecord, type Store } from '../../src/store/index.ts';
import { canonicalDecimal, exactAdd } from '../../src/numeric/index.ts';
import { findSignals } from '../../src/api/index.ts';
import { createTestDatabase, emptyStore, type TestDatabase } from '../helpers/databases.ts';
import { chunks, toMessages } from '../helpers/workload.ts';
import * as brute from '../../scripts/analytics-naive.ts';

const STRATEGIES = ['mean_reversion', 'momentum', 'pairs_arb', 'breakout', 'vol_carry'];
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOG', 'META', 'TSLA', 'JPM', 'XOM', 'SPY', 'QQQ', 'IWM'];
const RECEIVED_AT = new Date('2026-11-26T00:00:00Z');

/** A random store: generated lifecycles, some events dropped (details missing, fills without orders), duplicates, bad lines. */
const storeArbitrary = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  signals: fc.noBias(fc.integer({ min: 0, max: 60 })),
  dropped: fc.constantFrom(0, 0.1, 0.3),
  duplicates: fc.constantFrom(0, 0.2),
  bad: fc.constantFrom(0, 0.05),
  spacingMs: fc.constantFrom(250, 90_000, 5_400_000),
});

/** A window inside (or around) the store's time span, maybe one strategy, maybe one symbol. */
const mostlyUnset = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });
const windowArbitrary = fc.record({
  from: fc.option(fc.noBias(fc.integer({ min: -2, max: 30 })), { nil: undefined }),
  length: fc.option(fc.noBias(fc.integer({ min: 0, max: 40 })), { nil: undefined }),
  strategy: mostlyUnset(fc.constantFrom(...STRATEGIES)),
  symbol: mostlyUnset(fc.constantFrom(...SYMBOLS)),
  limit: fc.integer({ min: 1, max: 5 }),
});

const START = Date.parse('2026-01-05T14:30:00Z');
const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}000Z`;

/** The rollup tables' rows, the copies (slots) of a key added up, sums canonical, without empty keys, in key order. */
async function rollupRows(store: Store): Promise<unknown[]> {
  const conn = store.em().getConnection();
  const signals = await conn.execute<Record<string, unknown>[]>('select * from "signal_rollups"');
  const byKey = new Map<string, Record<string, unknown>>();
  for (const { slot: _slot, ...row } of signals) {
    const key = `${row.day}|${row.strategy_name}|${row.symbol}`;
    const had = byKey.get(key);
    if (had === undefined) byKey.set(key, Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
    else for (const [k, v] of Object.entries(row)) if (!['day', 'strategy_name', 'symbol'].includes(k)) had[k] = typeof had[k] === 'number' ? (had[k] as number) + Number(v) : exactAdd(String(had[k]), String(v));
  }
  const kept = [...byKey].filter(([, r]) => Number(r.n) !== 0).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? canonicalDecimal(v) : v])));
  const dead = await conn.execute<Record<string, unknown>[]>('select "day", "topic", "n" from "dead_letter_rollups" where "n" <> 0 order by "day", "topic"');
  return [...kept, ...dead.map((d) => ({ ...d, n: Number(d.n) }))];
}

interface Db {
  db: TestDatabase;
  store: Store;
}

describe('analytics in SQL equal a brute-force fold over the records, on SQLite and on PostgreSQL', () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const kind of ['sqlite-memory', 'postgresql'] as const) {
      const db = await createTestDatabase(kind);
      dbs.push({ db, store: await openStore({ dbUrl: db.url }) });
    }
  });
  afterAll(async () => {
    for (const { db, store } of dbs) {
      await store.close();
      await db.drop();
    }
  });

  it('every analytics call on random stores and windows, on postgresql and sqlite alike', async () => {
    await fc.assert(
      fc.asyncProperty(storeArbitrary, fc.array(windowArbitrary, { minLength: 1, maxLength: 3 }), async (shape, windows) => {
        const drop = createRandom(shape.seed + 1);
        const lines = [...generateEvents({ ...shape, start: new Date(START), outOfOrder: 0.05 })].filter(() => drop() >= shape.dropped);
        const messages = toMessages(lines);
        const results: unknown[] = [];
        for (const { store } of dbs) {
          const conn = store.em().getConnection();
          await emptyStore(store);
          for (const [i, batch] of chunks(messages, 97).entries()) await applyBatch(store, batch, { receivedAt: RECEIVED_AT, rollupSlot: i % 3 });
          const records: SignalRecord[] = await findSignals(store, {}, { limit: 10_000 });
          // the rollups kept batch by batch, in several slots (records rewritten across batches, out of order, repeated), equal a rebuild from the rows
          const kept = await rollupRows(store);
          await rebuildRollups(store);
          expect(kept).toEqual(await rollupRows(store));
          const analytics = Analytics.fromStore(store);
          const perStore: unknown[] = [];
          for (const w of windows) {
            const spacing = shape.spacingMs;
            const window: brute.Window = {
              from: w.from === undefined ? undefined : stamp(START + w.from * spacing),
              to: w.length === undefined ? undefined : stamp(START + ((w.from ?? 0) + w.length) * spacing),
              strategy: w.strategy,
              symbol: w.symbol,
            };
            const got = {
              stats: await analytics.getExecutionStats(window),
              rejections: await analytics.getRejectionSummary(window),
              strategies: await analytics.getStrategyAttribution(window),
              symbols: await analytics.getSymbolBreakdown(window),
              hours: await analytics.getTimeSeries({ ...window, bucket: 'hour' }),
              days: await analytics.getTimeSeries({ ...window, bucket: 'day', metrics: ['signals', 'latencyP95', 'executedNotional'] }),
              anomalies: await analytics.getAnomalies({ ...window, limit: w.limit }),
              spreadByStrategy: await analytics.getSlippageDistribution(window),
              spreadBySymbol: await analytics.getSlippageDistribution({ ...window, by: 'symbol' }),
            };
            const byKey = (by: 'strategy' | 'symbol' | 'hour' | 'day') => brute.groups(records, window, by);
            const expected = {
              stats: brute.executionStats(records, window),
              rejections: brute.rejectionSummary(records, window),
              strategies: byKey('strategy').map(({ key, ...g }) => ({ strategy: key, ...g })),
              symbols: byKey('symbol').map(({ key, ...g }) => ({ symbol: key, ...g })),
              hours: byKey('hour').map((g) => ({
                bucket: g.key,
                signals: g.signals,
                executed: g.executedCount,
                rejected: g.rejectedCount,
                passRate: g.passRate,
                executionRate: g.executionRate,
                executedQuantity: g.executedQuantity,
                executedNotional: g.executedNotional,
                meanSlippageBps: g.meanSlippageBps,
                fees: g.fees,
                latencyP50: g.latencyToExecutedMs.p50,
                latencyP95: g.latencyToExecutedMs.p95,
                latencyP99: g.latencyToExecutedMs.p99,
              })),
              days: byKey('day').map((g) => ({ bucket: g.key, signals: g.signals, latencyP95: g.latencyToExecutedMs.p95, executedNotional: g.executedNotional })),
              anomalies: brute.anomalies(records, window, w.limit),
              spreadByStrategy: brute.slippageSpread(records, window, 'strategy'),
              spreadBySymbol: brute.slippageSpread(records, window, 'symbol'),
            };
            expect(got).toEqual(expected);
            perStore.push(got);
          }
          const deadLetters = await analytics.getDeadLetters({ limit: 3 });
          const rows = await conn.execute<{ id: number | string; topic: string | null; resolved_at: unknown }[]>('select "id", "topic", "resolved_at" from "dead_letters"');
          const { recent, ...counts } = brute.deadLetters(rows, 3);
          expect({ total: deadLetters.total, open: deadLetters.open, resolved: deadLetters.resolved, byTopic: deadLetters.byTopic, recentIds: deadLetters.recent.map((d) => d.id) }).toEqual({ ...counts, recentIds: recent.map((r) => Number(r.id)) });
          perStore.push(deadLetters);
          results.push(perStore);
        }
        // and the two databases give the same bytes
        expect(JSON.stringify(results[1])).toBe(JSON.stringify(results[0]));
      }),
      { numRuns: 40 },
    );
  });
});
