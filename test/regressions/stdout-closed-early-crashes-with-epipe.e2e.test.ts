// Bug: `signal-ledger --help | head -2` (or `signals list --all | head`) ended with an unhandled EPIPE error
// and its stack trace on stderr once the reader had closed the pipe. A reader that stops early now ends the
// command quietly, with exit code 0.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI_MAIN, runCli } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';

/** Runs the built command with its stdout read end closed before it writes anything. */
function withStdoutClosed(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that closes the pipe early', () => {
  it('--help ends quietly with exit code 0', async () => {
    const r = await withStdoutClosed(['--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('signals list --all of 500 signals ends quietly with exit code 0', async () => {
    const work = scratchDir('epipe');
    const db = `sqlite:///${work}/l.db`;
    expect(runCli(['generate', '--signals', '500', '-o', 'events.ndjson'], { cwd: work }).code).toBe(0);
    expect(runCli(['--db', db, 'ingest', 'events.ndjson'], { cwd: work }).code).toBe(0);
    const r = await withStdoutClosed(['--db', db, 'signals', 'list', '--all', '--limit', '10000']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
