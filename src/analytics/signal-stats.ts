import { SIGNAL_STATUSES, type SignalStatus } from '../fold/index.ts';
import { emptyMeasures, kyselyOf, LATENCIES, latencyCount, runSql, SqlParams, type Store } from '../store/index.ts';
import { canonicalDecimal, compareKeys, meanOf, ratioOf } from '../numeric/index.ts';
export type { SignalWindow } from './window-measures.ts';
import { type SignalWindow, windowPercentiles, windowMeasures, windowWhere } from './window-measures.ts';

/** Mean, median, 95th percentile and worst (largest; positive = adverse) of a decimal, over the signals that have it. */
export interface DecimalDistribution {
  count: number;
  mean: string | null;
  median: string | null;
  p95: string | null;
  worst: string | null;
}

/** Percentiles of a latency in milliseconds (nearest rank), over the signals that have both times. */
export interface LatencyPercentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Everything getExecutionStats returns: the original keys first. */
export interface FullExecutionStats {
  totalSignals: number;
  /** every status, 0 when none */
  byStatus: Record<SignalStatus, number>;
  executedCount: number;
  rejectedCount: number;
  /** mean slippage as a number, 0 when none (the original key; `slippage.mean` is the exact value) */
  avgSlippage: number;
  /** mean quality score as a number, 0 when none (the original key) */
  avgQualityScore: number;
  /** signals that passed risk over signals with a risk decision (null when none) */
  passRate: number | null;
  /** executed signals over all signals (null when none) */
  executionRate: number | null;
  /** executed quantity over order quantity, for signals with a submitted order */
  fillRatio: string | null;
  slippage: DecimalDistribution;
  slippageBps: DecimalDistribution;
  /** sum of fees, "0" when none */
  totalFees: string;
  /** how far signals got: all, passed risk, had an order submitted, had a fill, executed */
  funnel: { signals: number; passedRisk: number; submitted: number; filled: number; executed: number };
  latencyMs: {
    generatedToRisk: LatencyPercentiles;
    generatedToSubmitted: LatencyPercentiles;
    submittedToFirstFill: LatencyPercentiles;
    generatedToExecuted: LatencyPercentiles;
  };
}

export const LATENCY_FRACTIONS = [0.5, 0.95, 0.99] as const;
const DISTRIBUTION_FRACTIONS = [0.5, 0.95, 1] as const;

/** Latency percentiles from integer percentiles of microseconds. */
export function toLatency(count: unknown, micros: readonly (number | null)[]): LatencyPercentiles {
  const [p50 = null, p95 = null, p99 = null] = micros.map((v) => (v === null ? null : v / 1000));
  return { count: Number(count ?? 0), p50, p95, p99 };
}

export async function computeFullExecutionStats(store: Store, window: SignalWindow = {}): Promise<FullExecutionStats> {
  const { counts: c, sums } = (await windowMeasures(store, window)).get(null) ?? emptyMeasures();
  const total = c.n ?? 0;
  const byStatus = Object.fromEntries(SIGNAL_STATUSES.map((st) => [st, c[`status_${st}`] ?? 0])) as Record<SignalStatus, number>;
  const distributions = (['slippage', 'slippage_bps'] as const).map((column) => ({ target: { column, kind: 'decimal' as const }, count: c[`${column}_n`] ?? 0, fractions: DISTRIBUTION_FRACTIONS }));
  const latencies = LATENCIES.map((l) => ({ target: { column: l.column, kind: 'integer' as const }, count: c[latencyCount(l.name)] ?? 0, fractions: LATENCY_FRACTIONS }));
  const picks = await windowPercentiles(store, window, [...distributions, ...latencies]);
  const [slippage, slippageBps] = distributions.map(({ target, count }, i): DecimalDistribution => {
    const [median = null, p95 = null, worst = null] = picks[i] as (string | null)[];
    return { count, mean: meanOf(sums[target.column], count), median, p95, worst };
  }) as [DecimalDistribution, DecimalDistribution];
  const latencyMs = Object.fromEntries(
    LATENCIES.map((l, i) => [l.name, toLatency((latencies[i] as { count: number }).count, picks[distributions.length + i] as (number | null)[])]),
  ) as FullExecutionStats['latencyMs'];
  const qualityMean = meanOf(sums.quality, c.quality_n ?? 0);
  return {
    totalSignals: total,
    byStatus,
    executedCount: byStatus.executed,
    rejectedCount: byStatus.rejected,
    avgSlippage: Number(slippage.mean ?? 0),
    avgQualityScore: Number(qualityMean ?? 0),
    passRate: rateOf(c.risk_passed ?? 0, c.risk_n ?? 0),
    executionRate: rateOf(byStatus.executed, total),
    fillRatio: ratioOf(sums.filled_qty, sums.ordered_qty),
    slippage,
    slippageBps,
    totalFees: canonicalDecimal(sums.fees) ?? '0',
    funnel: { signals: total, passedRisk: c.risk_passed ?? 0, submitted: c.submitted_n ?? 0, filled: c.filled_n ?? 0, executed: byStatus.executed },
    latencyMs,
  };
}

/** Rejected signals counted by strategy and reason (a missing reason counts as 'unknown'). */
export interface RejectionCount {
  strategy: string | null;
  reason: string;
  count: number;
}

export async function countRejections(store: Store, window: SignalWindow = {}): Promise<RejectionCount[]> {
  const params = new SqlParams(store.dialect);
  const where = [`"status" = 'rejected'`, ...windowWhere(params, window)];
  const rows = await runSql<{ strategy: string | null; reason: string; n: number | string }>(
    kyselyOf(store),
    `select "strategy_name" as "strategy", coalesce("rejection_reason", 'unknown') as "reason", count(*) as "n"
       from "signals" where ${where.join(' and ')} group by "strategy_name", coalesce("rejection_reason", 'unknown')`,
    params.values,
  );
  return rows.map((r) => ({ strategy: r.strategy ?? null, reason: r.reason, count: Number(r.n) }));
}

/** Execution statistics of the original repository, over a half-open date range. */
export type ExecutionStats = Pick<FullExecutionStats, 'totalSignals' | 'byStatus' | 'executedCount' | 'rejectedCount' | 'avgSlippage' | 'avgQualityScore'>;

export async function computeExecutionStats(store: Store, startDate?: Date | string, endDate?: Date | string): Promise<ExecutionStats> {
  const { totalSignals, byStatus, executedCount, rejectedCount, avgSlippage, avgQualityScore } = await computeFullExecutionStats(store, { from: startDate, to: endDate });
  // the original counted the statuses present
  const present = Object.fromEntries(Object.entries(byStatus).filter(([, n]) => n > 0)) as Record<SignalStatus, number>;
  return { totalSignals, byStatus: present, executedCount, rejectedCount, avgSlippage, avgQualityScore };
}

/** Reason -> count over rejected signals, largest count first; a missing reason counts as 'unknown'. */
export async function computeRejectionSummary(store: Store, startDate?: Date | string, endDate?: Date | string): Promise<Record<string, number>> {
  return Object.fromEntries(totalsByReason(await countRejections(store, { from: startDate, to: endDate })).map((r) => [r.reason, r.count]));
}

/** Counts added up by reason: largest first, then by reason. */
export function totalsByReason(counts: readonly RejectionCount[]): { reason: string; count: number }[] {
  const totals = new Map<string, number>();
  for (const c of counts) totals.set(c.reason, (totals.get(c.reason) ?? 0) + c.count);
  return [...totals].map(([reason, count]) => ({ reason, count })).sort(byCountThenName((t) => t.reason));
}

/** Largest count first, then by name in code-point order. */
export const byCountThenName =
  <T extends { count: number }>(name: (x: T) => string) =>
  (a: T, b: T): number =>
    b.count - a.count || compareKeys(name(a), name(b));

/** A rate of two counts, null when the denominator is 0. */
export const rateOf = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);
