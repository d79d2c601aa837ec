// The worker's SQLite writer (store-writer.ts): slices are applied in a thread of its own, and the WAL's checkpoints
// run on the worker's connection beside it, so the writer thread, the one SQLite keeps busiest, does not stop to copy
// pages into the database file (docs/benchmarks.md, "Checkpoints beside the SQLite writer").
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { openStoreWriter } from '../../src/worker/store-writer.ts';
import { withTestStore } from '../helpers/databases.ts';
import { chunks, parsedWorkload, snapshot } from '../helpers/workload.ts';

/** The database file's path and the pages the database holds (the WAL's included). */
async function sizes(store: Store, url: string) {
  const file = fileURLToPath(url.replace(/^sqlite:\/\//, 'file://'));
  const [{ page_count: pages } = { page_count: 0 }] = await store.em().getConnection().execute<{ page_count: number }[]>('pragma page_count');
  const [{ page_size: pageSize } = { page_size: 0 }] = await store.em().getConnection().execute<{ page_size: number }[]>('pragma page_size');
  const size = (suffix = '') => statSync(`${file}${suffix}`).size;
  return { databaseBytes: pages * pageSize, fileBytes: size(), walBytes: size('-wal') };
}

describe('the SQLite store writer', () => {
  it("copies each committed slice into the database file beside the writer, long before the writer's own checkpoint is due", async () => {
    await withTestStore('sqlite-file', async (store, db) => {
      const writer = await openStoreWriter(store);
      try {
        // about 3,000 pages of WAL: under the 10,000 at which the writer would copy them itself
        for (const slice of chunks(parsedWorkload({ signals: 800, seed: 7 }), 1_000)) await writer.apply(slice, [], false);
        await vi.waitFor(async () => {
          const { databaseBytes, fileBytes } = await sizes(store, db.url);
          expect(fileBytes).toBe(databaseBytes);
        });
      } finally {
        await writer.close();
      }
    });
  });

  it('keeps the WAL bounded over many slices: it starts again from its beginning once the writer finds every page copied', async () => {
    await withTestStore('sqlite-file', async (store, db) => {
      const writer = await openStoreWriter(store);
      const messages = parsedWorkload({ signals: 7_000, seed: 8 });
      try {
        for (const slice of chunks(messages, 2_000)) await writer.apply(slice, [], false);
        // 10,000 pages before the writer's checkpoint, a slice's pages more at most (each WAL frame: 24 bytes and a page)
        const { walBytes } = await sizes(store, db.url);
        expect(walBytes).toBeLessThan(13_000 * (24 + 4096));
        expect(walBytes).toBeGreaterThan(0);
      } finally {
        await writer.close();
      }
      // and nothing of the ledger differs from a store the same batches were applied to in this thread
      await withTestStore('sqlite-file', async (plain) => {
        for (const slice of chunks(messages, 2_000)) await applyBatch(plain, slice);
        expect(await snapshot(store)).toBe(await snapshot(plain));
      });
    });
  });
});
