// docs/analytics.md: latencyMs reports generated -> risk, generated -> submitted, submitted -> first fill and
// generated -> executed, from latencies "stored with each row in microseconds"; signal-columns.ts's LATENCIES:
// "for generated -> executed only when the signal executed". A partially filled signal has a last fill time
// but did not execute: it is in the other latencies and not in generated -> executed. On both databases.
import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import { type JsonObject, parseMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

let line = 0;
const message = (signalId: string, topic: string, value: JsonObject) =>
  parseMessage({ topic, key: signalId, value: JSON.stringify({ signal_id: signalId, ...value }), source: { type: 'file', file: 'latencies', line: ++line, topic, key: signalId } });

/** Generated at 10:00:00, risk after `riskMs`, submitted 1 s after that, filled `fillMs` after the submission. */
const lifecycle = (signalId: string, riskMs: number, fillMs: number, leaves: number) => {
  const at = (ms: number) => new Date(Date.parse('2026-01-05T10:00:00Z') + ms).toISOString();
  return [
    message(signalId, 'signals.generated', { occurred_at: at(0), strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 150 }),
    message(signalId, 'signals.risk', { occurred_at: at(riskMs), passed: true }),
    message(signalId, 'orders.submitted', { occurred_at: at(riskMs + 1000), order_id: 'o', quantity: 100 }),
    message(signalId, 'orders.filled', { occurred_at: at(riskMs + 1000 + fillMs), order_id: 'o', price: 150, quantity: 100 - leaves, leaves_quantity: leaves }),
  ];
};

describe.each(['sqlite-memory', 'postgresql'] as const)('the stored latencies on %s', (kind) => {
  it('generated -> executed counts the executed signal only; a partially filled one is in the other three', async () => {
    await withTestStore(kind, async (store) => {
      const messages = [...lifecycle('executed', 250, 2000, 0), ...lifecycle('partial', 750, 4000, 40)];
      expect((await applyBatch(store, messages)).applied).toBe(messages.length);
      const stats = await Analytics.fromStore(store).getExecutionStats();
      expect(stats.byStatus).toMatchObject({ executed: 1, partially_filled: 1 });
      expect(stats.latencyMs).toEqual({
        generatedToRisk: { count: 2, p50: 250, p95: 750, p99: 750 },
        generatedToSubmitted: { count: 2, p50: 1250, p95: 1750, p99: 1750 },
        submittedToFirstFill: { count: 2, p50: 2000, p95: 4000, p99: 4000 },
        generatedToExecuted: { count: 1, p50: 3250, p95: 3250, p99: 3250 },
      });
    });
  });
});
