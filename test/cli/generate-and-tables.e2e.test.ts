// What `generate` and the `signals` tables print, pinned where the CLI mutation pass found nothing looking:
// generate's flags named in their errors, the line it ends with, its checks of --start, --compression and
// --produce with --output; `signals get`'s aligned record and its audit table; `signals list`'s table and the
// hint that names the next page's cursor (only when a page is full and --all is not given).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

describe('generate', () => {
  const work = scratchDir('generate');

  it('-o FILE writes the lines and says how many, for how many signals; without -o they go to stdout alone', () => {
    const file = path.join(work, 'g.ndjson');
    const r = runCli(['generate', '--signals', '7', '--seed', '1', '-o', file]);
    expect(r.code, r.stderr).toBe(0);
    const written = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(r.stderr).toBe(`wrote ${written.length} lines for 7 signals to ${file}\n`);
    expect(r.stdout).toBe('');
    const out = runCli(['generate', '--signals', '7', '--seed', '1']);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(`${written.join('\n')}\n`);
  });

  it.each([
    ['--signals', '0', 'a whole number from 1'],
    ['--duplicates', '2', 'a number from 0 to 1'],
    ['--out-of-order', 'x', 'a number from 0 to 1'],
    ['--bad', '-1', 'a number from 0 to 1'],
    ['--seed', String(2 ** 32), 'a whole number from 0 to 4294967295'],
    ['--spacing-ms', '0', 'a number from 0.001 to 86400000'],
  ])('a bad %s %s is exit 2 naming the flag', (flag, value, why) => {
    const r = runCli(['generate', flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^signal-ledger: ${flag}: [^\\n]*${why.replace(/[.]/g, '\\.')}`));
  });

  it('--seed takes 2^32 - 1; --start must be a time; --compression only with --produce; --produce with --output is refused before any broker is asked', () => {
    expect(runCli(['generate', '--signals', '1', '--seed', String(2 ** 32 - 1)]).code).toBe(0);
    expect(runCli(['generate', '--start', 'soon'])).toMatchObject({ code: 2, stderr: 'signal-ledger: --start: "soon" is not a time\n' });
    expect(runCli(['generate', '--compression', 'gzip'])).toMatchObject({ code: 2, stderr: 'signal-ledger: --compression: only with --produce\n' });
    expect(runCli(['generate', '--produce', '-o', path.join(work, 'x'), '--brokers', '127.0.0.1:9'])).toMatchObject({ code: 2, stderr: 'signal-ledger: --produce/--output: choose one\n' });
  });
});

describe('the signals tables', () => {
  const work = scratchDir('signals-tables');
  const db = `sqlite:///${path.join(work, 'ledger.db')}`;
  beforeAll(() => {
    const file = path.join(work, 'events.ndjson');
    expect(runCli(['generate', '--signals', '12', '--seed', '2', '-o', file]).code).toBe(0);
    expect(ingestFile(db, file).code).toBe(0);
  });

  it('signals get: one line per column, names padded to the longest, nulls blank, objects as JSON; --audit adds the trail as a table', () => {
    const r = runCli(['--db', db, 'signals', 'get', 'sig-00000001']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').slice(0, -1);
    const json = JSON.parse(runCli(['--db', db, 'signals', 'get', 'sig-00000001', '--json']).stdout) as Record<string, unknown>;
    const width = Math.max(...Object.keys(json).map((k) => k.length));
    // every column, in the record's order: text as it is, null as nothing, objects and lists as JSON
    expect(lines).toEqual(Object.entries(json).map(([k, v]) => `${k.padEnd(width)}  ${v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`));
    expect(Object.values(json).some((v) => v === null)).toBe(true);
    expect(Object.values(json).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v))).toBe(true);

    const audit = runCli(['--db', db, 'signals', 'get', 'sig-00000001', '--audit']).stdout;
    const [record, trail] = audit.split('\n\n') as [string, string];
    expect(record).toBe(r.stdout.trimEnd());
    const rows = trail.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^received_at +occurred_at +kind +status +source +anomaly +event_id$/);
    expect(rows[2]).toMatch(/^\S+ +\S+ +generated +- -> generated +\S+events\.ndjson:\d+ /);
    expect(rows.slice(3).every((l) => / [a-z_]+ -> [a-z_]+ /.test(l))).toBe(true);
  });

  it('signals list: its headings and one row per record; a full page says where the next starts, --all and a short page say nothing', () => {
    const r = runCli(['--db', db, 'signals', 'list', '--limit', '5']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^signal_id +generated_at +strategy +symbol +dir +status +signal_price +executed_price +qty +slippage$/);
    expect(rows).toHaveLength(7);
    expect(rows[2]).toMatch(/^sig-\d{8} +\d{4}-\d\d-\d\dT[\d:.]+Z +[a-z_]+ +[A-Z]+ +(BUY|SELL) +[a-z_]+ +[\d.]+/);
    const last = (rows[6] as string).split(' ')[0];
    expect(r.stderr).toBe(`more records: --cursor ${last}\n`);
    expect(runCli(['--db', db, 'signals', 'list', '--limit', '5', '--all']).stderr).toBe('');
    expect(runCli(['--db', db, 'signals', 'list', '--limit', '50']).stderr).toBe('');
    const all = runCli(['--db', db, 'signals', 'list', '--limit', '5', '--all']).stdout.trimEnd().split('\n');
    expect(all).toHaveLength(14);
  });
});
