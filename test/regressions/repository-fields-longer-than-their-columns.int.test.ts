// Found by the fuzz suite: updateSignalStatus did not check its texts against the columns, so an orderId of
// 129 characters or a signalType of 65 was stored by SQLite while PostgreSQL threw a raw "22001 value too long
// for type character varying". Both now refuse it alike, naming the argument, and write nothing.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import { SignalStatus } from '../../src/fold/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { withTestStore } from '../helpers/databases.ts';

const aapl = { symbol: 'AAPL', side: 'buy' as const, confidence: 0.8, sharpeEstimate: 1.5, entryPrice: 150 };

describe.each(['sqlite-file', 'postgresql'] as const)('repository fields longer than their columns on %s', (kind) => {
  it.each([
    ['orderId', SignalStatus.Submitted, { orderId: 'o'.repeat(129) }],
    ['signalType', SignalStatus.PassedRisk, { signalType: 't'.repeat(65) }],
    ['rejectionReason', SignalStatus.Rejected, { rejectionReason: 'r'.repeat(1001) }],
    ['riskCheckDetails', SignalStatus.PassedRisk, { riskCheckDetails: { big: 10n } as unknown as Record<string, never> }],
  ])('%s is an INPUT_INVALID naming it, and the record is unchanged', async (name, status, fields) => {
    await withTestStore(kind, async (store) => {
      const repo = SignalRepository.fromStore(store);
      const saved = await repo.saveSignal(aapl, { signalId: 'sig-1' });
      const error = await repo.updateSignalStatus('sig-1', status, fields).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.InputInvalid });
      expect((error as Error).message).toMatch(new RegExp(`^${name}`));
      expect(await repo.getSignalById('sig-1')).toEqual(saved);
    });
  });
});
