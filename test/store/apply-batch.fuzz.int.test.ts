import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, keyText, parseMessage, type ParsedMessage, quote } from '../../src/contract/index.ts';
import { ErrorCode, LedgerError } from '../../src/errors.ts';
import { SignalStatus } from '../../src/fold/index.ts';
import { type ApplyResult, applyBatch, findRollupDrift, readCheckpoints, openStore, type Store } from '../../src/store/index.ts';
import { canonicalDecimal } from '../../src/numeric/index.ts';
import { findSignals, SignalRepository } from '../../src/api/index.ts';
import { createTestDatabase, type DatabaseKind, type TestDatabase, withTestStore } from '../helpers/databases.ts';
import { anyMessageArb, type HostileMessage, nestedText, rawJson, serialize } from '../helpers/hostile-messages.ts';
import { propertyTimeLimit } from '../helpers/property-runs.ts';

const KINDS = ['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[];
const TABLES = ['signals', 'signal_events', 'dead_letters', 'signal_rollups', 'dead_letter_rollups', 'consumer_checkpoints'];
const RECEIVED_AT = Date.parse('2026-11-26T00:00:00Z');

interface Opened {
  kind: DatabaseKind;
  db: TestDatabase;
  store: Store;
}

/** Opens a fresh SQLite file and a fresh PostgreSQL database for the describe block, and drops them after it. */
function bothDatabases(): Opened[] {
  const opened: Opened[] = [];
  beforeAll(async () => {
    for (const kind of KINDS) {
      const db = await createTestDatabase(kind);
      opened.push({ kind, db, store: await openStore({ dbUrl: db.url }) });
    }
  });
  afterAll(async () => {
    for (const { store, db } of opened) {
      await store.close();
      await db.drop();
    }
  });
  return opened;
}

const sql = <R = Record<string, unknown>>(store: Store, text: string, params: unknown[] = []) => store.em().getConnection().execute<R[]>(text, params);
const countRows = async (store: Store, table: string) => Number((await sql<{ n: number | string }>(store, `select count(*) as n from "${table}"`))[0]?.n);

/** The PostgreSQL type of each column of a table, which says how to read both databases' values alike. */
async function columnTypes(pg: Store, table: string): Promise<Map<string, string>> {
  const rows = await sql<{ column_name: string; data_type: string }>(
    pg,
    `select column_name, data_type from information_schema.columns where table_schema = current_schema() and table_name = ? order by ordinal_position`,
    [table],
  );
  return new Map(rows.map((r) => [r.column_name, r.data_type]));
}

/**
 * Every row of a table (but the serial id), each value as text both databases print alike: timestamps in
 * UTC with microseconds, numbers as their digits, JSON as canonical JSON, booleans as true/false; rows
 * sorted by `key` in code-unit order (the databases' collations may differ).
 */
async function normalizedRows(store: Store, table: string, types: Map<string, string>, key: readonly string[], canonicalNumbers: boolean): Promise<Record<string, unknown>[]> {
  const columns = [...types.keys()].filter((c) => c !== 'id');
  const select = columns
    .map((c) => {
      const type = types.get(c) as string;
      // integers as text on SQLite too: better-sqlite3 reads them as doubles, which cannot hold past 2^53
      if (store.dialect === 'sqlite') return /^(bigint|integer)$/.test(type) ? `cast("${c}" as text) as "${c}"` : `"${c}"`;
      if (type === 'timestamp with time zone') return `to_char("${c}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "${c}"`;
      return /^(numeric|bigint|integer|smallint|jsonb|json|boolean)$/.test(type) ? `"${c}"::text as "${c}"` : `"${c}"`;
    })
    .join(', ');
  const rows = await sql(store, `select ${select} from "${table}"`);
  const out = rows.map((row) =>
    Object.fromEntries(
      columns.map((c) => {
        const v = row[c];
        const type = types.get(c) as string;
        if (v === null || v === undefined) return [c, null];
        if (type === 'json' || type === 'jsonb') return [c, canonicalJson(JSON.parse(String(v)))];
        if (type === 'boolean') return [c, v === true || v === 1 || v === 'true'];
        return [c, canonicalNumbers && type === 'numeric' ? canonicalDecimal(v) : String(v)];
      }),
    ),
  );
  const keyOf = (row: Record<string, unknown>) => key.map((c) => String(row[c])).join('\u0001');
  return out.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

const short = (v: unknown) => {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 240 ? `${text.slice(0, 200)}…(${text.length} chars)` : text;
};

/** Fails with the first rows and columns where two tables differ, values cut short (a payload may be 1 MiB). */
function expectSameRows(table: string, a: Record<string, unknown>[], b: Record<string, unknown>[]): void {
  const differences: string[] = [];
  if (a.length !== b.length) differences.push(`${a.length} rows on sqlite, ${b.length} on postgresql`);
  for (let i = 0; i < Math.min(a.length, b.length) && differences.length < 5; i++) {
    const x = a[i] as Record<string, unknown>;
    const y = b[i] as Record<string, unknown>;
    for (const c of Object.keys(x)) if (x[c] !== y[c]) differences.push(`row ${i} ${c}: sqlite ${short(x[c])}, postgresql ${short(y[c])}`);
  }
  expect(differences, `${table} differs between the databases`).toEqual([]);
}

/**
 * The tables of record and the rollups kept with them (every batch adds to slot 0 here), with their keys.
 * A rollup's sums are read back canonical, as analytics read them (PostgreSQL keeps 1.50 - 1.50 as 0.00).
 */
const COMPARED: readonly [string, readonly string[], boolean][] = [
  ['signals', ['signal_id'], false],
  ['signal_events', ['event_id'], false],
  ['dead_letters', ['dedupe_key'], false],
  ['signal_rollups', ['day', 'strategy_name', 'symbol', 'slot'], true],
  ['dead_letter_rollups', ['day', 'topic'], true],
  ['consumer_checkpoints', ['group_id', 'topic', 'partition'], false],
];

/** The tables of record and the rollups on both databases, compared column by column. */
async function expectSameTables(sqlite: Store, pg: Store): Promise<void> {
  for (const [table, key, canonicalNumbers] of COMPARED) {
    const types = await columnTypes(pg, table);
    const sqliteColumns = (await sql<{ name: string }>(sqlite, `pragma table_info("${table}")`)).map((c) => c.name);
    expect(sqliteColumns.sort(), `the columns of ${table}`).toEqual([...types.keys()].sort());
    expectSameRows(table, await normalizedRows(sqlite, table, types, key, canonicalNumbers), await normalizedRows(pg, table, types, key, canonicalNumbers));
  }
}

const rawMessageOf = (m: HostileMessage, offset: number) => {
  const key = keyText(m.key);
  return { topic: m.topic, key, value: m.value, source: { type: 'kafka' as const, topic: m.topic, partition: 0, offset: String(offset), key } };
};

type Outcome = ApplyResult['outcomes'][number];
type Owners = Map<string, { signalId: string; contentHash: string }>;

/**
 * What the ledger must make of each message of a batch, from the event ids recorded by earlier batches
 * (`owners`, updated here): a new id is applied (the first message of the batch that claims it); the same
 * id with the same content is a duplicate; with other content a dead letter, naming the owner when the
 * owner is another signal. A copy of a message that is itself a dead letter may be a duplicate of it.
 */
function expectedOutcomes(parsed: readonly ParsedMessage[], owners: Owners): { allowed: Outcome[]; owner: string | null }[] {
  const claimed: Owners = new Map();
  const refused = new Set<string>();
  const out = parsed.map((m) => {
    if (!m.ok) return { allowed: ['dead-letter' as Outcome], owner: null };
    const { eventId, signalId } = m.event;
    const prior = owners.get(eventId) ?? claimed.get(eventId);
    if (prior === undefined) {
      claimed.set(eventId, { signalId, contentHash: m.contentHash });
      return { allowed: ['applied' as Outcome], owner: null };
    }
    if (prior.contentHash === m.contentHash) return { allowed: ['duplicate' as Outcome], owner: null };
    const copy = refused.has(`${eventId}\n${m.contentHash}`);
    refused.add(`${eventId}\n${m.contentHash}`);
    return { allowed: copy ? ['dead-letter', 'duplicate'] as Outcome[] : ['dead-letter' as Outcome], owner: prior.signalId === signalId ? null : prior.signalId };
  });
  for (const [id, owner] of claimed) owners.set(id, owner);
  return out;
}

/** A run: messages (valid, mutated, noise), some of them delivered again, cut into batches of the given sizes. */
const runArb = fc
  .record({
    messages: fc.array(anyMessageArb({ legalTopics: true }), { minLength: 1, maxLength: 24 }),
    again: fc.array(fc.nat(), { maxLength: 5 }),
    sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ messages, again, sizes }) => {
    const all = [...messages];
    for (const i of again) all.splice((i * 7) % (all.length + 1), 0, messages[i % messages.length] as HostileMessage);
    const batches: HostileMessage[][] = [];
    for (let at = 0, s = 0; at < all.length; s++) {
      const size = sizes[s % sizes.length] as number;
      batches.push(all.slice(at, at + size));
      at += size;
    }
    return batches;
  });

describe('applyBatch on hostile batches, on a SQLite file and on PostgreSQL', () => {
  const dbs = bothDatabases();
  let offset = 0;
  /** Both stores with every table emptied. */
  const emptied = async (): Promise<[Store, Store]> => {
    for (const { store } of dbs) for (const table of TABLES) await sql(store, `delete from "${table}"`);
    return dbs.map((d) => d.store) as [Store, Store];
  };
  let reusedAcrossSignals = 0;

  it('never throws for a message, accounts for every message, records every dead letter, leaves both databases equal, and keeps rollups equal to a rebuild from the rows', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async (batches) => {
        const [sqlite, pg] = await emptied();
        const owners: Owners = new Map();
        const deadLettered: { topic: string; offset: string; owner: string | null }[] = [];
        let deadLetters = 0;
        for (const [b, batch] of batches.entries()) {
          const parsed: ParsedMessage[] = batch.map((m) => parseMessage(rawMessageOf(m, ++offset)));
          const receivedAt = new Date(RECEIVED_AT + b * 1000);
          // as the worker does: the batch's transaction also records where the partition is read up to
          const checkpoints = [{ groupId: 'fuzz', topic: 'fuzz-partition', partition: 0, nextOffset: String(offset + 1) }];
          const results: ApplyResult[] = [];
          for (const store of [sqlite, pg]) {
            results.push(await applyBatch(store, parsed, { receivedAt, checkpoints }));
            expect(await readCheckpoints(store, 'fuzz')).toEqual(checkpoints);
          }
          const [r, rPg] = results as [ApplyResult, ApplyResult];
          expect(rPg, 'the same batch gives the same result on both databases').toEqual(r);
          expect(r.received).toBe(batch.length);
          expect(r.applied + r.duplicates + r.deadLetters).toBe(r.received);
          expect(r.outcomes).toHaveLength(batch.length);
          expect(r.outcomes.filter((o) => o === 'applied')).toHaveLength(r.applied);
          expect(r.outcomes.filter((o) => o === 'duplicate')).toHaveLength(r.duplicates);
          const expected = expectedOutcomes(parsed, owners);
          const unexpected = r.outcomes.flatMap((o, i) => (expected[i]?.allowed.includes(o) ? [] : [`#${i} ${batch[i]?.label}: ${o}, expected ${expected[i]?.allowed.join(' or ')}`]));
          expect(unexpected, `outcomes of batch ${b}: ${batch.map((m, i) => `#${i} ${m.label}`).join('; ')}`).toEqual([]);
          parsed.forEach((m, i) => {
            if (r.outcomes[i] === 'dead-letter') deadLettered.push({ topic: (m.source as { topic: string }).topic, offset: (m.source as { offset: string }).offset, owner: expected[i]?.owner ?? null });
          });
          deadLetters += r.deadLetters;
        }
        for (const store of [sqlite, pg]) {
          // every message has its own offset, so every dead letter has its own row
          expect(await countRows(store, 'dead_letters')).toBe(deadLetters);
          const rows = await sql<{ topic: string; offset: string | number; problems: unknown }>(store, 'select "topic", "offset", "problems" from "dead_letters"');
          const byPlace = new Map(rows.map((row) => [`${row.topic}@${row.offset}`, row]));
          for (const d of deadLettered) {
            const row = byPlace.get(`${d.topic}@${d.offset}`);
            expect(row, `dead letter of ${d.topic}@${d.offset}`).toBeDefined();
            if (d.owner === null) continue;
            reusedAcrossSignals++;
            const problems = (typeof row?.problems === 'string' ? JSON.parse(row.problems) : row?.problems) as { path: string; message: string }[];
            expect(problems.some((p) => p.path === '$.event_id' && p.message.includes(quote(d.owner as string))), `the problem of ${d.topic}@${d.offset} names the owner ${d.owner}`).toBe(true);
          }
        }
        await expectSameTables(sqlite, pg);
        // the rollups kept batch by batch (the written rows' measures computed in Node) equal a rebuild from the rows by SQL
        for (const store of [sqlite, pg]) expect((await findRollupDrift(store)).drift, `rollup drift on ${store.dialect}`).toEqual([]);
      }),
      { numRuns: 50, interruptAfterTimeLimit: propertyTimeLimit(45_000) },
    );
    // how often the runs reused an event id across signals (the rule itself is pinned by the examples
    // below and by test/store/apply-batch.safety-net.int.test.ts: a loaded machine may cut the runs short)
    process.stderr.write(`apply fuzz: ${reusedAcrossSignals} event ids reused across signals\n`);
  });

  it('never throws for file lines with hostile topics and keys, and leaves both databases equal', async () => {
    const lines = fc.array(anyMessageArb(), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.array(lines, { minLength: 1, maxLength: 3 }), async (batches) => {
        const [sqlite, pg] = await emptied();
        let line = 0;
        for (const [b, batch] of batches.entries()) {
          // as file ingest hands lines over: the topic as written, the key made storable
          const parsed = batch.map((m) => {
            const key = keyText(m.key);
            return parseMessage({ topic: m.topic, key, value: m.value, source: { type: 'file', file: 'hostile.ndjson', line: ++line, topic: m.topic, key } });
          });
          const results: ApplyResult[] = [];
          for (const store of [sqlite, pg]) results.push(await applyBatch(store, parsed, { receivedAt: new Date(RECEIVED_AT + b * 1000) }));
          const [r, rPg] = results as [ApplyResult, ApplyResult];
          expect(rPg).toEqual(r);
          expect(r.applied + r.duplicates + r.deadLetters).toBe(batch.length);
        }
        await expectSameTables(sqlite, pg);
      }),
      { numRuns: 15, interruptAfterTimeLimit: propertyTimeLimit(20_000) },
    );
  });

  it.each([
    ['bytes with NUL before the error', Buffer.from('x\u0000')],
    ['bytes with NUL where a value goes', Buffer.from('{"signal_id":\u0000}')],
    ['a string with a lone surrogate where a value goes', '{"signal_id":"s","passed":\ud800}'],
  ])('a message that is not JSON, %s, is a dead letter on both databases alike', async (_name, value) => {
    const [sqlite, pg] = await emptied();
    const m = parseMessage(rawMessageOf({ label: 'not JSON', topic: 'signals.risk', key: null, value, expect: 'reject' }, ++offset));
    for (const store of [sqlite, pg]) {
      const r = await applyBatch(store, [m], { receivedAt: new Date(RECEIVED_AT) });
      expect(r.outcomes).toEqual(['dead-letter']);
      expect(await countRows(store, 'dead_letters')).toBe(1);
    }
    await expectSameTables(sqlite, pg);
  });

  it('an event_id owned by an earlier batch stays with its owner in a batch where other signals reuse it: they are dead letters naming the owner, and its redelivery is a duplicate', async () => {
    const [sqlite, pg] = await emptied();
    const risk = (signalId: string) => ({ label: signalId, topic: 'signals.risk', key: null, value: JSON.stringify({ signal_id: signalId, occurred_at: '2026-01-05T10:00:00Z', event_id: 'ev-shared', passed: true }), expect: 'accept' as const });
    const owner = parseMessage(rawMessageOf(risk('sig-owner'), ++offset));
    const batch = ['sig-intruder', 'sig-other', 'sig-owner'].map((id) => parseMessage(rawMessageOf(risk(id), ++offset)));
    const offsetOf = (m: ParsedMessage) => (m.source as { offset: string }).offset;
    for (const store of [sqlite, pg]) {
      expect((await applyBatch(store, [owner], { receivedAt: new Date(RECEIVED_AT) })).outcomes).toEqual(['applied']);
      const r = await applyBatch(store, batch, { receivedAt: new Date(RECEIVED_AT) });
      const rows = await sql<{ offset: string | number; problems: unknown }>(store, 'select "offset", "problems" from "dead_letters"');
      const problems = Object.fromEntries(rows.map((row) => [String(row.offset), typeof row.problems === 'string' ? JSON.parse(row.problems) : row.problems]));
      const namesOwner = [{ path: '$.event_id', message: expect.stringContaining('belongs to signal "sig-owner"') }];
      expect({ outcomes: r.outcomes, problems }).toEqual({
        outcomes: ['dead-letter', 'dead-letter', 'duplicate'],
        problems: { [offsetOf(batch[0] as ParsedMessage)]: namesOwner, [offsetOf(batch[1] as ParsedMessage)]: namesOwner },
      });
    }
  });
});

describe.each(KINDS)('valid values at the edges on %s', (kind) => {
  it('stores the latency between two events of the year 9999 to the microsecond', async () => {
    const generated = { signal_id: 's', occurred_at: '9999-12-31T23:59:58.000001Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: '0.5', sharpe_estimate: '1', entry_price: '1' };
    const risk = { signal_id: 's', occurred_at: '9999-12-31T23:59:58.000002Z', passed: true };
    const messages = [
      ['signals.generated', generated],
      ['signals.risk', risk],
    ].map(([topic, value]) => parseMessage({ topic: topic as string, value: JSON.stringify(value), source: { type: 'api' } }));
    const latency = await withTestStore(kind, async (store) => {
      await applyBatch(store, messages, { receivedAt: new Date(RECEIVED_AT) });
      return (await sql<{ us: string | number }>(store, 'select "latency_to_risk_us" as "us" from "signals"'))[0]?.us;
    });
    expect(String(latency)).toBe('1');
  });

  it('the order of two fills does not decide the record when their prices differ only in digits a double cannot hold', async () => {
    const at = (s: number) => `2026-01-05T10:00:0${s}Z`;
    const generated = { signal_id: 's', occurred_at: at(0), strategy_name: 'm', symbol: 'A', side: 'buy', confidence: '0.5', sharpe_estimate: '1', entry_price: '1000000000000000' };
    const submitted = { signal_id: 's', occurred_at: at(1), order_id: 'o', quantity: '2' };
    // no event_id: each is derived from the content; 1000000000000000.32 and .37 are the same double
    const fill = (price: string) => serialize({ signal_id: 's', occurred_at: at(2), order_id: 'o', price: rawJson(price), quantity: '1' });
    const messages = [
      ['signals.generated', JSON.stringify(generated)],
      ['orders.submitted', JSON.stringify(submitted)],
      ['orders.filled', fill('1000000000000000.32')],
      ['orders.filled', fill('1000000000000000.37')],
    ].map(([topic, value], i) => parseMessage({ topic: topic as string, value: value as string, source: { type: 'file', file: 'fills.ndjson', line: i + 1, topic: topic as string, key: null } }));
    const recordAfter = (order: ParsedMessage[]) =>
      withTestStore(kind, async (store) => {
        await applyBatch(store, order, { receivedAt: new Date(RECEIVED_AT) });
        const [record] = await findSignals(store, {}, {});
        return { executedPrice: record?.executedPrice, executedQuantity: record?.executedQuantity, version: record?.version };
      });
    const [g, s, a, b] = messages as [ParsedMessage, ParsedMessage, ParsedMessage, ParsedMessage];
    expect(await recordAfter([g, s, b, a])).toEqual(await recordAfter([g, s, a, b]));
  });
});

const deep = (levels: number): Record<string, unknown> => JSON.parse(nestedText(levels, 'object')) as Record<string, unknown>;
const signal = { symbol: 'AAPL', side: 'buy' as const, confidence: 0.8, sharpeEstimate: 1.5, entryPrice: 150 };

/** Repository calls with a field neither database can store alike, and the field the error must name. */
const HOSTILE_CALLS: [string, RegExp, (repo: SignalRepository) => Promise<unknown>][] = [
  ['saveSignal with NUL in the symbol', /symbol/, (repo) => repo.saveSignal({ ...signal, symbol: 'AA\u0000PL' })],
  ['saveSignal with a lone surrogate in strategyName', /strategy_?name/i, (repo) => repo.saveSignal({ ...signal, strategyName: 'momentum\ud800' })],
  ['saveSignal with signalMetadata 100 levels deep', /signal_?metadata/i, (repo) => repo.saveSignal(signal, { signalMetadata: deep(100) as never })],
  ['saveSignal with a signalId of 129 characters', /signal_?id/i, (repo) => repo.saveSignal(signal, { signalId: 's'.repeat(129) })],
  ['saveSignal with an entryPrice of 1e999999999', /entry_?price/i, (repo) => repo.saveSignal({ ...signal, entryPrice: '1e999999999' })],
  ['saveSignal generated in the year 10000', /generatedAt/, (repo) => repo.saveSignal(signal, { generatedAt: new Date(Date.UTC(10_000, 0, 1)) })],
  ['saveSignal expiring in the year 10000', /expiresAt/, (repo) => repo.saveSignal(signal, { expiresAt: '10000-01-01T00:00:00Z' })],
  ['updateSignalStatus with NUL in rejectionReason', /rejectionReason/, (repo) => repo.updateSignalStatus('base', SignalStatus.Rejected, { rejectionReason: 'limit\u0000' })],
  ['updateSignalStatus with riskCheckDetails 100 levels deep', /riskCheckDetails|risk_check_details/, (repo) => repo.updateSignalStatus('base', SignalStatus.Rejected, { rejectionReason: 'x', riskCheckDetails: deep(100) as never })],
  ['updateSignalStatus with a lone surrogate in a signalMetadata key', /signalMetadata/, (repo) => repo.updateSignalStatus('base', SignalStatus.Submitted, { signalMetadata: { ['k\udc00']: 1 } })],
  ['updateSignalStatus with a lone surrogate in an outcome reason', /reason/, (repo) => repo.updateSignalStatus('base', SignalStatus.Cancelled, { reason: '\ud800' })],
  ['updateSignalStatus executed in the year 10000', /executedAt/, (repo) => repo.updateSignalStatus('base', SignalStatus.Executed, { executedAt: new Date(Date.UTC(10_000, 0, 1)) })],
  ['updateSignalStatus with an executedPrice of 100,000 digits', /executedPrice/, (repo) => repo.updateSignalStatus('base', SignalStatus.Executed, { executedPrice: '9'.repeat(100_000) })],
  ['updateSignalStatus with an orderId of 129 characters', /orderId/, (repo) => repo.updateSignalStatus('base', SignalStatus.Submitted, { orderId: 'o'.repeat(129) })],
  ['updateSignalStatus with a signalType of 65 characters', /signalType/, (repo) => repo.updateSignalStatus('base', SignalStatus.Submitted, { signalType: 't'.repeat(65) })],
];

describe('the repository API refuses fields it cannot store alike, on both databases', () => {
  const dbs = bothDatabases();
  beforeAll(async () => {
    for (const { store } of dbs) await SignalRepository.fromStore(store).saveSignal(signal, { signalId: 'base', generatedAt: '2026-01-05T10:00:00Z' });
  });

  const stateOf = async (store: Store) => ({
    signals: await countRows(store, 'signals'),
    events: await countRows(store, 'signal_events'),
    deadLetters: await countRows(store, 'dead_letters'),
    base: canonicalJson(await SignalRepository.fromStore(store).getSignalById('base')),
  });

  it.each(HOSTILE_CALLS)('%s throws INPUT_INVALID naming the field, alike on both, and writes nothing', async (_name, field, call) => {
    const errors: { code: unknown; message: string }[] = [];
    for (const { kind, store } of dbs) {
      const before = await stateOf(store);
      const error = await call(SignalRepository.fromStore(store)).then(
        () => new Error(`${kind}: the call succeeded`),
        (e: unknown) => e,
      );
      expect(error, `${kind}: ${String(error)}`).toBeInstanceOf(LedgerError);
      const e = error as LedgerError;
      expect(e.code, `${kind}: ${e.message}`).toBe(ErrorCode.InputInvalid);
      expect(e.message.slice(0, 300), kind).toMatch(field);
      expect(await stateOf(store), `${kind}: nothing is written`).toEqual(before);
      errors.push({ code: e.code, message: e.message });
    }
    expect(errors[1]).toEqual(errors[0]);
  });
});
