import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadSignals } from '../../scripts/analytics-loader.ts';
import { Analytics } from '../../src/analytics/index.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { kyselyOf, runSql, type Store } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

/** A view of a store that records every query the analytics send through it. */
function recording(store: Store, seen: CompiledQuery[]): Store {
  const em = () => {
    const real = store.em();
    return new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'getConnection') return Reflect.get(target, prop, receiver);
        return () => {
          const connection = target.getConnection();
          return new Proxy(connection, {
            get(c, p, r) {
              if (p !== 'getClient') return Reflect.get(c, p, r);
              const client = c.getClient();
              return () => ({ executeQuery: (q: CompiledQuery) => (seen.push(q), client.executeQuery(q)) });
            },
          });
        };
      },
    });
  };
  return { ...store, em } as Store;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe('analytics on PostgreSQL use indexes for a short window (EXPLAIN)', () => {
  it('every query of every call over one day of a year of signals reads signals through an index, anomalies through their partial index', async () => {
    await withTestStore('postgresql', async (store) => {
      const n = 40_000;
      await loadSignals(generateEvents({ signals: n, bad: 0.01, seed: 5, start: new Date('2025-01-01T00:00:00Z'), spacingMs: (365 * 86_400_000) / n }), [{ store, limit: Infinity }]);
      await store.em().getConnection().execute('vacuum analyze');
      const seen: CompiledQuery[] = [];
      const analytics = Analytics.fromStore(recording(store, seen));
      const day = { from: '2025-06-02', to: '2025-06-03' };
      const plans: { call: string; sql: string; nodes: PlanNode[] }[] = [];
      const calls: [string, () => Promise<unknown>][] = [
        ['getExecutionStats', () => analytics.getExecutionStats(day)],
        ['getRejectionSummary', () => analytics.getRejectionSummary(day)],
        ['getStrategyAttribution', () => analytics.getStrategyAttribution(day)],
        ['getSymbolBreakdown', () => analytics.getSymbolBreakdown({ ...day, strategy: 'momentum' })],
        ['getTimeSeries', () => analytics.getTimeSeries({ ...day, bucket: 'hour' })],
        ['getSlippageDistribution', () => analytics.getSlippageDistribution(day)],
        ['getAnomalies', () => analytics.getAnomalies(day)],
        ['getDeadLetters', () => analytics.getDeadLetters(day)],
      ];
      for (const [call, run] of calls) {
        seen.length = 0;
        const result = await run();
        expect(result, call).toBeTruthy();
        expect(seen.length, call).toBeGreaterThan(0);
        for (const q of seen) {
          const [row] = await runSql<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(kyselyOf(store), `explain (format json) ${q.sql}`, q.parameters);
          plans.push({ call, sql: q.sql, nodes: nodes((row?.['QUERY PLAN'] as { Plan: PlanNode }[])[0]?.Plan as PlanNode) });
        }
      }
      for (const p of plans) {
        const seqScans = p.nodes.filter((x) => x['Node Type'] === 'Seq Scan' && (x['Relation Name'] === 'signals' || x['Relation Name'] === 'dead_letters'));
        expect(seqScans, `${p.call}: ${p.sql}`).toEqual([]);
      }
      const anomalyIndexes = plans.filter((p) => p.call === 'getAnomalies').flatMap((p) => p.nodes.map((x) => x['Index Name']));
      expect(anomalyIndexes).toContain('signals_anomalies_idx');
      expect(plans.filter((p) => p.call === 'getDeadLetters').flatMap((p) => p.nodes.map((x) => x['Index Name']))).toContain('dead_letters_received_at_idx');
    });
  });
});

describe('analytics on SQLite read percentiles from the one index in time order (EXPLAIN QUERY PLAN)', () => {
  it('every percentile query of every call, over a day, a strategy and everything, reads signals_measures_idx alone (a covering scan)', async () => {
    await withTestStore('sqlite-file', async (store) => {
      const n = 3_000;
      await loadSignals(generateEvents({ signals: n, bad: 0.01, seed: 6, start: new Date('2025-01-01T00:00:00Z'), spacingMs: (365 * 86_400_000) / n }), [{ store, limit: Infinity }]);
      const seen: CompiledQuery[] = [];
      const analytics = Analytics.fromStore(recording(store, seen));
      for (const window of [{ from: '2025-06-02', to: '2025-06-03' }, { strategy: 'momentum' }, {}]) {
        await analytics.getExecutionStats(window);
        await analytics.getStrategyAttribution(window);
        await analytics.getSymbolBreakdown(window);
        await analytics.getTimeSeries({ ...window, bucket: 'day' });
        await analytics.getSlippageDistribution({ ...window, by: 'symbol' });
      }
      const percentileQueries = seen.filter((q) => (q.sql.includes('ledger_aggregates(') && q.sql.includes('signals_measures_idx')) || q.sql.includes('ledger_grouped('));
      // three windows: getExecutionStats' one query, the latency per group of three calls, the slippage spread
      expect(percentileQueries.length).toBeGreaterThanOrEqual(15);
      for (const q of percentileQueries) {
        expect(q.sql, 'names the index').toContain('indexed by "signals_measures_idx"');
        const plan = await runSql<{ detail: string }>(kyselyOf(store), `explain query plan ${q.sql}`, q.parameters);
        const scans = plan.map((r) => r.detail).filter((d) => /\b(SCAN|SEARCH) signals\b/.test(d));
        expect(scans.length, q.sql).toBeGreaterThan(0);
        for (const d of scans) expect(d, q.sql).toMatch(/USING COVERING INDEX signals_measures_idx/);
      }
    });
  });
});
