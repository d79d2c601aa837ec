// first: on a Node.js older than engines, one line on stderr and exit 1 (node-version.ts)
import '../node-version.ts';
import { sortKeysDeep } from '../contract/index.ts';
import { InputError } from '../errors.ts';
import {
  aggregatesFor,
  computeLedgerDigest,
  type DeadLetterEntry,
  type DeadLetterFilters,
  type DigestOptions,
  findDeadLetters,
  kyselyOf,
  type LedgerDigest,
  listLimit,
  openStore,
  type OpenStoreOptions,
  rangeClause,
  runSql,
  type SignalRecord,
  SqlParams,
  type Store,
  type VerifyOptions,
  type VerifyResult,
  verifyLedger,
} from '../store/index.ts';
import { compareKeys } from '../numeric/index.ts';
import { type GroupStats, groupStats, type SlippageSpread, slippageSpread } from './group-stats.ts';
import { byCountThenName, computeFullExecutionStats, countRejections, type FullExecutionStats, totalsByReason } from './signal-stats.ts';
import { type AsOfFilters, type AsOfOptions, type AsOfPage, findSignalAsOf, findSignalHistory, findSignalsAsOf, type SignalVersion } from './signal-history.ts';
import { deadLetterCounts, type SignalWindow, windowWhere } from './window-measures.ts';

export type { FullExecutionStats as ExecutionStats, SignalWindow as AnalyticsWindow };
export type { DecimalDistribution, LatencyPercentiles } from './signal-stats.ts';
export * from './signal-history.ts';
export type { GroupBy, GroupStats, SignalQuality, SlippageSpread } from './group-stats.ts';

/** Reasons with their count and share of the rejected signals. */
export interface ReasonShare {
  reason: string;
  count: number;
  /** count over the rejected signals of the same scope */
  share: number;
}

export interface RejectionSummary {
  /** rejected signals in the window */
  total: number;
  reasons: ReasonShare[];
  /** per strategy (null: details not arrived), strategies in code-point order */
  byStrategy: { strategy: string | null; total: number; reasons: ReasonShare[] }[];
}

export type StrategyAttribution = Omit<GroupStats, 'key'> & { strategy: string | null };
export type SymbolBreakdown = Omit<GroupStats, 'key'> & { symbol: string | null };

/** The metrics a time series can carry. */
export const TIME_SERIES_METRICS = {
  signals: (g: GroupStats) => g.signals,
  executed: (g: GroupStats) => g.executedCount,
  rejected: (g: GroupStats) => g.rejectedCount,
  passRate: (g: GroupStats) => g.passRate,
  executionRate: (g: GroupStats) => g.executionRate,
  executedQuantity: (g: GroupStats) => g.executedQuantity,
  executedNotional: (g: GroupStats) => g.executedNotional,
  meanSlippageBps: (g: GroupStats) => g.meanSlippageBps,
  fees: (g: GroupStats) => g.fees,
  latencyP50: (g: GroupStats) => g.latencyToExecutedMs.p50,
  latencyP95: (g: GroupStats) => g.latencyToExecutedMs.p95,
  latencyP99: (g: GroupStats) => g.latencyToExecutedMs.p99,
} as const;
export type TimeSeriesMetric = keyof typeof TIME_SERIES_METRICS;

export interface TimeSeriesOptions extends SignalWindow {
  bucket: 'hour' | 'day';
  /** default: every metric */
  metrics?: readonly TimeSeriesMetric[];
}

/** One bucket (only buckets with signals appear): its start and the metrics asked for. */
export type TimeSeriesPoint = { bucket: string } & Partial<Record<TimeSeriesMetric, number | string | null>>;

export interface ListOptions {
  /** default 100, at most 10,000 */
  limit?: number;
}

export interface AnomalyReport {
  /** signals in the window with at least one anomaly */
  total: number;
  /** anomaly -> signals carrying it, largest first */
  byKind: { anomaly: string; count: number }[];
  /** the newest such signals */
  signals: { signalId: string; strategy: string | null; symbol: string | null; status: string; effectiveAt: string; anomalies: string[] }[];
}

export interface DeadLetterWindow extends ListOptions {
  /** received at or after */
  from?: Date | string;
  /** received before */
  to?: Date | string;
}

export interface DeadLetterReport {
  total: number;
  /** not (yet) applied */
  open: number;
  /** applied by `dead-letters retry` after the contract or the settings changed (never deleted) */
  resolved: number;
  /** topic ('api' for the repository's calls) -> dead letters, largest first */
  byTopic: { topic: string; count: number; open: number; resolved: number }[];
  /** the newest, each with its problems */
  recent: {
    id: number;
    receivedAt: string;
    source: string;
    topic: string | null;
    partition: number | null;
    offset: string | null;
    key: string | null;
    rawValue: string | null;
    problems: unknown;
    resolvedAt: string | null;
    resolvedEventId: string | null;
  }[];
}

function shares(counts: readonly { reason: string; count: number }[], total: number): ReasonShare[] {
  return counts.map((c) => ({ ...c, share: total > 0 ? c.count / total : 0 }));
}

const limitOf = (options: ListOptions): number => listLimit(options.limit, 'the maximum');

/** Runs one query whose SQL is built with fresh parameters. */
async function query<R>(store: Store, build: (params: SqlParams) => string): Promise<R[]> {
  const params = new SqlParams(store.dialect);
  const text = build(params);
  return runSql<R>(kyselyOf(store), text, params.values);
}

/**
 * Read-only analytics for reporting jobs: `import { Analytics } from 'signal-ledger/analytics'`.
 * Every figure is computed by the database (aggregates, percentiles) over a window on generated_at;
 * decimals are exact strings, the same on SQLite and PostgreSQL.
 */
export class Analytics {
  readonly store: Store;
  readonly #owned: boolean;

  private constructor(store: Store, owned: boolean) {
    this.store = store;
    this.#owned = owned;
  }

  static async open(options: OpenStoreOptions = {}): Promise<Analytics> {
    return new Analytics(await openStore(options), true);
  }

  /** Over a store someone else opened (a repository's `.store`); close() leaves it open. */
  static fromStore(store: Store): Analytics {
    return new Analytics(store, false);
  }

  /** Counts, rates, fill ratio, slippage distribution, fees and latency percentiles. */
  getExecutionStats(window: SignalWindow = {}): Promise<FullExecutionStats> {
    return computeFullExecutionStats(this.store, window);
  }

  /** Rejected signals by reason, overall and per strategy. */
  async getRejectionSummary(window: SignalWindow = {}): Promise<RejectionSummary> {
    const counts = await countRejections(this.store, window);
    const total = counts.reduce((n, c) => n + c.count, 0);
    const strategies = [...new Set(counts.map((c) => c.strategy))].sort(compareKeys);
    return {
      total,
      reasons: shares(totalsByReason(counts), total),
      byStrategy: strategies.map((strategy) => {
        const mine = counts.filter((c) => c.strategy === strategy);
        const n = mine.reduce((a, c) => a + c.count, 0);
        return { strategy, total: n, reasons: shares(totalsByReason(mine), n) };
      }),
    };
  }

  /** Per strategy: signals, pass and execution rates, notional, slippage, fees, quality of executed vs rejected. */
  async getStrategyAttribution(window: SignalWindow = {}): Promise<StrategyAttribution[]> {
    return (await groupStats(this.store, window, 'strategy')).map(({ key, ...rest }) => ({ strategy: key, ...rest }));
  }

  /** The same figures per symbol. */
  async getSymbolBreakdown(window: SignalWindow = {}): Promise<SymbolBreakdown[]> {
    return (await groupStats(this.store, window, 'symbol')).map(({ key, ...rest }) => ({ symbol: key, ...rest }));
  }

  /** The spread of slippage in basis points (min, quartiles, p95, max) per strategy (default) or symbol. */
  async getSlippageDistribution(window: SignalWindow & { by?: 'strategy' | 'symbol' } = {}): Promise<SlippageSpread[]> {
    const { by = 'strategy', ...rest } = window;
    if (by !== 'strategy' && by !== 'symbol') throw InputError.invalid('by', `must be 'strategy' or 'symbol' (got ${JSON.stringify(by)})`);
    return slippageSpread(this.store, rest, by);
  }

  /** The same figures per UTC hour or day of generated_at, as one point per bucket that has signals. */
  async getTimeSeries(options: TimeSeriesOptions): Promise<TimeSeriesPoint[]> {
    const { bucket, metrics = Object.keys(TIME_SERIES_METRICS) as TimeSeriesMetric[], ...window } = options;
    if (bucket !== 'hour' && bucket !== 'day') throw InputError.invalid('bucket', `must be 'hour' or 'day' (got ${JSON.stringify(bucket)})`);
    for (const m of metrics) {
      if (!Object.hasOwn(TIME_SERIES_METRICS, m)) throw InputError.invalid('metrics', `unknown metric ${JSON.stringify(m)}; known: ${Object.keys(TIME_SERIES_METRICS).join(', ')}`);
    }
    return (await groupStats(this.store, window, bucket)).map((g) => {
      const point: TimeSeriesPoint = { bucket: g.key as string };
      for (const m of metrics) point[m] = TIME_SERIES_METRICS[m](g);
      return point;
    });
  }

  /** Signals whose record carries anomaly notes: how many, of which kind, and the newest. */
  async getAnomalies(window: SignalWindow & ListOptions = {}): Promise<AnomalyReport> {
    const limit = limitOf(window);
    const sql = aggregatesFor(this.store.dialect);
    // the predicate of the partial index signals_anomalies_idx
    const flagged = (params: SqlParams) => [...windowWhere(params, window, 's'), `s."anomalies" <> '[]'`].join(' and ');
    const [totalRow] = await query<{ n: number | string }>(this.store, (params) => `select count(*) as "n" from "signals" s where ${flagged(params)}`);
    const kinds = await query<{ anomaly: string; n: number | string }>(
      this.store,
      (params) => `select a."value" as "anomaly", count(*) as "n" from "signals" s, ${sql.jsonElements('s."anomalies"', 'a')} where ${flagged(params)} group by a."value"`,
    );
    const rows = await query<Record<string, unknown>>(
      this.store,
      (params) =>
        `select s."signal_id", s."strategy_name", s."symbol", s."status", ${sql.timestamp('s."effective_at"')} as "effective_at", s."anomalies"
           from "signals" s where ${flagged(params)} order by s."effective_at" desc, ${sql.binary('s."signal_id"')} desc limit ${params.add(limit)}`,
    );
    return {
      total: Number(totalRow?.n ?? 0),
      byKind: kinds.map((k) => ({ anomaly: k.anomaly, count: Number(k.n) })).sort(byCountThenName((k) => k.anomaly)),
      signals: rows.map((r) => ({
        signalId: String(r.signal_id),
        strategy: (r.strategy_name as string | null) ?? null,
        symbol: (r.symbol as string | null) ?? null,
        status: String(r.status),
        effectiveAt: String(r.effective_at),
        anomalies: (typeof r.anomalies === 'string' ? JSON.parse(r.anomalies) : r.anomalies) as string[],
      })),
    };
  }

  /** Dead letters received in [from, to): how many, from which topic, and the newest with their problems. */
  async getDeadLetters(window: DeadLetterWindow = {}): Promise<DeadLetterReport> {
    const limit = limitOf(window);
    const sql = aggregatesFor(this.store.dialect);
    const where = (params: SqlParams) => {
      const w = rangeClause(params, window.from, window.to, '', ['from', 'to'], 'received_at');
      return w.length > 0 ? `where ${w.join(' and ')}` : '';
    };
    const rows = await query<Record<string, unknown>>(
      this.store,
      (params) =>
        `select "id", ${sql.timestamp('"received_at"')} as "received_at", "source", "topic", "partition", cast("offset" as text) as "offset", "message_key", "raw_value", "problems",
                ${sql.timestamp('"resolved_at"')} as "resolved_at", "resolved_event_id"
           from "dead_letters" ${where(params)} order by "id" desc limit ${params.add(limit)}`,
    );
    const byTopic = [...(await deadLetterCounts(this.store, window.from, window.to))]
      .map(([topic, c]) => ({ topic, count: c.count, open: c.count - c.resolved, resolved: c.resolved }))
      .sort(byCountThenName((t) => t.topic));
    const total = byTopic.reduce((n, t) => n + t.count, 0);
    const resolved = byTopic.reduce((n, t) => n + t.resolved, 0);
    return {
      total,
      open: total - resolved,
      resolved,
      byTopic,
      recent: rows.map((r) => ({
        id: Number(r.id),
        receivedAt: String(r.received_at),
        source: String(r.source),
        topic: (r.topic as string | null) ?? null,
        partition: r.partition === null || r.partition === undefined ? null : Number(r.partition),
        offset: (r.offset as string | null) ?? null,
        key: (r.message_key as string | null) ?? null,
        rawValue: (r.raw_value as string | null) ?? null,
        problems: sortKeysDeep(typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems),
        resolvedAt: (r.resolved_at as string | null) ?? null,
        resolvedEventId: (r.resolved_event_id as string | null) ?? null,
      })),
    };
  }

  /** Every version of a signal's record, one per distinct event in event time (docs/audit.md). */
  getSignalHistory(signalId: string): Promise<SignalVersion[]> {
    return findSignalHistory(this.store, signalId);
  }

  /** A signal's record from the events that had occurred by `asOf` and been received by `knownAt`; null before its first. */
  getSignalAsOf(signalId: string, when: AsOfOptions): Promise<SignalRecord | null> {
    return findSignalAsOf(this.store, signalId, when);
  }

  /** Every signal's record as of / known at a time, filtered as it was then, in signal_id order, keyset-paged. */
  getSignalsAsOf(filters: AsOfFilters, page: AsOfPage, when: AsOfOptions): Promise<SignalRecord[]> {
    return findSignalsAsOf(this.store, filters, page, when);
  }

  /** Proves the records and rollups are what the audit trail gives (`signal-ledger verify`); reads only. */
  verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    return verifyLedger(this.store, options);
  }

  /** The ledger's root, for everything or what was received by `to` (`signal-ledger digest`). */
  getDigest(options: DigestOptions = {}): Promise<LedgerDigest> {
    return computeLedgerDigest(this.store, options);
  }

  /** Dead letters with their problems and resolution, newest first (`signal-ledger dead-letters list`). */
  listDeadLetters(filters: DeadLetterFilters = {}): Promise<DeadLetterEntry[]> {
    return findDeadLetters(this.store, filters);
  }

  async close(): Promise<void> {
    if (this.#owned) await this.store.close();
  }
}
