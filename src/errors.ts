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
};

/** One line for a person: the message, plus the innermost cause when it adds something. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let root: unknown = error;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const rootMessage = root instanceof Error && root !== error ? root.message : '';
  return rootMessage && !error.message.includes(rootMessage) ? `${error.message} (${rootMessage})` : error.message;
}
