// docs/commands.md: the exit codes (0 done; 1 an unexpected or usage error; 2 a signal-ledger error:
// a bad flag, setting or URL, ...; 3 signals get of an unknown id; 4 strict mode; 130 a second signal)
// and the defaults it states: the database URL, `signals list` pages of 100, `ingest --batch-size` 4000,
// the worker's metrics port 9464, `topics create --partitions` 6. The built command as a subprocess.
// Pinned elsewhere (not repeated here): test/regressions/exit-codes-undocumented.e2e.test.ts (the --help
// list of exit codes; 0 migrate, 3 signals get nope, 2 --limit x, 1 an unknown flag);
// test/regressions/limit-accepts-hex-and-exponents.e2e.test.ts (--limit values refused with 2);
// test/regressions/read-commands-create-missing-database.e2e.test.ts (2 for a missing database);
// test/cli/main.e2e.test.ts "an unreadable line is reported, kept as a dead letter" (ingest exits 2);
// test/worker/create-worker.poison.e2e.test.ts "`worker --on-invalid stop` exits with code 4" and
// test/worker/create-worker.e2e.test.ts "a second signal exits at once with 130" (both need the worker suite);
// test/regressions/oversized-line-runs-ingest-out-of-memory.e2e.test.ts (--max-line-bytes default 2 MiB).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { eventLine, generatedValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { queryRows, readDeadLetters } from '../helpers/stored-rows.ts';

const work = scratchDir('rules-cli');
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: work, env });
/** --help text with its line wrapping undone. */
const helpOf = (args: string[]) => {
  const r = cli([...args, '--help']);
  expect(r.code).toBe(0);
  return r.stdout.replace(/\s+/g, ' ');
};
/** A signal-generated line for signal number i, generated i seconds after the first. */
const signalLine = (i: number, extra: Record<string, string> = {}) => {
  const id = `sig-${String(i).padStart(4, '0')}`;
  const at = new Date(Date.UTC(2026, 0, 5, 10, 0, 0) + i * 1000).toISOString();
  return eventLine('signals.generated', id, generatedValue(id, { occurred_at: at, ...extra }));
};

describe('exit codes', () => {
  it('1 for a usage error: an unknown command, a missing argument, a flag without its value', () => {
    expect(cli(['no-such-command']).code).toBe(1);
    expect(cli(['--db', 'sqlite:///exit.db', 'signals', 'get']).code).toBe(1);
    expect(cli(['--db', 'sqlite:///exit.db', 'signals', 'list', '--limit']).code).toBe(1);
  });

  it('2 for a bad value of a known flag that signal-ledger checks: --batch-size 0, --naive-timestamps maybe, --db mysql://', () => {
    const batch = cli(['--db', 'sqlite:///exit.db', 'ingest', 'missing.ndjson', '--batch-size', '0']);
    expect([batch.code, batch.stderr]).toEqual([2, 'signal-ledger: --batch-size: a whole number from 1 to 5000 (got "0")\n']);
    const naive = cli(['--db', 'sqlite:///exit.db', 'ingest', 'missing.ndjson', '--naive-timestamps', 'maybe']);
    expect([naive.code, naive.stderr]).toEqual([2, 'signal-ledger: --naive-timestamps: one of reject, utc\n']);
    expect(cli(['--db', 'mysql://x/y', 'report']).code).toBe(2);
  });
});

describe('the database: --db, else DATABASE_URL, else sqlite:///data/signals.db', () => {
  it('with neither, migrate creates data/signals.db under the working directory; DATABASE_URL and --db take precedence in that order', () => {
    const dir = path.join(work, 'default-db');
    mkdirSync(dir);
    // runCli clears DATABASE_URL unless it is given
    const inDir = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env });
    expect(inDir(['migrate']).code).toBe(0);
    expect(existsSync(path.join(dir, 'data', 'signals.db'))).toBe(true);
    expect(inDir(['migrate'], { DATABASE_URL: 'sqlite:///env.db' }).code).toBe(0);
    expect(existsSync(path.join(dir, 'env.db'))).toBe(true);
    expect(inDir(['--db', 'sqlite:///flag.db', 'migrate'], { DATABASE_URL: 'sqlite:///env-unused.db' }).code).toBe(0);
    expect([existsSync(path.join(dir, 'flag.db')), existsSync(path.join(dir, 'env-unused.db'))]).toEqual([true, false]);
  });

  it('the data/ folder is created for the default URL only', () => {
    const r = cli(['--db', 'sqlite:///elsewhere/signals.db', 'migrate']);
    expect(r.code).toBe(2);
    expect(existsSync(path.join(work, 'elsewhere'))).toBe(false);
  });
});

describe('defaults of the commands', () => {
  it('signals list shows 100 records per page by default, and says where the next page starts', () => {
    const file = writeLines(work, 'hundred-and-one.ndjson', Array.from({ length: 101 }, (_, i) => signalLine(i)));
    const db = `sqlite:///${path.join(work, 'page.db')}`;
    expect(ingestFile(db, file, { cwd: work }).summary).toMatchObject({ read: 101, applied: 101 });
    const page = JSON.parse(cli(['--db', db, 'signals', 'list', '--json']).stdout) as { signal_id: string }[];
    expect(page).toHaveLength(100);
    // newest first: the oldest signal, sig-0000, is the one left for the next page
    expect(page.at(-1)?.signal_id).toBe('sig-0001');
    const table = cli(['--db', db, 'signals', 'list']);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('more records: --cursor sig-0001\n');
    expect(JSON.parse(cli(['--db', db, 'signals', 'list', '--json', '--cursor', 'sig-0001']).stdout).map((r: { signal_id: string }) => r.signal_id)).toEqual(['sig-0000']);
  });

  it('ingest applies 4000 lines per batch by default: line 4000 is recorded with line 1 (one received_at), line 4001 in the next batch', async () => {
    // received_at is the time the event's batch began, the same for every event of one transaction. Lines 4000
    // and 4001 also reuse line 1's event_id "shared" for other signals: the same dead letter words either way
    // (the words do not depend on where batches were cut, so a second ingest adds no dead letter row).
    const lines = Array.from({ length: 4001 }, (_, i) => signalLine(i, i === 0 || i >= 3999 ? { event_id: 'shared' } : {}));
    const file = writeLines(work, 'batches.ndjson', lines);
    const db = `sqlite:///${path.join(work, 'batches.db')}`;
    const r = ingestFile(db, file, { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ read: 4001, applied: 3999, dead_letters: 2 });
    const received = new Map(
      (await queryRows<{ signal_id: string; received_at: string }>(db, 'select signal_id, received_at from signal_events')).map((e) => [e.signal_id, String(e.received_at)]),
    );
    // line 3999 holds sig-3998, the last event applied in the first batch
    expect(received.get('sig-3998')).toBe(received.get('sig-0000'));
    const dead = await readDeadLetters(db);
    expect(dead.map((d) => [d.source.slice(file.length), d.problems[0]?.message])).toEqual([
      [':4000', 'event_id "shared" already belongs to signal "sig-0000"; this message for signal "sig-3999" was not applied'],
      [':4001', 'event_id "shared" already belongs to signal "sig-0000"; this message for signal "sig-4000" was not applied'],
    ]);
    // line 4000 died in the first batch, line 4001 in the second: the dead letters' receipt times say so
    const deadAt = new Map(
      (await queryRows<{ source: string; received_at: string }>(db, 'select source, received_at from dead_letters')).map((d) => [d.source.slice(file.length), String(d.received_at)]),
    );
    expect(deadAt.get(':4000')).toBe(received.get('sig-0000'));
    expect(deadAt.get(':4001')).not.toBe(received.get('sig-0000'));
    expect(ingestFile(db, file, { cwd: work }).summary).toMatchObject({ read: 4001, applied: 0, duplicates: 3999, dead_letters: 2 });
    expect(await readDeadLetters(db)).toHaveLength(2);
  });

  it('--help states the defaults: ingest --batch-size 4000, signals list --limit 100, worker --metrics-port 9464, topics create --partitions 6', () => {
    expect(helpOf(['ingest'])).toContain('--batch-size <n> events per transaction, 1 to 5000 (default: "4000")');
    expect(helpOf(['signals', 'list'])).toContain('--limit <n> records per page, 1 to 10000 (default: 100)');
    expect(helpOf(['worker'])).toContain('--metrics-port <port> port of /livez, /readyz, /healthz and /metrics, 0 for any free port (default $METRICS_PORT, else 9464)');
    expect(helpOf(['worker'])).toContain('(default $METRICS_HOST, else 127.0.0.1)');
    expect(helpOf(['worker'])).toContain('METRICS_PORT (default 9464)');
    expect(helpOf(['topics', 'create'])).toContain('--partitions <n> partitions per topic, 1 to 10000 (default: 6)');
    expect(helpOf([])).toContain('default $DATABASE_URL, else sqlite:///data/signals.db');
  });
});
