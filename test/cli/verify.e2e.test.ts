// `signal-ledger verify` as the command line prints it: a clean ledger is exit 0 with its counts; an edited
// record field is one line naming the signal, the field and both values, the rollups it left behind are
// named too, and the exit code is 1; --json gives the same as an object; a bad bound is exit 2.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

describe('signal-ledger verify', () => {
  const work = scratchDir('verify');
  const clean = path.join(work, 'clean.db');
  const edited = path.join(work, 'edited.db');
  beforeAll(async () => {
    const file = path.join(work, 'events.ndjson');
    expect(runCli(['generate', '--signals', '20', '--seed', '3', '--bad', '0.1', '-o', file]).code).toBe(0);
    expect(ingestFile(`sqlite:///${clean}`, file).code).toBe(0);
    copyFileSync(clean, edited);
    const store = await openStore({ dbUrl: `sqlite:///${edited}` });
    await store.em().getConnection().execute(`update "signals" set "symbol" = 'EDITED' where "signal_id" = 'sig-00000003'`);
    await store.close();
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
    expect(out.rollup_drift.length).toBe((out.counts.differences as number) - 1);
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

  it('digest prints the root and what it covers; verify --root proves nothing it covers changed, and names what did (exit 1)', async () => {
    const printed = runCli(['--db', `sqlite:///${clean}`, 'digest']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/^[0-9a-f]{64} {2}20 signals, \d+ events, \d+ distinct dead letters, received by now\n$/);
    const root = printed.stdout.slice(0, 64);
    const json = JSON.parse(runCli(['--db', `sqlite:///${clean}`, 'digest', '--json', '--to', '2999-01-01']).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ root, to: '2999-01-01T00:00:00.000000Z', signals: 20 });
    expect(Object.keys(json)).toEqual(['root', 'to', 'signals', 'events', 'dead_letters']);
    expect(runCli(['--db', `sqlite:///${clean}`, 'digest', '--to', 'soon'])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^signal-ledger: --to: "soon": not an RFC 3339 timestamp/) });

    const ok = runCli(['--db', `sqlite:///${clean}`, 'verify', '--root', root.toUpperCase(), '--to', '2999-01-01']);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^root matches: everything received by 2999-01-01T00:00:00\.000000Z is as it was when the root was taken\nverified 20 signals/);

    const tampered = path.join(work, 'tampered.db');
    copyFileSync(clean, tampered);
    const store = await openStore({ dbUrl: `sqlite:///${tampered}` });
    await store.em().getConnection().execute(`delete from "signal_events" where "signal_id" = 'sig-00000005' and "kind" = 'generated'`);
    await store.close();
    const r = runCli(['--db', `sqlite:///${tampered}`, 'verify', '--root', root, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { drift: { signal_id: string; field: string }[]; root: Record<string, unknown> };
    expect(out.root).toMatchObject({ given: root, matches: false, to: null });
    expect(out.drift.filter((d) => d.signal_id === 'sig-00000005').map((d) => d.field)).toEqual(expect.arrayContaining(['version', 'events_digest', 'symbol']));
    expect(runCli(['--db', `sqlite:///${tampered}`, 'verify', '--root', root]).stdout).toMatch(/\nroot differs: everything received changed since the root was taken \(it gives [0-9a-f]{64}\)\n/);
  });

  it('--root takes a sha256 in hex and the whole ledger: another value, or --from/--strategy beside it, is exit 2', () => {
    expect(runCli(['--db', `sqlite:///${clean}`, 'verify', '--root', 'abc'])).toMatchObject({ code: 2, stderr: 'signal-ledger: --root: a sha256 in hex, as signal-ledger digest prints it (got "abc")\n' });
    const both = runCli(['--db', `sqlite:///${clean}`, 'verify', '--root', '0'.repeat(64), '--strategy', 'x']);
    expect(both).toMatchObject({ code: 2, stderr: 'signal-ledger: --root: proves the whole ledger received by --to: leave out --from and --strategy\n' });
    const from = runCli(['--db', `sqlite:///${clean}`, 'verify', '--root', '0'.repeat(64), '--from', '2020-01-01']);
    expect(from).toMatchObject({ code: 2, stderr: 'signal-ledger: --root: proves the whole ledger received by --to: leave out --from and --strategy\n' });
    const hex = 'a'.repeat(64);
    for (const bad of [`x${hex}`, `${hex}x`, `${hex}\n`]) {
      expect(runCli(['--db', `sqlite:///${clean}`, 'verify', '--root', bad]), JSON.stringify(bad)).toMatchObject({ code: 2, stderr: `signal-ledger: --root: a sha256 in hex, as signal-ledger digest prints it (got ${JSON.stringify(bad)})\n` });
    }
    const long = 'g'.repeat(100);
    expect(runCli(['--db', `sqlite:///${clean}`, 'verify', '--root', long]).stderr).toBe(`signal-ledger: --root: a sha256 in hex, as signal-ledger digest prints it (got ${JSON.stringify(long.slice(0, 80))})\n`);
  });

  it('--to without --root bounds the signals checked by when they were generated', () => {
    expect(runCli(['--db', `sqlite:///${edited}`, 'verify', '--to', '2000-01-01'])).toMatchObject({ code: 0, stdout: 'verified 0 signals, 0 events and 0 rollup rows: no drift\n' });
  });

  it('a value is shown as JSON, null where the events give none, and a long one cut at 200 characters with its length', async () => {
    const long = path.join(work, 'long.db');
    copyFileSync(clean, long);
    const store = await openStore({ dbUrl: `sqlite:///${long}` });
    await store.em().getConnection().execute(`update "signals" set "symbol" = '${'Z'.repeat(300)}' where "signal_id" = 'sig-00000003'`);
    // 198 characters are 200 as JSON: shown whole
    await store.em().getConnection().execute(`update "signals" set "symbol" = '${'Y'.repeat(198)}' where "signal_id" = 'sig-00000004'`);
    await store.em().getConnection().execute(`delete from "signal_events" where "signal_id" = 'sig-00000005' and "kind" = 'generated'`);
    await store.close();
    const r = runCli(['--db', `sqlite:///${long}`, 'verify']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines).toContain(`signal "sig-00000003": symbol: stored "${'Z'.repeat(199)}… (302 characters), its events give ${lines.find((l) => l.startsWith('signal "sig-00000003": symbol'))?.split('its events give ')[1]}`);
    expect(lines.find((l) => l.startsWith('signal "sig-00000003": symbol'))).toMatch(/its events give "[A-Z]{1,8}"$/);
    expect(lines.find((l) => l.startsWith('signal "sig-00000004": symbol'))).toMatch(new RegExp(`^signal "sig-00000004": symbol: stored "${'Y'.repeat(198)}", its events give "[A-Z]{1,8}"$`));
    expect(lines).toContain('signal "sig-00000005": requested_quantity: stored "190", its events give null');
    expect(lines.some((l) => /^signal "sig-00000005": signal_metadata: stored \{"[a-z_]+":.*\}, its events give null$/.test(l))).toBe(true);
    const json = runCli(['--db', `sqlite:///${long}`, 'verify', '--json']);
    // one difference per line, as they are found
    const jsonLines = json.stdout.split('\n');
    expect(jsonLines[0]).toBe('{"drift":[');
    expect(jsonLines.slice(1, jsonLines.indexOf('],')).every((l) => /^\{"signal_id":.*\},?$/.test(l))).toBe(true);
    expect(JSON.parse(json.stdout)).toMatchObject({ counts: { drifted_signals: 3 } });
  });
});
