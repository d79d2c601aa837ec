import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ParsedMessage, parseMessage } from '../../src/contract/index.ts';
import { ErrorCode, LedgerError } from '../../src/errors.ts';
import { applyBatch, readCheckpoints, type Store } from '../../src/store/index.ts';
import { timestampTextSql } from '../../src/store/column-types.ts';
import { refusePoisonRows, refuseRows, withTestStore } from '../helpers/databases.ts';

const generated = (signalId: string, eventId?: string, offset = '0'): ParsedMessage =>
  parseMessage({
    topic: 'signals.generated',
    value: JSON.stringify({ signal_id: signalId, event_id: eventId, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1 }),
    source: { type: 'kafka', topic: 'signals.generated', partition: 0, offset, key: signalId },
  });

const deadLetters = (store: Store) =>
  store.em().getConnection().execute<{ source: string; signal_id: string; problems: unknown }[]>('select "source", "signal_id", "problems" from "dead_letters" order by "source"');
const signalIds = async (store: Store) => (await store.em().getConnection().execute<{ signal_id: string }[]>('select "signal_id" from "signals" order by "signal_id"')).map((r) => r.signal_id);
const problemsOf = (p: unknown) => (typeof p === 'string' ? JSON.parse(p) : p) as { path: string; message: string }[];

describe.each(['sqlite-file', 'postgresql'] as const)('the apply path on %s when a message cannot be stored', (kind) => {
  it('a batch the database refuses for two of its messages is split: those two are dead letters with its error, the rest and the checkpoint commit', async () => {
    await withTestStore(kind, async (store) => {
      await refusePoisonRows(store);
      const batch = Array.from({ length: 13 }, (_, i) => generated(i === 3 || i === 11 ? `poison-${i}` : `ok-${String(i).padStart(2, '0')}`, undefined, String(i)));
      const result = await applyBatch(store, batch, { checkpoints: [{ groupId: 'g', topic: 'signals.generated', partition: 0, nextOffset: '13' }] });
      expect(result.outcomes.map((o, i) => [i, o]).filter(([, o]) => o !== 'applied')).toEqual([
        [3, 'dead-letter'],
        [11, 'dead-letter'],
      ]);
      expect(result).toMatchObject({ received: 13, applied: 11, deadLetters: 2, duplicates: 0 });
      // the problems of each, by its place in the batch (the worker logs and counts them per message)
      expect(result.rejections).toEqual([3, 11].map((at) => ({ at, problems: [{ path: '$', message: expect.stringMatching(/^the database refused this message: .*poisoned row/) }] })));
      expect(await signalIds(store)).toHaveLength(11);
      const dead = await deadLetters(store);
      expect(dead.map((d) => [d.source, d.signal_id])).toEqual([
        ['signals.generated/0@11', 'poison-11'],
        ['signals.generated/0@3', 'poison-3'],
      ]);
      for (const d of dead) expect(problemsOf(d.problems)).toEqual([{ path: '$', message: expect.stringMatching(/^the database refused this message: .*poisoned row/) }]);
      expect(await readCheckpoints(store, 'g')).toEqual([{ groupId: 'g', topic: 'signals.generated', partition: 0, nextOffset: '13' }]);
      // a replay of the same batch changes nothing: the applied are duplicates, the refused dead letters are not written twice
      const again = await applyBatch(store, batch);
      expect(again).toMatchObject({ applied: 0, duplicates: 11, deadLetters: 2 });
      expect(await deadLetters(store)).toHaveLength(2);
    });
  });

  it('strict mode applies nothing of a batch with a message that breaks the contract, and says which', async () => {
    await withTestStore(kind, async (store) => {
      const bad = parseMessage({ topic: 'signals.generated', value: '{"signal_id":"x","occurred_at":"yesterday"}', source: { type: 'kafka', topic: 'signals.generated', partition: 2, offset: '41', key: null } });
      const error = await applyBatch(store, [generated('a'), bad], { strict: true, checkpoints: [{ groupId: 'g', topic: 'signals.generated', partition: 2, nextOffset: '42' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).code).toBe(ErrorCode.ContractViolation);
      expect((error as LedgerError).message).toMatch(/signals\.generated\/2@41: \$\.occurred_at /);
      expect((error as LedgerError).context.messages).toEqual([expect.objectContaining({ where: expect.objectContaining({ partition: 2, offset: '41' }) })]);
      expect(await signalIds(store)).toEqual([]);
      expect(await deadLetters(store)).toEqual([]);
      expect(await readCheckpoints(store, 'g')).toEqual([]);
    });
  });

  it('strict mode names the message the database refuses in a CONTRACT_VIOLATION, and writes nothing of the batch', async () => {
    await withTestStore(kind, async (store) => {
      await refusePoisonRows(store);
      const error = await applyBatch(store, [generated('ok', undefined, '1'), generated('poison', undefined, '2'), generated('ok-2', undefined, '3')], { strict: true }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.ContractViolation });
      expect((error as LedgerError).context.messages).toEqual([
        { source: 'signals.generated/0@2', where: expect.objectContaining({ offset: '2' }), problems: [{ path: '$', message: expect.stringMatching(/^the database refused this message: .*poisoned row/) }] },
      ]);
      expect(await signalIds(store)).toEqual([]);
      expect(await deadLetters(store)).toEqual([]);
    });
  });

  it('a batch of fewer than 8 messages that the database refuses every one of: each is a dead letter with its error', async () => {
    await withTestStore(kind, async (store) => {
      await refusePoisonRows(store);
      const batch = Array.from({ length: 7 }, (_, i) => generated(`poison-${i}`, undefined, String(i)));
      const result = await applyBatch(store, batch);
      expect(result).toMatchObject({ received: 7, applied: 0, deadLetters: 7 });
      expect((await deadLetters(store)).map((d) => d.signal_id).sort()).toEqual(batch.map((_, i) => `poison-${i}`));
    });
  });

  it('a large batch whose every message the database refuses is not split into dead letters: it is not the messages, and it stops', async () => {
    await withTestStore(kind, async (store) => {
      await refusePoisonRows(store);
      const batch = Array.from({ length: 8 }, (_, i) => generated(`poison-${i}`, undefined, String(i)));
      await expect(applyBatch(store, batch)).rejects.toThrow(/poisoned row/);
      expect(await deadLetters(store)).toEqual([]);
    });
  });

  it('an event_id owned by another signal is a dead letter naming the owner, in the same batch and in a later one, and the rest is applied', async () => {
    await withTestStore(kind, async (store) => {
      const first = await applyBatch(store, [generated('a', 'shared', '1'), generated('b', 'shared', '2'), generated('c', undefined, '3')]);
      expect(first.outcomes).toEqual(['applied', 'dead-letter', 'applied']);
      const later = await applyBatch(store, [generated('d', undefined, '4'), generated('e', 'shared', '5')]);
      expect(later.outcomes).toEqual(['applied', 'dead-letter']);
      expect(await signalIds(store)).toEqual(['a', 'c', 'd']);
      const problems = (await deadLetters(store)).map((d) => problemsOf(d.problems)[0]?.message);
      expect(problems).toEqual([
        'event_id "shared" already belongs to signal "a"; this message for signal "b" was not applied',
        'event_id "shared" already belongs to signal "a"; this message for signal "e" was not applied',
      ]);
    });
  });

  it('the parts of a split batch keep its options: its receipt time, and its rollup copy (PostgreSQL: the first checkpoint\'s partition, here 3)', async () => {
    await withTestStore(kind, async (store) => {
      await refusePoisonRows(store);
      const receivedAt = new Date('2026-02-01T12:00:00Z');
      const batch = [generated('ok-1', undefined, '1'), generated('poison', undefined, '2'), generated('ok-2', undefined, '3')];
      await applyBatch(store, batch, { receivedAt, checkpoints: [{ groupId: 'g', topic: 'signals.generated', partition: 3, nextOffset: '4' }] });
      const sql = (query: string) => store.em().getConnection().execute<{ v: string | number }[]>(query);
      const at = kind === 'postgresql' ? timestampTextSql('"received_at"') : '"received_at"';
      const times = await sql(`select distinct ${at} as "v" from "signal_events" union select distinct ${at} from "dead_letters"`);
      expect(times).toEqual([{ v: '2026-02-01T12:00:00.000000Z' }]);
      const slots = await sql('select distinct "slot" as "v" from "signal_rollups"');
      expect(slots.map((s) => Number(s.v))).toEqual([kind === 'postgresql' ? 3 : 0]);
    });
  });

  it('strict mode: a batch the database refuses whole but none of whose messages it refuses alone throws the database error, and writes nothing, not even the checkpoint', async () => {
    await withTestStore(kind, async (store) => {
      // a second "pair" signal is refused while another one is stored: two in one transaction fail, each alone passes
      await refuseRows(store, 'signals', `new.signal_id like 'pair%' and exists (select 1 from signals where signal_id like 'pair%')`, 'pair refused');
      const error = await applyBatch(store, [generated('pair-a', undefined, '1'), generated('pair-b', undefined, '2')], { strict: true, checkpoints: [{ groupId: 'g', topic: 'signals.generated', partition: 0, nextOffset: '3' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(LedgerError);
      expect(String((error as Error).message)).toMatch(/pair refused/);
      expect(await signalIds(store)).toEqual([]);
      expect(await readCheckpoints(store, 'g')).toEqual([]);
    });
  });

  it('a dead letter the database refuses as well is written with a sha256 of its raw value instead, and the rest commits', async () => {
    await withTestStore(kind, async (store) => {
      await refusePoisonRows(store);
      await refuseRows(store, 'dead_letters', `new.raw_value not like 'sha256:%'`, 'raw value refused');
      const poison = generated('poison', undefined, '2');
      // a message the contract refuses, whose dead letter the database then refuses too: its problems gain the database's
      const bad = parseMessage({ topic: 'signals.generated', value: '{"signal_id":"bad"', source: { type: 'kafka', topic: 'signals.generated', partition: 0, offset: '3', key: null } });
      const result = await applyBatch(store, [generated('ok', undefined, '1'), poison, bad]);
      expect(result).toMatchObject({ applied: 1, deadLetters: 2 });
      expect(result.outcomes).toEqual(['applied', 'dead-letter', 'dead-letter']);
      expect(await signalIds(store)).toEqual(['ok']);
      const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
      const stored = await store.em().getConnection().execute<{ raw_value: string; source: string; problems: unknown }[]>('select "raw_value", "source", "problems" from "dead_letters" order by "source"');
      expect(stored.map((d) => [d.source, d.raw_value])).toEqual([
        ['signals.generated/0@2', sha(poison.ok ? poison.payload : '')],
        ['signals.generated/0@3', sha('{"signal_id":"bad"')],
      ]);
      const badProblems = problemsOf(stored[1]?.problems);
      expect(badProblems.length).toBe(2);
      expect(badProblems[1]).toEqual({ path: '$', message: expect.stringMatching(/^the database refused this message: .*raw value refused/) });
    });
  });

  if (kind === 'postgresql') {
    it('a database that goes away while a refused batch is split is thrown, not taken for a refusal: nothing is written', async () => {
      await withTestStore(kind, async (store) => {
        await refusePoisonRows(store);
        // the second insert of signal "flaky" (its part, after the whole batch was refused for "poison") meets a server shutting down
        const conn = store.em().getConnection();
        await conn.execute('create sequence flaky_inserts');
        await conn.execute(
          `create function going_away() returns trigger language plpgsql as $$ begin if new.signal_id = 'flaky' and nextval('flaky_inserts') = 2 then raise exception 'server going away' using errcode = '57P01'; end if; return new; end $$`,
        );
        await conn.execute('create trigger going_away before insert on signals for each row execute function going_away()');
        await expect(applyBatch(store, [generated('flaky', undefined, '1'), generated('poison', undefined, '2')])).rejects.toThrow(/server going away/);
        expect(await signalIds(store)).toEqual([]);
        expect(await deadLetters(store)).toEqual([]);
      });
    });
  }
});

describe('the apply path on sqlite-file when SQLite has rolled the transaction back itself', () => {
  // SQLite ends the transaction on its own on some errors (a full disk, RAISE(ROLLBACK) in a trigger): the
  // apply path must not try to roll back again, which would replace the database's error with "no transaction"
  it('the refused message is a dead letter with the database error, and the rest commits', async () => {
    await withTestStore('sqlite-file', async (store) => {
      await refuseRows(store, 'signals', `new.signal_id like 'poison%'`, 'poisoned row', { rollback: true });
      const result = await applyBatch(store, [generated('ok', undefined, '1'), generated('poison', undefined, '2')]);
      expect(result.outcomes).toEqual(['applied', 'dead-letter']);
      expect(await signalIds(store)).toEqual(['ok']);
      expect(problemsOf((await deadLetters(store))[0]?.problems)).toEqual([{ path: '$', message: expect.stringMatching(/^the database refused this message: .*poisoned row/) }]);
    });
  });
});
