/** The closed list of error codes signal-ledger raises. */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  InputInvalid: 'INPUT_INVALID',
  NotFound: 'NOT_FOUND',
  AlreadyExists: 'ALREADY_EXISTS',
  LimitExceeded: 'LIMIT_EXCEEDED',
  DatabaseUnavailable: 'DATABASE_UNAVAILABLE',
  DatabaseConflict: 'DATABASE_CONFLICT',
  FileUnreadable: 'FILE_UNREADABLE',
  /** strict mode (--on-invalid stop): a message broke the contract, and nothing of its batch was applied */
  ContractViolation: 'CONTRACT_VIOLATION',
  /** a stored audit row no longer parses, or a record differs from its events (signal-ledger verify names them) */
  LedgerDrift: 'LEDGER_DRIFT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface LedgerErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  [context: string]: unknown;
}

/** Every error signal-ledger throws on purpose: a code from a closed list, a message for people, a cause chain. */
export class LedgerError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: LedgerErrorOptions = {}) {
    const { cause, retryable = false, ...context } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LedgerError';
    this.code = code;
    this.retryable = retryable;
    this.context = context;
  }
}

export const ConfigError = {
  invalid: (setting: string, why: string, cause?: unknown) =>
    new LedgerError(ErrorCode.ConfigInvalid, `${setting}: ${why}`, { setting, cause }),
};

export const InputError = {
  invalid: (what: string, why: string) => new LedgerError(ErrorCode.InputInvalid, `${what}: ${why}`, { what }),
  limit: (what: string, why: string) => new LedgerError(ErrorCode.LimitExceeded, `${what}: ${why}`, { what }),
};

export const StoreError = {
  alreadyExists: (signalId: string) =>
    new LedgerError(ErrorCode.AlreadyExists, `signal ${signalId} already has details; saveSignal cannot save it again`, {
      signalId,
    }),
  unavailable: (why: string, cause: unknown) =>
    new LedgerError(ErrorCode.DatabaseUnavailable, `database unavailable: ${why}`, { cause, retryable: true }),
  conflict: (why: string, cause: unknown) =>
    new LedgerError(ErrorCode.DatabaseConflict, `database conflict: ${why}`, { cause, retryable: true }),
  drift: (why: string) => new LedgerError(ErrorCode.LedgerDrift, `${why}; signal-ledger verify lists what drifted`),
};

/** One line for a person: the message, plus the innermost cause when it adds something. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let root: unknown = error;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const rootMessage = root instanceof Error && root !== error ? root.message : '';
  return rootMessage && !error.message.includes(rootMessage) ? `${error.message} (${rootMessage})` : error.message;
}

/** An error as it crosses from a worker thread to the main thread: its description, and the LedgerError code that decides the command's exit code. */
export interface ThreadError {
  message: string;
  code: ErrorCode | null;
}

export const toThreadError = (error: unknown): ThreadError => ({ message: describeError(error), code: error instanceof LedgerError ? error.code : null });

/** The main thread's error for a ThreadError: a LedgerError again when it was one. */
export const fromThreadError = (e: ThreadError): Error => (e.code === null ? new Error(e.message) : new LedgerError(e.code, e.message));

/** What to do about a failure: try again later, record the message as a dead letter, or stop. */
export const FailureClass = { Retry: 'retry', DeadLetter: 'dead-letter', Stop: 'stop' } as const;
export type FailureClass = (typeof FailureClass)[keyof typeof FailureClass];

/** PostgreSQL codes of a transaction that lost a race: serialization failure, deadlock, lock not available. */
const RACE_CODES = new Set(['40001', '40P01', '55P03']);
/** SQLite result codes (better-sqlite3 puts them in `code`) that another connection's work causes. */
const SQLITE_RETRY = /^SQLITE_(BUSY|LOCKED)/;
/** Driver codes of a database that is away for now, or a race: try again. */
const RETRY_CODES = new Set([
  ...RACE_CODES,
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // PostgreSQL: admin/crash shutdown, cannot connect now, too many connections, statement cancelled (a timeout)
  '57P01', '57P02', '57P03', '53300', '57014',
]);
/** SQLite result codes a message's content causes. */
const SQLITE_CONTENT = /^SQLITE_(TOOBIG|MISMATCH|CONSTRAINT)/;
/** A database's code for refusing the data: PostgreSQL classes 22 data exception, 23 integrity, 54 program limit; SQLite TOOBIG, MISMATCH, CONSTRAINT. */
const refusesTheData = (code: string): boolean => /^(22|23|54)[0-9A-Z]{3}$/.test(code) || SQLITE_CONTENT.test(code);
const CONNECTION_LOST =
  /Connection terminated|connection timeout|Connection ended|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i;

/** Transaction races (a serialization failure, a deadlock, a lock not granted, SQLite busy): the retry class that one transaction retries at once. */
/** True when a failure is a race between transactions, which running the transaction again resolves; the database itself is there. */
export function isTransactionRace(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 10; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (RACE_CODES.has(code) || SQLITE_RETRY.test(code))) return true;
    e = e.cause;
  }
  return false;
}

/**
 * The one failure classifier of signal-ledger, shared by the worker, file ingest and the repository:
 * - retry: the database is unreachable, restarting or busy, or the transaction lost a race; nothing
 *   about the messages is wrong, so it is tried again with backoff and never becomes a dead letter;
 * - dead letter: the database refused the data (PostgreSQL classes 22 data exception, 23 integrity,
 *   54 program limit; SQLite TOOBIG, MISMATCH, CONSTRAINT), or the data overflowed a JavaScript limit
 *   (a RangeError): the batch is split to find the messages that fail alone, which become dead letters
 *   (unless all of a large batch fail alone: then it is not the messages, and it stops);
 * - stop: anything else (a missing table, a permission, a full disk, a bug): the process stops
 *   loudly rather than commit an offset past data it did not store.
 */
export function classifyFailure(error: unknown): FailureClass {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 10; depth++) {
    if (e instanceof LedgerError) {
      if (e.retryable || e.code === ErrorCode.DatabaseConflict) return FailureClass.Retry;
      // its message quotes producers' text (an event_id, a key), which must not read as a lost connection
      if (e.code === ErrorCode.ContractViolation) return FailureClass.Stop;
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (RETRY_CODES.has(code) || code.startsWith('08') || SQLITE_RETRY.test(code)) return FailureClass.Retry;
      if (refusesTheData(code)) return FailureClass.DeadLetter;
    } else if (!(e instanceof LedgerError) && (CONNECTION_LOST.test(e.message) || e.name === 'ConnectionException')) {
      // the pg driver's own errors have no code: known by their words
      return FailureClass.Retry;
    }
    if (e instanceof RangeError) return FailureClass.DeadLetter;
    e = e.cause;
  }
  return FailureClass.Stop;
}

/**
 * Whose a failure is that classifyFailure calls a dead letter: the database's when it is for a code of the database's
 * refusing the data, signal-ledger's own when it is for a RangeError raised in Node (a division by zero in the fold,
 * a JavaScript limit). The chain is read in classifyFailure's order, so the two always agree on the cause.
 */
export function isDatabaseRefusal(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 10; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && refusesTheData(code)) return true;
    if (e instanceof RangeError) return false;
    e = e.cause;
  }
  return false;
}

export const ContractError = {
  /** strict mode: the messages that broke the contract, each with where it came from and its problems */
  violation: (messages: readonly { source: string; where: unknown; problems: readonly { path: string; message: string }[] }[]) =>
    new LedgerError(
      ErrorCode.ContractViolation,
      `${messages.length === 1 ? 'a message' : `${messages.length} messages`} broke the contract, and nothing of the batch was applied: ${messages
        .slice(0, 5)
        .map((m) => `${m.source}: ${m.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`)
        .join(' | ')}${messages.length > 5 ? ` | and ${messages.length - 5} more` : ''}`,
      { messages },
    ),
};
