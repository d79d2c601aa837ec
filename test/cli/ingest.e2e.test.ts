import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { eventLine, generatedValue } from '../helpers/events.ts';
import { scratchDir } from '../helpers/scratch.ts';

// What `signal-ledger ingest` prints: its summary as text and as JSON, and its notes of unreadable lines
// (the first ten, then their count), from a file and from standard input.

const work = scratchDir('cli-ingest');
const cli = (args: string[], input?: string) => runCli(args, { cwd: work, input });

const good = (i: number) => eventLine('signals.generated', `sig-${i}`, generatedValue(`sig-${i}`));
/** 3 good lines, then 12 that are not JSON, then the same 3 good lines again (duplicates). */
const mixed = [good(1), good(2), good(3), ...Array.from({ length: 12 }, (_, i) => `not json ${i + 1}`), good(1), good(2), good(3)].join('\n') + '\n';
const UNREADABLE_NOTE = /^signal-ledger ingest: line (\d+) is not JSON: .+ \(kept as a dead letter\)$/;

describe('signal-ledger ingest: its summary', () => {
  it('given a file, when ingested without --json, then one line says what was read, applied, duplicated and dead-lettered, and the rate', () => {
    writeFileSync(path.join(work, 'three.ndjson'), `${good(1)}\n${good(2)}\n${good(1)}\n`);
    const t0 = performance.now();
    const r = cli(['--db', 'sqlite:///text.db', 'ingest', 'three.ndjson']);
    const wallSeconds = (performance.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const line = /^read 3, applied 2, duplicates 1, dead letters 0, \d+\.\d s \((\d+) events\/s\)\n$/.exec(r.stdout);
    expect(line, r.stdout).not.toBeNull();
    // the rate is events over the seconds the ingest took: at least over the whole run's wall time, and below
    // what a thousandth of a second would give
    expect(Number(line?.[1])).toBeGreaterThanOrEqual(Math.floor(3 / wallSeconds));
    expect(Number(line?.[1])).toBeLessThan(3000);
    expect(r.stderr).toBe('');
  });

  it('given a file, when ingested with --json, then the summary has exactly its seven keys, and the peak RSS in whole MB', () => {
    writeFileSync(path.join(work, 'two.ndjson'), `${good(1)}\n${good(2)}\n`);
    const r = cli(['--db', 'sqlite:///json.db', 'ingest', 'two.ndjson', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(summary)).toEqual(['read', 'applied', 'duplicates', 'dead_letters', 'unreadable_lines', 'seconds', 'peak_rss_mb']);
    expect(summary).toMatchObject({ read: 2, applied: 2, duplicates: 0, dead_letters: 0, unreadable_lines: 0 });
    expect(Number.isInteger(summary.peak_rss_mb) && (summary.peak_rss_mb as number) > 10).toBe(true);
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.seconds).toBe(Number((summary.seconds as number).toFixed(3)));
  });

  it('given a starting process 300 MB larger than an ingest, then the peak RSS is the ingest process\'s own, not its parent\'s (getrusage counts the fork)', () => {
    writeFileSync(path.join(work, 'one.ndjson'), `${good(1)}\n`);
    const peak = (db: string) => {
      const r = cli(['--db', `sqlite:///${db}`, 'ingest', 'one.ndjson', '--json']);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { peak_rss_mb: number }).peak_rss_mb;
    };
    const alone = peak('rss-alone.db');
    // this process made larger than the ingest by 300 MB (touched: resident), then the same ingest again
    const held = Buffer.alloc(Math.max(0, alone + 300 - process.memoryUsage().rss / 2 ** 20) * 2 ** 20, 1);
    const beside = peak('rss-beside.db');
    expect(held.at(-1) ?? 1).toBe(1);
    expect(beside).toBeLessThan(alone + 150);
  });
});

describe.each([
  ['a file', (db: string) => (writeFileSync(path.join(work, 'mixed.ndjson'), mixed), cli(['--db', `sqlite:///${db}`, 'ingest', 'mixed.ndjson', '--json']))],
  ['standard input', (db: string) => cli(['--db', `sqlite:///${db}`, 'ingest', '-', '--json'], mixed)],
] as const)('signal-ledger ingest: twelve unreadable lines from %s', (where, ingest) => {
  it('notes the first ten on stderr, one line each, then counts all twelve, applies the rest and exits 2', () => {
    const r = ingest(`unreadable-${where.replace(' ', '-')}.db`);
    expect(r.code).toBe(2);
    const notes = r.stderr.trimEnd().split('\n');
    expect(notes).toHaveLength(11);
    expect(notes.slice(0, 10).map((l) => UNREADABLE_NOTE.exec(l)?.[1])).toEqual(['4', '5', '6', '7', '8', '9', '10', '11', '12', '13']);
    const name = where === 'a file' ? 'mixed.ndjson' : '-';
    expect(notes[10]).toBe(`signal-ledger ingest: 12 unreadable line(s) in ${name}; they are recorded as dead letters`);
    expect(JSON.parse(r.stdout)).toMatchObject({ read: 18, applied: 3, duplicates: 3, dead_letters: 12, unreadable_lines: 12 });
  });
});
