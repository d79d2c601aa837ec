// expectLedger is what the broker tests compare a ledger to the oracle with. CI shows only the first line of a failed
// assertion: a string comparison there read "expected '[{"anomalies":[],...' to be '[{"anomalies":[],...'", which
// says nothing of what was lost. These hold it to naming the signal, the fields, and what the store has of it.
import { describe, expect, it } from 'vitest';
import { applyBatch } from '../../src/store/index.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { withTestStore } from '../helpers/databases.ts';
import { expectLedger, recordsOf, toMessages } from '../helpers/workload.ts';

describe.each(['sqlite-file', 'postgresql'] as const)('expectLedger on %s', (kind) => {
  const lines = [...generateEvents({ signals: 6, seed: 7 })];
  const lost = lines.findIndex((l) => l.key === 'sig-00000002' && l.topic === 'signals.generated');

  it('passes when the store holds what the oracle computes', async () => {
    await withTestStore(kind, async (store) => {
      await applyBatch(store, toMessages(lines));
      await expectLedger(store, await recordsOf(lines));
    });
  });

  it('names, in its first line, the signal that lost an event and how its record differs; then the audit rows the store holds of it', async () => {
    await withTestStore(kind, async (store) => {
      await applyBatch(store, toMessages(lines.filter((_, i) => i !== lost)));
      const error = await expectLedger(store, await recordsOf(lines), () => 'the worker said this').then(
        () => null,
        (e: Error) => e,
      );
      const [first, ...rest] = (error?.message ?? '').split('\n');
      // what CI keeps of it
      expect(first?.slice(0, 300)).toMatch(/^the ledger differs from the oracle in 1 of 6 signals: sig-00000002 \(version 2 -> 1, .*, generatedAt, /);
      const audit = rest.find((l) => l.startsWith('audit rows of these signals: ')) ?? '';
      expect(JSON.parse(audit.slice('audit rows of these signals: '.length)).map((r: { kind: string }) => r.kind)).toEqual(['risk']);
      expect(rest.at(-1)).toBe('the worker said this');
    });
  });
});
