// The worker's SQLite writer thread (store-writer.ts): applies the slices it is sent on a connection of
// its own (applyBatch takes them one at a time) and answers with each result or whether its failure is
// worth retrying.
import { parentPort, workerData } from 'node:worker_threads';
import type { ParsedMessage } from '../contract/index.ts';
import { classifyFailure, describeError, type ErrorCode, FailureClass, LedgerError } from '../errors.ts';
import { applyBatch, type ApplyOptions, type ApplyResult, type ConsumerCheckpoint, openStore } from '../store/index.ts';

export type WriterRequest = { type: 'apply'; id: number; messages: ParsedMessage[]; checkpoints: ConsumerCheckpoint[]; strict: boolean } | { type: 'close' };
/** A failed apply as it crosses the thread boundary: the message, whether retrying helps, and a LedgerError's code and context. */
export interface WriterFailure {
  message: string;
  retryable: boolean;
  code: ErrorCode | null;
  context: Record<string, unknown> | null;
}
export type WriterReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'applied'; id: number; result: ApplyResult }
  | { type: 'error'; id: number; failure: WriterFailure };

const port = parentPort;
if (port !== null) {
  const post = (reply: WriterReply) => port.postMessage(reply);
  try {
    const store = await openStore({ dbUrl: (workerData as { dbUrl: string }).dbUrl, migrate: false });
    const inFlight = new Set<Promise<void>>();
    port.on('message', (request: WriterRequest) => {
      if (request.type === 'close') {
        void Promise.all(inFlight).then(async () => {
          await store.close();
          port.close();
        });
        return;
      }
      const options: ApplyOptions = { checkpoints: request.checkpoints, strict: request.strict };
      const task = applyBatch(store, request.messages, options).then(
        (result) => post({ type: 'applied', id: request.id, result }),
        (error: unknown) =>
          post({
            type: 'error',
            id: request.id,
            failure: {
              message: describeError(error),
              retryable: classifyFailure(error) === FailureClass.Retry,
              code: error instanceof LedgerError ? error.code : null,
              context: error instanceof LedgerError ? error.context : null,
            },
          }),
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    });
    post({ type: 'ready' });
  } catch (error) {
    post({ type: 'failed', message: describeError(error) });
  }
}
