// A signal generated at 1970-01-01 and decided at 9999-12-31 has a latency of 2.5e17 microseconds, past what a
// double holds exactly. The apply path computed it as a double, and the two databases were given different
// integers for it (PostgreSQL the shortest decimal text of the double, SQLite its exact value).
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/index.ts';
import { applyBatch } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

const source = { type: 'api' } as const;
const events = [
  parseMessage({ topic: 'signals.generated', value: JSON.stringify({ signal_id: 'x', occurred_at: '1970-01-01T00:00:00.000001Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1 }), source }),
  parseMessage({ topic: 'signals.risk', value: JSON.stringify({ signal_id: 'x', occurred_at: '9999-12-31T23:59:59.999999Z', passed: true }), source }),
];

describe.each(['sqlite-file', 'postgresql'] as const)('a latency of the whole timestamp range on %s', (kind) => {
  it('is stored to the microsecond: 253402300799999998', async () => {
    await withTestStore(kind, async (store) => {
      await applyBatch(store, events);
      const rows = await store.em().getConnection().execute<{ l: string }[]>('select cast("latency_to_risk_us" as text) as "l" from "signals"');
      expect(rows).toEqual([{ l: '253402300799999998' }]);
    });
  });
});
