// `ingest` of a file signal-ledger did not write: Debian's Python writes it (test/helpers/outside-ndjson.py) with
// its json module (three serialisations, ASCII escapes or raw UTF-8), Decimal and float numbers, isoformat
// timestamps with microseconds and +05:30, a byte order mark, CRLF line ends, a value given as a JSON string,
// duplicates serialised another way, and hostile lines (NUL, a lone surrogate, 1e400, nesting, a 3 MB line,
// invalid UTF-8, a line cut short, event_ids reused). The script says what the ledger should make of it;
// the command line's default batch size (several batches) on SQLite and PostgreSQL must agree with it and
// with each other, and a second ingest of the file must change nothing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/contract/limits.ts';
import { ingestFile, listRecords, runCli } from '../helpers/cli.ts';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/databases.ts';
import { DEBIAN_PYTHON } from '../helpers/kafka-clients.ts';
import { scratchDir } from '../helpers/scratch.ts';
import { readDeadLetters } from '../helpers/stored-rows.ts';

const SIGNALS = 3000;

interface Expected {
  read: number;
  applied: number;
  duplicates: number;
  dead_letters: number;
  unreadable_lines: number;
  records: Record<string, { status: string; executed_quantity: string | null; signal_price: string }>;
}

const work = scratchDir('outside-file');
const file = path.join(work, 'python.ndjson');
const kinds = ['sqlite-file', 'postgresql'] as const;
const dbs = new Map<(typeof kinds)[number], TestDatabase>();
let expected: Expected;

beforeAll(async () => {
  await requirePostgres();
  const r = spawnSync(DEBIAN_PYTHON, [path.join(import.meta.dirname, '..', 'helpers', 'outside-ndjson.py'), file, String(SIGNALS)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, r.stderr).toBe(0);
  expected = JSON.parse(r.stdout) as Expected;
  for (const kind of kinds) dbs.set(kind, await createTestDatabase(kind));
});
afterAll(async () => {
  for (const db of dbs.values()) await db.drop();
});

describe('ingest of a file Python wrote, at the default batch size', () => {
  it('the file spans more than two default batches, with duplicates, dead letters and unreadable lines among them', () => {
    expect(expected.read).toBeGreaterThan(2 * LIMITS.defaultIngestBatch);
    expect(expected.duplicates).toBeGreaterThan(100);
    expect(expected.dead_letters).toBe(15);
    expect(expected.unreadable_lines).toBe(3);
  });

  it.each(kinds)('on %s: the summary counts what the script wrote, each record has the status and executed quantity it expects, and verify passes', (kind) => {
    const db = dbs.get(kind) as TestDatabase;
    const r = ingestFile(db.url, file);
    // the unreadable lines make the exit code 2, after everything else is applied
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/3 unreadable line\(s\) in .*python\.ndjson; they are recorded as dead letters\n$/);
    const { records: _records, ...counts } = expected;
    expect(r.summary).toMatchObject(counts);
    const records = listRecords(db.url);
    expect(records.map((x) => x.signal_id).sort()).toEqual(Object.keys(expected.records).sort());
    const wrong = records.filter((x) => {
      const want = expected.records[x.signal_id as string];
      const quantity = x.executed_quantity === null ? null : Number(x.executed_quantity);
      return want === undefined || x.status !== want.status || quantity !== (want.executed_quantity === null ? null : Number(want.executed_quantity));
    });
    expect(wrong.slice(0, 3)).toEqual([]);
    const verify = runCli(['--db', db.url, 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('each price reads back as Python wrote it (the string "151.1", the float 1000.0), and both databases give the same records', () => {
    const [sqlite, postgresql] = kinds.map((kind) => listRecords((dbs.get(kind) as TestDatabase).url));
    expect(postgresql).toEqual(sqlite);
    const drifted = (sqlite ?? []).filter((x) => x.signal_price !== expected.records[x.signal_id as string]?.signal_price);
    expect(drifted.slice(0, 3).map((x) => [x.signal_id, x.signal_price])).toEqual([]);
  });

  it('both databases hold the same ledger: the same digest root, the same dead letters (two identical bad lines are one row)', async () => {
    const roots = kinds.map((kind) => runCli(['--db', (dbs.get(kind) as TestDatabase).url, 'digest']).stdout.slice(0, 64));
    expect(roots[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(roots[1]).toBe(roots[0]);
    const [sqlite, postgresql] = await Promise.all(kinds.map((kind) => readDeadLetters((dbs.get(kind) as TestDatabase).url)));
    expect(sqlite).toHaveLength(expected.dead_letters - 1);
    expect(postgresql).toEqual(sqlite);
  });

  it.each(kinds)('on %s: the file ingested again changes nothing: every event a duplicate, no new dead-letter row, the same root', async (kind) => {
    const db = dbs.get(kind) as TestDatabase;
    const before = runCli(['--db', db.url, 'digest']).stdout;
    const r = ingestFile(db.url, file);
    expect(r.code).toBe(2);
    expect(r.summary).toMatchObject({ read: expected.read, applied: 0, duplicates: expected.applied + expected.duplicates, dead_letters: expected.dead_letters });
    expect(await readDeadLetters(db.url)).toHaveLength(expected.dead_letters - 1);
    expect(runCli(['--db', db.url, 'digest']).stdout).toBe(before);
  });
});
