// `signals history` and `signals get --as-of/--known-at` as the command line prints them, on a ledger file
// with one buy received in two batches: its details and risk decision first, its submission and fill later.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/index.ts';
import { applyBatch, openStore } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { t } from '../helpers/events.ts';
import { scratchDir } from '../helpers/scratch.ts';

const S = 'sig-1';
const message = (topic: string, value: Record<string, unknown>, line: number) =>
  parseMessage({ topic, value: JSON.stringify(value), source: { type: 'file', file: 'day.ndjson', line, topic, key: null } });

describe('signals history and signals get --as-of/--known-at', () => {
  const work = scratchDir('history');
  const db = `sqlite:///${path.join(work, 'ledger.db')}`;
  const cli = (args: string[]) => runCli(['--db', db, ...args]);
  beforeAll(async () => {
    const store = await openStore({ dbUrl: db });
    try {
      await applyBatch(
        store,
        [
          message('signals.generated', { event_id: 'g', signal_id: S, occurred_at: t('1'), strategy_name: 'momentum', symbol: 'AAPL', side: 'buy', confidence: 0.8, sharpe_estimate: 1.5, entry_price: 150 }, 1),
          message('signals.risk', { event_id: 'r', signal_id: S, occurred_at: t('2'), passed: true }, 2),
        ],
        { receivedAt: new Date('2026-01-05T10:01:00Z') },
      );
      await applyBatch(
        store,
        [
          message('orders.filled', { event_id: 'f', signal_id: S, occurred_at: t('4'), order_id: 'o-1', fill_id: 'f-1', price: 151, quantity: 100, leaves_quantity: 0 }, 3),
          message('orders.submitted', { event_id: 's', signal_id: S, occurred_at: t('3'), order_id: 'o-1', quantity: 100 }, 4),
        ],
        { receivedAt: new Date('2026-01-05T10:02:00Z') },
      );
    } finally {
      await store.close();
    }
  });

  it('the table: one line per version in event time, the status as before -> after, and the fields each event changed', () => {
    const r = cli(['signals', 'history', S]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^version {2}occurred_at +received_at +kind +status +changes$/);
    expect(lines.slice(2).map((l) => l.split(/ {2,}/).slice(0, 5))).toEqual([
      ['', '1', t('1'), '2026-01-05T10:01:00.000000Z', 'generated'],
      ['', '2', t('2'), '2026-01-05T10:01:00.000000Z', 'risk'],
      ['', '3', t('3'), '2026-01-05T10:02:00.000000Z', 'submitted'],
      ['', '4', t('4'), '2026-01-05T10:02:00.000000Z', 'filled'],
    ]);
    expect(lines[3]).toMatch(/ generated -> passed_risk +processed_at=2026-01-05T10:00:02\.000000Z, risk_checked_at=2026-01-05T10:00:02\.000000Z, risk_check_passed=true$/);
    expect(lines[5]).toMatch(
      / submitted -> executed +executed_at=2026-01-05T10:00:04\.000000Z, first_fill_at=2026-01-05T10:00:04\.000000Z, closed_at=2026-01-05T10:00:04\.000000Z, executed_price=151, executed_quantity=100, slippage=1, slippage_bps=66\.6667$/,
    );
    expect(lines[2]).toMatch(/ - -> generated +signal_id=sig-1, strategy_name=momentum, symbol=AAPL, signal_type=entry, direction=BUY, /);
  });

  it('--json: each version\'s event, statuses, changed columns and whole record; the last record is `signals get --json`', () => {
    const r = cli(['signals', 'history', S, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const versions = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(versions.map((v) => [v.version, v.kind, v.event_id, v.source, v.status_before, v.status_after])).toEqual([
      [1, 'generated', 'g', 'day.ndjson:1', null, 'generated'],
      [2, 'risk', 'r', 'day.ndjson:2', 'generated', 'passed_risk'],
      [3, 'submitted', 's', 'day.ndjson:4', 'passed_risk', 'submitted'],
      [4, 'filled', 'f', 'day.ndjson:3', 'submitted', 'executed'],
    ]);
    expect(versions[2]?.changed).toEqual(['processed_at', 'submitted_at', 'status', 'order_id', 'order_quantity']);
    expect(versions[3]?.record).toEqual(JSON.parse(cli(['signals', 'get', S, '--json']).stdout));
    expect((versions[1]?.record as Record<string, unknown>).version).toBe(2);
  });

  it('--csv: a header, then one line per version: the event, the changed columns separated by spaces, the record', () => {
    const r = cli(['signals', 'history', S, '--csv']);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^version,kind,event_id,occurred_at,received_at,source,status_before,status_after,changed,signal_id,strategy_name,symbol,/);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/^2,risk,r,2026-01-05T10:00:02\.000000Z,2026-01-05T10:01:00\.000000Z,day\.ndjson:2,generated,passed_risk,processed_at risk_checked_at status risk_check_passed,sig-1,momentum,AAPL,/);
  });

  it('an unknown signal is exit 3; --json with --csv is exit 2', () => {
    expect(cli(['signals', 'history', 'nobody'])).toMatchObject({ code: 3, stdout: '', stderr: 'signal-ledger: no signal "nobody"\n' });
    expect(cli(['signals', 'history', S, '--json', '--csv'])).toMatchObject({ code: 2, stdout: '', stderr: 'signal-ledger: --json/--csv: choose one output format\n' });
  });

  it('get --as-of: what had happened by then; --known-at: what the ledger had received; together both; before the first event, exit 3', () => {
    const asOf = JSON.parse(cli(['signals', 'get', S, '--json', '--as-of', t('3')]).stdout) as Record<string, unknown>;
    expect(asOf).toMatchObject({ status: 'submitted', version: 3, created_at: '2026-01-05T10:01:00.000000Z', updated_at: '2026-01-05T10:02:00.000000Z' });
    const known = JSON.parse(cli(['signals', 'get', S, '--json', '--known-at', '2026-01-05T10:01:59Z']).stdout) as Record<string, unknown>;
    expect(known).toMatchObject({ status: 'passed_risk', version: 2, updated_at: '2026-01-05T10:01:00.000000Z' });
    const both = JSON.parse(cli(['signals', 'get', S, '--json', '--known-at', '2026-01-05T10:01:00Z', '--as-of', t('1')]).stdout) as Record<string, unknown>;
    expect(both).toMatchObject({ status: 'generated', version: 1 });
    expect(cli(['signals', 'get', S, '--as-of', '2026-01-05'])).toMatchObject({ code: 3, stdout: '', stderr: `signal-ledger: no signal "${S}" as of 2026-01-05\n` });
    expect(cli(['signals', 'get', S, '--as-of', '2026-01-05', '--known-at', '2027-01-01'])).toMatchObject({ code: 3, stderr: `signal-ledger: no signal "${S}" as of 2026-01-05, known at 2027-01-01\n` });
    expect(cli(['signals', 'get', S, '--known-at', 'yesterday'])).toMatchObject({ code: 2, stdout: '' });
    expect(cli(['signals', 'get', S, '--known-at', 'yesterday']).stderr).toMatch(/^signal-ledger: --known-at: "yesterday": not an RFC 3339 timestamp/);
    // after every event: the stored record, byte for byte
    expect(cli(['signals', 'get', S, '--json', '--as-of', '2030-01-01', '--known-at', '2030-01-01']).stdout).toBe(cli(['signals', 'get', S, '--json']).stdout);
  });

  it('signals list --as-of/--known-at: the records then, filtered as they were then', () => {
    const list = (args: string[]) => JSON.parse(cli(['signals', 'list', '--json', ...args]).stdout) as Record<string, unknown>[];
    expect(list(['--as-of', t('2')]).map((r) => [r.signal_id, r.status, r.version])).toEqual([[S, 'passed_risk', 2]]);
    expect(list(['--as-of', t('2'), '--status', 'executed'])).toEqual([]);
    expect(list(['--known-at', '2026-01-05T10:01:30Z', '--status', 'passed_risk']).map((r) => r.version)).toEqual([2]);
    expect(list(['--as-of', '2026-01-05'])).toEqual([]);
    expect(cli(['signals', 'list', '--as-of', 'then'])).toMatchObject({ code: 2, stdout: '' });
  });
});
