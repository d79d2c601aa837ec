import { describe, expect, it } from 'vitest';
import type { Analytics as AnalyticsApi } from '../../src/analytics/index.ts';
import { VALUE_ORDERED_INDEXES } from '../../src/store/entities/signal.entity.ts';
import type { Store } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

describe('PostgreSQL migrations', () => {
  it('the migrated schema is exactly what the entities describe (no pending diff)', async () => {
    await withTestStore('postgresql', async (store) => {
      const diff = await store.orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    });
  });
});

describe('SQLite tables on first use', () => {
  it('a file made before a table or an index existed gains them on open and keeps its rows', async () => {
    const { createTestDatabase } = await import('../helpers/databases.ts');
    const { openStore, applyBatch, readCheckpoints } = await import('../../src/store/index.ts');
    const { findSignals } = await import('../../src/api/index.ts');
    const { parsedWorkload } = await import('../helpers/workload.ts');
    const db = await createTestDatabase('sqlite-file');
    try {
      const old = await openStore({ dbUrl: db.url });
      await applyBatch(old, parsedWorkload({ signals: 5, seed: 3 }));
      await old.em().getConnection().execute('drop table consumer_checkpoints');
      await old.em().getConnection().execute('drop index signals_anomalies_idx');
      await old.em().getConnection().execute('analyze'); // creates sqlite_stat1, whose untyped columns once broke the upgrade
      await old.close();
      const reopened = await openStore({ dbUrl: db.url });
      try {
        expect(await findSignals(reopened, {}, {})).toHaveLength(5);
        expect(await readCheckpoints(reopened, 'g')).toEqual([]);
        const index = await reopened.em().getConnection().execute<{ sql: string }[]>(`select sql from sqlite_master where name = 'signals_anomalies_idx'`);
        expect(index[0]?.sql).toMatch(/where "anomalies" <> '\[\]'/);
      } finally {
        await reopened.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('first_fill_at on a database written before it existed', () => {
  const dropColumn = {
    'sqlite-file': ['alter table "signals" drop column "first_fill_at"'],
    postgresql: ['alter table "signals" drop column "first_fill_at"', `delete from "mikro_orm_migrations" where "name" = 'Migration20261126010000_first_fill_at'`],
  } as const;
  for (const kind of ['sqlite-file', 'postgresql'] as const) {
    it(`on ${kind}: the column is added on open and filled in from the audit trail, equal to what the fold gives`, async () => {
      const { createTestDatabase } = await import('../helpers/databases.ts');
      const { openStore, applyBatch } = await import('../../src/store/index.ts');
      const { findSignals } = await import('../../src/api/index.ts');
      const { parsedWorkload } = await import('../helpers/workload.ts');
      const db = await createTestDatabase(kind);
      try {
        const old = await openStore({ dbUrl: db.url });
        await applyBatch(old, parsedWorkload({ signals: 20, seed: 5 }));
        const expected = (await findSignals(old, {}, { limit: 100 })).map((r) => [r.signalId, r.firstFillAt]);
        expect(expected.filter(([, at]) => at !== null).length).toBeGreaterThan(5);
        for (const sql of dropColumn[kind]) await old.em().getConnection().execute(sql);
        await old.close();
        const reopened = await openStore({ dbUrl: db.url });
        try {
          expect((await findSignals(reopened, {}, { limit: 100 })).map((r) => [r.signalId, r.firstFillAt])).toEqual(expected);
        } finally {
          await reopened.close();
        }
      } finally {
        await db.drop();
      }
    });
  }
});

describe('events_digest on a database written before it existed', () => {
  const dropColumn = {
    'sqlite-file': ['alter table "signals" drop column "events_digest"'],
    postgresql: ['alter table "signals" drop column "events_digest"', `delete from "mikro_orm_migrations" where "name" = 'Migration20261201000000_events_digest'`],
  } as const;
  for (const kind of ['sqlite-file', 'postgresql'] as const) {
    it(`on ${kind}: the column is added on open and filled in from the audit trail: the sha256 over the sorted content hashes, as the apply path wrote it`, async () => {
      const { createHash } = await import('node:crypto');
      const { createTestDatabase } = await import('../helpers/databases.ts');
      const { openStore } = await import('../../src/store/index.ts');
      const { findSignals } = await import('../../src/api/index.ts');
      const { applyAll, parsedWorkload } = await import('../helpers/workload.ts');
      const db = await createTestDatabase(kind);
      try {
        const old = await openStore({ dbUrl: db.url });
        await applyAll(old, parsedWorkload({ signals: 20, duplicates: 0.2, outOfOrder: 0.3, seed: 6 }), 13);
        const written = (await findSignals(old, {}, { limit: 100 })).map((r) => [r.signalId, r.eventsDigest]);
        // computed here from the audit rows, with node:crypto: the hashes sorted by their bytes, one per line
        const hashes = await old.em().getConnection().execute<{ signal_id: string; content_hash: string }[]>('select "signal_id", "content_hash" from "signal_events"');
        const bySignal = Map.groupBy(hashes, (h) => h.signal_id);
        const digestOf = (id: string) => createHash('sha256').update((bySignal.get(id) ?? []).map((h) => h.content_hash).sort().join('\n')).digest('hex');
        expect(written).toEqual(written.map(([id]) => [id, digestOf(id as string)]));
        for (const sql of dropColumn[kind]) await old.em().getConnection().execute(sql);
        await old.close();
        const reopened = await openStore({ dbUrl: db.url });
        try {
          expect((await findSignals(reopened, {}, { limit: 100 })).map((r) => [r.signalId, r.eventsDigest])).toEqual(written);
        } finally {
          await reopened.close();
        }
      } finally {
        await db.drop();
      }
    });
  }
});

describe('analytics rollups and latencies on a database written before they existed', () => {
  const LATENCY_COLUMNS = ['latency_to_risk_us', 'latency_to_submitted_us', 'latency_to_first_fill_us', 'latency_to_executed_us'];
  const INDEXES = [...LATENCY_COLUMNS, 'slippage', 'slippage_bps'].map((c) => `drop index "signals_${c}_idx"`);
  const downgrade = {
    'sqlite-file': ['drop index "signals_measures_idx"', 'drop table "signal_rollups"', 'drop table "dead_letter_rollups"', ...LATENCY_COLUMNS.map((c) => `alter table "signals" drop column "${c}"`)],
    postgresql: [
      ...INDEXES,
      'drop table "signal_rollups"',
      'drop table "dead_letter_rollups"',
      ...LATENCY_COLUMNS.map((c) => `alter table "signals" drop column "${c}"`),
      `delete from "mikro_orm_migrations" where "name" = 'Migration20261130000000_analytics_rollups'`,
      // a database that old had none of the later migrations of those tables either
      'alter table "dead_letters" drop column "resolved_at", drop column "resolved_event_id"',
      `delete from "mikro_orm_migrations" where "name" = 'Migration20261201010000_dead_letter_resolution'`,
    ],
  } as const;
  for (const kind of ['sqlite-file', 'postgresql'] as const) {
    it(`on ${kind}: opening it adds and fills the latencies, the indexes and both rollups, and every analytics answer is unchanged`, async () => {
      const { createTestDatabase } = await import('../helpers/databases.ts');
      const { openStore, applyBatch } = await import('../../src/store/index.ts');
      const { Analytics } = await import('../../src/analytics/index.ts');
      const { parsedWorkload } = await import('../helpers/workload.ts');
      const db = await createTestDatabase(kind);
      const answers = async (a: AnalyticsApi) => ({
        stats: await a.getExecutionStats(),
        days: await a.getTimeSeries({ bucket: 'day' }),
        strategies: await a.getStrategyAttribution({ from: '2026-01-05T15:00:00Z' }),
        spread: await a.getSlippageDistribution(),
        deadLetters: (await a.getDeadLetters()).byTopic,
      });
      try {
        const old = await openStore({ dbUrl: db.url });
        await applyBatch(old, parsedWorkload({ signals: 120, seed: 8, bad: 0.05, spacingMs: 3_600_000 }));
        const expected = await answers(Analytics.fromStore(old));
        expect(expected.stats.latencyMs.generatedToExecuted.count).toBeGreaterThan(20);
        expect(expected.days.length).toBeGreaterThan(3);
        for (const sql of downgrade[kind]) await old.em().getConnection().execute(sql);
        await old.close();
        const reopened = await openStore({ dbUrl: db.url });
        try {
          const conn = reopened.em().getConnection();
          const [filled] = await conn.execute<{ n: number | string }[]>('select count("latency_to_executed_us") as "n" from "signals"');
          expect(Number(filled?.n)).toBe(expected.stats.latencyMs.generatedToExecuted.count);
          const catalog = kind === 'postgresql' ? `select indexname as "name" from pg_indexes where tablename = 'signals'` : `select name from sqlite_master where type = 'index'`;
          const indexes = (await conn.execute<{ name: string }[]>(catalog)).map((r) => r.name);
          const valueOrdered = [...LATENCY_COLUMNS, 'slippage', 'slippage_bps'].map((c) => `signals_${c}_idx`);
          // PostgreSQL's percentiles walk value-ordered indexes; SQLite's read one index in time order
          if (kind === 'postgresql') expect(indexes).toEqual(expect.arrayContaining(valueOrdered));
          else expect([indexes.includes('signals_measures_idx'), valueOrdered.filter((name) => indexes.includes(name))]).toEqual([true, []]);
          expect(await answers(Analytics.fromStore(reopened))).toEqual(expected);
        } finally {
          await reopened.close();
        }
      } finally {
        await db.drop();
      }
    });
  }
});

describe('a SQLite file made when its percentiles walked value-ordered indexes', () => {
  it('opening it drops those six indexes and makes the one in time order, and every analytics answer is unchanged', async () => {
    const { createTestDatabase } = await import('../helpers/databases.ts');
    const { openStore, applyBatch } = await import('../../src/store/index.ts');
    const { Analytics } = await import('../../src/analytics/index.ts');
    const { parsedWorkload } = await import('../helpers/workload.ts');
    const db = await createTestDatabase('sqlite-file');
    const answers = async (a: AnalyticsApi) => ({
      stats: await a.getExecutionStats(),
      strategies: await a.getStrategyAttribution({ from: '2026-01-05T15:00:00Z' }),
      symbols: await a.getSymbolBreakdown({ strategy: 'momentum' }),
      hours: await a.getTimeSeries({ bucket: 'hour', to: '2026-01-08T00:00:00Z' }),
      spread: await a.getSlippageDistribution({ by: 'symbol' }),
    });
    const indexNames = async (store: Store) =>
      (await store.em().getConnection().execute<{ name: string }[]>(`select name from sqlite_master where type = 'index' and tbl_name = 'signals' order by name`)).map((r) => r.name);
    try {
      const old = await openStore({ dbUrl: db.url });
      await applyBatch(old, parsedWorkload({ signals: 150, seed: 11, bad: 0.05, spacingMs: 3_600_000 }));
      const expected = await answers(Analytics.fromStore(old));
      expect(expected.stats.slippage.count).toBeGreaterThan(20);
      const conn = old.em().getConnection();
      await conn.execute('drop index "signals_measures_idx"');
      // the indexes as the earlier version made them on SQLite
      for (const c of ['latency_to_risk_us', 'latency_to_submitted_us', 'latency_to_first_fill_us', 'latency_to_executed_us']) {
        await conn.execute(`create index "signals_${c}_idx" on "signals" ("${c}", "effective_at", "strategy_name", "symbol") where "${c}" is not null`);
      }
      for (const c of ['slippage', 'slippage_bps']) {
        await conn.execute(`create index "signals_${c}_idx" on "signals" (cast("${c}" as double precision), "${c}", "effective_at", "strategy_name", "symbol") where "${c}" is not null`);
      }
      const before = await indexNames(old);
      await old.close();
      const reopened = await openStore({ dbUrl: db.url });
      try {
        const after = await indexNames(reopened);
        expect(before.filter((name) => !after.includes(name))).toEqual([...VALUE_ORDERED_INDEXES].sort());
        expect(after.filter((name) => !before.includes(name))).toEqual(['signals_measures_idx']);
        expect(await answers(Analytics.fromStore(reopened))).toEqual(expected);
      } finally {
        await reopened.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('fold states stored before their compact form', () => {
  const downgrade = {
    'sqlite-file': ['pragma user_version = 0'],
    postgresql: [`delete from "mikro_orm_migrations" where "name" = 'Migration20261202000000_compact_fold_state'`],
  } as const;
  const stateText = { 'sqlite-file': '"fold_state"', postgresql: '"fold_state"::text' } as const;
  it('on both databases: opening rewrites each state in its compact form, byte for byte what the apply path writes, and later batches apply as on a database that never held the old form', async () => {
    const { createTestDatabase } = await import('../helpers/databases.ts');
    const { openStore } = await import('../../src/store/index.ts');
    const { foldEvents } = await import('../../src/fold/index.ts');
    const { applyAll, parsedWorkload, snapshot } = await import('../helpers/workload.ts');
    const workload = parsedWorkload({ signals: 2_500, duplicates: 0.1, outOfOrder: 0.3, seed: 9 });
    const [first, later] = [workload.slice(0, 8_000), workload.slice(8_000)];
    expect(later.length).toBeGreaterThan(1_000);
    // what the release before stored: the state object of each signal's events, as JSON
    const objectStates = new Map(
      [...Map.groupBy(first.flatMap((m) => (m.ok ? [m.event] : [])), (e) => e.signalId)].map(([id, events]) => [id, JSON.stringify(foldEvents(events))]),
    );
    const migrated: Record<string, string[][]> = {};
    for (const kind of ['sqlite-file', 'postgresql'] as const) {
      const db = await createTestDatabase(kind);
      const never = await createTestDatabase(kind);
      try {
        const states = async (store: Awaited<ReturnType<typeof openStore>>) =>
          (await store.em().getConnection().execute<{ signal_id: string; state: string }[]>(`select "signal_id", ${stateText[kind]} as "state" from "signals" order by "signal_id"`)).map((r) => [r.signal_id, r.state]);
        const old = await openStore({ dbUrl: db.url });
        await applyAll(old, first, 250);
        const written = await states(old);
        // more than one page of the migration's 1,000
        expect(written.length).toBeGreaterThan(1_000);
        const conn = old.em().getConnection();
        for (const [id] of written) await conn.execute(`update "signals" set "fold_state" = ? where "signal_id" = ?`, [objectStates.get(id as string), id]);
        for (const sql of downgrade[kind]) await conn.execute(sql);
        expect((await states(old)).every(([, text]) => text?.startsWith('{"firstEventAt":'))).toBe(true);
        await old.close();

        if (kind === 'sqlite-file') {
          const refused = await openStore({ dbUrl: db.url, access: 'read' }).then(
            async (s) => (await s.close(), null),
            (e: unknown) => e,
          );
          expect(String(refused)).toMatch(/was written by an older signal-ledger \(no compact fold states\); run signal-ledger migrate on it/);
        }
        const reopened = await openStore({ dbUrl: db.url });
        const fresh = await openStore({ dbUrl: never.url });
        try {
          migrated[kind] = await states(reopened);
          expect(migrated[kind]).toEqual(written);
          await applyAll(reopened, later, 250);
          await applyAll(fresh, workload, 250);
          expect(await snapshot(reopened)).toBe(await snapshot(fresh));
          expect(await states(reopened)).toEqual(await states(fresh));
        } finally {
          await reopened.close();
          await fresh.close();
        }
      } finally {
        await db.drop();
        await never.drop();
      }
    }
    expect(migrated.postgresql).toEqual(migrated['sqlite-file']);
  });

  for (const kind of ['sqlite-file', 'postgresql'] as const) {
    it(`on ${kind}: a state no form reads is left for rebuild and does not stop the upgrade; one written as the object after it (a worker of the release before) is read, and stored compact when its signal changes`, async () => {
      const { createTestDatabase } = await import('../helpers/databases.ts');
      const { openStore, applyBatch, fromStoredState, rebuildLedger } = await import('../../src/store/index.ts');
      const { parsedWorkload } = await import('../helpers/workload.ts');
      const workload = parsedWorkload({ signals: 40, seed: 13 });
      const withOutcome = new Set(workload.flatMap((m) => (m.ok && m.event.kind === 'outcome' ? [m.event.signalId] : [])));
      const older = [...withOutcome][0] as string;
      const edited = workload.flatMap((m) => (m.ok && !withOutcome.has(m.event.signalId) ? [m.event.signalId] : []))[0] as string;
      const db = await createTestDatabase(kind);
      try {
        const store = await openStore({ dbUrl: db.url });
        try {
          await applyBatch(store, workload.filter((m) => !m.ok || m.event.kind !== 'outcome'));
          const conn = store.em().getConnection();
          await conn.execute(`update "signals" set "fold_state" = ? where "signal_id" = ?`, ['{"edited":true}', edited]);
          for (const sql of downgrade[kind]) await conn.execute(sql);
        } finally {
          await store.close();
        }
        const reopened = await openStore({ dbUrl: db.url });
        try {
          const conn = reopened.em().getConnection();
          const read = async (id: string) => ((await conn.execute<{ state: string }[]>(`select ${stateText[kind]} as "state" from "signals" where "signal_id" = ?`, [id]))[0] as { state: string }).state;
          expect(await read(edited)).toBe('{"edited":true}');
          const compact = await read(older);
          await conn.execute(`update "signals" set "fold_state" = ? where "signal_id" = ?`, [JSON.stringify(fromStoredState(compact)), older]);
          const outcomes = workload.filter((m) => m.ok && m.event.kind === 'outcome' && m.event.signalId === older);
          expect(outcomes.length).toBeGreaterThan(0);
          expect((await applyBatch(reopened, outcomes)).applied).toBe(outcomes.length);
          expect(await read(older)).toMatch(/^\[1,/);
          await rebuildLedger(reopened);
          expect(await read(edited)).toMatch(/^\[1,/);
        } finally {
          await reopened.close();
        }
      } finally {
        await db.drop();
      }
    });
  }
});

describe('the compact fold state migration, undone on PostgreSQL', () => {
  it('down writes each state as the object it was; up again gives the same bytes as before', async () => {
    const { createTestDatabase } = await import('../helpers/databases.ts');
    const { openStore, fromStoredState } = await import('../../src/store/index.ts');
    const { applyAll, parsedWorkload } = await import('../helpers/workload.ts');
    const db = await createTestDatabase('postgresql');
    const store = await openStore({ dbUrl: db.url });
    try {
      await applyAll(store, parsedWorkload({ signals: 300, duplicates: 0.1, outOfOrder: 0.3, seed: 12 }), 250);
      const conn = store.em().getConnection();
      const states = async () => (await conn.execute<{ signal_id: string; state: string }[]>('select "signal_id", "fold_state"::text as "state" from "signals" order by "signal_id"')).map((r) => [r.signal_id, r.state]);
      const compact = await states();
      await store.orm.migrator.down({ to: 'Migration20261201010000_dead_letter_resolution' });
      expect(await states()).toEqual(compact.map(([id, text]) => [id, JSON.stringify(fromStoredState(text))]));
      await store.orm.migrator.up();
      expect(await states()).toEqual(compact);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
