import { defineEntity, p } from '@mikro-orm/core';
import { DecimalString, JsonColumn, JsonTextColumn, TimestampString } from '../column-types.ts';
import { columnNameOf } from '../entity-columns.ts';

const dec = () => p.type(DecimalString).nullable();
const ts = () => p.type(TimestampString).nullable();

type LatencyProperty = 'latencyToRiskUs' | 'latencyToSubmittedUs' | 'latencyToFirstFillUs' | 'latencyToExecutedUs';
const latencyIndex = (name: LatencyProperty) => ({
  name: `signals_${columnNameOf(name)}_idx`,
  properties: [name, 'effectiveAt', 'strategyName', 'symbol'] as (LatencyProperty | 'effectiveAt' | 'strategyName' | 'symbol')[],
  where: `"${columnNameOf(name)}" is not null`,
});

const LATENCY_INDEXES = (['latencyToRiskUs', 'latencyToSubmittedUs', 'latencyToFirstFillUs', 'latencyToExecutedUs'] as const).map(latencyIndex);
// decimals by their double first, then exactly
const SLIPPAGE_INDEXES = (['slippage', 'slippage_bps'] as const).map((column) => ({
  name: `signals_${column}_idx`,
  expression: `create index "signals_${column}_idx" on "signals" (cast("${column}" as double precision), "${column}", "effective_at", "strategy_name", "symbol") where "${column}" is not null`,
}));

/** The value-ordered indexes, which PostgreSQL's percentiles walk: PostgreSQL's only (src/store/sqlite-schema.ts). */
export const VALUE_ORDERED_INDEXES: readonly string[] = [...LATENCY_INDEXES, ...SLIPPAGE_INDEXES].map((index) => index.name);

/**
 * SQLite's index instead of the value-ordered ones: the measured columns in time order, which every percentile
 * query there reads alone (src/analytics/window-measures.ts). Its entries come in about the order signals do, where
 * the value-ordered ones took theirs at scattered places, and each commit wrote a page of each of them an entry:
 * with them `applyBatch` on SQLite ran at about 0.75 times the speed and slowed twice as much as the store grew
 * (docs/benchmarks.md, "Percentiles on SQLite from one index in time order").
 */
export const SQLITE_MEASURES_INDEX = {
  name: 'signals_measures_idx',
  sql: 'create index "signals_measures_idx" on "signals" ("effective_at", "latency_to_risk_us", "latency_to_submitted_us", "latency_to_first_fill_us", "latency_to_executed_us", "slippage", "slippage_bps", "strategy_name", "symbol")',
} as const;

/** One row per signal: the fields of the original SignalRecord plus the ledger's own (contract section 4). */
export const SignalEntity = defineEntity({
  name: 'Signal',
  tableName: 'signals',
  properties: {
    signalId: p.string().length(128).primary(),
    strategyName: p.string().length(128).nullable(),
    symbol: p.string().length(64).nullable(),
    signalType: p.string().length(64).nullable(),
    direction: p.string().length(4).nullable(),
    strength: dec(),
    qualityScore: dec(),
    requestedQuantity: dec(),
    positionValue: dec(),
    targetPrice: dec(),
    signalPrice: dec(),
    signalMetadata: p.type(JsonColumn).nullable(),
    sharpeEstimate: dec(),
    stopLoss: dec(),
    takeProfit: dec(),
    expiresAt: ts(),
    generatedAt: ts(),
    processedAt: ts(),
    executedAt: ts(),
    firstFillAt: ts(),
    riskCheckedAt: ts(),
    submittedAt: ts(),
    closedAt: ts(),
    firstEventAt: p.type(TimestampString),
    /** generated_at, or first_event_at while the details have not arrived: what lists sort and date ranges filter on */
    effectiveAt: p.type(TimestampString),
    status: p.string().length(32),
    rejectionReason: p.text().nullable(),
    riskCheckPassed: p.boolean().nullable(),
    riskCheckDetails: p.type(JsonColumn).nullable(),
    orderId: p.string().length(128).nullable(),
    orderQuantity: dec(),
    executedPrice: dec(),
    executedQuantity: dec(),
    fees: dec(),
    slippage: dec(),
    slippageBps: dec(),
    outcomeReason: p.text().nullable(),
    anomalies: p.type(JsonColumn),
    /** number of distinct events applied to this signal */
    version: p.integer(),
    /** sha256 over the sorted content hashes of its events (eventsDigest): tamper evidence. Null only while a migration fills it in */
    eventsDigest: p.string().length(64).nullable(),
    /** latencies in microseconds (see LATENCIES in signal-columns.ts): percentiles walk their indexes */
    latencyToRiskUs: p.bigint('number').nullable(),
    latencyToSubmittedUs: p.bigint('number').nullable(),
    latencyToFirstFillUs: p.bigint('number').nullable(),
    latencyToExecutedUs: p.bigint('number').nullable(),
    createdAt: p.type(TimestampString),
    updatedAt: p.type(TimestampString),
    /** the merged fold state (src/fold): what a new batch merges into */
    foldState: p.type(JsonTextColumn),
  },
  indexes: [
    { name: 'signals_effective_at_idx', properties: ['effectiveAt', 'signalId'] },
    { name: 'signals_strategy_idx', properties: ['strategyName', 'effectiveAt'] },
    { name: 'signals_symbol_idx', properties: ['symbol', 'effectiveAt'] },
    { name: 'signals_status_idx', properties: ['status', 'effectiveAt'] },
    /** the few signals with anomaly notes, by time: getAnomalies reads only these */
    { name: 'signals_anomalies_idx', properties: ['effectiveAt'], where: `"anomalies" <> '[]'` },
    // value order for exact percentiles on PostgreSQL (VALUE_ORDERED_INDEXES; SQLite has SQLITE_MEASURES_INDEX
    // instead): a nearest-rank pick walks to its rank instead of sorting the window; the window's columns make the
    // walk read the index alone
    ...LATENCY_INDEXES,
    ...SLIPPAGE_INDEXES,
  ],
});
