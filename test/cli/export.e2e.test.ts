// `signal-ledger export` and `ingest` of its file, as the command line runs them: plain, gzip (.gz) and zstd
// (.zst), from SQLite into an empty SQLite file and an empty PostgreSQL database (the way from one to the
// other): every record again but its wall-clock columns, and the same digest root. A truncated compressed
// file is exit 2 naming it; --from/--to export what was received then; a path that cannot be written is exit 2.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFile, listRecords, runCli } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { scratchDir } from '../helpers/scratch.ts';

describe('signal-ledger export', () => {
  const work = scratchDir('export');
  const source = `sqlite:///${path.join(work, 'source.db')}`;
  const root = (db: string) => runCli(['--db', db, 'digest']).stdout.slice(0, 64);
  beforeAll(() => {
    const file = path.join(work, 'events.ndjson');
    expect(runCli(['generate', '--signals', '60', '--seed', '9', '--bad', '0.1', '--duplicates', '0.1', '-o', file]).code).toBe(0);
    expect(ingestFile(source, file).code).toBe(0);
  });

  it('plain on stdout, gzip and zstd by the file name: the same lines', () => {
    const plain = runCli(['--db', source, 'export']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toBe('');
    const lines = plain.stdout.trimEnd().split('\n');
    expect(lines.every((l) => Object.keys(JSON.parse(l) as object).join() === 'topic,key,value')).toBe(true);
    for (const [name, decompress, codec] of [
      ['x.ndjson.gz', gunzipSync, 'gzip'],
      ['x.ndjson.zst', zstdDecompressSync, 'zstd'],
    ] as const) {
      const file = path.join(work, name);
      const r = runCli(['--db', source, 'export', '-o', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^exported \\d+ events and \\d+ dead letters to .*${name.replaceAll('.', '\\.')} \\(${codec}\\)\\n$`));
      expect(decompress(readFileSync(file)).toString('utf8')).toBe(plain.stdout);
    }
  });

  it('ingested into an empty SQLite file and an empty PostgreSQL database: every record again (but created_at, updated_at) and the same root', async () => {
    const file = path.join(work, 'backup.ndjson.zst');
    expect(runCli(['--db', source, 'export', '-o', file]).code).toBe(0);
    const pg = await createTestDatabase('postgresql');
    try {
      for (const target of [`sqlite:///${path.join(work, 'restored.db')}`, pg.url]) {
        const r = ingestFile(target, file);
        expect(r.code, r.stderr).toBe(0);
        expect(listRecords(target)).toEqual(listRecords(source));
        expect(root(target)).toBe(root(source));
        expect(runCli(['--db', target, 'verify']).code).toBe(0);
      }
    } finally {
      await pg.drop();
    }
  });

  it('ingest of a truncated compressed file applies the lines before the cut and exits 2 naming the file', () => {
    const file = path.join(work, 'cut.ndjson.gz');
    expect(runCli(['--db', source, 'export', '-o', file]).code).toBe(0);
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    const r = runCli(['--db', `sqlite:///${path.join(work, 'cut.db')}`, 'ingest', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^signal-ledger: ${file.replaceAll('.', '\\.')}: cannot be decompressed \\(unexpected end of file\\); the lines before that point were applied\\n$`));
    const applied = (JSON.parse(runCli(['--db', `sqlite:///${path.join(work, 'cut.db')}`, 'signals', 'list', '--all', '--json']).stdout) as unknown[]).length;
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(60);
  });

  it('--from/--to export what was received in [from, to), and another value is exit 2 naming the flag; a path that cannot be written is exit 2 naming --output', () => {
    expect(runCli(['--db', source, 'export', '--to', '2000-01-01'])).toMatchObject({ code: 0, stdout: '' });
    expect(runCli(['--db', source, 'export', '--from', '2999-01-01'])).toMatchObject({ code: 0, stdout: '' });
    expect(runCli(['--db', source, 'export', '--from', '2000-01-01', '--to', '2999-01-01']).stdout).toBe(runCli(['--db', source, 'export']).stdout);
    for (const flag of ['--from', '--to']) {
      expect(runCli(['--db', source, 'export', flag, 'soon'])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(new RegExp(`^signal-ledger: ${flag}: "soon": not an RFC 3339 timestamp`)) });
    }
    const bad = runCli(['--db', source, 'export', '-o', path.join(work, 'missing', 'x.gz')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^signal-ledger: --output: cannot write ".*missing\/x\.gz": ENOENT/);
    // a device is written as it is (no temporary name beside it); a full one is exit 2 naming --output. As root, the
    // test makes its own full device in its scratch folder: a broken export (a mutant under Stryker) that renames over
    // its output would otherwise replace the machine's /dev/full with a regular file
    const device = process.getuid?.() === 0 ? path.join(work, 'full') : '/dev/full';
    if (device !== '/dev/full') execFileSync('mknod', ['-m', '666', device, 'c', '1', '7']);
    const full = runCli(['--db', source, 'export', '-o', device]);
    expect(full.code).toBe(2);
    expect(full.stderr).toBe(`signal-ledger: --output: cannot write ${JSON.stringify(device)}: ENOSPC: no space left on device, write\n`);
    expect(statSync(device).isCharacterDevice()).toBe(true);
    expect(existsSync(`${device}.partial`)).toBe(false);
    // a regular file appears under its name only once complete
    const file = path.join(work, 'whole.ndjson');
    const whole = runCli(['--db', source, 'export', '-o', file]);
    expect(whole.code).toBe(0);
    // no codec named after a plain file
    expect(whole.stderr).toMatch(new RegExp(`^exported \\d+ events and \\d+ dead letters to ${file.replaceAll('.', '\\.')}\n$`));
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(runCli(['--db', source, 'export']).stdout);
  });
});
