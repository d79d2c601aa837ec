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
export {
  applyBatch,
  type ApplyResult,
  type AuditEntry,
  type ExecutionStats,
  openStore,
  type PageOptions,
  type SaveSignalOptions,
  type SignalFilters,
  type SignalRecord,
  SignalRepository,
  type Store,
  type TradingSignal,
  type UpdateFields,
} from './store/index.ts';
export { ingestLines, type IngestSummary } from './ingest/index.ts';
