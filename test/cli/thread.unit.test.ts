// How a command's thread (src/cli/thread.ts: ingest of a file, the worker) ends without its last message,
// said in words, with real threads: it runs out of its bounded heap, it exits, it throws.
import { describe, expect, it } from 'vitest';
import { startThread } from '../../src/cli/thread.ts';

/** Runs a script of test/cli/threads/ and gives the first error its thread ends with. */
function firstEnd(script: string, extra: { workerData?: unknown; outOfHeapHint?: string } = {}): Promise<Error> {
  return new Promise((resolve) => {
    const heap = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 };
    startThread({ name: 'test', script, from: new URL('./threads/throws.ts', import.meta.url).href, workerData: extra.workerData ?? null, heap, outOfHeapHint: extra.outOfHeapHint }, resolve);
  });
}

describe('a command thread that ends without its last message', () => {
  it('out of its heap: names the thread and the heap in MB, then the hint', async () => {
    const error = await firstEnd('fills-its-heap', { outOfHeapHint: '; use a smaller --batch-size' });
    expect(error.message).toBe('the test thread ran out of its 16 MB heap; use a smaller --batch-size');
    expect((error.cause as { code?: string }).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect((await firstEnd('fills-its-heap')).message).toBe('the test thread ran out of its 16 MB heap');
  });

  it('exiting: its exit code', async () => {
    expect((await firstEnd('exits-with-3')).message).toBe('the test thread stopped with exit code 3');
  });

  it('throwing: the error it threw', async () => {
    expect((await firstEnd('throws', { workerData: 'broken on purpose' })).message).toBe('broken on purpose');
  });
});
