// Regression: file ingest decoded lines leniently, so invalid UTF-8 bytes inside a string became
// U+FFFD and the altered event was applied, while the same bytes from Kafka are a dead letter. Now the
// line is a dead letter whose raw value is `base64:` of the line's exact bytes.
import { describe, expect, it } from 'vitest';
import { ingestFile, listRecords, runCli } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { eventLine, generatedValue, riskValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

const work = scratchDir('invalid-utf8');
// a valid line with the bytes of "MOMENTUM" replaced by an invalid sequence (a lone continuation byte, an overlong form, 0xff)
const [before, after] = eventLine('signals.generated', 'sig-bad', generatedValue('sig-bad', { strategy_name: 'MOMENTUM' })).split('MOMENTUM') as [string, string];
const badLine = Buffer.concat([Buffer.from(before), Buffer.from([0x6d, 0x80, 0x6f, 0xc0, 0xaf, 0xff, 0x6d]), Buffer.from(after)]);
const file = writeLines(work, 'invalid-utf8.ndjson', [
  eventLine('signals.generated', 'sig-a', generatedValue('sig-a')),
  badLine,
  eventLine('signals.risk', 'sig-a', riskValue('sig-a')),
  eventLine('signals.generated', 'sig-b', generatedValue('sig-b', { strategy_name: 'naïve ☃ ok' })),
]);

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of a line with invalid UTF-8 on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('the line is a dead letter holding base64 of its exact bytes; the other lines are applied', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work });
    // an unreadable line makes ingest exit 2 after applying everything else
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/line 2 is not valid UTF-8/);
    expect(r.summary).toMatchObject({ read: 4, applied: 3, dead_letters: 1, unreadable_lines: 1 });
    const dead = await readDeadLetters(db.url);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.source).toBe(`${file}:2`);
    expect(dead[0]?.rawValue).toBe(`base64:${badLine.toString('base64')}`);
    expect(Buffer.from(dead[0]?.rawValue?.slice('base64:'.length) ?? '', 'base64').equals(badLine)).toBe(true);
    expect(dead[0]?.problems[0]?.message).toMatch(/not valid UTF-8/);
    const records = listRecords(db.url, work);
    expect(records.map((s) => s.signal_id).sort()).toEqual(['sig-a', 'sig-b']);
    expect(records.find((s) => s.signal_id === 'sig-b')?.strategy_name).toBe('naïve ☃ ok');
    expect(JSON.stringify(records)).not.toContain('\uFFFD');
    expect(runCli(['--db', db.url, 'signals', 'get', 'sig-bad'], { cwd: work }).code).toBe(3);
  });
});
