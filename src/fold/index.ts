export * from './fold-signal.ts';
export * from './signal-status.ts';
