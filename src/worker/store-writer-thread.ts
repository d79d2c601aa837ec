// The SQLite writer of the worker (store-writer.ts): applies the slices it is sent on a connection of
// its own, one at a time, and answers with each result or whether its failure is worth retrying.
import { parentPort, workerData } from 'node:worker_threads';
import type { ParsedMessage } from '../contract/index.ts';
import { describeError } from '../errors.ts';
import { applyBatch, type ApplyResult, type ConsumerCheckpoint, openStore } from '../store/index.ts';
import { isStoreUnavailable } from './store-errors.ts';

export type WriterRequest = { type: 'apply'; id: number; messages: ParsedMessage[]; checkpoints: ConsumerCheckpoint[] } | { type: 'close' };
export type WriterReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'applied'; id: number; result: ApplyResult }
  | { type: 'error'; id: number; message: string; unavailable: boolean };

const port = parentPort;
if (port !== null) {
  const post = (reply: WriterReply) => port.postMessage(reply);
  try {
    const store = await openStore({ dbUrl: (workerData as { dbUrl: string }).dbUrl, migrate: false });
    let queue = Promise.resolve();
    port.on('message', (request: WriterRequest) => {
      queue = queue.then(async () => {
        if (request.type === 'close') {
          await store.close();
          port.close();
          return;
        }
        try {
          post({ type: 'applied', id: request.id, result: await applyBatch(store, request.messages, { checkpoints: request.checkpoints }) });
        } catch (error) {
          post({ type: 'error', id: request.id, message: describeError(error), unavailable: isStoreUnavailable(error) });
        }
      });
    });
    post({ type: 'ready' });
  } catch (error) {
    post({ type: 'failed', message: describeError(error) });
  }
}
