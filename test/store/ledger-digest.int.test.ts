// computeLedgerDigest (`signal-ledger digest`) on SQLite and PostgreSQL: the root is a function of the events
// and distinct dead letters alone (equal on both databases, whatever the batches, their order or the ids'
// collation); a root taken for everything received by T equals the root of a database that stopped there;
// and an edit of the audit trail received by T changes it, while what came later does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ParsedMessage, parseMessage } from '../../src/contract/index.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { applyBatch, computeLedgerDigest, openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, type DatabaseKind, emptyStore, type TestDatabase } from '../helpers/databases.ts';
import { chunks, shuffled, toMessages } from '../helpers/workload.ts';

const KINDS = ['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[];
const received = (i: number) => new Date(Date.UTC(2026, 10, 26, 0, i));
const sql = <R = Record<string, unknown>>(store: Store, text: string, params: unknown[] = []) => store.em().getConnection().execute<R[]>(text, params);

const LINES = [...generateEvents({ signals: 40, duplicates: 0.1, outOfOrder: 0.2, bad: 0.05, seed: 17 })];
/** Signal ids whose order differs between byte order and a language's collation. */
const ODD_IDS = ['a-1', 'B-1', 'é-1', 'Z-1', 'z-1', '_-1'].map((id) =>
  parseMessage({ topic: 'signals.risk', value: JSON.stringify({ signal_id: id, occurred_at: '2026-01-05T10:00:00Z', passed: true }), source: { type: 'api' } }),
);

async function applyIn(store: Store, batches: readonly (readonly ParsedMessage[])[]): Promise<void> {
  for (const [i, batch] of batches.entries()) await applyBatch(store, batch, { receivedAt: received(i) });
}

describe('the ledger digest on SQLite and PostgreSQL', () => {
  const opened: { kind: DatabaseKind; db: TestDatabase; store: Store }[] = [];
  beforeAll(async () => {
    for (const kind of [...KINDS, ...KINDS]) {
      const db = await createTestDatabase(kind);
      const store = await openStore({ dbUrl: db.url });
      // a language's collation, as a server's default may be (this one's is C.UTF-8): the root must not follow it
      if (kind === 'postgresql') await sql(store, `alter table "signal_events" alter column "signal_id" type varchar(128) collate "en-US-x-icu"`);
      opened.push({ kind, db, store });
    }
  });
  afterAll(async () => {
    for (const o of opened) {
      await o.store.close();
      await o.db.drop();
    }
  });
  const stores = () => opened.map((o) => o.store);

  it('is a function of the events and distinct dead letters: equal on both databases, whatever the batches and their order, ids in byte order', async () => {
    const messages = [...toMessages(LINES), ...ODD_IDS];
    const roots: string[] = [];
    for (const [i, store] of stores().entries()) {
      await emptyStore(store);
      await applyIn(store, chunks(shuffled(messages, i + 1), 7 + i * 11));
      const d = await computeLedgerDigest(store, { pageSize: 9 });
      expect(d).toMatchObject({ to: null, signals: 46 });
      expect(d.deadLetters).toBeGreaterThan(0);
      roots.push(d.root);
    }
    expect(new Set(roots).size).toBe(1);
    expect(roots[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('for everything received by T, equals the root of a database that stopped ingesting at T', async () => {
    const batches = chunks(toMessages(LINES), 40);
    const [sqlite, pg, sqliteStopped, pgStopped] = stores() as [Store, Store, Store, Store];
    for (const store of [sqlite, pg]) {
      await emptyStore(store);
      await applyIn(store, batches);
    }
    for (const stop of [0, 2, batches.length - 1]) {
      for (const [full, stopped] of [
        [sqlite, sqliteStopped],
        [pg, pgStopped],
      ] as const) {
        await emptyStore(stopped);
        await applyIn(stopped, batches.slice(0, stop + 1));
        const then = await computeLedgerDigest(full, { to: received(stop) });
        expect(then.to).toBe(`${received(stop).toISOString().slice(0, 23)}000Z`);
        expect(then.root).toBe((await computeLedgerDigest(stopped)).root);
      }
    }
  });

  it.each([0, 1])('an edit of the audit trail received by T changes the root at T; an edit of what came later, or of a record, does not (store %i)', async (i) => {
    const store = stores()[i] as Store;
    await emptyStore(store);
    await applyIn(store, chunks(toMessages(LINES), 40));
    const at = received(1);
    const root = async () => (await computeLedgerDigest(store, { to: at })).root;
    const before = await root();
    const early = (await sql<{ event_id: string; content_hash: string }>(store, `select "event_id", "content_hash" from "signal_events" where "received_at" <= ? order by "id" limit 1`, [at.toISOString()]))[0] as { event_id: string; content_hash: string };
    const late = (await sql<{ event_id: string }>(store, `select "event_id" from "signal_events" where "received_at" > ? order by "id" limit 1`, [at.toISOString()]))[0] as { event_id: string };

    await sql(store, `update "signals" set "symbol" = 'EDITED'`);
    await sql(store, `delete from "signal_events" where "event_id" = ?`, [late.event_id]);
    expect(await root()).toBe(before);

    await sql(store, `update "signal_events" set "content_hash" = 'x' where "event_id" = ?`, [early.event_id]);
    expect(await root()).not.toBe(before);
    await sql(store, `update "signal_events" set "content_hash" = ? where "event_id" = ?`, [early.content_hash, early.event_id]);
    expect(await root()).toBe(before);
    await sql(store, `delete from "signal_events" where "event_id" = ?`, [early.event_id]);
    expect(await root()).not.toBe(before);
  });
});
