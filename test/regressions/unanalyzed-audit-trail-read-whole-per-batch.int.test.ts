// On a PostgreSQL table it had not analyzed yet (a new database, the first minute of a bulk load: autovacuum
// analyzes a table a minute or more after it grows), PostgreSQL planned `signal_id in (select
// json_array_elements_text($1))` as a hash join over the whole audit trail: every batch that added events to
// stored signals read every audit row to find their content hashes (32-50 ms a batch at 11,000-25,000 rows during
// an ingest, for one signal's four rows; the read grew with the ledger). The lookups by a JSON array of ids now
// read the index without statistics too (an array of unknown length is planned as ten values). This applies a
// workload in two parts, records every select the second part runs (it adds events to stored signals, so it runs
// all of the apply path's lookups) and a read of 500 signals' audit trails (the history and as-of queries, which
// look their ids up the same way since), and asks PostgreSQL for each statement's plan, with its own parameters, on
// the same unanalyzed tables.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type ParsedMessage } from '../../src/contract/index.ts';
import { applyBatch, findAuditTrails, kyselyOf, runSql } from '../../src/store/index.ts';
import { withTestStore } from '../helpers/databases.ts';
import { chunks, parsedWorkload } from '../helpers/workload.ts';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The selects the pg driver runs while fn runs, with their parameters. */
async function selectsDuring(fn: () => Promise<unknown>): Promise<{ text: string; values: unknown[] }[]> {
  const pg = createRequire(import.meta.url)('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
  const proto = pg.Client.prototype;
  const original = proto.query;
  const seen: { text: string; values: unknown[] }[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; values?: unknown[] };
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const values = typeof first === 'string' ? ((args[1] as unknown[] | undefined) ?? []) : (first?.values ?? []);
    if (/^\s*select\b/i.test(text)) seen.push({ text, values: [...values] });
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return seen;
}

describe('the apply path on PostgreSQL tables that have no statistics yet', () => {
  it('reads the signals and their audit rows through indexes, never the whole table', async () => {
    await withTestStore('postgresql', async (store) => {
      const connection = store.em().getConnection();
      for (const table of ['signals', 'signal_events']) await connection.execute(`alter table "${table}" set (autovacuum_enabled = false)`);
      const messages = parsedWorkload({ signals: 4_000, seed: 17, duplicates: 0, outOfOrder: 0, bad: 0 });
      // every signal's last event is held back: the second part adds one event to each of 4,000 stored signals
      const lastOf = new Map<string, ParsedMessage>();
      for (const m of messages) if (m.ok) lastOf.set(m.event.signalId, m);
      const held = new Set(lastOf.values());
      for (const batch of chunks(messages.filter((m) => !held.has(m)), 1_000)) await applyBatch(store, batch);
      const second = [...held].slice(0, 500);
      const selects = await selectsDuring(async () => {
        await applyBatch(store, second);
        // the history and as-of queries' read of many signals' audit trails
        await findAuditTrails(store, [...lastOf.keys()].slice(0, 500));
      });

      const analyzed = await connection.execute<{ n: string }[]>(`select count(*)::text as "n" from "pg_stats" where "tablename" in ('signals', 'signal_events')`);
      expect(analyzed, 'the tables were analyzed: this test would prove nothing').toEqual([{ n: '0' }]);
      const stored = await connection.execute<{ n: string }[]>(`select count(*)::text as "n" from "signal_events"`);
      expect(Number(stored[0]?.n)).toBeGreaterThan(10_000);

      // every select of the ledger's tables with a condition: the lookups by ids, however the ids are given (MikroORM
      // writes them into the text)
      const lookups = selects.filter((s) => /"signals"|"signal_events"/.test(s.text) && /\bwhere\b/.test(s.text));
      // the stored signals' rows, their events by id, their content hashes (the read that was whole), the rollup
      // contributions, and the audit trails
      expect(lookups.length).toBeGreaterThanOrEqual(5);
      expect(lookups.some((s) => /^select "signal_id", "content_hash" from "signal_events" where "signal_id"/.test(s.text)), 'the content hashes were not read back').toBe(true);
      expect(lookups.some((s) => /from "signal_events".*order by ("s0"\.)?"signal_id"/s.test(s.text)), 'the audit trails were not read').toBe(true);
      const wholeReads: string[] = [];
      for (const { text, values } of lookups) {
        const [row] = await runSql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(kyselyOf(store), `explain (format json) ${text}`, values);
        const plan = (row as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
        for (const node of nodesOf(plan)) {
          if (node['Node Type'] === 'Seq Scan' && (node['Relation Name'] === 'signals' || node['Relation Name'] === 'signal_events')) {
            wholeReads.push(`${node['Relation Name']}: ${text.slice(0, 120)}`);
          }
        }
      }
      expect(wholeReads).toEqual([]);
    });
  }, 120_000);
});
