import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { scratchDir } from '../helpers/scratch.ts';
import { shuffled } from '../helpers/workload.ts';

const work = scratchDir('cli');

/** Runs the CLI in the scratch directory. */
const cli = (args: string[], input?: string) => runCli(args, { cwd: work, input });

const events = path.join(work, 'events.ndjson');
const generatedFile = () => {
  const r = cli(['generate', '--signals', '300', '--duplicates', '0.2', '--out-of-order', '0.1', '--bad', '0.02', '-o', events]);
  expect(r.code).toBe(0);
  return readFileSync(events, 'utf8').trimEnd().split('\n');
};

describe('signal-ledger command line', () => {
  const lines = generatedFile();
  writeFileSync(path.join(work, 'reversed.ndjson'), `${[...lines].reverse().join('\n')}\n`);
  writeFileSync(path.join(work, 'shuffled.ndjson'), `${shuffled([...lines, ...lines.slice(0, 200)], 9).join('\n')}\n`);

  describe.each(['sqlite-file', 'postgresql'] as const)('on %s', (kind) => {
    let db: TestDatabase;
    afterAll(async () => db?.drop());

    it('ingesting the file, then again, reversed and shuffled with duplicates, leaves byte-identical signals list --json', async () => {
      db = await createTestDatabase(kind);
      const first = cli(['--db', db.url, 'ingest', events, '--json']);
      expect(first.code, first.stderr).toBe(0);
      const summary = JSON.parse(first.stdout);
      expect(summary).toMatchObject({ read: lines.length });
      expect(summary.applied + summary.duplicates + summary.dead_letters).toBe(lines.length);
      expect(summary.dead_letters).toBeGreaterThan(0);
      const list = () => cli(['--db', db.url, 'signals', 'list', '--all', '--limit', '97', '--json']).stdout;
      const before = list();
      expect(JSON.parse(before)).toHaveLength(300);
      // paging with --all streams the same bytes as one big page
      expect(cli(['--db', db.url, 'signals', 'list', '--limit', '1000', '--json']).stdout).toBe(before);
      expect(cli(['--db', db.url, 'signals', 'list', '--status', 'missed', '--symbol', 'none', '--json']).stdout).toBe('[]\n');
      for (const file of [events, 'reversed.ndjson', 'shuffled.ndjson']) {
        const again = cli(['--db', db.url, 'ingest', file, '--json']);
        expect(again.code, again.stderr).toBe(0);
        expect(JSON.parse(again.stdout).applied).toBe(0);
        expect(list()).toBe(before);
      }
    });

    it('migrate --rebuild-rollups restores analytics after rows were changed by hand', async () => {
      const report = () => cli(['--db', db.url, 'report', '--json']).stdout;
      const before = report();
      const { openStore } = await import('../../src/store/index.ts');
      const store = await openStore({ dbUrl: db.url });
      await store.em().getConnection().execute('delete from "signal_rollups"');
      await store.close();
      expect(report()).not.toBe(before);
      const r = cli(['--db', db.url, 'migrate', '--rebuild-rollups']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/rollups rebuilt/);
      expect(report()).toBe(before);
    });

    it('report prints the tables, --json and --csv', () => {
      const text = cli(['--db', db.url, 'report']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/total signals\s+300/);
      expect(text.stdout).toMatch(/Rejection reasons/);
      const json = JSON.parse(cli(['--db', db.url, 'report', '--json']).stdout);
      expect(json.execution_stats.total_signals).toBe(300);
      expect(Object.values(json.rejection_summary as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(json.execution_stats.rejected_count);
      expect(json.execution_stats.latency_ms.generated_to_executed.count).toBe(json.execution_stats.by_status.executed);
      expect(json.rejections.total).toBe(json.execution_stats.rejected_count);
      expect(cli(['--db', db.url, 'report', '--csv']).stdout.split('\n')[0]).toBe('section,key,value');
    });

    it('report --by strategy, symbol and day: one row per group in tables, JSON and CSV that add up to the total', () => {
      const byStrategy = JSON.parse(cli(['--db', db.url, 'report', '--by', 'strategy', '--json']).stdout);
      expect(byStrategy.rows.map((r: { strategy: string }) => r.strategy)).toEqual(['breakout', 'mean_reversion', 'momentum', 'pairs_arb', 'vol_carry']);
      const total = (rows: { signals: number }[]) => rows.reduce((n, r) => n + r.signals, 0);
      expect(total(byStrategy.rows)).toBe(300);
      expect(total(JSON.parse(cli(['--db', db.url, 'report', '--by', 'symbol', '--json']).stdout).rows)).toBe(300);
      const csv = cli(['--db', db.url, 'report', '--by', 'day', '--csv']).stdout.trim().split('\n');
      expect(csv[0]).toMatch(/^bucket,signals,executed,/);
      expect(csv.slice(1).reduce((n, line) => n + Number(line.split(',')[1]), 0)).toBe(300);
      const table = cli(['--db', db.url, 'report', '--by', 'strategy', '--strategy', 'momentum']);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout.trim().split('\n')).toHaveLength(3);
      const bad = cli(['--db', db.url, 'report', '--by', 'week']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('signal-ledger: --by: one of strategy, symbol, day (got "week")\n');
    });

    it('signals get prints one record, --json, and exits 3 for an unknown id', () => {
      const r = cli(['--db', db.url, 'signals', 'get', 'sig-00000007', '--json', '--audit']);
      expect(r.code, r.stderr).toBe(0);
      const record = JSON.parse(r.stdout);
      expect(record.signal_id).toBe('sig-00000007');
      expect(record.audit_trail.length).toBe(record.version);
      expect(cli(['--db', db.url, 'signals', 'get', 'nope']).code).toBe(3);
    });
  });

  it('reversed into a fresh database gives the same records, except the two wall-clock columns', async () => {
    const a = await createTestDatabase('sqlite-file');
    const b = await createTestDatabase('sqlite-file');
    try {
      cli(['--db', a.url, 'ingest', events]);
      cli(['--db', b.url, 'ingest', 'reversed.ndjson']);
      const strip = (s: string) => s.split('\n').filter((l) => !/"(created_at|updated_at)"/.test(l)).join('\n');
      const list = (url: string) => cli(['--db', url, 'signals', 'list', '--all', '--limit', '1000', '--json']).stdout;
      expect(strip(list(b.url))).toBe(strip(list(a.url)));
    } finally {
      await a.drop();
      await b.drop();
    }
  });

  it('reads NDJSON from stdin with -', async () => {
    const r = cli(['--db', `sqlite:///stdin.db`, 'ingest', '-', '--json'], `${lines.slice(0, 50).join('\n')}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).read).toBe(50);
  });

  it.each([
    [['--db', 'mysql://x/y', 'report'], /--db: not a database URL signal-ledger stores in/],
    [['--db', 'sqlite:///no/such/dir/x.db', 'migrate'], /directory .* does not exist/],
    [['--db', 'sqlite:///no/such/dir/x.db', 'report'], /SQLite database .*x\.db does not exist; a read command does not create it/],
    [['--db', 'postgresql://postgres:secret@127.0.0.1:1/x', 'report'], /cannot connect to PostgreSQL at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x/],
    [['--db', 'sqlite:///a.db', 'ingest', 'missing.ndjson'], /cannot read missing\.ndjson: no such file/],
    [['--db', 'sqlite:///a.db', 'signals', 'list', '--limit', '20000'], /--limit: a whole number from 1 to 10000 \(got "20000"\)/],
  ])('%j fails with one clear line and a non-zero exit', (args, message) => {
    const r = cli(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/secret/);
  });

  it('an unreadable line is reported, kept as a dead letter, and the rest is applied', () => {
    writeFileSync(path.join(work, 'mixed.ndjson'), `${lines[0]}\nthis is not json\n${lines[1]}\n`);
    const r = cli(['--db', 'sqlite:///mixed.db', 'ingest', 'mixed.ndjson', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2 is not JSON/);
    expect(JSON.parse(r.stdout)).toMatchObject({ read: 3, dead_letters: 1, unreadable_lines: 1 });
  });

  it('every command has --help', () => {
    for (const args of [[], ['ingest'], ['signals'], ['signals', 'get'], ['signals', 'list'], ['report'], ['migrate'], ['generate']]) {
      const r = cli([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: signal-ledger/);
    }
  });
});
