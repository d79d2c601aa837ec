import type { Logger } from 'pino';
import { describeError, ErrorCode, LedgerError } from '../errors.ts';

/**
 * The lines a worker logs when an error stops it: in strict mode (--on-invalid stop) each message that
 * broke the contract, with where it is; otherwise the error itself.
 */
export function logFatalError(log: Logger, error: unknown): void {
  if (error instanceof LedgerError && error.code === ErrorCode.ContractViolation) {
    const messages = (error.context.messages ?? []) as { where: { topic?: string; partition?: number; offset?: string }; problems: unknown }[];
    for (const { where, problems } of messages) {
      log.error({ topic: where.topic, partition: where.partition, offset: where.offset, problems }, 'contract violation in strict mode (--on-invalid stop): the worker stops; this offset is not committed');
    }
    return;
  }
  log.error({ error: describeError(error) }, 'worker stopped: an error that retrying cannot fix; no offset past stored data was committed');
}
