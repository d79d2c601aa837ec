// Regression: `signals list --limit` read its value with Number(), so 0x10 meant 16 and 1e2 meant 100,
// and a value that was not a number was reported as "limit", not as the flag.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('limit');
const cli = (args: string[]) => runCli(['--db', 'sqlite:///limit.db', ...args], { cwd: work });

describe('signals list --limit', () => {
  it.each(['abc', '0x10', '1e2', '-1', '0', '2.5', '10001', ''])('%j is refused with one line naming --limit and exit 2', (value) => {
    const r = cli(['signals', 'list', '--limit', value]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`signal-ledger: --limit: a whole number from 1 to 10000 (got ${JSON.stringify(value)})\n`);
  });

  it('a whole number in decimal digits is the page size', () => {
    expect(runCli(['generate', '--signals', '5', '-o', 'events.ndjson'], { cwd: work }).code).toBe(0);
    expect(cli(['ingest', 'events.ndjson']).code).toBe(0);
    const r = cli(['signals', 'list', '--limit', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(3);
  });
});
