// Regression (found pinning the exit codes the README states, issue 13): a known flag given a value outside its choices
// (`signals list --status bogus`, `report --by week`) exited 1, the code of a usage error, and printed the whole
// usage text, because commander checked those choices itself. Every other bad flag value is one line naming the
// flag and exit code 2, as docs/commands.md and --help say; these now are too, and --help still lists the choices.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('choices');
const cli = (args: string[]) => runCli(['--db', 'sqlite:///choices.db', ...args], { cwd: work });

describe('a value outside a flag\'s choices', () => {
  it.each([
    [['signals', 'list', '--status', 'bogus'], '--status'],
    [['signals', 'list', '--status', 'rejected', 'bogus'], '--status'],
    [['report', '--by', 'week'], '--by'],
  ])('%j exits 2 with one line naming %s', (args, flag) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`signal-ledger: ${flag}: one of `);
  });

  it('a value among the choices is taken, repeated --status values too, and --help lists them', () => {
    expect(cli(['migrate']).code).toBe(0);
    expect(cli(['signals', 'list', '--status', 'rejected', 'executed']).code).toBe(0);
    expect(cli(['signals', 'list', '--status', 'rejected', '--status', 'executed']).code).toBe(0);
    expect(cli(['report', '--by', 'day']).code).toBe(0);
    expect(cli(['signals', 'list', '--help']).stdout).toMatch(/choices: "generated"/);
  });
});
