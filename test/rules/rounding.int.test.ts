// docs/analytics.md, Choices: "means are rounded half-even to 12 places", and "Choices where the contract
// is silent": getExecutionStats().avgSlippage is "the exact mean rounded to 12 places, then converted" to a
// JavaScript number. Read from a SQLite store loaded through applyBatch.
import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import { type JsonObject, parseMessage } from '../../src/contract/index.ts';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { withTestStore } from '../helpers/databases.ts';

/** Executed buys at entry 1, one per executed price: their slippage is executed - 1. */
async function loadBuys(store: Store, executedPrices: readonly string[]): Promise<void> {
  const messages = executedPrices.flatMap((price, i) => {
    const signalId = `sig-${i}`;
    const message = (topic: string, value: JsonObject, line: number) =>
      parseMessage({ topic, key: signalId, value: JSON.stringify(value), source: { type: 'file', file: 'means', line, topic, key: signalId } });
    return [
      message('signals.generated', { signal_id: signalId, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: '1' }, 2 * i + 1),
      message('orders.filled', { signal_id: signalId, occurred_at: '2026-01-05T10:00:01Z', order_id: 'o', price, quantity: '1', leaves_quantity: 0 }, 2 * i + 2),
    ];
  });
  expect((await applyBatch(store, messages)).applied).toBe(messages.length);
}

const meansOf = async (store: Store) => ({
  mean: (await Analytics.fromStore(store).getExecutionStats()).slippage.mean,
  avgSlippage: (await SignalRepository.fromStore(store).getExecutionStats()).avgSlippage,
});

describe('means are rounded half-even to 12 places', () => {
  it('a mean with an exact half at the 13th place rounds to the even 12th digit', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      // slippages 0.000000000002 and 0.000000000003: the mean 0.0000000000025 -> ...2 (half-up would give ...3)
      await loadBuys(store, ['1.000000000002', '1.000000000003']);
      expect(await meansOf(store)).toEqual({ mean: '0.000000000002', avgSlippage: 2e-12 });
    });
  });

  it('a mean that does not divide out is cut to 12 places: (1 + 0 + 1) / 3 -> 0.666666666667', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      await loadBuys(store, ['2', '1', '2']);
      expect(await meansOf(store)).toEqual({ mean: '0.666666666667', avgSlippage: 0.666666666667 });
    });
  });
});
