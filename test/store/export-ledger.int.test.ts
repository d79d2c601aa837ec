// Export and restore on SQLite and PostgreSQL: random messages (valid, hostile and bad, in random batches) and
// repository calls are applied; their export, ingested into an empty database of either kind, gives every
// record again (byte for byte but created_at and updated_at), the same digest root, and verify clean.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalRepository } from '../../src/api/index.ts';
import { canonicalJson, parseMessage } from '../../src/contract/index.ts';
import { ingestLines } from '../../src/ingest/index.ts';
import { applyBatch, computeLedgerDigest, exportLedger, openStore, type Store, verifyLedger } from '../../src/store/index.ts';
import { findSignals } from '../../src/api/index.ts';
import { createTestDatabase, type DatabaseKind, emptyStore, type TestDatabase } from '../helpers/databases.ts';
import { anyMessageArb, type HostileMessage } from '../helpers/hostile-messages.ts';
import { propertyRuns } from '../helpers/property-runs.ts';

const KINDS = ['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[];

/** Every record but its two wall-clock columns. */
async function records(store: Store): Promise<string> {
  return canonicalJson((await findSignals(store, {}, { limit: 10_000 })).map(({ createdAt: _c, updatedAt: _u, ...r }) => r));
}

async function exported(store: Store): Promise<string[]> {
  const lines: string[] = [];
  await exportLedger(store, { pageSize: 7 }, (line) => lines.push(line));
  return lines;
}

const runArb = fc.record({
  messages: fc.array(anyMessageArb({ legalTopics: true }), { minLength: 1, maxLength: 20 }),
  size: fc.integer({ min: 1, max: 8 }),
  apiCalls: fc.integer({ min: 0, max: 2 }),
});

describe('export, then ingest into an empty database', () => {
  const opened: { kind: DatabaseKind; db: TestDatabase; store: Store }[] = [];
  beforeAll(async () => {
    for (const kind of [...KINDS, ...KINDS]) {
      const db = await createTestDatabase(kind);
      opened.push({ kind, db, store: await openStore({ dbUrl: db.url }) });
    }
  });
  afterAll(async () => {
    for (const o of opened) {
      await o.store.close();
      await o.db.drop();
    }
  });

  it('gives every record again (but created_at and updated_at), the same digest root and verify clean, from either database into either', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({ messages, size, apiCalls }) => {
        const [sqlite, pg, sqliteCopy, pgCopy] = opened.map((o) => o.store) as [Store, Store, Store, Store];
        for (const store of [sqlite, pg]) {
          await emptyStore(store);
          const parsed = messages.map((m: HostileMessage, i) => parseMessage({ topic: m.topic, key: m.key, value: m.value, source: { type: 'file', file: 'run', line: i + 1, topic: m.topic, key: null } }));
          for (let at = 0; at < parsed.length; at += size) await applyBatch(store, parsed.slice(at, at + size));
          const repo = SignalRepository.fromStore(store);
          for (let i = 0; i < apiCalls; i++) {
            await repo.saveSignal({ symbol: 'AAPL', side: 'buy', confidence: 0.5, sharpeEstimate: 1, entryPrice: 10.5, strategyName: 'api' }, { signalId: `api-${i}`, generatedAt: new Date(Date.UTC(2026, 0, 5, 10, i)), signalMetadata: { n: i } });
            await repo.updateSignalStatus(`api-${i}`, 'executed', { executedPrice: 10.75, executedQuantity: 3, executedAt: new Date(Date.UTC(2026, 0, 5, 11, i)) });
          }
        }
        for (const [from, copies] of [
          [sqlite, [sqliteCopy, pgCopy]],
          [pg, [sqliteCopy, pgCopy]],
        ] as const) {
          const lines = await exported(from);
          const root = (await computeLedgerDigest(from)).root;
          for (const copy of copies) {
            await emptyStore(copy);
            await ingestLines(copy, Readable.from(lines.map((l) => `${l}\n`)), { batchSize: 5 });
            expect(await records(copy)).toBe(await records(from));
            expect((await computeLedgerDigest(copy)).root).toBe(root);
            expect((await verifyLedger(copy)).differences).toBe(0);
          }
        }
      }),
      { numRuns: propertyRuns(12) },
    );
  });

  it('takes an "origin": "api" line only when it is an event as the repository writes it; anything else is a dead letter, alike on both databases', async () => {
    const [sqlite, pg] = opened.map((o) => o.store) as [Store, Store];
    await emptyStore(sqlite);
    const repo = SignalRepository.fromStore(sqlite);
    await repo.saveSignal({ symbol: 'AAPL', side: 'buy', confidence: 0.5, sharpeEstimate: 1, entryPrice: 10.5, strategyName: 'api' }, { signalId: 'api-ok', signalMetadata: { n: 1 } });
    const [line] = await exported(sqlite);
    const event = JSON.parse((JSON.parse(line as string) as { value: string }).value) as Record<string, unknown>;
    const details = event.details as Record<string, unknown>;
    const variants = [
      { ...event, eventId: 'bad-decimal', details: { ...details, entryPrice: 'abc' } },
      { ...event, eventId: 'long-decimal', details: { ...details, entryPrice: '1.0000000000000' } },
      { ...event, eventId: 'no-details', details: undefined },
      { ...event, eventId: 'naive-time', occurredAt: '2026-01-05T10:00:00' },
      { ...event, eventId: 'other-kind', kind: 'closed' },
      { ...event, eventId: 'extra-detail', details: { ...details, venue: 'X' } },
    ];
    const lines = [...variants.map((v) => JSON.stringify({ topic: 'signals.generated', key: null, value: JSON.stringify(v), origin: 'api' })), line as string];
    const results: string[] = [];
    for (const store of [sqlite, pg]) {
      await emptyStore(store);
      const summary = await ingestLines(store, Readable.from(lines.map((l) => `${l}\n`)));
      expect(summary).toMatchObject({ read: 7, applied: 1, deadLetters: 6 });
      results.push(await records(store));
    }
    expect(results[0]).toBe(results[1]);
  });
});
