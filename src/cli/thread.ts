import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';

/** A command's script to run in a worker thread with a bounded heap (ingest of a file, the worker). */
export interface ThreadScript {
  /** how errors name the thread: "the ingest thread ran out of its 96 MB heap" */
  name: string;
  /** the script's file name without its extension, beside `from` */
  script: string;
  /** import.meta.url of the module beside the script: .ts when run from the sources, .js from the build in dist/ */
  from: string;
  workerData: unknown;
  heap: ResourceLimits & { maxOldGenerationSizeMb: number };
  /** what to do when it runs out of its heap, after "the ... thread ran out of its N MB heap" ("; use a smaller --batch-size") */
  outOfHeapHint?: string;
}

/**
 * Starts the script in a worker thread. `ended` hears, in words, every way the thread can end without its
 * own last message: it ran out of its heap, it threw, or it exited. It may hear twice (an error, then the exit),
 * and a thread that has said it is done ends too: the caller keeps the first that comes before it has settled.
 */
export function startThread(run: ThreadScript, ended: (error: Error) => void): Worker {
  const script = new URL(`./${run.script}${path.extname(fileURLToPath(run.from))}`, run.from);
  const thread = new Worker(script, { workerData: run.workerData, resourceLimits: run.heap });
  thread.on('error', (error: Error & { code?: string }) =>
    ended(
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new Error(`the ${run.name} thread ran out of its ${run.heap.maxOldGenerationSizeMb} MB heap${run.outOfHeapHint ?? ''}`, { cause: error })
        : error,
    ),
  );
  thread.on('exit', (code) => ended(new Error(`the ${run.name} thread stopped with exit code ${code}`)));
  return thread;
}
