// The repository API (SignalRepository, the Python layer's names) and the record queries under it: a feeder
// (its writes go through applyBatch) and a reader above the store and the analytics.
export * from './signal-queries.ts';
export * from './signal-repository.ts';
export { type AsOfOptions, findSignalAsOf, findSignalHistory, findSignalsAsOf, type SignalVersion } from '../analytics/index.ts';
