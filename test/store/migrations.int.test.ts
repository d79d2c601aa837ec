import { describe, expect, it } from 'vitest';
import type { Analytics as AnalyticsApi } from '../../src/analytics/index.ts';
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
    'sqlite-file': [...INDEXES, 'drop table "signal_rollups"', 'drop table "dead_letter_rollups"', ...LATENCY_COLUMNS.map((c) => `alter table "signals" drop column "${c}"`)],
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
          for (const c of [...LATENCY_COLUMNS, 'slippage', 'slippage_bps']) expect(indexes).toContain(`signals_${c}_idx`);
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
