// Dead letters retried on SQLite and PostgreSQL: one refused for an offset-less timestamp passes once the rule
// allows it, through the apply path, keeping where it came from, and is marked resolved with its event, never
// deleted; one still refused stays open and no second dead letter is written; one whose event arrived since is
// resolved with it; the counts of open and resolved dead letters follow, and verify stays clean. Then the list's
// filters and paging.
import { beforeAll, describe, expect, it } from 'vitest';
import { Analytics } from '../../src/analytics/index.ts';
import { DEFAULT_TOPICS, parseMessage } from '../../src/contract/index.ts';
import { findAuditTrail } from '../../src/api/index.ts';
import { applyBatch, findDeadLetters, openStore, retryDeadLetters, type Store, verifyLedger } from '../../src/store/index.ts';
import { blockStore, type DatabaseKind, emptyStore } from '../helpers/databases.ts';

const KINDS = ['sqlite-file', 'postgresql'] as const satisfies readonly DatabaseKind[];
const sql = <R = Record<string, unknown>>(store: Store, text: string, params: unknown[] = []) => store.em().getConnection().execute<R[]>(text, params);

const generated = (id: string, at: string) => JSON.stringify({ signal_id: id, occurred_at: at, strategy_name: 'm', symbol: 'AAPL', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 10 });
const kafka = (topic: string, value: string, offset: number) =>
  parseMessage({ topic, key: 'k', value, source: { type: 'kafka', topic, partition: 0, offset: String(offset), key: 'k' } });

describe.each(KINDS)('dead letters retried on %s', (kind) => {
  const opened = blockStore(kind);
  let store: Store;
  beforeAll(() => void (store = opened()));

  /**
   * naive: refused for its offset-less timestamp; bad: a risk decision whose passed is not a boolean; late: refused
   * for its offset-less timestamp, then delivered again (at another offset) once the rule allowed it, and applied
   */
  const fill = async () => {
    await emptyStore(store);
    await applyBatch(store, [
      kafka(DEFAULT_TOPICS.generated, generated('naive', '2026-01-05T10:00:00'), 1),
      kafka(DEFAULT_TOPICS.risk, JSON.stringify({ signal_id: 'bad', occurred_at: '2026-01-05T10:00:00Z', passed: 'maybe' }), 2),
      kafka(DEFAULT_TOPICS.generated, generated('late', '2026-01-05T10:00:00'), 3),
    ]);
    const again = parseMessage(
      { topic: DEFAULT_TOPICS.generated, key: 'k', value: generated('late', '2026-01-05T10:00:00'), source: { type: 'kafka', topic: DEFAULT_TOPICS.generated, partition: 0, offset: '9', key: 'k' } },
      { naiveTimestamps: 'utc' },
    );
    expect((await applyBatch(store, [again])).applied).toBe(1);
  };
  const ids = async () => new Map((await findDeadLetters(store)).map((d) => [d.signalId, d.id]));

  it('applies what passes now through the apply path, keeps its source, and marks it resolved with its event; what is still refused stays as it was', async () => {
    await fill();
    const before = await ids();
    expect([...before.keys()].sort()).toEqual(['bad', 'late', 'naive']);
    // under the rule they broke, nothing passes
    expect(await retryDeadLetters(store)).toEqual({ tried: 3, resolved: 0, refused: 3 });

    const resolved: [string, string][] = [];
    const r = await retryDeadLetters(store, { naiveTimestamps: 'utc', onResolved: (id, eventId) => resolved.push([id, eventId]) });
    expect(r).toEqual({ tried: 3, resolved: 2, refused: 1 });
    // late's event was recorded when it came again: its dead letter resolves with that event, a duplicate
    const lateEvent = (await findAuditTrail(store, 'late'))[0]?.eventId;
    expect(resolved).toEqual([
      [before.get('naive'), expect.stringMatching(/^[0-9a-f]{64}$/)],
      [before.get('late'), lateEvent],
    ]);
    expect(await findAuditTrail(store, 'late')).toHaveLength(1);
    const trail = await findAuditTrail(store, 'naive');
    expect(trail.map((e) => [e.kind, e.source, e.occurredAt])).toEqual([['generated', 'signals.generated/0@1', '2026-01-05T10:00:00.000000Z']]);
    expect(trail[0]?.eventId).toBe(resolved[0]?.[1]);
    const all = await findDeadLetters(store);
    expect(all).toHaveLength(3);
    expect(all.find((d) => d.signalId === 'naive')).toMatchObject({ resolvedEventId: resolved[0]?.[1], resolvedAt: expect.stringMatching(/^\d{4}-.*Z$/) });
    expect(all.filter((d) => d.resolvedAt === null).map((d) => d.signalId)).toEqual(['bad']);
    // a second retry reads the open ones only, and writes no dead letter for those still refused
    expect(await retryDeadLetters(store, { naiveTimestamps: 'utc' })).toEqual({ tried: 1, resolved: 0, refused: 1 });
    expect(await findDeadLetters(store)).toHaveLength(3);
    expect((await verifyLedger(store)).differences).toBe(0);
  });

  it('counts open and resolved dead letters apart in the analytics, from the rows and from the rollups alike', async () => {
    await fill();
    await retryDeadLetters(store, { naiveTimestamps: 'utc' });
    const analytics = Analytics.fromStore(store);
    const whole = await analytics.getDeadLetters();
    expect(whole).toMatchObject({ total: 3, open: 1, resolved: 2 });
    expect(whole.byTopic).toEqual([
      { topic: 'signals.generated', count: 2, open: 0, resolved: 2 },
      { topic: 'signals.risk', count: 1, open: 1, resolved: 0 },
    ]);
    // a window of whole days reads the rollups
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(await analytics.getDeadLetters({ from: today, to: tomorrow })).toMatchObject({ total: 3, open: 1, resolved: 2 });
  });

  it('retries only the ids given; an id already resolved or unknown is not tried', async () => {
    await fill();
    const before = await ids();
    expect(await retryDeadLetters(store, { ids: [before.get('bad') as string, '999999'], naiveTimestamps: 'utc' })).toEqual({ tried: 1, resolved: 0, refused: 1 });
    expect(await retryDeadLetters(store, { ids: [before.get('naive') as string], naiveTimestamps: 'utc' })).toMatchObject({ resolved: 1 });
    expect(await retryDeadLetters(store, { ids: [before.get('naive') as string], naiveTimestamps: 'utc' })).toEqual({ tried: 0, resolved: 0, refused: 0 });
  });

  it('lists newest first, filtered by topic, problem text, state and time, keyset-paged', async () => {
    await fill();
    await retryDeadLetters(store, { naiveTimestamps: 'utc' });
    const all = await findDeadLetters(store);
    expect(all.map((d) => Number(d.id))).toEqual([...all.map((d) => Number(d.id))].sort((a, b) => b - a));
    expect((await findDeadLetters(store, { topic: 'signals.generated' })).map((d) => d.signalId)).toEqual(['late', 'naive']);
    expect((await findDeadLetters(store, { problem: 'EXPECTED BOOLEAN' })).map((d) => d.signalId)).toEqual(['bad']);
    expect((await findDeadLetters(store, { problem: '%' })).length).toBe(0);
    // the messages are searched, not the JSON around them
    expect((await findDeadLetters(store, { problem: 'message' })).length).toBe(0);
    expect((await findDeadLetters(store, { problem: 'has no UTC' })).map((d) => d.signalId)).toEqual(['late', 'naive']);
    expect((await findDeadLetters(store, { state: 'resolved' })).map((d) => d.signalId)).toEqual(['late', 'naive']);
    expect((await findDeadLetters(store, { state: 'open' })).map((d) => d.signalId)).toEqual(['bad']);
    expect(await findDeadLetters(store, { to: '2000-01-01' })).toEqual([]);
    const [first, ...rest] = await findDeadLetters(store, { limit: 1 }).then(async (page) => [...page, ...(await findDeadLetters(store, { before: page[0]?.id }))]);
    expect([first, ...rest].map((d) => d?.id)).toEqual(all.map((d) => d.id));
  });
});

describe('a dead letter retried while the store is opened by another process', () => {
  it('is resolved once: the second retry finds it resolved and leaves it', async () => {
    const { createTestDatabase } = await import('../helpers/databases.ts');
    const db = await createTestDatabase('postgresql');
    const [a, b] = [await openStore({ dbUrl: db.url }), await openStore({ dbUrl: db.url })];
    try {
      await applyBatch(a, [kafka(DEFAULT_TOPICS.generated, generated('naive', '2026-01-05T10:00:00'), 1)]);
      const results = await Promise.all([retryDeadLetters(a, { naiveTimestamps: 'utc' }), retryDeadLetters(b, { naiveTimestamps: 'utc' })]);
      expect(results.reduce((n, r) => n + r.resolved, 0)).toBe(1);
      expect((await sql<{ resolved: string | number }>(a, 'select sum("resolved") as "resolved" from "dead_letter_rollups"'))[0]?.resolved).toEqual('1');
      expect((await verifyLedger(a)).differences).toBe(0);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});

