// Regression: the command line's exit codes (2 for a signal-ledger error, 3 for a missing signal, 1 for
// anything else) were documented nowhere a user could find them. --help now lists every one, also 4
// (worker/replay --on-invalid stop at a bad message) and 130 (a second SIGTERM/SIGINT). This file checks
// the list and that the command exits 1, 2 and 3 where it says; test/worker/create-worker.poison.e2e.test.ts and
// test/worker/create-worker.e2e.test.ts check that the worker exits 4 and 130 where it says.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('exit');
const cli = (args: string[]) => runCli(args, { cwd: work });

describe('exit codes', () => {
  it('--help lists them, 4 for strict mode and 130 included, and the command line keeps to the list', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      new RegExp(
        [
          'Exit codes:',
          ' {2}0 +done',
          ' {2}1 +an unexpected error, a usage error[^\\n]*\\n +older than 22\\.17; verify: a record or rollup differs from its events;\\n +rebuild: a signal had to be left as it is[^\\n]*',
          ' {2}2 +a signal-ledger error[\\s\\S]*',
          ' {2}3 +signals get/history: no signal with that id[^\\n]*\\n +--known-at\\)',
          ' {2}4 +worker/replay with --on-invalid stop: a message broke the contract[\\s\\S]*',
          ' {2}130 +worker: a second SIGTERM/SIGINT stopped it at once\\n',
        ].join('\\n'),
      ),
    );
    expect(cli(['--db', 'sqlite:///exit.db', 'migrate']).code).toBe(0);
    expect(cli(['--db', 'sqlite:///exit.db', 'signals', 'get', 'nope']).code).toBe(3);
    expect(cli(['--db', 'sqlite:///exit.db', 'signals', 'list', '--limit', 'x']).code).toBe(2);
    expect(cli(['--no-such-flag']).code).toBe(1);
  });
});
