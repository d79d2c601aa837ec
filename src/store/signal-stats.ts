import { SIGNAL_STATUSES, type SignalStatus } from '../fold/index.ts';
import { InputError } from '../errors.ts';
import { runSql } from './bulk-sql.ts';
import type { Store } from './open-store.ts';
import { aggregatesFor, ExactAggregates, meanOf, ratioOf } from './sql-aggregates.ts';
import { kyselyOf, rangeClause, SqlParams } from './signal-queries.ts';

/**
 * What analytics look at: a half-open range [from, to) on generated_at (first_event_at while a
 * signal's details have not arrived), optionally one strategy and one symbol.
 */
export interface SignalWindow {
  from?: Date | string;
  to?: Date | string;
  strategy?: string;
  symbol?: string;
}

/** The WHERE conditions of a window (records with at least one event). */
export function windowWhere(params: SqlParams, window: SignalWindow, alias = ''): string[] {
  for (const key of ['strategy', 'symbol'] as const) {
    const v = window[key];
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw InputError.invalid(key, `must be a non-empty string (got ${JSON.stringify(v)})`);
  }
  const p = alias ? `${alias}.` : '';
  const where = [`${p}"version" > 0`, ...rangeClause(params, window.from, window.to, alias, ['from', 'to'])];
  if (window.strategy !== undefined) where.push(`${p}"strategy_name" = ${params.add(window.strategy)}`);
  if (window.symbol !== undefined) where.push(`${p}"symbol" = ${params.add(window.symbol)}`);
  return where;
}

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

/** The latencies analytics report: [name, later column, earlier column, only for executed signals]. */
export const LATENCIES = [
  ['generatedToRisk', 'risk_checked_at', 'generated_at', false],
  ['generatedToSubmitted', 'submitted_at', 'generated_at', false],
  ['submittedToFirstFill', 'first_fill_at', 'submitted_at', false],
  ['generatedToExecuted', 'executed_at', 'generated_at', true],
] as const;

/** SQL of a latency in microseconds (null when a time is missing). */
export function latencySql(store: Store, latency: (typeof LATENCIES)[number]): string {
  const [, later, earlier, executedOnly] = latency;
  const when = `"${later}" is not null and "${earlier}" is not null${executedOnly ? ` and "status" = 'executed'` : ''}`;
  return `case when ${when} then ${aggregatesFor(store.dialect).microsBetween(`"${later}"`, `"${earlier}"`)} end`;
}

/** Latency percentiles from integer percentiles of microseconds. */
export function toLatency(count: unknown, micros: readonly (number | null)[]): LatencyPercentiles {
  const [p50 = null, p95 = null, p99 = null] = micros.map((v) => (v === null ? null : v / 1000));
  return { count: Number(count ?? 0), p50, p95, p99 };
}

export async function computeFullExecutionStats(store: Store, window: SignalWindow = {}): Promise<FullExecutionStats> {
  const params = new SqlParams(store.dialect);
  const where = windowWhere(params, window).join(' and ');
  const exact = new ExactAggregates(store.dialect);
  const filledQty = exact.sum(`case when "submitted_at" is not null and "order_quantity" is not null then coalesce("executed_quantity", 0) end`);
  const orderedQty = exact.sum(`case when "submitted_at" is not null then "order_quantity" end`);
  const fees = exact.sum('"fees"');
  const quality = exact.sum('"quality_score"');
  const distributions = (['slippage', 'slippage_bps'] as const).map((c) => ({ c, sum: exact.sum(`"${c}"`), pct: exact.decimalPercentiles(`"${c}"`, DISTRIBUTION_FRACTIONS) }));
  const latencies = LATENCIES.map((l) => ({ name: l[0], expr: latencySql(store, l) })).map(({ name, expr }) => ({ name, expr, pct: exact.integerPercentiles(expr, LATENCY_FRACTIONS) }));
  const [row] = await runSql<Record<string, unknown>>(
    kyselyOf(store),
    `select count(*) as "n",
       ${riskDecisionCounts(store)},
       count("slippage") as "slippage_n", count("slippage_bps") as "slippage_bps_n", count("quality_score") as "q_n",
       count("submitted_at") as "submitted_n", count("first_fill_at") as "filled_n",
       ${SIGNAL_STATUSES.map((st, i) => `count(case when "status" = '${st}' then 1 end) as "status_${i}"`).join(', ')},
       ${latencies.map((l) => `count(${l.expr}) as "${l.name}_n"`).join(', ')},
       ${exact.select()}
     from "signals" where ${where}`,
    params.values,
  );
  const r = row ?? {};
  const values = exact.values(r);
  const byStatus = Object.fromEntries(SIGNAL_STATUSES.map((st, i) => [st, Number(r[`status_${i}`] ?? 0)])) as Record<SignalStatus, number>;
  const total = Number(r.n ?? 0);
  const [slippage, slippageBps] = distributions.map(({ c, sum, pct }): DecimalDistribution => {
    const count = Number(r[`${c}_n`] ?? 0);
    const [median = null, p95 = null, worst = null] = pct.read(values);
    return { count, mean: meanOf(sum.read(values), count), median, p95, worst };
  }) as [DecimalDistribution, DecimalDistribution];
  const qualityMean = meanOf(quality.read(values), Number(r.q_n ?? 0));
  return {
    totalSignals: total,
    byStatus,
    executedCount: byStatus.executed,
    rejectedCount: byStatus.rejected,
    avgSlippage: Number(slippage.mean ?? 0),
    avgQualityScore: Number(qualityMean ?? 0),
    passRate: rateOf(Number(r.risk_passed ?? 0), Number(r.risk_n ?? 0)),
    executionRate: rateOf(byStatus.executed, total),
    fillRatio: ratioOf(filledQty.read(values), orderedQty.read(values)),
    slippage,
    slippageBps,
    totalFees: fees.read(values) ?? '0',
    funnel: { signals: total, passedRisk: Number(r.risk_passed ?? 0), submitted: Number(r.submitted_n ?? 0), filled: Number(r.filled_n ?? 0), executed: byStatus.executed },
    latencyMs: Object.fromEntries(latencies.map((l) => [l.name, toLatency(r[`${l.name}_n`], l.pct.read(values))])) as FullExecutionStats['latencyMs'],
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

/** Text order by code point, nulls last: the same on both databases whatever their collation. */
export function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Largest count first, then by name in code-point order. */
export const byCountThenName =
  <T extends { count: number }>(name: (x: T) => string) =>
  (a: T, b: T): number =>
    b.count - a.count || compareKeys(name(a), name(b));

/** A rate of two counts, null when the denominator is 0. */
export const rateOf = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);

/** SELECT items "risk_n" (signals with a risk decision) and "risk_passed" (those that passed). */
export const riskDecisionCounts = (store: Store): string =>
  `count("risk_check_passed") as "risk_n", count(case when ${aggregatesFor(store.dialect).isTrue('"risk_check_passed"')} then 1 end) as "risk_passed"`;
