// Regression: error lines about the database quoted its URL through a regular expression that missed
// passwords given as ?password=, a password holding "@", and a password without a user name.
import { describe, expect, it } from 'vitest';
import { adminUrl } from '../helpers/databases.ts';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('secrets');

/** Each form of password with its own marker; HOST is replaced by the server to try. */
const FORMS = [
  ['?password=', 'postgresql://postgres@HOST/ledger?password=Se1'],
  ['raw @ in the password', 'postgresql://postgres:Se2a@Se2b@HOST/ledger'],
  ['password without a user', 'postgresql://:Se3@HOST/ledger'],
  ['raw / in the password', 'postgresql://postgres:Se4a/Se4b@HOST/ledger'],
  ['?sslpassword=', 'postgres://postgres@HOST/ledger?sslpassword=Se5'],
] as const;

const server = new URL(adminUrl()).host;
const missing = `sl_missing_${Date.now().toString(36)}`;

describe('error lines about the database', () => {
  it.each(FORMS)('%s: no command shows the password, whether the server does not answer or the database is missing', (_form, url) => {
    const runs = [
      ...[['report'], ['signals', 'list'], ['signals', 'get', 'x'], ['migrate']].map((args) => ['--db', url.replace('HOST', '127.0.0.1:9'), ...args]),
      ...[['report'], ['signals', 'get', 'x']].map((args) => ['--db', url.replace('HOST', server).replace('/ledger', `/${missing}`), ...args]),
    ];
    for (const args of runs) {
      const r = runCli(args, { cwd: work });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).not.toBe(0);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/Se\d/);
    }
  });

  it.each([
    [['--dburl=postgresql://postgres:Se6@127.0.0.1/ledger', 'report'], 1, /^error: /],
    // a value outside a flag's choices is one line naming the flag (exit 2), the value shown as ***
    [['signals', 'list', '--status', 'postgresql://postgres:Se7@127.0.0.1/ledger'], 2, /^signal-ledger: --status: one of .* \(got "\*\*\*"\)$/],
    [['report', '--by', 'postgres://:Se8@127.0.0.1/ledger'], 2, /^signal-ledger: --by: one of .* \(got "\*\*\*"\)$/],
    [['signals', 'list', '--limit', 'postgresql://postgres:Se9@127.0.0.1/ledger'], 2, /^signal-ledger: --limit: .* \(got "\*\*\*"\)$/],
  ] as const)('a usage error does not echo a URL typed in the wrong place: %j', (args, code, first) => {
    const r = runCli(args, { cwd: work });
    expect(r.code).toBe(code);
    expect(r.stderr.split('\n')[0]).toMatch(first);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/Se\d/);
  });
});
