import { describe, expect, it } from 'vitest';
import { loadSignals } from '../../scripts/analytics-loader.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { Analytics } from '../../src/analytics/index.ts';
import { canonicalJson } from '../../src/contract/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { applyAll, snapshot, toMessages } from '../helpers/workload.ts';

describe("the benchmark's bulk loader", () => {
  for (const kind of ['sqlite-memory', 'postgresql'] as const) {
    it(`on ${kind}: writes the same signal rows and dead letters as the apply path, and stops at a target's limit`, async () => {
      const shape = { signals: 400, bad: 0.02, seed: 11, spacingMs: 3_600_000 };
      await withTestStore(kind, async (applied) => {
        await applyAll(applied, toMessages([...generateEvents(shape)]));
        await withTestStore(kind, async (loaded) => {
          await withTestStore(kind, async (small) => {
            const total = await loadSignals(generateEvents(shape), [{ store: loaded, limit: Infinity }, { store: small, limit: 25 }], () => {}, 64);
            expect(total).toBe(400);
            expect(await snapshot(loaded)).toBe(await snapshot(applied));
            // and the fold state later events merge into
            const states = async (st: typeof loaded) =>
              (await st.em().getConnection().execute<{ signal_id: string; fold_state: unknown }[]>('select "signal_id", "fold_state" from "signals" order by "signal_id"')).map((r) => [
                r.signal_id,
                canonicalJson(typeof r.fold_state === 'string' ? JSON.parse(r.fold_state) : r.fold_state),
              ]);
            expect(await states(loaded)).toEqual(await states(applied));
            const [a, l, s] = await Promise.all([applied, loaded, small].map((st) => Analytics.fromStore(st).getDeadLetters()));
            expect(l?.total).toBe(a?.total);
            expect(l?.byTopic).toEqual(a?.byTopic);
            expect((await Analytics.fromStore(small).getExecutionStats()).totalSignals).toBe(25);
            expect(s?.total).toBeLessThan(a?.total as number);
          });
        });
      });
    });
  }
});
