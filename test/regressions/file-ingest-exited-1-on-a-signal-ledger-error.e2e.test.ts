// Regression: `ingest FILE` runs in a worker thread, whose errors reached the main thread as plain messages:
// a signal-ledger error there (an unavailable database, a database that --no-migrate refuses) exited 1, the
// code of an unexpected error, where --help promises 2, and where `ingest -` (the main thread) gave 2. The
// thread now sends the error's code with its message (toThreadError), as the worker's thread already did.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';

const work = scratchDir('ingest-exit');
const line = JSON.stringify({ topic: 'signals.generated', value: { signal_id: 'x-1' } });
const file = writeLines(work, 'events.ndjson', [line]);
// nothing listens on port 1
const UNREACHABLE = 'postgresql://postgres@127.0.0.1:1/ledger';

describe('ingest on a signal-ledger error', () => {
  it.each([
    ['a file (its worker thread)', [file], undefined],
    ['stdin (the main thread)', ['-'], `${line}\n`],
  ])('from %s exits 2 with the error in one line', (_name, source, input) => {
    const r = runCli(['--db', UNREACHABLE, 'ingest', ...source], { cwd: work, input });
    expect(r.stderr).toBe('signal-ledger: database unavailable: cannot connect to PostgreSQL at postgresql://postgres@127.0.0.1:1/ledger (connect ECONNREFUSED 127.0.0.1:1)\n');
    expect(r.code).toBe(2);
  });
});
