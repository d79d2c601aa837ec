// Runs one file ingest in a worker thread whose heap is bounded, so a long ingest keeps a small,
// constant footprint (the main thread's default heap would grow with the garbage of millions of lines).
import { parentPort, workerData } from 'node:worker_threads';
import type { NaiveTimestamps } from '../../config.ts';
import { type ThreadError, toThreadError } from '../../errors.ts';
import { ingestLines } from '../../ingest/index.ts';
import { openStore, type OpenStoreOptions } from '../../store/index.ts';

export interface IngestThreadInput {
  dbUrl: string;
  setting: string;
  migrate: OpenStoreOptions['migrate'];
  file: string;
  batchSize: number;
  naiveTimestamps: NaiveTimestamps;
  maxLineBytes: number;
}

export type IngestThreadMessage =
  | { type: 'progress'; read: number; seconds: number; bytes: number }
  | { type: 'unreadable'; line: number; why: string }
  | { type: 'done'; summary: import('../../ingest/index.ts').IngestSummary }
  | ({ type: 'error' } & ThreadError);

const input = workerData as IngestThreadInput;
const post = (m: IngestThreadMessage) => parentPort?.postMessage(m);
try {
  const store = await openStore({ dbUrl: input.dbUrl, setting: input.setting, migrate: input.migrate });
  try {
    const summary = await ingestLines(store, input.file, {
      batchSize: input.batchSize,
      naiveTimestamps: input.naiveTimestamps,
      maxLineBytes: input.maxLineBytes,
      onProgress: (s, bytes) => post({ type: 'progress', read: s.read, seconds: s.seconds, bytes }),
      onUnreadableLine: (line, why) => post({ type: 'unreadable', line, why }),
    });
    post({ type: 'done', summary });
  } finally {
    await store.close();
  }
} catch (error) {
  // a LedgerError keeps its code: the command's exit code
  post({ type: 'error', ...toThreadError(error) });
}
