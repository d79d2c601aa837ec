// Found by the export property test (test/store/export-ledger.int.test.ts) in CI: on PostgreSQL, ingest applies
// in two lanes split by signal. An export holding [sig-a's event ev-5, another sig-a event, sig-d's message that
// reused ev-5 (a dead letter)] put ev-5's two messages in different lanes, whose transactions raced for the id:
// when sig-d's lane inserted first, the copy kept sig-d's message and made sig-a's the dead letter, unlike the
// database exported. A message whose event id is pending in another lane now goes to that lane, after it.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSignals } from '../../src/api/index.ts';
import { ingestLines } from '../../src/ingest/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, emptyStore, type TestDatabase } from '../helpers/databases.ts';
import { eventLine } from '../helpers/events.ts';

const first = eventLine('orders.submitted', 'sig-a', { signal_id: 'sig-a', occurred_at: '1970-01-02T00:00:00Z', event_id: 'ev-5', order_id: 'a' });
const other = eventLine('orders.submitted', 'sig-a', { signal_id: 'sig-a', occurred_at: '2020-01-01T00:00:00Z', order_id: 'b' });
const reuse = eventLine('signals.risk', 'sig-d', { signal_id: 'sig-d', occurred_at: '1970-01-02T00:00:00Z', event_id: 'ev-5', passed: false, rejection_reason: 'r' });

describe('an event id carried by messages of two signals in one ingest, on PostgreSQL (two lanes)', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    store = await openStore({ dbUrl: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it.each([
    ['the first message', [first, other, reuse], 'sig-a', 'sig-d'],
    ['the first message, when it is the other signal\'s', [reuse, first, other], 'sig-d', 'sig-a'],
  ])('belongs to %s in the file, every time: the later one is the dead letter', async (_name, lines, owner, intruder) => {
    for (let run = 0; run < 20; run++) {
      await emptyStore(store);
      const summary = await ingestLines(store, Readable.from(lines.map((l) => `${l}\n`)), { batchSize: 5 });
      expect(summary, `run ${run}`).toMatchObject({ read: 3, applied: 2, deadLetters: 1 });
      expect((await findSignals(store, {}, { limit: 10 })).map((s) => s.signalId), `run ${run}`).toContain(owner);
      const deadLetters = await store.em().getConnection().execute<{ signal_id: string }[]>('select "signal_id" from "dead_letters"');
      expect(deadLetters.map((d) => d.signal_id), `run ${run}`).toEqual([intruder]);
    }
  });
});
