import { describe, expect, it } from 'vitest';
import { ExactAggregates, kyselyOf, runSql } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';

const VALUES = ['0.1', '0.2', '-0.3000000000001', '123456789012345678901.5', '7', '-7.000000000000'];

describe('exact aggregates on both databases', () => {
  for (const kind of ['sqlite-memory', 'postgresql'] as const) {
    it(`on ${kind}: sums, sums of products and nearest-rank percentiles are exact, past 12 places and 2^53, per group`, async () => {
      await withTestStore(kind, async (store) => {
        const exact = new ExactAggregates(store.dialect);
        const sum = exact.sum('x');
        const product = exact.sumProduct('x', 'x');
        const pct = exact.decimalPercentiles('x', [0, 0.5, 1]);
        const ipct = exact.integerPercentiles('n', [0.5, 0.99]);
        const rows = VALUES.map((v, i) => `select ${kind === 'postgresql' ? `${v}::numeric` : `'${v}'`} as x, ${i + 1} as n, ${i % 2} as g`).join(' union all ');
        const read = async (sql: string) => (await runSql<Record<string, unknown>>(kyselyOf(store), sql)).map((r) => exact.values(r));
        const [all] = await read(`select ${exact.select()} from (${rows}) t`);
        expect(sum.read(all as unknown[])).toBe('123456789012345678901.4999999999999');
        expect(product.read(all as unknown[])).toBe('15241578753238836750560890354538942246800.39000000000006000000000001');
        expect(pct.read(all as unknown[])).toEqual(['-7', '0.1', '123456789012345678901.5']);
        expect(ipct.read(all as unknown[])).toEqual([3, 6]);
        const groups = await read(`select g, ${exact.select()} from (${rows}) t group by g order by g`);
        expect(groups.map((v) => sum.read(v))).toEqual(['6.7999999999999', '123456789012345678894.7']);
        const [none] = await read(`select ${exact.select()} from (${rows}) t where n > 100`);
        expect([sum.read(none as unknown[]), pct.read(none as unknown[]), ipct.read(none as unknown[])]).toEqual([null, [null, null, null], [null, null]]);
      });
    });
  }
});
