// The worker's SQLite writer thread (store-writer.ts): applies the slices it is sent on a connection of
// its own (applyBatch takes them one at a time) and answers with each result or whether its failure is
// worth retrying.
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
    const inFlight = new Set<Promise<void>>();
    port.on('message', (request: WriterRequest) => {
      if (request.type === 'close') {
        void Promise.all(inFlight).then(async () => {
          await store.close();
          port.close();
        });
        return;
      }
      const task = applyBatch(store, request.messages, { checkpoints: request.checkpoints }).then(
        (result) => post({ type: 'applied', id: request.id, result }),
        (error: unknown) => post({ type: 'error', id: request.id, message: describeError(error), unavailable: isStoreUnavailable(error) }),
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    });
    post({ type: 'ready' });
  } catch (error) {
    post({ type: 'failed', message: describeError(error) });
  }
}
