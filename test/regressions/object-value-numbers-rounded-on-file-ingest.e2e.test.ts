// Regression: file ingest passed an object `value` on as JSON.stringify of the parsed object, so
// numbers went through binary floats: 151.10 became 151.1 and a 20-digit quantity lost digits, in the
// record and in the audit payload (which also lost the line's whitespace and key order). Now the value
// is passed on as its exact text in the line.
import { describe, expect, it } from 'vitest';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { eventLine } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';

const work = scratchDir('object-value-numbers');
// spaces, a tab and a key order of its own: the payload must keep them all
const generatedText =
  '{ "symbol" : "AAPL",\t"side":"buy", "signal_id":"sig-dec", "occurred_at":"2026-01-05T14:30:00Z", "strategy_name":"momentum", ' +
  '"confidence":0.80, "sharpe_estimate":1.50, "entry_price": 151.10, "stop_loss":145.50, "take_profit":160.00, ' +
  '"requested_quantity":12345678901234567890, "position_value":12345678901234567890.25, "event_id":"sig-dec:generated" }';
const filledText =
  '{"signal_id":"sig-dec","occurred_at":"2026-01-05T14:30:02Z","order_id":"ord-1","price":151.10,"quantity":12345678901234567890,"leaves_quantity":0,"fee":0.50,"event_id":"sig-dec:fill"}';
const file = writeLines(work, 'numbers.ndjson', [eventLine('signals.generated', 'sig-dec', generatedText), eventLine('orders.filled', 'sig-dec', filledText)]);

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of object values with exact numbers on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('the record keeps 151.10 and 12345678901234567890 as written, and the audit payload is the value text of the line', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ read: 2, applied: 2, dead_letters: 0 });
    const got = runCli(['--db', db.url, 'signals', 'get', 'sig-dec', '--json', '--audit'], { cwd: work });
    expect(got.code, got.stderr).toBe(0);
    const record = JSON.parse(got.stdout);
    expect(record).toMatchObject({
      signal_price: '151.10',
      stop_loss: '145.50',
      take_profit: '160.00',
      strength: '0.80',
      sharpe_estimate: '1.50',
      requested_quantity: '12345678901234567890',
      position_value: '12345678901234567890.25',
      executed_quantity: '12345678901234567890',
      fees: '0.50',
      status: 'executed',
    });
    const payloads = Object.fromEntries((record.audit_trail as { event_id: string; payload: string }[]).map((a) => [a.event_id, a.payload]));
    expect(payloads).toEqual({ 'sig-dec:generated': generatedText, 'sig-dec:fill': filledText });
  });
});
