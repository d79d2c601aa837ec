// verifyLedger on SQLite and PostgreSQL: a ledger written by the apply path (shuffled, redelivered, with bad
// lines and repository calls) verifies clean, and each kind of edit by SQL is found and named: a record field,
// a derived column, the fold state, an audit payload, a payload that no longer parses, a deleted or an added
// audit row, a deleted record, a rollup figure. Then a property: one random edit of a random row is reported.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalRepository } from '../../src/api/index.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore, type SignalDrift, type Store, verifyLedger } from '../../src/store/index.ts';
import { blockStore, createTestDatabase, type DatabaseKind, type TestDatabase } from '../helpers/databases.ts';
import { propertyRuns } from '../helpers/property-runs.ts';
import { applyAll, shuffled, toMessages } from '../helpers/workload.ts';

const KINDS = ['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[];
const sql = <R = Record<string, unknown>>(store: Store, text: string, params: unknown[] = []) => store.em().getConnection().execute<R[]>(text, params);

/** A ledger of 60 signals from the generator (redeliveries, out-of-order and bad lines, shuffled), plus one signal written by repository calls. */
async function fill(store: Store): Promise<void> {
  const lines = [...generateEvents({ signals: 60, duplicates: 0.1, outOfOrder: 0.2, bad: 0.05, seed: 11 })];
  await applyAll(store, shuffled(toMessages(lines), 3), 37);
  const repo = SignalRepository.fromStore(store);
  await repo.saveSignal({ symbol: 'AAPL', side: 'sell', confidence: 0.5, sharpeEstimate: 1, entryPrice: 100, strategyName: 'api' }, { signalId: 'api-1', signalMetadata: { note: 'x' } });
  await repo.updateSignalStatus('api-1', 'executed', { executedPrice: 99.5, executedQuantity: 10 });
}

async function verify(store: Store) {
  const drift: SignalDrift[] = [];
  const result = await verifyLedger(store, { onDrift: (d) => drift.push(d), pageSize: 17 });
  return { result, drift };
}

/** An executed signal of the ledger, and one of its audit rows of a kind. */
async function executedSignal(store: Store): Promise<string> {
  const [row] = await sql<{ signal_id: string }>(store, `select "signal_id" from "signals" where "status" = 'executed' and "signal_id" like 'sig-%' order by "signal_id" limit 1`);
  return (row as { signal_id: string }).signal_id;
}

describe.each(KINDS)('verifyLedger on %s', (kind) => {
  const opened = blockStore(kind);
  let store: Store;
  beforeAll(() => void (store = opened()));
  const fresh = async () => {
    for (const t of ['signals', 'signal_events', 'dead_letters', 'signal_rollups', 'dead_letter_rollups']) await sql(store, `delete from "${t}"`);
    await fill(store);
  };

  it('a ledger the apply path wrote verifies clean: every signal, event and rollup row checked', async () => {
    await fresh();
    const { result, drift } = await verify(store);
    expect(drift).toEqual([]);
    const [{ n: signals }] = (await sql<{ n: number }>(store, 'select count(*) as "n" from "signals"')) as [{ n: number }];
    const [{ n: events }] = (await sql<{ n: number }>(store, 'select count(*) as "n" from "signal_events"')) as [{ n: number }];
    expect(result).toMatchObject({ signals: Number(signals), events: Number(events), driftedSignals: 0, differences: 0, rollupDrift: [] });
    expect(result.rollupRows).toBeGreaterThan(0);
  });

  it('names an edited record field, derived column and fold state, with the stored and the expected value', async () => {
    await fresh();
    const id = await executedSignal(store);
    const [before] = await sql<{ executed_price: string }>(store, `select cast("executed_price" as text) as "executed_price" from "signals" where "signal_id" = ?`, [id]);
    await sql(store, `update "signals" set "executed_price" = 1, "latency_to_risk_us" = 7 where "signal_id" = ?`, [id]);
    const { result, drift } = await verify(store);
    expect(drift.filter((d) => d.signalId === id).map((d) => d.field)).toEqual(['executed_price', 'latency_to_risk_us']);
    expect(drift.find((d) => d.field === 'executed_price')).toMatchObject({ stored: '1', expected: before?.executed_price });
    expect(drift.find((d) => d.field === 'latency_to_risk_us')).toMatchObject({ stored: '7' });
    // the rollups were kept from the old price: they now differ from a rebuild from the rows
    expect(result.rollupDrift.length).toBeGreaterThan(0);
    expect(result.driftedSignals).toBe(1);

    await fresh();
    const other = await executedSignal(store);
    await sql(store, `update "signals" set "fold_state" = ? where "signal_id" = ?`, ['{"edited":true}', other]);
    expect((await verify(store)).drift.map((d) => [d.signalId, d.field])).toEqual([[other, 'fold_state']]);
  });

  it('names an audit payload edited, one that no longer parses, and the record fields they change', async () => {
    await fresh();
    const id = await executedSignal(store);
    const [fill] = await sql<{ event_id: string; payload: string }>(store, `select "event_id", "payload" from "signal_events" where "signal_id" = ? and "kind" = 'filled' order by "id" limit 1`, [id]);
    const value = JSON.parse(fill?.payload as string) as Record<string, unknown>;
    await sql(store, `update "signal_events" set "payload" = ? where "event_id" = ?`, [JSON.stringify({ ...value, fee: 999 }), fill?.event_id]);
    const edited = (await verify(store)).drift.filter((d) => d.signalId === id).map((d) => d.field);
    expect(edited).toContain(`event ${fill?.event_id}: content_hash`);
    expect(edited).toContain('fees');

    await sql(store, `update "signal_events" set "payload" = ? where "event_id" = ?`, ['{"not": "an event"', fill?.event_id]);
    const broken = (await verify(store)).drift.find((d) => d.field === `event ${fill?.event_id}: payload`);
    expect(broken).toMatchObject({ signalId: id, stored: '{"not": "an event"' });
    expect(String(broken?.expected)).toMatch(/^\$: not JSON/);
  });

  it('names a deleted and an added audit row (the version and what they gave), a deleted record, and a record without events', async () => {
    await fresh();
    const id = await executedSignal(store);
    await sql(store, `delete from "signal_events" where "signal_id" = ? and "kind" = 'risk'`, [id]);
    const deleted = (await verify(store)).drift.filter((d) => d.signalId === id);
    expect(deleted.map((d) => d.field)).toContain('version');
    expect(deleted.find((d) => d.field === 'version')).toMatchObject({ expected: expect.any(Number) });

    await fresh();
    const target = await executedSignal(store);
    const [{ payload }] = (await sql<{ payload: string }>(store, `select "payload" from "signal_events" where "signal_id" = ? and "kind" = 'filled' limit 1`, [target])) as [{ payload: string }];
    const copy = JSON.stringify({ ...(JSON.parse(payload) as object), event_id: 'added-by-hand', fill_id: 'added-by-hand' });
    await sql(
      store,
      `insert into "signal_events" ("event_id", "signal_id", "kind", "occurred_at", "received_at", "source", "payload", "content_hash", "status_after") select 'added-by-hand', "signal_id", "kind", "occurred_at", "received_at", "source", ?, 'x', "status_after" from "signal_events" where "signal_id" = ? and "kind" = 'filled' limit 1`,
      [copy, target],
    );
    const added = (await verify(store)).drift.filter((d) => d.signalId === target).map((d) => d.field);
    expect(added).toEqual(expect.arrayContaining(['event added-by-hand: content_hash', 'version', 'executed_quantity']));

    await fresh();
    const gone = await executedSignal(store);
    await sql(store, `delete from "signals" where "signal_id" = ?`, [gone]);
    expect((await verify(store)).drift.filter((d) => d.field === 'signal')).toEqual([{ signalId: gone, field: 'signal', stored: null, expected: expect.stringMatching(/^a record of \d+ event\(s\)$/) }]);

    await fresh();
    await sql(store, `insert into "signals" ("signal_id", "first_event_at", "effective_at", "status", "anomalies", "version", "created_at", "updated_at", "fold_state") select 'by-hand', "first_event_at", "effective_at", "status", "anomalies", 1, "created_at", "updated_at", "fold_state" from "signals" where "signal_id" = ?`, [await executedSignal(store)]);
    expect((await verify(store)).drift.filter((d) => d.signalId === 'by-hand')).toEqual([{ signalId: 'by-hand', field: 'signal', stored: 'a record of version 1', expected: null }]);
  });

  it('names a rollup figure that differs from a rebuild from the rows, and a dead-letter count', async () => {
    await fresh();
    await sql(store, `update "signal_rollups" set "n" = "n" + 1 where "day" = (select min("day") from "signal_rollups")`);
    await sql(store, `update "dead_letter_rollups" set "n" = "n" + 2`);
    const { result, drift } = await verify(store);
    expect(drift).toEqual([]);
    expect(result.rollupDrift.map((d) => [d.table, d.measure, Number(d.stored) - Number(d.expected)])).toEqual(
      expect.arrayContaining([
        ['signal_rollups', 'n', 1],
        ['dead_letter_rollups', 'n', 2],
      ]),
    );
  });

  it('with --from/--to/--strategy, checks the signals those select, and leaves out the rollups and the events without a record', async () => {
    await fresh();
    const all = (await verify(store)).result.signals;
    const some = await verifyLedger(store, { strategy: 'api' });
    expect(some).toMatchObject({ signals: 1, rollupRows: 0, differences: 0 });
    expect(all).toBeGreaterThan(1);
  });
});

/** The columns of a table whose edit verify must see: every one the ledger computes (not the wall-clock ones). */
const EDITABLE = [
  'strategy_name', 'symbol', 'direction', 'strength', 'signal_price', 'signal_metadata', 'generated_at', 'status', 'rejection_reason', 'risk_check_passed',
  'executed_price', 'executed_quantity', 'slippage', 'anomalies', 'version', 'events_digest', 'effective_at', 'fold_state', 'first_event_at',
  'latency_to_risk_us', 'latency_to_submitted_us', 'latency_to_first_fill_us', 'latency_to_executed_us',
];

describe('one random edit of a random row is reported, on SQLite and PostgreSQL', () => {
  const opened: { kind: DatabaseKind; db: TestDatabase; store: Store }[] = [];
  beforeAll(async () => {
    for (const kind of KINDS) {
      const db = await createTestDatabase(kind);
      const store = await openStore({ dbUrl: db.url });
      await fill(store);
      opened.push({ kind, db, store });
    }
  });
  afterAll(async () => {
    for (const o of opened) {
      await o.store.close();
      await o.db.drop();
    }
  });

  it('an edit of a record column, an audit payload\'s content, the fold state or a rollup figure (each undone after verify)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom('record', 'payload', 'rollup'), fc.constantFrom(...EDITABLE), fc.string({ minLength: 1, maxLength: 8 }), async (pick, target, column, text) => {
        for (const { store } of opened) {
          const signals = await sql<{ signal_id: string }>(store, 'select "signal_id" from "signals" order by "signal_id"');
          const id = (signals[pick % signals.length] as { signal_id: string }).signal_id;
          const undo: (() => Promise<unknown>)[] = [];
          try {
            if (target === 'record') {
              const [was] = await sql<Record<string, unknown>>(store, `select * from "signals" where "signal_id" = ?`, [id]);
              const value = editedValue(column, was?.[column], text, pick, store.dialect);
              await sql(store, `update "signals" set "${column}" = ? where "signal_id" = ?`, [value, id]);
              undo.push(() => sql(store, `update "signals" set "${column}" = ? where "signal_id" = ?`, [plain(was?.[column]), id]));
            } else if (target === 'payload') {
              const events = await sql<{ event_id: string; payload: string }>(store, `select "event_id", "payload" from "signal_events" where "signal_id" = ? order by "id"`, [id]);
              const e = events[pick % events.length] as { event_id: string; payload: string };
              const value = JSON.parse(e.payload) as Record<string, unknown>;
              const keys = Object.keys(value).filter((k) => k !== 'event_id');
              const key = keys[pick % keys.length] as string;
              await sql(store, `update "signal_events" set "payload" = ? where "event_id" = ?`, [JSON.stringify({ ...value, [key]: editedJson(value[key], text) }), e.event_id]);
              undo.push(() => sql(store, `update "signal_events" set "payload" = ? where "event_id" = ?`, [e.payload, e.event_id]));
            } else {
              const rows = await sql<{ day: string; strategy_name: string; symbol: string; slot: number; n: number }>(store, 'select "day", "strategy_name", "symbol", "slot", "n" from "signal_rollups" order by 1, 2, 3, 4');
              const r = rows[pick % rows.length] as { day: string; strategy_name: string; symbol: string; slot: number; n: number };
              await sql(store, `update "signal_rollups" set "n" = "n" + 1 where "day" = ? and "strategy_name" = ? and "symbol" = ? and "slot" = ?`, [r.day, r.strategy_name, r.symbol, r.slot]);
              undo.push(() => sql(store, `update "signal_rollups" set "n" = "n" - 1 where "day" = ? and "strategy_name" = ? and "symbol" = ? and "slot" = ?`, [r.day, r.strategy_name, r.symbol, r.slot]));
            }
            const { result } = await verify(store);
            expect(result.differences, `${target} ${column} of ${id}`).toBeGreaterThan(0);
          } finally {
            for (const u of undo) await u();
          }
        }
      }),
      { numRuns: propertyRuns(30) },
    );
    for (const { store } of opened) expect((await verify(store)).result.differences).toBe(0);
  });
});

/** A stored value as a bound parameter again (PostgreSQL's driver reads jsonb as objects, timestamps as Dates). */
const plain = (v: unknown) => (v instanceof Date ? v.toISOString() : v !== null && typeof v === 'object' ? JSON.stringify(v) : v);

/** Another value for a column, of its type. */
function editedValue(column: string, was: unknown, text: string, pick: number, dialect: string): unknown {
  if (column === 'fold_state' || column === 'signal_metadata' || column === 'anomalies') return JSON.stringify({ edited: text });
  // better-sqlite3 binds no booleans
  if (column === 'risk_check_passed') return dialect === 'postgresql' ? was !== true : was === 1 ? 0 : 1;
  if (column === 'version' || column.startsWith('latency_')) return Number(was ?? 0) + 1 + (pick % 5);
  if (column === 'events_digest') return 'f'.repeat(64);
  if (['strength', 'signal_price', 'executed_price', 'executed_quantity', 'slippage'].includes(column)) return `${(pick % 1000) + 1}.5`;
  if (['generated_at', 'effective_at', 'first_event_at'].includes(column)) return '2001-02-03T04:05:06.000007Z';
  if (column === 'direction') return was === 'BUY' ? 'SELL' : 'BUY';
  if (column === 'status') return was === 'missed' ? 'error' : 'missed';
  return `${String(was ?? '')}~${text}`;
}

/** Another JSON value for a payload field, of its kind where that matters. */
function editedJson(was: unknown, text: string): unknown {
  if (typeof was === 'number') return was + 1;
  if (typeof was === 'boolean') return !was;
  if (typeof was === 'string' && /^\d{4}-\d\d-\d\dT/.test(was)) return '2001-02-03T04:05:06Z';
  if (typeof was === 'string') return `${was}~${text}`;
  return { edited: text };
}
