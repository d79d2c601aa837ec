import type { SignalWindow } from './window-measures.ts';
import type { Analytics, ExecutionStats, RejectionSummary, StrategyAttribution, TimeSeriesPoint } from './index.ts';
import type { SlippageSpread } from './group-stats.ts';

/** Everything the report shows, gathered from the analytics calls. */
export interface ReportData {
  window: SignalWindow;
  generatedAt: string;
  database: string;
  stats: ExecutionStats;
  rejections: RejectionSummary;
  strategies: StrategyAttribution[];
  slippage: SlippageSpread[];
  /** latency percentiles by day, or by hour when the data spans at most a week */
  latency: { bucket: 'hour' | 'day'; points: TimeSeriesPoint[] };
}

export async function gatherReport(analytics: Analytics, window: SignalWindow, database: string): Promise<ReportData> {
  const days = await analytics.getTimeSeries({ ...window, bucket: 'day', metrics: ['signals', 'latencyP50', 'latencyP95', 'latencyP99'] });
  const latency =
    days.length <= 7
      ? { bucket: 'hour' as const, points: await analytics.getTimeSeries({ ...window, bucket: 'hour', metrics: ['signals', 'latencyP50', 'latencyP95', 'latencyP99'] }) }
      : { bucket: 'day' as const, points: days };
  return {
    window,
    generatedAt: new Date().toISOString(),
    database,
    stats: await analytics.getExecutionStats(window),
    rejections: await analytics.getRejectionSummary(window),
    strategies: await analytics.getStrategyAttribution(window),
    slippage: await analytics.getSlippageDistribution(window),
    latency,
  };
}
