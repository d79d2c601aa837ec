// Regression: terminal tables printed stored text as it was, so a strategy name, symbol or rejection
// reason holding ESC sequences, C1 controls or bidi overrides could clear the screen, move the cursor
// or reorder what the reader sees.
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

const work = scratchDir('controls');
const cli = (args: string[], input?: string) => runCli(['--db', 'sqlite:///hostile.db', ...args], { cwd: work, input });

const STRATEGY = 'evil\u001b[2J\u001b[H\u202egnp.exe\u0007';
const SYMBOL = 'AAPL\u009b31m';
const REASON = 'limit\u2066\u0085x\u007f';
/** What a terminal would act on: C0 but newline, DEL, C1, and the bidi formatting characters. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

beforeAll(() => {
  const lines = [
    { topic: 'signals.generated', key: 'sig-evil', value: { signal_id: 'sig-evil', occurred_at: '2026-01-05T14:30:00Z', strategy_name: STRATEGY, symbol: SYMBOL, side: 'buy', confidence: '0.5', sharpe_estimate: '1', entry_price: '100' } },
    { topic: 'signals.risk', key: 'sig-evil', value: { signal_id: 'sig-evil', occurred_at: '2026-01-05T14:30:01Z', passed: false, rejection_reason: REASON } },
  ];
  const r = cli(['ingest', '-'], lines.map((l) => JSON.stringify(l)).join('\n'));
  expect(r.code, r.stderr).toBe(0);
});

describe('hostile text in terminal output', () => {
  it.each([
    [['signals', 'list']],
    [['signals', 'get', 'sig-evil', '--audit']],
    [['report']],
    [['report', '--by', 'strategy']],
    [['report', '--by', 'symbol']],
  ])('%j shows control and bidi characters as visible escapes, never as themselves', (args) => {
    const r = cli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(ACTIVE);
    expect(r.stderr).not.toMatch(ACTIVE);
  });

  it('the escapes name the characters: \\x1b for ESC, \\x9b for CSI, \\u202e for RIGHT-TO-LEFT OVERRIDE', () => {
    const out = cli(['signals', 'get', 'sig-evil']).stdout;
    expect(out).toContain('evil\\x1b[2J\\x1b[H\\u202egnp.exe\\x07');
    expect(out).toContain('AAPL\\x9b31m');
    expect(out).toContain('limit\\u2066\\x85x\\x7f');
  });

  it('--json and --csv keep the exact values', () => {
    const record = JSON.parse(cli(['signals', 'get', 'sig-evil', '--json']).stdout);
    expect(record).toMatchObject({ strategy_name: STRATEGY, symbol: SYMBOL, rejection_reason: REASON });
    expect(JSON.parse(cli(['signals', 'list', '--json']).stdout)[0].strategy_name).toBe(STRATEGY);
    expect(cli(['report', '--by', 'strategy', '--csv']).stdout.split('\n')[1]?.startsWith(`${STRATEGY},`)).toBe(true);
  });

  it('an error line quoting an argument does not pass its control characters through', () => {
    const r = cli(['signals', 'get', 'nope\u009b2J\u202eevil\u001b]0;owned\u0007']);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(ACTIVE);
  });
});
