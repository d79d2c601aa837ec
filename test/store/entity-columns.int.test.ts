import { EntitySchema, type MikroORM, TextType } from '@mikro-orm/core';
import { MikroORM as PostgreSqlMikroORM } from '@mikro-orm/postgresql';
import { MikroORM as SqliteMikroORM } from '@mikro-orm/sqlite';
import { describe, expect, it } from 'vitest';
import { EMPTY_STATE } from '../../src/fold/index.ts';
import { applyBatch, ENTITIES, kyselyOf, migrate, openStore, parseDatabaseUrl, SignalEntity, type SignalRecord, type Store, withWriteTransaction } from '../../src/store/index.ts';
import { insertRows, runSql } from '../../src/store/bulk-sql.ts';
import { columnsOf } from '../../src/store/entity-columns.ts';
import { signalColumn, signalTableOf, SIGNALS } from '../../src/store/signal-columns.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { parsedWorkload } from '../helpers/workload.ts';

// One schema source (docs/architecture.md): a column is declared once, in its entity; the write path's
// column lists, its rows and the SQLite upgrade follow the entity's metadata.

/** A copy of SignalEntity's metadata with one more column, `venue`; SignalEntity itself is left as it is. */
function signalEntityWithVenue(): EntitySchema {
  const meta = SignalEntity.meta;
  const copy = EntitySchema.fromMetadata({ ...meta, properties: { ...meta.properties }, indexes: [...meta.indexes] } as never);
  copy.addProperty('venue' as never, TextType, { nullable: true });
  return copy;
}

const entitiesWith = (signals: EntitySchema) => ENTITIES.map((e) => (e === SignalEntity ? signals : e));

/** A Store over an ORM of our own entities: what migrate and the readers take. */
function storeOf(orm: MikroORM, url: string): Store {
  const target = parseDatabaseUrl(url, 'test');
  return { dialect: target.dialect, target, orm, em: () => orm.em.fork() as never, close: () => orm.close(true) };
}

/** A store over a SQLite file whose signals entity is `signals` (the other entities as they are). */
async function sqliteStoreWith(signals: EntitySchema, url: string): Promise<Store> {
  const target = parseDatabaseUrl(url, 'test');
  if (target.dialect !== 'sqlite') throw new Error(`not a SQLite URL: ${url}`);
  const orm = await SqliteMikroORM.init({ entities: entitiesWith(signals), dbName: target.file, discovery: { warnWhenNoEntities: false } });
  return storeOf(orm as unknown as MikroORM, url);
}

const record = (signalId: string, extra: Record<string, unknown>): SignalRecord =>
  ({
    ...Object.fromEntries(SIGNALS.recordColumns.map((c) => [c.property, null])),
    signalId,
    status: 'generated',
    anomalies: [],
    version: 1,
    firstEventAt: '2026-01-05T10:00:00.000000Z',
    createdAt: '2026-01-05T10:00:01.000000Z',
    updatedAt: '2026-01-05T10:00:01.000000Z',
    ...extra,
  }) as unknown as SignalRecord;

/** Writes a record with the apply path's upsert of a table's columns, then reads it back the way the readers do. */
async function writeAndRead(store: Store, table: ReturnType<typeof signalTableOf>, written: SignalRecord): Promise<SignalRecord | undefined> {
  const updates = table.writeColumns.filter((c) => c.name !== 'signal_id').map((c) => `"${c.name}" = excluded."${c.name}"`);
  await withWriteTransaction(store, (writer) =>
    insertRows(writer, { table: 'signals', columns: table.writeColumns, tail: `on conflict ("signal_id") do update set ${updates.join(', ')}` }, [table.toRow(written, EMPTY_STATE)]),
  );
  const rows = await runSql(kyselyOf(store), `select ${table.selectList(store.dialect)} from "signals" where "signal_id" = '${written.signalId}'`);
  return rows.map(table.toRecord)[0];
}

describe('columnsOf: the write columns of an entity', () => {
  it('every column of every entity but the generated ids, with its name and the type the bulk insert casts to', () => {
    expect(columnsOf(SignalEntity).map((c) => c.name)).toContain('fold_state');
    const audit = columnsOf(ENTITIES[1] as EntitySchema);
    expect(audit.map((c) => c.name)).not.toContain('id');
    expect(audit.find((c) => c.name === 'offset')).toEqual({ name: 'offset', property: 'offset', kind: 'integer', pgType: 'bigint' });
    const rollup = columnsOf(ENTITIES[4] as EntitySchema);
    expect(rollup.find((c) => c.name === 'slot')?.pgType).toBe('integer');
    expect(rollup.find((c) => c.name === 'status_generated')).toEqual({ name: 'status_generated', property: 'status_generated', kind: 'integer', pgType: 'bigint' });
    expect(rollup.find((c) => c.name === 'filled_qty')?.pgType).toBe('numeric');
    expect(SIGNALS.writeColumns.find((c) => c.name === 'signal_metadata')?.pgType).toBe('jsonb');
    expect(SIGNALS.writeColumns.find((c) => c.name === 'fold_state')?.pgType).toBe('json');
    expect(SIGNALS.writeColumns.find((c) => c.name === 'generated_at')?.kind).toBe('timestamp');
  });

  it('a column of a type the write path does not know fails when the columns are made, naming it', () => {
    const copy = signalEntityWithVenue();
    copy.addProperty('when' as never, Date as never, { nullable: true });
    expect(() => columnsOf(copy)).toThrow(/Signal\.when: a column type the write path does not know/);
  });

  it('the record columns are the signals columns but the ledger own ones, and the record and its snake_case form follow them', () => {
    const names = SIGNALS.recordColumns.map((c) => c.name);
    for (const ledgerOwn of ['effective_at', 'fold_state', 'latency_to_risk_us', 'latency_to_executed_us']) expect(names).not.toContain(ledgerOwn);
    expect(names.slice(0, 3)).toEqual(['signal_id', 'strategy_name', 'symbol']);
    expect(names.slice(-4)).toEqual(['version', 'events_digest', 'created_at', 'updated_at']);
    expect(Object.keys(SIGNALS.toSnakeCase(record('s', {})))).toEqual(names);
  });

  it('an entity without the ledger\'s own columns is refused, naming each missing one', () => {
    const meta = SignalEntity.meta;
    const properties = Object.fromEntries(Object.entries(meta.properties).filter(([name]) => name !== 'foldState' && name !== 'effectiveAt'));
    const bare = EntitySchema.fromMetadata({ ...meta, properties, indexes: [] } as never);
    expect(() => signalTableOf(bare)).toThrow('Signal lacks the ledger\'s columns effective_at, fold_state');
  });

  it('a record property names its column, and a name that is no property is refused', () => {
    expect(signalColumn('riskCheckPassed')).toBe('risk_check_passed');
    expect(signalColumn('executedAt')).toBe('executed_at');
    expect(() => signalColumn('venue' as never)).toThrow('signals has no column for venue');
  });

  it('a latency column holds the microseconds from the earlier time to the later one, exactly, past a double too', () => {
    const row = SIGNALS.toRow(record('s', { generatedAt: '2026-01-02T03:04:05.250000Z', riskCheckedAt: '2026-01-02T03:04:07.000001Z', submittedAt: '2026-01-02T03:04:05.250000Z' }), null);
    expect(row).toMatchObject({ latency_to_risk_us: 1_750_001, latency_to_submitted_us: 0, latency_to_first_fill_us: null, latency_to_executed_us: null });
    const far = SIGNALS.toRow(record('s', { generatedAt: '0001-01-01T00:00:00.000001Z', riskCheckedAt: '9999-12-31T23:59:59.999999Z' }), null);
    expect(far.latency_to_risk_us).toBe(315_537_897_599_999_998n);
  });

  it('a stored row reads back with anomalies [] when the column is null, and risk_check_passed 1/0 (SQLite) or true/false (PostgreSQL) as booleans', () => {
    const row = { ...SIGNALS.toRow(record('s', {}), null), anomalies: null };
    expect(SIGNALS.toRecord(row)).toMatchObject({ anomalies: [], riskCheckPassed: null });
    for (const [stored, read] of [[1, true], [0, false], [true, true], [false, false]] as const) {
      expect(SIGNALS.toRecord({ ...row, risk_check_passed: stored }).riskCheckPassed).toBe(read);
    }
  });

  it('a boolean column holding anything else is an error naming the column, not a silent false', () => {
    const row = SIGNALS.toRow(record('s', {}), null);
    for (const odd of ['t', '1', 1n, 2]) expect(() => SIGNALS.toRecord({ ...row, risk_check_passed: odd })).toThrow(`risk_check_passed holds ${typeof odd === 'string' ? `"${odd}"` : String(odd)}, not a boolean`);
  });
});

describe('one schema source: a column added to the entity alone reaches the database, the write path and the records', () => {
  it('on SQLite: an existing ledger file gains the column on open, and the apply path writes and reads it', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      const ledger = await openStore({ dbUrl: db.url });
      await applyBatch(ledger, parsedWorkload({ signals: 3, seed: 5 }));
      await ledger.close();

      const venue = signalEntityWithVenue();
      const store = await sqliteStoreWith(venue, db.url);
      try {
        await migrate(store);
        const columns = await runSql<{ name: string; type: string }>(kyselyOf(store), `select name, lower(type) as type from pragma_table_info('signals') where name = 'venue'`);
        expect(columns).toEqual([{ name: 'venue', type: 'text' }]);
        const table = signalTableOf(venue);
        expect(table.writeColumns.map((c) => c.name)).toContain('venue');
        const read = await writeAndRead(store, table, record('with-venue', { venue: 'XNYS' }));
        expect(read).toMatchObject({ signalId: 'with-venue', venue: 'XNYS' });
        // the rows written before the column existed are still there, without a venue
        const before = await runSql<{ n: number }>(kyselyOf(store), `select count(*) as n from "signals" where "venue" is null`);
        expect(before[0]?.n).toBe(3);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('on PostgreSQL: the migration MikroORM writes for it is the one added column, and the apply path writes and reads it', async () => {
    const db = await createTestDatabase('postgresql');
    try {
      const ledger = await openStore({ dbUrl: db.url });
      await ledger.close();
      const venue = signalEntityWithVenue();
      const orm = (await PostgreSqlMikroORM.init({ entities: entitiesWith(venue), clientUrl: db.url, discovery: { warnWhenNoEntities: false } })) as unknown as MikroORM;
      const store = storeOf(orm, db.url);
      try {
        const migration = await orm.schema.getUpdateSchemaSQL({ wrap: false });
        expect(migration.trim()).toBe('alter table "signals" add "venue" text null;');
        await store.em().getConnection().execute(migration);
        const read = await writeAndRead(store, signalTableOf(venue), record('with-venue', { venue: 'XNYS', generatedAt: '2026-01-05T10:00:00.123456Z' }));
        expect(read).toMatchObject({ signalId: 'with-venue', venue: 'XNYS', generatedAt: '2026-01-05T10:00:00.123456Z' });
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('on SQLite: a NOT NULL column without a default is refused on open, naming it, and the file is left as it was', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      await (await openStore({ dbUrl: db.url })).close();
      const strict = signalEntityWithVenue();
      strict.addProperty('desk' as never, TextType, {});
      const store = await sqliteStoreWith(strict, db.url);
      try {
        await expect(migrate(store)).rejects.toThrow('signals.desk is NOT NULL without a default: SQLite cannot add it to an existing file');
        const columns = await runSql<{ name: string }>(kyselyOf(store), `select name from pragma_table_info('signals') where name in ('venue', 'desk')`);
        expect(columns).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('on SQLite: a rollup table that lacks a column (a new measure) is made again and rebuilt from the rows', async () => {
    const db = await createTestDatabase('sqlite-file');
    try {
      const ledger = await openStore({ dbUrl: db.url });
      await applyBatch(ledger, parsedWorkload({ signals: 4, seed: 9 }));
      const counted = async (s: Store) => runSql<{ n: number }>(kyselyOf(s), 'select sum("n") as n, sum("quality_n") as q from "signal_rollups"');
      const before = await counted(ledger);
      // an older file: the rollups without one measure, and wrong counts that only a rebuild mends
      await ledger.em().getConnection().execute('alter table "signal_rollups" drop column "quality_n"');
      await ledger.em().getConnection().execute('update "signal_rollups" set "n" = 0');
      await ledger.close();
      const reopened = await openStore({ dbUrl: db.url });
      try {
        expect(await counted(reopened)).toEqual(before);
        expect(before[0]?.n).toBe(4);
      } finally {
        await reopened.close();
      }
    } finally {
      await db.drop();
    }
  });
});
