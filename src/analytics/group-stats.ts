import { latencyCount, type Store } from '../store/index.ts';
import { canonicalDecimal, compareKeys, meanOf } from '../numeric/index.ts';
import { LATENCY_FRACTIONS, type LatencyPercentiles, rateOf, toLatency } from './signal-stats.ts';
import { type GroupBy, groupKeySql, groupPercentiles, type SignalWindow, windowMeasures } from './window-measures.ts';

export type { GroupBy };

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

/** Everything of GroupStats per group of the window, in key order (code points, nulls last). */
export async function groupStats(store: Store, window: SignalWindow, by: GroupBy): Promise<GroupStats[]> {
  groupKeySql(store, by); // refuses an unknown grouping before any query
  const groups = await windowMeasures(store, window, by);
  const latencies = await groupPercentiles(store, window, by, { column: 'latency_to_executed_us', kind: 'integer' }, LATENCY_FRACTIONS);
  return [...groups]
    .map(([key, { counts: c, sums }]): GroupStats => {
      const executed = c.status_executed ?? 0;
      const lat = latencies.get(key);
      const means = (status: 'executed' | 'rejected'): SignalQuality => ({
        meanConfidence: meanOf(sums[`${status}_conf`], c[`${status}_conf_n`] ?? 0),
        meanQualityScore: meanOf(sums[`${status}_quality`], c[`${status}_quality_n`] ?? 0),
      });
      return {
        key,
        signals: c.n ?? 0,
        executedCount: executed,
        rejectedCount: c.status_rejected ?? 0,
        passRate: rateOf(c.risk_passed ?? 0, c.risk_n ?? 0),
        executionRate: rateOf(executed, c.n ?? 0),
        executedQuantity: canonicalDecimal(sums.executed_qty) ?? '0',
        executedNotional: canonicalDecimal(sums.notional) ?? '0',
        meanSlippageBps: meanOf(sums.slippage_bps, c.slippage_bps_n ?? 0),
        fees: canonicalDecimal(sums.fees) ?? '0',
        executed: means('executed'),
        rejected: means('rejected'),
        latencyToExecutedMs: toLatency(c[latencyCount('generatedToExecuted')] ?? 0, (lat?.values ?? [null, null, null]) as (number | null)[]),
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
  const groups = await groupPercentiles(store, window, by, { column: 'slippage_bps', kind: 'decimal' }, SPREAD_FRACTIONS);
  return [...groups]
    .map(([key, { count, values }]) => {
      const [min = null, p25 = null, median = null, p75 = null, p95 = null, max = null] = values as (string | null)[];
      return { key, count, min, p25, median, p75, p95, max };
    })
    .sort((a, b) => compareKeys(a.key, b.key));
}
