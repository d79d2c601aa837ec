// docs/cli.md is the command-line reference: every command's --help as it prints it. It is written by
// `npm run docs:cli`; this test keeps it and the command line in agreement (and, under mutation testing,
// is what notices a changed description, default or help text of any command).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliReference } from '../../scripts/cli-reference.ts';

describe('the command-line reference', () => {
  it('docs/cli.md holds the --help of every command exactly as the command line prints it (else run npm run docs:cli)', () => {
    const file = path.join(import.meta.dirname, '..', '..', 'docs', 'cli.md');
    const stale = 'docs/cli.md differs from the --help of the command line: run `npm run docs:cli` and commit it';
    expect(readFileSync(file, 'utf8'), stale).toBe(cliReference());
  });

  it('covers every command and subcommand, each with its usage line', () => {
    const text = cliReference();
    for (const name of ['worker', 'ingest', 'replay', 'topics create', 'signals get', 'signals list', 'signals history', 'verify', 'digest', 'rebuild', 'export', 'dead-letters list', 'dead-letters retry', 'report', 'migrate', 'generate']) {
      expect(text).toContain(`## \`signal-ledger ${name}\``);
      expect(text).toContain(`Usage: signal-ledger ${name} `);
    }
  });
});
