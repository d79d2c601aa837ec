// A signal's history and its record as of a time and as known at a time, refolded from the audit trail, on
// SQLite and PostgreSQL: the documented examples (events received out of event order, in three batches),
// repository calls, and fast-check properties on random valid messages against the test oracle
// (test/oracle/plain-fold.ts) and against a second database that stopped ingesting at the known-at time.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type ParsedMessage, parseMessage, type SignalEvent } from '../../src/contract/index.ts';
import { SignalStatus } from '../../src/fold/index.ts';
import { applyBatch, openStore, type SignalRecord, type Store } from '../../src/store/index.ts';
import { SignalRepository } from '../../src/api/index.ts';
import { createTestDatabase, emptyStore, type DatabaseKind, type TestDatabase, withTestStore } from '../helpers/databases.ts';
import { t } from '../helpers/events.ts';
import { validMessageArb } from '../helpers/hostile-messages.ts';
import { propertyRuns } from '../helpers/property-runs.ts';
import { plainFold } from '../oracle/plain-fold.ts';

const KINDS = ['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[];
const S = 'sig-h';
/** when batch i was received */
const received = (i: number) => new Date(Date.UTC(2026, 10, 26, 0, 0, i));
const receivedText = (i: number) => `${received(i).toISOString().slice(0, 19)}.000000Z`;

/** A message of the wire, as a producer writes it: an event's value in snake_case. */
const wire = (topic: string, value: Record<string, unknown>): ParsedMessage => parseMessage({ topic, value: JSON.stringify(value), source: fileLine(topic) });
/** The source of a message read from a file */
const fileLine = (topic: string, line = 1) => ({ type: 'file' as const, file: 'events.ndjson', line, topic, key: null });

/**
 * The example: four events of one buy, received in three batches out of event order. Batch 0 has the fill
 * (event time t4), batch 1 the details (t1) and the submission (t3), batch 2 the risk decision (t2).
 */
const EXAMPLE: ParsedMessage[][] = [
  [wire('orders.filled', { event_id: 'e-fill', signal_id: S, occurred_at: t('4'), order_id: 'o-1', fill_id: 'f-1', price: 151, quantity: 100, leaves_quantity: 0 })],
  [
    wire('signals.generated', { event_id: 'e-gen', signal_id: S, occurred_at: t('1'), strategy_name: 'momentum', symbol: 'AAPL', side: 'buy', confidence: 0.8, sharpe_estimate: 1.5, entry_price: 150 }),
    wire('orders.submitted', { event_id: 'e-sub', signal_id: S, occurred_at: t('3'), order_id: 'o-1', quantity: 100 }),
  ],
  [wire('signals.risk', { event_id: 'e-risk', signal_id: S, occurred_at: t('2'), passed: true })],
];

async function applyBatches(store: Store, batches: readonly (readonly ParsedMessage[])[]): Promise<void> {
  for (const [i, batch] of batches.entries()) await applyBatch(store, batch, { receivedAt: received(i) });
}

describe.each(KINDS)('history and as-of on %s', (kind) => {
  it('history: one version per event in event time, with its status before and after and the fields it changed; the last is the stored record', async () => {
    await withTestStore(kind, async (store) => {
      expect(EXAMPLE.flat().every((m) => m.ok)).toBe(true);
      await applyBatches(store, EXAMPLE);
      const repo = SignalRepository.fromStore(store);
      const history = await repo.getSignalHistory(S);
      expect(history.map((v) => [v.version, v.kind, v.eventId, v.occurredAt, v.receivedAt, v.source, v.statusBefore, v.statusAfter])).toEqual([
        [1, 'generated', 'e-gen', t('1'), receivedText(1), 'events.ndjson:1', null, SignalStatus.Generated],
        [2, 'risk', 'e-risk', t('2'), receivedText(2), 'events.ndjson:1', SignalStatus.Generated, SignalStatus.PassedRisk],
        [3, 'submitted', 'e-sub', t('3'), receivedText(1), 'events.ndjson:1', SignalStatus.PassedRisk, SignalStatus.Submitted],
        [4, 'filled', 'e-fill', t('4'), receivedText(0), 'events.ndjson:1', SignalStatus.Submitted, SignalStatus.Executed],
      ]);
      // the first version lists what the details set (not what they left unset); later ones what each event changed
      expect(history.map((v) => v.changed)).toEqual([
        ['signalId', 'strategyName', 'symbol', 'signalType', 'direction', 'strength', 'qualityScore', 'signalPrice', 'signalMetadata', 'sharpeEstimate', 'generatedAt', 'firstEventAt', 'status'],
        ['processedAt', 'riskCheckedAt', 'status', 'riskCheckPassed'],
        ['processedAt', 'submittedAt', 'status', 'orderId', 'orderQuantity'],
        ['executedAt', 'firstFillAt', 'closedAt', 'status', 'executedPrice', 'executedQuantity', 'slippage', 'slippageBps'],
      ]);
      expect(history.map((v) => [v.record.version, v.record.createdAt, v.record.updatedAt])).toEqual([
        [1, receivedText(1), receivedText(1)],
        [2, receivedText(1), receivedText(2)],
        [3, receivedText(1), receivedText(2)],
        [4, receivedText(0), receivedText(2)],
      ]);
      expect(history[3]?.record).toMatchObject({ status: 'executed', executedPrice: '151', slippage: '1' });
      // the row was first written with batch 0 (the fill) and last with batch 2
      expect(JSON.stringify(history[3]?.record)).toBe(JSON.stringify(await repo.getSignalById(S)));
      expect(await repo.getSignalHistory('nobody')).toEqual([]);
    });
  });

  it('as of a time: the events that had occurred by then (inclusive); before the first, the signal does not exist', async () => {
    await withTestStore(kind, async (store) => {
      await applyBatches(store, EXAMPLE);
      const repo = SignalRepository.fromStore(store);
      expect(await repo.getSignalById(S, { asOf: '2026-01-05T10:00:00.999999Z' })).toBeNull();
      expect(await repo.getSignalById(S, { asOf: t('1') })).toMatchObject({ status: 'generated', version: 1 });
      expect(await repo.getSignalById(S, { asOf: t('2') })).toMatchObject({ status: 'passed_risk', version: 2, riskCheckPassed: true, executedPrice: null });
      expect(await repo.getSignalById(S, { asOf: new Date(Date.parse(t('3'))) })).toMatchObject({ status: 'submitted', version: 3 });
      const later = await repo.getSignalById(S, { asOf: '2030-01-01' });
      expect(JSON.stringify(later)).toBe(JSON.stringify(await repo.getSignalById(S)));
    });
  });

  it('known at a time: the events received by then; combined with as-of, both filters hold; equal, byte for byte, to a database that stopped ingesting then', async () => {
    await withTestStore(kind, async (store) => {
      await applyBatches(store, EXAMPLE);
      const repo = SignalRepository.fromStore(store);
      expect(await repo.getSignalById(S, { knownAt: '2026-11-25' })).toBeNull();
      expect(await repo.getSignalById(S, { knownAt: received(0) })).toMatchObject({ status: 'executed', version: 1, generatedAt: null, executedQuantity: '100' });
      expect(await repo.getSignalById(S, { knownAt: received(1), asOf: t('3') })).toMatchObject({ status: 'submitted', version: 2, riskCheckPassed: null });
      for (const stop of [0, 1, 2]) {
        await withTestStore(kind, async (stopped) => {
          await applyBatches(stopped, EXAMPLE.slice(0, stop + 1));
          const then = await SignalRepository.fromStore(stopped).getSignalById(S);
          expect(JSON.stringify(await repo.getSignalById(S, { knownAt: receivedText(stop) }))).toBe(JSON.stringify(then));
        });
      }
    });
  });

  it('refolds repository calls from their audit rows: the history of saveSignal and updateSignalStatus ends at the stored record', async () => {
    await withTestStore(kind, async (store) => {
      const repo = SignalRepository.fromStore(store);
      const saved = await repo.saveSignal({ symbol: 'AAPL', side: 'buy', confidence: 0.8, sharpeEstimate: 1.5, entryPrice: 150, strategyName: 'm' }, { signalId: 'api-1', generatedAt: new Date('2026-01-05T10:00:00Z'), signalMetadata: { b: 1, a: [true] } });
      await repo.updateSignalStatus('api-1', SignalStatus.PassedRisk, { processedAt: new Date('2026-01-05T10:00:01Z') });
      await repo.updateSignalStatus('api-1', SignalStatus.Executed, { executedPrice: 151, executedQuantity: 100, executedAt: new Date('2026-01-05T10:00:02Z') });
      const history = await repo.getSignalHistory(saved.signalId);
      expect(history.map((v) => v.statusAfter)).toEqual(['generated', 'passed_risk', 'executed']);
      expect(history.every((v) => v.source === 'api')).toBe(true);
      expect(JSON.stringify(history.at(-1)?.record)).toBe(JSON.stringify(await repo.getSignalById('api-1')));
    });
  });
});

/** Random valid messages in random batches: the accepted events of each signal with the batch that recorded them (an event_id belongs to its first message). */
const runArb = fc
  .record({
    messages: fc.array(validMessageArb(), { minLength: 1, maxLength: 16 }),
    sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
    cut: fc.nat(),
  })
  .map(({ messages, sizes, cut }) => {
    const parsed = messages.map((m, i) => parseMessage({ topic: m.topic, key: m.key, value: m.value, source: fileLine(m.topic, i + 1) }));
    const batches: ParsedMessage[][] = [];
    for (let at = 0, s = 0; at < parsed.length; s++) {
      const size = sizes[s % sizes.length] as number;
      batches.push(parsed.slice(at, at + size));
      at += size;
    }
    const owned = new Set<string>();
    const events = new Map<string, { event: SignalEvent; batch: number }[]>();
    batches.forEach((batch, b) => {
      for (const m of batch) {
        if (!m.ok || owned.has(m.event.eventId)) continue;
        owned.add(m.event.eventId);
        events.set(m.event.signalId, [...(events.get(m.event.signalId) ?? []), { event: m.event, batch: b }]);
      }
    });
    return { batches, events, cut: cut % batches.length };
  });

/** The fields the oracle computes, from a record (without the row's bookkeeping). */
const factsOf = ({ createdAt: _c, updatedAt: _u, version: _v, eventsDigest: _d, ...facts }: SignalRecord) => canonicalJson(facts);

describe('history and as-of against the test oracle, on random messages, on SQLite and PostgreSQL', () => {
  const opened: { kind: DatabaseKind; db: TestDatabase; store: Store; stopped: Store; stoppedDb: TestDatabase }[] = [];
  beforeAll(async () => {
    for (const kind of KINDS) {
      const db = await createTestDatabase(kind);
      const stoppedDb = await createTestDatabase(kind);
      opened.push({ kind, db, store: await openStore({ dbUrl: db.url }), stoppedDb, stopped: await openStore({ dbUrl: stoppedDb.url }) });
    }
  });
  afterAll(async () => {
    for (const o of opened) {
      await o.store.close();
      await o.stopped.close();
      await o.db.drop();
      await o.stoppedDb.drop();
    }
  });

  it('the last version is the stored record; as-of is the oracle\'s fold of the events that occurred by then; known-at is the database that stopped then', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({ batches, events, cut }) => {
        for (const { store, stopped } of opened) {
          await emptyStore(store);
          await emptyStore(stopped);
          await applyBatches(store, batches);
          await applyBatches(stopped, batches.slice(0, cut + 1));
          const repo = SignalRepository.fromStore(store);
          for (const [signalId, recorded] of events) {
            const history = await repo.getSignalHistory(signalId);
            const stored = (await repo.getSignalById(signalId)) as SignalRecord;
            expect(history).toHaveLength(recorded.length);
            expect(JSON.stringify(history.at(-1)?.record)).toBe(JSON.stringify(stored));
            expect(history.map((v) => v.occurredAt)).toEqual([...history.map((v) => v.occurredAt)].sort());
            for (const v of history) {
              const byThen = recorded.filter((r) => r.event.occurredAt <= v.occurredAt).map((r) => r.event);
              const asOf = (await repo.getSignalById(signalId, { asOf: v.occurredAt })) as SignalRecord;
              expect(asOf.version).toBe(byThen.length);
              const expected = plainFold(byThen);
              // JSON values compared apart, as values: PostgreSQL's jsonb writes numbers its own way (1.0 as 1.0, 1e2 as 100)
              expect(factsOf(asOf)).toBe(canonicalJson({ ...expected, signalMetadata: asOf.signalMetadata, riskCheckDetails: asOf.riskCheckDetails }));
              expect([asOf.signalMetadata, asOf.riskCheckDetails]).toEqual([expected.signalMetadata, expected.riskCheckDetails]);
            }
            const knownThen = await SignalRepository.fromStore(stopped).getSignalById(signalId);
            expect(JSON.stringify(await repo.getSignalById(signalId, { knownAt: receivedText(cut) }))).toBe(JSON.stringify(knownThen));
          }
          // the lists: every signal's record as of / known at a time, in byte order of ids, filtered, paged alike
          const byId = (a: SignalRecord, b: SignalRecord) => Buffer.compare(Buffer.from(a.signalId), Buffer.from(b.signalId));
          const times = [...events.values()].flat().map((r) => r.event.occurredAt).sort();
          const asOf = times[Math.floor(times.length / 2)] as string;
          const one = await Promise.all([...events.keys()].map((id) => repo.getSignalById(id, { asOf })));
          const expected = one.filter((r): r is SignalRecord => r !== null).sort(byId);
          expect(JSON.stringify(await repo.getSignals({}, { limit: 1000 }, { asOf }))).toBe(JSON.stringify(expected));
          const paged: SignalRecord[] = [];
          for (let cursor: string | undefined; ; ) {
            const page = await repo.getSignals({}, { limit: 2, cursor }, { asOf });
            paged.push(...page);
            if (page.length < 2) break;
            cursor = page[1]?.signalId;
          }
          expect(JSON.stringify(paged)).toBe(JSON.stringify(expected));
          const status = expected[0]?.status ?? 'generated';
          expect(JSON.stringify(await repo.getSignals({ status }, { limit: 1000 }, { asOf }))).toBe(JSON.stringify(expected.filter((r) => r.status === status)));
          const stoppedList = (await SignalRepository.fromStore(stopped).getSignals({}, { limit: 1000 })).sort(byId);
          expect(JSON.stringify(await repo.getSignals({}, { limit: 1000 }, { knownAt: receivedText(cut) }))).toBe(JSON.stringify(stoppedList));
        }
      }),
      { numRuns: propertyRuns(25) },
    );
  });
});
