// `signal-ledger verify` as the command line prints it: a clean ledger is exit 0 with its counts; an edited
// record field is one line naming the signal, the field and both values, the rollups it left behind are
// named too, and the exit code is 1; --json gives the same as an object; a bad bound is exit 2.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

describe('signal-ledger verify', () => {
  const work = scratchDir('verify');
  const clean = path.join(work, 'clean.db');
  const edited = path.join(work, 'edited.db');
  beforeAll(() => {
    const file = path.join(work, 'events.ndjson');
    expect(runCli(['generate', '--signals', '20', '--seed', '3', '--bad', '0.1', '-o', file]).code).toBe(0);
    expect(ingestFile(`sqlite:///${clean}`, file).code).toBe(0);
    copyFileSync(clean, edited);
    const db = new Database(edited);
    db.prepare(`update "signals" set "symbol" = 'EDITED' where "signal_id" = 'sig-00000003'`).run();
    db.close();
  });

  it('a ledger as the apply path wrote it: exit 0 and what was checked', () => {
    const r = runCli(['--db', `sqlite:///${clean}`, 'verify']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^verified 20 signals, \d+ events and \d+ rollup rows: no drift\n$/);
  });

  it('an edited record field: a line naming the signal, the field and both values, the rollups it left behind, a summary, and exit 1', () => {
    const r = runCli(['--db', `sqlite:///${edited}`, 'verify']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^signal "sig-00000003": symbol: stored "EDITED", its events give "[A-Z]+"$/);
    expect(lines.slice(1, -1).every((l) => /^signal_rollups \d{4}-\d\d-\d\d\/[a-z_]+\/[A-Z]+: [a-z_0-9]+: stored \S+, the rows give \S+$/.test(l))).toBe(true);
    expect(lines.slice(1, -1).some((l) => l.includes('/EDITED: n: stored 0, the rows give 1'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^drift: \d+ difference\(s\), in 1 signal\(s\) and \d+ rollup figure\(s\), verifying 20 signals, \d+ events and \d+ rollup rows$/);
  });

  it('--json: each difference, the rollup figures and the counts; the same exit codes', () => {
    const r = runCli(['--db', `sqlite:///${edited}`, 'verify', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { drift: unknown[]; rollup_drift: { table: string }[]; counts: Record<string, number> };
    expect(out.drift).toEqual([{ signal_id: 'sig-00000003', field: 'symbol', stored: 'EDITED', expected: expect.any(String) }]);
    expect(out.rollup_drift.length).toBe(out.counts.differences - 1);
    expect(out.counts).toMatchObject({ signals: 20, drifted_signals: 1 });
    const ok = runCli(['--db', `sqlite:///${clean}`, 'verify', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ drift: [], rollup_drift: [], counts: { signals: 20, differences: 0 } });
  });

  it('--strategy and --from/--to select the signals checked; a bad bound is exit 2 naming the flag', () => {
    const r = runCli(['--db', `sqlite:///${edited}`, 'verify', '--from', '2030-01-01']);
    expect(r).toMatchObject({ code: 0, stdout: 'verified 0 signals, 0 events and 0 rollup rows: no drift\n' });
    const bad = runCli(['--db', `sqlite:///${clean}`, 'verify', '--to', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^signal-ledger: --to: "soon": not an RFC 3339 timestamp/);
  });
});
