// Regression: `report` and `signals get|list` on a SQLite file that did not exist created it (and its
// tables), and on a PostgreSQL database that did not exist MikroORM created the database; a typo in
// --db gave an empty report instead of an error.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { adminUrl } from '../helpers/databases.ts';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('missing');

const READS = [['report'], ['report', '--html', 'page.html'], ['signals', 'list'], ['signals', 'get', 'sig-1'], ['signals', 'history', 'sig-1'], ['verify'], ['digest'], ['export'], ['dead-letters', 'list']].map((args) => [args.join(' '), args] as const);

describe('read commands on a database that does not exist', () => {
  it.each(READS)('SQLite: %s says so in one line, exits 2 and creates nothing', (_name, args) => {
    const r = runCli(['--db', 'sqlite:///typo.db', ...args], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`signal-ledger: SQLite database ${path.join(work, 'typo.db')} does not exist; a read command does not create it\n`);
    expect(readdirSync(work)).toEqual([]);
  });

  it.each(READS)('PostgreSQL: %s says so in one line, exits 2 and creates no database', async (_name, args) => {
    const name = `sl_typo_${Date.now().toString(36)}`;
    const url = new URL(adminUrl());
    url.pathname = `/${name}`;
    const r = runCli(['--db', url.toString(), ...args], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^signal-ledger: PostgreSQL database "${name}" does not exist at postgresql://\\S+/${name}; a read command does not create it\\n$`));
    const admin = await openStore({ dbUrl: adminUrl(), migrate: false, poolSize: 1 });
    try {
      expect(await admin.em().getConnection().execute(`select 1 from pg_database where datname = '${name}'`)).toEqual([]);
    } finally {
      await admin.close();
    }
    expect(existsSync(path.join(work, 'page.html'))).toBe(false);
  });
});
