// Regression: `signals list --from garbage` was reported as "startDate: ...", the repository's name for
// the bound, not as the flag the user typed.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('from');
const cli = (args: string[]) => runCli(['--db', 'sqlite:///from.db', ...args], { cwd: work });

describe('signals list with a bad time bound', () => {
  it.each([
    ['--from', 'startDate'],
    ['--to', 'endDate'],
  ])('%s garbage is reported in one line under that flag, not as the repository\'s %s', (flag, internal) => {
    expect(cli(['migrate']).code).toBe(0);
    const r = cli(['signals', 'list', flag, 'garbage']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^signal-ledger: ${flag}: "garbage": not an RFC 3339 timestamp`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain(internal);
  });
});
