export * from './fold-signal.ts';
export { EMPTY_STATE, type FoldState, mergeStates, stateOf } from './fold-state.ts';
export * from './signal-status.ts';
