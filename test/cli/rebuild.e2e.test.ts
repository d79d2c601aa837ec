// `signal-ledger rebuild` as the command line runs it: it restores records edited by SQL and says how many it
// changed; killed (SIGKILL) half-way and run again, it ends as a whole run does; a signal whose payload no
// longer parses is named on stderr and the exit code is 1; a bad --batch-size is exit 2.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { ingestFile, runCli, startCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

describe('signal-ledger rebuild', () => {
  const work = scratchDir('rebuild');
  const clean = path.join(work, 'clean.db');
  const execute = async (file: string, sql: string) => {
    const store = await openStore({ dbUrl: `sqlite:///${file}` });
    try {
      return await store.em().getConnection().execute<Record<string, unknown>[]>(sql);
    } finally {
      await store.close();
    }
  };
  const list = (file: string) => runCli(['--db', `sqlite:///${file}`, 'signals', 'list', '--all', '--limit', '10000', '--json']).stdout;
  const withoutUpdatedAt = (json: string) => (JSON.parse(json) as Record<string, unknown>[]).map(({ updated_at: _u, ...r }) => r);
  beforeAll(() => {
    const file = path.join(work, 'events.ndjson');
    expect(runCli(['generate', '--signals', '1200', '--seed', '8', '-o', file]).code).toBe(0);
    expect(ingestFile(`sqlite:///${clean}`, file, { flags: ['--batch-size', '5000'] }).code).toBe(0);
  });

  it('restores records edited by SQL and counts them; verify is clean afterwards', async () => {
    const edited = path.join(work, 'edited.db');
    copyFileSync(clean, edited);
    await execute(edited, `update "signals" set "status" = 'error' where "signal_id" in ('sig-00000001', 'sig-00000002')`);
    const r = runCli(['--db', `sqlite:///${edited}`, 'rebuild']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rebuilt 1200 signals: 2 records changed, 0 created, 0 left as they are; rollups rebuilt; \d+\.\d s\n$/);
    expect(runCli(['--db', `sqlite:///${edited}`, 'verify']).code).toBe(0);
    expect(withoutUpdatedAt(list(edited))).toEqual(withoutUpdatedAt(list(clean)));
    expect(JSON.parse(runCli(['--db', `sqlite:///${edited}`, 'rebuild', '--json']).stdout)).toMatchObject({ signals: 1200, changed: 0, created: 0, skipped: 0 });
  });

  it('killed half-way (SIGKILL) and run again, ends as a whole run does', async () => {
    const edited = path.join(work, 'killed.db');
    copyFileSync(clean, edited);
    await execute(edited, `update "signals" set "symbol" = 'X'`);
    const run = startCli(['--db', `sqlite:///${edited}`, 'rebuild', '--batch-size', '20']);
    const left = async () => Number((await execute(edited, `select count(*) as "n" from "signals" where "symbol" = 'X'`))[0]?.n);
    let remaining = 1200;
    for (let i = 0; i < 600 && run.running && remaining === 1200; i++) {
      await sleep(50);
      remaining = await left();
    }
    run.kill('SIGKILL');
    await run.exited;
    const afterKill = await left();
    expect(afterKill, run.output).toBeLessThan(1200);
    expect(afterKill).toBeGreaterThan(0);
    const again = runCli(['--db', `sqlite:///${edited}`, 'rebuild', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ signals: 1200, changed: afterKill, created: 0 });
    expect(runCli(['--db', `sqlite:///${edited}`, 'verify']).code).toBe(0);
    expect(withoutUpdatedAt(list(edited))).toEqual(withoutUpdatedAt(list(clean)));
  });

  it('a signal whose payload no longer parses is named on stderr and left; exit 1. A bad --batch-size is exit 2', async () => {
    const broken = path.join(work, 'broken.db');
    copyFileSync(clean, broken);
    await execute(broken, `update "signal_events" set "payload" = 'not json' where "id" = (select min("id") from "signal_events")`);
    const [e] = await execute(broken, `select "event_id", "signal_id" from "signal_events" where "id" = (select min("id") from "signal_events")`);
    const r = runCli(['--db', `sqlite:///${broken}`, 'rebuild']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^signal-ledger rebuild: signal "${String(e?.signal_id)}" left as it is: event ${String(e?.event_id)}: payload no longer parses: \\$: not JSON`));
    expect(r.stdout).toMatch(/^rebuilt 1200 signals: 0 records changed, 0 created, 1 left as they are;/);
    expect(runCli(['--db', `sqlite:///${broken}`, 'rebuild', '--batch-size', '0'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^signal-ledger: --batch-size: /) });
  });
});
