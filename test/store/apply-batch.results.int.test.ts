// What applyBatch returns and writes for each message, field by field, on both databases: the result of a
// batch the safety net splits (counts, the signals touched in order, the rejections in batch order, each
// message's outcome), and the dead-letter rows' keys (a Kafka source is its own dedupe key up to the
// column's 200 characters, hashed beyond; the message key is kept). The worker forwards these results to
// its dead-letter topic and its metrics, so a wrong count or order is visible to operators.
import { describe, expect, it } from 'vitest';
import { canonicalJson, type ParsedMessage, parseMessage, sha256Hex } from '../../src/contract/index.ts';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { refusePoisonRows, withTestStore } from '../helpers/databases.ts';

const at = '2026-01-05T10:00:00Z';
const generatedValue = (signalId: string) =>
  JSON.stringify({ signal_id: signalId, occurred_at: at, strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1 });
const kafka = (topic: string, value: string, offset: string, key: string | null = null): ParsedMessage =>
  parseMessage({ topic, value, key, source: { type: 'kafka', topic, partition: 0, offset, key } });

const deadLetterRows = (store: Store) =>
  store
    .em()
    .getConnection()
    .execute<{ dedupe_key: string; source: string; topic: string | null; message_key: string | null; signal_id: string | null }[]>(
      'select "dedupe_key", "source", "topic", "message_key", "signal_id" from "dead_letters" order by "id"',
    );

describe.each(['sqlite-file', 'postgresql'] as const)('applyBatch results and dead-letter keys on %s', (kind) => {
  it('a batch split by the safety net returns every count, the touched signals sorted, and the rejections in batch order', async () => {
    await withTestStore(kind, async (store) => {
      await refusePoisonRows(store);
      // 0 c, 1 poison (refused by the database), 2 a bad message (refused by the contract), 3 a, 4 b, 5 a again (a duplicate), 6 poison
      const batch = [
        kafka('signals.generated', generatedValue('c'), '0', 'c'),
        kafka('signals.generated', generatedValue('poison-1'), '1', 'poison-key'),
        kafka('signals.generated', '{"signal_id":"x","occurred_at":"yesterday"}', '2'),
        kafka('signals.generated', generatedValue('a'), '3', 'a'),
        kafka('signals.generated', generatedValue('b'), '4', 'b'),
        kafka('signals.generated', generatedValue('a'), '5', 'a'),
        kafka('signals.generated', generatedValue('poison-2'), '6'),
      ];
      const result = await applyBatch(store, batch);
      expect(result.outcomes).toEqual(['applied', 'dead-letter', 'dead-letter', 'applied', 'applied', 'duplicate', 'dead-letter']);
      expect({ ...result, outcomes: undefined, rejections: undefined }).toEqual({
        received: 7,
        applied: 3,
        duplicates: 1,
        deadLetters: 3,
        signalsChanged: 3,
        signalIds: ['a', 'b', 'c'],
        outcomes: undefined,
        rejections: undefined,
      });
      expect(result.rejections.map((r) => r.at)).toEqual([1, 2, 6]);
      expect(result.rejections[1]?.problems[0]).toEqual({ path: '$.occurred_at', message: expect.stringMatching(/^not an RFC 3339 timestamp/) });
      for (const i of [0, 2]) expect(result.rejections[i]?.problems).toEqual([{ path: '$', message: expect.stringMatching(/^the database refused this message: .*poisoned row/) }]);
      const rows = await deadLetterRows(store);
      const poison = rows.find((r) => r.signal_id === 'poison-1');
      expect(poison).toMatchObject({ dedupe_key: 'signals.generated/0@1', source: 'signals.generated/0@1', topic: 'signals.generated', message_key: 'poison-key' });
    });
  });

  it('a Kafka source of up to 200 characters is its own dedupe key; a longer one is hashed, stored whole, and recorded once however often it comes', async () => {
    await withTestStore(kind, async (store) => {
      const source200 = 't'.repeat(200 - '/0@5'.length);
      const source201 = 'u'.repeat(201 - '/0@5'.length);
      const batch = [kafka(source200, generatedValue('s'), '5'), kafka(source201, generatedValue('s'), '5')];
      expect((await applyBatch(store, batch)).deadLetters).toBe(2);
      expect((await applyBatch(store, batch)).deadLetters).toBe(2);
      const rows = await deadLetterRows(store);
      expect(rows.map((r) => [r.dedupe_key, r.source])).toEqual([
        [`${source200}/0@5`, `${source200}/0@5`],
        [`sha256:${sha256Hex(`${source201}/0@5`)}`, `${source201}/0@5`],
      ]);
    });
  });

  it('a file line\'s dead letter is keyed by its topic, raw value and problems: two lines with the same problems are two dead letters, the same line ingested again is not written twice', async () => {
    await withTestStore(kind, async (store) => {
      const line = (value: string, n: number) => parseMessage({ topic: 'signals.generated', value, key: null, source: { type: 'file', file: 'bad.ndjson', line: n, topic: 'signals.generated', key: null } });
      const [a, b] = [line('{"signal_id":"a"', 1), line('{"signal_id":"b"', 2)];
      if (a.ok || b.ok) throw new Error('the lines were meant to be refused');
      expect(a.problems).toEqual(b.problems);
      expect((await applyBatch(store, [a, b])).deadLetters).toBe(2);
      expect((await applyBatch(store, [line('{"signal_id":"a"', 7)])).deadLetters).toBe(1);
      const key = (raw: string) => `sha256:${sha256Hex(`signals.generated\n${raw}\n${canonicalJson(a.problems)}`)}`;
      expect((await deadLetterRows(store)).map((r) => [r.dedupe_key, r.source])).toEqual([
        [key('{"signal_id":"a"'), 'bad.ndjson:1'],
        [key('{"signal_id":"b"'), 'bad.ndjson:2'],
      ]);
    });
  });
});
