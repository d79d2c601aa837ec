// rebuildLedger on SQLite and PostgreSQL: nothing to do on a ledger the apply path wrote; after drift made by
// SQL (record fields, a fold state, a deleted record, a rollup figure) it restores every record and rollup,
// counting what it changed and created; a signal whose payload no longer parses is left and named; a rebuild
// stopped half-way and run again ends the same; on PostgreSQL it runs beside batches applied to the same signals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/contract/index.ts';
import { findSignals } from '../../src/api/index.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { applyBatch, findRollupDrift, openStore, rebuildLedger, rebuildRollups, type Store, verifyLedger } from '../../src/store/index.ts';
import { blockStore, createTestDatabase, type DatabaseKind, emptyStore, type TestDatabase } from '../helpers/databases.ts';
import { applyAll, chunks, shuffled, toMessages } from '../helpers/workload.ts';

const KINDS = ['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[];
const sql = <R = Record<string, unknown>>(store: Store, text: string, params: unknown[] = []) => store.em().getConnection().execute<R[]>(text, params);
const LINES = [...generateEvents({ signals: 50, duplicates: 0.1, outOfOrder: 0.2, bad: 0.05, seed: 23 })];

/** Every record, with updated_at left out when `withUpdatedAt` is false. */
async function records(store: Store, withUpdatedAt = true): Promise<string> {
  const all = await findSignals(store, {}, { limit: 10_000 });
  return canonicalJson(all.map((r) => (withUpdatedAt ? r : { ...r, updatedAt: null })));
}
const differences = async (store: Store) => (await verifyLedger(store)).differences;

describe.each(KINDS)('rebuildLedger on %s', (kind) => {
  const opened = blockStore(kind);
  let store: Store;
  beforeAll(() => void (store = opened()));
  const fresh = async () => {
    await emptyStore(store);
    await applyAll(store, shuffled(toMessages(LINES), 5), 41);
    return records(store);
  };

  it('on a ledger the apply path wrote, changes nothing and writes no row', async () => {
    const before = await fresh();
    const r = await rebuildLedger(store, { pageSize: 7 });
    expect(r).toEqual({ signals: 50, changed: 0, created: 0, skipped: 0 });
    expect(await records(store)).toBe(before);
  });

  it('after drift made by SQL, restores every record (byte for byte but updated_at) and rollup, and counts what it changed and created', async () => {
    const before = await fresh();
    const ids = (await sql<{ signal_id: string }>(store, 'select "signal_id" from "signals" order by "signal_id"')).map((r) => r.signal_id);
    await sql(store, `update "signals" set "symbol" = 'X', "status" = 'error' where "signal_id" in (?, ?)`, [ids[0], ids[1]]);
    await sql(store, `update "signals" set "fold_state" = '{"edited":true}' where "signal_id" = ?`, [ids[2]]);
    await sql(store, `delete from "signals" where "signal_id" = ?`, [ids[3]]);
    await sql(store, `update "signal_rollups" set "n" = "n" + 5`);
    expect(await differences(store)).toBeGreaterThan(0);
    const skipped: string[] = [];
    const progress: [number, number][] = [];
    const r = await rebuildLedger(store, { pageSize: 9, onSkipped: (id) => skipped.push(id), onProgress: (done, total) => progress.push([done, total]) });
    expect(r).toEqual({ signals: 50, changed: 3, created: 1, skipped: 0 });
    expect(progress.at(-1)).toEqual([50, 50]);
    expect(await differences(store)).toBe(0);
    // the recreated record has a new created_at; every other is as it was, updated_at aside
    const restored = JSON.parse(await records(store, false)) as { signalId: string; createdAt: string }[];
    const original = JSON.parse(before) as { signalId: string; createdAt: string }[];
    expect(restored.map((x) => (x.signalId === ids[3] ? { ...x, createdAt: '' } : x))).toEqual(original.map((x) => ({ ...x, updatedAt: null, createdAt: x.signalId === ids[3] ? '' : x.createdAt })));
  });

  it('leaves a signal whose payload no longer parses, and names it', async () => {
    await fresh();
    const [e] = await sql<{ event_id: string; signal_id: string }>(store, `select "event_id", "signal_id" from "signal_events" where "kind" = 'filled' order by "id" limit 1`);
    await sql(store, `update "signal_events" set "payload" = '{' where "event_id" = ?`, [e?.event_id]);
    await sql(store, `update "signals" set "symbol" = 'X' where "signal_id" = ?`, [e?.signal_id]);
    const skipped: [string, string][] = [];
    const r = await rebuildLedger(store, { onSkipped: (id, why) => skipped.push([id, why]) });
    expect(r).toMatchObject({ changed: 0, skipped: 1 });
    expect(skipped).toEqual([[e?.signal_id, expect.stringMatching(new RegExp(`^event ${e?.event_id}: payload no longer parses: \\$: not JSON`))]]);
    const [row] = await sql<{ symbol: string }>(store, 'select "symbol" from "signals" where "signal_id" = ?', [e?.signal_id]);
    expect(row?.symbol).toBe('X');
  });

  it('stopped half-way (its progress callback throws after two pages) and run again, ends as a whole rebuild does; each page it committed moved its rows in the rollups', async () => {
    const before = await fresh();
    await sql(store, `update "signals" set "symbol" = 'X'`);
    // the rollups made to count the edited rows, so that what the pages shift shows (a whole rebuild rebuilds them at its end)
    await rebuildRollups(store);
    let pages = 0;
    await expect(
      rebuildLedger(store, {
        pageSize: 10,
        onProgress: () => {
          if (++pages === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect((await sql<{ n: number }>(store, `select count(*) as "n" from "signals" where "symbol" = 'X'`))[0]?.n).toEqual(kind === 'postgresql' ? '30' : 30);
    expect((await findRollupDrift(store)).drift).toEqual([]);
    const again = await rebuildLedger(store, { pageSize: 10 });
    expect(again).toMatchObject({ changed: 30, created: 0 });
    expect(await differences(store)).toBe(0);
    expect(await records(store, false)).toBe(canonicalJson((JSON.parse(before) as object[]).map((r) => ({ ...r, updatedAt: null }))));
  });
});

describe('rebuildLedger on PostgreSQL beside batches applied to the same signals', () => {
  it('one rebuild that starts and ends while batches are applied leaves every record and rollup equal to the events, with no rebuild after', async () => {
    const db = await createTestDatabase('postgresql');
    const store = await openStore({ dbUrl: db.url });
    try {
      const messages = toMessages(LINES);
      const [first, second] = [messages.filter((_, i) => i % 2 === 0), messages.filter((_, i) => i % 2 === 1)];
      await applyAll(store, first, 50);
      await sql(store, `update "signals" set "symbol" = 'X'`);
      // batches of one message, so they go on for longer than the rebuild takes
      let applied = 0;
      const applier = (async () => {
        for (const batch of chunks(second, 1)) {
          await applyBatch(store, batch);
          applied++;
        }
      })();
      while (applied < 5) await new Promise((resolve) => setTimeout(resolve, 5));
      const r = await rebuildLedger(store, { pageSize: 4 });
      const duringRebuild = applied;
      await applier;
      // the rebuild began after some batches and ended before the last: both ran side by side
      expect(duringRebuild).toBeLessThan(second.length);
      expect(r.signals).toBeGreaterThan(0);
      expect(await differences(store)).toBe(0);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
