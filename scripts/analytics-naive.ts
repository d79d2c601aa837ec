// The analytics computed the slow, obvious way: the records loaded into Node, filtered and folded in
// plain loops with decimal.js. The property test (test/analytics) holds the SQL of src/analytics to these
// results, and npm run bench:analytics times them as the naive version.
import { Decimal } from 'decimal.js';
import type { SignalRecord } from '../src/store/index.ts';

const D = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -200, toExpPos: 200 });
type D = InstanceType<typeof D>;

export interface Window {
  from?: string;
  to?: string;
  strategy?: string;
  symbol?: string;
}

const STATUSES = ['generated', 'passed_risk', 'rejected', 'submitted', 'executed', 'partially_filled', 'cancelled', 'expired', 'missed', 'error'];

const plain = (d: D): string => (d.isZero() ? '0' : d.toFixed());
const mean = (values: readonly string[]): string | null =>
  values.length === 0 ? null : plain(values.reduce((a, v) => a.plus(v), new D(0)).div(values.length).toDecimalPlaces(12));
const sum = (values: readonly (string | null)[]): string => plain(values.reduce<D>((a, v) => (v === null ? a : a.plus(v)), new D(0)));
const rank = <T>(sorted: readonly T[], p: number): T | null => (sorted.length === 0 ? null : (sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1] as T));
const micros = (t: string): number => Date.parse(`${t.slice(0, 19)}Z`) * 1000 + Number(t.slice(20, 26));

export function inWindow(records: readonly SignalRecord[], w: Window): SignalRecord[] {
  return records.filter((r) => {
    const at = r.generatedAt ?? r.firstEventAt;
    return (w.from === undefined || at >= w.from) && (w.to === undefined || at < w.to) && (w.strategy === undefined || r.strategyName === w.strategy) && (w.symbol === undefined || r.symbol === w.symbol);
  });
}

function distribution(values: readonly string[]) {
  const sorted = values.map((v) => new D(v)).sort((a, b) => a.comparedTo(b));
  const pick = (p: number) => {
    const v = rank(sorted, p);
    return v === null ? null : plain(v);
  };
  return { count: values.length, mean: mean(values), median: pick(0.5), p95: pick(0.95), worst: pick(1) };
}

function latency(records: readonly SignalRecord[], later: keyof SignalRecord, earlier: keyof SignalRecord, executedOnly: boolean) {
  const values = records
    .filter((r) => r[later] !== null && r[earlier] !== null && (!executedOnly || r.status === 'executed'))
    .map((r) => micros(r[later] as string) - micros(r[earlier] as string))
    .sort((a, b) => a - b);
  const pick = (p: number) => {
    const v = rank(values, p);
    return v === null ? null : v / 1000;
  };
  return { count: values.length, p50: pick(0.5), p95: pick(0.95), p99: pick(0.99) };
}

const has = <K extends keyof SignalRecord>(records: readonly SignalRecord[], k: K) => records.flatMap((r) => (r[k] === null ? [] : [r[k] as string]));

export function executionStats(all: readonly SignalRecord[], w: Window) {
  const rs = inWindow(all, w);
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, rs.filter((r) => r.status === s).length]));
  const decided = rs.filter((r) => r.riskCheckPassed !== null);
  const ordered = rs.filter((r) => r.submittedAt !== null && r.orderQuantity !== null);
  const orderedQty = sum(ordered.map((r) => r.orderQuantity));
  const slippage = distribution(has(rs, 'slippage'));
  const quality = mean(has(rs, 'qualityScore'));
  return {
    totalSignals: rs.length,
    byStatus,
    executedCount: byStatus.executed,
    rejectedCount: byStatus.rejected,
    avgSlippage: Number(slippage.mean ?? 0),
    avgQualityScore: Number(quality ?? 0),
    passRate: decided.length > 0 ? decided.filter((r) => r.riskCheckPassed).length / decided.length : null,
    executionRate: rs.length > 0 ? (byStatus.executed as number) / rs.length : null,
    fillRatio: ordered.length === 0 || new D(orderedQty).isZero() ? null : plain(new D(sum(ordered.map((r) => r.executedQuantity ?? '0'))).div(orderedQty).toDecimalPlaces(12)),
    slippage,
    slippageBps: distribution(has(rs, 'slippageBps')),
    totalFees: sum(rs.map((r) => r.fees)),
    funnel: {
      signals: rs.length,
      passedRisk: rs.filter((r) => r.riskCheckPassed === true).length,
      submitted: rs.filter((r) => r.submittedAt !== null).length,
      filled: rs.filter((r) => r.firstFillAt !== null).length,
      executed: byStatus.executed,
    },
    latencyMs: {
      generatedToRisk: latency(rs, 'riskCheckedAt', 'generatedAt', false),
      generatedToSubmitted: latency(rs, 'submittedAt', 'generatedAt', false),
      submittedToFirstFill: latency(rs, 'firstFillAt', 'submittedAt', false),
      generatedToExecuted: latency(rs, 'executedAt', 'generatedAt', true),
    },
  };
}

const byCount = <T extends { count: number }>(name: (x: T) => string) => (a: T, b: T) => b.count - a.count || (name(a) < name(b) ? -1 : 1);

function reasons(rs: readonly SignalRecord[]) {
  const counts = new Map<string, number>();
  for (const r of rs) counts.set(r.rejectionReason ?? 'unknown', (counts.get(r.rejectionReason ?? 'unknown') ?? 0) + 1);
  return [...counts].map(([reason, count]) => ({ reason, count, share: count / rs.length })).sort(byCount((x) => x.reason));
}

const keyOrder = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

export function rejectionSummary(all: readonly SignalRecord[], w: Window) {
  const rejected = inWindow(all, w).filter((r) => r.status === 'rejected');
  const strategies = [...new Set(rejected.map((r) => r.strategyName))].sort(keyOrder);
  return {
    total: rejected.length,
    reasons: reasons(rejected),
    byStrategy: strategies.map((strategy) => {
      const mine = rejected.filter((r) => r.strategyName === strategy);
      return { strategy, total: mine.length, reasons: reasons(mine) };
    }),
  };
}

export function groups(all: readonly SignalRecord[], w: Window, by: 'strategy' | 'symbol' | 'hour' | 'day') {
  const rs = inWindow(all, w);
  const keyOf = (r: SignalRecord): string | null => {
    if (by === 'strategy') return r.strategyName;
    if (by === 'symbol') return r.symbol;
    const at = r.generatedAt ?? r.firstEventAt;
    return by === 'hour' ? `${at.slice(0, 13)}:00:00Z` : `${at.slice(0, 10)}T00:00:00Z`;
  };
  const byKey = new Map<string | null, SignalRecord[]>();
  for (const r of rs) {
    const k = keyOf(r);
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [r]);
    else list.push(r);
  }
  return [...byKey.keys()].sort(keyOrder).map((key) => {
    const g = byKey.get(key) as SignalRecord[];
    const decided = g.filter((r) => r.riskCheckPassed !== null);
    const executed = g.filter((r) => r.status === 'executed');
    const rejected = g.filter((r) => r.status === 'rejected');
    const quality = (xs: SignalRecord[]) => ({ meanConfidence: mean(has(xs, 'strength')), meanQualityScore: mean(has(xs, 'qualityScore')) });
    return {
      key,
      signals: g.length,
      executedCount: executed.length,
      rejectedCount: rejected.length,
      passRate: decided.length > 0 ? decided.filter((r) => r.riskCheckPassed).length / decided.length : null,
      executionRate: executed.length / g.length,
      executedQuantity: sum(g.map((r) => r.executedQuantity)),
      executedNotional: sum(g.map((r) => (r.executedPrice === null || r.executedQuantity === null ? null : new D(r.executedPrice).times(r.executedQuantity).toFixed()))),
      meanSlippageBps: mean(has(g, 'slippageBps')),
      fees: sum(g.map((r) => r.fees)),
      executed: quality(executed),
      rejected: quality(rejected),
      latencyToExecutedMs: latency(g, 'executedAt', 'generatedAt', true),
    };
  });
}

export function slippageSpread(all: readonly SignalRecord[], w: Window, by: 'strategy' | 'symbol') {
  const rs = inWindow(all, w).filter((r) => r.slippageBps !== null);
  const keyOf = (r: SignalRecord) => (by === 'strategy' ? r.strategyName : r.symbol);
  return [...new Set(rs.map(keyOf))].sort(keyOrder).map((key) => {
    const sorted = rs.filter((r) => keyOf(r) === key).map((r) => new D(r.slippageBps as string)).sort((a, b) => a.comparedTo(b));
    const pick = (p: number) => plain(rank(sorted, p) as D);
    return { key, count: sorted.length, min: pick(0), p25: pick(0.25), median: pick(0.5), p75: pick(0.75), p95: pick(0.95), max: pick(1) };
  });
}

export function anomalies(all: readonly SignalRecord[], w: Window, limit: number) {
  const flagged = inWindow(all, w).filter((r) => r.anomalies.length > 0);
  const kinds = new Map<string, number>();
  for (const r of flagged) for (const a of new Set(r.anomalies)) kinds.set(a, (kinds.get(a) ?? 0) + 1);
  const at = (r: SignalRecord) => r.generatedAt ?? r.firstEventAt;
  return {
    total: flagged.length,
    byKind: [...kinds].map(([anomaly, count]) => ({ anomaly, count })).sort(byCount((x) => x.anomaly)),
    signals: [...flagged]
      .sort((a, b) => (at(a) === at(b) ? (a.signalId < b.signalId ? 1 : -1) : at(a) < at(b) ? 1 : -1))
      .slice(0, limit)
      .map((r) => ({ signalId: r.signalId, strategy: r.strategyName, symbol: r.symbol, status: r.status, effectiveAt: at(r), anomalies: r.anomalies })),
  };
}

export function deadLetters<R extends { id: number | string; topic: string | null; resolved_at?: unknown }>(rows: readonly R[], limit: number) {
  const topics = new Map<string, { count: number; resolved: number }>();
  for (const r of rows) {
    const had = topics.get(r.topic ?? 'api') ?? { count: 0, resolved: 0 };
    topics.set(r.topic ?? 'api', { count: had.count + 1, resolved: had.resolved + (r.resolved_at === null || r.resolved_at === undefined ? 0 : 1) });
  }
  const resolved = rows.filter((r) => r.resolved_at !== null && r.resolved_at !== undefined).length;
  return {
    total: rows.length,
    open: rows.length - resolved,
    resolved,
    byTopic: [...topics].map(([topic, c]) => ({ topic, count: c.count, open: c.count - c.resolved, resolved: c.resolved })).sort(byCount((x) => x.topic)),
    recent: [...rows].sort((a, b) => Number(b.id) - Number(a.id)).slice(0, limit),
  };
}
