export * from './apply-batch.ts';
export * from './database-url.ts';
export * from './entities/index.ts';
export * from './open-store.ts';
