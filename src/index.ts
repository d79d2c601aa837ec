// first: on a Node.js older than engines, one line on stderr and exit 1 (node-version.ts)
import './node-version.ts';
export { LedgerError, ErrorCode } from './errors.ts';
export {
  DEFAULT_TOPICS,
  EventKind,
  parseMessage,
  type ParsedMessage,
  type Problem,
  type RawMessage,
  type SignalEvent,
} from './contract/index.ts';
export { Anomaly, foldSignal, SignalStatus, type SignalFacts } from './fold/index.ts';
export { applyBatch, type ApplyResult, openStore, type SignalRecord, type Store } from './store/index.ts';
export { type AsOfOptions, type AuditEntry, type PageOptions, type SignalVersion, type SaveSignalOptions, type SignalFilters, SignalRepository, type TradingSignal, type UpdateFields } from './api/index.ts';
export type { ExecutionStats } from './analytics/signal-stats.ts';
export { ingestLines, type IngestSummary } from './ingest/index.ts';
