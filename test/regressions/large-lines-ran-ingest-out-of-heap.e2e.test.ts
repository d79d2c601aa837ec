// Regression: file ingest bounded its batches by --batch-size only (1,000 lines by default). A file of 300 lines of
// about 1 MB each (under the 2 MiB line limit, and messages under the 1 MiB limit, so dead letters that keep their
// whole text) went into one batch: the ingest thread ran out of its 96 MB heap and the ingest stopped with exit 1,
// having applied none of the lines after them. Now the batches of all lanes hold at most MAX_BATCH_TEXT characters of
// message text together (src/ingest/batch-applier.ts; a larger message is a batch of its own), as the worker's slices
// hold at most MAX_SLICE_BYTES.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { openStore } from '../../src/store/index.ts';
import { ingestFile } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { queryRows } from '../helpers/stored-rows.ts';
import { recordsOf, snapshot } from '../helpers/workload.ts';

const LARGE = 300;
const LARGE_BYTES = 1_000_000;
const work = scratchDir('large-lines');

describe('a file of 300 lines of almost 1 MB each, then the events of 50 signals', () => {
  it.each(['sqlite-file', 'postgresql'] as const)('signal-ledger ingest on %s stores each large line as a dead letter whole and applies the events after them', { timeout: 240_000 }, async (kind) => {
    const lines = [...generateEvents({ signals: 50, seed: 62, bad: 0 })];
    const expected = await recordsOf(lines);
    // not JSON that the contract reads: a signal_id, then a note of almost 1 MB (the value as its JSON text)
    const value = (i: number) => `{"signal_id":"large-${i}","note":"${'x'.repeat(LARGE_BYTES - 40)}"}`.padEnd(LARGE_BYTES, ' ');
    const file = writeLines(work, `large-lines-${kind}.ndjson`, [...Array.from({ length: LARGE }, (_, i) => JSON.stringify({ topic: 'signals.generated', key: `large-${i}`, value: value(i) })), ...lines.map((l) => JSON.stringify(l))]);
    const db = await createTestDatabase(kind);
    try {
      const r = ingestFile(db.url, file, { cwd: work, timeoutMs: 180_000 });
      expect(r.stderr).not.toMatch(/heap|memory/i);
      expect(r.code, r.stderr).toBe(0);
      expect(r.summary).toMatchObject({ read: LARGE + lines.length, dead_letters: LARGE });
      const store = await openStore({ dbUrl: db.url });
      try {
        const large = await queryRows<{ n: number; shortest: number }>(store, `select count(*) as n, min(length(raw_value)) as shortest from dead_letters where raw_value like '{"signal_id":"large-%'`);
        expect(large.map((row) => ({ n: Number(row.n), shortest: Number(row.shortest) }))).toEqual([{ n: LARGE, shortest: LARGE_BYTES }]);
        expect(await snapshot(store)).toBe(expected);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(file, { force: true });
      await db.drop();
    }
  });
});
