// The worker's SQLite writer (store-writer.ts): slices are applied in a thread of its own, on a connection of its own,
// which also checkpoints the WAL (SQLite's automatic checkpoint, every 40 MiB of WAL: open-store.ts). Checkpoints run beside it on the
// worker thread's connection were tried and taken out again (docs/benchmarks.md, "Checkpoints beside the SQLite
// writer"); what they had to keep is pinned here.
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyBatch, type Store } from '../../src/store/index.ts';
import { openStoreWriter } from '../../src/worker/store-writer.ts';
import { pragmaNumber, withTestStore } from '../helpers/databases.ts';
import { chunks, parsedWorkload, snapshot } from '../helpers/workload.ts';

/** The sizes of the store's SQLite database file and of its WAL. */
function fileSizes(store: Store) {
  if (store.target.dialect !== 'sqlite') throw new Error('a SQLite store was expected');
  const { file } = store.target;
  return { fileBytes: statSync(file).size, walBytes: statSync(`${file}-wal`).size };
}

const SLICE = 2_000;

describe('the SQLite store writer', () => {
  it("keeps the WAL bounded over many slices: the writer's own checkpoint copies its pages, and the WAL starts again from its beginning", async () => {
    await withTestStore('sqlite-file', async (store) => {
      const writer = await openStoreWriter(store);
      // about 110 MiB of WAL in all with 16 KiB pages (171 MiB for 18,000 signals, measured without checkpoints), more
      // than twice the 40 MiB after which the checkpoint runs
      const messages = parsedWorkload({ signals: 12_000, seed: 8 });
      try {
        for (const slice of chunks(messages, SLICE)) await writer.apply(slice, [], false);
        const pageSize = await pragmaNumber(store, 'page_size');
        const autocheckpointPages = await pragmaNumber(store, 'wal_autocheckpoint');
        // the workload is sized for this setting: a larger one would leave the bound below untested
        expect(autocheckpointPages * pageSize).toBe(40 * 1024 * 1024);
        const { fileBytes, walBytes } = fileSizes(store);
        // the WAL is never shortened, so its size is the most it held: the checkpoint's pages, and what the slice that
        // crossed them added (each frame is 24 bytes and a page; a slice of 2,000 events wrote at most about 4.5 MiB)
        expect(walBytes).toBeLessThan(autocheckpointPages * (24 + pageSize) + 8 * 1024 * 1024);
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
