export * from './fold-signal.ts';
export { EMPTY_STATE, type FillFact, type FoldState, mergeStates, type OverridableField, stateOf } from './fold-state.ts';
export * from './signal-status.ts';
