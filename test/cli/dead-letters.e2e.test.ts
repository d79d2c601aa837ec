// `signal-ledger dead-letters list` and `retry` as the command line prints them, and the report's dead-letter
// section: a file with a line refused for an offset-less timestamp and one refused for a bad field; retry
// with --naive-timestamps utc applies the first and marks it resolved; the report counts them apart.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';

describe('signal-ledger dead-letters', () => {
  const work = scratchDir('dead-letters');
  const db = `sqlite:///${path.join(work, 'ledger.db')}`;
  const cli = (args: string[]) => runCli(['--db', db, ...args]);
  beforeAll(() => {
    const file = writeLines(work, 'day.ndjson', [
      JSON.stringify({ topic: 'signals.generated', key: 'n-1', value: { signal_id: 'n-1', occurred_at: '2026-01-05T10:00:00', strategy_name: 'm', symbol: 'AAPL', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 10 } }),
      JSON.stringify({ topic: 'signals.risk', key: 'b-1', value: { signal_id: 'b-1', occurred_at: '2026-01-05T10:00:01Z', passed: 'maybe' } }),
    ]);
    expect(ingestFile(db, file).summary).toMatchObject({ dead_letters: 2 });
  });

  it('list: newest first, with the state and the first problem; --problem, --topic and --state filter; --json has every field', () => {
    const r = cli(['dead-letters', 'list']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id +received_at +topic +source +state +problems$/);
    expect(lines[2]).toMatch(/^ 2 +\S+Z +signals\.risk +\S+day\.ndjson:2 +open +\$\.passed: Invalid input: expected boolean, received string$/);
    expect(lines[3]).toMatch(/^ 1 +\S+Z +signals\.generated +\S+day\.ndjson:1 +open +\$\.occurred_at: has no UTC offset/);
    expect(cli(['dead-letters', 'list', '--problem', 'utc offset']).stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(cli(['dead-letters', 'list', '--topic', 'signals.risk', '--json']).stdout).toMatch(/^\[\n {2}\{\n {4}"id": "2",\n {4}"received_at": /);
    const json = JSON.parse(cli(['dead-letters', 'list', '--json']).stdout) as Record<string, unknown>[];
    expect(Object.keys(json[0] ?? {})).toEqual(['id', 'received_at', 'source', 'topic', 'key', 'event_id', 'signal_id', 'problems', 'raw_value', 'resolved_at', 'resolved_event_id']);
    expect(cli(['dead-letters', 'list', '--limit', '1'])).toMatchObject({ stderr: 'more dead letters: --before 2\n' });
    expect(cli(['dead-letters', 'list', '--limit', '1', '--before', '2']).stdout).toMatch(/\n 1 /);
    expect(cli(['dead-letters', 'list', '--state', 'nope']).code).toBe(2);
  });

  it('retry: --id or --all; what passes now is applied and resolved, what does not is said; the report counts open and resolved apart', () => {
    expect(cli(['dead-letters', 'retry'])).toMatchObject({ code: 2, stderr: 'signal-ledger: --id/--all: give the ids to retry, or --all (not both)\n' });
    expect(cli(['dead-letters', 'retry', '--id', 'x'])).toMatchObject({ code: 2 });
    const strict = cli(['dead-letters', 'retry', '--id', '1']);
    expect(strict.stdout).toMatch(/^dead letter 1: still refused: \$\.occurred_at: has no UTC offset[^\n]*\nretried 1 open dead letters: 0 applied and resolved, 1 still refused\n$/);
    const r = cli(['dead-letters', 'retry', '--all', '--naive-timestamps', 'utc']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dead letter 1: applied as event [0-9a-f]{64}\nretried 2 open dead letters: 1 applied and resolved, 1 still refused\n$/);
    expect(cli(['signals', 'get', 'n-1', '--json']).code).toBe(0);
    expect(cli(['dead-letters', 'list', '--state', 'resolved']).stdout).toMatch(/\n 1 .* resolved: [0-9a-f]{64} /);
    const report = JSON.parse(cli(['report', '--json']).stdout) as { dead_letters: unknown };
    expect(report.dead_letters).toEqual({
      total: 2,
      open: 1,
      resolved: 1,
      by_topic: [
        { topic: 'signals.generated', count: 1, open: 0, resolved: 1 },
        { topic: 'signals.risk', count: 1, open: 1, resolved: 0 },
      ],
    });
    expect(cli(['report']).stdout).toMatch(/\nDead letters received \(1 open, 1 resolved by dead-letters retry\)\ntopic +received +open +resolved\n-+ +-+ +-+ +-+\nsignals\.generated +1 +0 +1\nsignals\.risk +1 +1 +0\n$/);
    expect(cli(['report', '--csv']).stdout).toMatch(/\ndead_letters,open,1\ndead_letters,resolved,1\n/);
    expect(cli(['verify']).code).toBe(0);
  });
});

describe('signal-ledger dead-letters, its flags and pages', () => {
  const work = scratchDir('dead-letters-flags');
  const db = `sqlite:///${path.join(work, 'ledger.db')}`;
  const cli = (args: string[]) => runCli(['--db', db, ...args]);
  beforeAll(() => {
    const file = writeLines(work, 'day.ndjson', [
      JSON.stringify({ topic: 'signals.generated', key: 'n-1', value: { signal_id: 'n-1', occurred_at: '2026-01-05T10:00:00', strategy_name: 'm', symbol: 'AAPL', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 10 } }),
      JSON.stringify({ topic: 'signals.generated', key: 'n-2', value: { signal_id: 'n-2', occurred_at: '2026-01-05T10:00:00', strategy_name: 'm', symbol: 'MSFT', side: 'sell', confidence: 0.5, sharpe_estimate: 1, entry_price: 10 } }),
      JSON.stringify({ topic: 'signals.risk', key: 'b-2', value: { signal_id: 'b-2', occurred_at: 'nope', passed: 'maybe' } }),
    ]);
    expect(ingestFile(db, file).summary).toMatchObject({ dead_letters: 3 });
  });

  it('list: a dead letter with several problems shows the first and how many more', () => {
    const rows = cli(['dead-letters', 'list']).stdout.trimEnd().split('\n');
    expect(rows[2]).toMatch(/^ 3 +\S+ +signals\.risk +\S+ +open +\$\.\S+: .+ \(\+1 more\)$/);
    expect(rows[3]).not.toMatch(/more\)$/);
  });

  it('list --all pages through every dead letter and says nothing of more; a full page without --all says where to go on', () => {
    const all = cli(['dead-letters', 'list', '--all', '--limit', '1']);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout.trimEnd().split('\n').slice(2).map((l) => l.trim().split(/ +/)[0])).toEqual(['3', '2', '1']);
    expect(JSON.parse(cli(['dead-letters', 'list', '--all', '--limit', '2', '--json']).stdout).map((d: { id: string }) => d.id)).toEqual(['3', '2', '1']);
    expect(cli(['dead-letters', 'list', '--limit', '2']).stderr).toBe('more dead letters: --before 2\n');
    expect(cli(['dead-letters', 'list', '--limit', '3']).stderr).toBe('more dead letters: --before 1\n');
    expect(cli(['dead-letters', 'list', '--limit', '4']).stderr).toBe('');
  });

  it('list --before and retry --id take whole ids of at most 18 digits: anything else is exit 2 quoting it, cut at 40 characters', () => {
    for (const flag of [['dead-letters', 'list', '--before'], ['dead-letters', 'retry', '--id']]) {
      for (const bad of ['x1', '1x', '1234567890123456789', ' 1']) {
        const r = cli([...flag, bad]);
        expect(r, `${flag.join(' ')} ${bad}`).toMatchObject({ code: 2, stderr: `signal-ledger: ${flag.at(-1)}: a dead letter id, as list prints it (got ${JSON.stringify(bad)})\n` });
      }
      const long = '9'.repeat(50);
      expect(cli([...flag, long]).stderr).toBe(`signal-ledger: ${flag.at(-1)}: a dead letter id, as list prints it (got ${JSON.stringify(long.slice(0, 40))})\n`);
    }
    expect(cli(['dead-letters', 'list', '--before', '123456789012345678']).code).toBe(0);
  });

  it('list --from/--to take times: another value is exit 2 naming the flag', () => {
    expect(cli(['dead-letters', 'list', '--from', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^signal-ledger: --from: "soon": not an RFC 3339 timestamp/) });
    expect(cli(['dead-letters', 'list', '--to', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^signal-ledger: --to: "soon": not an RFC 3339 timestamp/) });
  });

  it('retry --json prints one object of what was tried, resolved and refused, and nothing else', () => {
    const one = cli(['dead-letters', 'retry', '--id', '1', '--naive-timestamps', 'utc', '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^\{"tried":1,"resolved":\[\{"id":"1","event_id":"[0-9a-f]{64}"\}\],"refused":\[\]\}\n$/);
    const rest = cli(['dead-letters', 'retry', '--all', '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    const out = JSON.parse(rest.stdout) as { tried: number; resolved: unknown[]; refused: { id: string; problems: { path: string }[] }[] };
    expect(rest.stdout.split('\n')).toHaveLength(2);
    expect(out).toMatchObject({ tried: 2, resolved: [] });
    expect(out.refused.map((f) => f.id).sort()).toEqual(['2', '3']);
    expect(out.refused.find((f) => f.id === '3')?.problems.length).toBe(2);
  });
});
