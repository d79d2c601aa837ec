import { LedgerError } from '../errors.ts';

/** Network and server-state codes that mean "the database is not there right now", not "this batch is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_BUSY', 'SQLITE_LOCKED',
  '57P01', '57P02', '57P03', '53300', '40001', '40P01',
]);

/**
 * True when a failed apply should be retried later: the database is unreachable, restarting, or
 * refused the connection, or the transaction lost a race. Anything else is a bug or a broken schema
 * and must stop the worker rather than commit an offset past data that is not stored.
 */
export function isStoreUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 10; depth++) {
    if (e instanceof LedgerError && e.retryable) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (/Connection terminated|connection timeout|Connection ended|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(e.message)) return true;
    if (e.name === 'ConnectionException') return true;
    e = e.cause;
  }
  return false;
}
