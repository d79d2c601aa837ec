// Regression: `report` and `signals` opened SQLite for writing: they switched the file to WAL and
// upgraded its schema on open, so a file the user may only read (chmod 444, in a read-only directory)
// could not be reported on, and a file in rollback-journal mode was rewritten by a read.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'signal-ledger-readonly-'));
afterAll(() => {
  chmodSync(path.join(work, 'sealed'), 0o755);
  rmSync(work, { recursive: true, force: true });
});
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** Root writes whatever the permissions say: as root the reads run as nobody, for whom they hold. */
const asReader = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** The file ingested beside the sealed one, put in rollback-journal mode (again: an earlier read may have switched it). */
function rollbackJournalFile(): string {
  const file = path.join(work, 'rollback.db');
  const db = new DatabaseSync(file);
  db.exec('pragma journal_mode = delete');
  db.close();
  return file;
}

const READS = [
  ['report', '--json'],
  ['report', '--by', 'strategy'],
  ['signals', 'list', '--limit', '5'],
  ['signals', 'get', 'sig-00000004', '--audit'],
].map((args) => [args.join(' '), args] as const);

beforeAll(() => {
  chmodSync(work, 0o755);
  const write = (args: string[]) => expect(runCli(args, { cwd: work }).code).toBe(0);
  write(['generate', '--signals', '30', '-o', 'events.ndjson']);
  mkdirSync(path.join(work, 'sealed'));
  write(['--db', 'sqlite:///sealed/ledger.db', 'ingest', 'events.ndjson']);
  write(['--db', 'sqlite:///rollback.db', 'ingest', 'events.ndjson']);
  chmodSync(path.join(work, 'sealed', 'ledger.db'), 0o444);
  chmodSync(path.join(work, 'sealed'), 0o555);
});

describe('read commands on a SQLite file the user may only read', () => {
  it.each(READS)('%s works on a 444 file in a 555 directory, and adds no file beside it', (_name, args) => {
    const r = runCli(['--db', 'sqlite:///sealed/ledger.db', ...args], { cwd: work, ...asReader });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toBe('');
    expect(readdirSync(path.join(work, 'sealed'))).toEqual(['ledger.db']);
  });

  it('reads the same as a writable copy would', () => {
    const sealed = runCli(['--db', 'sqlite:///sealed/ledger.db', 'signals', 'list', '--all', '--json'], { cwd: work, ...asReader });
    const writable = runCli(['--db', 'sqlite:///rollback.db', 'signals', 'list', '--all', '--json'], { cwd: work });
    const strip = (s: string) => s.split('\n').filter((l) => !/"(created_at|updated_at)"/.test(l)).join('\n');
    expect(strip(sealed.stdout)).toBe(strip(writable.stdout));
  });

  it.each(READS)('%s leaves a file in rollback-journal mode byte for byte as it was, even where it could write', (_name, args) => {
    const file = rollbackJournalFile();
    const before = sha(file);
    const r = runCli(['--db', 'sqlite:///rollback.db', ...args], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(sha(file)).toBe(before);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
