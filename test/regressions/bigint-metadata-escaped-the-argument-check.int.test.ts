// Regression (found by mutation testing of the hazard walk, issue 13): SignalRepository checks the JSON a caller
// passes (signalMetadata, riskCheckDetails) for values the databases cannot store, BigInt and Date among them,
// but the check looked only inside objects. A BigInt or a Date passed as the argument itself got through it:
// saveSignal(signal, { signalMetadata: 10n }) failed with JSON.stringify's TypeError ("Do not know how to
// serialize a BigInt"), not the InputError naming the argument that the same value one level down gets.
import { describe, expect, it } from 'vitest';
import { ErrorCode, LedgerError } from '../../src/errors.ts';
import { SignalStatus } from '../../src/fold/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { withTestStore } from '../helpers/databases.ts';

const aapl = { symbol: 'AAPL', side: 'buy' as const, confidence: 0.8, sharpeEstimate: 1.2, entryPrice: 150, strategyName: 'momentum' };

async function refusal(call: () => Promise<unknown>): Promise<LedgerError> {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof LedgerError)) throw new Error(`expected a LedgerError, got ${String(error)}`);
  return error;
}

describe('a value that is not JSON passed as a JSON argument itself', () => {
  it.each([
    ['a BigInt', 10n, 'not a JSON value (a bigint)'],
    ['a Date', new Date(0), 'not a JSON value (a Date)'],
    ['a Map', new Map(), 'not a JSON value (a Map)'],
    ['a function', () => 1, 'not a JSON value (a function)'],
  ])('%s as signalMetadata is an InputError naming the argument, and nothing is saved', async (_name, value, message) => {
    await withTestStore('sqlite-memory', async (store) => {
      const repo = SignalRepository.fromStore(store);
      const error = await refusal(() => repo.saveSignal(aapl, { signalId: 'sig-1', signalMetadata: value as never }));
      expect(error.code).toBe(ErrorCode.InputInvalid);
      expect(error.message).toContain(`signalMetadata: ${message}`);
      expect(await repo.getSignalById('sig-1')).toBeNull();
    });
  });

  it('a BigInt as riskCheckDetails of a status update is refused the same way', async () => {
    await withTestStore('sqlite-memory', async (store) => {
      const repo = SignalRepository.fromStore(store);
      await repo.saveSignal(aapl, { signalId: 'sig-1' });
      const error = await refusal(() => repo.updateSignalStatus('sig-1', SignalStatus.PassedRisk, { riskCheckDetails: 10n as never }));
      expect(error.message).toContain('riskCheckDetails: not a JSON value (a bigint)');
      expect((await repo.getSignalById('sig-1'))?.status).toBe('generated');
    });
  });
});
