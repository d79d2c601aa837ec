// Regression: a message of under 200 bytes whose entry_price is a JSON number with an exponent in the
// millions (1e9999999) was expanded into a plain decimal of ten million digits, which ran the worker
// thread out of its 128 MB heap ("the worker thread ran out of its 128 MB heap"). Its offset was never
// committed, so after a restart the same message came back and the worker could never get past it.
// Now a decimal is refused by its text (an exponent of more than 4 digits) before any arithmetic.
import { describe, expect, it } from 'vitest';
import { parseMessage, type RawMessage } from '../../src/contract/index.ts';
import { generatedValue, riskValue } from '../helpers/events.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';
import { withWorkerRun } from '../helpers/worker.ts';

const hostile =
  '{"signal_id":"sig-exp","occurred_at":"2026-01-05T14:30:00Z","strategy_name":"m","symbol":"AAPL","side":"buy","confidence":0.8,"sharpe_estimate":1.5,"entry_price":1e9999999}';
const kafkaMessage = (value: string): RawMessage => ({
  topic: 'signals.generated',
  key: 'sig-exp',
  value: Buffer.from(value),
  source: { type: 'kafka', topic: 'signals.generated', partition: 0, offset: '0', key: 'sig-exp' },
});

describe('a decimal with an exponent in the millions', () => {
  it('parseMessage refuses the message of under 200 bytes at its exponent (its parse time is in npm run bench:hostile)', () => {
    expect(Buffer.byteLength(hostile)).toBeLessThan(200);
    const parsed = parseMessage(kafkaMessage(hostile));
    expect(parsed.ok ? 'accepted' : parsed.problems).toEqual([{ path: '$.entry_price', message: expect.stringMatching(/exponent/) }]);
  });

  it('the worker command records it as a dead letter, applies the rest of the stream and stops on SIGTERM with exit 0', async () => {
    const lines = [
      { topic: 'signals.generated', key: 'sig-a', value: generatedValue('sig-a') },
      { topic: 'signals.generated', key: 'sig-exp', value: hostile },
      { topic: 'signals.risk', key: 'sig-a', value: riskValue('sig-a') },
      { topic: 'signals.generated', key: 'sig-b', value: generatedValue('sig-b') },
    ];
    await withWorkerRun('sqlite-file', lines, async ({ code, signal, output, store, dbUrl, config }) => {
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      const dead = await readDeadLetters(dbUrl);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ source: `${config.topics.generated}/0@1`, rawValue: hostile, signalId: 'sig-exp' });
      expect(dead[0]?.problems).toEqual([{ path: '$.entry_price', message: expect.stringMatching(/exponent/) }]);
      const rows = await store.em().getConnection().execute<{ signal_id: string; status: string }[]>('select "signal_id", "status" from "signals" order by "signal_id"');
      expect(rows.map((r) => `${r.signal_id} ${r.status}`)).toEqual(['sig-a passed_risk', 'sig-b generated']);
    });
  });
});
