// Regression: file ingest held each line whole as a string, so a single 80 MB line ran the ingest
// thread out of its heap and the whole ingest failed. Now a line longer than --max-line-bytes
// (INGEST_MAX_LINE_BYTES, default 2 MiB) is a dead letter holding its first 1024 bytes, its length and
// its sha256, taken as it streams past; memory stays bounded and the other lines are applied.
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../helpers/cli.ts';
import { freshDatabases } from '../helpers/databases.ts';
import { eventLine, generatedValue, riskValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

const work = scratchDir('oversized-line');
const BIG_LINE_BYTES = 80 * 1024 * 1024;
/**
 * Peak RSS of the ingest process (VmHWM, main thread plus ingest thread). Measured on the 2-core test
 * machine under load: 129-131 MB for a file of a few small lines; 179-206 MB with the 80 MB line (the
 * streamed chunks are garbage until the next GC), and no more (181 MB) with a 160 MB line, so it does
 * not grow with the line. Holding the 80 MB line twice would take at least 130 + 160 = 290 MB.
 */
const PEAK_RSS_BOUND_MB = 250;

const before = eventLine('signals.generated', 'sig-a', generatedValue('sig-a'));
const after = [eventLine('signals.risk', 'sig-a', riskValue('sig-a')), eventLine('signals.generated', 'sig-b', generatedValue('sig-b'))];

/** Writes the file a chunk at a time (the big line is never in memory) and returns the big line's length and sha256. */
async function writeFileWithBigLine(file: string): Promise<{ length: number; sha256: string; head: string }> {
  const out = createWriteStream(file);
  const write = async (chunk: string | Buffer) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  const hash = createHash('sha256');
  const start = Buffer.from(`{"topic":"signals.generated","key":"sig-big","value":{"signal_id":"sig-big","occurred_at":"2026-01-05T14:30:00Z","metadata":{"blob":"`);
  const end = Buffer.from('"}}}');
  const filler = Buffer.alloc(1024 * 1024, 'x');
  let length = 0;
  const piece = async (chunk: Buffer) => {
    hash.update(chunk);
    length += chunk.length;
    await write(chunk);
  };
  await write(`${before}\n`);
  await piece(start);
  while (length + filler.length + end.length <= BIG_LINE_BYTES) await piece(filler);
  await piece(filler.subarray(0, BIG_LINE_BYTES - end.length - length));
  await piece(end);
  await write(`\n${after.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  return { length, sha256: hash.digest('hex'), head: Buffer.concat([start, filler]).subarray(0, 1024).toString('utf8') };
}

describe.each(['sqlite-file', 'postgresql'] as const)('ingest of a file with an 80 MB line on %s', (kind) => {
  const file = path.join(work, 'big-line.ndjson');
  let big: Awaited<ReturnType<typeof writeFileWithBigLine>>;
  const fresh = freshDatabases(kind);
  beforeAll(async () => {
    big = await writeFileWithBigLine(file);
  });
  afterAll(() => rmSync(file, { force: true }));

  it('the line is a dead letter with its length, sha256 and first bytes, the others are applied, and peak RSS stays bounded', async () => {
    expect(big.length).toBe(BIG_LINE_BYTES);
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work, timeoutMs: 90_000 });
    // 2: the oversized line counts as unreadable; everything else is applied
    expect(r.code, r.stderr).toBe(2);
    expect(r.summary).toMatchObject({ read: 4, applied: 3, dead_letters: 1, unreadable_lines: 1 });
    expect(r.summary?.peak_rss_mb).toBeLessThan(PEAK_RSS_BOUND_MB);
    const dead = await readDeadLetters(db.url);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.source).toBe(`${file}:2`);
    expect(dead[0]?.rawValue).toBe(big.head);
    const problem = dead[0]?.problems[0]?.message ?? '';
    expect(problem).toContain(`${BIG_LINE_BYTES} bytes`);
    expect(problem).toContain(`sha256 ${big.sha256}`);
    expect(problem).toMatch(/longer than the limit of 2097152/);
  });
});

describe('the line limit is a setting', () => {
  // a valid line of about 6 KB: applied under the default limit, a dead letter under 4096
  const wide = eventLine('signals.generated', 'sig-wide', generatedValue('sig-wide', { metadata: { note: 'w'.repeat(6000) } }));
  const file = writeLines(work, 'wide-line.ndjson', [before, wide, ...after]);
  const fresh = freshDatabases('sqlite-file');
  const ingest = async (flags: string[], env: Record<string, string> = {}) => {
    const db = await fresh();
    const r = ingestFile(db.url, file, { cwd: work, flags, env });
    return { r, summary: r.summary, dead: await readDeadLetters(db.url) };
  };

  it('under the default limit the 6 KB line is applied', async () => {
    const { r, summary } = await ingest([]);
    expect(r.code, r.stderr).toBe(0);
    expect(summary).toMatchObject({ read: 4, applied: 4, dead_letters: 0 });
  });

  it.each([
    ['--max-line-bytes 4096', ['--max-line-bytes', '4096'], {}],
    ['INGEST_MAX_LINE_BYTES=4096', [], { INGEST_MAX_LINE_BYTES: '4096' }],
  ])('with %s it is a dead letter naming that limit', async (_how, flags, env) => {
    const { r, summary, dead } = await ingest(flags, env);
    expect(r.code, r.stderr).toBe(2);
    expect(summary).toMatchObject({ read: 4, applied: 3, dead_letters: 1 });
    expect(dead.map((d) => d.source)).toEqual([`${file}:2`]);
    expect(dead[0]?.problems[0]?.message).toContain(`line 2 is ${Buffer.byteLength(wide)} bytes, longer than the limit of 4096`);
    expect(dead[0]?.rawValue).toBe(wide.slice(0, 1024));
  });
});
