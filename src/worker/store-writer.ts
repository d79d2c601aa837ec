import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedMessage } from '../contract/index.ts';
import { sqliteUrlOf } from '../store/database-url.ts';
import { LedgerError, ErrorCode, StoreError } from '../errors.ts';
import { applyBatch, type ApplyResult, type ConsumerCheckpoint, type Store } from '../store/index.ts';
import type { WriterFailure, WriterReply, WriterRequest } from './store-writer-thread.ts';

/** Where the worker's slices are applied. */
export interface StoreWriter {
  apply(messages: ParsedMessage[], checkpoints: ConsumerCheckpoint[], strict: boolean): Promise<ApplyResult>;
  close(): Promise<void>;
}

/** The writer thread's failure as an error of this thread, classified as it was there. */
function errorOf(failure: WriterFailure): Error {
  if (failure.code !== null) return new LedgerError(failure.code, failure.message, { retryable: failure.retryable, ...failure.context });
  return failure.retryable ? StoreError.unavailable(failure.message, null) : new Error(`SQLite writer: ${failure.message}`);
}

/** Heap bounds of the SQLite writer thread: a few slices in hand. */
const WRITER_HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 };

/**
 * The writer for a store. PostgreSQL does a transaction's work in its own server process, beside the
 * worker's fetching and validating; so does a SQLite file here, on a connection of its own in a
 * worker thread (SQLite in WAL mode lets the worker's connection read meanwhile). Measured: a
 * PostgreSQL writer thread too gained nothing on 2 cores (the cloning costs what it frees), while
 * SQLite's took the worker from about 20k to 26–29k events/s. An in-memory SQLite database cannot be
 * shared between connections, so it is written in place.
 */
export async function openStoreWriter(store: Store): Promise<StoreWriter> {
  if (store.target.dialect !== 'sqlite' || store.target.memory) {
    return { apply: (messages, checkpoints, strict) => applyBatch(store, messages, { checkpoints, strict }), close: async () => {} };
  }
  const dbUrl = sqliteUrlOf(store.target.file);
  // .ts when run from the sources, .js when run from the build in dist/
  const script = new URL(`./store-writer-thread${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  const thread = new Worker(script, { workerData: { dbUrl }, resourceLimits: WRITER_HEAP });
  const pending = new Map<number, { resolve: (r: ApplyResult) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let dead: Error | null = null;
  const fail = (error: Error) => {
    dead ??= error;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    thread.on('message', (reply: WriterReply) => {
      if (reply.type === 'ready') return resolve();
      if (reply.type === 'failed') return reject(new LedgerError(ErrorCode.DatabaseUnavailable, reply.message));
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.type === 'applied') p?.resolve(reply.result);
      // the thread says whether retrying can help; a retryable error keeps the worker waiting for the database
      else p?.reject(errorOf(reply.failure));
    });
    thread.on('error', (error) => {
      reject(error);
      fail(error);
    });
    thread.on('exit', (code) => {
      const error = new Error(`the SQLite writer thread exited with code ${code}`);
      reject(error);
      fail(error);
    });
  });
  await ready;
  return {
    apply(messages, checkpoints, strict) {
      if (dead !== null) return Promise.reject(dead);
      const id = nextId++;
      return new Promise<ApplyResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        thread.postMessage({ type: 'apply', id, messages, checkpoints, strict } satisfies WriterRequest);
      });
    },
    async close() {
      if (dead !== null) return;
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      thread.postMessage({ type: 'close' } satisfies WriterRequest);
      await exited;
    },
  };
}
