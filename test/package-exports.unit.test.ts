import { describe, expect, it } from 'vitest';

describe('package entry points', () => {
  it('signal-ledger and signal-ledger/analytics resolve through package.json exports', async () => {
    const main = await import('signal-ledger');
    const analytics = await import('signal-ledger/analytics');
    expect(typeof main.SignalRepository.open).toBe('function');
    expect(main.SignalStatus.Executed).toBe('executed');
    expect(typeof main.parseMessage).toBe('function');
    expect(typeof analytics.Analytics.open).toBe('function');
  });

  it('a reporting job can open the analytics module on a database', async () => {
    const { SignalRepository } = await import('signal-ledger');
    const { Analytics } = await import('signal-ledger/analytics');
    const repo = await SignalRepository.open({ dbUrl: 'sqlite:///:memory:' });
    await repo.saveSignal({ symbol: 'AAPL', side: 'buy', confidence: 0.8, sharpeEstimate: 1.5, entryPrice: 150 }, { signalId: 'a' });
    const analytics = Analytics.fromStore(repo.store);
    expect(await analytics.getExecutionStats()).toMatchObject({ totalSignals: 1 });
    await repo.close();
  });
});
