// Regression: the command line's exit codes (2 for a signal-ledger error, 3 for a missing signal, 1 for
// anything else) were documented nowhere a user could find them.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('exit');
const cli = (args: string[]) => runCli(args, { cwd: work });

describe('exit codes', () => {
  it('--help lists them, and the command line keeps to the list', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 +done\n {2}1 +an unexpected error, or a usage error[^\n]*\n {2}2 +a signal-ledger error[\s\S]*\n {2}3 +signals get: no signal with that id\n/);
    expect(cli(['--db', 'sqlite:///exit.db', 'migrate']).code).toBe(0);
    expect(cli(['--db', 'sqlite:///exit.db', 'signals', 'get', 'nope']).code).toBe(3);
    expect(cli(['--db', 'sqlite:///exit.db', 'signals', 'list', '--limit', 'x']).code).toBe(2);
    expect(cli(['--no-such-flag']).code).toBe(1);
  });
});
