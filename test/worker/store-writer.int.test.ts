// The worker's SQLite writer (store-writer.ts): slices are applied in a thread of its own, on a connection of its own,
// which also checkpoints the WAL (SQLite's automatic checkpoint, every 10,000 pages). Checkpoints run beside it on the
// worker thread's connection were tried and taken out again (docs/benchmarks.md, "Checkpoints beside the SQLite
// writer"); what they had to keep is pinned here.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyBatch } from '../../src/store/index.ts';
import { openStoreWriter } from '../../src/worker/store-writer.ts';
import { withTestStore } from '../helpers/databases.ts';
import { chunks, parsedWorkload, snapshot } from '../helpers/workload.ts';

/** The size of the WAL file of the SQLite database at `url`. */
const walBytes = (url: string) => statSync(`${fileURLToPath(url.replace(/^sqlite:\/\//, 'file://'))}-wal`).size;

describe('the SQLite store writer', () => {
  it("keeps the WAL bounded over many slices: the writer's own checkpoint copies its pages, and the WAL starts again from its beginning", async () => {
    await withTestStore('sqlite-file', async (store, db) => {
      const writer = await openStoreWriter(store);
      const messages = parsedWorkload({ signals: 7_000, seed: 8 });
      try {
        for (const slice of chunks(messages, 2_000)) await writer.apply(slice, [], false);
        // 10,000 pages before the writer's checkpoint, a slice's pages more at most (each WAL frame: 24 bytes and a page)
        expect(walBytes(db.url)).toBeLessThan(13_000 * (24 + 4096));
        expect(walBytes(db.url)).toBeGreaterThan(0);
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
