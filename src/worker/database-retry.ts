import type { Logger } from 'pino';
import { classifyFailure, describeError, FailureClass } from '../errors.ts';

export interface DatabaseRetryOptions {
  log: Logger;
  /** told each time the database is found up or down (the worker's /healthz) */
  onState?(up: boolean): void;
  /** counted for each failed try that is retried (ledger_db_retries_total) */
  onRetry?(): void;
  /** true once the worker is stopping: the wait ends and nothing more is tried */
  halting(): boolean;
  /** the longest wait between tries (default 10 s) */
  maxRetryDelayMs?: number;
  /** the clock and the jitter, replaced by tests */
  now?(): number;
  sleep?(ms: number): Promise<unknown>;
  random?(): number;
}

/**
 * Runs database work again while the database is unavailable: a failure classifyFailure calls Retry (a
 * connection refused or lost, a server shutting down, too many connections, a serialization failure, a
 * deadlock) is tried again after 200 ms doubling up to the longest wait, each with a jitter of 0.75 to
 * 1.25; anything else is thrown. The log says once per change of state that the database went away and
 * that it came back. The wait is cut into steps of at most 1 s so that a stopping worker ends it soon:
 * `run` then resolves null, with nothing applied.
 */
export function databaseRetry(options: DatabaseRetryOptions): {
  run<R>(work: () => Promise<R>): Promise<R | null>;
  /** what a ping of the database found, between tries: the same state changes and log lines */
  observe(up: boolean, error?: unknown): void;
} {
  const { log } = options;
  const maxDelay = options.maxRetryDelayMs ?? 10_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  let outage = false;
  const state = (up: boolean, error?: unknown) => {
    options.onState?.(up);
    if (up && outage) log.info('database available again: consumption resumed');
    if (!up && !outage) log.warn({ error: describeError(error) }, 'database unavailable: consumption paused, no offset committed; retrying with backoff');
    outage = !up;
  };
  return {
    observe: state,
    async run<R>(work: () => Promise<R>): Promise<R | null> {
      for (let delay = 200; ; delay = Math.min(delay * 2, maxDelay)) {
        try {
          const result = await work();
          state(true);
          return result;
        } catch (error) {
          if (classifyFailure(error) !== FailureClass.Retry) throw error;
          options.onRetry?.();
          state(false, error);
          // the buffer fills meanwhile and eachBatch waits for it, heartbeating, so the group keeps this member
          for (const until = now() + delay * (0.75 + random() / 2); now() < until; ) {
            if (options.halting()) return null;
            await sleep(Math.min(1_000, Math.max(0, until - now())));
          }
        }
      }
    },
  };
}

/**
 * Pings the database every `everyMs`, so that an idle worker still notices it going away and coming back
 * (for /healthz), and tells `observe` what it found; returns the function that stops the pings.
 */
export function pingEvery(everyMs: number, ping: () => Promise<unknown>, observe: (up: boolean, error?: unknown) => void): () => void {
  const timer = setInterval(() => {
    ping().then(
      () => observe(true),
      (error: unknown) => observe(false, error),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
