// Regression: two `signal-ledger ingest` runs into one new SQLite file at the same time failed within
// seconds with "database is locked" instead of waiting for each other as the 30 s busy timeout promises:
// both created the tables of the new file outside a transaction, and each batch's transaction began as a
// reader and then asked to become the writer, which SQLite refuses at once rather than waiting.
// Later, under load in CI, it failed once more with "cannot prepare SQLite database (database is locked)": a step of
// preparing a new file that SQLite fails at once instead of waiting. Every step of the preparation is now run again
// while it fails with SQLITE_BUSY (src/store/open-store.ts, whileBusy), and the error names SQLite's code.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { listRecords, runCli, runCliAsync } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('concurrent-ingest');
const cli = (args: string[]) => runCli(args, { cwd: work });

/** An event file of `generate`; `prefix` renames its signals so that two files share none. */
function eventFile(name: string, seed: number, prefix: string): string {
  const r = cli(['generate', '--signals', '1500', '--seed', String(seed), '-o', name]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(path.join(work, name), readFileSync(path.join(work, name), 'utf8').replaceAll('sig-', `${prefix}sig-`));
  return name;
}

/** What a database holds: every record without its two wall-clock columns, the report, and the row counts. */
function contents(db: string) {
  const records = listRecords(`sqlite:///${db}`, work);
  const report = cli(['--db', `sqlite:///${db}`, 'report', '--json']);
  expect(report.code, report.stderr).toBe(0);
  const sqlite = new DatabaseSync(path.join(work, db), { readOnly: true });
  const count = (table: string) => (sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  const rows = { signals: count('signals'), signal_events: count('signal_events'), dead_letters: count('dead_letters') };
  sqlite.close();
  return { records, report: JSON.parse(report.stdout) as unknown, rows };
}

describe('two ingests into one new SQLite file at the same time', () => {
  it('both wait for each other, exit 0, and leave the records of ingesting the two files one after the other', async () => {
    const a = eventFile('a.ndjson', 11, 'a-');
    const b = eventFile('b.ndjson', 12, 'b-');
    const together = await Promise.all([a, b].map((file) => runCliAsync(['--db', 'sqlite:///together.db', 'ingest', file, '--json', '--batch-size', '100'], { cwd: work })));
    for (const r of together) expect(r.code, r.stderr).toBe(0);
    for (const file of [a, b]) {
      const r = cli(['--db', 'sqlite:///one-after-the-other.db', 'ingest', file, '--json', '--batch-size', '100']);
      expect(r.code, r.stderr).toBe(0);
    }
    const expected = contents('one-after-the-other.db');
    expect(expected.rows.signals).toBe(3000);
    expect(contents('together.db')).toEqual(expected);
  });
});
