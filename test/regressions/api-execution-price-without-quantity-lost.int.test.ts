// Regression (found while pinning the fill rules, issue 13): updateSignalStatus(id, Executed, { executedPrice: 151 })
// without executedQuantity recorded an execution whose price had no weight in the VWAP, so the record's
// executed_price and slippage stayed empty. The Python layer's update_signal_status(id, EXECUTED,
// executed_price=151) stored the price, and getExecutionStats averaged its slippage: a caller migrating from it
// lost both. With no fill to weigh, the price given is now the executed price (docs/fold-rules.md).
import { describe, expect, it } from 'vitest';
import { SignalStatus } from '../../src/fold/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { DATABASE_KINDS, withTestStore } from '../helpers/databases.ts';

const aapl = { symbol: 'AAPL', side: 'buy' as const, confidence: 0.8, sharpeEstimate: 1.5, entryPrice: 150, strategyName: 'momentum' };

describe.each(DATABASE_KINDS)('an API execution with a price and no quantity on %s', (kind) => {
  it('records the price as executed_price, with its slippage, and the execution stats count it', async () => {
    await withTestStore(kind, async (store) => {
      const repo = SignalRepository.fromStore(store);
      await repo.saveSignal(aapl, { signalId: 'sig-1', generatedAt: '2026-01-05T10:00:00Z' });
      expect(await repo.updateSignalStatus('sig-1', SignalStatus.Executed, { executedPrice: 151, executedAt: '2026-01-05T10:00:05Z' })).toBe(true);
      const r = await repo.getSignalById('sig-1');
      expect(r).toMatchObject({ status: 'executed', executedPrice: '151', executedQuantity: null, slippage: '1' });
      const stats = await repo.getExecutionStats('2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z');
      expect(stats.avgSlippage).toBe(1);
    });
  });
});
