// On PostgreSQL the apply path's inserts of new rows (signals, audit rows) go in by COPY, the others as JSON arrays
// (bulk-sql.ts). Both forms must store the same values from the same rows, whatever the text holds: COPY's text
// format gives tab, newline, carriage return and backslash a meaning (and `\N`, `\.`), the JSON arrays none. And
// a COPY that meets a taken key is a race (ConcurrentInsert), not a refused message (a dead letter).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure, FailureClass } from '../../src/errors.ts';
import { applyBatch, openStore, type Store, withWriteTransaction } from '../../src/store/index.ts';
import { type BulkColumn, type BulkInsert, ConcurrentInsert, insertRows } from '../../src/store/bulk-sql.ts';
import { parseMessage } from '../../src/contract/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

const COLUMNS: BulkColumn[] = [
  { name: 'k', pgType: 'text' },
  { name: 't', pgType: 'text' },
  { name: 'n', pgType: 'numeric' },
  { name: 'ts', pgType: 'timestamptz' },
  { name: 'j', pgType: 'json' },
  { name: 'jb', pgType: 'jsonb' },
  { name: 'b', pgType: 'boolean' },
  { name: 'i', pgType: 'integer' },
  { name: 'big', pgType: 'bigint' },
];
const TABLE_SQL = (name: string) => `create table "${name}" (k text primary key, t text, n numeric, ts timestamptz, j json, jb jsonb, b boolean, i integer, big bigint)`;
const copied: BulkInsert = { table: 'by_copy', columns: COLUMNS, tail: 'on conflict ("k") do nothing', orderBy: 'k', copy: { key: 'by_copy_pkey' } };
const arrays: BulkInsert = { table: 'by_arrays', columns: COLUMNS, tail: 'on conflict ("k") do nothing', orderBy: 'k' };

let db: TestDatabase;
let store: Store;
const sql = <R = Record<string, unknown>>(text: string) => store.em().getConnection().execute<R[]>(text);
/** Every row of a table as PostgreSQL prints it, in key order. */
const printed = (table: string) => sql(`select k, t, n::text, ts::text, j::text, jb::text, b::text, i::text, big::text from "${table}" order by k collate "C"`);

beforeAll(async () => {
  db = await createTestDatabase('postgresql');
  store = await openStore({ dbUrl: db.url });
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

async function writeBoth(rows: Record<string, unknown>[]): Promise<void> {
  for (const table of ['by_copy', 'by_arrays']) await sql(`drop table if exists "${table}"`).then(() => sql(TABLE_SQL(table)));
  expect(await withWriteTransaction(store, (writer) => insertRows(writer, copied, rows))).toBe(rows.length);
  expect(await withWriteTransaction(store, (writer) => insertRows(writer, arrays, rows))).toBe(rows.length);
}

/** Texts COPY's text format reads specially, and some it does not. */
const AWKWARD = ['a\tb', 'line\nbreak', 'a\rb', 'cr\rlf\r\n', 'back\\slash', '\\N', '\\.', 'end\\', '"quoted"', "it's", 'ünï €', '😀 astral', '', ' ', '\u2028\u2029', '\\t\\n literally', 'null', 'NULL'];

describe('COPY and the JSON arrays store the same rows on PostgreSQL', () => {
  it('texts with tabs, line breaks, backslashes, \\N and \\. are stored as they are, in text and inside JSON', async () => {
    const rows = AWKWARD.map((t, i) => ({
      k: `k${i} ${t}`,
      t,
      n: i % 2 === 0 ? '12345678901234567890.000000000001' : -0.5,
      ts: '2026-01-05T10:00:00.123456Z',
      j: { t, nested: [t, { deeper: t }], n: null },
      jb: JSON.stringify({ t, list: [1, 2.5, true, null] }),
      b: i % 2 === 0,
      i,
      big: 9007199254740993n + BigInt(i),
    }));
    await writeBoth(rows);
    const byCopy = await printed('by_copy');
    expect(byCopy).toEqual(await printed('by_arrays'));
    expect(byCopy.map((r) => r.t as string).sort()).toEqual([...AWKWARD].sort());
  });

  it('a missing value, a JSON null and a number JSON cannot write are all NULL, as in the JSON arrays', async () => {
    const rows = [
      { k: 'absent' },
      { k: 'nulls', t: null, n: null, ts: null, j: null, jb: 'null', b: null, i: null, big: null },
      { k: 'not finite', n: Number.NaN, i: Number.POSITIVE_INFINITY, j: 'null', jb: null },
      { k: 'json text', j: '{"b": 1,  "a": [ 1 ]}', jb: '"\\\\N"', t: 'x' },
    ];
    await writeBoth(rows);
    const byCopy = await printed('by_copy');
    expect(byCopy).toEqual(await printed('by_arrays'));
    expect(byCopy.find((r) => r.k === 'not finite')).toMatchObject({ n: null, i: null, j: null });
    // a JSON column's text is written as JSON.stringify writes its value, in both forms
    expect(byCopy.find((r) => r.k === 'json text')).toMatchObject({ j: '{"b":1,"a":[1]}', jb: '"\\\\N"' });
  });

  it('a lone surrogate, which UTF-8 cannot carry, is refused by both forms as a dead letter, not stored as U+FFFD', async () => {
    for (const t of ['lone \ud800 high', 'lone \udc00 low']) {
      for (const insert of [copied, arrays]) {
        await sql(`drop table if exists "${insert.table}"`).then(() => sql(TABLE_SQL(insert.table)));
        const error = await withWriteTransaction(store, (writer) => insertRows(writer, insert, [{ k: 'k', t }])).catch((e: unknown) => e);
        expect(classifyFailure(error), `${insert.table}: ${String(error)}`).toBe(FailureClass.DeadLetter);
        expect(await sql(`select * from "${insert.table}"`)).toEqual([]);
      }
    }
  });

  it('a batch of long and short rows (up to 100,000 characters) is stored whole and alike', async () => {
    const sizes = [0, 1, 32_767, 32_768, 100_000, ...Array.from({ length: 300 }, (_, i) => (i * 997) % 3_001)];
    // the first `size` code units, a surrogate pair cut in half made whole with a y
    const cut = (text: string, size: number) => text.slice(0, size).replace(/[\ud800-\udbff]$/, 'y');
    const rows = sizes.map((size, i) => {
      const t = cut(`${AWKWARD[i % AWKWARD.length] ?? ''}x`.repeat(size), size);
      return { k: `k${String(i).padStart(3, '0')}`, t, j: { t: cut(t, 50), i }, i };
    });
    await writeBoth(rows);
    const byCopy = await printed('by_copy');
    expect(byCopy).toEqual(await printed('by_arrays'));
    expect(byCopy.map((r) => (r.t as string).length)).toEqual(sizes);
    // a lone surrogate in the last row: refused before the copy starts, none of the rows before it written
    await sql('drop table if exists "by_copy"').then(() => sql(TABLE_SQL('by_copy')));
    const error = await withWriteTransaction(store, (writer) => insertRows(writer, copied, [...rows, { k: 'zzz', t: 'lone \ud800' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('a text holds a lone surrogate, which is not Unicode and cannot be stored');
    expect(await sql('select count(*)::int as n from "by_copy"')).toEqual([{ n: 0 }]);
  });

  it('an object, a Date, a function or a symbol is stored as the JSON arrays store it, in a JSON column or not', async () => {
    const rows = [
      { k: 'object in text', t: { a: 'b\tc\\', n: [1, null] }, jb: { z: 1, a: 'x' } },
      { k: 'array in text', t: ['x', 'y\nz'] },
      { k: 'string in an object', t: { s: '"quoted"' } },
      { k: 'date', ts: new Date('2026-01-05T10:00:00.123Z'), t: new Date('2026-01-06T00:00:00Z') },
      { k: 'function', t: () => 1, j: () => 2 },
      { k: 'symbol', t: Symbol('s'), jb: Symbol('j') },
    ];
    await writeBoth(rows);
    const byCopy = await printed('by_copy');
    expect(byCopy).toEqual(await printed('by_arrays'));
    expect(byCopy.find((r) => r.k === 'object in text')).toMatchObject({ t: '{"a":"b\\tc\\\\","n":[1,null]}', jb: '{"a": "x", "z": 1}' });
    expect(byCopy.find((r) => r.k === 'date')).toMatchObject({ t: '2026-01-06T00:00:00.000Z' });
    expect(byCopy.find((r) => r.k === 'function')).toMatchObject({ t: null, j: null });
    expect(byCopy.find((r) => r.k === 'symbol')).toMatchObject({ t: null, jb: null });
  });

  it("COPY writes the rows in its orderBy's order, by UTF-16 code units as every lane sorts them (their lock order)", async () => {
    const columns: BulkColumn[] = [
      { name: 'group_key', pgType: 'text' },
      { name: 'sort_key', pgType: 'text' },
    ];
    const byOne: BulkInsert = { table: 'by_order', columns, orderBy: 'sort_key', copy: { key: 'by_order_pkey' } };
    const byTwo: BulkInsert = { ...byOne, orderBy: ['group_key', 'sort_key'] };
    const keys = ['b', 'a', 'B', 'é', '\u{1F600}', '\uFB00', 'a0', ''];
    const rows = keys.map((k, i) => ({ group_key: i % 2 === 0 ? 'even' : 'odd', sort_key: k }));
    /** the keys in the order the rows went into a new table */
    const written = async (insert: BulkInsert) => {
      await sql('drop table if exists "by_order"').then(() => sql('create table "by_order" (group_key text, sort_key text primary key)'));
      await withWriteTransaction(store, (writer) => insertRows(writer, insert, rows));
      return (await sql<{ sort_key: string }>('select sort_key from "by_order" order by ctid')).map((r) => r.sort_key);
    };
    // the astral character's high surrogate (U+D83D) sorts before U+FB00, though its code point is above it
    expect(await written(byOne)).toEqual(['', 'B', 'a', 'a0', 'b', 'é', '\u{1F600}', '\uFB00']);
    expect(await written(byTwo)).toEqual(['B', 'a0', 'b', '\u{1F600}', '', 'a', 'é', '\uFB00']);
  });

  it('any storable text (well-formed, without NUL) is stored alike by both forms', async () => {
    const storable = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\u0000/g, ''));
    const special = fc.constantFrom(...AWKWARD);
    const text = fc.oneof(storable, special, fc.array(special, { maxLength: 4 }).map((a) => a.join('')));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(text, text), { minLength: 1, maxLength: 20, selector: ([k]) => k }), async (pairs) => {
        const rows = pairs.map(([k, t]) => ({ k, t, j: { t, k }, jb: [t] }));
        await writeBoth(rows);
        expect(await printed('by_copy')).toEqual(await printed('by_arrays'));
      }),
      { numRuns: propertyRuns(25) },
    );
  });
});

describe('a COPY that meets a taken key', () => {
  it('throws ConcurrentInsert (a race, run again), and the transaction writes nothing', async () => {
    await sql('drop table if exists "by_copy"').then(() => sql(TABLE_SQL('by_copy')));
    await withWriteTransaction(store, (writer) => insertRows(writer, copied, [{ k: 'taken' }]));
    const error = await withWriteTransaction(store, async (writer) => {
      await insertRows(writer, copied, [{ k: 'new one' }]);
      return insertRows(writer, copied, [{ k: 'another' }, { k: 'taken' }]);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentInsert);
    expect((error as Error).message).toBe('a row of by_copy was written concurrently (by_copy_pkey)');
    expect((await sql<{ k: string }>('select k from "by_copy"')).map((r) => r.k)).toEqual(['taken']);
  });

  it("another unique constraint's violation is the database refusing the rows (a dead letter), not a race", async () => {
    await sql('drop table if exists "by_copy"').then(() => sql(TABLE_SQL('by_copy')));
    await sql('alter table "by_copy" add constraint "by_copy_t_key" unique ("t")');
    const error = await withWriteTransaction(store, (writer) => insertRows(writer, copied, [{ k: 'a', t: 'same' }, { k: 'b', t: 'same' }])).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ConcurrentInsert);
    expect(error).toMatchObject({ code: '23505', constraint: 'by_copy_t_key' });
    expect(classifyFailure(error)).toBe(FailureClass.DeadLetter);
  });

  it('in applyBatch, an event id already stored for another signal is a dead letter of that event only, as before COPY', async () => {
    const generated = (signalId: string, eventId: string) =>
      parseMessage({
        topic: 'signals.generated',
        key: signalId,
        value: JSON.stringify({ signal_id: signalId, event_id: eventId, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1 }),
        source: { type: 'file', file: 'copy', line: 1, topic: 'signals.generated', key: signalId },
      });
    await applyBatch(store, [generated('S-1', 'E-1')]);
    const result = await applyBatch(store, [generated('S-2', 'E-1'), generated('S-3', 'E-3')]);
    expect(result).toMatchObject({ applied: 1, deadLetters: 1 });
    // found by the rerun that looks every id up, not by the database refusing the batch's COPY
    const [problems] = await sql<{ problems: string }>('select problems::text as problems from dead_letters');
    expect(problems?.problems).toContain('event_id \\"E-1\\" already belongs to signal \\"S-1\\"');
    const events = await sql<{ event_id: string; signal_id: string }>('select event_id, signal_id from signal_events order by event_id');
    expect(events).toEqual([
      { event_id: 'E-1', signal_id: 'S-1' },
      { event_id: 'E-3', signal_id: 'S-3' },
    ]);
  });
});

describe('COPYs in turn and side by side', () => {
  it('COPYs one after another, side by side, or after one that failed, each store their own rows only', async () => {
    const rowsOf = (tag: string, n: number, size: number) => Array.from({ length: n }, (_, i) => ({ k: `${tag}${String(i).padStart(4, '0')}`, t: `${tag}é`.repeat(size), i }));
    const texts = async () => (await sql<{ k: string; t: string }>('select k, t from "by_copy" order by k collate "C"')).map((r) => `${r.k}=${r.t}`);
    const expected = (rows: { k: string; t: string }[]) => rows.map((r) => `${r.k}=${r.t}`).sort();
    // long rows, then one short row: only the short row's bytes are sent (nothing of the long batch's data again)
    const long = rowsOf('a', 400, 3_000);
    const short = rowsOf('b', 1, 2);
    await writeBoth(long);
    expect(await withWriteTransaction(store, (writer) => insertRows(writer, copied, short))).toBe(1);
    expect(await texts()).toEqual(expected([...long, ...short]));
    // into an empty table: two COPYs in flight at once, as two lanes send them, then one that fails on a taken key and
    // writes none of its rows, then one more
    await sql('drop table if exists "by_copy"').then(() => sql(TABLE_SQL('by_copy')));
    const [left, right] = [rowsOf('c', 300, 500), rowsOf('d', 700, 40)];
    const written = await Promise.all([left, right].map((rows) => withWriteTransaction(store, (writer) => insertRows(writer, copied, rows))));
    expect(written).toEqual([300, 700]);
    const taken = await withWriteTransaction(store, (writer) => insertRows(writer, copied, [...rowsOf('e', 50, 900), ...left.slice(0, 1)])).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(ConcurrentInsert);
    const last = rowsOf('f', 3, 7);
    expect(await withWriteTransaction(store, (writer) => insertRows(writer, copied, last))).toBe(3);
    expect(await texts()).toEqual(expected([...left, ...right, ...last]));
  });
});
