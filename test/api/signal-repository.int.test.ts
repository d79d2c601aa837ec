import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.ts';
import { SignalStatus } from '../../src/fold/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { DATABASE_KINDS, withTestStore } from '../helpers/databases.ts';

const aapl = { symbol: 'AAPL', side: 'buy' as const, confidence: 0.8, sharpeEstimate: 1.5, entryPrice: 150, stopLoss: 145, takeProfit: 160, strategyName: 'momentum' };

describe.each(DATABASE_KINDS)('SignalRepository on %s (the original README examples)', (kind) => {
  const withRepo = (fn: (repo: SignalRepository) => Promise<void>) => withTestStore(kind, (store) => fn(SignalRepository.fromStore(store)));

  it('saves a signal and reads it back with the original fields', async () => {
    await withRepo(async (repo) => {
      const saved = await repo.saveSignal(aapl, { signalId: 'sig-1', requestedQuantity: 100, generatedAt: '2026-01-05T10:00:00Z' });
      expect(saved).toMatchObject({
        signalId: 'sig-1', symbol: 'AAPL', direction: 'BUY', strength: '0.8', signalPrice: '150', status: 'generated',
        strategyName: 'momentum', qualityScore: '0.6', signalType: 'entry', requestedQuantity: '100', targetPrice: '160',
        signalMetadata: { stop_loss: '145', take_profit: '160' }, generatedAt: '2026-01-05T10:00:00.000000Z', version: 1,
      });
      expect(await repo.getSignalById('sig-1')).toEqual(saved);
      expect(await repo.getSignalById('nope')).toBeNull();
    });
  });

  it('a buy at entry 150 executed at 151 has slippage 1.00', async () => {
    await withRepo(async (repo) => {
      await repo.saveSignal(aapl, { signalId: 'sig-1' });
      expect(await repo.updateSignalStatus('sig-1', SignalStatus.Executed, { executedPrice: 151, executedQuantity: 100 })).toBe(true);
      const r = await repo.getSignalById('sig-1');
      expect(r?.status).toBe('executed');
      expect(Number(r?.slippage)).toBe(1.0);
    });
  });

  it('a sell executed above its entry has negative slippage (signed by side, positive = adverse)', async () => {
    await withRepo(async (repo) => {
      await repo.saveSignal({ ...aapl, side: 'sell' }, { signalId: 'sig-s' });
      await repo.updateSignalStatus('sig-s', SignalStatus.Executed, { executedPrice: 151, executedQuantity: 100 });
      expect(Number((await repo.getSignalById('sig-s'))?.slippage)).toBe(-1.0);
    });
  });

  it('status transitions follow the lifecycle facts, and executed without prices keeps them null', async () => {
    await withRepo(async (repo) => {
      await repo.saveSignal(aapl, { signalId: 'sig-1', generatedAt: '2026-01-05T10:00:00Z' });
      await repo.updateSignalStatus('sig-1', SignalStatus.PassedRisk, { processedAt: '2026-01-05T10:00:01Z', riskCheckDetails: { position_limit: true } });
      expect((await repo.getSignalById('sig-1'))?.status).toBe('passed_risk');
      await repo.updateSignalStatus('sig-1', SignalStatus.Submitted, { orderId: 'ord-9', processedAt: '2026-01-05T10:00:02Z' });
      expect((await repo.getSignalById('sig-1'))).toMatchObject({ status: 'submitted', orderId: 'ord-9', riskCheckPassed: true });
      await repo.updateSignalStatus('sig-1', SignalStatus.Executed, { executedAt: '2026-01-05T10:00:03Z' });
      expect(await repo.getSignalById('sig-1')).toMatchObject({ status: 'executed', executedPrice: null, slippage: null, executedAt: '2026-01-05T10:00:03.000000Z' });
    });
  });

  it('updating a signal that does not exist returns false and writes nothing', async () => {
    await withRepo(async (repo) => {
      expect(await repo.updateSignalStatus('ghost', SignalStatus.Rejected, { rejectionReason: 'x' })).toBe(false);
      expect(await repo.getSignals()).toEqual([]);
    });
  });

  it('rejection reasons are counted, a missing reason as unknown', async () => {
    await withRepo(async (repo) => {
      for (const [id, reason] of [['a', 'max_position'], ['b', 'max_position'], ['c', 'daily_loss'], ['d', undefined]] as const) {
        await repo.saveSignal(aapl, { signalId: id });
        await repo.updateSignalStatus(id, SignalStatus.Rejected, reason ? { rejectionReason: reason } : {});
      }
      expect(await repo.getRejectionSummary()).toEqual({ max_position: 2, daily_loss: 1, unknown: 1 });
    });
  });

  it('execution stats by strategy and date range, with the original keys', async () => {
    await withRepo(async (repo) => {
      await repo.saveSignal(aapl, { signalId: 'a', generatedAt: '2026-01-05T10:00:00Z' });
      await repo.updateSignalStatus('a', SignalStatus.Executed, { executedPrice: 151, executedQuantity: 100 });
      await repo.saveSignal({ ...aapl, strategyName: 'pairs' }, { signalId: 'b', generatedAt: '2026-01-05T11:00:00Z', qualityScore: 0.2 });
      await repo.updateSignalStatus('b', SignalStatus.Rejected, { rejectionReason: 'limit' });
      await repo.saveSignal(aapl, { signalId: 'c', generatedAt: '2026-01-06T10:00:00Z' });
      const all = await repo.getExecutionStats();
      expect(all).toEqual({ totalSignals: 3, byStatus: { executed: 1, generated: 1, rejected: 1 }, executedCount: 1, rejectedCount: 1, avgSlippage: 1, avgQualityScore: 0.466666666667 });
      // the exact mean of 0.6, 0.2 and 0.6 to 12 places, as a number (the original's float average)
      const day = await repo.getExecutionStats('2026-01-05T00:00:00Z', '2026-01-06T10:00:00Z');
      expect(day.totalSignals).toBe(2);
      expect((await repo.getSignalsByStrategy('momentum')).map((r) => r.signalId)).toEqual(['c', 'a']);
      expect((await repo.getSignalsByStrategy('momentum', '2026-01-05', '2026-01-06')).map((r) => r.signalId)).toEqual(['a']);
      expect(await repo.getExecutionStats('2030-01-01', '2030-01-02')).toMatchObject({ totalSignals: 0, avgSlippage: 0, avgQualityScore: 0 });
    });
  });

  it('getSignals filters, orders newest first and pages with a keyset cursor', async () => {
    await withRepo(async (repo) => {
      for (let i = 0; i < 7; i++) await repo.saveSignal({ ...aapl, symbol: i % 2 ? 'MSFT' : 'AAPL' }, { signalId: `s${i}`, generatedAt: `2026-01-05T10:00:0${i}Z` });
      const page1 = await repo.getSignals({}, { limit: 3 });
      expect(page1.map((r) => r.signalId)).toEqual(['s6', 's5', 's4']);
      const page2 = await repo.getSignals({}, { limit: 3, cursor: 's4' });
      expect(page2.map((r) => r.signalId)).toEqual(['s3', 's2', 's1']);
      expect((await repo.getSignals({ symbol: 'MSFT' })).map((r) => r.signalId)).toEqual(['s5', 's3', 's1']);
      expect((await repo.getSignals({ status: 'generated', startDate: '2026-01-05T10:00:02Z', endDate: '2026-01-05T10:00:04Z' })).map((r) => r.signalId)).toEqual(['s3', 's2']);
      await expect(repo.getSignals({}, { limit: 10_001 })).rejects.toThrow(/above the maximum page size of 10000/);
      await expect(repo.getSignals({}, { cursor: 'nope' })).rejects.toThrow(/not the id of a stored signal/);
    });
  });

  it('validates a TradingSignal as the original did, and refuses to save an id twice', async () => {
    await withRepo(async (repo) => {
      await expect(repo.saveSignal({ ...aapl, side: 'hold' as 'buy' })).rejects.toThrow(/side/);
      await expect(repo.saveSignal({ ...aapl, confidence: 1.2 })).rejects.toThrow(/confidence must be between 0 and 1/);
      await expect(repo.saveSignal({ ...aapl, entryPrice: -3 })).rejects.toThrow(/signal: entryPrice must be greater than 0/);
      await repo.saveSignal(aapl, { signalId: 'dup' });
      const error = await repo.saveSignal(aapl, { signalId: 'dup' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).message).toMatch(/signal dup already has details/);
    });
  });

  it('saveSignal with a status applies it as an update, and other fields are set with the latest call winning', async () => {
    await withRepo(async (repo) => {
      const r = await repo.saveSignal(aapl, { signalId: 'x', status: SignalStatus.Rejected, rejectionReason: 'stale', positionValue: 1000 });
      expect(r).toMatchObject({ status: 'rejected', rejectionReason: 'stale', positionValue: '1000' });
      await repo.updateSignalStatus('x', SignalStatus.PassedRisk, { positionValue: 2500, signalMetadata: { note: 'override' }, processedAt: '2099-01-01T00:00:00Z' });
      expect(await repo.getSignalById('x')).toMatchObject({ status: 'passed_risk', positionValue: '2500', signalMetadata: { note: 'override' } });
      const trail = await repo.getAuditTrail('x');
      expect(trail.map((e) => [e.kind, e.source, e.statusBefore, e.statusAfter])).toEqual([
        ['generated', 'api', null, 'generated'],
        ['risk', 'api', 'generated', 'rejected'],
        ['risk', 'api', 'rejected', 'passed_risk'],
      ]);
    });
  });
});
