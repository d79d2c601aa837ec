// The engines floor (package.json: node >= 22.17), tested with real releases of Node.js (test/helpers/
// node-release.ts): on an older one, the command line and both library entry points say so in one line and
// exit 1, before anything else loads (under Node 20, `report` and `signals list` used to print nothing and
// exit 0, and opening a SQLite store crashed inside better-sqlite3).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from '../helpers/cli.ts';
import { nodeRelease } from '../helpers/node-release.ts';

const DIST = path.dirname(path.dirname(CLI_MAIN));
const OLD = '20.19.0';

const run = (node: string, args: string[]) => spawnSync(node, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } });

describe(`on Node.js ${OLD}, older than the engines floor 22.17`, () => {
  let node: string;
  beforeAll(() => {
    node = nodeRelease(OLD);
  }, 300_000);
  const oneLine = `signal-ledger needs Node.js >=22.17; this is Node.js ${OLD} (`;

  it.each([['--version'], ['report', '--db', 'sqlite:///:memory:'], ['signals', 'list', '--db', 'sqlite:///:memory:'], ['worker', '--help']])(
    'signal-ledger %s says so in one line on stderr, prints nothing else and exits 1',
    (...args) => {
      const r = run(node, [CLI_MAIN, ...args]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${oneLine}${node})\n`);
      expect(r.status).toBe(1);
    },
  );

  it.each([['signal-ledger', 'index.js'], ['signal-ledger/analytics', 'analytics/index.js']])(
    'a job that imports %s gets the same one line and exit 1, before any of its own code runs',
    (_name, entry) => {
      const job = `import { pathToFileURL } from 'node:url'; await import(pathToFileURL(${JSON.stringify(path.join(DIST, entry))}).href); console.log('job ran');`;
      const r = run(node, ['--input-type=module', '-e', job]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${oneLine}${node})\n`);
      expect(r.status).toBe(1);
    },
  );
});
