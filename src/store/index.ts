export * from './apply-batch.ts';
export * from './database-url.ts';
export * from './entities/index.ts';
export * from './open-store.ts';
export * from './signal-columns.ts';
export * from './signal-queries.ts';
export * from './signal-repository.ts';
