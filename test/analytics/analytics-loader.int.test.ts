import { describe, expect, it } from 'vitest';
import { loadSignals } from '../../scripts/analytics-loader.ts';
import { generateEvents } from '../../src/simulate/generate-events.ts';
import { Analytics } from '../../src/analytics/index.ts';
import { canonicalJson } from '../../src/contract/index.ts';
import { findRollupDrift } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { applyAll, snapshot, toMessages } from '../helpers/workload.ts';

describe("the benchmark's bulk loader", () => {
  for (const kind of ['sqlite-memory', 'postgresql'] as const) {
    it(`on ${kind}: writes the same signal rows and fold states as the apply path, rollups that count them, one dead letter per bad line, and stops at a target's limit`, async () => {
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
            // its rollups count its rows, as a rebuild from them does
            for (const st of [loaded, small]) expect((await findRollupDrift(st)).drift).toEqual([]);
            // every bad line is its own dead letter, as the worker records them (each has its own offset)
            const badByTopic = new Map<string, number>();
            for (const m of toMessages([...generateEvents(shape)])) if (!m.ok) badByTopic.set(m.topic, (badByTopic.get(m.topic) ?? 0) + 1);
            const [l, s] = await Promise.all([loaded, small].map((st) => Analytics.fromStore(st).getDeadLetters()));
            expect(Object.fromEntries((l?.byTopic ?? []).map((t) => [t.topic, t.count]))).toEqual(Object.fromEntries(badByTopic));
            expect((await Analytics.fromStore(small).getExecutionStats()).totalSignals).toBe(25);
            expect(s?.total).toBeGreaterThan(0);
            expect(s?.total).toBeLessThan(l?.total as number);
          });
        });
      });
    });
  }
});
