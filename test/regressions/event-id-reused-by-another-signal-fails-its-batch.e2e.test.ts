// Regression: an event_id first recorded for one signal and later reused by a message for another
// (new) signal was not looked up (only ids of stored signals were), so its insert hit the unique
// event_id, the batch was taken for a race and retried until "batch not applied after 8 attempts",
// every time, with none of the batch's other events stored. Now the reusing message is a dead letter
// naming the signal that owns the id, and the rest of the batch is applied.
import { describe, expect, it } from 'vitest';
import type { EventLine } from '../../src/simulate/generate-events.ts';
import { applyBatch } from '../../src/store/index.ts';
import { ingestFile, runCli } from '../helpers/cli.ts';
import { freshDatabases, withTestStore } from '../helpers/databases.ts';
import { eventLine, generatedValue, riskValue } from '../helpers/events.ts';
import { scratchDir, writeLines } from '../helpers/scratch.ts';
import { readAuditPayloads, readDeadLetters } from '../helpers/stored-rows.ts';
import { toMessages } from '../helpers/workload.ts';

const work = scratchDir('event-id-reuse');
// sig-a, sig-c, sig-e and sig-g share an ingest lane on PostgreSQL, so their batches apply in file order
const firstPart: EventLine[] = [
  { topic: 'signals.generated', key: 'sig-a', value: generatedValue('sig-a', { event_id: 'shared-id' }) },
  { topic: 'signals.risk', key: 'sig-a', value: riskValue('sig-a') },
  { topic: 'signals.generated', key: 'sig-e', value: generatedValue('sig-e') },
];
const secondPart: EventLine[] = [
  { topic: 'signals.generated', key: 'sig-c', value: generatedValue('sig-c', { event_id: 'shared-id', symbol: 'MSFT' }) },
  { topic: 'signals.risk', key: 'sig-c', value: riskValue('sig-c') },
  { topic: 'signals.generated', key: 'sig-g', value: generatedValue('sig-g') },
];
const asText = (lines: readonly EventLine[]) => lines.map((l) => eventLine(l.topic, l.key, l.value));
const oneFile = writeLines(work, 'both.ndjson', asText([...firstPart, ...secondPart]));
const firstFile = writeLines(work, 'first.ndjson', asText(firstPart));
const secondFile = writeLines(work, 'second.ndjson', asText(secondPart));

/** What every route must leave: sig-a owns shared-id, sig-c's reuse is a dead letter naming sig-a, the rest is stored. */
async function expectReuseDeadLetteredAndRestStored(dbUrl: string, reuseSource: string) {
  const dead = await readDeadLetters(dbUrl);
  expect(dead).toHaveLength(1);
  expect(dead[0]).toMatchObject({ source: reuseSource, eventId: 'shared-id', signalId: 'sig-c' });
  expect(dead[0]?.problems).toEqual([{ path: '$.event_id', message: expect.stringMatching(/belongs to signal "sig-a".*for signal "sig-c" was not applied/) }]);
  const audit = await readAuditPayloads(dbUrl);
  expect(audit.map((a) => `${a.eventId}/${a.signalId}`)).toEqual(['shared-id/sig-a', 'sig-a:risk/sig-a', 'sig-c:risk/sig-c', 'sig-e:generated/sig-e', 'sig-g:generated/sig-g']);
}

describe.each(['sqlite-file', 'postgresql'] as const)('an event_id reused by another signal on %s', (kind) => {
  const fresh = freshDatabases(kind);

  it('ingest of one file whose reuse comes after a batch boundary: a dead letter naming the owner, the rest of its batch stored', async () => {
    const db = await fresh();
    const r = ingestFile(db.url, oneFile, { cwd: work, flags: ['--batch-size', '3'] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatchObject({ read: 6, applied: 5, dead_letters: 1 });
    await expectReuseDeadLetteredAndRestStored(db.url, `${oneFile}:4`);
  });

  it('ingest of a second file that reuses an id of the first: a dead letter naming the owner, the rest of the file stored', async () => {
    const db = await fresh();
    const first = ingestFile(db.url, firstFile, { cwd: work });
    expect(first.code, first.stderr).toBe(0);
    const second = ingestFile(db.url, secondFile, { cwd: work });
    expect(second.code, second.stderr).toBe(0);
    expect(second.summary).toMatchObject({ read: 3, applied: 2, dead_letters: 1 });
    await expectReuseDeadLetteredAndRestStored(db.url, `${secondFile}:1`);
    const sigC = JSON.parse(runCli(['--db', db.url, 'signals', 'get', 'sig-c', '--json'], { cwd: work }).stdout);
    expect(sigC).toMatchObject({ status: 'passed_risk', symbol: null });
  });

  it('applyBatch, in a later batch and in the same batch: outcomes say which message is the dead letter, the rest is applied', async () => {
    await withTestStore(kind, async (store, db) => {
      expect((await applyBatch(store, toMessages(firstPart, 'first'))).outcomes).toEqual(['applied', 'applied', 'applied']);
      const later = await applyBatch(store, toMessages(secondPart, 'second'), { maxAttempts: 2 });
      expect(later).toMatchObject({ applied: 2, deadLetters: 1, outcomes: ['dead-letter', 'applied', 'applied'] });
      await expectReuseDeadLetteredAndRestStored(db.url, 'second:1');

      const sameBatch: EventLine[] = [
        { topic: 'signals.generated', key: 'sig-x', value: generatedValue('sig-x', { event_id: 'shared-in-batch' }) },
        { topic: 'signals.generated', key: 'sig-y', value: generatedValue('sig-y', { event_id: 'shared-in-batch' }) },
        { topic: 'signals.risk', key: 'sig-y', value: riskValue('sig-y') },
      ];
      const same = await applyBatch(store, toMessages(sameBatch, 'same'), { maxAttempts: 2 });
      expect(same).toMatchObject({ applied: 2, deadLetters: 1, outcomes: ['applied', 'dead-letter', 'applied'] });
      const dead = (await readDeadLetters(db.url)).find((d) => d.source === 'same:2');
      expect(dead?.problems[0]?.message).toMatch(/belongs to signal "sig-x"/);
      expect((await readAuditPayloads(db.url)).filter((a) => a.signalId === 'sig-y').map((a) => a.eventId)).toEqual(['sig-y:risk']);
    });
  });
});
