// The worker's retry while the database is unavailable (src/worker/database-retry.ts), on a fake clock:
// which failures are retried, the waits between tries, the state it reports and logs once per change, and
// a stopping worker ending the wait.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { databaseRetry } from '../../src/worker/database-retry.ts';

const withCode = (code: string) => Object.assign(new Error(`failure ${code}`), { code });

function harness(options: { random?: number; halting?: () => boolean; maxRetryDelayMs?: number } = {}) {
  let clock = 0;
  const waits: number[] = [];
  const states: boolean[] = [];
  const lines: string[] = [];
  let retries = 0;
  const retry = databaseRetry({
    log: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line).msg) }),
    onState: (up) => states.push(up),
    onRetry: () => retries++,
    halting: options.halting ?? (() => false),
    maxRetryDelayMs: options.maxRetryDelayMs,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    random: () => options.random ?? 0.5,
  });
  return { retry, waits, states, lines, retries: () => retries };
}

/** Work that fails with each of `failures` in turn, then returns 'done'. */
const failing = (...failures: Error[]) => {
  let call = 0;
  return async () => {
    const error = failures[call++];
    if (error !== undefined) throw error;
    return 'done';
  };
};

describe('retrying while the database is unavailable', () => {
  it('retries a lost connection, waiting 200 ms doubling, and reports the state down once and up once', async () => {
    const h = harness();
    const result = await h.retry.run(failing(withCode('ECONNREFUSED'), withCode('57P01'), withCode('53300')));
    expect(result).toBe('done');
    expect(h.waits).toEqual([200, 400, 800]);
    expect(h.retries()).toBe(3);
    expect(h.states).toEqual([false, false, false, true]);
    expect(h.lines).toEqual(['database unavailable: consumption paused, no offset committed; retrying with backoff', 'database available again: consumption resumed']);
  });

  it('waits at most the longest wait, in steps of at most 1 s, times a jitter of 0.75 to 1.25', async () => {
    const h = harness({ maxRetryDelayMs: 1_600, random: 1 });
    await h.retry.run(failing(...Array.from({ length: 5 }, () => withCode('40001'))));
    // 200, 400, 800, 1600, 1600, each x 1.25
    expect(h.waits).toEqual([250, 500, 1_000, 1_000, 1_000, 1_000, 1_000]);
    const low = harness({ random: 0 });
    await low.retry.run(failing(withCode('40001'), withCode('40001')));
    expect(low.waits).toEqual([150, 300]);
  });

  it('throws at once what retrying cannot fix, without a retry or a state change', async () => {
    const h = harness();
    await expect(h.retry.run(failing(withCode('42P01')))).rejects.toThrow('failure 42P01');
    expect(h.retries()).toBe(0);
    expect(h.states).toEqual([]);
    expect(h.waits).toEqual([]);
  });

  it('ends the wait when the worker stops, with nothing done', async () => {
    let stopping = false;
    const h = harness({ halting: () => stopping });
    let calls = 0;
    const result = await h.retry.run(async () => {
      calls++;
      stopping = true;
      throw withCode('ECONNREFUSED');
    });
    expect(result).toBeNull();
    expect(calls).toBe(1);
    expect(h.waits).toEqual([]);
  });

  it('a ping between tries reports the same state changes', () => {
    const h = harness();
    h.retry.observe(true);
    h.retry.observe(false, withCode('ECONNREFUSED'));
    h.retry.observe(false, withCode('ECONNREFUSED'));
    h.retry.observe(true);
    expect(h.states).toEqual([true, false, false, true]);
    expect(h.lines).toHaveLength(2);
  });
});

describe('pingEvery: an idle worker still notices the database', () => {
  it('pings on each interval and reports up or down with the error, until stopped', async () => {
    const { pingEvery } = await import('../../src/worker/database-retry.ts');
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      const seen: [boolean, unknown][] = [];
      let up = true;
      const failure = new Error('connection refused');
      const stop = pingEvery(
        5_000,
        async () => {
          if (!up) throw failure;
        },
        (state, error) => void seen.push([state, error]),
      );
      await vi.advanceTimersByTimeAsync(4_999);
      expect(seen).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      up = false;
      await vi.advanceTimersByTimeAsync(5_000);
      expect(seen).toEqual([
        [true, undefined],
        [false, failure],
      ]);
      stop();
      await vi.advanceTimersByTimeAsync(20_000);
      expect(seen).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
