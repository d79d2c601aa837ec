import { InputError } from '../errors.ts';
import {
  aggregatesFor,
  compareKeys,
  kyselyOf,
  LATENCIES,
  LATENCY_FRACTIONS,
  type LatencyPercentiles,
  latencySql,
  meanOf,
  ExactAggregates,
  rateOf,
  riskDecisionCounts,
  toLatency,
  runSql,
  type SignalWindow,
  SqlParams,
  type Store,
  windowWhere,
} from '../store/index.ts';

/** What signals are grouped by: strategy, symbol, or the UTC hour or day of generated_at. */
export type GroupBy = 'strategy' | 'symbol' | 'hour' | 'day';

/** Means of confidence and quality score over one kind of signal. */
export interface SignalQuality {
  meanConfidence: string | null;
  meanQualityScore: string | null;
}

/** The figures of one group of signals. */
export interface GroupStats {
  /** the strategy, the symbol (null: details not arrived), or the bucket start (RFC 3339, UTC) */
  key: string | null;
  signals: number;
  executedCount: number;
  rejectedCount: number;
  /** passed risk over signals with a risk decision */
  passRate: number | null;
  /** executed over all signals */
  executionRate: number | null;
  /** sum of executed quantities */
  executedQuantity: string;
  /** sum of executed price x executed quantity */
  executedNotional: string;
  /** mean slippage in basis points over signals that have one (positive = adverse) */
  meanSlippageBps: string | null;
  /** sum of fees */
  fees: string;
  executed: SignalQuality;
  rejected: SignalQuality;
  /** generated -> executed, executed signals only */
  latencyToExecutedMs: LatencyPercentiles;
}

/** The SQL of a group's key. */
function groupKeySql(store: Store, by: GroupBy): string {
  switch (by) {
    case 'strategy':
      return '"strategy_name"';
    case 'symbol':
      return '"symbol"';
    case 'hour':
    case 'day':
      return aggregatesFor(store.dialect).bucket('"effective_at"', by);
    default:
      throw InputError.invalid('by', `must be strategy, symbol, hour or day (got ${JSON.stringify(by)})`);
  }
}

/** One grouped query over the window: everything of GroupStats per group, in key order (code points, nulls last). */
export async function groupStats(store: Store, window: SignalWindow, by: GroupBy): Promise<GroupStats[]> {
  const params = new SqlParams(store.dialect);
  const where = windowWhere(params, window).join(' and ');
  const key = groupKeySql(store, by);
  const exact = new ExactAggregates(store.dialect);
  const whenStatus = (status: string, column: string) => `case when "status" = '${status}' then "${column}" end`;
  const quality = (status: string) => ({ confidence: exact.sum(whenStatus(status, 'strength')), score: exact.sum(whenStatus(status, 'quality_score')) });
  const qualitySql = (status: string) =>
    `count(${whenStatus(status, 'strength')}) as "${status}_conf_n", count(${whenStatus(status, 'quality_score')}) as "${status}_q_n"`;
  const slots = {
    qty: exact.sum('"executed_quantity"'),
    notional: exact.sumProduct('"executed_price"', '"executed_quantity"'),
    bps: exact.sum('"slippage_bps"'),
    fees: exact.sum('"fees"'),
    executed: quality('executed'),
    rejected: quality('rejected'),
  };
  const toExecuted = latencySql(store, LATENCIES[3]);
  const latency = exact.integerPercentiles(toExecuted, LATENCY_FRACTIONS);
  const rows = await runSql<Record<string, unknown>>(
    kyselyOf(store),
    `select ${key} as "key", count(*) as "n",
       count(case when "status" = 'executed' then 1 end) as "executed_n", count(case when "status" = 'rejected' then 1 end) as "rejected_n",
       ${riskDecisionCounts(store)},
       count("slippage_bps") as "bps_n", ${qualitySql('executed')}, ${qualitySql('rejected')}, count(${toExecuted}) as "lat_n",
       ${exact.select()}
     from "signals" where ${where} group by ${key}`,
    params.values,
  );
  return rows
    .map((r): GroupStats => {
      const v = exact.values(r);
      const n = Number(r.n);
      const executed = Number(r.executed_n);
      const means = (status: 'executed' | 'rejected'): SignalQuality => ({
        meanConfidence: meanOf(slots[status].confidence.read(v), Number(r[`${status}_conf_n`])),
        meanQualityScore: meanOf(slots[status].score.read(v), Number(r[`${status}_q_n`])),
      });
      return {
        key: r.key === null || r.key === undefined ? null : String(r.key),
        signals: n,
        executedCount: executed,
        rejectedCount: Number(r.rejected_n),
        passRate: rateOf(Number(r.risk_passed), Number(r.risk_n)),
        executionRate: rateOf(executed, n),
        executedQuantity: slots.qty.read(v) ?? '0',
        executedNotional: slots.notional.read(v) ?? '0',
        meanSlippageBps: meanOf(slots.bps.read(v), Number(r.bps_n)),
        fees: slots.fees.read(v) ?? '0',
        executed: means('executed'),
        rejected: means('rejected'),
        latencyToExecutedMs: toLatency(r.lat_n, latency.read(v)),
      };
    })
    .sort((a, b) => compareKeys(a.key, b.key));
}

/** Slippage in basis points of one group: quartiles, 95th percentile and extremes (nearest rank). */
export interface SlippageSpread {
  key: string | null;
  count: number;
  min: string | null;
  p25: string | null;
  median: string | null;
  p75: string | null;
  p95: string | null;
  max: string | null;
}

const SPREAD_FRACTIONS = [0, 0.25, 0.5, 0.75, 0.95, 1] as const;

/** Per strategy or symbol, the spread of slippage_bps over the signals that have one. */
export async function slippageSpread(store: Store, window: SignalWindow, by: 'strategy' | 'symbol'): Promise<SlippageSpread[]> {
  const params = new SqlParams(store.dialect);
  const key = groupKeySql(store, by);
  const where = [...windowWhere(params, window), '"slippage_bps" is not null'].join(' and ');
  const exact = new ExactAggregates(store.dialect);
  const spread = exact.decimalPercentiles('"slippage_bps"', SPREAD_FRACTIONS);
  const rows = await runSql<Record<string, unknown>>(
    kyselyOf(store),
    `select ${key} as "key", count(*) as "n", ${exact.select()} from "signals" where ${where} group by ${key}`,
    params.values,
  );
  return rows
    .map((r) => {
      const [min = null, p25 = null, median = null, p75 = null, p95 = null, max = null] = spread.read(exact.values(r));
      return { key: (r.key as string | null) ?? null, count: Number(r.n), min, p25, median, p75, p95, max };
    })
    .sort((a, b) => compareKeys(a.key, b.key));
}
