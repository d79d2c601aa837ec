import { describe, expect, it } from 'vitest';
import { Analytics, type TimeSeriesMetric } from '../../src/analytics/index.ts';
import { withTestStore } from '../helpers/databases.ts';

describe('analytics inputs: a clear error naming the bad setting, nothing run', () => {
  it('bad windows, buckets, metrics, groupings and limits are refused with INPUT_INVALID or LIMIT_EXCEEDED', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      const a = Analytics.fromStore(store);
      const cases: [string, () => Promise<unknown>, RegExp, string][] = [
        ['from', () => a.getExecutionStats({ from: 'last tuesday' }), /^from: "last tuesday": not an RFC 3339/, 'INPUT_INVALID'],
        ['to', () => a.getStrategyAttribution({ to: '2026-13-45' }), /^to: /, 'INPUT_INVALID'],
        ['strategy', () => a.getRejectionSummary({ strategy: '' }), /^strategy: must be a non-empty string/, 'INPUT_INVALID'],
        ['bucket', () => a.getTimeSeries({ bucket: 'week' as 'day' }), /^bucket: must be 'hour' or 'day' \(got "week"\)/, 'INPUT_INVALID'],
        ['metrics', () => a.getTimeSeries({ bucket: 'day', metrics: ['sharpe' as TimeSeriesMetric] }), /^metrics: unknown metric "sharpe"; known: signals, /, 'INPUT_INVALID'],
        ['by', () => a.getSlippageDistribution({ by: 'day' as 'symbol' }), /^by: must be 'strategy' or 'symbol'/, 'INPUT_INVALID'],
        ['limit 0', () => a.getAnomalies({ limit: 0 }), /^limit: must be a whole number of at least 1/, 'INPUT_INVALID'],
        ['limit too large', () => a.getDeadLetters({ limit: 10_001 }), /^limit: 10001 is above the maximum of 10000/, 'LIMIT_EXCEEDED'],
      ];
      for (const [name, run, message, code] of cases) {
        const error = await run().then(
          () => null,
          (e: unknown) => e as Error & { code?: string },
        );
        expect(error?.message, name).toMatch(message);
        expect(error?.code, name).toBe(code);
      }
      // and an empty store answers with zeros and nulls, not errors
      const stats = await a.getExecutionStats();
      expect(stats).toMatchObject({ totalSignals: 0, passRate: null, executionRate: null, fillRatio: null, totalFees: '0', slippage: { count: 0, mean: null, median: null } });
      expect(await a.getTimeSeries({ bucket: 'hour' })).toEqual([]);
    });
  });
});
