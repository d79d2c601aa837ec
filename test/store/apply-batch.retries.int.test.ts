// How applyBatch retries a transaction that lost a race (a serialization failure, a deadlock), on PostgreSQL,
// where such races happen (SQLite has one writer, which waits for the lock instead). A trigger makes the first
// N attempts fail with the SQLSTATE asked for, counted in a sequence (sequences are not rolled back), so each
// test knows exactly how many attempts were made:
// - a race is run again, up to maxAttempts attempts in all, and then the batch commits whole;
// - a race that keeps failing throws a DATABASE_CONFLICT LedgerError "batch not applied after N attempts", with the
//   database's error as its cause, and writes nothing;
// - any other failure is thrown as it is, after one attempt (the callers classify it);
// - between attempts it waits 10 ms x 2^attempt, at most 1 s, times a jitter of 0.5 to 1.5;
// - the rerun that looks every event id up, after one was found taken at insert time, is not an attempt.
// Then withWriteTransaction (rebuild's pages), on both databases.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, LedgerError } from '../../src/errors.ts';
import { parseMessage, type ParsedMessage } from '../../src/contract/index.ts';
import { applyBatch, type Store, withWriteTransaction } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

const generated = (signalId: string, eventId?: string): ParsedMessage =>
  parseMessage({
    topic: 'signals.generated',
    key: signalId,
    value: JSON.stringify({ signal_id: signalId, event_id: eventId, occurred_at: '2026-01-05T10:00:00Z', strategy_name: 'm', symbol: 'A', side: 'buy', confidence: 0.5, sharpe_estimate: 1, entry_price: 1 }),
    source: { type: 'file', file: 'retries', line: 1, topic: 'signals.generated', key: signalId },
  });

/** Makes the first `failures` statements that insert into `table` (default signals) fail with SQLSTATE `code`. */
async function failFirstInserts(store: Store, failures: number, code: string, table = 'signals'): Promise<void> {
  const conn = store.em().getConnection();
  await conn.execute('create sequence insert_attempts');
  await conn.execute(
    `create function fail_first_inserts() returns trigger language plpgsql as $$ begin if nextval('insert_attempts') <= ${failures} then raise exception 'injected failure' using errcode = '${code}'; end if; return null; end $$`,
  );
  await conn.execute(`create trigger fail_first_inserts before insert on ${table} for each statement execute function fail_first_inserts()`);
}

/** How many statements tried to insert into the table failFirstInserts watches: the attempts made. */
async function attempts(store: Store): Promise<number> {
  const [row] = await store.em().getConnection().execute<{ last_value: string; is_called: boolean }[]>('select "last_value", "is_called" from insert_attempts');
  return row?.is_called === true ? Number(row.last_value) : 0;
}

const storedSignals = async (store: Store) =>
  (await store.em().getConnection().execute<{ signal_id: string }[]>('select "signal_id" from "signals" order by "signal_id"')).map((r) => r.signal_id);

const codesOf = (error: unknown): unknown[] => {
  const codes = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) codes.push((e as { code?: unknown }).code);
  return codes;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('applyBatch retries on postgresql', () => {
  it('a serialization failure (40001) is run again: after two failures the third attempt commits the whole batch', async () => {
    await withTestStore('postgresql', async (store) => {
      await failFirstInserts(store, 2, '40001');
      const result = await applyBatch(store, [generated('a'), generated('b')], { maxAttempts: 3 });
      expect(result).toMatchObject({ received: 2, applied: 2, deadLetters: 0, signalIds: ['a', 'b'] });
      expect(await attempts(store)).toBe(3);
      expect(await storedSignals(store)).toEqual(['a', 'b']);
    });
  });

  it('a deadlock (40P01) is run again as well', async () => {
    await withTestStore('postgresql', async (store) => {
      await failFirstInserts(store, 1, '40P01');
      expect((await applyBatch(store, [generated('a')], { maxAttempts: 2 })).applied).toBe(1);
      expect(await attempts(store)).toBe(2);
    });
  });

  it('a race that outlasts maxAttempts throws a DATABASE_CONFLICT LedgerError naming the attempts, with the database error as cause, and writes nothing', async () => {
    await withTestStore('postgresql', async (store) => {
      await failFirstInserts(store, 10, '40001');
      const error = await applyBatch(store, [generated('a')], { maxAttempts: 2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect(error).toMatchObject({ code: ErrorCode.DatabaseConflict, message: expect.stringContaining('batch not applied after 2 attempts') });
      expect(codesOf(error)).toContain('40001');
      expect(await attempts(store)).toBe(2);
      expect(await storedSignals(store)).toEqual([]);
    });
  });

  it('without maxAttempts a race is tried 8 times in all', async () => {
    await withTestStore('postgresql', async (store) => {
      vi.spyOn(Math, 'random').mockReturnValue(0); // the shortest waits: 5 ms doubling to 640 ms
      await failFirstInserts(store, 10, '40001');
      const error = await applyBatch(store, [generated('a')]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.DatabaseConflict, message: expect.stringContaining('batch not applied after 8 attempts') });
      expect(await attempts(store)).toBe(8);
    });
  });

  it('a failure that is not a race (42501, a permission) is thrown as it is, after one attempt', async () => {
    await withTestStore('postgresql', async (store) => {
      await failFirstInserts(store, 1, '42501');
      const error = await applyBatch(store, [generated('a')], { maxAttempts: 5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(LedgerError);
      expect(codesOf(error)[0]).toBe('42501');
      expect(await attempts(store)).toBe(1);
      expect(await storedSignals(store)).toEqual([]);
    });
  });

  it('the rerun that looks every event id up, after one was found taken at insert time, is not one of the attempts', async () => {
    await withTestStore('postgresql', async (store) => {
      await applyBatch(store, [generated('a', 'shared')]);
      // a batch reuses a's event id for a new signal: its first run finds the id taken when inserting, the rerun
      // looks it up and writes the dead letter, which loses one race; with maxAttempts 2 that race is retried
      await failFirstInserts(store, 1, '40001', 'dead_letters');
      const result = await applyBatch(store, [generated('e', 'shared')], { maxAttempts: 2 });
      expect(result).toMatchObject({ applied: 0, deadLetters: 1, outcomes: ['dead-letter'] });
      expect(await attempts(store)).toBe(2);
      expect(await storedSignals(store)).toEqual(['a']);
    });
  });

  it('waits 10 ms x 2^attempt between attempts, at most 1 s, times a jitter of 0.5 plus a random fraction', async () => {
    await withTestStore('postgresql', async (store) => {
      await failFirstInserts(store, 7, '40001');
      vi.spyOn(Math, 'random').mockReturnValue(0.25);
      const waits: number[] = [];
      const realSetTimeout = globalThis.setTimeout;
      vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number, ...rest: unknown[]) => {
        waits.push(ms ?? 0);
        return realSetTimeout(fn, ms, ...rest);
      }) as typeof setTimeout);
      expect((await applyBatch(store, [generated('a')], { maxAttempts: 8 })).applied).toBe(1);
      expect(await attempts(store)).toBe(8);
      // the driver sets timers of its own: the backoff's are these seven, in this order
      const backoff = [15, 30, 60, 120, 240, 480, 750];
      expect(waits.filter((ms) => backoff.includes(ms))).toEqual(backoff);
    });
  });
});

// withWriteTransaction (rebuild's pages) runs its function again after a race the same way, and throws the
// last error as it is: its callers report it.
describe.each(['sqlite-file', 'postgresql'] as const)('withWriteTransaction on %s', (kind) => {
  const race = () => Object.assign(new Error('injected race'), { code: kind === 'postgresql' ? '40001' : 'SQLITE_BUSY' });

  it('runs the function again after a race, and returns what the attempt that passed returned', async () => {
    await withTestStore(kind, async (store) => {
      let calls = 0;
      const result = await withWriteTransaction(store, async () => (++calls <= 2 ? Promise.reject(race()) : `attempt ${calls}`), 3);
      expect(result).toBe('attempt 3');
    });
  });

  it('a race that outlasts maxAttempts (8 by default) is thrown as it is after the last attempt', async () => {
    await withTestStore(kind, async (store) => {
      vi.spyOn(Math, 'random').mockReturnValue(0);
      let calls = 0;
      const error = await withWriteTransaction(store, async () => {
        calls++;
        throw race();
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ message: 'injected race' });
      expect(calls).toBe(8);
    });
  });

  it('any other failure is thrown at once, after one attempt', async () => {
    await withTestStore(kind, async (store) => {
      let calls = 0;
      const error = await withWriteTransaction(store, async () => {
        calls++;
        throw new Error('not a race');
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ message: 'not a race' });
      expect(calls).toBe(1);
    });
  });
});
