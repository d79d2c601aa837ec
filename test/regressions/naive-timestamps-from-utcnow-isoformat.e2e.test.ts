// Regression: a producer writing Python's `datetime.utcnow().isoformat()` sends timestamps without a
// UTC offset. ingest had no way to accept them (no --naive-timestamps, NAIVE_TIMESTAMPS ignored), and
// the dead letter did not say how to: the problem now names NAIVE_TIMESTAMPS and --naive-timestamps,
// and `--naive-timestamps utc` (or NAIVE_TIMESTAMPS=utc) reads them as UTC.
import { describe, expect, it } from 'vitest';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { eventLine, generatedValue, riskValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

const work = scratchDir('naive-timestamps');
// what utcnow().isoformat() writes: microseconds, no offset
const naive = '2026-01-05T14:30:00.123456';
const file = writeLines(work, 'utcnow.ndjson', [
  eventLine('signals.generated', 'sig-naive', generatedValue('sig-naive', { occurred_at: naive })),
  eventLine('signals.generated', 'sig-zoned', generatedValue('sig-zoned')),
  eventLine('signals.risk', 'sig-zoned', riskValue('sig-zoned')),
]);

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of offset-less timestamps on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('by default the line is a dead letter whose problem names NAIVE_TIMESTAMPS and --naive-timestamps; the other lines are applied', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ read: 3, applied: 2, dead_letters: 1 });
    const [dead, ...others] = await readDeadLetters(db.url);
    expect(others).toEqual([]);
    expect(dead).toMatchObject({ source: `${file}:1`, signalId: 'sig-naive' });
    expect(dead?.problems).toHaveLength(1);
    expect(dead?.problems[0]?.path).toBe('$.occurred_at');
    expect(dead?.problems[0]?.message).toMatch(/NAIVE_TIMESTAMPS=utc/);
    expect(dead?.problems[0]?.message).toMatch(/--naive-timestamps utc/);
    expect(runCli(['--db', db.url, 'signals', 'get', 'sig-naive'], { cwd: work }).code).toBe(3);
  });

  it.each([
    ['the flag --naive-timestamps utc', ['--naive-timestamps', 'utc'], {}],
    ['the environment NAIVE_TIMESTAMPS=utc', [], { NAIVE_TIMESTAMPS: 'utc' }],
  ])('with %s the timestamp is read as UTC and every line is applied', async (_how, flags, env) => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work, flags, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ read: 3, applied: 3, dead_letters: 0 });
    expect(await readDeadLetters(db.url)).toEqual([]);
    const got = runCli(['--db', db.url, 'signals', 'get', 'sig-naive', '--json'], { cwd: work });
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).generated_at).toBe('2026-01-05T14:30:00.123456Z');
  });
});

describe('ingest --naive-timestamps with an unknown rule', () => {
  it('is refused with one line naming the flag and exit code 2, before anything is read', () => {
    const r = runCli(['--db', 'sqlite:///bogus.db', 'ingest', file, '--naive-timestamps', 'bogus'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--naive-timestamps/);
    expect(lines[0]).toMatch(/reject, utc/);
  });
});
