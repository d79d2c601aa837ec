// The worker's SQLite writer (store-writer.ts): slices are applied in a thread of its own, on a connection of its own,
// which also checkpoints the WAL (SQLite's automatic checkpoint, every 10,000 pages). Checkpoints run beside it on the
// worker thread's connection were tried and taken out again (docs/benchmarks.md, "Checkpoints beside the SQLite
// writer"); what they had to keep is pinned here.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { openStoreWriter } from '../../src/worker/store-writer.ts';
import { withTestStore } from '../helpers/databases.ts';
import { chunks, parsedWorkload, snapshot } from '../helpers/workload.ts';

/** The sizes of the SQLite database file at `url` and of its WAL, and its page size. */
async function sizes(store: Store, url: string) {
  const file = fileURLToPath(url.replace(/^sqlite:\/\//, 'file://'));
  const [{ page_size: pageSize } = { page_size: 0 }] = await store.em().getConnection().execute<{ page_size: number }[]>('pragma page_size');
  return { pageSize, fileBytes: statSync(file).size, walBytes: statSync(`${file}-wal`).size };
}

const AUTOCHECKPOINT_PAGES = 10_000;
const SLICE = 2_000;

describe('the SQLite store writer', () => {
  it("keeps the WAL bounded over many slices: the writer's own checkpoint copies its pages, and the WAL starts again from its beginning", async () => {
    await withTestStore('sqlite-file', async (store, db) => {
      const writer = await openStoreWriter(store);
      // about 0.8 pages of WAL an event: some 25,000 pages in all, more than twice the checkpoint's 10,000
      const messages = parsedWorkload({ signals: 7_000, seed: 8 });
      try {
        for (const slice of chunks(messages, SLICE)) await writer.apply(slice, [], false);
        const { pageSize, fileBytes, walBytes } = await sizes(store, db.url);
        // the WAL is never shortened, so its size is the most it held: the checkpoint's pages, and what the slice that
        // crossed them added (each frame is 24 bytes and a page; a slice of 2,000 events writes well under 3,000)
        expect(walBytes).toBeLessThan((AUTOCHECKPOINT_PAGES + 3_000) * (24 + pageSize));
        // and the checkpoints copied pages into the database file (a new one holds a few pages of schema)
        expect(fileBytes).toBeGreaterThan(1_000 * pageSize);
      } finally {
        await writer.close();
      }
      // no signal record differs from a store the same batches were applied to in this thread
      await withTestStore('sqlite-file', async (plain) => {
        for (const slice of chunks(messages, SLICE)) await applyBatch(plain, slice);
        expect(await snapshot(store)).toBe(await snapshot(plain));
      });
    });
  });
});
