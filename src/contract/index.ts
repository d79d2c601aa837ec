export * from './canonical-json.ts';
export * from './decimal.ts';
export * from './events.ts';
export * from './limits.ts';
export * from './parse-message.ts';
export * from './schemas.ts';
export * from './timestamp.ts';
