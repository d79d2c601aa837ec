import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import type { EventLine } from '../../src/simulate/generate-events.ts';
import { applyBatch } from '../../src/store/index.ts';
import { findSignals } from '../../src/api/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { toMessages } from '../helpers/workload.ts';

/** Buys at 12345678901234567 filled far below it: slippages that differ exactly but share one double. */
function lines(fills: readonly string[]): EventLine[] {
  return fills.flatMap((price, i): EventLine[] => {
    const id = `tie-${i}`;
    return [
      { topic: 'signals.generated', key: id, value: { signal_id: id, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 's', symbol: 'A', side: 'buy' as const, confidence: 0.5, sharpe_estimate: 1, entry_price: '12345678901234567', requested_quantity: 1 } },
      { topic: 'orders.filled', key: id, value: { signal_id: id, occurred_at: '2026-01-05T10:01:00Z', order_id: `o${i}`, fill_id: 'f', price, quantity: 1 } },
    ];
  });
}

describe('exact percentiles of decimals that share a double', () => {
  for (const kind of ['sqlite-file', 'postgresql'] as const) {
    it(`on ${kind}: the walk orders them exactly (SQLite keeps decimals as text, where "-1.1" sorts before "-1.3")`, async () => {
      await withTestStore(kind, async (store) => {
        await applyBatch(store, toMessages(lines(['0.9', '0.7', '0.5'])));
        const slippages = (await findSignals(store, {}, {})).map((r) => r.slippage).sort();
        expect(slippages).toEqual(['-12345678901234566.1', '-12345678901234566.3', '-12345678901234566.5']);
        expect(new Set(slippages.map(Number)).size).toBe(1);
        const stats = await Analytics.fromStore(store).getExecutionStats();
        expect(stats.slippage).toMatchObject({ count: 3, median: '-12345678901234566.3', p95: '-12345678901234566.1', worst: '-12345678901234566.1' });
      });
    });
  }
});
