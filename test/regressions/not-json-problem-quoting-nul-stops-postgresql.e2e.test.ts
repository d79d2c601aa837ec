// Regression: a value that is not JSON became a dead letter whose problem was V8's JSON.parse message,
// and that message quotes the text: for the 3 bytes `b\0x` it is `not JSON: Unexpected token 'b',
// "b<NUL>x" is not valid JSON`, NUL included (and a lone surrogate likewise). PostgreSQL refused that
// problem in its jsonb column (22P05, "unsupported Unicode escape sequence"), so the batch threw: ingest
// failed with exit 1, the worker stopped on the message at every restart, and SQLite stored it, so the
// databases diverged. Now problems are made storable before they are stored (NUL and lone surrogates as
// \u escapes). This file proves, on SQLite and PostgreSQL, that each such value is a dead letter and the
// other lines are applied, that both databases hold the same dead letters, and that the worker command on
// PostgreSQL makes the message b\0x a dead letter, applies the rest and exits 0 on SIGTERM.
import { describe, expect, it } from 'vitest';
import { ingestFile } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { eventLine, generatedValue, riskValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readDeadLetters, type StoredDeadLetter } from '../helpers/stored-rows.ts';
import { withWorkerRun } from '../helpers/worker.ts';

const work = scratchDir('not-json-nul');
const file = writeLines(work, 'not-json.ndjson', [
  eventLine('signals.generated', 'sig-a', generatedValue('sig-a')),
  // values given as JSON strings: the envelope's escapes make a real NUL / lone surrogate in the value text
  '{"topic":"signals.generated","key":"k-nul","value":"b\\u0000x"}',
  '{"topic":"signals.generated","key":"k-surrogate","value":"\\ud800x"}',
  // a line that is not JSON itself, with a NUL byte
  Buffer.from('nope\u0000'),
  eventLine('signals.risk', 'sig-a', riskValue('sig-a')),
]);
const deadLettersOf = new Map<string, StoredDeadLetter[]>();

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of values that are not JSON and hold NUL or a lone surrogate on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('each is a dead letter and the other lines are applied', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work });
    // 2: line 4 is unreadable
    expect(r.code, r.stderr).toBe(2);
    expect(r.summary).toMatchObject({ read: 5, applied: 2, dead_letters: 3, unreadable_lines: 1 });
    const dead = await readDeadLetters(db.url);
    expect(dead.map((d) => d.source)).toEqual([`${file}:2`, `${file}:3`, `${file}:4`]);
    for (const d of dead) expect(d.problems[0]?.message).toMatch(/not JSON/);
    deadLettersOf.set(kind, dead);
  });
});

describe('the same file on SQLite and PostgreSQL', () => {
  it('gives the same dead letters', () => {
    expect(deadLettersOf.get('sqlite-file')).toBeDefined();
    expect(deadLettersOf.get('postgresql')).toEqual(deadLettersOf.get('sqlite-file'));
  });
});

describe('the worker on PostgreSQL', () => {
  it('records the 3-byte message b\\0x as a dead letter, applies the rest and stops on SIGTERM with exit 0', async () => {
    const lines = [
      { topic: 'signals.generated', key: 'sig-a', value: generatedValue('sig-a') },
      { topic: 'signals.generated', key: 'k-nul', value: 'b\u0000x' },
      { topic: 'signals.generated', key: 'sig-b', value: generatedValue('sig-b') },
    ];
    await withWorkerRun('postgresql', lines, async ({ code, signal, output, store, dbUrl, config }) => {
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      const dead = await readDeadLetters(dbUrl);
      expect(dead.map((d) => [d.source, d.rawValue])).toEqual([[`${config.topics.generated}/0@1`, `base64:${Buffer.from('b\u0000x').toString('base64')}`]]);
      const signals = await store.em().getConnection().execute<{ signal_id: string }[]>('select "signal_id" from "signals" order by "signal_id"');
      expect(signals.map((s) => s.signal_id)).toEqual(['sig-a', 'sig-b']);
    });
  });
});
